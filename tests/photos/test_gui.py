"""pytest-qt: the photo panel (fix with before/after, background only on request, drag and drop) and the
照片 page (batch import report, export)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from xueji_desktop.photos.library import get_photo, list_student_refs, save_photo
from xueji_desktop.photos.synth import demo_photo_jpeg, portrait

from .conftest import jpeg


@pytest.fixture
def white_photo_student(small_school):
    ref = list_student_refs(small_school.conn)[0]
    data = jpeg(portrait(9, background=(250, 250, 250), centre_x=0.42, head_ratio=0.55, jitter=False))
    with small_school.transaction() as tx:
        save_photo(tx, ref.id, data)
    return small_school, ref, data


def test_panel_fix_shows_before_after_and_replaces_background_only_when_chosen(qtbot, white_photo_student):
    from xueji_desktop.ui.photo_page import PhotoPanel

    store, ref, original = white_photo_student
    panel = PhotoPanel(store)
    qtbot.addWidget(panel)
    panel.set_student(ref.id)
    assert "不合格" in panel.result_label.text() and "背景" in panel.result_label.text()
    qtbot.mouseClick(panel.fix_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: panel.preview_dialog is not None and panel.preview_dialog.isVisible(), timeout=30000)
    dialog = panel.preview_dialog
    assert not dialog.before_label.pixmap().isNull() and not dialog.after_label.pixmap().isNull()
    assert not dialog.replace_box.isChecked() and dialog.replace_box.isEnabled()
    assert "背景" in dialog.after_text.text()              # plain fix: size fixed, backdrop still wrong
    changed = dialog.changes_text.text()                    # and the view says what the fix changed
    assert "头部占高度：" in changed and "偏离中线：8% → 0%" in changed and "背景：" not in changed
    plain_after = dialog.after_label.pixmap().toImage()
    dialog.replace_box.setChecked(True)                     # the user asks for the blue backdrop
    assert dialog.after_text.text().startswith("合格")
    assert "→ 标准浅蓝" in dialog.changes_text.text() and "→ 0 项" in dialog.changes_text.text()
    assert dialog.after_label.pixmap().toImage() != plain_after
    assert get_photo(store, ref.id).jpeg == original        # nothing saved before the user confirms
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.Save), Qt.LeftButton)
    stored = get_photo(store, ref.id)
    assert stored.jpeg == dialog.replaced.jpeg and stored.checked_ok is True
    assert panel.result_label.text().startswith("合格")
    assert store.query("SELECT count(*) FROM audit_log WHERE action = '更换照片'")[0][0] == 1


def test_panel_fix_cancel_keeps_the_photo(qtbot, white_photo_student):
    from xueji_desktop.ui.photo_page import PhotoPanel

    store, ref, original = white_photo_student
    panel = PhotoPanel(store)
    qtbot.addWidget(panel)
    panel.set_student(ref.id)
    panel.fix_photo()
    qtbot.waitUntil(lambda: panel.preview_dialog is not None and panel.preview_dialog.isVisible(), timeout=30000)
    qtbot.mouseClick(panel.preview_dialog.buttons.button(QDialogButtonBox.Cancel), Qt.LeftButton)
    assert get_photo(store, ref.id).jpeg == original


def _drop(widget, path) -> QDropEvent:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, drop)
    return enter, drop


def test_panel_accepts_a_dropped_file(qtbot, small_school, tmp_path):
    from xueji_desktop.ui.photo_page import PhotoPanel

    ref = list_student_refs(small_school.conn)[1]
    panel = PhotoPanel(small_school)
    qtbot.addWidget(panel)
    panel.set_student(ref.id)
    assert "无照片" in panel.picture.text() and not panel.fix_button.isEnabled()
    path = tmp_path / "from_phone.jpg"
    path.write_bytes(demo_photo_jpeg(4))
    with qtbot.waitSignal(panel.photo_changed, timeout=5000):
        enter, _drop_event = _drop(panel, path)
    assert enter.isAccepted()
    assert get_photo(small_school, ref.id).jpeg == demo_photo_jpeg(4)
    assert not panel.picture.pixmap().isNull() and panel.fix_button.isEnabled()
    assert panel.result_label.text().startswith("合格")


def test_panel_without_student_ignores_drops(qtbot, small_school, tmp_path):
    from xueji_desktop.ui.photo_page import PhotoPanel

    panel = PhotoPanel(small_school)
    qtbot.addWidget(panel)
    path = tmp_path / "x.jpg"
    path.write_bytes(demo_photo_jpeg(4))
    enter, _ = _drop(panel, path)
    assert not enter.isAccepted()
    assert small_school.query("SELECT count(*) FROM photos")[0][0] == 0


def test_page_batch_import_report_and_export(qtbot, small_school, tmp_path):
    from xueji_desktop.ui.photo_page import PhotoPage

    refs = list_student_refs(small_school.conn)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / f"{refs[0].id_number}.jpg").write_bytes(demo_photo_jpeg(1))
    (folder / f"{refs[1].id_number}.jpg").write_bytes(jpeg(portrait(2, background=(255, 255, 255))))
    (folder / "unknown.jpg").write_bytes(demo_photo_jpeg(3))
    page = PhotoPage(small_school)
    qtbot.addWidget(page)
    assert page.table.rowCount() == len(refs)
    page.start_import(folder)
    qtbot.waitUntil(lambda: page.last_report is not None, timeout=30000)
    text = page.report_view.toPlainText()
    assert "已导入 2 张" in text and "unknown.jpg" in text and "没有照片的学生" in text
    states = [page.table.item(i, 2).text() for i in range(page.table.rowCount())]
    assert states.count("合格") == 1 and states.count("不合格") == 1
    page.table.selectRow(1)
    assert page.panel.student_id == refs[1].id and "背景" in page.panel.result_label.text()

    page.start_export(tmp_path / "upload")
    qtbot.waitUntil(lambda: "已导出" in page.report_view.toPlainText(), timeout=30000)
    assert len(list((tmp_path / "upload").rglob("*.jpg"))) == 2


def test_page_sorts_and_filters_by_state_and_refreshes_the_panel_after_import(qtbot, small_school, tmp_path):
    from xueji_desktop.ui.photo_page import PhotoPage

    refs = list_student_refs(small_school.conn)
    with small_school.transaction() as tx:
        save_photo(tx, refs[0].id, demo_photo_jpeg(1))                                  # 合格
        save_photo(tx, refs[1].id, jpeg(portrait(2, background=(255, 255, 255))))       # 不合格
    page = PhotoPage(small_school)
    qtbot.addWidget(page)
    page.state_filter.setCurrentText("不合格")
    assert page.visible_states() == ["不合格"]
    page.state_filter.setCurrentText("合格")
    assert page.visible_states() == ["合格"]
    page.state_filter.setCurrentText("全部")
    page.table.sortItems(2, Qt.AscendingOrder)                  # what clicking the 照片 header does
    states = page.visible_states()
    assert states[0] == "无照片" and states[-1] == "合格" and states.index("不合格") == len(states) - 2
    # Selection follows the student, not the row number, after sorting.
    row = states.index("不合格")
    page.table.selectRow(row)
    assert page.panel.student_id == refs[1].id

    # A batch import while a student without a photo is shown: table and panel both show the new photo.
    target = refs[2]
    row = next(i for i in range(page.table.rowCount()) if page.student_at(i) == target.id)
    page.table.selectRow(row)
    assert "无照片" in page.panel.picture.text()
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / f"{target.id_number}.jpg").write_bytes(demo_photo_jpeg(5))
    page.start_import(folder)
    qtbot.waitUntil(lambda: page.last_report is not None, timeout=30000)
    assert page.panel.student_id == target.id and not page.panel.picture.pixmap().isNull()
    assert page.panel.result_label.text().startswith("合格")
    page.state_filter.setCurrentText("合格")
    assert page.visible_states() == ["合格", "合格"]


def test_page_recheck_writes_one_audit_entry_for_the_batch(qtbot, small_school):
    from xueji_desktop.demo import store_photo
    from xueji_desktop.ui.photo_page import PhotoPage

    refs = list_student_refs(small_school.conn)
    with small_school.transaction() as tx:
        for i, ref in enumerate(refs[:7]):
            store_photo(tx, ref.id, demo_photo_jpeg(i))         # stored without a check result
    before = small_school.query("SELECT count(*) FROM audit_log")[0][0]
    page = PhotoPage(small_school)
    qtbot.addWidget(page)
    assert "未检查 7（可点“重新检查全部照片”）" in page.summary.text()  # counted, not left out of the sum
    page.start_recheck()
    qtbot.waitUntil(lambda: "已重新检查 7 张" in page.report_view.toPlainText(), timeout=60000)
    assert small_school.query("SELECT count(*) FROM audit_log")[0][0] == before + 1
    assert page.visible_states().count("合格") == 7
    assert "合格 7" in page.summary.text() and "未检查" not in page.summary.text()


def test_panel_keeps_a_dropped_phone_original_at_one_megapixel(qtbot, small_school, tmp_path):
    import io

    from PIL import Image

    from xueji_desktop.photos.synth import phone_photo
    from xueji_desktop.ui.photo_page import PhotoPanel

    ref = list_student_refs(small_school.conn)[2]
    panel = PhotoPanel(small_school)
    qtbot.addWidget(panel)
    panel.set_student(ref.id)
    path = tmp_path / "IMG_0001.jpg"
    path.write_bytes(phone_photo(5, (1500, 2000)))
    with qtbot.waitSignal(panel.photo_changed, timeout=5000):
        _drop(panel, path)
    stored = get_photo(small_school, ref.id)
    img = Image.open(io.BytesIO(stored.jpeg))
    assert img.width * img.height <= 1_000_000 and len(stored.jpeg) < path.stat().st_size
    assert any("1500×2000" in p["message"] for p in stored.problems)   # the check is of the file as given


def test_page_import_keeps_the_phone_original_only_when_asked(qtbot, small_school, tmp_path):
    """保留原图 is the CLI's --keep-originals: unticked, a phone photo is stored at ≤ 1 MP."""
    import io

    from PIL import Image

    from xueji_desktop.photos.synth import phone_photo
    from xueji_desktop.ui.photo_page import PhotoPage

    refs = list_student_refs(small_school.conn)
    folder = tmp_path / "in"
    folder.mkdir()
    original = phone_photo(4, (1500, 2000))
    (folder / f"{refs[0].id_number}.jpg").write_bytes(original)
    page = PhotoPage(small_school)
    qtbot.addWidget(page)
    page.start_import(folder)
    qtbot.waitUntil(lambda: page.last_report is not None, timeout=30000)
    stored = small_school.query("SELECT jpeg FROM photos WHERE student_id = ?", (refs[0].id,))[0][0]
    width, height = Image.open(io.BytesIO(stored)).size
    assert width * height <= 1_000_000
    page.fix_box.setChecked(True)
    assert not page.keep_box.isEnabled()
    page.fix_box.setChecked(False)
    page.keep_box.setChecked(True)
    page.last_report = None
    page.start_import(folder)
    qtbot.waitUntil(lambda: page.last_report is not None, timeout=30000)
    assert small_school.query("SELECT jpeg FROM photos WHERE student_id = ?", (refs[0].id,))[0][0] == original
