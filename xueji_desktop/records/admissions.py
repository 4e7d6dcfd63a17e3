"""招生入学 at the school (seed 002 §招生升学, seed 001 §招生入学): the admissions plan, plan-change
requests, the county's admission list, and new students taken into classes.

The county sets each school's plan (招生计划数) per stage and year; a school that needs another number
applies (招生计划变更申请) and the county decides. Both travel in packages: plans in init and feedback
packages, requests up in the submission, decisions down in feedback. The county's admission list (统一招生
名单) comes down in feedback too; the school accepts the children into classes (``accept``), which creates
their records prefilled from the list, 在读, with 入学方式 and 入学年月 set. 自主招生 (``add_self_admitted``)
creates one record within what the plan leaves.

Every record is created through ``students.add_student`` (validation, the write gate, 临时学籍号). A child
who already holds a record — here, or at another school as the county's list says — is a transfer (转学),
never a second record.

What counts against the plan: the students in the stage's classes of that entry year (however they came:
list, 自主招生, 学前调档, typed in), plus the offers not yet taken up.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..errors import BadInput, Cancelled, XuejiError
from ..progress import Progress, tick
from ..school import STAGES, ClassInfo, find_class, get_school_profile_conn
from ..storage.store import Store, Tx
from ..validation.normalize import normalize_record
from .gate import Gate
from .students import add_student

OFFERED, ACCEPTED, WITHDRAWN = "offered", "accepted", "withdrawn"
STATE_NAMES = {OFFERED: "待录取", ACCEPTED: "已录取入班", WITHDRAWN: "已撤销"}
REQUEST_NAMES = {"": "待县级审核", "approved": "已批准", "rejected": "已驳回"}
# 入学方式 (fields.toml codes.enrol_mode): 就近入学 for compulsory education, 统一招生考试 for senior high;
# 自主招生 is 其他 (12 / 99) in the national code table.
LIST_MODE = {1: "11", 2: "11", 3: "21"}
SELF_MODE = {1: "12", 2: "12", 3: "99"}
TRANSFER_HINT = "该生已有学籍，应办理转学（转学页面，或 xueji transfer request），不能再新建学籍"


def _school_code(conn) -> str:
    profile = get_school_profile_conn(conn)
    if not profile:
        raise BadInput("请先填写学校信息（学校标识码）。")
    return profile["code"]


def _check_stage_year(stage: int, year: int) -> None:
    if stage not in STAGES:
        raise BadInput("学段只能是 1 小学、2 初中、3 高中。")
    if not 2000 <= year <= 2999:
        raise BadInput(f"招生年份“{year}”应为 4 位年份。")


# ---- plans --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlanUse:
    stage: int
    year: int
    plan: int | None      # None: the county has set no plan
    enrolled: int         # students in the stage's classes of that entry year
    offered: int          # offers from the county's list not yet accepted

    @property
    def left(self) -> int | None:
        return None if self.plan is None else self.plan - self.enrolled - self.offered

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "stage_name": STAGES[self.stage], "year": self.year, "plan": self.plan,
                "enrolled": self.enrolled, "offered": self.offered, "left": self.left}


def plan_of(conn, school_code: str, stage: int, year: int) -> int | None:
    row = conn.execute("SELECT count FROM admission_plans WHERE school_code = ? AND stage = ? AND year = ?",
                       (school_code, stage, year)).fetchone()
    return row[0] if row else None


def plan_use(conn, stage: int, year: int) -> PlanUse:
    enrolled = conn.execute("SELECT count(*) FROM students s JOIN classes c ON c.id = s.class_id"
                            " WHERE c.stage = ? AND c.entry_year = ?", (stage, year)).fetchone()[0]
    offered = conn.execute("SELECT count(*) FROM admissions WHERE stage = ? AND year = ? AND state = ?",
                           (stage, year, OFFERED)).fetchone()[0]
    return PlanUse(stage, year, plan_of(conn, _school_code(conn), stage, year), enrolled, offered)


def plans(conn) -> list[PlanUse]:
    """The school's plans as received, with what is used of each."""
    rows = conn.execute("SELECT stage, year FROM admission_plans ORDER BY year DESC, stage").fetchall()
    return [plan_use(conn, stage, year) for stage, year in rows]


