"""A decoded photo as a viewer shows it (EXIF orientation applied) without turning its pixels.

Phones store most portraits sideways with an orientation flag. Turning a 3 MP draft decode upright costs
5-10 ms, more than cutting the photo out of it; so the head is measured on a small upright copy and the
358 × 441 crop is cut from the stored pixels and turned afterwards.
"""

from __future__ import annotations

from PIL import Image

# What ImageOps.exif_transpose does for each EXIF orientation value.
TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
             5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
             8: Image.Transpose.ROTATE_90}


class OrientedPicture:
    """``raw`` (RGB, as stored in the file) seen through EXIF ``orientation``; sizes and boxes are upright."""

    def __init__(self, raw: Image.Image, orientation: int = 1) -> None:
        self.raw = raw
        self.method = TRANSPOSE.get(orientation)
        self.swaps = orientation in (5, 6, 7, 8)

    @property
    def size(self) -> tuple[int, int]:
        return (self.raw.height, self.raw.width) if self.swaps else self.raw.size

    @property
    def width(self) -> int:
        return self.size[0]

    @property
    def height(self) -> int:
        return self.size[1]

    def _turned(self, img: Image.Image) -> Image.Image:
        return img.transpose(self.method) if self.method is not None else img

    def upright(self) -> Image.Image:
        """The whole picture turned upright (costly for a large one; only the rare padded crop needs it)."""
        return self._turned(self.raw)

    def reduce(self, factor: int) -> Image.Image:
        """An upright copy ``factor`` times smaller (box filter)."""
        return self._turned(self.raw.reduce(factor) if factor > 1 else self.raw)

    def resize(self, size: tuple[int, int], resample, box: tuple[float, float, float, float],
               **kwargs) -> Image.Image:
        """Upright ``box`` (inside the picture) resized to the upright ``size``: resized as stored, then turned."""
        raw_size = (size[1], size[0]) if self.swaps else size
        return self._turned(self.raw.resize(raw_size, resample, box=self.raw_box(box), **kwargs))

    def raw_box(self, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        """An upright box in the stored pixels' coordinates."""
        w, h = self.raw.size
        corners = [self._raw_point(x, y, w, h) for x, y in ((box[0], box[1]), (box[2], box[3]))]
        xs, ys = sorted(c[0] for c in corners), sorted(c[1] for c in corners)
        return xs[0], ys[0], xs[1], ys[1]

    def _raw_point(self, x: float, y: float, w: int, h: int) -> tuple[float, float]:
        m = self.method
        if m is None:
            return x, y
        return {Image.Transpose.FLIP_LEFT_RIGHT: (w - x, y), Image.Transpose.ROTATE_180: (w - x, h - y),
                Image.Transpose.FLIP_TOP_BOTTOM: (x, h - y), Image.Transpose.TRANSPOSE: (y, x),
                Image.Transpose.ROTATE_270: (y, h - x), Image.Transpose.TRANSVERSE: (w - y, h - x),
                Image.Transpose.ROTATE_90: (w - y, x)}[m]
