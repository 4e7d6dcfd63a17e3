"""xueji_desktop.forms is the one description of the 2022 form: the screen form, the printed form and the
Excel template render from it — so a field added to fields.toml appears in all three, and the screen
shows a section only when the record needs it."""

from __future__ import annotations

import pytest

from xueji_desktop.paths import resource

pytestmark = pytest.mark.gui

NEW_FIELD = '''
[[field]]
key = "vision"
label = "视力情况"
item = 38
excel = "视力情况"
type = "text"
group = "special"
help = "如：正常、近视"
'''


def _clear_caches() -> None:
    from xueji_desktop.excel.columns import columns
    from xueji_desktop.forms.layout import form_sections
    from xueji_desktop.validation.spec import load_spec

    for cached in (load_spec, form_sections, columns):
        cached.cache_clear()


@pytest.fixture
def spec_with_new_field(tmp_path, monkeypatch):
    """fields.toml plus one field — the only edit a new field needs."""
    import xueji_desktop.validation.spec as spec_module

    text = resource("spec", "fields.toml").read_text(encoding="utf-8")
    head, codes = text.split("\n[codes", 1)  # fields come before the code tables
    path = tmp_path / "fields.toml"
    path.write_text(head + NEW_FIELD + "\n[codes" + codes, encoding="utf-8")
    real = spec_module.resource
    monkeypatch.setattr(spec_module, "resource", lambda *parts: path if parts == ("spec", "fields.toml")
                        else real(*parts))
    _clear_caches()
    yield
    monkeypatch.undo()
    _clear_caches()


def test_sections_follow_the_paper_form():
    from xueji_desktop.forms import form_sections, paper_sections

    sections = {s.key: s for s in form_sections()}
    assert list(sections) == ["student", "member1", "member2", "special", "extra"]
    rows = [(a.item, b.item if b else None) for a, b in sections["student"].paper_rows]
    assert rows[:2] == [(1, 10), (2, 11)] and rows[-1] == (9, None)
    first, pair = sections["member2"].paper_rows[0]
    assert (first.item, pair.item) == (27, 32)
    assert [s.key for s in paper_sections()] == ["student", "member1", "member2", "special"]
    assert sections["special"].shown({"is_disabled": "1"}) and not sections["special"].shown({"is_disabled": "0"})
    assert not sections["member2"].shown({"members": [{"id_type": "1"}]})
    assert sections["member2"].shown({"members": [{"name": "张三"}]})


def test_a_field_added_to_fields_toml_appears_on_screen_on_paper_and_in_excel(qtbot, demo_store,
                                                                              spec_with_new_field):
    from xueji_desktop.excel.columns import columns
    from xueji_desktop.printing.form import build_form
    from xueji_desktop.ui.student_form import StudentForm

    assert "视力情况" in [c.header for c in columns()]
    texts = build_form(None).texts()
    assert "38" in texts and "视力情况" in texts
    assert "近视" in build_form({"name": "甲", "is_disabled": "1", "vision": "近视"}).texts()
    form = StudentForm(demo_store)
    qtbot.addWidget(form)
    assert "vision" in form.widgets and form.widgets["vision"].toolTip() == "如：正常、近视"
    form.widgets["vision"].setText("近视")
    assert form.record()["vision"] == "近视"


def test_screen_sections_show_when_the_record_needs_them(qtbot, demo_store):
    from xueji_desktop.ui.student_form import StudentForm

    form = StudentForm(demo_store)
    qtbot.addWidget(form)
    form.show()
    special, second = form.section_boxes["special"], form.section_boxes["member2"]
    assert not special.isVisibleTo(form) and not second.isVisibleTo(form)
    form.widgets["is_disabled"].set_code("1")
    assert special.isVisibleTo(form)
    form.widgets["is_disabled"].set_code("0")
    assert not special.isVisibleTo(form)
    form.widgets["members.0.name"].setText("李四")
    assert second.isVisibleTo(form)
    # a stored record with member 2 filled opens with the section shown
    sid = demo_store.query("SELECT student_id FROM family_members WHERE seq = 1 LIMIT 1")
    if sid:
        form.load(sid[0][0])
        assert second.isVisibleTo(form)
