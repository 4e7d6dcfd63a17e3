"""营养改善计划 (the nutrition-plan real-name system the same collection program serves, seed 001) at the county.

Seed 001, county steps 7–10: mark the schools that take part (享受营养餐学校维护: 是/否 per school, kept in
``county_schools.nutrition``), fill in the 县级责任体系 (responsible units, people, phones: table
``county_nutrition_contacts``) and the 补助标准 (yuan per student per day, per stage), then export init packages
for the selected schools only. The county also sees what the plan implies: participating schools, their 在校
students by school and stage, and the subsidy per term (students × yuan/day × school days per term).

Standards and school days are meta settings under ``nutrition.`` (records.changes.COUNTY_SETTING_PREFIXES):
they, the school's own 享受营养餐 flag and the contacts travel down in every init and feedback package
(nutrition_settings.package_settings) and the school shows them read-only (nutrition_settings.plan_view).
Money is ``Decimal``, stored as text with two decimals, never float.

The plan is the county's own: it travels up in the county's package (nutrition_upward.py) and a city shows every
county's (city_nutrition.py) but cannot change one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..records.enrolment import ENROLLED
from ..records.gate import refuse_county_rule_at_school
from ..school import STAGES
from ..storage import Store
from ..validation.engine import phone_problem
from ..validation.normalize import normalize_phone
from .counties import county_names, county_of
from .nutrition_settings import DAYS_KEY, DEFAULT_SCHOOL_DAYS, STANDARD_KEY, list_contacts, school_days, standards
from .schools import PLACEHOLDER_CODE, list_schools, make_init_packages
from .workspace import require_county_level, store_level

MAX_YUAN = Decimal("50")                # far above any standard (national: 5 yuan/day since 2021); catches typos
CENT = Decimal("0.01")
NO_STAGE = "未分学段"                    # a record without a class (no 班号 to read the stage from)
# Suggested 职责 of the 县级责任体系 (free text; these are what county plans usually name).
ROLES = ("县级牵头部门", "教育行政部门", "财政部门", "食品安全监管", "学校负责人", "数据采集联系人")


def require_nutrition_county(store: Store) -> None:
    if store.mode != "county":
        raise BadInput("这是学校端数据文件：营养改善计划（享受营养餐学校、县级责任体系、补助标准、统计）由县级维护；"
                       "本校收到的情况用 xueji county rules show 查看。")


def _refuse_at_school(store: Store, what: str) -> None:
    """Only a county edits its plan: refused at a school and at a city (which sees the counties' plans)."""
    refuse_county_rule_at_school(store, f"营养改善计划的{what}")
    if store_level(store) == "city":
        held = "、".join(f"{c}{n}" for c, n in store.query(
            "SELECT code, name FROM city_counties WHERE nutrition_plan <> '' ORDER BY code"))
        raise BadInput(f"营养改善计划的{what}由各县（区）自行设定、随县级汇总包上报"
                       f"（本市已收到：{held or '还没有县（区）上报'}），地市不能修改：请该县修改后重新上报。"
                       "查看用 xueji county nutrition stats。")
    store.require("clerk", "sysadmin")


def _refuse_county_school_at_city(store: Store, which: list[str]) -> None:
    """At a city, 享受营养餐 is part of the plan of the county the school belongs to: the refusal names it."""
    if store_level(store) != "city":
        return
    names = county_names(store)
    listed = {code: (name, region) for code, name, region in store.query(
        "SELECT code, name, region_code FROM county_schools")}
    named = [f"学校 {w}{listed[w][0]} 属于县（区）{county_of(listed[w][1])}{names.get(county_of(listed[w][1]), '')}"
             for w in (x.strip() for x in which) if w in listed]
    if named:
        raise BadInput(f"{'；'.join(named)}：享受营养餐的学校是该县营养改善计划的一部分，由该县设定、随县级汇总包上报，"
                       "地市不能修改。请该县修改后重新上报。")


# ---- 县级责任体系 ------------------------------------------------------------------------------------

def add_contact(store: Store, role: str, unit: str, person: str, phone: str) -> int:
    """One line of the 县级责任体系; every part required, the phone checked as the form checks phones."""
    _refuse_at_school(store, "县级责任体系")
    values = {"职责": role.strip(), "单位": unit.strip(), "负责人": person.strip()}
    for label, value in values.items():
        if not value:
            raise BadInput(f"县级责任体系：请填写{label}。")
        if len(value) > 60:
            raise BadInput(f"县级责任体系：{label}超过 60 个字，请精简。")
    phone = normalize_phone(phone)
    if not phone:
        raise BadInput("县级责任体系：请填写联系电话。")
    problem = phone_problem(phone, "联系电话")
    if problem:
        raise BadInput(f"县级责任体系：{problem}")
    with store.transaction() as tx:
        cur = tx.execute("INSERT INTO county_nutrition_contacts (role, unit, person, phone) VALUES (?, ?, ?, ?)",
                         (values["职责"], values["单位"], values["负责人"], phone))
        tx.audit("添加营养改善计划责任人", "county_nutrition_contacts", str(cur.lastrowid),
                 {"role": [None, values["职责"]], "unit": [None, values["单位"]],
                  "person": [None, values["负责人"]], "phone": [None, phone]})
    return cur.lastrowid


def remove_contact(store: Store, contact_id: int) -> None:
    _refuse_at_school(store, "县级责任体系")
    rows = [c for c in list_contacts(store) if c["id"] == contact_id]
    if not rows:
        raise BadInput(f"县级责任体系中没有编号 {contact_id}（xueji county nutrition contacts list 列出编号）。")
    with store.transaction() as tx:
        tx.execute("DELETE FROM county_nutrition_contacts WHERE id = ?", (contact_id,))
        tx.audit("删除营养改善计划责任人", "county_nutrition_contacts", str(contact_id),
                 {k: [rows[0][k], None] for k in ("role", "unit", "person", "phone")})


# ---- 补助标准 and school days -------------------------------------------------------------------------

def parse_stage(text: str | int) -> int:
    """小学/初中/高中 or 1/2/3 → the stage number; BadInput naming the choices."""
    value = str(text).strip()
    for number, name in STAGES.items():
        if value in (str(number), name):
            return number
    raise BadInput(f"学段“{value}”不认识：请写 {'、'.join(STAGES.values())}（或 1、2、3）。")


def parse_yuan(text: str) -> Decimal:
    """A standard as typed ("4", "4.5", "5.00元") → Decimal with two places; above 0, at most 50, whole fen."""
    value = str(text).strip().removesuffix("元").strip()
    try:
        yuan = Decimal(value)
    except InvalidOperation:
        raise BadInput(f"补助标准“{text}”不是金额：请写每生每天多少元，如 5 或 4.50。") from None
    if not yuan.is_finite() or yuan <= 0 or yuan > MAX_YUAN:
        raise BadInput(f"补助标准“{text}”应大于 0、不超过 {MAX_YUAN} 元/生/天（如 5）。")
    if yuan != yuan.quantize(CENT):
        raise BadInput(f"补助标准“{text}”最多写到分（两位小数）。")
    return yuan.quantize(CENT)


def set_standard(store: Store, stage: str | int, yuan: str | None) -> Decimal | None:
    """The 补助标准 of one stage (yuan per student per day); None clears it. Returns what is stored."""
    return save_standards(store, {stage: yuan})[parse_stage(stage)]


def save_standards(store: Store, yuan_by_stage: dict[str | int, str | None],
                   days: int | None = None) -> dict[int, Decimal | None]:
    """Several stages' 补助标准 (None or '' clears one) and, if given, the school days per term: all checked
    first, then written in one transaction. Returns stage → what is stored."""
    _refuse_at_school(store, "补助标准")
    values = {}
    for stage, yuan in yuan_by_stage.items():
        number = parse_stage(stage)
        try:
            values[number] = None if yuan is None or not str(yuan).strip() else parse_yuan(yuan)
        except BadInput as exc:
            raise BadInput(f"{STAGES[number]}：{exc}") from None
    if days is not None:
        _check_days(days)
    with store.transaction() as tx:
        for number, value in values.items():
            key = f"{STANDARD_KEY}{number}"
            old = store.meta(key, "") or None
            new = None if value is None else str(value)
            if old != new:
                store.set_meta(tx, key, new or "")
                tx.audit("设置营养改善计划补助标准", "meta", key, {STAGES[number]: [old, new]})
        if days is not None and days != school_days(store):
            tx.audit("设置营养改善计划每学期在校天数", "meta", DAYS_KEY, {"days": [school_days(store), days]})
            store.set_meta(tx, DAYS_KEY, str(days))
    return values


def set_school_days(store: Store, days: int) -> None:
    """School days per term (在校天数) used for the subsidy per term; default 100."""
    _refuse_at_school(store, "每学期在校天数")
    save_standards(store, {}, days)


def _check_days(days: int) -> None:
    if not 1 <= days <= 200:
        raise BadInput(f"每学期在校天数应在 1 到 200 之间（通常约 100 天），而不是 {days}。")


# ---- 享受营养餐的学校 ----------------------------------------------------------------------------------

def set_participation(store: Store, which: list[str], enjoys: bool) -> int:
    """享受营养餐学校维护: mark schools (by 标识码; a school still without one by its name) 是 or 否. All are
    checked first; one transaction. Returns how many changed."""
    _refuse_county_school_at_city(store, which)
    _refuse_at_school(store, "享受营养餐学校")
    if not which:
        raise BadInput("请写出要设置的学校（学校标识码；还没有标识码的学校写名称）。")
    listed = list_schools(store, placeholders=True)
    by_code = {s["code"]: s for s in listed if not s["placeholder"]}
    by_name = {s["name"]: s for s in listed if s["placeholder"]}
    chosen, unknown = [], []
    for w in dict.fromkeys(x.strip() for x in which):
        s = by_code.get(w) or by_name.get(w)
        (chosen.append(s) if s else unknown.append(w))
    if unknown:
        raise BadInput(f"不在本县学校名单中：{'、'.join(unknown)}（xueji county nutrition schools 列出名单）。"
                       "未做任何修改。")
    changed = [s for s in chosen if bool(s["nutrition"]) != enjoys]
    with store.transaction() as tx:
        for s in changed:
            if s["placeholder"]:
                tx.execute("UPDATE county_placeholder_schools SET nutrition = ? WHERE name = ?",
                           (int(enjoys), s["name"]))
            else:
                tx.execute("UPDATE county_schools SET nutrition = ? WHERE code = ?", (int(enjoys), s["code"]))
            tx.audit("设置享受营养餐", "county_schools", s["code"] if not s["placeholder"] else s["name"],
                     {"nutrition": [bool(s["nutrition"]), enjoys]})
    return len(changed)


def enrolled_by_stage(store: Store) -> dict[str, dict[str, int]]:
    """School code → {stage name: 在校 students}, from the merged data (the stage is the 5th digit of the 班号)."""
    out: dict[str, dict[str, int]] = {}
    for school, class_code, count in store.query(  # per class, in the order of the counts index (schema v17)
            "SELECT school_code, class_code, count(*) FROM county_students INDEXED BY county_students_counts"
            " WHERE enrolment = ? GROUP BY school_code, class_code", (ENROLLED,)):
        stage = class_code[4:5]
        name = STAGES.get(int(stage), NO_STAGE) if stage.isdigit() else NO_STAGE
        per = out.setdefault(school, {})
        per[name] = per.get(name, 0) + count
    return out


def nutrition_schools(store: Store) -> list[dict[str, Any]]:
    """Every school of the list with its 享受营养餐 flag and 在校 students (imported data): [{code, name,
    region_code, placeholder, nutrition, reported, students}]."""
    require_nutrition_county(store)
    enrolled = enrolled_by_stage(store)
    return [{"code": s["code"], "name": s["name"], "region_code": s["region_code"], "placeholder": s["placeholder"],
             "nutrition": bool(s["nutrition"]), "reported": bool(s["imported_at"]),
             "students": sum(enrolled.get(s["code"], {}).values()) if not s["placeholder"] else 0}
            for s in list_schools(store, placeholders=True)]


# ---- statistics ---------------------------------------------------------------------------------------

@dataclass
class NutritionStats:
    school_days: int = DEFAULT_SCHOOL_DAYS
    standards: dict[str, Decimal] = field(default_factory=dict)   # stage name → yuan per student per day
    schools: int = 0            # participating schools
    reported: int = 0           # of them, with data imported
    students: int = 0           # 在校 students of participating schools
    subsidy: Decimal = Decimal("0.00")  # per term, for the stages with a standard
    # One row per participating school × stage: {school_code, school_name, stage, students, yuan_per_day,
    # school_days, subsidy, note}; yuan_per_day and subsidy are None when the stage has no standard.
    rows: list[dict[str, Any]] = field(default_factory=list)
    by_stage: dict[str, dict[str, Any]] = field(default_factory=dict)  # stage → {students, yuan_per_day, subsidy}
    missing_standards: list[str] = field(default_factory=list)        # stages with students but no standard

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: money as text with two decimals (never float)."""
        def money(v: Decimal | None) -> str | None:
            return None if v is None else str(v)

        return {"school_days": self.school_days, "standards": {k: money(v) for k, v in self.standards.items()},
                "schools": self.schools, "reported": self.reported, "students": self.students,
                "subsidy": money(self.subsidy),
                "by_stage": {k: {**v, "yuan_per_day": money(v["yuan_per_day"]), "subsidy": money(v["subsidy"])}
                             for k, v in self.by_stage.items()},
                "rows": [{**r, "yuan_per_day": money(r["yuan_per_day"]), "subsidy": money(r["subsidy"])}
                         for r in self.rows],
                "missing_standards": self.missing_standards}

    def tables(self, contacts: list[dict[str, Any]]) -> dict[str, list[list[Any]]]:
        """Sheets for the workbook (first row: header); empty money cells where a stage has no standard."""
        def cell(v: Decimal | None) -> Decimal | str:
            return "" if v is None else v

        per_school: dict[str, list[Any]] = {}
        for r in self.rows:
            s = per_school.setdefault(r["school_code"] + r["school_name"],
                                      [r["school_code"], r["school_name"], 0, Decimal("0.00")])
            s[2] += r["students"]
            s[3] += r["subsidy"] or 0
        total = ["合计", "", self.students, self.subsidy]
        return {
            "按学校": [["学校标识码", "学校名称", "在校学生", "每学期补助（元）"], *per_school.values(), total],
            "学校×学段": [["学校标识码", "学校名称", "学段", "在校学生", "补助标准（元/生/天）", "每学期在校天数",
                        "每学期补助（元）", "说明"]] + [
                [r["school_code"], r["school_name"], r["stage"], r["students"], cell(r["yuan_per_day"]),
                 r["school_days"], cell(r["subsidy"]), r["note"]] for r in self.rows],
            "按学段": [["学段", "在校学生", "补助标准（元/生/天）", "每学期补助（元）"]] + [
                [k, v["students"], cell(v["yuan_per_day"]), cell(v["subsidy"])] for k, v in self.by_stage.items()],
            "县级责任体系": [["职责", "单位", "负责人", "联系电话"]] + [
                [c["role"], c["unit"], c["person"], c["phone"]] for c in contacts],
        }


def compute_nutrition_stats(store: Store) -> NutritionStats:
    """Participating schools, their 在校 students by school and stage, and the subsidy per term they imply
    (the county's own plan; a city's view of its counties' plans is city_nutrition.compute_city_nutrition_stats)."""
    require_nutrition_county(store)
    return plan_stats([s for s in nutrition_schools(store) if s["nutrition"]], enrolled_by_stage(store),
                      {STAGES[k]: v for k, v in standards(store).items()}, school_days(store))


def plan_stats(schools: list[dict[str, Any]], enrolled: dict[str, dict[str, int]], yuan: dict[str, Decimal],
               days: int) -> NutritionStats:
    """The statistics of one plan: its participating ``schools`` ({code, name, placeholder, reported}), the 在校
    students by school and stage (:func:`enrolled_by_stage`), its standards (stage name → yuan) and days."""
    stats = NutritionStats(school_days=days, standards=yuan)
    order = {name: i for i, name in enumerate([*STAGES.values(), NO_STAGE])}
    for s in schools:
        stats.schools += 1
        stats.reported += s["reported"]
        per = enrolled.get(s["code"], {}) if not s["placeholder"] else {}
        if not per:
            note = "待补学校标识码，尚无数据" if s["placeholder"] else "尚未上报数据"
            stats.rows.append({"school_code": s["code"], "school_name": s["name"], "stage": "", "students": 0,
                               "yuan_per_day": None, "school_days": days, "subsidy": None, "note": note})
            continue
        for stage, count in sorted(per.items(), key=lambda kv: order[kv[0]]):
            rate = yuan.get(stage)
            subsidy = None if rate is None else (rate * count * days).quantize(CENT, ROUND_HALF_UP)
            stats.rows.append({"school_code": s["code"], "school_name": s["name"], "stage": stage,
                               "students": count, "yuan_per_day": rate, "school_days": days, "subsidy": subsidy,
                               "note": "" if rate is not None else "未设该学段补助标准"})
            stats.students += count
            if subsidy is not None:
                stats.subsidy += subsidy
            total = stats.by_stage.setdefault(stage, {"students": 0, "yuan_per_day": rate,
                                                      "subsidy": None if rate is None else Decimal("0.00")})
            total["students"] += count
            if subsidy is not None:
                total["subsidy"] += subsidy
    stats.by_stage = dict(sorted(stats.by_stage.items(), key=lambda kv: order[kv[0]]))
    stats.missing_standards = [k for k, v in stats.by_stage.items() if v["yuan_per_day"] is None]
    return stats


def export_nutrition_xlsx(store: Store, path: Path | str, stats: NutritionStats | None = None) -> Path:
    """The statistics as a workbook (按学校 with a chart, 学校×学段, 按学段, 县级责任体系)."""
    from .stats import export_tables_xlsx

    stats = stats or compute_nutrition_stats(store)
    return export_tables_xlsx(stats.tables(list_contacts(store)), path,
                              (("按学校", 1, 2, "享受营养餐学校在校学生数", 1),))


# ---- packages down to the schools ------------------------------------------------------------------------

def make_nutrition_init_packages(store: Store, out_dir: Path | str) -> tuple[list[Path], list[str]]:
    """Init packages for the schools that take part only (seed 001 step 10: 不享受营养餐的学校可不选定).
    Returns (files written, names of participating schools still without a 标识码, which get none)."""
    require_nutrition_county(store)
    require_county_level(store, "nutrition_init")
    chosen = [s for s in list_schools(store, placeholders=True) if s["nutrition"]]
    if not chosen:
        raise BadInput("还没有享受营养餐的学校：先用 xueji county nutrition schools set 学校标识码 --enjoy 是 选定"
                       "（或在学校名单 Excel 的“享受营养餐”列填“是”后导入）。")
    codes = [s["code"] for s in chosen if s["code"] != PLACEHOLDER_CODE]
    skipped = [s["name"] for s in chosen if s["code"] == PLACEHOLDER_CODE]
    if not codes:
        raise BadInput(f"享受营养餐的学校都还没有学校标识码（{'、'.join(skipped)}）：请先补全标识码"
                       "（xueji county schools edit 学校名称 --code 标识码）。")
    return make_init_packages(store, codes, out_dir), skipped
