"""The photo rules of the 学籍 system and the tolerances we check them with.

Rules (spec README §5, seed 001): light-blue background RGB (67, 142, 219); 358 × 441 px (26 × 32 mm);
300 dpi or more; JPEG under 60 KB; colour; face centred, head about 2/3 of the height; sharp.
The tolerances below are ours (the rules give none); each is chosen so that the photos our fixer writes
pass with room to spare while white/grey/other-blue backgrounds, off-centre or tiny heads are caught.
"""

from __future__ import annotations

STANDARD_BLUE = (67, 142, 219)
WIDTH, HEIGHT = 358, 441
MIN_DPI = 300
# "under 60 KB": we read KB as 1000 bytes, the stricter reading, so a file we pass is never rejected.
MAX_BYTES = 60_000
# A photo file we read at all (phone photos are 2–15 MB; a bigger one is not a photo to fix): infiles.read_regular
MAX_FILE_BYTES = 64 << 20

# Background: measured on the border (top strip + both side strips of the upper half), where a correct
# ID photo shows only backdrop. CIEDE2000 distance of the median border colour to the standard blue.
BORDER_FRACTION = 0.06
BACKGROUND_MAX_DELTA_E = 10.0  # ΔE00 ≈ 2 is "just noticeable"; 10 tolerates studio lighting and JPEG drift
# A backdrop is "plain" (safe to replace automatically) when most border pixels sit close to its median.
PLAIN_PIXEL_DELTA_E = 12.0
PLAIN_MIN_SHARE = 0.85

# Greyscale: mean spread between the largest and the smallest RGB channel, in 0..255 units.
GREYSCALE_MAX_SPREAD = 4.0

# Head geometry, measured by photos/head.py (top of the hair to the chin; face centre between eyes and mouth).
HEAD_RATIO_TARGET = 2 / 3
HEAD_RATIO_TOLERANCE = 0.09        # accept 0.58 .. 0.76 of the height
CENTRE_TOLERANCE = 0.07            # face centre within ±7 % of the width from the middle
HEAD_TOP_TARGET = 0.09             # where the fixer puts the top of the head (share of the height)
HEAD_TOP_RANGE = (-0.03, 0.20)     # accepted by the checker

# Sharpness: variance of the Laplacian of the grey image at 358 × 441.
BLUR_MIN_VARIANCE = 40.0
