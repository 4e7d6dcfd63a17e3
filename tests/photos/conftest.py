"""Photo fixtures: synthetic photos (a public-domain portrait, see resources/photos/README.md)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from xueji_desktop.photos.synth import demo_photo_jpeg, portrait


def jpeg(img: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    kw.setdefault("quality", 90)
    kw.setdefault("dpi", (300, 300))
    img.save(buf, "JPEG", **kw)
    return buf.getvalue()


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def good_photo() -> bytes:
    return demo_photo_jpeg(11)


@pytest.fixture
def small_school(tmp_path):
    """12 students (one class per grade, 1 per class... 2 per class) and no photos: fast to build."""
    from tests.conftest import PASSWORD
    from xueji_desktop.demo import create_demo_store

    store, _ = create_demo_store(tmp_path / "data" / "school.xjdb", password=PASSWORD, students_per_class=2,
                                 classes_per_grade=1, photos=False)
    yield store
    store.close()


__all__ = ["jpeg", "png", "portrait"]
