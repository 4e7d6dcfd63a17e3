"""Looking at the evidence files (scanned certificates) of a change request, read from the encrypted data file.

Pictures are shown from memory; nothing is written anywhere unless the user saves a file to a place they choose
(the same as ``xueji county change-evidence --out``), because the scans carry ID numbers and family details.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from ..errors import XuejiError
from ..exchange.naming import unique
from ..outfiles import write_file
from .dialog_parts import button_bar

PREVIEW_SIZE = 640


def _size_text(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} B"


class EvidenceDialog(QDialog):
    """The files of one change: a list, a preview of the selected picture, 另存为… and 全部保存到文件夹…."""

    def __init__(self, title: str, files: list[tuple[str, bytes]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Only the base name of what the school sent: never a path taken from a package.
        self.files = [(Path(name).name or "证明材料", content) for name, content in files]
        self.setWindowTitle(self.tr("证明材料 - %1").replace("%1", title))
        layout = QVBoxLayout(self)
        body = QHBoxLayout()
        self.list = QListWidget()
        self.list.addItems([f"{name}（{_size_text(len(content))}）" for name, content in self.files])
        self.list.setMaximumWidth(260)
        body.addWidget(self.list)
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignCenter)
        self.preview.setWordWrap(True)
        self.preview.setMinimumSize(320, 240)
        body.addWidget(self.preview, 1)
        layout.addLayout(body, 1)
        bar, (self.save_button, self.save_all_button) = button_bar(
            self, [(self.tr("另存为…"), self.choose_save_as), (self.tr("全部保存到文件夹…"), self.choose_folder)])
        layout.addLayout(bar)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        close = QDialogButtonBox(QDialogButtonBox.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.list.currentRowChanged.connect(self.show_file)
        if self.files:
            self.list.setCurrentRow(0)

    def show_file(self, row: int) -> None:
        if not 0 <= row < len(self.files):
            return
        pixmap = QPixmap()
        if pixmap.loadFromData(self.files[row][1]):
            self.preview.setPixmap(pixmap.scaled(PREVIEW_SIZE, PREVIEW_SIZE, Qt.KeepAspectRatio,
                                                 Qt.SmoothTransformation))
        else:  # a PDF or an office file: the program that opens it is the user's, after saving it
            self.preview.setText(self.tr("这个文件不是图片，不能在这里预览：请“另存为…”后用相应的程序打开。"))

    def choose_save_as(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.files):
            path, _ = QFileDialog.getSaveFileName(self, self.tr("保存证明材料"), self.files[row][0])
            if path:
                self.save(row, Path(path))

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("证明材料保存到"))
        if folder:
            self.save_all(Path(folder))

    def save(self, row: int, path: Path) -> Path | None:
        try:
            written = write_file(path, self.files[row][1])
        except XuejiError as exc:
            self.message.setText(str(exc))
            return None
        self.message.setText(self.tr("已保存：%1").replace("%1", str(written)))
        return written

    def save_all(self, folder: Path) -> list[Path]:
        try:
            # two scans of one name, or a file already there, each keep theirs (名称-2.jpg)
            written = [write_file(unique(folder / name), content) for name, content in self.files]
        except XuejiError as exc:
            self.message.setText(str(exc))
            return []
        self.message.setText(self.tr("已保存 %1 个文件到 %2").replace("%1", str(len(written)))
                             .replace("%2", str(folder)))
        return written