def store_plans(tx: Tx, school_code: str, received: Iterable[dict[str, Any]]) -> int:
    """The county's plans for this school from an init or feedback package; returns how many changed."""
    changed = 0
    for p in received:
        try:
            stage, year, count = int(p["stage"]), int(p["year"]), int(p["count"])
        except (KeyError, TypeError, ValueError):
            raise BadInput("县级数据包中的招生计划格式不对，文件不是本程序写出的。") from None
        _check_stage_year(stage, year)
        if count < 0 or count > 100_000:
            raise BadInput(f"县级数据包中的招生计划数“{count}”不合理，文件不是本程序写出的。")
        old = plan_of(tx.conn, school_code, stage, year)
        if old == count:
            continue
        tx.execute("INSERT INTO admission_plans (school_code, stage, year, count, updated_at) VALUES (?,?,?,?,?)"
                   " ON CONFLICT(school_code, stage, year) DO UPDATE SET count = excluded.count,"
                   " updated_at = excluded.updated_at", (school_code, stage, year, count, tx.ts))
        tx.audit("收到招生计划", "admission_plans", f"{stage}/{year}", {"count": [old, count]})
        changed += 1
    return changed


# ---- plan-change requests --------------------------------------------------------------------------------

def request_plan_change(store: Store, count: int, reason: str, *, stage: int = 1, year: int | None = None) -> int:
    """招生计划变更申请: sent up in the next package, decided by the county. Returns the request number."""
    store.require("clerk")
    from .school_year import current_school_year

    year = year or current_school_year(store) + 1
    _check_stage_year(stage, year)
    if count < 0 or count > 100_000:
        raise BadInput(f"申请的招生计划数“{count}”不合理：请填写 0 到 100000 之间的人数。")
    if not reason.strip():
        raise BadInput("请填写申请理由（--reason），县级审核时会看到。")
    code = _school_code(store.conn)
    with store.transaction() as tx:
        open_request = tx.execute("SELECT request_id FROM plan_requests WHERE school_code = ? AND stage = ?"
                                  " AND year = ? AND decision = ''", (code, stage, year)).fetchone()
        if open_request:
            raise BadInput(f"{year} 年{STAGES[stage]}已有待县级审核的计划变更申请（#{open_request[0]}），"
                           "请等县级审核后再申请。")
        request_id = (tx.execute("SELECT max(request_id) FROM plan_requests WHERE school_code = ?",
                                 (code,)).fetchone()[0] or 0) + 1
        tx.execute("INSERT INTO plan_requests (school_code, request_id, stage, year, count, reason, requested_at)"
                   " VALUES (?,?,?,?,?,?,?)", (code, request_id, stage, year, count, reason.strip(), tx.ts))
        tx.audit("申请变更招生计划", "plan_requests", request_id,
                 {"count": [plan_of(tx.conn, code, stage, year), count], "reason": [None, reason.strip()]})
    return request_id


def plan_requests(conn) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT request_id, stage, year, count, reason, requested_at, decision, decision_reason,"
                        " decided_at FROM plan_requests ORDER BY request_id").fetchall()
    keys = ("request_id", "stage", "year", "count", "reason", "requested_at", "decision", "decision_reason",
            "decided_at")
    out = [dict(zip(keys, r, strict=True)) for r in rows]
    for r in out:
        r["decision_name"] = REQUEST_NAMES.get(r["decision"], r["decision"])
    return out


def requests_for_package(conn) -> list[dict[str, Any]]:
    """What the submission carries up: every request (the county keeps its decisions)."""
    return [{k: r[k] for k in ("request_id", "stage", "year", "count", "reason", "requested_at")}
            for r in plan_requests(conn)]


def apply_plan_decisions(tx: Tx, decisions: Iterable[dict[str, Any]]) -> int:
    changed = 0
    for d in decisions:
        try:
            request_id, decision = int(d["request_id"]), str(d["decision"])
        except (KeyError, TypeError, ValueError):
            raise BadInput("县级反馈包中的计划变更审核结果格式不对，文件不是本程序写出的。") from None
        if decision not in ("approved", "rejected"):
            raise BadInput("县级反馈包中的计划变更审核结果格式不对，文件不是本程序写出的。")
        row = tx.execute("SELECT decision FROM plan_requests WHERE request_id = ?", (request_id,)).fetchone()
        if row is None or row[0]:
            continue
        tx.execute("UPDATE plan_requests SET decision = ?, decision_reason = ?, decided_at = ? WHERE request_id = ?",
                   (decision, str(d.get("reason", ""))[:500], str(d.get("at", tx.ts))[:40], request_id))
        tx.audit("县级审核招生计划变更", "plan_requests", request_id, {"decision": ["", decision]})
        changed += 1
    return changed


