"""Fix a photo (``xueji fix-photo``): upright it, crop around the head to 26:32 with the head at 2/3 of the
height, resize to 358×441, 300 dpi, no EXIF, highest JPEG quality under 60 KB, then check the output with the
same head measurement as ``check-photo`` and recrop until they agree; optionally (never silently) replace a
wrong-coloured backdrop with the standard blue, cutting the person out with the person network."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from ..errors import BadInput
from ..outfiles import write_file
from . import head as head_measure
from . import imaging, rules
from .background import replace_backdrop
from .check import CheckResult, check_photo_bytes
from .oriented import OrientedPicture

ASPECT = rules.WIDTH / rules.HEIGHT
MEASURE_SIDE = 500     # long side of the copy the head is measured on (BlazeFace looks at 128 × 128 anyway;
                       # the verifying check measures again at 358 × 441 and corrects the crop)
DECODE_SIDE = 2000     # first decode (12 MP JPEG: 1/2 scale): one decode serves most crops (1/4 then 1/2 cost more)
MAX_ATTEMPTS = 3       # crop, check, correct the crop from the check's own measurement, up to this often
REDUCING_GAP = 1.0
GEOMETRY_CODES = {"face.off_centre", "face.too_small", "face.too_large", "face.vertical"}


@dataclass
class FixResult:
    jpeg: bytes
    quality: int
    check: CheckResult
    background_rgb: tuple[int, int, int]
    background_delta_e: float
    can_replace_background: bool        # backdrop in the wrong colour: offer replacement
    background_replaced: bool = False
    notes: list[str] = field(default_factory=list)
    attempts: int = 1                   # crops tried before the check agreed (or we gave up)


def fix_photo_bytes(data: bytes, *, replace_background: bool = False, name: str = "") -> FixResult:
    """Upright, crop to the head, resize, encode; then check the result with the same head measurement the
    check uses and correct the crop until the check passes its geometry (or say why it cannot)."""
    label = name or "照片"
    fmt = imaging.sniff_format(data)
    if fmt == "HEIC":
        raise BadInput(f"{label}：HEIC 格式（苹果手机默认）无法处理，请导出为 JPEG 后再试。")
    if fmt not in ("JPEG", "PNG", "BMP", "WEBP", "GIF"):
        raise BadInput(f"{label}：不是可处理的图片（请提供 JPEG 或 PNG 照片）。")
    try:
        header = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise BadInput(f"{label}：图片像素过多（超过 {Image.MAX_IMAGE_PIXELS // 10_000} 万像素），"
                       "请在手机或电脑上导出为较小的照片后再试。") from exc
    except (OSError, ValueError) as exc:
        raise BadInput(f"{label}：图片无法读取（文件可能已损坏），请重新导出。") from exc
    if header.mode in imaging.GREY_MODES:
        raise BadInput(f"{label}：照片是黑白（灰度）的，无法修正为彩色，请重新拍摄彩色照片。")
    try:
        source = _Source(data, header.size, fmt == "JPEG")
        img = source.decode(min(1.0, DECODE_SIDE / max(header.size)))
    except (imaging.NotAnImage, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise BadInput(f"{label}：图片无法读取（文件可能已损坏或不完整），请重新导出。") from exc
    shrink = max(1, max(img.size) // MEASURE_SIDE)
    rgb = np.asarray(img.reduce(shrink))
    found = head_measure.measure(rgb)
    if found.several:
        raise BadInput(f"{label}：照片中有不止一张人脸，无法确定是哪位学生，请使用单人照片。")
    if found.head is None and abs(img.width / img.height - ASPECT) > 0.03 * ASPECT:
        raise BadInput(f"{label}：找不到正面人脸，无法自动裁剪。请换一张正面、免冠、光线均匀的照片。")
    if imaging.colour_spread(rgb) < rules.GREYSCALE_MAX_SPREAD:
        raise BadInput(f"{label}：照片是黑白（灰度）的，无法修正为彩色，请重新拍摄彩色照片。")
    notes: list[str] = []
    if found.head is None:
        box = (0.0, 0.0, float(img.width), float(img.height))
        notes.append("未检测到人脸，只调整了尺寸和格式")
    else:
        box = head_measure.crop_box(found.head.mapped(shrink))
    img, box = source.enough_for(img, box)
    if (box[3] - box[1]) < 0.8 * rules.HEIGHT:
        notes.append(f"原照片中头部只有约 {round((box[3] - box[1]) * rules.HEAD_RATIO_TARGET)} 像素高，"
                     "放大后可能不清晰；请尽量用离得更近、分辨率更高的照片")
    # The person mask does not need a plain backdrop; the user sees the preview (GUI) before saving.
    can_replace = found.backdrop.delta_e > rules.BACKGROUND_MAX_DELTA_E
    replaced = replace_background and can_replace

    attempts = 0
    while True:
        attempts += 1
        out, padded = _crop_resize(img, box)
        if replaced:
            out = Image.fromarray(replace_backdrop(np.asarray(out)))
        jpeg, quality = imaging.encode_under_limit(out)
        check = check_photo_bytes(jpeg, name)
        wrong = GEOMETRY_CODES & set(check.codes)
        if not wrong or check.head is None or found.head is None or attempts >= MAX_ATTEMPTS:
            break
        # The check measured the head in the output: take that measurement back to the source and recrop.
        scale = (box[3] - box[1]) / rules.HEIGHT
        box = head_measure.crop_box(check.head.mapped(scale, box[0], box[1]))
    if padded:
        notes.append("原照片边缘不够，已用背景色补齐")
    if found.head is not None and GEOMETRY_CODES & set(check.codes):
        notes.append(f"自动裁剪 {attempts} 次后头部位置仍不合格（照片中头部离边缘太近或被遮挡），请重新拍摄")
    return FixResult(jpeg, quality, check, found.backdrop.rgb, found.backdrop.delta_e, can_replace, replaced,
                     notes, attempts)


class _Source:
    """The photo's bytes, decoded as small as each step allows (JPEG: libjpeg DCT scaling 1/8, 1/4, 1/2)."""

    def __init__(self, data: bytes, raw_size: tuple[int, int], jpeg: bool):
        self.data, self.raw_size, self.jpeg = data, raw_size, jpeg
        self.scale = 1.0          # decoded pixels per full-resolution pixel, of the last decode

    def decode(self, scale: float) -> OrientedPicture:
        """Decode (at a libjpeg draft scale when ``scale`` < 1), flattened to RGB, seen through its EXIF
        orientation (the pixels are turned only where needed: ``OrientedPicture``)."""
        draft = _scaled(self.raw_size, scale) if self.jpeg and scale < 1 else None
        raw = imaging.open_image(self.data, draft)
        self.scale = raw.width / self.raw_size[0]
        return OrientedPicture(imaging.to_rgb(raw), imaging.exif_orientation(raw))

    def enough_for(self, img: OrientedPicture, box: tuple[float, ...]) -> tuple[OrientedPicture, tuple[float, ...]]:
        """(``img``, ``box``) when the box holds at least 441 rows of its pixels, else the smallest larger
        decode that does, with the box in its pixels. Non-JPEG sources are decoded in full already."""
        need = rules.HEIGHT / max(1e-6, box[3] - box[1])
        if need <= 1.0 or not self.jpeg or self.scale >= 1.0:
            return img, box
        before = self.scale
        img = self.decode(min(1.0, before * need))
        return img, tuple(v * self.scale / before for v in box)


