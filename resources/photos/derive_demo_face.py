"""One-off: derive demo_face.png from scikit-image's astronaut.png (see README.md). Not run by the app.

Usage: python derive_demo_face.py PATH/TO/astronaut.png
"""

import sys

import cv2
import numpy as np
from PIL import Image

src = np.array(Image.open(sys.argv[1]).convert("RGB"))
crop = src[0:290, 90:340].copy()
mask = np.zeros(crop.shape[:2], np.uint8)
bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
cv2.grabCut(cv2.cvtColor(crop, cv2.COLOR_RGB2BGR), mask, (25, 8, 200, 282), bgd, fgd, 8, cv2.GC_INIT_WITH_RECT)
fg = np.where((mask == 1) | (mask == 3), 255, 0).astype(np.uint8)
n, labels, stats, _ = cv2.connectedComponentsWithStats(fg)
fg = np.where(labels == 1 + np.argmax(stats[1:, cv2.CC_STAT_AREA]), 255, 0).astype(np.uint8)
fg = cv2.GaussianBlur(cv2.morphologyEx(fg, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8)), (5, 5), 0)
Image.fromarray(np.dstack([crop, fg])).save("demo_face.png", optimize=True)
