"""What a printed page contains, as plain data: lines, boxes, text boxes and images, in millimetres.

The form and roster builders produce :class:`Page` objects; one small Qt renderer
(``xueji_desktop/ui/print_render.py``) draws them onto any paged device — QPdfWriter for
"save as PDF" and the CLI, QPrinter for print preview and real printers — so all three
outputs come from one layout. Keeping this model Qt-free lets the core build and test
the layout without a GUI.

Text boxes say how to fit: the renderer measures with the embedded font and, for
``fit="shrink"``, wraps and steps the size down to ``min_size`` (then elides) so a long
address never spills out of its cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

A4_WIDTH_MM = 210.0
A4_HEIGHT_MM = 297.0

FontName = Literal["serif", "sans"]  # serif: 宋体-like body text; sans: 黑体-like bold titles
Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float = 0.25  # mm
    dashed: bool = False


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    width: float = 0.25
    fill: str | None = None  # "#rrggbb"; None = no fill


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    w: float
    h: float
    text: str
    size: float = 10.0  # points
    font: FontName = "serif"
    align: Align = "left"
    fit: Literal["shrink", "single"] = "shrink"  # shrink: wrap then reduce size; single: one line, reduce size
    min_size: float = 5.5
    color: str = "#000000"
    padding: float = 1.2  # mm inside the box


@dataclass(frozen=True)
class Image:
    x: float
    y: float
    w: float
    h: float
    data: bytes  # JPEG (or PNG) bytes, drawn scaled to the box keeping its aspect ratio


Item = Line | Box | Text | Image


@dataclass
class Page:
    items: list[Item] = field(default_factory=list)
    width: float = A4_WIDTH_MM
    height: float = A4_HEIGHT_MM

    def add(self, *items: Item) -> None:
        self.items.extend(items)

    def texts(self) -> list[str]:
        return [i.text for i in self.items if isinstance(i, Text)]


def cell_grid(page: Page, x: float, y: float, widths: list[float], height: float, width: float = 0.25) -> None:
    """Vertical separators of one table row (the outer frame and row lines are drawn by the caller)."""
    pos = x
    for w in widths[:-1]:
        pos += w
        page.add(Line(pos, y, pos, y + height, width))
