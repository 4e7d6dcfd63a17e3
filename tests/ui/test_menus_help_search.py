"""Menu bar, 帮助 (guide, shortcuts, 关于), 查找学生 (Ctrl+F from any window) and 查找功能 (Ctrl+K), on
real widgets; the guide names only pages, tabs, buttons and menu commands that exist."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QTabWidget

from tests.conftest import PASSWORD

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, demo_store):
    from xueji_desktop.ui.main_window import MainWindow

    w = MainWindow(demo_store)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _menu_titles(window) -> dict[str, list[str]]:
    return {m.text(): [a.text() for a in m.menu().actions() if not a.isSeparator()]
            for m in window.menuBar().actions()}


def test_menu_bar_has_file_pages_and_help(window):
    menus = _menu_titles(window)
    assert list(menus) == ["文件(&F)", "页面(&P)", "帮助(&H)"]
    assert menus["帮助(&H)"] == ["使用说明(&G)", "快捷键(&K)", "关于(&A)"]
    assert menus["页面(&P)"] == window.names


def test_ctrl_number_goes_to_a_page(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.nav.setFocus()
    qtbot.keyClick(window.nav, Qt.Key_8, Qt.ControlModifier)
    assert window.pages.currentIndex() == 7 and window.nav.currentRow() == 7


def test_about_names_version_and_data_file(window, demo_store):
    from xueji_desktop import __version__

    dialog = window.show_about()
    text = dialog.findChild(type(dialog.layout().itemAt(0).widget())).text()
    assert __version__ in text and str(demo_store.path) in text
    dialog.close()


def test_shortcuts_list_comes_from_the_menus(window):
    dialog = window.show_shortcuts()
    text = dialog.browser.toPlainText()
    for keys in ("Ctrl+F", "Ctrl+K", "F1", "Ctrl+1", "Ctrl+S", "Ctrl+Enter", "Ctrl+Z"):
        assert keys in text
    dialog.close()


def _app_texts(window) -> set[str]:
    """Every page, tab, button, check box and menu command of the app (pages built)."""
    texts = set(window.names)
    for name in window.names:
        page = window.page(name)
        if isinstance(page, QTabWidget):
            texts |= {page.tabText(i) for i in range(page.count())}
        texts |= {b.text() for b in page.findChildren(QAbstractButton)}
    for menu, actions in _menu_titles(window).items():
        texts |= {menu, *actions}
    if "学生信息" in window.names:
        form = window.new_student(None)
        texts |= {b.text() for b in form.findChildren(QAbstractButton)}
        form.close()
    return {re.sub(r"\(&\w\)|&| \(Ctrl\+\w+\)", "", t).strip() for t in texts if t}


def _check_guide_part(window, part: str, *also) -> None:
    """``also``: windows of the same side whose controls the part may name too (a city file's county pages)."""
    texts = _app_texts(window).union(*(_app_texts(w) for w in also))
    quoted = set(re.findall(r"“([^”]+)”", part))
    # Quoted words that are examples of what to type, or the names of statuses, not controls.
    examples = {"导出", "密码", "汉族", "待修正", "查找学生", "查找功能"}
    # a check box's text may go on with an explanation in brackets: its start is its name
    assert sorted(q for q in quoted - examples if not any(t.startswith(q) for t in texts)) == []
    for name in window.names:  # every page of this side has its section, once
        assert part.count(f"### {name}\n") == 1, name


def test_guide_names_only_what_the_app_has(qtbot, window, county, tmp_path):
    from xueji_desktop.county.workspace import create_county_store
    from xueji_desktop.ui.help import guide_markdown
    from xueji_desktop.ui.main_window import MainWindow

    school_part, county_part = guide_markdown().split("## 县级端")
    _check_guide_part(window, school_part)
    county_window = MainWindow(county)
    qtbot.addWidget(county_window)
    city, _r, _fp = create_county_store(tmp_path / "city.xjdb", username="admin", password=PASSWORD, level="city",
                                        county={"code": "1401", "name": "太原市", "city_code": "14",
                                                "city_name": "山西省"})
    city_window = MainWindow(city)
    qtbot.addWidget(city_window)
    _check_guide_part(county_window, county_part, city_window)
    county_window.close()
    city_window.close()
    city.close()


def test_guide_opens_from_f1(qtbot, window):
    dialog = window.show_guide()
    assert "学生采集表" in dialog.browser.toPlainText()
    dialog.close()


def test_ctrl_f_from_the_student_form_finds_by_pinyin_initials_and_opens(qtbot, window, demo_store):
    from xueji_desktop.derive import pinyin_sort_keys

    sid, name = demo_store.query("SELECT id, name FROM students ORDER BY id DESC LIMIT 1")[0]
    initials = "".join(r[0] for r in pinyin_sort_keys([name])[0][0::2])
    form = window.new_student(None)
    form.raise_()
    form.activateWindow()
    if not form.isActiveWindow():
        QApplication.setActiveWindow(form)
    qtbot.waitUntil(form.isActiveWindow, timeout=3000)
    qtbot.keyClick(form.widgets["name"], Qt.Key_F, Qt.ControlModifier)  # from the form window, not the main one
    dialog = window.search_dialog
    assert dialog.isVisible()
    qtbot.keyClicks(dialog.query, initials)
    ids = [dialog.results.item(i).data(Qt.UserRole) for i in range(dialog.results.count())]
    assert sid in ids
    dialog.results.setCurrentRow(ids.index(sid))
    qtbot.keyClick(dialog.query, Qt.Key_Return)
    assert window.forms[sid].isVisible()


def test_student_search_by_id_digits_and_name(demo_store):
    from xueji_desktop.records.search import StudentIndex

    sid, name, number = demo_store.query("SELECT id, name, id_number FROM students ORDER BY id LIMIT 1")[0]
    index = StudentIndex(demo_store.conn)
    assert index.find(number[:6])[0].id_number.startswith(number[:6])
    assert sid in [h.student_id for h in index.find(number[-6:])]
    assert index.find(name)[0].name == name
    assert index.find("   ") == []


def test_cli_find(demo_path, monkeypatch, capsys):
    import json

    from xueji_desktop.cli import main

    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    assert main(["find", "--db", str(demo_path), "--json", "1401"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits and all(h["id_number"].startswith("1401") for h in hits[:5])
    assert main(["find", "--db", str(demo_path), "不存在的名字"]) == 1


def test_function_finder_goes_to_the_button(qtbot, window):
    dialog = window.find_function()
    dialog.query.setText("上报数据包")  # typed through an input method
    titles = [dialog.results.item(i).text() for i in range(dialog.results.count())]
    assert any(t.endswith("导出上报数据包…") for t in titles), titles
    row = next(i for i, t in enumerate(titles) if t.endswith("导出上报数据包…"))
    dialog.results.setCurrentRow(row)
    qtbot.keyClick(dialog.query, Qt.Key_Return)
    tabs = window.current_page()
    assert window.names[window.nav.currentRow()] == "导入导出" and tabs.currentIndex() == 1
    # by pinyin initials: "mm" finds 修改我的密码
    again = window.find_function()
    qtbot.keyClicks(again.query, "mm")
    assert any("密码" in again.results.item(i).text() for i in range(again.results.count()))
    again.close()


def test_about_text_is_not_cut_off(qtbot, window):
    from PySide6.QtWidgets import QLabel

    dialog = window.show_about()
    qtbot.waitExposed(dialog)
    label = dialog.findChild(QLabel)
    assert label.height() >= label.heightForWidth(label.width())
    dialog.close()


def test_ctrl_k_opens_the_function_finder_while_typing_in_a_search_box(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    page = window.go("学生信息")
    page.search.setFocus()
    qtbot.keyClick(page.search, Qt.Key_K, Qt.ControlModifier)
    assert getattr(window, "function_finder", None) is not None and window.function_finder.isVisible()
    window.function_finder.close()
