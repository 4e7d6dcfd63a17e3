"""Parts our form dialogs and pages share."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QWidget


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


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: bold; margin-top: 6px")
    return label


def button_bar(parent: QWidget, buttons: list[tuple[str, Callable[[], None]]]) -> tuple[QHBoxLayout, list[QPushButton]]:
    bar, made = QHBoxLayout(), []
    for text, slot in buttons:
        b = QPushButton(text, parent)
        b.clicked.connect(slot)
        bar.addWidget(b)
        made.append(b)
    bar.addStretch(1)
    return bar, made


def keyed_button_bar(parent: QWidget, specs: tuple[tuple[str, str, Callable[[], None]], ...]
                     ) -> tuple[QHBoxLayout, dict[str, QPushButton]]:
    """:func:`button_bar` for ``(key, text, slot)`` specs: the buttons by key, for pages that enable them by
    what is selected."""
    bar, made = button_bar(parent, [(text, slot) for _key, text, slot in specs])
    return bar, {key: button for (key, _text, _slot), button in zip(specs, made, strict=True)}
