"""Replace the backdrop with the standard blue, keeping the person (clothes, hair, glasses) intact.

Only ever called when the user asked for it (CLI flag, or the GUI after showing the preview).
The person is cut out by MediaPipe's selfie-segmentation network (``models.person_mask``), which knows what a
person looks like, so a white shirt in front of a white wall stays a shirt. The colour-seeded GrabCut used
before turned light shirts blue; ``python bench/photo_mask.py`` measures both on the same evaluation set
(docs/photos.md has the numbers).

Edges are soft: the network's own probabilities are the opacity (hair stays hair, no hard staircase; on the
evaluation set raw probabilities had the smallest edge error of the steepenings tried, and leave a mean
opacity of 0.0025 on the backdrop). On a plain backdrop the old colour is also taken out of the
half-transparent edge pixels ("colour decontamination"), so no white or grey fringe is left around the hair.
"""

from __future__ import annotations

import numpy as np

from . import imaging, models, rules


def person_alpha(rgb: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Opacity of the person (float32 0..1) for every pixel of ``rgb``."""
    p = models.person_mask(rgb) if mask is None else mask
    return np.clip(p, 0.0, 1.0).astype(np.float32)


def replace_backdrop(rgb: np.ndarray, colour=rules.STANDARD_BLUE, *, alpha: np.ndarray | None = None) -> np.ndarray:
    alpha = person_alpha(rgb) if alpha is None else alpha
    a = alpha[..., None]
    new = np.asarray(colour, dtype=np.float32)
    person = rgb.astype(np.float32)
    backdrop = imaging.measure_backdrop(rgb)
    if backdrop.plain:
        # Observed = a·F + (1−a)·B_old, so F = (observed − (1−a)·B_old) / a on the soft edge.
        old = np.asarray(backdrop.rgb, dtype=np.float32)
        edge = (a > 0.05) & (a < 0.95)
        clean = np.clip((person - (1 - a) * old) / np.maximum(a, 0.05), 0, 255)
        person = np.where(edge, clean, person)
    return (person * a + new * (1 - a)).round().clip(0, 255).astype(np.uint8)