# ---- the county's list ------------------------------------------------------------------------------------

def store_admissions(tx: Tx, received: Iterable[dict[str, Any]]) -> int:
    """The county's admission list for this school from a feedback package (each entry once; an entry the
    county has withdrawn — a duplicate decided for another school — is withdrawn here unless accepted)."""
    added = 0
    for a in received:
        try:
            county_id, stage, year = int(a["id"]), int(a["stage"]), int(a["year"])
            record, state = a["record"], str(a.get("state", "admitted"))
            if not isinstance(record, dict):
                raise TypeError
        except (KeyError, TypeError, ValueError):
            raise BadInput("县级反馈包中的招生名单格式不对，文件不是本程序写出的。") from None
        _check_stage_year(stage, year)
        old = tx.execute("SELECT id, state FROM admissions WHERE county_id = ?", (county_id,)).fetchone()
        if old is None and state == "admitted":
            tx.execute("INSERT INTO admissions (county_id, stage, year, name, id_number, record, received_at)"
                       " VALUES (?,?,?,?,?,?,?)",
                       (county_id, stage, year, str(record.get("name", "")), str(record.get("id_number", "")),
                        json.dumps(record, ensure_ascii=False), tx.ts))
            added += 1
        elif old is not None and old[1] == OFFERED and state != "admitted":
            tx.execute("UPDATE admissions SET state = ? WHERE id = ?", (WITHDRAWN, old[0]))
    if added:
        tx.audit("收到招生名单", "admissions", "", {"count": [None, added]})
    return added


def admission_list(conn, *, year: int | None = None) -> list[dict[str, Any]]:
    sql = ("SELECT a.id, a.stage, a.year, a.name, a.id_number, a.record, a.state, a.student_id,"
           " COALESCE(c.class_code, ''), COALESCE(s.student_number, '') FROM admissions a"
           " LEFT JOIN students s ON s.id = a.student_id LEFT JOIN classes c ON c.id = s.class_id")
    params: tuple = ()
    if year is not None:
        sql += " WHERE a.year = ?"
        params = (year,)
    out = []
    for aid, stage, yr, name, number, record, state, sid, class_code, student_number in conn.execute(
            sql + " ORDER BY a.year DESC, a.stage, a.id", params):
        rec = json.loads(record)
        out.append({"id": aid, "stage": stage, "stage_name": STAGES[stage], "year": yr, "name": name,
                    "gender": rec.get("gender", ""), "birth_date": rec.get("birth_date", ""), "id_number": number,
                    "state": state, "state_name": STATE_NAMES[state], "student_id": sid, "class_code": class_code,
                    "student_number": student_number, "elsewhere": rec.get("_elsewhere", "")})
    return out


def _find_offers(conn, tokens: list[str]) -> list[tuple]:
    """Offers named by 身份证件号 or by list number (admissions list shows both)."""
    found, unknown = [], []
    for token in tokens:
        t = token.strip().upper()
        rows = conn.execute("SELECT id, stage, year, name, id_number, record, state FROM admissions"
                            " WHERE id_number = ? AND id_number != ''", (t,)).fetchall()
        if not rows and t.isdigit() and len(t) < 15:
            rows = conn.execute("SELECT id, stage, year, name, id_number, record, state FROM admissions"
                                " WHERE id = ?", (int(t),)).fetchall()
        if not rows:
            unknown.append(token)
        found += rows
    if unknown:
        raise BadInput(f"招生名单中没有：{'、'.join(unknown)}"
                       "（用 xueji admissions list 查看名单中的身份证件号或序号）。")
    return found


