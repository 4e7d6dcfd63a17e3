"""PDF output through the one renderer: pages, text, table lines, fitting, masking, cancel; and the CLI."""

from __future__ import annotations

import pytest

from xueji_desktop.errors import Cancelled
from xueji_desktop.masking import mask_id
from xueji_desktop.printing.batch import Selection, form_pages, pages_for, student_ids
from xueji_desktop.printing.form import build_form
from xueji_desktop.printing.layout import Text
from xueji_desktop.progress import Progress
from xueji_desktop.records.students import add_student
from xueji_desktop.school import list_classes

from ..conftest import PASSWORD
from .conftest import LONG_HOUSEHOLD, pdf_page_count, pdf_pages_text, render_page_gray, special_student


def _class_with_students(store):
    cls = list_classes(store)[0]
    ids = student_ids(store.conn, Selection(class_text=cls.class_code))
    return cls, ids


def _squash(text: str) -> str:
    return "".join(text.split())


def test_class_forms_one_page_per_student_with_name_and_id(demo_store, tmp_path):
    from xueji_desktop.ui.print_render import write_pdf

    cls, ids = _class_with_students(demo_store)
    out = tmp_path / "forms.pdf"
    total, pages = pages_for(demo_store.conn, "form", Selection(class_text=cls.class_code))
    assert write_pdf(pages, out, total) == len(ids) == total
    assert pdf_page_count(out) == len(ids)
    texts = [_squash(t) for t in pdf_pages_text(out)]
    assert len(texts) == len(ids)
    for sid, text in zip(ids, texts, strict=True):
        name, id_number = demo_store.query("SELECT name, id_number FROM students WHERE id = ?", (sid,))[0]
        assert name in text and id_number in text
        assert "学生基本信息采集表" in text and "学生家长签字" in text and "注：带★为必采信息项。" in text
        others = [i for i in ids if i != sid][:3]  # another student's ID number is not on this page
        for other in others:
            assert demo_store.query("SELECT id_number FROM students WHERE id = ?", (other,))[0][0] not in text


def test_first_page_is_not_blank_and_has_table_lines(demo_store, tmp_path):
    from xueji_desktop.ui.print_render import write_pdf

    _cls, ids = _class_with_students(demo_store)
    out = tmp_path / "one.pdf"
    write_pdf(form_pages(demo_store.conn, ids[:1]), out, 1)
    image = render_page_gray(out, 1, tmp_path, dpi=60)
    width, height = image.size
    pixels = image.load()
    dark = sum(1 for x in range(0, width, 2) for y in range(0, height, 2) if pixels[x, y] < 128)
    assert dark > 0.01 * (width * height / 4)  # clearly not blank
    # table borders: many long horizontal and vertical runs of dark pixels
    long_rows = [y for y in range(height) if sum(pixels[x, y] < 160 for x in range(width)) > 0.6 * width]
    long_cols = [x for x in range(width) if sum(pixels[x, y] < 160 for y in range(height)) > 0.5 * height]
    assert len(_groups(long_rows)) >= 20  # header + section + item rows of the 2022 form
    assert len(_groups(long_cols)) >= 5   # outer frame and column separators
    # the student's photo (light-blue background, RGB 67/142/219) is in the box at the top right
    rgb = render_page_gray(out, 1, tmp_path, dpi=60, mode="RGB")
    mm = 60 / 25.4
    box = rgb.crop((int(170 * mm), int(10 * mm), int(194 * mm), int(40 * mm)))
    px = box.load()
    blue = sum(1 for x in range(box.size[0]) for y in range(box.size[1]) if px[x, y][2] > 170 and px[x, y][0] < 120)
    assert blue > 0.2 * box.size[0] * box.size[1]


def _groups(positions: list[int]) -> list[list[int]]:
    groups: list[list[int]] = []
    for p in positions:
        if groups and p - groups[-1][-1] <= 1:
            groups[-1].append(p)
        else:
            groups.append([p])
    return groups


