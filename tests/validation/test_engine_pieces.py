"""validate_student in pieces (value_issues, required_keys, across_issues), as the Excel import's fast path
uses them: for a record whose values each pass on their own, nothing but the cross-field issues remain."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import example, given, settings
from hypothesis import strategies as st

from xueji_desktop.demo import demo_classes, make_student
from xueji_desktop.records.students import context_for
from xueji_desktop.validation import load_spec, validate_student
from xueji_desktop.validation.engine import across_issues, required_keys, value_check, value_issues
from xueji_desktop.validation.normalize import field_normalizer, normalize_record

TODAY = date.today()
_VALUES = ["", " ", "1", "2", "0", "3", "6", "Z", "11", "12", "41", "01", "99", "X", "CHN", "HKG", "00", "2015-03-07",
           "2015-02-30", "202209",
           "202213", "13812345678", "1381234", "030001", "140105000000", "abc", "太原", "同上",
           "山西省太原市小店区平阳路30号", "王小明", "王小明1", "x" * 80, "140105202007305792"]


def _pieces_clean(record: dict) -> bool:
    """The fast path's preconditions (see the note above value_issues in validation/engine.py)."""
    def clean(d: dict, member: bool) -> bool:
        return (all(v not in ("", None) and not (isinstance(v, str) and v.isspace())
                    and not value_issues(k, v, member=member) for k, v in d.items())
                and required_keys(member=member) <= d.keys())
    members = record["members"]
    return (clean({k: v for k, v in record.items() if k != "members"}, False)
            and all(m and clean(m, True) for m in members)
            and any(m.get("is_guardian") == "1" for m in members))


_STUDENT_KEYS = sorted(k for k in load_spec().student_by_key if k not in ("class_code", "grade"))
_MEMBER_KEYS = sorted(load_spec().member_by_key)


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 10**6), spoil=st.booleans(),
       edits=st.lists(st.one_of(st.tuples(st.just(None), st.sampled_from(_STUDENT_KEYS), st.sampled_from(_VALUES)),
                                st.tuples(st.integers(0, 1), st.sampled_from(_MEMBER_KEYS), st.sampled_from(_VALUES))),
                      max_size=4))
@example(seed=1, spoil=False, edits=[(None, "is_disabled", "0")])   # a rule (disability)
@example(seed=1, spoil=False, edits=[(None, "hmt", "41")])          # a rule (nationality)
@example(seed=1, spoil=False, edits=[(None, "birth_date", "2015-03-07")])  # documents (birth vs ID)
@example(seed=1, spoil=False, edits=[(0, "relation", "2")])         # documents (member's ID vs relation)
def test_clean_values_leave_only_cross_field_issues(seed, spoil, edits):
    rng = random.Random(seed)
    cls = rng.choice(demo_classes(TODAY))
    record = make_student(rng, cls, with_errors=spoil)
    record["class_code"], record["grade"] = "2024101", "11"
    for member, key, value in edits:
        (record if member is None else record["members"][member])[key] = value
    ctx = context_for(None, TODAY)
    across = across_issues(record, ctx)
    everything = validate_student(record, ctx)
    assert all(i in everything for i in across)
    if _pieces_clean(record):
        assert everything == across


def test_value_issues_is_per_value():
    assert value_issues("gender", "1") == []
    assert [i.code for i in value_issues("gender", "男")] == ["code.unknown"]
    assert [i.field for i in value_issues("phone", "1381234", member=True)] == ["members.0.phone"]
    assert value_issues("phone", "") == []  # blank: only "required" could apply, and that is required_keys'
    assert "name" in required_keys() and "name" in required_keys(member=True)


_ANY_VALUE = st.one_of(st.sampled_from(_VALUES), st.text(max_size=12), st.integers(-3, 10**6))


@settings(max_examples=200, deadline=None)
@given(member=st.booleans(), data=st.data(), value=_ANY_VALUE)
def test_value_check_agrees_with_value_issues(member, data, value):
    key = data.draw(st.sampled_from(_MEMBER_KEYS if member else _STUDENT_KEYS))
    if value in ("", None) or (isinstance(value, str) and value.isspace()):
        return  # blank values are the required rule's
    assert value_check(key, member=member)(value) == (not value_issues(key, value, member=member))


@settings(max_examples=200, deadline=None)
@given(member=st.booleans(), data=st.data(), value=_ANY_VALUE)
def test_field_normalizer_agrees_with_normalize_record(member, data, value):
    key = data.draw(st.sampled_from(_MEMBER_KEYS if member else _STUDENT_KEYS))
    if value in ("", None):
        return  # not a value: normalize_record just writes ""
    got, issue = field_normalizer(key, member=member)(value)
    if member:
        out, issues = normalize_record({"members": [{key: value}]})
        want = out["members"][0][key]
    else:
        out, issues = normalize_record({key: value})
        want = out[key]
    assert (got, issue is None) == (want, not issues)
    assert issue is None or issue.code == issues[0].code


def test_fields_checked_alike_share_their_functions():
    """What lets the import share a chunk's verdicts between columns: same checks, same objects."""
    assert value_check("household_address") is value_check("household_address", member=True)
    assert field_normalizer("current_address") is field_normalizer("household_address", member=True)
    assert value_check("gender") is not value_check("household_address")
