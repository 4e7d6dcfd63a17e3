"""The two small neural networks the photo code runs, through OpenCV's own DNN module (no extra runtime).

Both come from Google MediaPipe 0.10.14 (Apache-2.0, the wheel on PyPI ships them under
``mediapipe/modules/``); copies with the licence are in ``resources/models/`` (README there). Nothing is
downloaded: the clerk's PC is offline.

- ``face_detection_short_range.tflite`` (BlazeFace, 230 KB): faces with six key points (both eyes, nose tip,
  mouth centre, both ear tragions), for faces filling more than about a fifth of its 128 × 128 input.
- ``selfie_segmentation.tflite`` (250 KB): a soft person/background mask at 256 × 256.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

from ..paths import resource

DETECT_INPUT = 128
SEGMENT_INPUT = 256
MIN_FACE_SCORE = 0.5   # MediaPipe's default min_detection_confidence
NMS_IOU = 0.3

_lock = threading.Lock()   # one cv2.dnn.Net is not safe to run from two threads at once (GUI worker + UI)


@cache
def _net(name: str) -> cv2.dnn.Net:
    path = resource("models", name)
    if not path.is_file():
        raise RuntimeError(f"photo model missing: {path}")
    net = cv2.dnn.readNetFromTFLite(str(path))
    return net


@cache
def _anchors() -> np.ndarray:
    """BlazeFace SSD anchor centres (896 × 2), as MediaPipe's SsdAnchorsCalculator makes them for the short-
    range model: strides 8, 16, 16, 16 with two anchors per cell, fixed size, offset 0.5."""
    centres = []
    for stride, per_cell in ((8, 2), (16, 6)):
        grid = DETECT_INPUT // stride
        for y in range(grid):
            for x in range(grid):
                centres.extend([((x + 0.5) / grid, (y + 0.5) / grid)] * per_cell)
    return np.array(centres, dtype=np.float32)


@dataclass(frozen=True)
class Detection:
    """One face in the pixel coordinates of the image it was found in."""
    score: float
    box: tuple[float, float, float, float]          # x, y, w, h
    right_eye: tuple[float, float]                   # the person's right eye (left in the picture)
    left_eye: tuple[float, float]
    nose: tuple[float, float]
    mouth: tuple[float, float]

    def mapped(self, scale: float, dx: float = 0.0, dy: float = 0.0) -> Detection:
        def p(pt):
            return (pt[0] * scale + dx, pt[1] * scale + dy)
        x, y, w, h = self.box
        return Detection(self.score, (x * scale + dx, y * scale + dy, w * scale, h * scale),
                         p(self.right_eye), p(self.left_eye), p(self.nose), p(self.mouth))


def _square_input(rgb: np.ndarray, size: int) -> tuple[np.ndarray, float]:
    """The image letterboxed into a size × size NCHW float blob in [-1, 1]; returns (blob, pixels per input
    pixel). Padding repeats the edge so no black bar looks like hair or a shoulder."""
    h, w = rgb.shape[:2]
    side = max(h, w)
    scale = size / side
    small = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    padded = cv2.copyMakeBorder(small, 0, size - small.shape[0], 0, size - small.shape[1], cv2.BORDER_REPLICATE)
    blob = (padded.astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)[None]
    return np.ascontiguousarray(blob), side / size


def detect_faces(rgb: np.ndarray) -> list[Detection]:
    """Faces in one pass over the whole (letterboxed) image, best first."""
    blob, px = _square_input(rgb, DETECT_INPUT)
    net = _net("face_detection_short_range.tflite")
    with _lock:
        net.setInput(blob)
        regressors, scores = net.forward(["regressors", "classificators"])
    raw = regressors.reshape(-1, 16) / DETECT_INPUT
    score = 1 / (1 + np.exp(-np.clip(scores.reshape(-1).astype(np.float64), -100, 100)))
    keep = np.flatnonzero(score >= MIN_FACE_SCORE)
    if not keep.size:
        return []
    anchors = _anchors()[keep]
    raw = raw[keep]
    centre = raw[:, :2] + anchors
    size = raw[:, 2:4]
    boxes = np.concatenate([centre - size / 2, size], axis=1) * DETECT_INPUT
    points = (raw[:, 4:16].reshape(-1, 6, 2) + anchors[:, None, :]) * DETECT_INPUT
    chosen = cv2.dnn.NMSBoxes(boxes.tolist(), score[keep].tolist(), MIN_FACE_SCORE, NMS_IOU)
    found = []
    for i in np.asarray(chosen).reshape(-1):
        kp = [tuple(map(float, points[i, k])) for k in range(4)]
        det = Detection(float(score[keep][i]), tuple(map(float, boxes[i])), kp[0], kp[1], kp[2], kp[3])
        found.append(det.mapped(px))
    return sorted(found, key=lambda d: d.score, reverse=True)


def person_mask(rgb: np.ndarray) -> np.ndarray:
    """Soft person mask (float32 0..1) at the size of ``rgb``."""
    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, (SEGMENT_INPUT, SEGMENT_INPUT), interpolation=cv2.INTER_AREA)
    blob = np.ascontiguousarray((small.astype(np.float32) / 255.0).transpose(2, 0, 1)[None])
    net = _net("selfie_segmentation.tflite")
    with _lock:
        net.setInput(blob)
        out = net.forward()
    mask = out.reshape(SEGMENT_INPUT, SEGMENT_INPUT)
    return cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR)
