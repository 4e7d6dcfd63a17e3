"""validate_student: per-field checks and every cross-field rule, table-driven; demo data is clean."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from xueji_desktop.demo import DemoClass, demo_classes, generate_records, make_id_number, make_student
from xueji_desktop.school import grade_code, school_year_of
from xueji_desktop.validation import Issue, ValidationContext, status_of, validate_student

TODAY = date(2026, 11, 22)
CLS = DemoClass(2024, 1, 1)  # 小学2024级(1)班: 三年级 in school year 2026


def ctx_for(cls: DemoClass) -> ValidationContext:
    return ValidationContext(today=TODAY, stage=cls.stage, entry_year=cls.entry_year,
                             school_year=school_year_of(TODAY))


def base(cls: DemoClass = CLS, seed: int = 3) -> dict:
    rec = make_student(random.Random(seed), cls)
    rec["class_code"] = cls.code
    rec["grade"] = grade_code(cls.stage, cls.entry_year, TODAY)
    rec["members"][0]["is_guardian"] = "1"
    rec.pop("disability_type", None)
    rec.pop("special_ed_mode", None)
    rec["is_disabled"] = "0"
    return rec


def with_birth(rec: dict, birth: date) -> None:
    """Change birth date and ID number together (so only the rule under test fires)."""
    rec["birth_date"] = birth.isoformat()
    rec["id_number"] = make_id_number(random.Random(1), birth, rec["gender"] == "1", "140106")


def set_(path: str, value) -> Callable[[dict], None]:
    def apply(rec: dict) -> None:
        target = rec
        parts = path.split(".")
        for p in parts[:-1]:
            target = target[int(p)] if p.isdigit() else target[p]
        target[parts[-1]] = value
    return apply


def all_of(*fs: Callable[[dict], None]) -> Callable[[dict], None]:
    def apply(rec: dict) -> None:
        for f in fs:
            f(rec)
    return apply


def flip_gender(rec: dict) -> None:
    rec["gender"] = "2" if rec["gender"] == "1" else "1"


def next_day(rec: dict) -> None:
    rec["birth_date"] = (date.fromisoformat(rec["birth_date"]) + timedelta(days=1)).isoformat()


def no_student_id(rec: dict) -> None:
    rec["id_type"], rec["id_number"] = "Z", ""


def hk_student(rec: dict) -> None:
    rec.update(nationality="HKG", hmt="01", id_type="6", id_number="H12345678")


def foreign_student(rec: dict) -> None:
    rec.update(nationality="USA", hmt="51", id_type="A", id_number="E12345678", ethnicity="98")


def older(years: int) -> Callable[[dict], None]:
    def apply(rec: dict) -> None:
        b = date.fromisoformat(rec["birth_date"])
        with_birth(rec, b.replace(year=b.year - years))
    return apply


BAD: list[tuple[str, Callable[[dict], None], tuple[str, str, str], DemoClass]] = [
    # name, mutation, expected (field, severity, code), class
    ("name required", set_("name", ""), ("name", "error", "required"), CLS),
    ("name blank", set_("name", "   "), ("name", "error", "required"), CLS),
    ("name digits", set_("name", "张三1"), ("name", "error", "name.chars"), CLS),
    ("name too long", set_("name", "张" * 51), ("name", "error", "length"), CLS),
    ("code unknown", set_("ethnicity", "99"), ("ethnicity", "error", "code.unknown"), CLS),
    ("code as name not normalised", set_("gender", "男"), ("gender", "error", "code.unknown"), CLS),
    ("date format", set_("birth_date", "2015/3/7"), ("birth_date", "error", "date.format"), CLS),
    ("gender vs ID", flip_gender, ("gender", "error", "gender.id_mismatch"), CLS),
    ("birth vs ID", next_day, ("birth_date", "error", "birth_date.id_mismatch"), CLS),
    ("ID checksum", lambda r: r.update(id_number=r["id_number"][:-1] + ("0" if r["id_number"][-1] != "0" else "1")),
     ("id_number", "error", "id.checksum"), CLS),
    ("ID required unless type Z", set_("id_number", ""), ("id_number", "error", "required"), CLS),
    ("no student ID needs a member ID",
     all_of(no_student_id, set_("members.0.id_number", ""), set_("members.1.id_number", "")),
     ("members.0.id_number", "error", "members.id_required"), CLS),
    ("resident ID needs 中国", set_("nationality", "USA"), ("id_type", "error", "id_type.nationality"), CLS),
    ("HK pass needs 中国香港", all_of(hk_student, set_("nationality", "CHN"), set_("hmt", "00")),
     ("id_type", "error", "id_type.nationality"), CLS),
    ("… reported on 国籍/地区 too", set_("nationality", "USA"), ("nationality", "error", "id_type.nationality"), CLS),
    ("香港同胞 needs 中国香港", set_("hmt", "01"), ("hmt", "error", "hmt.nationality"), CLS),
    ("HK pass held by a 内地 student", all_of(hk_student, set_("hmt", "00")), ("id_type", "error", "id_type.hmt"), CLS),
    ("居民身份证 held by 香港同胞", all_of(set_("hmt", "01"), set_("nationality", "HKG")),
     ("id_type", "error", "id_type.hmt"), CLS),
    ("… reported on 国籍/地区 too", set_("hmt", "01"), ("nationality", "error", "hmt.nationality"), CLS),
    ("student ID area created after birth", lambda r: r.update(id_number=make_id_number(
        random.Random(1), date.fromisoformat(r["birth_date"]), r["gender"] == "1", "140703")),  # 太谷区 since 2019
     ("id_number", "error", "id.area_not_yet"), CLS),
    ("外国人 not 中国", set_("hmt", "51"), ("hmt", "error", "hmt.nationality"), CLS),
    ("否 needs 中国", all_of(foreign_student, set_("hmt", "00")), ("hmt", "error", "hmt.nationality"), CLS),
    ("no guardian", all_of(set_("members.0.is_guardian", "0"), set_("members.1.is_guardian", "0")),
     ("members.0.is_guardian", "error", "members.no_guardian"), CLS),
    ("no members", set_("members", []), ("members.0.name", "error", "members.missing"), CLS),
    ("member required field", set_("members.0.phone", ""), ("members.0.phone", "error", "required"), CLS),
    ("member ID type required with number", set_("members.1.id_type", ""),
     ("members.1.id_type", "error", "required"), CLS),
    ("member ID checksum", lambda r: r["members"][1].update(id_number=r["members"][1]["id_number"][:-1] + (
        "0" if r["members"][1]["id_number"][-1] != "0" else "1")),
     ("members.1.id_number", "error", "id.checksum"), CLS),
    ("member ID = student ID", lambda r: r["members"][0].update(id_number=r["id_number"]),
     ("members.0.id_number", "error", "id.same_as_student"), CLS),
    ("father with a woman's ID", lambda r: r["members"][0].update(id_number=r["members"][1]["id_number"]),
     ("members.0.relation", "warning", "relation.gender"), CLS),
    ("disabled needs type", set_("is_disabled", "1"), ("disability_type", "error", "required"), CLS),
    ("disabled needs mode", all_of(set_("is_disabled", "1"), set_("disability_type", "1")),
     ("special_ed_mode", "error", "required"), CLS),
    ("disabled but 无残疾", all_of(set_("is_disabled", "1"), set_("disability_type", "0"),
                                   set_("special_ed_mode", "0")), ("disability_type", "error", "disability_type.none"),
     CLS),
    ("not disabled but type", set_("disability_type", "1"),
     ("disability_type", "error", "disability_type.not_disabled"), CLS),
    ("not disabled but mode", set_("special_ed_mode", "1"),
     ("special_ed_mode", "error", "special_ed_mode.not_disabled"), CLS),
    ("随迁子女 in 高中", set_("migrant_child", "1"), ("migrant_child", "error", "migrant_child.stage"),
     DemoClass(2025, 3, 1)),
    ("入学方式 of 高中 in 小学", set_("enrol_mode", "21"), ("enrol_mode", "error", "enrol_mode.stage"), CLS),
    ("入学年月 format", set_("enrol_date", "2024-09"), ("enrol_date", "error", "yearmonth.format"), CLS),
    ("入学年月 month 13", set_("enrol_date", "202413"), ("enrol_date", "error", "yearmonth.format"), CLS),
    ("入学年月 future", set_("enrol_date", "202612"), ("enrol_date", "error", "enrol_date.future"), CLS),
    ("入学年月 far from class", set_("enrol_date", "202109"), ("enrol_date", "error", "enrol_date.class_year"), CLS),
    ("入学年月 one year off", set_("enrol_date", "202309"), ("enrol_date", "warning", "enrol_date.class_year"), CLS),
    ("入学年月 before birth", lambda r: r.update(enrol_date=r["birth_date"][:4] + "09"),
     ("enrol_date", "error", "enrol_date.before_birth"), CLS),
    ("age for grade", older(5), ("birth_date", "warning", "birth_date.age_for_grade"), CLS),
    ("too young for grade", older(-3), ("birth_date", "warning", "birth_date.age_for_grade"), CLS),
    ("birth in future", all_of(no_student_id, set_("birth_date", "2027-01-01")),
     ("birth_date", "error", "birth_date.future"), CLS),
    ("mobile too short", set_("members.0.phone", "1381234567"), ("members.0.phone", "error", "phone.format"), CLS),
    ("landline without area code", set_("members.1.phone", "4041234"), ("members.1.phone", "error", "phone.format"),
     CLS),
    ("student phone letters", set_("phone", "138abc"), ("phone", "error", "phone.format"), CLS),
    ("postcode 5 digits", set_("postcode", "03000"), ("postcode", "error", "postcode.format"), CLS),
    ("address 同上", set_("members.0.household_address", "同上"),
     ("members.0.household_address", "error", "address.short"), CLS),
    ("address too short", set_("current_address", "太原"), ("current_address", "error", "address.short"), CLS),
    ("address too long", set_("household_address", "太" * 181), ("household_address", "error", "length"), CLS),
    ("region format", set_("birthplace", "1401"), ("birthplace", "error", "region.format"), CLS),
    ("region unknown", set_("household_region", "999999000000"), ("household_region", "warning", "region.unknown"),
     CLS),
    ("email", set_("email", "abc@"), ("email", "error", "email.format"), CLS),
]


@pytest.mark.parametrize(("mutate", "expected", "cls"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_rule_catches(mutate, expected, cls):
    rec = base(cls)
    assert [i for i in validate_student(rec, ctx_for(cls)) if i.severity == "error"] == []
    mutate(rec)
    issues = validate_student(rec, ctx_for(cls))
    found = [(i.field, i.severity, i.code) for i in issues]
    assert expected in found, found
    hit = next(i for i in issues if (i.field, i.severity, i.code) == expected)
    assert hit.message and not hit.message.isascii()


GOOD: list[tuple[str, Callable[[dict], None], DemoClass]] = [
    ("unchanged", lambda r: None, CLS),
    ("香港学生", hk_student, CLS),
    ("外国学生", foreign_student, CLS),
    ("no ID, member has one", no_student_id, CLS),
    ("居住证 as 居民身份证 for a 台湾 student", lambda r: r.update(
        nationality="TWN", hmt="05", id_number=make_id_number(random.Random(2), date.fromisoformat(r["birth_date"]),
                                                              r["gender"] == "1", "830000")), CLS),
    ("disabled, complete", all_of(set_("is_disabled", "1"), set_("disability_type", "1"), set_("special_ed_mode", "1")),
     CLS),
    ("not disabled with 无残疾 / 非随班就读", all_of(set_("disability_type", "0"), set_("special_ed_mode", "0")), CLS),
    ("随迁子女 in 小学", set_("migrant_child", "1"), CLS),
    ("随迁子女 in 初中", set_("migrant_child", "1"), DemoClass(2025, 2, 1)),
    ("landline", set_("members.0.phone", "0351-4041234"), CLS),
    ("landline with extension", set_("members.0.phone", "0351-4041234-123"), CLS),
    ("landline without dash", set_("members.0.phone", "03514041234"), CLS),
    ("member 2 empty", lambda r: r["members"].__setitem__(1, {}), CLS),
    ("only member 1", lambda r: r["members"].pop(1), CLS),
    ("member without ID number", lambda r: r["members"][1].pop("id_number"), CLS),
    ("one year older", older(1), CLS),
    ("enrol this month", set_("enrol_date", "202611"), DemoClass(2026, 1, 1)),
    ("minority name with dot", set_("name", "阿依古丽·买买提"), CLS),
    ("foreign name with space", all_of(foreign_student, set_("name", "John Smith")), CLS),
    ("高中 入学方式 其他", set_("enrol_mode", "99"), DemoClass(2025, 3, 1)),
]


@pytest.mark.parametrize(("mutate", "cls"), [c[1:] for c in GOOD], ids=[c[0] for c in GOOD])
def test_good_records_have_no_errors(mutate, cls):
    rec = base(cls)
    mutate(rec)
    assert [i for i in validate_student(rec, ctx_for(cls)) if i.severity == "error"] == []


def test_every_demo_record_has_no_error_nor_warning():
    today = date.today()
    for stage in (1, 2, 3):
        for cls, rec in generate_records(600, seed=stage, classes=demo_classes(today, stage=stage)):
            rec = {**rec, "class_code": cls.code, "grade": grade_code(cls.stage, cls.entry_year, today)}
            ctx = ValidationContext(today=today, stage=cls.stage, entry_year=cls.entry_year,
                                    school_year=school_year_of(today))
            assert validate_student(rec, ctx) == [], rec


def test_demo_spoiled_records_are_caught():
    today = date.today()
    caught = 0
    for cls, rec in generate_records(200, seed=5, error_rate=1.0):
        rec = {**rec, "class_code": cls.code, "grade": grade_code(cls.stage, cls.entry_year, today)}
        ctx = ValidationContext(today=today, stage=cls.stage, entry_year=cls.entry_year,
                                school_year=school_year_of(today))
        caught += any(i.severity == "error" for i in validate_student(rec, ctx))
    assert caught == 200


def test_input_record_not_modified():
    rec = base()
    rec["gender"] = "男"
    before = copy.deepcopy(rec)
    validate_student(rec, ctx_for(CLS))
    assert rec == before


def test_status_of_respects_confirmed_warnings():
    w = Issue("birth_date", "warning", "birth_date.age_for_grade", "…")
    e = Issue("name", "error", "required", "…")
    assert status_of([]) == "ok"
    assert status_of([w]) == "warning"
    assert status_of([w], {("birth_date", "birth_date.age_for_grade")}) == "ok"
    assert status_of([w, e], {("birth_date", "birth_date.age_for_grade")}) == "pending"
