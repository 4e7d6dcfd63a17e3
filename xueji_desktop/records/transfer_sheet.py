"""跨省转学申请表: a cross-province transfer is done in the national system (seed 002 第二章 3: the receiving
school starts it there, entering the child's 全国学籍号; after the four parties approve it 调档). This sheet
lists the receiving school's approved cross-province requests with what the national form asks for, so the
clerk types them in from one page instead of from the paper certificates."""

from __future__ import annotations

from pathlib import Path

from ..errors import BadInput
from ..storage.store import Store
from .transfers import T_NATIONAL, list_requests, transfer_ref_id

HEADERS = ["申请编号", "学生姓名", "身份证件号", "全国学籍号", "原学校标识码", "原学校名称", "转入班级", "转入日期",
           "转学原因", "转学证明材料", "本校审核"]


def sheet_rows(store: Store, refs: list[str]) -> list[list[str]]:
    wanted = {transfer_ref_id(r) for r in refs}
    requests = [t for t in list_requests(store) if t.cross_province]
    if wanted:
        missing = wanted - {t.id for t in requests}
        if missing:
            raise BadInput(f"T{min(missing)} 不是本校的跨省转学申请（发起时须加 --cross-province）。")
        requests = [t for t in requests if t.id in wanted]
    else:
        requests = [t for t in requests if t.state == T_NATIONAL]
    if not requests:
        raise BadInput("没有待在全国学籍系统办理的跨省转学申请（须主管领导审核同意后才导出）。")
    return [[t.ref, t.name, t.id_number, "", t.from_school, t.from_school_name, t.class_name, t.effective_date,
             t.reason, "、".join(t.evidence), t.state_name] for t in requests]


def write_sheet(store: Store, refs: list[str], out: Path | str) -> int:
    from openpyxl import Workbook

    from ..excel.xlsx_memory import openpyxl_bytes
    from ..outfiles import write_file

    rows = sheet_rows(store, refs)
    wb = Workbook()
    ws = wb.active
    ws.title = "跨省转学申请"
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    for col in ("C", "D", "E"):
        for cell in ws[col]:
            cell.number_format = "@"  # ID numbers and codes stay text
    ws.append([])
    ws.append(["说明：全国学籍号一栏请按转出学校提供的学籍号填写（全国学籍系统发起跨省转学时必填）；"
               "四方核办完成后在全国学籍系统中调档，再在本程序中新增该生记录。"])
    write_file(out, openpyxl_bytes(wb))  # in memory: the sheet lists names and ID numbers
    return len(rows)
