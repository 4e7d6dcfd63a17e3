"""The write gate: the rules every write of a student record obeys, written once.

Every path that creates, changes or deletes a student — the form and ``xueji student set`` (through
``students.add_student/update_student``), ``import-excel``, 批量填写, feedback packages, and the transfer and
admission paths to come — asks the gate first. The rules (seed 002, MoE《中小学生学籍管理办法》):

- ``controlled``: the controlled fields (受控字段: 姓名, 性别, 出生日期, 身份证件类型, 身份证件号, plus those the
  county adds) of a record the county has accepted change only through a key-field change request
  (关键字段变更, :mod:`.changes`); an approved request passes ``key_change_approved=True`` (it is a 学籍异动,
  so it also passes the read-only rule).
- ``read_only``: a record that is not 在读 (毕业, 休学, 出国, 离校 …; see :mod:`.enrolment`) is read-only; only a
  status change (学籍异动) moves it, and that writes the enrolment column, not the record.
- ``class_full``: no class takes more students than its cap (班额, county cap, a school may set a lower one).
- ``identity``: when a path *matched* a proposed record to a stored one (import, packages) rather than the user
  naming it: same name+gender+birth date+class but another ID number, or the same ID number under another
  name (a record the county has not accepted; an accepted one falls under ``controlled``), is a conflict to
  decide, never an overwrite.
- ``new_intake``: a new record in a grade-1 class (小学, entry year = the school year or later) is a 小学新生注册,
  allowed only inside the county's 新生注册 working window and for a child of the county's entry age on 8月31日
  of the entry year (see :func:`intake_refusals`). The age limit may be waived for one registration with a
  reason (``Gate(age_exception=…)``, audited by ``add_student``); the window may not.

API (small on purpose)::

    gate = Gate(store, conn)            # the rules in force for one transaction (settings read once)
    gate.check(stored, proposed, class_id, matched=False, key_change_approved=False) -> list[Refusal]
    gate.admit(stored, proposed, class_id, ...)   # check; raise Refused if anything is refused; else take
                                                  # the class seat. Call it right before writing.
    keep_controlled(stored, proposed, refusals) -> dict   # proposed with refused controlled cells as stored
    deletion_route(stored) -> "delete" | "request"        # never accepted: delete now; accepted: request

``stored`` is a record as ``students.get_student_conn`` returns it (``_id``, ``_class_id``, ``_enrolment``,
``_accepted`` …) or None for a new record; ``proposed`` is the record to write (field keys, ``members``);
``class_id`` is the class it goes into (``KEEP``: where it is). A :class:`Refusal` names the field, says why in
plain Chinese with the student's name and the next step, and ``blocks_row`` says whether a bulk path must skip
the whole record (read-only, class full, identity conflict) or may write the rest and keep the refused cell
as stored (a controlled field). The form and CLI refuse the whole write on any refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..errors import BadInput, PermissionDenied
from ..school import STAGES, current_school_year
from .enrolment import EDITABLE, GRADUATED, SEATED, enrolment_name

KEY_FIELDS = ("id_type", "id_number", "name", "gender", "birth_date")  # national key fields, always controlled

CONTROLLED, READ_ONLY, CLASS_FULL, IDENTITY = "controlled", "read_only", "class_full", "identity"
NEW_INTAKE = "new_intake"
RULE_NAMES = {CONTROLLED: "受控字段", READ_ONLY: "非在读只读", CLASS_FULL: "超出班额", IDENTITY: "身份冲突",
              NEW_INTAKE: "新生注册规则"}

KEEP: Any = object()  # class_id default: the record stays in its class

REASON_MARK = "（例外登记，理由："  # how a waived age refusal names the reason (records/age_exceptions reads it)

_NOT_COMPARED = frozenset({"members", "class_code", "grade"})


@dataclass(frozen=True)
class Refusal:
    rule: str          # CONTROLLED | READ_ONLY | CLASS_FULL | IDENTITY
    field: str         # the field key refused ("class_id": the placement; "": the record as a whole)
    message: str       # plain Chinese: the student, the field, what to do next
    stored: Any = None
    proposed: Any = None

    @property
    def blocks_row(self) -> bool:
        return self.rule != CONTROLLED

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "rule_name": RULE_NAMES[self.rule], "field": self.field,
                "message": self.message, "stored": self.stored, "proposed": self.proposed}


class Refused(BadInput):
    """A write the gate refused; ``str()`` joins the messages, ``refusals`` keeps them per field."""

    def __init__(self, refusals: list[Refusal]) -> None:
        self.refusals = refusals
        super().__init__("\n".join(r.message for r in refusals))


class ReadOnlyRecord(Refused, PermissionDenied):
    """Refused because of who may change the record (read-only state, controlled fields)."""


# ---- settings ------------------------------------------------------------------------------------------

def _meta(conn, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def controlled_fields(store_or_conn) -> tuple[str, ...]:
    """The national key fields, then the county's additions (meta ``controlled_fields``)."""
    conn = getattr(store_or_conn, "conn", store_or_conn)
    extra = [f for f in (_meta(conn, "controlled_fields") or "").split(",") if f]
    return KEY_FIELDS + tuple(f for f in extra if f not in KEY_FIELDS)


