"""check-photo on held-out-style cases: each defect is caught with its own code, good photos pass."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageFilter

from xueji_desktop.photos.check import check_photo_bytes
from xueji_desktop.photos.imaging import delta_e_2000
from xueji_desktop.photos.synth import demo_photo_jpeg, portrait

from .conftest import jpeg, png


def codes(data: bytes) -> set[str]:
    return {p.code for p in check_photo_bytes(data).problems}


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_demo_photos_pass_every_check(seed):
    result = check_photo_bytes(demo_photo_jpeg(seed))
    assert result.ok and result.problems == [], result.problems
    assert result.measured["faces"] == 1
    assert abs(result.measured["head_ratio"] - 2 / 3) < 0.09


def test_wrong_pixel_size():
    img = Image.open(io.BytesIO(demo_photo_jpeg(1))).resize((400, 500))
    assert "size.pixels" in codes(jpeg(img))


def test_png_renamed_jpg_is_found_by_content(tmp_path):
    from xueji_desktop.photos.check import check_photo_file

    path = tmp_path / "130102201001011234.jpg"
    path.write_bytes(png(portrait(2)))
    result = check_photo_file(path)
    assert not result.ok
    assert "format.not_jpeg" in result.codes
    assert "PNG" in next(p.message for p in result.problems if p.code == "format.not_jpeg")


@pytest.mark.parametrize("background", [(255, 255, 255), (128, 128, 128), (20, 60, 160), (135, 206, 250)])
def test_wrong_backdrop_colour(background):
    result = check_photo_bytes(jpeg(portrait(3, background=background)))
    assert "background.colour" in result.codes
    assert not result.ok


def test_slightly_different_blue_within_tolerance():
    assert "background.colour" not in codes(jpeg(portrait(3, background=(72, 146, 222))))


def test_oversize_file():
    noise = np.random.default_rng(0).integers(0, 255, (441, 358, 3), dtype=np.uint8)
    data = jpeg(Image.fromarray(noise), quality=100)
    assert len(data) > 60_000
    assert "size.bytes" in codes(data)


def test_off_centre_face():
    result = check_photo_bytes(jpeg(portrait(4, centre_x=0.33, jitter=False)))
    assert "face.off_centre" in result.codes
    assert "偏左" in next(p.message for p in result.problems if p.code == "face.off_centre")


def test_head_too_small_and_too_large():
    assert "face.too_small" in codes(jpeg(portrait(5, head_ratio=0.42, head_top=0.2, jitter=False)))
    assert "face.too_large" in codes(jpeg(portrait(5, head_ratio=0.9, head_top=0.02, jitter=False)))


def test_greyscale_both_as_grey_jpeg_and_as_grey_rgb():
    grey = portrait(6).convert("L")
    assert "colour.greyscale" in codes(jpeg(grey))
    assert "colour.greyscale" in codes(jpeg(grey.convert("RGB")))


def test_blurred():
    result = check_photo_bytes(jpeg(portrait(7).filter(ImageFilter.GaussianBlur(5))))
    assert "blur" in result.codes


def test_missing_dpi_is_only_a_warning():
    img = Image.open(io.BytesIO(demo_photo_jpeg(8)))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    result = check_photo_bytes(buf.getvalue())
    problem = next(p for p in result.problems if p.code == "dpi.missing")
    assert problem.severity == "warning"
    assert result.ok


def test_low_dpi_is_an_error():
    assert "dpi.low" in codes(jpeg(portrait(8), dpi=(96, 96)))


def test_no_face():
    assert "face.missing" in codes(jpeg(Image.new("RGB", (358, 441), (67, 142, 219))))


def test_not_an_image_at_all():
    result = check_photo_bytes(b"PK\x03\x04 this is a zip, not a photo")
    assert result.codes == ["format.unreadable"] and not result.ok


def test_ciede2000_matches_published_reference_pairs():
    # Sharma, Wu, Dalal (2005), table 1, pairs 1, 3 and 34.
    pairs = [([50, 2.6772, -79.7751], [50, 0, -82.7485], 2.0425), ([50, 2.8361, -74.0200], [50, 0, -82.7485], 3.4412),
             ([2.0776, 0.0795, -1.1350], [0.9033, -0.0636, -0.5514], 0.9082)]
    for a, b, expected in pairs:
        assert float(delta_e_2000(np.array(a), np.array(b))) == pytest.approx(expected, abs=1e-4)


def test_heic_gets_a_specific_message():
    fake_heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    result = check_photo_bytes(fake_heic)
    assert result.codes == ["format.unreadable"] and "HEIC" in result.problems[0].message
