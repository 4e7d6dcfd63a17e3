"""Parts our form dialogs share."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel


def add_error_and_buttons(dialog: QDialog, form: QFormLayout, ok_text: str, on_ok: Callable[[], None]) -> QLabel:
    """The end of a form dialog: a red, wrapping line for what is wrong (the dialog stays open, what was typed
    stays), then OK (``ok_text``: runs ``on_ok``, which accepts the dialog when all is well) and Cancel.
    Returns the line, for ``on_ok`` to write to."""
    error = QLabel()
    error.setStyleSheet("color: #c0392b")
    error.setWordWrap(True)
    form.addRow(error)
    buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
    buttons.button(QDialogButtonBox.Ok).setText(ok_text)
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    form.addRow(buttons)
    return error
