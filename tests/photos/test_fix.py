"""fix-photo: any reasonable input becomes a photo that passes; backdrop replacement only on request."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from xueji_desktop.errors import BadInput
from xueji_desktop.photos.check import check_photo_bytes
from xueji_desktop.photos.fix import fix_photo_bytes
from xueji_desktop.photos.synth import phone_photo, portrait

from .conftest import jpeg, png


def assert_passes(data: bytes) -> None:
    result = check_photo_bytes(data)  # independent re-check, with its own face detection
    assert result.ok, result.problems
    img = Image.open(io.BytesIO(data))
    assert img.format == "JPEG" and img.size == (358, 441)
    assert round(img.info["dpi"][0]) == 300
    assert len(data) < 60_000


def test_phone_photo_on_blue_backdrop_is_fixed():
    data = phone_photo(1, (1500, 2000), background=(67, 142, 219))
    result = fix_photo_bytes(data)
    assert result.check.ok and not result.background_replaced
    assert_passes(result.jpeg)


def test_white_backdrop_is_offered_not_silently_replaced():
    data = phone_photo(2, (1200, 1600))
    plain = fix_photo_bytes(data)
    assert plain.can_replace_background and not plain.background_replaced
    assert "background.colour" in plain.check.codes  # the user still sees the problem
    replaced = fix_photo_bytes(data, replace_background=True)
    assert replaced.background_replaced
    assert_passes(replaced.jpeg)
    # the person is kept: the middle of the face is not blue
    face_pixel = np.asarray(Image.open(io.BytesIO(replaced.jpeg)))[200, 179]
    assert abs(int(face_pixel[0]) - 67) > 60


@pytest.mark.parametrize("background", [(128, 128, 128), (20, 80, 170)])
def test_grey_and_other_blue_backdrops_replaced_on_request(background):
    result = fix_photo_bytes(jpeg(portrait(3, size=(600, 800), background=background, head_ratio=0.45)),
                             replace_background=True)
    assert result.background_replaced
    assert_passes(result.jpeg)


def test_exif_orientation_applied_then_stripped():
    upright = portrait(4, size=(900, 1200), head_ratio=0.4, head_top=0.15)
    sideways = upright.rotate(90, expand=True)   # what the sensor stored
    exif = Image.Exif()
    exif[0x0112] = 6                             # "rotate 90° clockwise to display"
    exif[0x010F] = "PhoneMaker"
    buf = io.BytesIO()
    sideways.save(buf, "JPEG", quality=90, exif=exif.tobytes())
    result = fix_photo_bytes(buf.getvalue())
    assert result.check.ok, result.check.problems
    out = Image.open(io.BytesIO(result.jpeg))
    assert not out.getexif()  # camera make, orientation, GPS…: all gone
    assert_passes(result.jpeg)


def test_exif_rotated_phone_photo_is_draft_decoded_upright(monkeypatch):
    """A 10 MP phone photo stored sideways with a rotation flag: decoded at a JPEG draft scale (not in full)
    and still turned upright before the head is measured (a sideways face would not be found at all)."""
    from xueji_desktop.photos import imaging

    upright = portrait(7, size=(2400, 4000), head_ratio=0.3, head_top=0.22, background=(67, 142, 219))
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    upright.rotate(90, expand=True).save(buf, "JPEG", quality=85, exif=exif.tobytes())
    drafts = []
    real_open = imaging.open_image
    monkeypatch.setattr(imaging, "open_image", lambda data, draft=None: drafts.append(draft) or real_open(data, draft))
    result = fix_photo_bytes(buf.getvalue())
    assert drafts and all(d is not None and max(d) <= 2000 for d in drafts)   # never the 4000-px original
    assert result.check.ok, result.check.problems
    assert_passes(result.jpeg)


def test_off_centre_small_head_png_input():
    data = png(portrait(5, size=(800, 800), centre_x=0.3, head_ratio=0.35, head_top=0.2, jitter=False))
    assert_passes(fix_photo_bytes(data).jpeg)


def test_detailed_photo_gets_lower_quality_to_fit():
    img = portrait(6, size=(716, 882))
    noise = np.random.default_rng(1).normal(0, 25, (882, 716, 3))
    busy = Image.fromarray(np.clip(np.asarray(img) + noise, 0, 255).astype(np.uint8))
    result = fix_photo_bytes(jpeg(busy, quality=98))
    assert len(result.jpeg) < 60_000
    assert result.quality < 95


def test_face_near_edge_is_padded_with_backdrop_colour():
    data = jpeg(portrait(7, size=(500, 500), head_ratio=0.7, head_top=0.02, jitter=False))
    result = fix_photo_bytes(data)
    assert any("补齐" in n for n in result.notes)
    assert_passes(result.jpeg)


def test_not_an_image_is_refused_with_a_clear_message():
    with pytest.raises(BadInput, match="不是可处理的图片"):
        fix_photo_bytes(b"%PDF-1.7 ...", name="x.jpg")


def test_no_face_and_wrong_shape_is_refused():
    with pytest.raises(BadInput, match="找不到正面人脸"):
        fix_photo_bytes(jpeg(Image.new("RGB", (800, 500), (200, 200, 200))))
