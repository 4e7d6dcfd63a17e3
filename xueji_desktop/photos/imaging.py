"""Image primitives for photo checking and fixing: decoding by content, colour distance, faces, sharpness.

Pillow decodes and encodes; OpenCV does colour conversion and the Laplacian (faces: head.py, models.py).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from . import rules

Image.MAX_IMAGE_PIXELS = 80_000_000  # phone photos are ~12-50 MP; refuse decompression bombs beyond that


GREY_MODES = ("L", "LA", "1", "I", "I;16", "F")


class NotAnImage(Exception):
    """The bytes are not an image Pillow can read."""


def sniff_format(data: bytes) -> str | None:
    """Format by content (magic bytes), never by file extension."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data[:2] == b"BM":
        return "BMP"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        return "HEIC"
    return None


def open_image(data: bytes, draft_size: tuple[int, int] | None = None) -> Image.Image:
    """Open and fully load an image. ``draft_size`` lets libjpeg decode at 1/2, 1/4 or 1/8 scale directly
    (DCT scaling), which is several times faster than decoding 12 MP and resizing afterwards."""
    try:
        img = Image.open(io.BytesIO(data))
        if draft_size and img.format == "JPEG":
            img.draft("RGB", draft_size)
        img.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise NotAnImage(str(exc)) from exc
    return img


def open_for_analysis(data: bytes, min_size: tuple[int, int]) -> tuple[Image.Image, tuple[int, int]]:
    """Open for checking: a JPEG decodes at the smallest DCT scale still at least ``min_size`` (a 12 MP phone
    photo at 1/8, about 5 times faster than in full). Returns the image and the size stored in the file."""
    try:
        img = Image.open(io.BytesIO(data))
        full_size = img.size
        if img.format == "JPEG":
            img.draft(img.mode if img.mode in ("RGB", "L") else None, _draft_request(full_size, min_size))
        img.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise NotAnImage(str(exc)) from exc
    return img, full_size


def has_upload_size(data: bytes) -> bool:
    """Whether the file's header says 358 × 441 (cheap: no decode)."""
    try:
        return Image.open(io.BytesIO(data)).size == (rules.WIDTH, rules.HEIGHT)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return False


def reduced_size(data: bytes, max_pixels: int) -> tuple[int, int] | None:
    """For a photo over ``max_pixels``: the size of its largest JPEG DCT scale (1/2, 1/4, 1/8) within
    ``max_pixels`` (other formats: the full size, resized later); None when it is small enough as it is."""
    try:
        img = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    if img.width * img.height <= max_pixels:
        return None
    if img.format != "JPEG":
        return img.size
    for denominator in (2, 4, 8):
        size = (math.ceil(img.width / denominator), math.ceil(img.height / denominator))
        if size[0] * size[1] <= max_pixels:
            return size
    return size


def reduced(img: Image.Image, max_pixels: int, quality: int = 85) -> bytes:
    """A JPEG of the (upright, RGB) picture at most ``max_pixels``: no EXIF, so camera and GPS are dropped."""
    if img.width * img.height > max_pixels:
        scale = (max_pixels / (img.width * img.height)) ** 0.5
        img = img.resize((max(1, int(img.width * scale)), max(1, int(img.height * scale))), Image.LANCZOS,
                         reducing_gap=2.0)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _draft_request(full: tuple[int, int], need: tuple[int, int]) -> tuple[int, int]:
    # Pillow's draft keeps both sides >= the request; ask in the file's own orientation.
    if (full[0] > full[1]) != (need[0] > need[1]):
        need = (need[1], need[0])
    return min(need[0], full[0]), min(need[1], full[1])


def to_rgb(img: Image.Image) -> Image.Image:
    """RGB, with transparency flattened onto white (what a viewer would show)."""
    if img.mode == "RGB":
        return img
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return img.convert("RGB")


def upright(img: Image.Image) -> Image.Image:
    """Apply the EXIF orientation tag (phones store portrait photos sideways plus a tag). Without a tag the
    image itself is returned (exif_transpose would copy it)."""
    return ImageOps.exif_transpose(img) if exif_orientation(img) != 1 else img


def exif_orientation(img: Image.Image) -> int:
    try:
        return int(img.getexif().get(0x0112, 1))
    except Exception:
        return 1


# ---- colour -------------------------------------------------------------------------------------

# sRGB (D65) to CIE L*a*b*, the formulas OpenCV's COLOR_RGB2Lab uses, written out in numpy: OpenCV builds
# its float conversion tables on the first call (~80 ms, paid again by every worker process of a batch);
# this is exact where OpenCV interpolates tables (they differ by < 0.5 ΔE, far inside every tolerance).
_LINEAR = np.array([v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
                    for v in np.arange(256) / 255.0], dtype=np.float32)
_D65_WHITE = np.array([[0.950456], [1.0], [1.088754]])
_RGB_TO_XYZ = (np.array([[0.412453, 0.357580, 0.180423],
                         [0.212671, 0.715160, 0.072169],
                         [0.019334, 0.119193, 0.950227]]) / _D65_WHITE).astype(np.float32)
