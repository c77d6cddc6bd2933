"""Reading codes on cloth and bent paper (布面/弯曲): resample the module grid, then let the grid
follow the folds.

zxing samples a located symbol on one perspective grid. On a T-shirt the fabric bends the grid, so
modules drift by half a module and Reed–Solomon gives up. Here the grid starts from the located
corners; every iteration each module centre moves (within ±0.4 module) to where the picture is
most clearly dark or light against its local threshold, and the moves are smoothed over
neighbouring modules (the fabric bends smoothly). The sampled modules are drawn as a clean
symbol and handed to zxing, so error correction and text decoding stay zxing's.
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

from scanners.codes import Quad

# (smoothing of the displacement field in modules, search radius in modules, pre-blur sigma):
# the variants that read the bent codes of qr-samples, most successful first.
_VARIANTS = ((3.0, 0.4, 0.8), (3.0, 0.4, 0.0), (3.0, 0.3, 0.0), (2.5, 0.3, 0.0))
_ITERATIONS = 10
_SIZES = tuple(range(21, 58, 4))  # QR versions 1–10: codes held up at a booth are small


def _grid(h: np.ndarray, n: int) -> np.ndarray:
    c = np.arange(n, dtype=np.float64) + 0.5
    gx, gy = np.meshgrid(c, c)
    pts = np.stack([gx.ravel(), gy.ravel(), np.ones(n * n)], axis=1) @ h.T
    grid: np.ndarray = (pts[:, :2] / pts[:, 2:]).reshape(n, n, 2).astype(np.float32)
    return grid


def _sample(image: np.ndarray, xy: np.ndarray) -> np.ndarray:
    return cv2.remap(image, xy[..., 0], xy[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


def clean_symbol(modules: np.ndarray, module_px: int = 6) -> np.ndarray:
    """A bool module matrix (True = dark) drawn as a clean grey symbol with a quiet zone."""
    img = np.pad(np.where(modules, 0, 255).astype(np.uint8), 4, constant_values=255)
    return np.repeat(np.repeat(img, module_px, axis=0), module_px, axis=1)


def symbol_sizes(corners: Quad, min_module_px: float = 2.0) -> list[int]:
    """Module counts worth trying for a symbol spanning ``corners`` (modules ≥ min_module_px)."""
    q = np.asarray(corners, np.float64)
    side = (np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[3] - q[0])) / 2.0
    return [n for n in _SIZES if side / n >= min_module_px]


def bent_grids(grey: np.ndarray, corners: Quad, n: int) -> Iterator[np.ndarray]:
    """Module matrices (True = dark) sampled on grids that follow the folds, one per variant.

    ``corners``: the symbol's four outer corners (clockwise from top-left), ``n`` modules a side.
    Yields each variant's successive iterations; callers stop at the first that reads.
    """
    q = np.asarray(corners, np.float32)
    square = np.array([[0, 0], [n, 0], [n, n], [0, n]], np.float32)
    h = cv2.getPerspectiveTransform(square, q).astype(np.float64)
    module = float(np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[3] - q[0])) / (2 * n)
    k = int(module * 5) | 1
    offsets = [(dx, dy) for dy in np.linspace(-1, 1, 5) for dx in np.linspace(-1, 1, 5)]
    for sigma, radius, blur in _VARIANTS:
        img: np.ndarray = grey.astype(np.float32)
        if blur:
            img = np.asarray(cv2.GaussianBlur(img, (0, 0), blur))
        threshold = cv2.blur(img, (k, k))
        xy = _grid(h, n)
        for _ in range(_ITERATIONS):
            yield _sample(img, xy) < _sample(threshold, xy)
            best = np.zeros_like(xy)
            score = np.full(xy.shape[:2], -np.inf, np.float32)
            for dx, dy in offsets:
                shift = np.array([dx * radius * module, dy * radius * module], np.float32)
                moved = xy + shift
                # a small pull towards the current place: ties do not wander
                s = (np.abs(_sample(img, moved) - _sample(threshold, moved))
                     - 20.0 * radius * radius * (dx * dx + dy * dy))
                better = s > score
                score[better] = s[better]
                best[better] = shift
            xy = xy + cv2.GaussianBlur(best, (0, 0), sigma)
