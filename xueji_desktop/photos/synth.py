"""Synthetic ID-style photos for the demo school, tests and benchmarks.

Every photo shows the same public-domain NASA portrait (resources/photos/README.md) so that the face
detector has a real face to find; position, size, tint, mirroring and backdrop vary with the seed.
No photo of any real student is involved.
"""

from __future__ import annotations

import random
from functools import lru_cache

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from ..paths import resource
from . import rules
from .imaging import encode_jpeg, encode_under_limit

STANDARD_BLUE = rules.STANDARD_BLUE
WIDTH, HEIGHT = rules.WIDTH, rules.HEIGHT

# True head geometry of the cutout (resources/photos/demo_face.png), measured by eye once: top of the hair,
# chin, and the horizontal centre of the face, in cutout pixels.
_HEAD_TOP, _CHIN, _FACE_CX = 14, 185, 134


@lru_cache(maxsize=1)
def _cutout() -> Image.Image:
    with Image.open(resource("photos", "demo_face.png")) as img:
        return img.convert("RGBA")


@lru_cache(maxsize=64)
def _scaled_cutout(scale: float, mirrored: bool) -> Image.Image:
    person = ImageOps.mirror(_cutout()) if mirrored else _cutout()
    return person.resize((round(person.width * scale), round(person.height * scale)), Image.LANCZOS)


def portrait(seed: int, *, size: tuple[int, int] = (WIDTH, HEIGHT), background=STANDARD_BLUE,
             head_ratio: float = rules.HEAD_RATIO_TARGET, centre_x: float = 0.5,
             head_top: float = rules.HEAD_TOP_TARGET, jitter: bool = True) -> Image.Image:
    """An RGB portrait: the cutout composed on a plain ``background`` with the head (hair top to chin) at
    ``head_ratio`` of the height, its centre at ``centre_x`` of the width and its top at ``head_top``."""
    rng = random.Random(seed)
    width, height = size
    if jitter:
        head_ratio *= rng.uniform(0.97, 1.03)
        centre_x += rng.uniform(-0.012, 0.012)
        head_top += rng.uniform(-0.015, 0.015)
    # Scale rounded to 1 % so resized cutouts can be cached: 360 demo photos cost a few resizes, not 360.
    scale = round(head_ratio * height / (_CHIN - _HEAD_TOP), 2)
    mirrored = jitter and rng.random() < 0.5
    person = _scaled_cutout(scale, mirrored)
    face_cx = (_cutout().width - _FACE_CX) if mirrored else _FACE_CX
    if jitter:
        r, g, b, a = person.split()
        tint = [rng.uniform(0.9, 1.08) for _ in range(3)]
        r, g, b = (ch.point(lambda v, t=t: min(255, int(v * t))) for ch, t in zip((r, g, b), tint, strict=True))
        person = Image.merge("RGBA", (r, g, b, a))
    left = round(centre_x * width - face_cx * scale)
    top = round(head_top * height - _HEAD_TOP * scale)
    canvas = Image.new("RGB", size, tuple(background))
    canvas.paste(person, (left, top), person)
    return canvas


def demo_photo_jpeg(seed: int, *, background: tuple[int, int, int] = STANDARD_BLUE) -> bytes:
    """A photo that passes every check: 358×441, 300 dpi, standard backdrop, < 60 KB."""
    img = portrait(seed, background=background)
    if seed % 3 == 0:
        img = ImageEnhance.Brightness(img).enhance(random.Random(seed).uniform(0.95, 1.05))
    return encode_under_limit(img)[0]


def phone_photo(seed: int, size: tuple[int, int] = (3000, 4000), *, background=(236, 234, 228),
                head_ratio: float = 0.30, quality: int = 88) -> bytes:
    """A typical phone snapshot for tests and the benchmark: large, off-white wall, small head, sensor noise."""
    img = portrait(seed, size=size, background=background, head_ratio=head_ratio, head_top=0.22)
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 3, (size[1] // 4, size[0] // 4, 3)).astype(np.int16)
    noise_img = Image.fromarray(np.clip(noise + 128, 0, 255).astype(np.uint8)).resize(size, Image.BILINEAR)
    arr = np.asarray(img, dtype=np.int16) + np.asarray(noise_img, dtype=np.int16) - 128
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).filter(ImageFilter.SMOOTH)
    import io

    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


__all__ = ["demo_photo_jpeg", "encode_jpeg", "phone_photo", "portrait"]