def refuse_county_rule_at_school(store, what: str) -> None:
    """County rules flow down, never up: at a school they only arrive in the county's packages."""
    if store.mode == "county":
        return
    county = f"{store.meta('county_code', '') or ''}{store.meta('county_name', '') or ''}" or "县级学籍主管部门"
    raise BadInput(f"{what}是县级规则，由 {county} 设置，随初始化包和反馈包下发；学校不能修改。"
                   "如需调整，请联系县级。")


def county_name(store_or_conn) -> str:
    """Who sets the county rules, as the messages name it (the county's code and name from the init package)."""
    conn = getattr(store_or_conn, "conn", store_or_conn)
    return f"{_meta(conn, 'county_code') or ''}{_meta(conn, 'county_name') or ''}" or "县级学籍主管部门"


def window(store_or_conn, name: str) -> tuple[str, str] | None:
    """A county working window (meta ``window.NAME`` = "MM-DD/MM-DD"; county/rules.py sets it), or None."""
    value = _meta(getattr(store_or_conn, "conn", store_or_conn), f"window.{name}") or ""
    return tuple(value.split("/", 1)) if "/" in value else None  # type: ignore[return-value]


def in_window(store_or_conn, name: str, day: date) -> bool | None:
    """Whether ``day`` falls in the window (None: the county set none)."""
    span = window(store_or_conn, name)
    return None if span is None else day_in_span(span, day)


def day_in_span(span: tuple[str, str], day: date) -> bool:
    """Whether ``day`` falls in a ("MM-DD", "MM-DD") window, which may run over the new year."""
    start, end, today = span[0], span[1], f"{day:%m-%d}"
    return start <= today <= end if start <= end else (today >= start or today <= end)


def entry_age(store_or_conn) -> int | None:
    """一年级入学年龄 (full years on 8月31日 of the entry year), or None: the county set none."""
    value = _meta(getattr(store_or_conn, "conn", store_or_conn), "entry_age.grade1")
    return int(value) if value else None


# The day the entry age is counted on. 《义务教育法》第十一条: 凡年满六周岁的儿童 … 应当 … 入学; the provinces' 招生入学
# rules count the six years on 8月31日 of the entry year (年满6周岁, 即 Y-6 年 8 月 31 日前出生) — the rule
# county/rules.set_entry_age describes and the 小学新生入学年龄控制 switch of seed 002 §管理功能设置 enforces.
ENTRY_AGE_MONTH, ENTRY_AGE_DAY = 8, 31


def youngest_birth_date(entry_year: int, years: int) -> date:
    """The latest birth date of a child who is ``years`` full years old on 8月31日 of ``entry_year``."""
    return date(entry_year - years, ENTRY_AGE_MONTH, ENTRY_AGE_DAY)


def set_controlled_fields(store, fields: list[str]) -> None:
    """The county's extra controlled fields (受控字段), beyond the national key fields."""
    from ..validation import load_spec
    refuse_county_rule_at_school(store, "受控字段")
    store.require("sysadmin")
    spec = load_spec()
    for f in fields:
        try:
            spec.field(f)
        except KeyError:
            raise BadInput(f"没有字段 {f}（字段名见 resources/spec/fields.toml 的 key）。") from None
    value = ",".join(f for f in fields if f not in KEY_FIELDS)
    with store.transaction() as tx:
        old = store.meta("controlled_fields")
        store.set_meta(tx, "controlled_fields", value)
        tx.audit("设置县级规则", "meta", "controlled_fields", {"value": [old, value]})


