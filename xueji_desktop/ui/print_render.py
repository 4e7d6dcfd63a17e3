"""Draws :mod:`xueji_desktop.printing.layout` pages with QPainter onto any paged device.

The one drawing path for every output: :func:`write_pdf` (QPdfWriter: "另存为 PDF" and the CLI)
and :func:`render_pages` on a QPrinter (print preview and real printers). Text uses the fonts
shipped in ``resources/fonts`` (subset Noto CJK, SIL OFL 1.1), registered once per process, so
a page looks the same on every machine and the PDF embeds them.

Fitting text: each text box is measured with the real font; ``shrink`` boxes wrap (never
inside a run of digits/Latin letters unless that run alone is too wide) and step the size down
to ``min_size``, then elide, so a long address stays inside its cell.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QLineF, QMarginsF, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QGuiApplication,
    QImageReader,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)

from ..errors import XuejiError
from ..outfiles import write_error
from ..paths import resource
from ..printing.layout import Box, Image, Line, Page, Text
from ..progress import Progress, tick

FONT_FILES = {"serif": "XuejiSerifSC-Regular.otf", "sans": "XuejiSansSC-Bold.otf"}
PDF_RESOLUTION = 1200
PHOTO_MIN_DPI = 150  # the photo standard's older minimum (seed 001)
# Ideographs sit in an em box from 0.88 em above the baseline to 0.12 em below (Noto CJK metrics);
# laying lines out on that box instead of the font's tall ascent/descent keeps the cells compact.
EM_ABOVE = 0.88
LINE_GAP = 1.28  # line pitch in em for wrapped text
_TOKEN = re.compile(r"[A-Za-z0-9@._\-/]+|\s+|.", re.S)
_NO_LINE_START = set("，。、；：？！）》」』】〕”’…·,.;:?!)")

_families: dict[str, str] = {}


def ensure_gui_app() -> None:
    """QFont needs a QGuiApplication. The CLI has none: start a headless one (offscreen where there is no display)."""
    if QGuiApplication.instance() is not None:
        return
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    global _cli_app
    _cli_app = QGuiApplication(["xueji"])


_cli_app: QGuiApplication | None = None


def load_fonts() -> dict[str, str]:
    """Register the embedded fonts (once, on the GUI thread) and return {"serif"|"sans": family}."""
    if _families:
        return _families
    ensure_gui_app()
    for key, name in FONT_FILES.items():
        path = resource("fonts", name)
        font_id = QFontDatabase.addApplicationFont(str(path)) if path.exists() else -1
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if not families:
            raise XuejiError(f"缺少打印字体文件 {path}：请重新安装程序。")
        _families[key] = families[0]
    return _families


@dataclass(frozen=True)
class LaidOutText:
    font: QFont
    lines: tuple[tuple[float, float, str], ...]  # (dx, baseline dy, text) in device px


class PageRenderer:
    """Draws pages with one QPainter; coordinates are millimetres from the paper's top-left corner."""

    def __init__(self, painter: QPainter, dpi: float) -> None:
        self.painter = painter
        self.px_per_mm = dpi / 25.4
        self.dpi = dpi
        self.families = load_fonts()
        self._fonts: dict[tuple[str, float], tuple[QFont, QFontMetricsF]] = {}
        self._text_pens: dict[str, QPen] = {}
        self._pens: dict[tuple[float, bool], QPen] = {}
        self._colors: dict[str, QColor] = {}
        self._laid: dict[tuple, LaidOutText] = {}
        painter.setRenderHint(QPainter.Antialiasing, True)
        painter.setRenderHint(QPainter.TextAntialiasing, True)
        painter.setRenderHint(QPainter.SmoothPixmapTransform, True)

    def _mm(self, v: float) -> float:
        return v * self.px_per_mm

    def _font(self, kind: str, size: float) -> tuple[QFont, QFontMetricsF]:
        key = (kind, size)
        if key not in self._fonts:
            font = QFont(self.families[kind])
            font.setPixelSize(max(1, round(size * self.dpi / 72)))  # pixel size: independent of screen dpi
            font.setWeight(QFont.Bold if kind == "sans" else QFont.Normal)
            font.setHintingPreference(QFont.PreferNoHinting)
            font.setKerning(False)
            self._fonts[key] = (font, QFontMetricsF(font))
        return self._fonts[key]

    # ---- drawing ------------------------------------------------------------------
    def draw(self, page: Page) -> None:
        p = self.painter
        mm = self.px_per_mm
        for item in page.items:  # fills first, so later borders and text are never covered
            if isinstance(item, Box) and item.fill:
                p.fillRect(self._rect(item.x, item.y, item.w, item.h), self._color(item.fill))
        # Lines and frames batched per pen: one Qt call each instead of one per line (1,000 forms: ~135k lines).
        lines: dict[tuple[float, bool], list[QLineF]] = {}
        rects: dict[float, list[QRectF]] = {}
        for item in page.items:
            if isinstance(item, Line):
                lines.setdefault((item.width, item.dashed), []).append(
                    QLineF(item.x1 * mm, item.y1 * mm, item.x2 * mm, item.y2 * mm))
            elif isinstance(item, Box) and item.width > 0:
                rects.setdefault(item.width, []).append(self._rect(item.x, item.y, item.w, item.h))
        p.setBrush(Qt.NoBrush)
        for (width, dashed), batch in lines.items():
            p.setPen(self._pen(width, dashed))
            p.drawLines(batch)
        for width, batch in rects.items():
            p.setPen(self._pen(width))
            p.drawRects(batch)
        font = color = None
        for item in page.items:
            if isinstance(item, Text):
                laid = self.layout_text(item)
                if laid.font is not font:
                    font = laid.font
                    p.setFont(font)
                if item.color != color:
                    color = item.color
                    p.setPen(self._text_pen(color))
                x, y = item.x * mm, item.y * mm
                for dx, dy, line in laid.lines:
                    p.drawText(QPointF(x + dx, y + dy), line)
            elif isinstance(item, Image):
                self._image(item)

    def _rect(self, x: float, y: float, w: float, h: float) -> QRectF:
        return QRectF(self._mm(x), self._mm(y), self._mm(w), self._mm(h))

    def _color(self, name: str) -> QColor:
        color = self._colors.get(name)
        if color is None:
            color = self._colors[name] = QColor(name)
        return color

    def _pen(self, width_mm: float, dashed: bool = False) -> QPen:
        key = (width_mm, dashed)
        pen = self._pens.get(key)
        if pen is None:
            pen = QPen(self._color("#000000"))
            pen.setWidthF(self._mm(width_mm))
            pen.setCapStyle(Qt.SquareCap)
            pen.setJoinStyle(Qt.MiterJoin)
            if dashed:
                pen.setStyle(Qt.DashLine)
            self._pens[key] = pen
        return pen

    def _text_pen(self, color: str) -> QPen:
        pen = self._text_pens.get(color)
        if pen is None:
            pen = self._text_pens[color] = QPen(self._color(color))
        return pen

    def _image(self, item: Image) -> None:
        box = self._rect(item.x, item.y, item.w, item.h)
        data = QByteArray(item.data)
        buffer = QBuffer(data)  # kept referenced while the reader uses it (the reader does not own it)
        reader = QImageReader(buffer)
        size = reader.size()
        if not size.isValid() or size.isEmpty():
            return
        scale = min(box.width() / size.width(), box.height() / size.height())
        w, h = size.width() * scale, size.height() * scale
        # Decode at 1/2, 1/4 or 1/8 size when that still gives >= PHOTO_MIN_DPI: libjpeg scales by those factors
        # while decoding (cheap), and every pixel costs time in the PDF encoder. A standard 358x441 photo in the
        # 26 mm box is ~360 dpi; half of it (~180 dpi) is plenty for a printed form.
        native_dpi = size.width() / (w / self.px_per_mm / 25.4)
        factor = next(f for f in (8, 4, 2, 1) if f == 1 or native_dpi / f >= PHOTO_MIN_DPI)
        if factor > 1:
            reader.setScaledSize(QSize(-(-size.width() // factor), -(-size.height() // factor)))
        image = reader.read()
        if image.isNull():
            return
        target = QRectF(box.x() + (box.width() - w) / 2, box.y() + (box.height() - h) / 2, w, h)
        self.painter.drawImage(target, image)

    def layout_text(self, item: Text) -> LaidOutText:
        """Font and line positions (device px, relative to the box's top-left) of a text box; cached."""
        key = (item.text, item.w, item.h, item.size, item.font, item.fit, item.min_size, item.padding, item.align)
        laid = self._laid.get(key)
        if laid is not None:
            return laid
        font, lines, em = self.fit(item)
        metrics = self._font(item.font, font.pixelSize() * 72 / self.dpi)[1]
        pad = self._mm(item.padding)
        w = self._mm(item.w) - 2 * pad
        pitch = em * LINE_GAP
        block = em + (len(lines) - 1) * pitch
        top = (self._mm(item.h) - block) / 2
        placed = []
        for i, line in enumerate(lines):
            if not line:
                continue
            slack = w - metrics.horizontalAdvance(line)
            dx = pad + {"left": 0.0, "center": slack / 2, "right": slack}[item.align]
            placed.append((dx, top + EM_ABOVE * em + i * pitch, line))
        laid = LaidOutText(font, tuple(placed))
        if len(self._laid) > 20000:  # labels repeat on every page; values rarely do
            self._laid.clear()
        self._laid[key] = laid
        return laid

    # ---- fitting ------------------------------------------------------------------
    def fit(self, item: Text) -> tuple[QFont, list[str], float]:
        """(font, lines, em in device px) for a text box: the largest size from ``size`` to ``min_size`` that fits."""
        avail_w = self._mm(item.w - 2 * item.padding)
        avail_h = self._mm(item.h - 2 * item.padding)
        size = item.size
        while True:
            font, metrics = self._font(item.font, size)
            em = font.pixelSize()
            if item.fit == "single" or (("\n" not in item.text) and metrics.horizontalAdvance(item.text) <= avail_w):
                lines = [item.text.replace("\n", " ")]
                fits = metrics.horizontalAdvance(lines[0]) <= avail_w
            else:
                lines = wrap(item.text, metrics, avail_w)
                fits = em + (len(lines) - 1) * em * LINE_GAP <= avail_h + 0.5
            if fits or size <= item.min_size:
                break
            size = max(item.min_size, round((size - 0.5) * 2) / 2)
        if not fits:
            lines = self._elide(lines, metrics, avail_w, avail_h, em)
        return font, lines, float(em)

    @staticmethod
    def _elide(lines: list[str], metrics: QFontMetricsF, avail_w: float, avail_h: float, em: float) -> list[str]:
        max_lines = max(1, int((avail_h - em) // (em * LINE_GAP)) + 1)
        kept = lines[:max_lines]
        if len(lines) > max_lines or metrics.horizontalAdvance(kept[-1]) > avail_w:
            kept[-1] = metrics.elidedText(kept[-1] + ("…" if len(lines) > max_lines else ""), Qt.ElideRight, avail_w)
        return kept


def wrap(text: str, metrics: QFontMetricsF, width: float) -> list[str]:
    """Greedy line breaking for Chinese text: between any two ideographs, not inside digit/Latin runs,
    and no closing punctuation at a line start (it stays on the previous line)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for token in _TOKEN.findall(paragraph):
            candidate = line + token
            if metrics.horizontalAdvance(candidate) <= width or (not line.strip() and not token.strip()):
                line = candidate
                continue
            if token in _NO_LINE_START:
                line = candidate  # a slight overrun beats a comma at the start of a line
                continue
            if line.strip():
                lines.append(line.rstrip())
            line = token.lstrip()
            while metrics.horizontalAdvance(line) > width and len(line) > 1:  # a run wider than the box
                cut = len(line) - 1
                while cut > 1 and metrics.horizontalAdvance(line[:cut]) > width:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line.rstrip())
    return lines


def render_pages(pages: Iterable[Page], device: QPagedPaintDevice, total: int | None = None,
                 progress: Progress | None = None, message: str = "正在排版") -> int:
    """Draw ``pages`` onto ``device`` (QPdfWriter or QPrinter set up for A4, full page); returns the page count."""
    painter = QPainter()
    if not painter.begin(device):
        raise XuejiError("无法开始打印：打印机或文件不可用，请检查打印机设置或保存位置。")
    count = 0
    try:
        renderer = PageRenderer(painter, device.resolution() if hasattr(device, "resolution") else 1200)
        for page in pages:
            if count:
                device.newPage()
            renderer.draw(page)
            count += 1
            tick(progress, count, total, message)
    finally:
        painter.end()
    return count


def a4_layout() -> QPageLayout:
    return QPageLayout(QPageSize(QPageSize.A4), QPageLayout.Portrait, QMarginsF(0, 0, 0, 0))


def _pdf_complete(path: Path) -> bool:
    """Whether ``path`` is a whole PDF: it ends with the %%EOF marker (within the last bytes)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(fh.tell() - 64, 0))
            return b"%%EOF" in fh.read()
    except OSError:
        return False


def write_pdf(pages: Iterable[Page], path: Path | str, total: int | None = None, progress: Progress | None = None,
              title: str = "学生基本信息采集表") -> int:
    """Write the pages to a PDF. The file appears only when complete: a cancelled or failed job leaves nothing."""
    load_fonts()
    path = Path(path)
    if not path.parent.is_dir():
        raise XuejiError(f"保存位置不存在：{path.parent}。请选择已有的文件夹。")
    partial = path.with_name(path.name + ".part")
    writer = QPdfWriter(str(partial))
    writer.setResolution(PDF_RESOLUTION)
    writer.setPageLayout(a4_layout())
    writer.setTitle(title)
    writer.setCreator("xueji-desktop")
    try:
        count = render_pages(pages, writer, total, progress)
        writer = None  # deleting the writer flushes and closes the file
        if not _pdf_complete(partial):  # QPdfWriter reports no write errors: a full disk shows as a cut file
            raise XuejiError(f"无法完整写入 {path}：磁盘空间不足或没有写入权限。请清理磁盘或换一个位置后重试。")
        try:
            os.replace(partial, path)
        except OSError as exc:
            raise XuejiError(write_error(path, exc)) from exc
    except BaseException:
        writer = None  # close before removing (Windows keeps open files)
        partial.unlink(missing_ok=True)
        raise
    return count
