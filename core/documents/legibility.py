"""How much of a page survives its encoding: SSIM of the luminance, over the page and over the watermark.

The watermark is light (about 29 % ink) and thin, so it is what lossy encoding smears first: at a low
JPEG or WebP quality the page's black text still reads while the mark's strokes melt into blocks or
blur. ``mark_ssim`` therefore looks only at the windows that hold watermark ink, compared with the
lossless watermarked page; a figure near 1 means the strokes came through as drawn. It is a plain
SSIM (Wang et al. 2004: 8×8 box windows, K1 = 0.01, K2 = 0.03) on the luma, with NumPy only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

WINDOW = 8
C1 = (0.01 * 255) ** 2
C2 = (0.03 * 255) ** 2


@dataclass(frozen=True)
class Legibility:
    ssim: float        # mean over the page
    mark_ssim: float   # mean over the windows holding watermark ink


def _box(values: np.ndarray) -> np.ndarray:
    """Means over every WINDOW×WINDOW window that fits (a summed-area table)."""
    table = np.pad(values.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    w = WINDOW
    total = table[w:, w:] - table[:-w, w:] - table[w:, :-w] + table[:-w, :-w]
    return total / (w * w)


def ssim_map(a: Image.Image, b: Image.Image) -> np.ndarray:
    x = np.asarray(a.convert("L"), dtype=np.float64)
    y = np.asarray(b.convert("L"), dtype=np.float64)
    mx, my = _box(x), _box(y)
    vx, vy = _box(x * x) - mx * mx, _box(y * y) - my * my
    cov = _box(x * y) - mx * my
    return ((2 * mx * my + C1) * (2 * cov + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2))


def mark_windows(lines: tuple[str, str], size: tuple[int, int]) -> np.ndarray:
    """True for the windows (as in :func:`ssim_map`) that hold watermark ink."""
    from core.documents.watermark import apply_watermark

    blank = Image.new("RGB", size, "white")
    ink = np.asarray(apply_watermark(blank, lines).convert("L"), dtype=np.float64) < 250
    return _box(ink.astype(np.float64)) > 0.05


def compare(reference: Image.Image, encoded: Image.Image, lines: tuple[str, str]) -> Legibility:
    """``encoded`` against the lossless ``reference`` (both the watermarked page, same size)."""
    if reference.size != encoded.size:
        raise ValueError("the two pages differ in size")
    scores = ssim_map(reference, encoded)
    mask = mark_windows(lines, reference.size)
    return Legibility(ssim=float(scores.mean()), mark_ssim=float(scores[mask].mean()) if mask.any() else 1.0)
