"""Check one photo against the rules (``xueji check-photo``): every problem found, each with a code and a
plain-Chinese message that names the fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import head as head_measure
from . import imaging, rules

FIX_HINT = "可用照片旁的“修正”按钮（命令行 xueji fix-photo）自动处理。"


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    severity: str = "error"  # "error" (the county rejects it) or "warning"

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "severity": self.severity}


@dataclass
class CheckResult:
    file: str
    problems: list[Problem] = field(default_factory=list)
    measured: dict[str, Any] = field(default_factory=dict)
    head: head_measure.Head | None = None     # in the pixels of the picture as checked (not in JSON)
    pixels: Any = None                         # the decoded, upright picture when asked for (not in JSON)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "ok": self.ok, "problems": [p.to_dict() for p in self.problems],
                "measured": self.measured}

    def summary(self) -> str:
        if not self.problems:
            return "符合要求"
        return "；".join(p.message for p in self.problems)


def check_photo_bytes(data: bytes, name: str = "", *, analyse_at: tuple[int, int] | None = None,
                      keep_pixels: bool = False) -> CheckResult:
    """All rules on one photo. Large photos are analysed from a DCT-scaled decode (JPEG draft) no smaller
    than 358 × 441 (or ``analyse_at``): the pixel rules are judged at that size anyway. ``keep_pixels`` keeps
    that upright RGB decode in ``result.pixels`` (import stores a ≤ 1 MP copy from it: one decode, not two)."""
    result = CheckResult(name)
    add = result.problems.append
    m = result.measured
    m["bytes"] = len(data)
    fmt = imaging.sniff_format(data)
    try:
        img, full_size = imaging.open_for_analysis(data, analyse_at or (rules.WIDTH, rules.HEIGHT))
    except imaging.NotAnImage:
        if fmt == "HEIC":
            add(Problem("format.unreadable",
                        "文件是 HEIC 格式（苹果手机默认），请在手机上改为“兼容性最佳”或导出为 JPEG。"))
            return result
        add(Problem("format.unreadable", "文件不是可识别的图片（可能已损坏或不是照片），请重新拍摄或导出为 JPEG。"))
        return result
    fmt = img.format or fmt
    m["format"] = fmt
    m["width"], m["height"] = full_size
    if fmt != "JPEG":
        add(Problem("format.not_jpeg", f"文件实际是 {fmt} 格式（与扩展名无关），要求 JPEG。{FIX_HINT}"))
    if full_size != (rules.WIDTH, rules.HEIGHT):
        add(Problem("size.pixels",
                    f"尺寸为 {full_size[0]}×{full_size[1]} 像素，要求 {rules.WIDTH}×{rules.HEIGHT}。{FIX_HINT}"))
    if len(data) >= rules.MAX_BYTES:
        add(Problem("size.bytes", f"文件大小 {len(data) / 1000:.1f} KB，要求小于 60 KB。{FIX_HINT}"))
    _check_dpi(img, add, m)
    if imaging.exif_orientation(img) != 1:
        add(Problem("exif.orientation", f"照片带有旋转标记，有的系统会显示为横向或倒置。{FIX_HINT}", "warning"))

    grey_mode = img.mode in imaging.GREY_MODES
    upright = imaging.to_rgb(imaging.upright(img))
    if keep_pixels:
        result.pixels = upright
    rgb = np.asarray(upright)
    if not grey_mode:
        m["colour_spread"] = round(imaging.colour_spread(rgb), 1)
    if grey_mode or m["colour_spread"] < rules.GREYSCALE_MAX_SPREAD:
        add(Problem("colour.greyscale", "照片是黑白（灰度）的，要求彩色照片，请重新拍摄彩色照片。"))
    backdrop = _check_backdrop(rgb, add, m)
    result.head = _check_head(rgb, add, m, head_measure.measure(rgb, backdrop))
    m["sharpness"] = round(imaging.sharpness(rgb), 1)
    if m["sharpness"] < rules.BLUR_MIN_VARIANCE:
        add(Problem("blur", "照片模糊（对焦不准或抖动），请重新拍摄清晰的照片。"))
    return result


def check_photo_file(path) -> CheckResult:
    from pathlib import Path

    from ..errors import BadInput
    from ..infiles import read_regular

    path = Path(path)
    try:
        data = read_regular(path, rules.MAX_FILE_BYTES, "照片")  # not a FIFO or a device; capped while reading
    except BadInput as exc:
        return CheckResult(str(path), [Problem("file.unreadable", str(exc))])
    result = check_photo_bytes(data, str(path))
    return result


def _check_dpi(img, add, m) -> None:
    dpi = img.info.get("dpi")
    if not dpi or not dpi[0]:
        if img.info.get("jfif_unit") == 0 or not dpi:
            add(Problem("dpi.missing", f"照片没有记录分辨率（dpi），要求 {rules.MIN_DPI} dpi 以上。{FIX_HINT}",
                        "warning"))
            return
    m["dpi"] = round(float(dpi[0]))
    if m["dpi"] < rules.MIN_DPI:
        add(Problem("dpi.low", f"分辨率为 {m['dpi']} dpi，要求 {rules.MIN_DPI} dpi 以上。{FIX_HINT}"))


def _check_backdrop(rgb, add, m) -> imaging.Backdrop:
    backdrop = imaging.measure_backdrop(rgb)
    m["background_rgb"] = list(backdrop.rgb)
    m["background_delta_e"] = round(backdrop.delta_e, 1)
    if backdrop.delta_e > rules.BACKGROUND_MAX_DELTA_E:
        what = _describe_colour(backdrop.rgb)
        hint = "可用“修正照片”并选择“替换背景”换成标准蓝色（请在预览中核对人物边缘），或在浅蓝背景前重拍。"
        add(Problem("background.colour",
                    f"背景颜色为{what} RGB{backdrop.rgb}，与标准浅蓝 RGB{rules.STANDARD_BLUE} 相差过大"
                    f"（色差 ΔE {backdrop.delta_e:.0f}，允许 {rules.BACKGROUND_MAX_DELTA_E:.0f}）。{hint}"))
    return backdrop


def _describe_colour(rgb: tuple[int, int, int]) -> str:
    r, g, b = rgb
    spread = max(rgb) - min(rgb)
    if spread < 25:
        return "白色" if min(rgb) > 200 else "灰色" if min(rgb) > 60 else "黑色"
    if b >= r and b >= g:
        return "另一种蓝色"
    return "其他颜色"


def _check_head(rgb, add, m, found: head_measure.Measurement) -> head_measure.Head | None:
    height, width = rgb.shape[:2]
    m["faces"] = len(found.heads)
    head = found.head
    if head is None:
        add(Problem("face.missing", "没有找到正面人脸：请使用正面、免冠、五官清晰的照片。"))
        return None
    if found.several:
        add(Problem("face.multiple", "照片中有不止一张人脸，请使用单人照片。"))
    shares = head_measure.geometry(head, width, height)
    offset, ratio, top = shares["face_offset"], shares["head_ratio"], shares["head_top"]
    m["face_offset"] = round(offset, 3)
    m["head_ratio"] = round(ratio, 3)
    m["head_top"] = round(top, 3)
    m["head_top_from"] = head.top_from
    if abs(offset) > rules.CENTRE_TOLERANCE:
        side = "右" if offset > 0 else "左"
        add(Problem("face.off_centre",
                    f"人脸偏{side}（偏离中线 {abs(offset) * 100:.0f}% 宽度），要求左右居中。{FIX_HINT}"))
    low = rules.HEAD_RATIO_TARGET - rules.HEAD_RATIO_TOLERANCE
    high = rules.HEAD_RATIO_TARGET + rules.HEAD_RATIO_TOLERANCE
    if ratio < low:
        add(Problem("face.too_small", f"头部只占照片高度的 {ratio * 100:.0f}%，要求约 2/3（67%）。{FIX_HINT}"))
    elif ratio > high:
        add(Problem("face.too_large", f"头部占照片高度的 {ratio * 100:.0f}%，过大，要求约 2/3（67%）。{FIX_HINT}"))
    elif not rules.HEAD_TOP_RANGE[0] <= top <= rules.HEAD_TOP_RANGE[1]:
        where = "过高（头顶被裁掉）" if top < rules.HEAD_TOP_RANGE[0] else "过低（头顶上方留白太多）"
        add(Problem("face.vertical", f"头部位置{where}。{FIX_HINT}"))
    return head
