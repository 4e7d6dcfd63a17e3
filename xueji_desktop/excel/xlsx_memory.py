"""Building .xlsx files in memory: the Excel writers' own temp files would hold student data in clear text.

Left to their defaults, both libraries park the workbook in the system's temp folder while writing:
xlsxwriter writes every part (and, in ``constant_memory`` mode, every row) to files from ``tempfile.mkstemp``,
openpyxl each worksheet to a ``NamedTemporaryFile``. On the clerk's PC that is %TEMP%, and the files stay there
if the program is killed. Here both build the workbook in memory, and :func:`..outfiles.write_file` puts it
on disk whole or not at all.

- :func:`xlsxwriter_book` uses xlsxwriter's ``in_memory`` mode with :class:`StreamingWorksheet`, which keeps
  ``constant_memory``'s row-by-row writing (one row of cell objects at a time, inline strings), with the
  written rows held as UTF-8 in memory instead of in a temp file: about 3 KB per template row.
- :func:`openpyxl_bytes` saves an openpyxl workbook through :class:`_MemoryExcelWriter`, which writes each
  worksheet's XML to memory.

Both override private methods of their library (there is no public hook), so pyproject pins the versions they
were written against and ``tests/test_outfiles.py`` fails when either starts using temp files again.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

import xlsxwriter
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.workbook import Workbook as OpenpyxlWorkbook
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter
from xlsxwriter.worksheet import Worksheet


class StreamingWorksheet(Worksheet):
    """An xlsxwriter worksheet written row by row (as ``constant_memory``), its rows kept in memory.

    Rows must be written in order, as in ``constant_memory`` mode."""

    def _initialize(self, init_data: dict[str, Any]) -> None:
        super()._initialize({**init_data, "constant_memory": False})  # the base class would open a temp file
        self.constant_memory = True
        self.row_data_fh = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
        self.fh = self.row_data_fh

    def _opt_close(self) -> None:
        pass  # nothing to close: the base class closes its temp file here to save file handles

    def _opt_reopen(self) -> None:
        self.fh = self.row_data_fh  # as the base class does after reopening its temp file

    def _write_optimized_sheet_data(self) -> None:
        # The base class copies its temp file here, then deletes it.
        if self.dim_rowmin is None:
            self._xml_empty_tag("sheetData")
            return
        self._xml_start_tag("sheetData")
        self.row_data_fh.flush()
        self.fh.write(self.row_data_fh.buffer.getvalue().decode("utf-8"))
        self.row_data_fh.close()
        self._xml_end_tag("sheetData")


def xlsxwriter_book(options: dict[str, Any]) -> tuple[xlsxwriter.Workbook, io.BytesIO]:
    """(workbook, the buffer it is written to on close()). Add its sheets with ``worksheet_class=StreamingWorksheet``
    to write them row by row."""
    buffer = io.BytesIO()
    return xlsxwriter.Workbook(buffer, {**options, "in_memory": True}), buffer


class _MemoryExcelWriter(ExcelWriter):
    """openpyxl's ExcelWriter with each worksheet's XML written to memory rather than a temp file."""

    def write_worksheet(self, ws) -> None:
        if self.workbook.write_only:
            raise TypeError("openpyxl's write-only worksheets always live in temp files: use xlsxwriter_book")
        # As ExcelWriter.write_worksheet (openpyxl 3.1), with out= a buffer and writestr for archive.write.
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        out = io.BytesIO()
        writer = WorksheetWriter(ws, out=out)
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], out.getvalue())
        self.manifest.append(ws)


def openpyxl_bytes(workbook: OpenpyxlWorkbook) -> bytes:
    """The workbook as .xlsx bytes, as ``workbook.save`` would write them, without touching the disk."""
    buffer = io.BytesIO()
    archive = ZipFile(buffer, "w", ZIP_DEFLATED, allowZip64=True)
    workbook.properties.modified = datetime.now(tz=UTC).replace(tzinfo=None)
    _MemoryExcelWriter(workbook, archive).save()  # (closes the archive)
    return buffer.getvalue()
