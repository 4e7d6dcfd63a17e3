"""Replace a plain backdrop (white, grey, another blue) with the standard blue.

Only ever called when the user asked for it (CLI flag, or the GUI after showing the preview).
Segmentation: pixels close to the border colour and connected to the border are "surely backdrop";
the detected face box is "surely person"; OpenCV GrabCut decides the rest (hair edges, shoulders).
"""

from __future__ import annotations

import cv2
import numpy as np

from . import imaging, rules
from .imaging import Face


def replace_backdrop(rgb: np.ndarray, face: Face | None, colour=rules.STANDARD_BLUE) -> np.ndarray:
    height, width = rgb.shape[:2]
    backdrop = imaging.measure_backdrop(rgb)
    lab = imaging.rgb_to_lab(rgb)
    distance = np.linalg.norm(lab - imaging.rgb_to_lab(np.array(backdrop.rgb, dtype=np.uint8)), axis=2)
    close = (distance < rules.PLAIN_PIXEL_DELTA_E).astype(np.uint8)
    # Backdrop = the close-coloured regions that touch the border strips (a white shirt or teeth do not).
    _, labels = cv2.connectedComponents(close, connectivity=4)
    border_labels = np.unique(labels[imaging.border_mask(height, width) & (close == 1)])
    sure_bg = np.isin(labels, border_labels[border_labels > 0])

    mask = np.full((height, width), cv2.GC_PR_FGD, np.uint8)
    mask[close == 1] = cv2.GC_PR_BGD
    mask[cv2.erode(sure_bg.astype(np.uint8), np.ones((5, 5), np.uint8)) == 1] = cv2.GC_BGD
    if face is not None:
        x0, y0 = max(0, int(face.x + face.w * 0.15)), max(0, int(face.y))
        x1, y1 = min(width, int(face.x + face.w * 0.85)), min(height, int(face.y + face.h))
        mask[y0:y1, x0:x1] = cv2.GC_FGD
    if (mask == cv2.GC_BGD).any() and ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).any():
        bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
        cv2.grabCut(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), mask, None, bgd, fgd, 3, cv2.GC_INIT_WITH_MASK)
    person = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    person = cv2.morphologyEx(person, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    alpha = cv2.GaussianBlur(person.astype(np.float32), (5, 5), 0)[..., None]  # soft edge, no halo line
    blue = np.empty_like(rgb)
    blue[:] = colour
    return (rgb * alpha + blue * (1 - alpha)).round().astype(np.uint8)
