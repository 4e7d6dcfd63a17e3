"""Which students to print and their pages, read from the store (Qt-free).

Everything takes a DB connection (``store.conn`` on the UI thread, ``store.reconnect()`` on a
worker) and yields pages one at a time, so a 1,000-student batch never holds 1,000 pages and a
progress callback can cancel between pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..errors import BadInput
from ..progress import Progress, tick
from ..records.students import get_student_conn, resolve_student
from ..school import ClassInfo, find_class, get_school_profile_conn, list_classes
from .form import FormHeader, build_form
from .layout import Page
from .roster import RosterHeader, build_roster

KINDS = {"form": "学生基本信息采集表", "roster": "学生信息确认名单", "blank": "空白采集表",
         "proof": "无身份证号学生在校就读证明表"}


@dataclass(frozen=True)
class Selection:
    """What to print: a class (by 班号 or 班级名称) and/or explicit students (database ids)."""

    class_text: str = ""
    student_ids: tuple[int, ...] = ()


def resolve_class(conn, text: str) -> ClassInfo:
    cls = find_class(conn, text)
    if cls is None:
        known = "、".join(c.class_code for c in list_classes(conn)[:6])
        raise BadInput(f"找不到班级“{text}”：请填写班号（如 2009101）或班级名称（如 小学2009级(1)班）。"
                       + (f"已有班级：{known}…" if known else "当前没有班级。"))
    return cls


def parse_student_tokens(conn, text: str) -> tuple[int, ...]:
    """``--students``: comma-separated database ids or 身份证件号; unknown ones are an error naming them."""
    ids: list[int] = []
    unknown: list[str] = []
    for token in (t.strip() for t in text.replace("，", ",").split(",")):
        if not token:
            continue
        student_id = resolve_student(conn, token)
        if student_id is None:
            unknown.append(token)
        else:
            ids.append(student_id)
    if unknown:
        raise BadInput(f"找不到学生：{'、'.join(unknown[:5])}。--students 请填写学生编号或身份证件号，用逗号分隔。")
    if not ids:
        raise BadInput("--students 没有给出学生：请填写学生编号或身份证件号，用逗号分隔。")
    return tuple(dict.fromkeys(ids))


def student_ids(conn, selection: Selection) -> list[int]:
    """Students of the selection in print order (class, then the order they were entered)."""
    if selection.student_ids:
        return list(selection.student_ids)
    if not selection.class_text:
        raise BadInput("请选择要打印的班级或学生。")
    cls = resolve_class(conn, selection.class_text)
    ids = [r[0] for r in conn.execute("SELECT id FROM students WHERE class_id = ? ORDER BY id", (cls.id,))]
    if not ids:
        raise BadInput(f"班级 {cls.name}（{cls.class_code}）没有学生。")
    return ids


def _class_info(conn, class_id: int | None, cache: dict[int, ClassInfo | None]) -> ClassInfo | None:
    if class_id is None:
        return None
    if class_id not in cache:
        row = conn.execute("SELECT id, class_code, name, stage, entry_year, number, head_teacher FROM classes"
                           " WHERE id = ?", (class_id,)).fetchone()
        cache[class_id] = ClassInfo(*row) if row else None
    return cache[class_id]


def photo_of(conn, student_id: int) -> bytes | None:
    row = conn.execute("SELECT jpeg FROM photos WHERE student_id = ?", (student_id,)).fetchone()
    return bytes(row[0]) if row else None


def load_records(conn, ids: list[int], progress: Progress | None = None,
                 message: str = "读取学生") -> Iterator[tuple[dict[str, Any], ClassInfo | None]]:
    classes: dict[int, ClassInfo | None] = {}
    for n, sid in enumerate(ids):
        record = get_student_conn(conn, sid)
        if record is None:
            raise BadInput(f"学生不存在（编号 {sid}），可能已被删除。")
        cls = _class_info(conn, record.get("_class_id"), classes)
        if cls is not None:
            record["_class_name"] = cls.name
        tick(progress, n, len(ids), message)
        yield record, cls


def form_pages(conn, ids: list[int], progress: Progress | None = None) -> Iterator[Page]:
    """One prefilled collection form per student, in ``ids`` order."""
    school = get_school_profile_conn(conn) or {}
    for record, cls in load_records(conn, ids, progress, "生成采集表"):
        header = FormHeader(school.get("name", ""), school.get("code", ""), cls.name if cls else "",
                            cls.class_code if cls else "", cls.head_teacher if cls else "",
                            record.get("_student_number", ""))
        yield build_form(record, header, photo_of(conn, record["_id"]))
    tick(progress, len(ids), len(ids), "生成采集表")


def blank_pages(conn=None, copies: int = 1) -> Iterator[Page]:
    """The blank form; with a connection the school name and code are printed in the heading."""
    school = (get_school_profile_conn(conn) if conn is not None else None) or {}
    header = FormHeader(school.get("name", ""), school.get("code", ""))
    for _ in range(copies):
        yield build_form(None, header)


def roster_pages(conn, ids: list[int], mask: bool = False, progress: Progress | None = None,
                 today: date | None = None) -> list[Page]:
    """The confirmation roster of the students (normally one class; a mixed selection lists its classes)."""
    school = get_school_profile_conn(conn) or {}
    rows = list(load_records(conn, ids, progress, "生成名单"))
    classes = list(dict.fromkeys(c for _, c in rows if c is not None))
    header = RosterHeader(
        school_name=school.get("name", ""),
        class_name="、".join(c.name for c in classes[:3]) + ("等" if len(classes) > 3 else ""),
        class_code="、".join(c.class_code for c in classes[:3]),
        head_teacher=classes[0].head_teacher if len(classes) == 1 else "",
        printed_on=today,
    )
    return build_roster([r for r, _ in rows], header, mask)


def proof_ids(conn, selection: Selection) -> list[int]:
    """Students of the selection who need the no-ID proof form; no selection = every such student."""
    from ..records.no_id_proof import needing_proof

    needing = [p.student_id for p in needing_proof(conn)]
    if not selection.student_ids and not selection.class_text:
        ids = needing
    else:
        chosen = set(student_ids(conn, selection))
        ids = [sid for sid in needing if sid in chosen]
    if not ids:
        raise BadInput("所选学生中没有需要《无身份证号学生在校就读证明表》的学生（国籍为中国且没有身份证件号）。")
    return ids


def proof_pages(conn, ids: list[int], progress: Progress | None = None, today: date | None = None) -> Iterator[Page]:
    from .proof import ProofHeader, build_proof

    school = get_school_profile_conn(conn) or {}
    header = ProofHeader(school.get("name", ""), school.get("code", ""), today)
    for record, _cls in load_records(conn, ids, progress, "生成证明表"):
        yield build_proof(record, header)
    tick(progress, len(ids), len(ids), "生成证明表")


def pages_for(conn, kind: str, selection: Selection, mask: bool = False,
              progress: Progress | None = None) -> tuple[int, Iterator[Page]]:
    """(page count, pages) for one print job of ``kind`` (form | roster | blank)."""
    if kind == "blank":
        return 1, blank_pages(conn)
    if kind == "proof":
        ids = proof_ids(conn, selection)
        return len(ids), proof_pages(conn, ids, progress)
    ids = student_ids(conn, selection)
    if kind == "form":
        return len(ids), form_pages(conn, ids, progress)
    if kind == "roster":
        pages = roster_pages(conn, ids, mask, progress)
        return len(pages), iter(pages)
    raise BadInput(f"未知的打印内容：{kind}（可选：form、roster、blank）。")


def check_print_allowed(store, kind: str, mask: bool) -> None:
    """Who may print what: a class teacher prints forms and masked rosters of own classes (the connection
    hides the others); an unmasked roster and the no-ID proof form are the clerk's (or a leader's)."""
    from ..access import is_class_scoped
    from ..errors import PermissionDenied

    if not is_class_scoped(store.user.roles):
        return
    if kind == "proof":
        raise PermissionDenied("《无身份证号学生在校就读证明表》由学籍管理员打印并报送，班主任账号不能打印。")
    if kind == "roster" and not mask:
        raise PermissionDenied("班主任打印的确认名单须隐去身份证件号和电话的中间位数；完整名单请学籍管理员打印。")


def record_print(store, kind: str, selection: Selection, pages: int, target: str, mask: bool = False) -> None:
    """Log a finished printout in the audit log (who printed whose data, masked or not, to a printer or a PDF).

    Seed 002 makes whoever exports or prints student data responsible for it; the entry names the class or
    the student ids, never ID numbers, and is written in its own small transaction after the output exists.
    """
    if kind == "proof":
        from ..records.no_id_proof import record_printed

        record_printed(store, proof_ids(store.conn, selection))  # marks the forms printed, and audits
        return
    if kind == "blank":
        what = "空白采集表"
        students: list[int] = []
    else:
        students = list(selection.student_ids) or student_ids(store.conn, selection)
        what = selection.class_text or f"{len(students)} 名学生"
    changes = {"pages": [None, pages], "target": [None, target], "students": [None, students[:200]]}
    if kind == "roster":
        changes["mask"] = [None, bool(mask)]
    with store.transaction() as tx:
        tx.audit(f"打印{KINDS[kind]}", "students", what, changes)