def class_cap(store_or_conn, stage: int) -> tuple[int | None, str]:
    """The cap in force for a stage (the lower of the county's and the school's) and who set it."""
    conn = getattr(store_or_conn, "conn", store_or_conn)
    caps = [(int(v), who) for v, who in ((_meta(conn, f"class_cap.county.{stage}"), "县级"),
                                         (_meta(conn, f"class_cap.school.{stage}"), "学校")) if v]
    return min(caps) if caps else (None, "")


def check_class_capacity(store_or_conn, conn, class_id: int, adding: int = 1) -> None:
    """Raise unless ``adding`` more students fit into the class (for paths that move whole students:
    留级/跳级, transfers in)."""
    refusal = Gate(store_or_conn, conn).seat_refusal(class_id, adding, "")
    if refusal is not None:
        raise Refused([refusal])


# ---- the gate ------------------------------------------------------------------------------------------

def field_label(key: str) -> str:
    from ..validation import load_spec

    try:
        return load_spec().field(key).label
    except KeyError:
        return key


def _clean_members(members: Any) -> list[dict[str, Any]]:
    out = []
    for m in members or []:
        m = {k: v for k, v in dict(m).items() if v not in (None, "")}
        if m:
            out.append(m)
    return out


def changed_fields(stored: dict[str, Any], proposed: dict[str, Any]) -> list[str]:
    """The record's own fields (not members, class or bookkeeping) whose value differs, in a stable order."""
    keys = dict.fromkeys([*stored, *proposed])
    return [f for f in keys if not f.startswith("_") and f not in _NOT_COMPARED
            and (stored.get(f) or "") != (proposed.get(f) or "")]