def test_long_addresses_and_special_education_fit_their_cells(demo_store, tmp_path):
    from xueji_desktop.ui.print_render import PageRenderer, load_fonts, write_pdf

    cls = list_classes(demo_store)[0]
    with demo_store.transaction() as tx:
        sid = add_student(tx, special_student(), cls.id)
    out = tmp_path / "special.pdf"
    write_pdf(form_pages(demo_store.conn, [sid]), out, 1)
    text = _squash(pdf_pages_text(out)[0])
    for value in ("欧阳玥珺", "听力残疾随班就读", "单亲留守儿童", "其他（舅舅）", "请填写"):
        assert value in text, value
    assert LONG_HOUSEHOLD[:12] in text and "1801室" in text  # wrapped, not cut off

    # every text box of the page fits: lines inside the box width and height at the chosen size
    from PySide6.QtGui import QImage, QPainter

    load_fonts()
    device = QImage(10, 10, QImage.Format_RGB32)
    painter = QPainter(device)
    try:
        renderer = PageRenderer(painter, 300)
        page = build_form(special_student())
        for item in (i for i in page.items if isinstance(i, Text)):
            font, lines, em = renderer.fit(item)
            metrics = renderer._font(item.font, font.pixelSize() * 72 / 300)[1]
            avail_w = renderer._mm(item.w - 2 * item.padding)
            assert all(metrics.horizontalAdvance(line) <= avail_w + 1 for line in lines), item.text
            if len(lines) > 1:
                assert em * (1 + (len(lines) - 1) * 1.28) <= renderer._mm(item.h - 2 * item.padding) + 1, item.text
            if item.text == special_student()["current_address"]:
                assert len(lines) >= 3 and "".join(lines) == item.text  # wrapped whole, shrunk, not elided
    finally:
        painter.end()


