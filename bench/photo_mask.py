"""Mask evaluation for background replacement: today's person network vs the colour-seeded GrabCut it replaced.

    python bench/photo_mask.py [--seeds 4] [--save DIR]

Evaluation set (generated, with exact ground truth): the public-domain portrait cutout of
resources/photos/demo_face.png (its alpha is the truth) composed at 358 × 441 on
  backdrops  white, light grey, grey, another blue, a warm wall, and three patterns (stripes, checks,
             a noisy gradient), and
  variants   as is; a light shirt (the clothes repainted near-white, the case that turned blue before);
             loose hair (thin strands drawn out of the hair, partly transparent, counted as person);
             glasses (dark frames across the eyes and the bridge of the nose);
with ``--seeds`` positions/scales each. ``--save DIR`` writes every case, truth and both results as PNGs.

Scores per method (means over the cases of a row):
  IoU     intersection over union of person pixels (alpha > 0.5) with the truth;
  shirt   share of the clothes' pixels kept as person (1.00 = no blue shirt);
  leak    share of true backdrop pixels kept as person (old backdrop left in the photo);
  edge    mean |alpha − truth| within 6 px of the true outline (soft edges; hair strands);
  ms      time per 358 × 441 photo.
GrabCut here is the code the project used until this change (border-connected backdrop colour as sure
background, the face as sure person, OpenCV GrabCut for the rest, 5-px feather).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2
import numpy as np
from PIL import Image, ImageDraw

W, H = 358, 441
BACKDROPS = {
    "white": (246, 246, 244), "light grey": (215, 215, 212), "grey": (128, 128, 128),
    "other blue": (20, 80, 170), "warm wall": (226, 208, 176),
    "stripes": "stripes", "checks": "checks", "noisy gradient": "gradient",
}
VARIANTS = ("as is", "light shirt", "loose hair", "glasses")
# Cutout geometry (resources/photos/demo_face.png): hair top, chin row, eye row, face centre.
HAIR_TOP, CHIN, EYES, FACE_CX = 14, 172, 106, 134


def backdrop(kind, rng: random.Random) -> np.ndarray:
    if isinstance(kind, tuple):
        return np.broadcast_to(np.array(kind, np.uint8), (H, W, 3)).copy()
    y, x = np.mgrid[0:H, 0:W]
    if kind == "stripes":
        band = ((x + y // 3) // 18) % 2
        return np.where(band[..., None] == 1, (200, 190, 170), (120, 140, 160)).astype(np.uint8)
    if kind == "checks":
        cell = ((x // 30) + (y // 30)) % 2
        return np.where(cell[..., None] == 1, (235, 235, 235), (90, 110, 90)).astype(np.uint8)
    base = np.stack([150 + 60 * x / W, 120 + 80 * y / H, 200 - 60 * x / W], axis=2)
    noise = np.random.default_rng(rng.randrange(10**6)).normal(0, 14, (H, W, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def person(variant: str, rng: random.Random) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """RGB, alpha (float 0..1) and a clothes mask of the cutout with ``variant`` applied (cutout pixels)."""
    from xueji_desktop.paths import resource

    rgba = np.asarray(Image.open(resource("photos", "demo_face.png")).convert("RGBA")).astype(np.float32)
    rgb, alpha = rgba[..., :3].copy(), rgba[..., 3] / 255
    rows = np.arange(alpha.shape[0])[:, None]
    clothes = (alpha > 0.5) & (rows > CHIN + 8)
    if variant == "light shirt":
        lum = rgb[clothes].mean(axis=1, keepdims=True)
        rgb[clothes] = np.clip(200 + 0.35 * (lum - lum.mean()), 0, 255) * np.array([1.0, 1.0, 0.98])
    elif variant == "loose hair":
        img = Image.new("L", (alpha.shape[1], alpha.shape[0]), 0)
        draw = ImageDraw.Draw(img)
        for _ in range(40):
            angle = rng.uniform(np.pi * 0.05, np.pi * 0.95)
            r0 = rng.uniform(70, 95)
            x0, y0 = FACE_CX - r0 * np.cos(angle), 95 - r0 * np.sin(angle)
            length = rng.uniform(12, 30)
            x1, y1 = x0 - length * np.cos(angle) * 0.8, y0 - length * np.sin(angle) * 0.6 + rng.uniform(-6, 6)
            draw.line([(x0, y0), (x1, y1)], fill=150, width=1)
        strands = np.asarray(img, np.float32) / 255
        new = strands * (1 - alpha)
        rgb = rgb * (1 - new[..., None]) + np.array([95, 70, 40]) * new[..., None]   # hair colour
        alpha = np.maximum(alpha, strands)
    elif variant == "glasses":
        img = Image.fromarray(rgb.astype(np.uint8))
        draw = ImageDraw.Draw(img)
        for cx in (FACE_CX - 22, FACE_CX + 22):
            draw.ellipse([cx - 17, EYES - 11, cx + 17, EYES + 11], outline=(25, 25, 25), width=3)
        draw.line([(FACE_CX - 5, EYES - 2), (FACE_CX + 5, EYES - 2)], fill=(25, 25, 25), width=3)
        rgb = np.asarray(img, np.float32)
    return rgb, alpha, clothes


def compose(kind, variant: str, seed: int):
    rng = random.Random(seed)
    rgb, alpha, clothes = person(variant, rng)
    scale = rng.uniform(0.62, 0.7) * H / (CHIN - HAIR_TOP)
    size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
    rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
    clothes = cv2.resize(clothes.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(bool)
    left = round(W / 2 + rng.uniform(-8, 8) - FACE_CX * scale)
    top = round(0.09 * H + rng.uniform(-6, 6) - HAIR_TOP * scale)
    canvas_a = np.zeros((H, W), np.float32)
    canvas_rgb = np.zeros((H, W, 3), np.float32)
    canvas_c = np.zeros((H, W), bool)
    ys, xs = slice(max(0, top), min(H, top + size[1])), slice(max(0, left), min(W, left + size[0]))
    src = (slice(ys.start - top, ys.stop - top), slice(xs.start - left, xs.stop - left))
    canvas_a[ys, xs], canvas_rgb[ys, xs], canvas_c[ys, xs] = alpha[src], rgb[src], clothes[src]
    back = backdrop(BACKDROPS[kind], rng).astype(np.float32)
    photo = canvas_rgb * canvas_a[..., None] + back * (1 - canvas_a[..., None])
    return np.clip(photo, 0, 255).round().astype(np.uint8), canvas_a, canvas_c


def grabcut_alpha(rgb: np.ndarray) -> np.ndarray:
    """The replaced method, as it was: border-seeded colour GrabCut with the face as sure person."""
    from xueji_desktop.photos import head, imaging, rules

    height, width = rgb.shape[:2]
    backdrop_ = imaging.measure_backdrop(rgb)
    lab = imaging.rgb_to_lab(rgb)
    distance = np.linalg.norm(lab - imaging.rgb_to_lab(np.array(backdrop_.rgb, dtype=np.uint8)), axis=2)
    close = (distance < rules.PLAIN_PIXEL_DELTA_E).astype(np.uint8)
    _, labels = cv2.connectedComponents(close, connectivity=4)
    border = np.zeros((height, width), bool)
    bh, bw = max(2, round(height * rules.BORDER_FRACTION)), max(2, round(width * rules.BORDER_FRACTION))
    border[:bh], border[: height // 2, :bw], border[: height // 2, -bw:] = True, True, True
    border_labels = np.unique(labels[border & (close == 1)])
    sure_bg = np.isin(labels, border_labels[border_labels > 0])
    mask = np.full((height, width), cv2.GC_PR_FGD, np.uint8)
    mask[close == 1] = cv2.GC_PR_BGD
    mask[cv2.erode(sure_bg.astype(np.uint8), np.ones((5, 5), np.uint8)) == 1] = cv2.GC_BGD
    found = head.measure(rgb, backdrop_, mask=np.zeros((height, width), np.float32)).head
    if found is not None:
        half = found.eye_distance * 0.7
        y0, y1 = int(max(0, found.eye_y - half)), int(min(height, found.chin - 0.1 * found.height))
        x0, x1 = int(max(0, found.centre_x - half)), int(min(width, found.centre_x + half))
        mask[y0:y1, x0:x1] = cv2.GC_FGD
    if (mask == cv2.GC_BGD).any() and ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).any():
        bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
        cv2.grabCut(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), mask, None, bgd, fgd, 3, cv2.GC_INIT_WITH_MASK)
    fg = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    return cv2.GaussianBlur(fg.astype(np.float32), (5, 5), 0)


def network_alpha(rgb: np.ndarray) -> np.ndarray:
    from xueji_desktop.photos.background import person_alpha

    return person_alpha(rgb)


def scores(pred: np.ndarray, truth: np.ndarray, clothes: np.ndarray) -> dict[str, float]:
    p, t = pred > 0.5, truth > 0.5
    outline = cv2.morphologyEx(t.astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((13, 13), np.uint8)) > 0
    return {"IoU": (p & t).sum() / max(1, (p | t).sum()),
            "shirt": p[clothes].mean() if clothes.any() else 1.0,
            "leak": p[~t].mean(),
            "edge": np.abs(pred - truth)[outline].mean()}


METHODS = {"GrabCut (before)": grabcut_alpha, "person network (now)": network_alpha}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--save", type=Path)
    args = parser.parse_args()
    network_alpha(np.zeros((H, W, 3), np.uint8))      # load the model before timing
    rows: dict[str, dict[str, list[dict[str, float]]]] = {}
    times = {m: 0.0 for m in METHODS}
    cases = 0
    for kind in BACKDROPS:
        for variant in VARIANTS:
            for seed in range(args.seeds):
                photo, truth, clothes = compose(kind, variant, seed * 97 + len(kind))
                cases += 1
                for method, func in METHODS.items():
                    start = time.perf_counter()
                    alpha = func(photo)
                    times[method] += time.perf_counter() - start
                    for key in (kind, variant, "all"):
                        rows.setdefault(key, {}).setdefault(method, []).append(scores(alpha, truth, clothes))
                    if args.save:
                        args.save.mkdir(parents=True, exist_ok=True)
                        stem = f"{kind}-{variant}-{seed}".replace(" ", "_")
                        Image.fromarray(photo).save(args.save / f"{stem}.png")
                        Image.fromarray((truth * 255).astype(np.uint8)).save(args.save / f"{stem}-truth.png")
                        tag = "grabcut" if "Grab" in method else "network"
                        Image.fromarray((alpha * 255).astype(np.uint8)).save(args.save / f"{stem}-{tag}.png")
    print(f"{cases} cases (358×441): {len(BACKDROPS)} backdrops × {len(VARIANTS)} variants × {args.seeds} seeds")
    header = f"{'':16s}" + "".join(f"| {m:^33s}" for m in METHODS)
    print(header)
    print(f"{'':16s}" + "| IoU   shirt  leak   edge       " * len(METHODS))
    for key in [*BACKDROPS, *VARIANTS, "all"]:
        line = f"{key:16s}"
        for method in METHODS:
            s = rows[key][method]
            mean = {k: np.mean([r[k] for r in s]) for k in s[0]}
            line += f"| {mean['IoU']:.3f} {mean['shirt']:.3f} {mean['leak']:.3f} {mean['edge']:.3f}      "
        print(line)
    print("ms per photo: " + ", ".join(f"{m} {1000 * t / cases:.0f}" for m, t in times.items()))


if __name__ == "__main__":
    main()
