"""GUI tests never block on a modal message box: each static QMessageBox call is recorded and answered."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def private_settings(tmp_path_factory):
    """Remembered settings (columns, last page) go to a temporary folder, not the user's own."""
    from PySide6.QtCore import QSettings

    folder = str(tmp_path_factory.mktemp("settings"))
    for fmt in (QSettings.NativeFormat, QSettings.IniFormat):
        QSettings.setPath(fmt, QSettings.UserScope, folder)


@pytest.fixture(autouse=True)
def message_boxes(monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown: list[tuple[str, str]] = []

    def fake(kind, answer):
        def show(parent, title, text, *args, **kwargs):
            shown.append((kind, f"{title}: {text}"))
            return answer
        return show

    monkeypatch.setattr(QMessageBox, "question", fake("question", QMessageBox.Discard))
    monkeypatch.setattr(QMessageBox, "warning", fake("warning", QMessageBox.Ok))
    monkeypatch.setattr(QMessageBox, "information", fake("information", QMessageBox.Ok))
    monkeypatch.setattr(QMessageBox, "critical", fake("critical", QMessageBox.Ok))
    return shown