def _scaled(size: tuple[int, int], scale: float) -> tuple[int, int]:
    return max(1, math.ceil(size[0] * scale)), max(1, math.ceil(size[1] * scale))


def _crop_resize(img: OrientedPicture, box: list[float]) -> tuple[Image.Image, bool]:
    left, top, right, bottom = box
    inside = left >= -0.5 and top >= -0.5 and right <= img.width + 0.5 and bottom <= img.height + 0.5
    if inside:
        box = [max(0.0, left), max(0.0, top), min(float(img.width), right), min(float(img.height), bottom)]
        # reducing_gap: an integer box-filter reduce first, then Lanczos over the last < 2× (the same
        # sharpness by the blur rule, twice as fast as a gap of 2 on a 1000-row crop).
        return img.resize((rules.WIDTH, rules.HEIGHT), Image.LANCZOS, box=tuple(box), reducing_gap=REDUCING_GAP), False
    # Out of the picture: fill with the backdrop colour (median of the border) rather than black.
    upright = img.upright()
    fill = imaging.measure_backdrop(np.asarray(upright)).rgb
    canvas = Image.new("RGB", (math.ceil(right - left), math.ceil(bottom - top)), fill)
    canvas.paste(upright, (round(-left), round(-top)))
    return canvas.resize((rules.WIDTH, rules.HEIGHT), Image.LANCZOS, reducing_gap=REDUCING_GAP), True


def changes(before: CheckResult, after: FixResult) -> list[str]:
    """What the fix changed, in the clerk's words (the before/after view and ``fix-photo`` show this)."""
    b, a = before.measured, after.check.measured
    lines = []
    if (b.get("width"), b.get("height")) != (a.get("width"), a.get("height")):
        lines.append(f"尺寸：{b.get('width')}×{b.get('height')} → {a['width']}×{a['height']} 像素")
    lines.append(f"文件：{b['bytes'] / 1000:.0f} KB → {a['bytes'] / 1000:.0f} KB（JPEG 质量 {after.quality}，"
                 f"{rules.MIN_DPI} dpi，不含拍摄信息）")
    if "head_ratio" in b and "head_ratio" in a:
        lines.append(f"头部占高度：{b['head_ratio'] * 100:.0f}% → {a['head_ratio'] * 100:.0f}%；"
                     f"偏离中线：{abs(b['face_offset']) * 100:.0f}% → {abs(a['face_offset']) * 100:.0f}%")
    if "exif.orientation" in before.codes:
        lines.append("已按旋转标记转正，并去掉了旋转标记")
    if after.background_replaced:
        lines.append(f"背景：RGB{tuple(b['background_rgb'])} → 标准浅蓝 RGB{rules.STANDARD_BLUE}")
    lines.append(f"问题：{sum(p.severity == 'error' for p in before.problems)} 项 → "
                 f"{sum(p.severity == 'error' for p in after.check.problems)} 项")
    return lines


def fix_photo_file(src, dst, *, replace_background: bool = False) -> FixResult:
    from pathlib import Path

    from ..infiles import read_regular
    from .rules import MAX_FILE_BYTES

    src, dst = Path(src), Path(dst)
    data = read_regular(src, MAX_FILE_BYTES, "照片")
    result = fix_photo_bytes(data, replace_background=replace_background, name=str(src))
    result.check.file = str(dst)
    write_file(dst, result.jpeg)
    return result
