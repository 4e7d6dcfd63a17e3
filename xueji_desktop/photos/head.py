"""The one measurement of a head that both ``check-photo`` and ``fix-photo`` use: top of the hair, chin, eye
line and the face's horizontal centre, in the pixels of the picture measured.

The fixer crops from this measurement and then runs the check on its output, which measures again with the
same code; so the two can only disagree by what the crop itself changes, and the fixer corrects that.

- Eyes, nose and mouth: BlazeFace key points (``models.detect_faces``).
- Chin: ``CHIN_BELOW_MOUTH`` eye-to-mouth distances below the mouth (calibrated on the real portraits in
  tests/photos/real: 0.61-0.70; the mouth sits lower when smiling, the chin too).
- Top of the hair, measured, never guessed from the face: on a plain backdrop the first rows above the face
  that differ from the backdrop colour; otherwise the top of the person mask (``models.person_mask``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import imaging, models, rules

CHIN_BELOW_MOUTH = 0.66
HAIR_ABOVE_EYES_MIN, HAIR_ABOVE_EYES_MAX = 0.8, 3.2   # sane range, in eye-to-mouth distances
HAIR_ABOVE_EYES_GUESS = 1.4   # only when the hair runs off the top edge: a bald-ish lower bound
HAIR_COLOUR_DELTA = 15.0      # CIE76 ΔE from the backdrop that counts as "not backdrop"
HAIR_ROW_SHARE = 0.5          # share of the band's pixels that must differ for a row to be hair
# A second face counts only when the detector is sure of it: at its default 0.5 it finds faces in the
# astronaut's helmet ring (0.55-0.69); real second faces in our test photos score above 0.8.
OTHER_FACE_SCORE = 0.75


@dataclass(frozen=True)
class Head:
    top: float          # top of the hair (y)
    chin: float         # y
    eye_y: float
    centre_x: float
    eye_distance: float
    score: float
    top_from: str       # "backdrop", "mask" or "edge" (the hair runs off the top: ``top`` is a lower bound)

    @property
    def height(self) -> float:
        return self.chin - self.top

    def mapped(self, scale: float, dx: float = 0.0, dy: float = 0.0) -> Head:
        """Into another picture's pixels: ``new = old * scale + offset``."""
        return Head(self.top * scale + dy, self.chin * scale + dy, self.eye_y * scale + dy,
                    self.centre_x * scale + dx, self.eye_distance * scale, self.score, self.top_from)


@dataclass(frozen=True)
class Measurement:
    heads: list[Head]           # best first
    backdrop: imaging.Backdrop

    @property
    def head(self) -> Head | None:
        return self.heads[0] if self.heads else None

    @property
    def several(self) -> bool:
        """A second face at least half as wide as the first: a group or a poster behind the person."""
        return len(self.heads) > 1 and self.heads[1].eye_distance > 0.5 * self.heads[0].eye_distance


def measure(rgb: np.ndarray, backdrop: imaging.Backdrop | None = None,
            mask: np.ndarray | None = None) -> Measurement:
    """Every face's head in ``rgb``. ``mask`` (a person mask the caller already has) saves a model run."""
    backdrop = backdrop or imaging.measure_backdrop(rgb)
    heads = []
    for det in models.detect_faces(rgb):
        if heads and det.score < OTHER_FACE_SCORE:
            continue
        head = _head(rgb, det, backdrop, mask)
        if head is not None:
            heads.append(head)
    return Measurement(heads, backdrop)


def _head(rgb: np.ndarray, det: models.Detection, backdrop: imaging.Backdrop,
          mask: np.ndarray | None) -> Head | None:
    eye_y = (det.right_eye[1] + det.left_eye[1]) / 2
    eye_x = (det.right_eye[0] + det.left_eye[0]) / 2
    eye_mouth = det.mouth[1] - eye_y
    if eye_mouth <= 2:
        return None                                  # upside down or not a face
    centre_x = (eye_x + det.mouth[0]) / 2
    chin = det.mouth[1] + CHIN_BELOW_MOUTH * eye_mouth
    eye_distance = float(np.hypot(det.left_eye[0] - det.right_eye[0], det.left_eye[1] - det.right_eye[1]))
    half_band = max(1.0, 0.5 * eye_distance)
    lowest, highest = eye_y - HAIR_ABOVE_EYES_MIN * eye_mouth, eye_y - HAIR_ABOVE_EYES_MAX * eye_mouth
    top, source = None, ""
    if backdrop.plain:
        top, source = _hair_top_on_backdrop(rgb, backdrop, centre_x, half_band, eye_y), "backdrop"
    if top is None or not highest <= top <= lowest:
        if mask is None:
            mask = models.person_mask(rgb)
        top, source = _hair_top_in_mask(mask, centre_x, half_band, eye_y), "mask"
    if top is None or top > lowest:
        top, source = eye_y - HAIR_ABOVE_EYES_GUESS * eye_mouth, "edge"
    elif top <= 0.5:
        # The hair touches the top edge: the real top is higher still; never report less than a short crop.
        top, source = min(0.0, eye_y - HAIR_ABOVE_EYES_GUESS * eye_mouth), "edge"
    return Head(float(top), float(chin), float(eye_y), float(centre_x), eye_distance, det.score, source)


def _band(width: int, centre_x: float, half_band: float) -> tuple[int, int]:
    return max(0, int(centre_x - half_band)), min(width, int(centre_x + half_band) + 1)


def _first_row(share: np.ndarray) -> float | None:
    """The first row of at least two consecutive rows over the threshold."""
    over = share >= HAIR_ROW_SHARE
    hits = np.flatnonzero(over[:-1] & over[1:]) if len(over) > 1 else np.flatnonzero(over)
    return float(hits[0]) if hits.size else None


def _hair_top_on_backdrop(rgb, backdrop: imaging.Backdrop, centre_x, half_band, eye_y) -> float | None:
    bottom = int(eye_y)
    if bottom < 2:
        return None
    x0, x1 = _band(rgb.shape[1], centre_x, half_band)
    if x1 - x0 < 2:
        return None
    band = rgb[:bottom, x0:x1]
    ref = imaging.rgb_to_lab(np.array(backdrop.rgb, dtype=np.uint8))
    distance = np.linalg.norm(imaging.rgb_to_lab(band) - ref, axis=2)
    return _first_row((distance > HAIR_COLOUR_DELTA).mean(axis=1))


def _hair_top_in_mask(mask: np.ndarray, centre_x, half_band, eye_y) -> float | None:
    bottom = int(eye_y)
    if bottom < 2:
        return None
    x0, x1 = _band(mask.shape[1], centre_x, half_band)
    if x1 - x0 < 2:
        return None
    return _first_row((mask[:bottom, x0:x1] > 0.5).mean(axis=1))


def geometry(head: Head, width: int, height: int) -> dict[str, float]:
    """The shares the rules speak of: head height / picture height, top / height, centre offset / width."""
    return {"head_ratio": head.height / height, "head_top": head.top / height,
            "face_offset": (head.centre_x - width / 2) / width}


def crop_box(head: Head) -> tuple[float, float, float, float]:
    """The 26:32 box with this head at the target share of its height and the hair top at the target row."""
    box_h = head.height / rules.HEAD_RATIO_TARGET
    box_w = box_h * rules.WIDTH / rules.HEIGHT
    top = head.top - rules.HEAD_TOP_TARGET * box_h
    left = head.centre_x - box_w / 2
    return left, top, left + box_w, top + box_h