class Gate:
    """The rules in force for one transaction: settings are read once, class seats are counted as they are
    taken (so a bulk path sees the seats its own earlier rows took)."""

    def __init__(self, store_or_conn, conn=None, *, today: date | None = None, age_exception: str = "") -> None:
        """``today``: the day the 新生注册 window is checked against; ``age_exception``: the reason a clerk gives
        for registering children below the county's entry age (waived, and audited by ``add_student``)."""
        self.conn = conn if conn is not None else getattr(store_or_conn, "conn", store_or_conn)
        self.controlled = controlled_fields(self.conn)
        self._caps = {stage: class_cap(self.conn, stage) for stage in STAGES}
        self._any_cap = any(cap is not None for cap, _ in self._caps.values())
        self._classes: dict[int, tuple[int, str, int]] | None = None
        self._seats: dict[int, int] = {}
        self.today = today or date.today()
        self._window = window(self.conn, "new_students")
        self._entry_age = entry_age(self.conn)
        self._school_year: int | None = None
        self.age_exception = age_exception.strip()
        self.waived: list[str] = []   # age refusals waived since the caller last took them (take_waived)

    # -- class seats --
    def _class(self, class_id: int) -> tuple[int, str, int] | None:
        if self._classes is None:
            self._classes = {cid: (stage, name, year) for cid, stage, name, year in
                             self.conn.execute("SELECT id, stage, name, entry_year FROM classes")}
        return self._classes.get(class_id)

    def _taken(self, class_id: int) -> int:
        if class_id not in self._seats:
            self._seats[class_id] = self.conn.execute(
                f"SELECT count(*) FROM students WHERE class_id = ? AND enrolment IN ({','.join('?' * len(SEATED))})",
                (class_id, *SEATED)).fetchone()[0]
        return self._seats[class_id]

    def seat_refusal(self, class_id: int | None, adding: int = 1, name: str = "") -> Refusal | None:
        if not self._any_cap or class_id is None:
            return None
        info = self._class(class_id)
        if info is None:
            return None
        stage, class_name, _year = info
        cap, who = self._caps.get(stage, (None, ""))
        if cap is None:
            return None
        taken = self._taken(class_id)
        if taken + adding <= cap:
            return None
        who_moves = f"{name}：" if name else ""
        return Refusal(CLASS_FULL, "class_id",
                       f"{who_moves}{class_name} 已有 {taken} 人，达到{who}设定的{STAGES[stage]}班额上限 {cap} 人，"
                       "不能再分入学生；请分到其他班级，或由有权限的一方调整班额。", None, class_name)

    def _move_seat(self, old_class: int | None, new_class: int | None) -> None:
        if not self._any_cap:
            return
        if new_class is not None:
            self._seats[new_class] = self._taken(new_class) + 1
        if old_class is not None and old_class in self._seats:
            self._seats[old_class] -= 1

    # -- 新生注册 --
    def _grade1_entry_year(self, class_id: int | None) -> int | None:
        """The entry year of a grade-1 (or incoming) 小学 class; None for any other class."""
        info = self._class(class_id) if class_id is not None else None
        if info is None or info[0] != 1:
            return None
        if self._school_year is None:
            self._school_year = current_school_year(self.conn, self.today)
        return info[2] if info[2] >= self._school_year else None

    def intake_refusals(self, class_id: int | None, proposed: dict[str, Any]) -> list[Refusal]:
        """The county's 新生注册 rules for a new record in ``class_id``: its working window and the entry age.
        A refusal the clerk waived (``age_exception``) is kept in ``waived`` instead."""
        if self._window is None and self._entry_age is None:
            return []
        entry_year = self._grade1_entry_year(class_id)
        if entry_year is None:
            return []
        name = str(proposed.get("name") or "（未填姓名）")
        out = []
        if self._window is not None and not day_in_span(self._window, self.today):  # read once, in __init__
            start, end = self._window
            out.append(Refusal(
                NEW_INTAKE, "class_id",
                f"{name}：今天（{self.today:%Y-%m-%d}）不在 {county_name(self.conn)} 设定的小学新生注册时间"
                f"（每年 {start} 至 {end}）内，不能新建一年级学籍。请在注册时间内办理，或请县级调整新生注册时间"
                "（随反馈包下发）。", self.today.isoformat(), f"{start}～{end}"))
        born = _birth_date(proposed.get("birth_date"))
        if self._entry_age is not None and born is not None:
            latest = youngest_birth_date(entry_year, self._entry_age)
            if born > latest:
                text = (f"{name} 出生日期 {born.isoformat()}，到 {entry_year}年{ENTRY_AGE_MONTH}月{ENTRY_AGE_DAY}日"
                        f"未满 {self._entry_age} 周岁：{county_name(self.conn)} 规定一年级新生须年满 "
                        f"{self._entry_age} 周岁（{latest.isoformat()} 及以前出生）。")
                if self.age_exception:
                    self.waived.append(f"{text}{REASON_MARK}{self.age_exception}）")
                else:
                    out.append(Refusal(NEW_INTAKE, "birth_date", text + "确属经批准提前入学的，由经办人填写理由后登记"
                                       "（--age-exception 理由）。", born.isoformat(), latest.isoformat()))
        return out

    def take_waived(self) -> list[str]:
        out, self.waived = self.waived, []
        return out

    def rolled_back(self) -> None:
        """The caller undid a part of its transaction (one child, :meth:`Tx.savepoint`): seats are counted
        again from the file, and what was waived for that part is forgotten."""
        self._seats.clear()
        self.waived = []

    # -- the rules --
    def check(self, stored: dict[str, Any] | None, proposed: dict[str, Any], class_id: Any = KEEP, *,
              matched: bool = False, key_change_approved: bool = False, registering: bool = True) -> list[Refusal]:
        """Everything the gate refuses about writing ``proposed`` over ``stored`` (None: a new record;
        ``registering`` False: a record that arrives with its 学籍, a transfer in, not a 新生注册)."""
        name = str(proposed.get("name") or (stored or {}).get("name") or "（未填姓名）")
        if stored is None:
            new_class = None if class_id is KEEP else class_id
            seat = self.seat_refusal(new_class, 1, name)
            intake = self.intake_refusals(new_class, proposed) if registering else []
            return intake + ([seat] if seat else [])
        name = str(stored.get("name") or name)
        old_class = stored.get("_class_id")
        new_class = old_class if class_id is KEEP else class_id
        out: list[Refusal] = []
        if matched:
            out += _identity(stored, proposed, name, bool(stored.get("_accepted")) and not key_change_approved)
            if out:
                return out  # a conflict is decided first: nothing else of the row is written
        # (cheapest first: a bulk path asks this for every row; comparing all fields only for read-only records)
        enrolment = stored.get("_enrolment") or "enrolled"
        if enrolment not in EDITABLE and not key_change_approved:
            changed = changed_fields(stored, proposed)
            members_changed = _clean_members(stored.get("members")) != _clean_members(proposed.get("members"))
            if changed or members_changed or new_class != old_class:
                labels = "、".join(field_label(f) for f in changed[:5]) or (
                    "班级" if new_class != old_class else "家庭成员")
                if enrolment == GRADUATED:
                    text = f"{name} 已毕业，基本信息已冻结，不能修改（{labels}）；如毕业操作有误，请先“退回在校生”。"
                else:
                    text = (f"{name} 的学籍状态为“{enrolment_name(enrolment)}”，记录只读，不能修改（{labels}）；"
                            "须先办理学籍异动（如复学、回国复学）使其回到在读状态。")
                return [Refusal(READ_ONLY, "", text, enrolment_name(enrolment), None)]
        if stored.get("_accepted") and not key_change_approved:
            for f in self.controlled:
                before, after = stored.get(f) or "", proposed.get(f) or ""
                if before != after:
                    out.append(Refusal(
                        CONTROLLED, f,
                        f"{name} 的学籍已由县级审核通过，“{field_label(f)}”是受控字段，不能直接修改"
                        f"（现为“{before}”，要改为“{after}”）："
                        "请提交“关键字段变更”申请并上传证明材料，县级审核通过后生效。", before, after))
        if new_class != old_class:
            seat = self.seat_refusal(new_class, 1, name)
            if seat:
                out.append(seat)
        return out

    def admit(self, stored: dict[str, Any] | None, proposed: dict[str, Any], class_id: Any = KEEP, *,
              matched: bool = False, key_change_approved: bool = False, registering: bool = True) -> None:
        """Raise :class:`Refused` if anything is refused; otherwise take the record's class seat."""
        refusals = self.check(stored, proposed, class_id, matched=matched, key_change_approved=key_change_approved,
                              registering=registering)
        if refusals:
            permission = all(r.rule in (CONTROLLED, READ_ONLY) for r in refusals)
            raise (ReadOnlyRecord if permission else Refused)(refusals)
        self.placed(stored, class_id)

    def placed(self, stored: dict[str, Any] | None, class_id: Any) -> None:
        """Record that a write put the student into ``class_id`` (bulk paths that wrote after ``check``)."""
        old_class = stored.get("_class_id") if stored else None
        new_class = old_class if class_id is KEEP else class_id
        if stored is None or new_class != old_class:
            self._move_seat(old_class if stored and stored.get("_enrolment", "enrolled") in SEATED else None,
                            new_class)