_LAB_EPSILON = 0.008856


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB uint8 (...×3) to CIE L*a*b* (D65) as float32 (L 0..100)."""
    xyz = _LINEAR[np.asarray(rgb, dtype=np.uint8)] @ _RGB_TO_XYZ.T
    f = np.where(xyz > _LAB_EPSILON, np.cbrt(xyz), 7.787 * xyz + 16 / 116).astype(np.float32)
    y = xyz[..., 1]
    lab = np.empty_like(f)
    lab[..., 0] = np.where(y > _LAB_EPSILON, 116 * f[..., 1] - 16, 903.3 * y)
    lab[..., 1] = 500 * (f[..., 0] - f[..., 1])
    lab[..., 2] = 200 * (f[..., 1] - f[..., 2])
    return lab


def delta_e_2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference (Sharma, Wu, Dalal 2005). Written out because neither Pillow nor OpenCV
    ships it and pulling in scikit-image for ~20 lines is not worth the dependency."""
    lab1 = np.asarray(lab1, dtype=np.float64)
    lab2 = np.asarray(lab2, dtype=np.float64)
    L1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    L2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dL = L2 - L1
    dC = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0, dh)
    dH = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    L_bar = (L1 + L2) / 2
    cp_bar = (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_bar = np.where(np.abs(h1p - h2p) > 180, (h_sum + 360) / 2, h_sum / 2)
    h_bar = np.where(c1p * c2p == 0, h_sum, h_bar)
    t = (1 - 0.17 * np.cos(np.radians(h_bar - 30)) + 0.24 * np.cos(np.radians(2 * h_bar))
         + 0.32 * np.cos(np.radians(3 * h_bar + 6)) - 0.20 * np.cos(np.radians(4 * h_bar - 63)))
    s_l = 1 + 0.015 * (L_bar - 50) ** 2 / np.sqrt(20 + (L_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = (-2 * np.sqrt(cp_bar**7 / (cp_bar**7 + 25.0**7))
           * np.sin(np.radians(60 * np.exp(-(((h_bar - 275) / 25) ** 2)))))
    return np.sqrt((dL / s_l) ** 2 + (dC / s_c) ** 2 + (dH / s_h) ** 2 + r_t * (dC / s_c) * (dH / s_h))


STANDARD_BLUE_LAB = rgb_to_lab(np.array(rules.STANDARD_BLUE, dtype=np.uint8))


def border_pixels(rgb: np.ndarray, samples: int = 20_000) -> np.ndarray:
    """About ``samples`` pixels (N × 3) of the top strip plus the side strips of the upper half: backdrop
    only in a correct ID photo (shoulders may touch the lower sides and the bottom). A median and a share
    need no more, and slicing with a step costs nothing like masking a 12 MP array."""
    height, width = rgb.shape[:2]
    bh = max(2, round(height * rules.BORDER_FRACTION))
    bw = max(2, round(width * rules.BORDER_FRACTION))
    area = bh * width + 2 * bw * max(0, height // 2 - bh)
    step = max(1, int((area / samples) ** 0.5))
    strips = [rgb[:bh:step, ::step], rgb[bh:height // 2:step, :bw:step], rgb[bh:height // 2:step, -bw::step]]
    return np.concatenate([s.reshape(-1, 3) for s in strips])


@dataclass(frozen=True)
class Backdrop:
    rgb: tuple[int, int, int]     # median border colour
    delta_e: float                # CIEDE2000 to the standard blue
    plain_share: float            # share of border pixels close to the median colour

    @property
    def plain(self) -> bool:
        return self.plain_share >= rules.PLAIN_MIN_SHARE


def measure_backdrop(rgb: np.ndarray) -> Backdrop:
    pixels = border_pixels(rgb)
    median = np.median(pixels, axis=0).astype(np.uint8)
    lab = rgb_to_lab(pixels)
    median_lab = rgb_to_lab(median)
    # CIE76 (plain Euclidean Lab) is enough to tell "close to the median" and is much cheaper per pixel.
    close = np.linalg.norm(lab - median_lab, axis=1) < rules.PLAIN_PIXEL_DELTA_E
    return Backdrop(tuple(int(v) for v in median), float(delta_e_2000(median_lab, STANDARD_BLUE_LAB)),
                    float(close.mean()))


def colour_spread(rgb: np.ndarray) -> float:
    """Mean (max − min) over the RGB channels: about 0 for a grey picture stored as RGB."""
    small = rgb[::4, ::4].astype(np.int16)
    return float((small.max(axis=2) - small.min(axis=2)).mean())


# ---- sharpness ----------------------------------------------------------------------------------

def sharpness(rgb: np.ndarray) -> float:
    """Variance of the Laplacian of the grey image at the standard size (low = blurred)."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if grey.shape != (rules.HEIGHT, rules.WIDTH):
        grey = cv2.resize(grey, (rules.WIDTH, rules.HEIGHT), interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


# ---- encoding -----------------------------------------------------------------------------------

def encode_jpeg(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    # No exif= argument: Pillow writes no EXIF block, so phone metadata (GPS, camera) is dropped.
    img.save(buf, "JPEG", quality=quality, dpi=(rules.MIN_DPI, rules.MIN_DPI), optimize=False,
             subsampling="4:2:0")
    return buf.getvalue()


def encode_under_limit(img: Image.Image, max_bytes: int = rules.MAX_BYTES) -> tuple[bytes, int]:
    """The highest JPEG quality (binary search over 30..95) whose file is under ``max_bytes``.
    Returns (bytes, quality). 358×441 encodes take ~2 ms, so the 4-6 tries cost little."""
    best = encode_jpeg(img, 95)
    if len(best) < max_bytes:
        return best, 95
    low, high, best_q = 30, 94, 30
    best = encode_jpeg(img, low)
    while low <= high:
        mid = (low + high) // 2
        data = encode_jpeg(img, mid)
        if len(data) < max_bytes:
            best, best_q, low = data, mid, mid + 1
        else:
            high = mid - 1
    return best, best_q
