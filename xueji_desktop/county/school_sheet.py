"""The county's school list as a workbook: exported for checking and completing (学校标识码核对, seed 001),
imported back (or a list received from above). An import is checked whole first — every bad code, duplicate,
missing column or value is named by row and column — and changes nothing unless the whole list is good."""

from __future__ import annotations

from pathlib import Path

from ..errors import BadInput
from ..excel.reader import cell_text, check_container
from ..storage import Store
from .schools import PLACEHOLDER_CODE, check_school_fields, insert_school, list_schools
from .workspace import county_profile, require_county, store_level

CODE, NAME, REGION, NUTRITION = "学校标识码", "学校名称", "统计用区划代码", "享受营养餐"
REQUIRED = (CODE, NAME, REGION)
# Columns written for information only (ignored on import).
INFO = ("学生数", "已上报", "审核")


def export_school_sheet(store: Store, out: Path | str) -> Path:
    from ..excel.xlsx_memory import xlsxwriter_book
    from ..outfiles import write_file

    require_county(store)
    workbook, buffer = xlsxwriter_book({"strings_to_numbers": False})
    text = workbook.add_format({"num_format": "@"})
    bold = workbook.add_format({"bold": True})
    sheet = workbook.add_worksheet("学校名单")
    headers = [CODE, NAME, REGION, NUTRITION, *INFO]
    sheet.write_row(0, 0, headers, bold)
    sheet.set_column(0, 2, 18, text)
    sheet.set_column(1, 1, 30, text)
    for r, s in enumerate(list_schools(store, placeholders=True), start=1):
        sheet.write_row(r, 0, [s["code"], s["name"], s["region_code"], "是" if s["nutrition"] else "否",
                               str(s["students"]), "是" if s["imported_at"] else "否", s["review_name"]], text)
    workbook.close()
    return write_file(Path(out), buffer.getvalue())


def read_school_sheet(store: Store, path: Path | str) -> list[dict]:
    """The rows of a school-list workbook, checked: [{row, code, name, region_code, nutrition}].
    BadInput naming every problem (row and column) when any row is wrong."""
    import python_calamine as calamine

    path = Path(path)
    check_container(path)
    try:
        rows = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception:  # calamine raises several unrelated types for broken parts
        raise BadInput(f"文件 {path.name} 已损坏或不是有效的 Excel 工作簿，无法读取。") from None
    if not rows:
        raise BadInput(f"{path.name}：工作表是空的。")
    header = [cell_text(c).replace("★", "").strip() for c in rows[0]]
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise BadInput(f"{path.name}：第 1 行缺少列 {'、'.join(missing)}（需要 {'、'.join(REQUIRED)}，"
                       f"可选 {NUTRITION}）。未做任何修改。")
    at = {h: header.index(h) for h in (*REQUIRED, NUTRITION) if h in header}
    county = county_profile(store)
    problems: list[str] = []
    out: list[dict] = []
    seen: dict[str, int] = {}
    for n, cells in enumerate(rows[1:], start=2):
        def cell(h: str, cells=cells) -> str:
            return cell_text(cells[at[h]]) if h in at and at[h] < len(cells) else ""

        code, name, region, nutrition = cell(CODE), cell(NAME), cell(REGION), cell(NUTRITION)
        if not (code or name or region):
            continue
        problem = check_school_fields(county, code, name, region)
        if problem:
            column = CODE if "标识码" in problem else NAME if "名称" in problem else REGION
            problems.append(f"第 {n} 行“{column}”列：{problem}")
            continue
        if nutrition not in ("", "是", "否"):
            problems.append(f"第 {n} 行“{NUTRITION}”列：应填“是”或“否”，而不是“{nutrition}”。")
            continue
        key = code if code != PLACEHOLDER_CODE else f"{code}/{name}"
        if key in seen:
            what = f"学校标识码 {code}" if code != PLACEHOLDER_CODE else f"没有标识码的学校“{name}”"
            problems.append(f"第 {n} 行“{CODE if code != PLACEHOLDER_CODE else NAME}”列：{what}与第 {seen[key]} 行"
                            "重复。")
            continue
        seen[key] = n
        out.append({"row": n, "code": code, "name": name.strip(), "region_code": region,
                    "nutrition": None if not nutrition else nutrition == "是"})
    if problems:
        shown = "\n".join(problems[:20]) + (f"\n……共 {len(problems)} 处" if len(problems) > 20 else "")
        raise BadInput(f"{path.name}：学校名单有误，未做任何修改：\n{shown}")
    return out


def import_school_sheet(store: Store, path: Path | str) -> dict[str, int]:
    """Add the schools not yet listed, update the name, region and 享受营养餐 of those that are (by 标识码;
    placeholders by name). Schools missing from the file stay (removing is done one by one). One transaction."""
    require_county(store)
    store.require("clerk", "sysadmin")
    rows = read_school_sheet(store, path)
    if store_level(store) == "city":  # 享受营养餐 is each county's plan, set by its upward package (city_intake.py)
        for r in rows:
            r["nutrition"] = None
    existing = {s["code"] if not s["placeholder"] else f"{PLACEHOLDER_CODE}/{s['name']}": s
                for s in list_schools(store, placeholders=True)}
    added = updated = 0
    with store.transaction() as tx:
        for r in rows:
            key = r["code"] if r["code"] != PLACEHOLDER_CODE else f"{PLACEHOLDER_CODE}/{r['name']}"
            old = existing.get(key)
            if old is None:
                insert_school(tx, r["code"], r["name"], r["region_code"], r["nutrition"])
                added += 1
                continue
            nutrition = old["nutrition"] if r["nutrition"] is None else int(r["nutrition"])
            if (old["name"], old["region_code"], old["nutrition"]) == (r["name"], r["region_code"], nutrition):
                continue
            if r["code"] == PLACEHOLDER_CODE:
                tx.execute("UPDATE county_placeholder_schools SET region_code = ?, nutrition = ? WHERE name = ?",
                           (r["region_code"], nutrition, r["name"]))
            else:
                tx.execute("UPDATE county_schools SET name = ?, region_code = ?, nutrition = ? WHERE code = ?",
                           (r["name"], r["region_code"], nutrition, r["code"]))
            tx.audit("修改学校", "county_schools", r["code"], {"name": [old["name"], r["name"]],
                                                              "region_code": [old["region_code"], r["region_code"]],
                                                              "nutrition": [old["nutrition"], nutrition]})
            updated += 1
        tx.audit("导入学校名单", "county_schools", "", {"file": [None, Path(path).name], "added": [None, added],
                                                      "updated": [None, updated]})
    return {"added": added, "updated": updated, "unchanged": len(rows) - added - updated}
