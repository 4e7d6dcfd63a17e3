"""The student list: a QAbstractTableModel over SQL.

Holds only the ordered list of row ids for the current filter (one indexed
query) and fetches full rows in pages of PAGE_SIZE the first time they are
painted, so 200,000 students open instantly and scroll smoothly. Filtering and
sorting work on the keys held in memory (see _Keys), never in a proxy model (a
QSortFilterProxyModel sort of 100k rows took 36 s in our measurements): only
the columns whose keys are in memory (班级/班号, 姓名, 身份证件号, 状态) sort.
Columns are chosen by the user from every field of the form; fields that live
in the JSON ``data`` are read with json_extract for the rows of one page only.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cache
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ..derive import pinyin_sort_keys
from ..records.students import STATUS_NAMES
from ..text_search import TextColumn
from ..validation import load_spec

PAGE_SIZE = 64  # about one screen: a jump to a random row reads one small page
STATUS_COLORS = {"pending": "#fde2e1", "warning": "#fff4d6"}
# Role numbers as plain ints: attribute lookups on PySide's Qt enums cost microseconds, and data() is
# called for every visible cell on every repaint.
DISPLAY, TOOLTIP, BACKGROUND = int(Qt.DisplayRole.value), int(Qt.ToolTipRole.value), int(Qt.BackgroundRole.value)
HORIZONTAL = Qt.Horizontal


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    sql: str
    codes: str | None = None  # code table: shown by name


# Columns stored as real columns (fast); everything else comes from the JSON.
_CORE_SQL = {"name": "s.name", "gender": "s.gender", "birth_date": "s.birth_date", "id_type": "s.id_type",
             "id_number": "s.id_number"}


@cache
def available_columns() -> tuple[Column, ...]:
    """Every column the user can show, in form order."""
    spec = load_spec()
    cols = [Column("class", "班级", "c.name")]
    for f in spec.student_fields:
        if f.key == "class_code":
            cols.append(Column("class_code", "班号", "c.class_code"))
            continue
        if f.key == "grade":
            continue  # derived from the class; the 班级 column says it
        sql = _CORE_SQL.get(f.key, f"json_extract(s.data, '$.{f.key}')")
        cols.append(Column(f.key, f.label, sql, f.codes))
        if f.key == "name":
            cols.append(Column("student_number", "学籍号", "s.student_number"))
    cols += [Column("status", "状态", "s.status"), Column("error_count", "错误数", "s.error_count"),
             Column("warning_count", "警告数", "s.warning_count"),
             Column("photo", "照片", "(SELECT 1 FROM photos p WHERE p.student_id = s.id)"),
             Column("updated_at", "修改时间", "s.updated_at")]
    return tuple(cols)


# Columns the list can sort by (their keys are in memory); the others would need every row decrypted.
SORTABLE = frozenset({"class", "class_code", "name", "id_number", "status"})

DEFAULT_KEYS = ("class", "name", "student_number", "gender", "birth_date", "id_number", "ethnicity", "status",
                "error_count")


def columns_for(keys: list[str] | tuple[str, ...]) -> list[Column]:
    by_key = {c.key: c for c in available_columns()}
    cols = [by_key[k] for k in keys if k in by_key]
    return cols or [by_key[k] for k in DEFAULT_KEYS]


def default_columns() -> list[Column]:
    return columns_for(DEFAULT_KEYS)


@dataclass(frozen=True)
class StudentFilter:
    class_id: int | None = None
    text: str = ""             # digits: ID-number prefix; otherwise a part of the name
    status: str | None = None  # ok | warning | pending


class _Keys:
    """The filter keys of every student, in list order (class, name), as parallel lists.

    Read once with one scan of the covering index ``students_list`` (schema v6): a few hundred ms for
    200,000 students, where filtering the same rows in SQL through SQLCipher takes 0.2-3 s per filter.
    Filtering these lists in Python takes 1-60 ms. Row contents are still read lazily, page by page.
    """

    def __init__(self, conn) -> None:
        rows = conn.execute("SELECT id, class_id, name, status, id_number FROM students INDEXED BY students_list"
                            " ORDER BY class_id, name").fetchall()
        columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[], [], [], [], []]
        self.ids, self.class_ids, self.names, self.statuses, self.numbers = columns
        self.unassigned = bisect_left([c is not None for c in self.class_ids], True)  # NULL class_id sorts first
        self._search: dict[str, Any] = {}  # lazily built search structures

    def patch(self, position: int, class_id, name: str, status: str, number: str) -> None:
        self.class_ids[position], self.names[position] = class_id, name
        self.statuses[position], self.numbers[position] = status, number
        self._search.clear()

    def _by_status(self) -> dict[str, list[int]]:
        if "status" not in self._search:
            groups: dict[str, list[int]] = {}
            for i, status in enumerate(self.statuses):
                groups.setdefault(status, []).append(i)
            self._search["status"] = groups  # type: ignore[assignment]
        return self._search["status"]  # type: ignore[return-value]

    def _text(self, which: str) -> TextColumn:
        if which not in self._search:
            self._search[which] = TextColumn(self.names if which == "name" else self.numbers)
        return self._search[which]

    def select(self, flt: StudentFilter) -> list[int]:
        rows: range | list[int] = range(len(self.ids))
        if flt.class_id is not None:
            # Sorted by class_id: one class is a contiguous run.
            lo = bisect_left(self.class_ids, flt.class_id, self.unassigned)
            rows = range(lo, bisect_right(self.class_ids, flt.class_id, lo))
        text = flt.text.strip()
        if text:
            hits = (self._text("number").find(text.upper(), prefix=True) if text[0].isdigit()
                    else self._text("name").find(text))
            rows = [i for i in hits if rows.start <= i < rows.stop] if isinstance(rows, range) else hits
        if flt.status:
            if isinstance(rows, range) and len(rows) == len(self.ids):
                rows = self._by_status().get(flt.status, [])
            else:
                statuses = self.statuses
                rows = [i for i in rows if statuses[i] == flt.status]
        ids = self.ids
        return ids if isinstance(rows, range) and len(rows) == len(ids) else [ids[i] for i in rows]

    def sort(self, ids: list[int], key: str, descending: bool, conn) -> list[int]:
        """``ids`` (in list order) sorted by one SORTABLE column; ties keep list order (class, name)."""
        cache_key = "sort:" + key
        if cache_key not in self._search:
            if key == "name":
                values: list = pinyin_sort_keys(self.names)
            elif key == "id_number":
                values = self.numbers
            elif key == "status":
                rank = {"pending": 0, "warning": 1, "ok": 2}  # what needs work first
                values = [rank.get(v, 3) for v in self.statuses]
            else:  # class, class_code: by 班号 (entry year, stage, number), unassigned last
                codes = dict(conn.execute("SELECT id, class_code FROM classes").fetchall())
                values = [codes.get(c, "\uffff") for c in self.class_ids]
            self._search[cache_key] = dict(zip(self.ids, values, strict=True))
        by_id = self._search[cache_key]
        return sorted(ids, key=by_id.__getitem__, reverse=descending)


class StudentTableModel(QAbstractTableModel):
    def __init__(self, conn, parent=None, columns: list[Column] | None = None) -> None:
        super().__init__(parent)
        self.conn = conn
        self.columns = columns or default_columns()
        self.filter = StudentFilter()
        self.sort_key: str | None = None  # None: class, then name (the keys' own order)
        self.sort_descending = False
        self._keys: _Keys | None = None
        self._ids: list[int] = []
        self._pages: dict[int, list[tuple]] = {}
        self._codes = load_spec().codes
        self._display = self._displayers()
        self._brushes = {k: QBrush(QColor(v)) for k, v in STATUS_COLORS.items()}
        self.refresh()

    # ---- loading -----------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the keys (after imports and other bulk changes) and re-apply the filter."""
        self._keys = _Keys(self.conn)
        self._apply()

    def _apply(self) -> None:
        self.beginResetModel()
        self._ids = self._keys.select(self.filter)
        if self.sort_key is not None:
            self._ids = self._keys.sort(self._ids, self.sort_key, self.sort_descending, self.conn)
        self._pages.clear()
        self.endResetModel()

    def set_filter(self, flt: StudentFilter) -> None:
        self.filter = flt
        self._apply()

    def sort(self, column: int, order=Qt.AscendingOrder) -> None:
        """Qt's sort request (a header click); -1 gives the list order. A column outside SORTABLE changes
        nothing: the list page puts the header's indicator back."""
        if column >= 0 and not self.is_sortable(column):
            return
        self.sort_key = self.columns[column].key if column >= 0 else None
        self.sort_descending = order == Qt.DescendingOrder
        self._apply()

    def is_sortable(self, column: int) -> bool:
        return 0 <= column < len(self.columns) and self.columns[column].key in SORTABLE

    def set_columns(self, columns: list[Column]) -> None:
        self.beginResetModel()
        self.columns = list(columns)
        self._display = self._displayers()
        self._pages.clear()
        self.endResetModel()

    def student_saved(self, student_id: int) -> None:
        """One student was added or changed: re-read its row and keys, keep the list where it is."""
        row = self.conn.execute("SELECT class_id, name, status, id_number FROM students WHERE id = ?",
                                (student_id,)).fetchone()
        keys = self._keys
        if student_id in self._ids or row is None or student_id in keys.ids:
            position = keys.ids.index(student_id) if student_id in keys.ids else None
            if position is not None and row is not None:
                keys.patch(position, *row)
                self._pages.clear()
                view_row = self.row_of(student_id)
                if view_row is not None:
                    self.dataChanged.emit(self.index(view_row, 0), self.index(view_row, len(self.columns) - 1))
                return
        self.refresh()  # a new student: its place in class/name order is simplest found by re-reading

    def student_id(self, row: int) -> int:
        return self._ids[row]

    def row_of(self, student_id: int) -> int | None:
        try:
            return self._ids.index(student_id)
        except ValueError:
            return None

    def _row(self, row: int) -> tuple:
        page = row // PAGE_SIZE
        cached = self._pages.get(page)
        if cached is not None:
            return cached[row % PAGE_SIZE]
        ids = self._ids[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
        cols = ", ".join(c.sql for c in self.columns)
        marks = ",".join("?" * len(ids))
        fetched = {r[0]: r[1:] for r in self.conn.execute(
            f"SELECT s.id, s.status, {cols} FROM students s LEFT JOIN classes c ON c.id = s.class_id"
            f" WHERE s.id IN ({marks})", ids)}
        self._pages[page] = [fetched.get(i, (None,) * (len(self.columns) + 1)) for i in ids]
        return self._pages[page][row % PAGE_SIZE]

    # ---- Qt model interface ----------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=DISPLAY):
        if role != DISPLAY:
            return None
        return self.columns[section].title if orientation == HORIZONTAL else section + 1

    def data(self, index, role=DISPLAY):
        if role == BACKGROUND:
            return self._brushes.get(self._row(index.row())[0])
        if role != DISPLAY and role != TOOLTIP:
            return None
        column = index.column()
        value = self._row(index.row())[column + 1]
        display = self._display[column]
        return display(value) if display else value

    def _displayers(self) -> list:
        """Per column, a function turning the stored value into the shown text (None: as stored)."""
        out = []
        for col in self.columns:
            if col.key == "status":
                out.append(lambda v: STATUS_NAMES.get(v or "", v))
            elif col.key == "photo":
                out.append(lambda v: "有" if v else "无")
            elif col.codes:
                names = self._codes[col.codes].by_code
                out.append(lambda v, names=names: names.get(str(v), v) if v not in (None, "") else v)
            else:
                out.append(None)
        return out
