"""The list of evidence files (scanned certificates) attached to a change request, with an add button."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QListWidget, QPushButton, QVBoxLayout, QWidget


class EvidencePicker(QWidget):
    def __init__(self, button_text: str, parent=None) -> None:
        super().__init__(parent)
        self.paths: list[Path] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setMaximumHeight(70)
        self.add_button = QPushButton(button_text)
        self.add_button.clicked.connect(self._choose)
        layout.addWidget(self.list)
        layout.addWidget(self.add_button)

    def _choose(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, self.tr("选择证明材料扫描件"))
        for name in names:
            self.add_file(Path(name))

    def add_file(self, path: Path) -> None:
        self.paths.append(path)
        self.list.addItem(path.name)
