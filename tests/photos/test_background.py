"""Background replacement keeps the person: a light shirt on a light wall stays a shirt, a patterned backdrop
goes, the edge is soft."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from xueji_desktop.paths import resource
from xueji_desktop.photos import rules
from xueji_desktop.photos.background import person_alpha, replace_backdrop

CHIN = 172   # cutout row of the chin (resources/photos/demo_face.png)


def _composite(back: np.ndarray, shirt=None):
    cut = np.asarray(Image.open(resource("photos", "demo_face.png")).convert("RGBA")).astype(np.float32)
    rgb, alpha = cut[..., :3], cut[..., 3:] / 255
    clothes = (alpha[..., 0] > 0.5) & (np.arange(alpha.shape[0])[:, None] > CHIN + 8)
    if shirt is not None:   # repaint the clothes light, keeping their shading (folds, seams)
        lum = rgb[clothes].mean(axis=1, keepdims=True)
        rgb[clothes] = np.clip(np.array(shirt) + 0.35 * (lum - lum.mean()), 0, 255)
    h, w = alpha.shape[:2]
    canvas = back[:h, :w].astype(np.float32)
    photo = (rgb * alpha + canvas * (1 - alpha)).round().astype(np.uint8)
    return photo, alpha[..., 0], clothes


@pytest.mark.parametrize("wall", [(246, 246, 244), (215, 215, 212)])
def test_light_shirt_on_a_light_wall_is_not_turned_blue(wall):
    back = np.broadcast_to(np.array(wall, np.uint8), (290, 250, 3))
    photo, truth, clothes = _composite(back, shirt=(238, 238, 236))
    out = replace_backdrop(photo).astype(int)
    shirt = out[clothes]
    blue = np.abs(shirt - np.array(rules.STANDARD_BLUE)).sum(axis=1) < 60
    assert blue.mean() < 0.02                                   # the shirt stays a shirt
    # The backdrop around the head is replaced (the rules look at the top and the upper sides).
    upper = np.zeros_like(truth, dtype=bool)
    upper[: truth.shape[0] // 2] = True
    backdrop = out[(truth < 0.01) & upper]
    assert (np.abs(backdrop - np.array(rules.STANDARD_BLUE)).sum(axis=1) < 30).mean() > 0.97


def test_patterned_backdrop_is_replaced_and_the_edge_is_soft():
    y, x = np.mgrid[0:290, 0:250]
    stripes = np.where((((x + y // 3) // 18) % 2)[..., None] == 1, (200, 190, 170), (120, 140, 160)).astype(np.uint8)
    photo, truth, _ = _composite(stripes)
    alpha = person_alpha(photo)
    top = slice(0, truth.shape[0] // 2)        # head and hair; below, the cutout's clothes end in mid-air
    assert ((alpha[top] > 0.5) == (truth[top] > 0.5)).mean() > 0.97
    edge = (truth > 0.1) & (truth < 0.9)
    assert ((alpha[edge] > 0.05) & (alpha[edge] < 0.95)).mean() > 0.3    # soft, not a hard cut
