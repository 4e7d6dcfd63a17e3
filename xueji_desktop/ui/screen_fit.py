"""Fitting the window to the screen at any display scaling (100%, 125%, 150%): sizes in logical pixels."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QFrame, QScrollArea, QWidget


def scrolling(page: QWidget) -> QScrollArea:
    """A page in a scroll area: on a small screen or at 125%/150% scaling the page scrolls instead of
    squeezing (and clipping) its text, and the window still fits the screen."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.NoFrame)
    area.setWidget(page)
    return area


def fit_screen(widget: QWidget, width: int, height: int) -> QSize:
    """``width`` x ``height``, or less where the screen (in logical pixels, after scaling) is smaller."""
    screen = widget.screen() or QApplication.primaryScreen()
    if screen is None:
        return QSize(width, height)
    room = screen.availableGeometry()
    return QSize(min(width, int(room.width() * 0.95)), min(height, int(room.height() * 0.92)))