def _intake_class(conn, class_text: str, stage: int, year: int) -> ClassInfo:
    cls = find_class(conn, class_text)
    if cls is None:
        raise BadInput(f"没有班级“{class_text}”：请先建班（年级班级 → 新建班级，或 xueji class add"
                       f" --entry-year {year} --stage {stage} --number N）。")
    if cls.stage != stage or cls.entry_year != year:
        raise BadInput(f"{cls.name} 不是 {year} 年入学的{STAGES[stage]}班级，不能接收 {year} 年{STAGES[stage]}新生。")
    return cls


def new_student_record(listed: dict[str, Any], stage: int, year: int, mode: str) -> dict[str, Any]:
    """The record a new student starts with: the list's fields, 入学方式 and 入学年月 (September of the year)
    unless the list gave them."""
    record = {k: v for k, v in listed.items() if not k.startswith("_") and v not in (None, "")}
    record.setdefault("enrol_mode", mode)
    record.setdefault("enrol_date", f"{year}09")  # canonical YYYYMM
    return record


def ensure_new_child(conn, record: dict[str, Any]) -> None:
    """Refuse a second record for a child: one already here (same ID number), or elsewhere (the county's list
    says so in ``_elsewhere``)."""
    if record.get("_elsewhere"):
        raise BadInput(f"{record.get('name', '')}：{TRANSFER_HINT}（现学籍在 {record['_elsewhere']}）。")
    number = str(record.get("id_number", "")).strip().upper()
    if number:
        # stored ID numbers are upper-case (normalize), so the plain comparison can use students_id_number
        row = conn.execute("SELECT s.name, COALESCE(c.name, '未分班') FROM students s LEFT JOIN classes c"
                           " ON c.id = s.class_id WHERE s.id_number = ?", (number,)).fetchone()
        if row:
            raise BadInput(f"{record.get('name', '')}（{number}）在本校已有学籍（{row[1]} {row[0]}），不能再新建学籍。")


class ChildRefused(XuejiError):
    """One child of a list could not be taken; its writes were undone (``one_child``), the others' stand."""


@contextmanager
def one_child(tx: Tx, gate: Gate) -> Iterator[None]:
    """One child's writes — record, family members, 学籍号, audit entries, admission state — as a savepoint of
    the list's transaction: an expected failure anywhere in them (:class:`XuejiError`: the gate's refusal, 学籍号
    used up …) undoes that child alone and becomes :class:`ChildRefused` (its message) for the caller to name
    the child. Cancelling, and any other exception, still ends the whole transaction."""
    try:
        with tx.savepoint():
            yield
    except Cancelled:
        raise
    except XuejiError as exc:
        gate.rolled_back()
        raise ChildRefused(str(exc)) from exc


@dataclass
class AcceptResult:
    accepted: list[dict[str, Any]]   # {admission_id, student_id, name, student_number}
    class_code: str
    refused: list[dict[str, Any]] = field(default_factory=list)   # {admission_id, name, id_number, message}

    def to_dict(self) -> dict[str, Any]:
        return {"class_code": self.class_code, "accepted": self.accepted, "refused": self.refused}


class RowsRefused(BadInput):
    """Some rows were refused and the valid part was not accepted: the transaction rolled back, nothing changed.
    ``result`` names every refused row; the message says how to take the valid part."""

    def __init__(self, result: Any, head: str, rows: list[str], how: str) -> None:
        self.result = result
        shown = "；".join(rows[:20]) + ("……" if len(rows) > 20 else "")
        super().__init__(f"{head}：{shown}。{how}")


