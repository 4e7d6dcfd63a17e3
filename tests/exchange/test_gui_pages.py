"""GUI pages for packages, driven with qtbot (offscreen)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel

from tests.exchange.helpers import FakeSchool, county_public, new_county, records, write
from xueji_desktop.storage import Store
from xueji_desktop.ui.county_pages import (
    CountyImportPage,
    CountyReviewPage,
    CountyUpPage,
    FingerprintDialog,
)
from xueji_desktop.ui.county_schools_page import FINGERPRINT_COLUMN, CountySchoolsPage
from xueji_desktop.ui.package_page import PackageExportPage, ProblemsPage

pytestmark = pytest.mark.gui


def _answer_dialog(qtbot, typed_first: str, typed_then: str | None, seen: dict) -> None:
    def act():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, FingerprintDialog):
            QTimer.singleShot(20, act)
            return
        seen["shown"] = " ".join(label.text() for label in dialog.findChildren(QLabel))
        dialog.typed.setText(typed_first)
        seen["enabled_after_first"] = dialog.ok_button.isEnabled()
        seen["status"] = dialog.status.text()
        if typed_then is None:
            dialog.reject()
            return
        dialog.typed.setText(typed_then)
        seen["enabled_after_then"] = dialog.ok_button.isEnabled()
        dialog.ok_button.click()

    QTimer.singleShot(0, act)


def test_county_import_page_asks_for_the_fingerprint_on_first_import(qtbot, county, tmp_path):
    school = FakeSchool.new("2114010068", "双塔西街小学")
    school.register(county)
    pub = county_public(county)
    first = write(tmp_path, "1.xjpkg", school.package(pub, records(5), sequence=1))
    page = CountyImportPage(county)
    qtbot.addWidget(page)

    # the dialog names the school, never shows the package's fingerprint; the clerk cancels: nothing imported
    seen: dict = {}
    _answer_dialog(qtbot, "1234 5678", None, seen)
    with qtbot.waitSignal(page.refused, timeout=10000):
        page.import_files([first])
    assert school.name in seen["shown"] and "回执" in seen["shown"]
    assert school.fingerprint not in seen["shown"] and school.fingerprint[:9] not in seen["shown"]
    assert seen["enabled_after_first"] is False and "20 位" in seen["status"]
    assert county.query("SELECT count(*) FROM county_students")[0][0] == 0

    # a wrong slip: refused by the core, the log does not reveal the right fingerprint either
    seen = {}
    _answer_dialog(qtbot, "0000", "1234 5678 9ABC DEF0 1234", seen)
    with qtbot.waitSignal(page.refused, timeout=20000) as blocker:
        page.import_files([first])
    assert seen["enabled_after_then"] is True
    assert "不一致" in blocker.args[1] and school.fingerprint not in blocker.args[1]
    assert county.query("SELECT count(*) FROM county_students")[0][0] == 0

    # the clerk types the fingerprint from the school's slip: registered and imported on a worker thread
    seen = {}
    _answer_dialog(qtbot, "0000", school.fingerprint.replace(" ", "").lower(), seen)
    with qtbot.waitSignal(page.imported, timeout=20000) as blocker:
        page.import_files([first])
    assert blocker.args[0].students == 5
    assert county.query("SELECT count(*) FROM county_students")[0][0] == 5
    assert county.query("SELECT signing_public FROM county_schools")[0][0] == school.signing.public

    # second package: no dialog; a replay is refused and shown in the log
    second = write(tmp_path, "2.xjpkg", school.package(pub, records(7, seed=9), sequence=2))
    with qtbot.waitSignal(page.imported, timeout=20000):
        page.import_files([second])
    with qtbot.waitSignal(page.refused, timeout=10000) as blocker:
        page.import_files([second])
    assert "不比已导入的" in blocker.args[1]
    assert page.log.count() == 5
    assert county.query("SELECT count(*) FROM county_students")[0][0] == 7


def test_county_schools_page_resets_a_key_only_for_a_leader(qtbot, county, tmp_path):
    school = FakeSchool.new("2114010068", "双塔西街小学")
    school.register(county)
    from xueji_desktop.county.intake import import_package

    import_package(county, write(tmp_path, "1.xjpkg", school.package(county_public(county), records(2))),
                   confirm_fingerprint=school.fingerprint)
    page = CountySchoolsPage(county)
    qtbot.addWidget(page)
    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().close())
    assert page.reset_key(school.code, "电脑重装") is False  # admin is clerk + sysadmin, not a leader
    assert page.table.item(0, FINGERPRINT_COLUMN).text() == school.fingerprint
    county.add_user("lingdao", "leader-pass", "leader")
    leader = Store.open(county.path, "lingdao", "leader-pass")
    try:
        page = CountySchoolsPage(leader)
        qtbot.addWidget(page)
        QTimer.singleShot(0, lambda: QApplication.activeModalWidget().close())
        assert page.reset_key(school.code, "电脑重装") is True
        assert page.table.item(0, FINGERPRINT_COLUMN).text() == "未登记"
    finally:
        leader.close()


def test_county_pages_review_and_problems(qtbot, county, tmp_path):
    a, b = FakeSchool.new("2114010001", "一小"), FakeSchool.new("2114010002", "二小")
    for s in (a, b):
        s.register(county)
    ra, rb = records(4, seed=1), records(4, seed=2)
    rb[0][1]["id_number"] = ra[0][1]["id_number"]
    from xueji_desktop.county.intake import import_package

    for s, r in ((a, ra), (b, rb)):
        import_package(county, write(tmp_path, f"{s.code}.xjpkg", s.package(county_public(county), r)),
                       confirm_fingerprint=s.fingerprint)
    schools = CountySchoolsPage(county)
    qtbot.addWidget(schools)
    assert schools.table.rowCount() == 2 and schools.table.item(0, FINGERPRINT_COLUMN).text() == a.fingerprint
    schools.code.setText("123")
    schools.name.setText("坏学校")
    schools.region.setText("140106001000")
    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().close())
    schools.add_school()
    assert schools.code.text() == "123"  # the typed values stay after an error
    problems = ProblemsPage(county)
    qtbot.addWidget(problems)
    assert problems.table.rowCount() == 2
    assert {problems.table.item(i, 2).text() for i in range(2)} == {"2114010001一小", "2114010002二小"}
    assert {problems.table.item(i, 0).text() for i in range(2)} == {"待处理"}
    # 裁定: the county decides school A keeps the record (dialog driven as a clerk would)
    from PySide6.QtWidgets import QDialogButtonBox

    from xueji_desktop.ui.resolve_dialog import ResolveDialog

    def drive(dialog: ResolveDialog) -> int:
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok)
        dialog.keep.setCurrentIndex(dialog.keep.findData(a.code))
        ok.click()
        assert "原因" in dialog.error.text()  # no reason yet: the dialog stays, nothing decided
        dialog.reason.setText("户籍证明显示为一小学生")
        ok.click()
        return dialog.result()

    problems.table.setCurrentCell(0, 0)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ResolveDialog, "exec", drive)
        problems.resolve_selected()
    assert county.query("SELECT keep_school, reason FROM county_problem_decisions") == [
        (a.code, "户籍证明显示为一小学生")]
    assert "县级裁定由 2114010001 保留" in problems.table.item(0, 5).text()
    review = CountyReviewPage(county)
    qtbot.addWidget(review)
    review.school.setCurrentIndex(1)
    review.reason.setText("身份证件号与一小重复")
    review.return_button.click()
    assert county.query("SELECT review_state, review_reason FROM county_schools WHERE code = ?", (b.code,)) == [
        ("returned", "身份证件号与一小重复")]
    review.school.setCurrentIndex(0)
    review.reason.setText("")
    review.pass_button.click()  # A keeps the record: nothing open for A
    assert county.query("SELECT review_state FROM county_schools WHERE code = ?", (a.code,)) == [("passed",)]
    up = CountyUpPage(county)
    qtbot.addWidget(up)
    up.folders.setChecked(True)
    job = up.export_to(tmp_path / "up")
    qtbot.waitUntil(lambda: "汇总包" in up.status.text(), timeout=20000)
    assert "未包含以下学校" in up.status.text() and "2114010002二小（退回）" in up.status.text()
    assert job.progress is not None
    assert list((tmp_path / "up" / "1401太原市" / "140106迎泽区").glob("140106迎泽区_*.xjpkg"))


def test_school_export_page_lists_blocking_errors_and_jumps(qtbot, demo_store, tmp_path):
    from xueji_desktop.county.schools import add_school, make_init_packages
    from xueji_desktop.exchange.school_side import apply_init, read_init_package

    county = new_county(tmp_path / "county.xjdb")
    add_school(county, "2114010068", "双塔西街小学", "140106001000")
    [init] = make_init_packages(county, [], tmp_path / "init")
    county.close()
    apply_init(demo_store, read_init_package(init))
    page = PackageExportPage(demo_store)
    qtbot.addWidget(page)
    from xueji_desktop.exchange.school_side import county_fingerprint

    assert county_fingerprint(demo_store.conn) in page.key_label.text()  # the county key this school accepted
    assert page.write_slip(tmp_path / "回执.pdf") and (tmp_path / "回执.pdf").read_bytes().startswith(b"%PDF")
    pending = demo_store.query("SELECT id FROM students WHERE status = 'pending' ORDER BY id")
    assert page.blocking.rowCount() == len(pending) > 0
    with qtbot.waitSignal(page.open_student) as blocker:
        page.blocking.itemActivated.emit(page.blocking.item(0, 1))
    assert blocker.args[0] in {r[0] for r in pending}
    page.include_pending.setChecked(True)
    with qtbot.waitSignal(page.exported, timeout=30000) as blocker:
        page.export_to(tmp_path / "usb")
    assert blocker.args[0].endswith(".xjpkg")
    a, b = demo_store.query("SELECT id, id_number FROM students ORDER BY id LIMIT 2")
    demo_store.conn.execute("UPDATE students SET id_number = ? WHERE id = ?", (a[1], b[0]))
    problems = ProblemsPage(demo_store)
    qtbot.addWidget(problems)
    dup_rows = [i for i in range(problems.table.rowCount()) if problems.table.item(i, 1).text() == "身份证件号重复"]
    assert len(dup_rows) == 2
    with qtbot.waitSignal(problems.open_student) as blocker:
        problems.table.itemActivated.emit(problems.table.item(dup_rows[0], 3))
    assert blocker.args[0] in (a[0], b[0])
