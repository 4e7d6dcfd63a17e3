"""OrientedPicture: an upright box cut from the stored (sideways, mirrored…) pixels equals the same box cut
from the picture turned upright by ImageOps.exif_transpose, for all eight EXIF orientations."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageOps

from xueji_desktop.photos.oriented import OrientedPicture


@pytest.mark.parametrize("orientation", range(1, 9))
def test_boxes_map_to_the_stored_pixels(orientation):
    rng = np.random.default_rng(orientation)
    raw = Image.fromarray(rng.integers(0, 255, (37, 53, 3), dtype=np.uint8))
    tagged = raw.copy()
    tagged.getexif()[0x0112] = orientation
    upright = ImageOps.exif_transpose(tagged)
    picture = OrientedPicture(raw, orientation)
    assert picture.size == upright.size
    assert np.array_equal(np.asarray(picture.upright()), np.asarray(upright))
    for _ in range(10):
        left, top = int(rng.integers(0, picture.width - 5)), int(rng.integers(0, picture.height - 5))
        right, bottom = int(rng.integers(left + 1, picture.width + 1)), int(rng.integers(top + 1, picture.height + 1))
        box = (left, top, right, bottom)
        cut = picture.resize((right - left, bottom - top), Image.NEAREST, box=box)
        assert np.array_equal(np.asarray(cut), np.asarray(upright.crop(box)))
    assert np.array_equal(np.asarray(picture.reduce(1)), np.asarray(upright))