def accept(store: Store, tokens: list[str], class_text: str, *, accept_valid: bool = False,
           age_exception: str = "", today: date | None = None, progress: Progress | None = None) -> AcceptResult:
    """录取 and 分班: offers (by ID number or list number) become records in ``class_text``, in one transaction.
    Each refused child (not 待录取, already has a record, class full, outside the 新生注册 window, under the entry
    age …) is named; then nothing changes (:class:`RowsRefused`) unless ``accept_valid``: the others are taken.
    ``age_exception``: the clerk's reason for taking children below the county's entry age (audited)."""
    store.require("clerk")
    offers = _find_offers(store.conn, tokens)
    stages = {(o[1], o[2]) for o in offers}
    if len(stages) != 1:
        raise BadInput("一次只能把同一学段、同一年份的新生录取到一个班级。")
    stage, year = stages.pop()
    cls = _intake_class(store.conn, class_text, stage, year)
    result = AcceptResult([], cls.class_code)
    with store.transaction() as tx:
        gate = Gate(store, tx.conn, today=today, age_exception=age_exception)
        for n, (aid, _stage, _year, name, number, record_json, state) in enumerate(offers):
            if n % 100 == 0:
                tick(progress, n, len(offers), "录取入班")
            listed = json.loads(record_json)
            try:
                with one_child(tx, gate):
                    if state != OFFERED:
                        raise BadInput(f"名单状态为“{STATE_NAMES[state]}”，不能再录取")
                    ensure_new_child(tx.conn, listed)
                    sid = add_student(tx, new_student_record(listed, stage, year, LIST_MODE[stage]), cls.id,
                                      today=today, gate=gate)
                    tx.execute("UPDATE admissions SET state = ?, student_id = ? WHERE id = ?", (ACCEPTED, sid, aid))
            except ChildRefused as exc:
                result.refused.append({"admission_id": aid, "name": name, "id_number": number,
                                       "message": str(exc)})
                continue
            student_number = tx.execute("SELECT student_number FROM students WHERE id = ?", (sid,)).fetchone()[0]
            result.accepted.append({"admission_id": aid, "student_id": sid, "name": name,
                                    "student_number": student_number})
        if result.refused and not accept_valid:
            raise RowsRefused(result, f"{len(result.refused)} 名新生不能录取，未录取任何人",
                              [f"{r['name']}（序号 {r['admission_id']}）：{r['message']}" for r in result.refused],
                              f"处理后重新录取，或只录取其余 {len(result.accepted)} 名（加 --accept-valid）。")
        if result.accepted:
            tx.audit("招生录取入班", "admissions", cls.class_code,
                     {"count": [None, len(result.accepted)], "refused": [None, len(result.refused)]})
    tick(progress, len(offers), len(offers), "录取入班")
    return result


def typed_record(raw: dict[str, Any]) -> dict[str, Any]:
    """A child typed in for 自主招生 (the CLI's flags, the dialog's fields; members under ``members``),
    normalised (names → codes, dates); what cannot be read is refused naming the field."""
    raw = {k: v for k, v in raw.items() if v not in (None, "")}
    if raw.get("id_number") and not raw.get("id_type"):
        raw["id_type"] = "1"  # an 18-digit number typed here is a 居民身份证号
    raw["members"] = [m for m in raw.get("members") or [] if m]
    if not str(raw.get("name", "")).strip():
        raise BadInput("请填写姓名。")
    record, issues = normalize_record(raw)
    errors = [i.message for i in issues if i.severity == "error"]
    if errors:
        raise BadInput("；".join(errors))
    return record


def add_self_admitted(store: Store, record: dict[str, Any], class_text: str, *, year: int | None = None,
                      age_exception: str = "", today: date | None = None) -> int:
    """自主招生: one new student within the plan of the class's stage and year; past it, refused naming the plan
    and the count. Returns the new student's id."""
    store.require("clerk")
    cls = find_class(store.conn, class_text)
    if cls is None:
        raise BadInput(f"没有班级“{class_text}”：请先建班。")
    year = year or cls.entry_year
    cls = _intake_class(store.conn, class_text, cls.stage, year)
    ensure_new_child(store.conn, record)
    use = plan_use(store.conn, cls.stage, year)
    where = f"本校 {year} 年{STAGES[cls.stage]}"
    if use.plan is None:
        raise BadInput(f"{where}还没有县级下达的招生计划，不能自主招生：请等县级设置计划（随初始化包或反馈包下发）。")
    if use.left is not None and use.left <= 0:
        raise BadInput(f"超出招生计划：{where}招生计划 {use.plan} 人，已招 {use.enrolled} 人"
                       + (f"、名单中待录取 {use.offered} 人" if use.offered else "")
                       + "。如需增加，请先申请变更招生计划（xueji plan request --count N --reason …）。")
    with store.transaction() as tx:
        sid = add_student(tx, new_student_record(record, cls.stage, year, SELF_MODE[cls.stage]), cls.id,
                          gate=Gate(store, tx.conn, today=today, age_exception=age_exception))
        tx.audit("自主招生", "students", sid, {"class": [None, cls.class_code]})
    return sid
