"""Fix a photo (``xueji fix-photo``): upright it, crop around the face to 26:32 with the head at 2/3 of the
height, resize to 358×441, 300 dpi, no EXIF, highest JPEG quality under 60 KB; optionally (never silently)
replace a plain wrong-coloured backdrop with the standard blue."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from ..errors import BadInput
from ..outfiles import write_file
from . import imaging, rules
from .background import replace_backdrop
from .check import CheckResult, check_photo_bytes
from .imaging import Face

ASPECT = rules.WIDTH / rules.HEIGHT
DETECT_DECODE_SIDE = 500  # decode size for face finding (libjpeg 1/8 of a 12 MP photo is 375×500)


@dataclass
class FixResult:
    jpeg: bytes
    quality: int
    check: CheckResult
    background_rgb: tuple[int, int, int]
    background_delta_e: float
    can_replace_background: bool        # plain backdrop in the wrong colour: offer replacement
    background_replaced: bool = False
    notes: list[str] = field(default_factory=list)


def fix_photo_bytes(data: bytes, *, replace_background: bool = False, name: str = "") -> FixResult:
    label = name or "照片"
    fmt = imaging.sniff_format(data)
    if fmt == "HEIC":
        raise BadInput(f"{label}：HEIC 格式（苹果手机默认）无法处理，请导出为 JPEG 后再试。")
    if fmt not in ("JPEG", "PNG", "BMP", "WEBP", "GIF"):
        raise BadInput(f"{label}：不是可处理的图片（请提供 JPEG 或 PNG 照片）。")
    try:
        head = Image.open(io.BytesIO(data))
        raw_size = head.size
    except Exception as exc:
        raise BadInput(f"{label}：图片无法读取（文件可能已损坏），请重新导出。") from exc

    # 1. A small decode to find the face (JPEG: DCT-scaled decode, no full 12 MP decode).
    small = _decode(data, _scaled(raw_size, min(1.0, DETECT_DECODE_SIDE / max(raw_size))))
    factor = small.width / (raw_size[1] if _swaps_axes(small, raw_size) else raw_size[0])
    faces = imaging.find_faces(np.asarray(small))
    notes: list[str] = []
    if faces:
        face = faces[0].scaled(1 / factor)  # in full-resolution upright coordinates
        box = _crop_box(face)
    else:
        full_w, full_h = (small.width / factor, small.height / factor)
        if abs(full_w / full_h - ASPECT) > 0.03 * ASPECT:
            raise BadInput(f"{label}：找不到正面人脸，无法自动裁剪。请换一张正面、免冠、光线均匀的照片。")
        box = (0.0, 0.0, full_w, full_h)
        notes.append("未检测到人脸，只调整了尺寸和格式")

    # 2. Decode again only as large as the crop needs (or reuse the small decode when it suffices).
    need = rules.HEIGHT / (box[3] - box[1])
    if factor >= need or fmt != "JPEG":
        img, got = (small, factor) if factor >= need else (_decode(data, None), 1.0)
    else:
        img = _decode(data, _scaled(raw_size, need))
        got = img.width / (raw_size[1] if _swaps_axes(img, raw_size) else raw_size[0])
    out, padded = _crop_resize(img, [v * got for v in box])
    if padded:
        notes.append("原照片边缘不够，已用背景色补齐")

    rgb = np.asarray(out)
    out_face = _face_in_output(faces[0].scaled(1 / factor), box) if faces else None
    backdrop = imaging.measure_backdrop(rgb)
    can_replace = backdrop.plain and backdrop.delta_e > rules.BACKGROUND_MAX_DELTA_E
    replaced = False
    if replace_background:
        if can_replace:
            rgb = replace_backdrop(rgb, out_face)
            out = Image.fromarray(rgb)
            replaced = True
        elif not backdrop.plain:
            notes.append("背景不是纯色，未替换背景")
    jpeg, quality = imaging.encode_under_limit(out)
    # The face position in the output is known from the crop: no second detection needed.
    result = check_photo_bytes(jpeg, name, face=out_face) if out_face else check_photo_bytes(jpeg, name)
    return FixResult(jpeg, quality, result, backdrop.rgb, backdrop.delta_e, can_replace, replaced, notes)


def _scaled(size: tuple[int, int], scale: float) -> tuple[int, int]:
    return max(1, math.ceil(size[0] * scale)), max(1, math.ceil(size[1] * scale))


def _swaps_axes(upright_img: Image.Image, raw_size: tuple[int, int]) -> bool:
    return raw_size[0] != raw_size[1] and (upright_img.width > upright_img.height) != (raw_size[0] > raw_size[1])


def _decode(data: bytes, draft: tuple[int, int] | None) -> Image.Image:
    """Decode (at a libjpeg draft scale when given), apply EXIF orientation, flatten to RGB."""
    img = imaging.open_image(data, draft)
    return imaging.to_rgb(imaging.upright(img))


def _crop_box(face: Face) -> tuple[float, float, float, float]:
    """26:32 box with the head (top of hair to chin) at 2/3 of the height, its top at HEAD_TOP_TARGET."""
    height = face.head_height / rules.HEAD_RATIO_TARGET
    width = height * ASPECT
    top = face.head_top - rules.HEAD_TOP_TARGET * height
    left = face.centre_x - width / 2
    return left, top, left + width, top + height


def _crop_resize(img: Image.Image, box: list[float]) -> tuple[Image.Image, bool]:
    left, top, right, bottom = box
    inside = left >= -0.5 and top >= -0.5 and right <= img.width + 0.5 and bottom <= img.height + 0.5
    if inside:
        box = [max(0.0, left), max(0.0, top), min(float(img.width), right), min(float(img.height), bottom)]
        return img.resize((rules.WIDTH, rules.HEIGHT), Image.LANCZOS, box=tuple(box)), False
    # Out of the picture: fill with the backdrop colour (median of the border) rather than black.
    fill = imaging.measure_backdrop(np.asarray(img)).rgb
    canvas = Image.new("RGB", (math.ceil(right - left), math.ceil(bottom - top)), fill)
    canvas.paste(img, (round(-left), round(-top)))
    return canvas.resize((rules.WIDTH, rules.HEIGHT), Image.LANCZOS), True


def _face_in_output(face: Face, box: tuple[float, float, float, float]) -> Face:
    s = rules.HEIGHT / (box[3] - box[1])
    return Face((face.x - box[0]) * s, (face.y - box[1]) * s, face.w * s, face.h * s)


def fix_photo_file(src, dst, *, replace_background: bool = False) -> FixResult:
    from pathlib import Path

    src, dst = Path(src), Path(dst)
    try:
        data = src.read_bytes()
    except OSError as exc:
        raise BadInput(f"无法读取 {src}：{exc.strerror or exc}。") from exc
    result = fix_photo_bytes(data, replace_background=replace_background, name=str(src))
    result.check.file = str(dst)
    write_file(dst, result.jpeg)
    return result