def test_roster_mask_hides_full_numbers(demo_store, tmp_path):
    from xueji_desktop.ui.print_render import write_pdf

    cls, ids = _class_with_students(demo_store)
    numbers = [r[0] for r in demo_store.query("SELECT id_number FROM students WHERE class_id = ?", (cls.id,))]
    plain, masked = tmp_path / "plain.pdf", tmp_path / "masked.pdf"
    for path, mask in ((plain, False), (masked, True)):
        total, pages = pages_for(demo_store.conn, "roster", Selection(class_text=cls.class_code), mask)
        write_pdf(pages, path, total)
    plain_text = _squash("".join(pdf_pages_text(plain)))
    masked_text = _squash("".join(pdf_pages_text(masked)))
    assert pdf_page_count(plain) == -(-len(ids) // 25)
    for number in numbers:
        assert number in plain_text
        assert number not in masked_text and mask_id(number) in masked_text
    assert "家长签字" in masked_text and "已隐去" in masked_text


def test_cancel_leaves_no_file(demo_store, tmp_path):
    from xueji_desktop.ui.print_render import write_pdf

    _cls, ids = _class_with_students(demo_store)

    class CancelAfterTwo(Progress):
        def report(self, done, total, message):
            if done >= 2:
                self.cancel()

    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(Cancelled):
        write_pdf(form_pages(demo_store.conn, ids), folder / "cancelled.pdf", len(ids), CancelAfterTwo())
    assert list(folder.iterdir()) == []


def test_cli_print_forms_roster_and_blank(demo_path, tmp_path, monkeypatch, capsys):
    from xueji_desktop.cli import main

    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    from xueji_desktop.storage import Store

    with Store.open(demo_path, "admin", PASSWORD) as store:
        cls, ids = _class_with_students(store)
        picked = store.query("SELECT id, id_number FROM students WHERE class_id = ? ORDER BY id LIMIT 2", (cls.id,))
    db = ["--db", str(demo_path)]
    assert main(["print-forms", *db, "--class", cls.name, "--out", str(tmp_path / "c.pdf")]) == 0
    assert pdf_page_count(tmp_path / "c.pdf") == len(ids)
    students = f"{picked[0][0]},{picked[1][1]}"  # a database id and an ID number
    assert main(["print-forms", *db, "--students", students, "--out", str(tmp_path / "s.pdf")]) == 0
    texts = pdf_pages_text(tmp_path / "s.pdf")
    assert len(texts) == 2 and picked[0][1] in _squash(texts[0]) and picked[1][1] in _squash(texts[1])
    assert main(["print-forms", *db, "--blank", "--out", str(tmp_path / "b.pdf")]) == 0
    blank = _squash(pdf_pages_text(tmp_path / "b.pdf")[0])
    assert pdf_page_count(tmp_path / "b.pdf") == 1 and "双塔西街小学" in blank and "请填写" not in blank
    assert main(["print-roster", *db, "--class", cls.class_code, "--mask", "--out", str(tmp_path / "r.pdf")]) == 0
    assert picked[0][1] not in _squash("".join(pdf_pages_text(tmp_path / "r.pdf")))

    capsys.readouterr()
    assert main(["print-forms", *db, "--class", "2001109", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "找不到班级“2001109”" in capsys.readouterr().err
    assert main(["print-forms", *db, "--students", "99999", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "找不到学生：99999" in capsys.readouterr().err
    assert main(["print-roster", *db, "--class", cls.class_code, "--out", str(tmp_path / "x.txt")]) == 2
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "x.txt").exists()


def test_longest_allowed_address_fits_without_eliding():
    from PySide6.QtGui import QImage, QPainter

    from xueji_desktop.ui.print_render import PageRenderer, load_fonts
    from xueji_desktop.validation import load_spec

    longest = load_spec().field("current_address").max_len
    address = ("山西省太原市迎泽区双塔西街" * 20)[:longest - 6] + "1203室"
    record = special_student()
    record["current_address"] = address
    load_fonts()
    device = QImage(10, 10, QImage.Format_RGB32)
    painter = QPainter(device)
    try:
        renderer = PageRenderer(painter, 300)
        item = next(i for i in build_form(record).items if isinstance(i, Text) and i.text == address)
        _font, lines, _em = renderer.fit(item)
        assert "".join(lines) == address
    finally:
        painter.end()


def test_printer_path_draws_the_same_pages(demo_store, tmp_path):
    """Preview and real printers get a QPrinter: print to a PDF-format QPrinter through the GUI's print job."""
    from PySide6.QtPrintSupport import QPrinter

    from xueji_desktop.ui.print_page import _new_printer, _print_job

    _cls, ids = _class_with_students(demo_store)
    printer = _new_printer()
    printer.setOutputFormat(QPrinter.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printer.pdf"))
    assert _print_job(demo_store, "form", Selection(student_ids=tuple(ids[:3])), False, printer) == 3
    texts = pdf_pages_text(tmp_path / "printer.pdf")
    assert len(texts) == 3
    number = demo_store.query("SELECT id_number FROM students WHERE id = ?", (ids[1],))[0][0]
    assert number in _squash(texts[1])
    image = render_page_gray(tmp_path / "printer.pdf", 1, tmp_path, dpi=40)
    mm = 40 / 25.4  # full-page coordinates: the table's left border sits 15 mm from the paper edge
    column = [image.getpixel((x, int(150 * mm))) for x in range(int(12 * mm), int(18 * mm))]
    assert min(column) < 100


def test_printouts_are_audited_without_id_numbers(demo_path, tmp_path, monkeypatch):
    from xueji_desktop.cli import main
    from xueji_desktop.storage import Store

    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    with Store.open(demo_path, "admin", PASSWORD) as store:
        cls, ids = _class_with_students(store)
    assert main(["print-roster", "--db", str(demo_path), "--class", cls.class_code, "--mask",
                 "--out", str(tmp_path / "r.pdf")]) == 0
    with Store.open(demo_path, "admin", PASSWORD) as store:
        action, record_id, changes = store.query(
            "SELECT action, record_id, changes FROM audit_log ORDER BY id DESC LIMIT 1")[0]
        number = store.query("SELECT id_number FROM students WHERE id = ?", (ids[0],))[0][0]
    assert action == "打印学生信息确认名单" and record_id == cls.class_code
    assert '"mask":[null,true]' in changes and "r.pdf" in changes and number not in changes