def _birth_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value or ""))
    except ValueError:
        return None  # missing or unreadable: validation names it; the age rule cannot be judged


def _identity(stored: dict[str, Any], proposed: dict[str, Any], name: str, accepted: bool) -> list[Refusal]:
    """A matched pair that is not clearly the same child: another ID number for the same name, gender, birth
    date and class, or the same ID number under another name. (An accepted record renamed under its own ID
    number is the same child: its name is a controlled field, changed by request — the ``controlled`` rule.)"""
    old_id = str(stored.get("id_number") or "").upper()
    new_id = str(proposed.get("id_number") or "").upper()
    if old_id and new_id == old_id and not accepted and (stored.get("name") or "") != (proposed.get("name") or ""):
        return [Refusal(IDENTITY, "name",
                        f"身份证件号 {old_id} 已属于 {stored.get('name')}，表中同一证件号的姓名却是"
                        f"“{proposed.get('name') or ''}”：未覆盖，请核对是哪一个孩子（姓名确需更正的，在学生信息中修改"
                        "或申请关键字段变更）。", stored.get("name"), proposed.get("name"))]
    if old_id and new_id != old_id:
        shown = new_id or "（空）"
        return [Refusal(IDENTITY, "id_number",
                        f"{name}（同姓名、性别、出生日期、班级）已登记身份证件号 {old_id}，表中为 {shown}：未覆盖，"
                        "请核对是否同一名学生；确属证件号有误的，在学生信息中更正（县级已审核的须申请关键字段变更）。",
                        old_id, new_id)]
    return []


def keep_controlled(stored: dict[str, Any], proposed: dict[str, Any], refusals: list[Refusal]) -> dict[str, Any]:
    """``proposed`` with every refused controlled field put back to its stored value (the rest is written)."""
    out = dict(proposed)
    for r in refusals:
        if r.rule == CONTROLLED:
            if stored.get(r.field) in (None, ""):
                out.pop(r.field, None)
            else:
                out[r.field] = stored[r.field]
    return out


def deletion_route(stored: dict[str, Any]) -> str:
    """``delete``: a record the county never accepted goes at once (audited); ``request``: an accepted one
    only through a deletion request the county decides."""
    return "request" if stored.get("_accepted") else "delete"
