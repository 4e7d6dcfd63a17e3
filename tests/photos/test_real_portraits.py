"""Real photographs (not composed by the project) through fix → check → pass, and fix/check agreement.

The portraits in tests/photos/real/ are public-domain photographs shipped inside PyPI packages (README.md
there): a NASA studio portrait and four White House photographs, in offices, at a lectern and in a hall,
with flags, curtains and people behind. None has a plain backdrop.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from xueji_desktop.errors import BadInput
from xueji_desktop.photos import head as head_measure
from xueji_desktop.photos import rules
from xueji_desktop.photos.check import check_photo_bytes
from xueji_desktop.photos.fix import GEOMETRY_CODES, fix_photo_bytes, fix_photo_file
from xueji_desktop.photos.synth import phone_photo, portrait

from .conftest import jpeg

REAL = Path(__file__).parent / "real"
PORTRAITS = ["astronaut.jpg", "obama_portrait.jpg", "obama_speech.jpg", "biden_standing.jpg"]


def real(name: str) -> bytes:
    return (REAL / name).read_bytes()


@pytest.mark.parametrize("name", PORTRAITS)
def test_real_portrait_fixed_with_background_replaced_passes_an_independent_check(name):
    result = fix_photo_bytes(real(name), replace_background=True)
    assert result.background_replaced
    assert result.check.ok, result.check.problems
    again = check_photo_bytes(result.jpeg)           # a fresh check of the written bytes, nothing shared
    assert again.ok, again.problems
    assert again.measured["faces"] == 1
    img = Image.open(io.BytesIO(result.jpeg))
    assert img.size == (358, 441) and len(result.jpeg) < 60_000
    # The person is kept: the middle of the face is skin, not the new blue.
    h = again.head
    r, _g, b = np.asarray(img.convert("RGB"))[round((h.eye_y + h.chin) / 2), round(h.centre_x)]
    assert r > b


@pytest.mark.parametrize("name", [*PORTRAITS, "obama_standing.jpg"])
def test_fix_and_check_agree_on_the_head_of_real_portraits(name):
    """Without background replacement the backdrop still fails, but never the geometry the fix produced."""
    result = fix_photo_bytes(real(name))
    assert not GEOMETRY_CODES & set(result.check.codes), result.check.problems
    m = result.check.measured
    assert abs(m["head_ratio"] - rules.HEAD_RATIO_TARGET) < 0.05
    assert abs(m["face_offset"]) < 0.04


def test_small_head_in_a_low_resolution_photo_is_said_not_hidden():
    result = fix_photo_bytes(real("obama_standing.jpg"), replace_background=True)
    assert any("像素高" in note for note in result.notes)
    if not result.check.ok:
        assert "blur" in result.check.codes


@pytest.mark.parametrize("head_ratio", [0.2, 0.26, 0.33, 0.45])
def test_phone_photos_of_every_head_size_come_out_with_the_geometry_the_check_wants(head_ratio):
    result = fix_photo_bytes(phone_photo(3, (1500, 2000), head_ratio=head_ratio), replace_background=True)
    assert result.check.ok, result.check.problems
    assert result.attempts <= 3


def test_a_crop_the_check_rejects_is_corrected_from_the_checks_own_measurement(monkeypatch):
    """Make the first crop wrong on purpose (as a disagreeing measurement would): the fix must notice it
    through the check and recrop until the check agrees."""
    real_crop_box = head_measure.crop_box
    calls = []

    def first_crop_too_tight(head):
        calls.append(head)
        left, top, right, bottom = real_crop_box(head)
        if len(calls) == 1:
            shrink = 0.2 * (bottom - top)
            return left + shrink * 0.4, top + shrink, right - shrink * 0.4, bottom - shrink
        return left, top, right, bottom

    monkeypatch.setattr(head_measure, "crop_box", first_crop_too_tight)
    result = fix_photo_bytes(real("obama_portrait.jpg"), replace_background=True)
    assert result.attempts >= 2
    assert result.check.ok, result.check.problems


def test_the_check_measures_the_hair_not_a_face_box():
    """The same face with a tall hairdo and cropped hair: only the top of the head moves, and the check
    follows it (a face-box rule would see the same head in both)."""
    base = portrait(2, background=(67, 142, 219), jitter=False)
    arr = np.asarray(base).copy()
    found = head_measure.measure(arr).head
    assert found.top_from == "backdrop"
    taller = arr.copy()
    x0, x1 = round(found.centre_x - 60), round(found.centre_x + 60)
    top = round(found.top)
    taller[top - 25:top, x0:x1] = (60, 45, 30)                    # hair piled 25 px higher
    higher = head_measure.measure(taller).head
    assert higher.top == pytest.approx(found.top - 25, abs=2)
    assert higher.chin == pytest.approx(found.chin, abs=1)


# ---- bad input: one clear message, nothing written ------------------------------------------------

def _sof_patched(size: tuple[int, int]) -> bytes:
    """A small real JPEG whose header claims ``size`` (what a 20,000 × 20,000 file looks like to a reader)."""
    data = bytearray(jpeg(portrait(1)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = size[1].to_bytes(2, "big") + size[0].to_bytes(2, "big")
    return bytes(data)


def _two_faces() -> bytes:
    one = portrait(4, size=(358, 441), jitter=False)
    both = Image.new("RGB", (716, 441), (67, 142, 219))
    both.paste(one, (0, 0))
    both.paste(one, (358, 0))
    return jpeg(both)


BAD = {
    "1×1": (lambda: jpeg(Image.new("RGB", (1, 1), (200, 10, 10))), "人脸"),
    "20000×20000": (lambda: _sof_patched((20000, 20000)), "像素过多"),
    "truncated": (lambda: jpeg(portrait(2, size=(900, 1200)))[:20_000], "无法读取"),
    "not an image": (lambda: b"%PDF-1.4 not a photo", "不是可处理的图片"),
    "no face": (lambda: jpeg(Image.new("RGB", (600, 800), (90, 160, 90))), "人脸"),
    "two faces": (_two_faces, "不止一张人脸"),
    "greyscale": (lambda: jpeg(portrait(6).convert("L")), "黑白"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_gets_one_clear_message_and_nothing_is_written(case, tmp_path):
    make, words = BAD[case]
    src, dst = tmp_path / "in.jpg", tmp_path / "out.jpg"
    src.write_bytes(make())
    with pytest.raises(BadInput) as err:
        fix_photo_file(src, dst)
    assert words in str(err.value)
    assert "Traceback" not in str(err.value)
    assert not dst.exists()
    assert not check_photo_bytes(src.read_bytes()).ok


def test_cmyk_and_png_named_jpg_real_portraits_are_fixed_to_rgb_jpeg():
    img = Image.open(REAL / "obama_speech.jpg")
    cmyk = io.BytesIO()
    img.convert("CMYK").save(cmyk, "JPEG", quality=92)
    as_png = io.BytesIO()
    img.save(as_png, "PNG")                         # a PNG, whatever the file is called
    for data in (cmyk.getvalue(), as_png.getvalue()):
        result = fix_photo_bytes(data, replace_background=True)
        out = Image.open(io.BytesIO(result.jpeg))
        assert out.format == "JPEG" and out.mode == "RGB"
        assert result.check.ok, result.check.problems
