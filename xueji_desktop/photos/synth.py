"""Synthetic ID-style photos for the demo school and for tests (no real person is depicted).

FOUNDATION VERSION: a drawn head-and-shoulders on the standard blue. The photo
module may replace this with something its face detector recognises.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

STANDARD_BLUE = (67, 142, 219)
WIDTH, HEIGHT = 358, 441


def demo_photo_jpeg(seed: int, *, background: tuple[int, int, int] = STANDARD_BLUE) -> bytes:
    rng = random.Random(seed)
    img = Image.new("RGB", (WIDTH, HEIGHT), background)
    d = ImageDraw.Draw(img)
    skin = (rng.randint(215, 245), rng.randint(180, 210), rng.randint(150, 180))
    hair = (rng.randint(10, 40),) * 3
    cx = WIDTH // 2 + rng.randint(-6, 6)
    # shoulders, neck, head, hair, eyes, mouth: head about 2/3 of the height with hair
    d.ellipse((cx - 170, 350, cx + 170, 560), fill=(rng.randint(20, 80), rng.randint(40, 90), rng.randint(80, 140)))
    d.rectangle((cx - 35, 280, cx + 35, 370), fill=skin)
    d.ellipse((cx - 105, 60, cx + 105, 330), fill=skin)
    d.chord((cx - 112, 45, cx + 112, 230), 180, 360, fill=hair)
    for dx in (-45, 45):
        d.ellipse((cx + dx - 14, 175, cx + dx + 14, 193), fill=(250, 250, 250))
        d.ellipse((cx + dx - 7, 178, cx + dx + 7, 191), fill=(30, 25, 20))
        d.line((cx + dx - 20, 160, cx + dx + 20, 158), fill=hair, width=5)
    d.line((cx, 195, cx - 8, 245), fill=(190, 140, 120), width=3)
    d.arc((cx - 35, 250, cx + 35, 285), 20, 160, fill=(170, 60, 60), width=4)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85, dpi=(300, 300), optimize=True)
    return buf.getvalue()
