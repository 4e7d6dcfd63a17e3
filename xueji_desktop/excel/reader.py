"""Opening a user's workbook (.xlsx, or the .xls the national system and provincial tools export) safely
and finding our columns in it.

python-calamine (Rust) reads the cells of both formats: ~10× faster than openpyxl and it never builds a DOM.
Before it sees the file we check the container ourselves, because a clerk must get one plain
sentence, not a traceback: empty file, password-encrypted workbook (an OLE/CFB container naming
EncryptionInfo; an encrypted .xls is reported by calamine), truncated zip, zip bomb, XML with a DOCTYPE
(entity bombs; .xlsx parts never have one), wrong template. An OLE/CFB container otherwise is an .xls
(Excel 97-2003) workbook, read with the same tolerance; we never write .xls (see ``check_xlsx_target``).
Macros are never run: only cell values are read.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import python_calamine as calamine

from ..class_text import class_candidates
from ..errors import BadInput
from ..infiles import require_regular
from .columns import Column, Implied, clean_header, columns, implied_values, match_header, member_key, missing_required

HEADER_SCAN_ROWS = 30
MIN_HEADER_MATCHES = 3
MAX_ZIP_MEMBERS = 10_000
MAX_UNCOMPRESSED = 4 * 1024**3        # a 200k-row template is ~0.3 GB of XML
MAX_RATIO = 1000                       # xlsx XML compresses ~10-100×; a bomb far more
PROLOG_SCAN = 64 * 1024
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")


def check_container(path: Path) -> None:
    """Raise BadInput with one plain sentence when ``path`` is not a safe, complete .xlsx."""
    name = path.name
    require_regular(path)  # a FIFO would block the open below, a device never end
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise BadInput(f"找不到文件：{path}") from None
    except OSError as exc:
        raise BadInput(f"无法读取文件 {name}：{exc.strerror or exc}") from None
    if size == 0:
        raise BadInput(f"文件 {name} 是空的（0 字节）：请选择填好数据的 Excel 文件。")
    if head == CFB_MAGIC:
        with open(path, "rb") as fh:
            encrypted = ENCRYPTION_INFO in fh.read(1024 * 1024)
        if encrypted:
            raise BadInput(f"文件 {name} 设置了打开密码：请在 Excel 或 WPS 中取消密码（文件→信息→保护工作簿）"
                           "后再导入。")
        return  # an .xls workbook (Excel 97-2003): calamine reads it; a damaged one fails in _open
    if not head.startswith(b"PK"):
        raise BadInput(f"文件 {name} 不是 Excel 工作簿（.xlsx 或 .xls）：请在 Excel 或 WPS 中“另存为”Excel 工作簿"
                       "（*.xlsx）后再导入。")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = [i.filename for i in infos]
            if len(infos) > MAX_ZIP_MEMBERS or len(set(names)) != len(names):
                raise BadInput(f"文件 {name} 的内部结构异常（条目过多或重名），已拒绝导入。")
            if "xl/workbook.xml" not in names:
                raise BadInput(f"文件 {name} 不是 Excel 工作簿（.xlsx）：请在 Excel 或 WPS 中“另存为”"
                               "Excel 工作簿（*.xlsx）后再导入。")
            total = sum(i.file_size for i in infos)
            if total > MAX_UNCOMPRESSED or any(i.file_size > 10 * 1024**2 and i.file_size > MAX_RATIO *
                                               max(i.compress_size, 1) for i in infos):
                raise BadInput(f"文件 {name} 解压后异常巨大（疑似压缩炸弹），已拒绝导入。")
            for info in infos:
                if info.filename.endswith((".xml", ".rels", ".vml")):
                    _check_prolog(zf, info, name)
    except BadInput:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, zlib.error):
        raise BadInput(f"文件 {name} 已损坏或不完整，无法打开：请重新保存或重新拷贝该文件后再导入。") from None


def is_xls(path: Path) -> bool:
    """Whether ``path`` is an OLE/CFB container (an .xls workbook, once check_container has passed it)."""
    with open(path, "rb") as fh:
        return fh.read(8) == CFB_MAGIC


def check_xlsx_target(path: Path | str) -> Path:
    """``path`` for a workbook we write: .xls is read only (its BIFF format is not one we write)."""
    path = Path(path)
    if path.suffix.lower() == ".xls":
        raise BadInput(f"不能写入 .xls 文件（{path.name}）：本程序读取 .xls，但只写 Excel 工作簿 .xlsx，"
                       f"请改用 {path.with_suffix('.xlsx').name}。")
    return path


def _check_prolog(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    # Entity bombs need a DOCTYPE, which can only stand before the root element: read up to it.
    with zf.open(info) as fh:
        buf = fh.read(PROLOG_SCAN)
    m = _ROOT_ELEMENT.search(buf)
    prolog = buf[: m.start()] if m else buf
    if b"<!DOCTYPE" in prolog.upper() or b"<!ENTITY" in prolog.upper():
        raise BadInput(f"文件 {name} 含有不安全的 XML 内容（DOCTYPE/实体定义），已拒绝导入：请在 Excel 或 WPS 中"
                       "另存为新的 .xlsx 文件。")


@dataclass
class Layout:
    """Where the data is: sheet, header row (0-based) and which column holds which field."""

    sheet_name: str
    header_row: int
    columns: dict[int, Column]
    unknown_headers: list[str] = field(default_factory=list)
    first_col: int = 0  # absolute column index of rows' element 0
    headers: dict[int, str] = field(default_factory=dict)  # column index → header text as in the file
    implied: Implied = field(default_factory=dict)  # per person: columns.implied_values

    def missing_required(self) -> list[str]:
        return missing_required(self.columns, self.implied)

    @property
    def partial(self) -> bool:
        """A sheet with only some of a student's fields (a 家庭成员 or 毕业生 sheet, a teacher's list of phones):
        an ID number (or 学籍号) column, and more than half of the student's required columns missing. Its rows
        update those fields of the students they match (excel/partial.py)."""
        if not any(c.key in ("id_number", "student_number") and c.member is None for c in self.columns.values()):
            return False
        missing = set(self.missing_required())
        required = [c for c in columns() if c.member is None and c.required]
        return 2 * sum(c.header in missing for c in required) > len(required)

    def column_of(self, path: str) -> int | None:
        for j, c in self.columns.items():
            if c.path == path:
                return j
        return None


def _open(path: Path) -> calamine.CalamineWorkbook:
    try:
        return calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError:
        raise BadInput(f"文件 {path.name} 设置了密码：请取消密码后再导入。") from None
    except Exception:  # calamine raises several unrelated types for broken parts
        raise BadInput(f"文件 {path.name} 已损坏或不是有效的 Excel 工作簿，无法读取：请重新保存后再导入。") from None


def _group_titles(sheet, row_above: list[Any], header_row: int) -> dict[int, str]:
    """Titles of merged group cells above the header ("家庭成员1" over 姓名/关系/…)."""
    titles: dict[int, str] = {}
    for j, v in enumerate(row_above):
        if isinstance(v, str) and v.strip():
            titles[j] = v
    for (r1, c1), (r2, c2) in sheet.merged_cell_ranges or []:
        if r1 <= header_row - 1 <= r2 and c1 in titles:
            for j in range(c1, c2 + 1):
                titles[j] = titles[c1]
    return titles


def map_header(cells: list[Any], groups: dict[int, str] | None = None) -> tuple[dict[int, Column], list[str]]:
    """Column index → Column for one header row; unknown header texts are returned for the report."""
    groups = groups or {}
    mapped: dict[int, Column] = {}
    taken: set[str] = set()
    unknown: list[str] = []
    member_cursor = -1  # the member of the last unprefixed member header (姓名 again, 关系…)
    block = -1          # the member whose columns we are in: unprefixed 关系… after "成员2姓名" are member 2's
    for j, cell in enumerate(cells):
        text = clean_header(cell)
        if not text:
            continue
        col = match_header(text, groups.get(j))
        key = member_key(text)
        in_members = member_cursor >= 0 and key is not None
        if col is not None and col.member is None and (col.path in taken or in_members):
            # a repeated student header, or one inside unprefixed member columns (户口所在地 after 姓名 关系 …,
            # national template): a member's column without prefix
            col = None
        if col is None and key is not None:
            if key == "name" or block < 0:
                block = min(block + 1, 1)
            member_cursor = block
            col = next(c for c in columns() if c.member == block and c.key == key)
        if col is None or col.path in taken:
            unknown.append(str(cell))
            continue
        if col.member is not None:
            block = col.member
        mapped[j] = col
        taken.add(col.path)
    return mapped, unknown


def sheet_layout(sheet, name: str) -> Layout | None:
    """The best header row among the first rows of ``sheet``, or None."""
    best: tuple[int, Layout] | None = None
    _start_row, start_col = sheet.start or (0, 0)
    previous: list[Any] = []
    # python-calamine's iter_rows() yields rows from sheet row 0 (leading blank rows included) but cells from
    # start_col on: the row index is already absolute, the columns need padding. Pinned and tested
    # (tests/excel/test_reader_offsets.py) because a shift here misplaces every error in the report.
    for i, row in enumerate(sheet.iter_rows()):
        if i >= HEADER_SCAN_ROWS:
            break
        cells = [""] * start_col + list(row)
        groups = _group_titles(sheet, previous, i) if previous else {}
        mapped, unknown = map_header(cells, groups)
        score = len(mapped)
        has_name = any(c.key == "name" and c.member is None for c in mapped.values())
        if has_name and score >= MIN_HEADER_MATCHES and (best is None or score > best[0]):
            headers = {j: str(cells[j]).strip() for j in mapped}
            best = (score, Layout(name, i, mapped, unknown, start_col, headers,
                                  implied_values(headers, mapped)))
        previous = cells
    if best is None:
        return None
    layout = best[1]
    has_class = any(c.key == "class_code" and c.member is None for c in layout.columns.values())
    if not has_class and class_candidates(name, "", 2000):  # (any year: only whether it reads as a class)
        layout.implied.setdefault(None, {})["class_code"] = name.strip()  # a sheet per class, named after it
    return layout


def no_header(path: Path) -> BadInput:
    return BadInput(f"文件 {path.name} 中没有找到学生信息表头（“姓名”“性别”“身份证件号”等列名）：请使用本程序导出的"
                    "Excel 模板填写。")


SUMMARY_SHEET = "错误汇总"  # the sheet our error workbook adds (report.py): never student data


def find_layouts(path: Path) -> tuple[calamine.CalamineWorkbook, list[tuple[Any, Layout]]]:
    """Open the workbook; every sheet with our headers, in workbook order, with where its data is. Schools often
    keep one sheet per class (sheets named 一(1)班, 一(2)班 … and no 班级 column: see sheet_layout)."""
    wb = _open(path)
    found = []
    for meta in wb.sheets_metadata:
        if str(meta.typ) != str(calamine.SheetTypeEnum.WorkSheet) or meta.name == SUMMARY_SHEET:
            continue
        try:
            sheet = wb.get_sheet_by_name(meta.name)
        except Exception:
            raise BadInput(f"文件 {path.name} 的工作表“{meta.name}”已损坏，无法读取：请重新保存后再导入。") from None
        layout = sheet_layout(sheet, meta.name)
        if layout is not None:
            found.append((sheet, layout))
    if not found:
        raise no_header(path)
    return wb, found


def find_layout(path: Path) -> tuple[calamine.CalamineWorkbook, Any, Layout]:
    """Open the workbook; the first sheet with our headers and where its data is."""
    wb, found = find_layouts(path)
    sheet, layout = found[0]
    return wb, sheet, layout


HINT_ROWS = 2  # instruction rows are looked for this many rows under the header
_HINT_WORDS = ("必填", "选填", "格式", "请填写", "请选择", "例如", "如：", "示例")


def is_hint_row(cells: list[Any]) -> bool:
    """A row of instructions under the header ("必填，请选择", "格式 YYYY-MM-DD" …), not a student."""
    texts = [v for v in cells if isinstance(v, str) and v.strip()]
    return len(texts) >= 3 and all(any(w in v for w in _HINT_WORDS) for v in texts)


def below_header(rows: Iterable[tuple[int, list[Any]]], header_row: int) -> Iterator[tuple[int, list[Any]]]:
    """The data rows of (0-based sheet row, cells): those under the header, without a hint row right under it."""
    for r, cells in rows:
        if r <= header_row or (r <= header_row + HINT_ROWS and is_hint_row(cells)):
            continue
        yield r, cells


def data_row_estimate(sheet, layout: Layout) -> int:
    """Rows under the header, for progress (hint and empty rows included)."""
    return max(sheet.height - (layout.header_row - (sheet.start or (0, 0))[0]) - 1, 0)


def iter_data_rows(sheet, layout: Layout) -> Iterator[tuple[int, list[Any]]]:
    """(0-based sheet row, cells) for every data row below the header; cells indexed by absolute column."""
    _start_row, start_col = sheet.start or (0, 0)
    pad = [""] * start_col
    # r is the absolute sheet row (see sheet_layout)
    rows = ((r, (pad + list(row)) if start_col else row) for r, row in enumerate(sheet.iter_rows()))
    return below_header(rows, layout.header_row)


# ---- cell values -------------------------------------------------------------------------

_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")


def cell_text(value: Any, *, yearmonth: bool = False) -> str:
    """A cell as the text the user meant: numbers without ".0", dates as YYYY-MM-DD (YYYYMM for 入学年月)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value.strip().replace("\u200b", "").replace("\ufeff", "")
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value:%Y%m}" if yearmonth else value.isoformat()
    if isinstance(value, time | timedelta):
        return str(value)
    return str(value)


def damaged_id(value: Any) -> str | None:
    """Why an ID-number cell was damaged by Excel, or None. Only Excel-shaped damage is reported here."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        digits = str(int(value)) if float(value).is_integer() else repr(value)
        if len(digits) > 15:
            return ("在 Excel 中被存成了数字，只保留了 15 位有效数字，末尾几位已变成 0，原号码无法从文件恢复："
                    "请把该列设为“文本”格式后重新录入正确号码。")
        return None
    text = str(value).strip()
    if len(text) < 5 or not text[0].isdigit():
        return None
    if _SCIENTIFIC.match(text):
        return (f"被 Excel 显示成了科学计数法（{text}），原号码已丢失：请把该列设为“文本”格式后重新录入正确号码。")
    if re.fullmatch(r"\d{15}000", text):
        from stdnum.cn import ric

        if not ric.is_valid(text):
            return ("末三位为 000 且校验位不符，疑似被 Excel 截断为 15 位有效数字：请核对证件后重新录入，"
                    "并把该列设为“文本”格式。")
    return None
