"""Codes on phone screens in a booth's light (岗亭光照): finder patterns, the regions they mark,
the preprocessing tried on those regions only, and the hint for the driver when none reads.

The cascade calls :func:`finder_regions` on a downscaled copy of the frame (a few milliseconds),
then tries :func:`booth_variants` on each region, cheapest first: local contrast for dim night
frames, flat-fielding against a screen's glare, erasing saturated bright spots, smoothing a
screen's moiré, sharpening motion blur. A region that still does not read is reported as an
:class:`UnreadRegion` with an :class:`AimHint` and its brightness, which the exposure loop uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from scanners.codes import AimHint, Quad, UnreadRegion, quad

# Finder search works on at most this many pixels across (720p → 640×360).
_FINDER_WIDTH = 640
SATURATED = 250  # grey level counted as blown out


@dataclass(frozen=True, slots=True)
class Finder:
    """One finder pattern (the nested squares in three corners of a QR code)."""

    x: float
    y: float
    size: float  # side in frame pixels (7 modules)


def find_finders(grey: np.ndarray) -> list[Finder]:
    """Finder patterns in an 8-bit grey frame: contours nested three deep, square-ish."""
    w = grey.shape[1]
    scale = min(1.0, _FINDER_WIDTH / w)
    lo, hi = np.percentile(grey[::16, ::16], (1, 99))
    small = grey if scale == 1.0 else cv2.resize(grey, None, fx=scale, fy=scale,
                                                 interpolation=cv2.INTER_AREA)
    if hi - lo < 80:  # a dim, noisy night frame: smooth the sensor noise first
        small = cv2.blur(small, (3, 3))
    block = max(int(min(small.shape) / 30) | 1, 11)
    offset = float(np.clip(0.06 * (hi - lo), 2.5, 5.0))
    binary = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C,
                                   cv2.THRESH_BINARY_INV, block, offset)
    found = _squares(binary, scale, _nested)
    if len(found) < 2:
        # Bands of light across the code (moiré, a sheen): compare each pixel with the local
        # brightest instead of the local mean.
        light = cv2.blur(cv2.dilate(small, np.ones((5, 5), np.uint8)), (5, 5))
        banded = np.where(small.astype(np.int16) * 100 < light.astype(np.int16) * 62,
                          np.uint8(255), np.uint8(0))
        found += _squares(banded, scale, _nested)
    if len(found) < 2:
        found += _squares(binary, scale, _smeared)
    return found


def _nested(contours: Sequence[np.ndarray], tree: np.ndarray, i: int,
            box: tuple[int, int, int, int], area: float, binary: np.ndarray) -> bool:
    """Nested three deep, square-ish: the finder pattern as printed."""
    child = tree[i][2]
    _, _, cw, ch = box
    if tree[child][2] < 0 or cw < 5 or ch < 5 or not 0.5 < cw / ch < 2.0:
        return False
    inner_area = max(cv2.contourArea(contours[tree[child][2]]), 1.0)
    return 2.0 < area / inner_area < 14.0 and area >= 0.6 * cw * ch


def _smeared(contours: Sequence[np.ndarray], tree: np.ndarray, i: int,
             box: tuple[int, int, int, int], area: float, binary: np.ndarray) -> bool:
    """Smeared by motion: the white ring closes along the motion, so the dark centre joins the
    outer square, leaving one to three holes; dark in the middle."""
    x, y, cw, ch = box
    if cw < 6 or ch < 6 or not 0.6 < cw / ch < 1.7:
        return False
    if area < 0.7 * cw * ch or not binary[y + ch // 2, x + cw // 2]:
        return False
    holes, count, child = 0.0, 0, tree[i][2]
    while child >= 0:
        holes += cv2.contourArea(contours[child])
        count += 1
        child = tree[child][0]
    return count <= 3 and 0.15 < holes / max(area, 1.0) < 0.6


_Shape = Callable[[Sequence[np.ndarray], np.ndarray, int, tuple[int, int, int, int], float,
                   np.ndarray], bool]


def _squares(binary: np.ndarray, scale: float, shape: _Shape) -> list[Finder]:
    """Dark contours with holes in a binary image (dark = 255) that pass ``shape``."""
    contours, hierarchy = cv2.findContours(binary, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    tree = hierarchy[0]
    found: list[Finder] = []
    for i, contour in enumerate(contours):
        if tree[i][2] < 0:
            continue
        x, y, cw, ch = cv2.boundingRect(contour)
        if shape(contours, tree, i, (x, y, cw, ch), cv2.contourArea(contour), binary):
            found.append(Finder(x=(x + cw / 2) / scale, y=(y + ch / 2) / scale,
                                size=(cw + ch) / 2 / scale))
    return found


def finder_regions(grey: np.ndarray) -> list[Quad]:
    """Axis-aligned regions around groups of two or more finder patterns of similar size."""
    finders = find_finders(grey)
    groups: list[list[Finder]] = []
    for f in finders:
        for group in groups:
            g = group[0]
            near = math.hypot(f.x - g.x, f.y - g.y) <= 9.0 * max(f.size, g.size)
            if near and 0.55 < f.size / g.size < 1.8 and all(
                math.hypot(f.x - o.x, f.y - o.y) > 0.7 * o.size for o in group
            ):
                group.append(f)
                break
        else:
            groups.append([f])
    h, w = grey.shape
    regions = []
    for group in groups:
        if len(group) < 2:
            continue
        xs = [f.x for f in group]
        ys = [f.y for f in group]
        size = max(f.size for f in group)
        span = max(max(xs) - min(xs), max(ys) - min(ys))
        # Two finders may be two corners of one side: the symbol can reach a side's length on.
        reach = size if len(group) >= 3 else span + size
        x0, x1 = max(min(xs) - reach, 0.0), min(max(xs) + reach, w - 1.0)
        y0, y1 = max(min(ys) - reach, 0.0), min(max(ys) + reach, h - 1.0)
        regions.append(quad([(x0, y0), (x1, y0), (x1, y1), (x0, y1)]))
    return regions


def inside(points: Quad, x: float, y: float) -> bool:
    """Whether (x, y) lies within the bounding box of ``points``."""
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs) <= x <= max(xs) and min(ys) <= y <= max(ys)


def bounding_box(grey: np.ndarray, points: Quad, margin: float = 0.0) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of ``points`` grown by ``margin`` × its side, clipped to the frame."""
    h, w = grey.shape
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    side = max(max(xs) - min(xs), max(ys) - min(ys), 1.0)
    grow = margin * side
    return (max(int(min(xs) - grow), 0), max(int(min(ys) - grow), 0),
            min(math.ceil(max(xs) + grow), w), min(math.ceil(max(ys) + grow), h))


def unread_region(grey: np.ndarray, points: Quad, module_px: float) -> UnreadRegion:
    """Brightness figures and the driver's hint for a region nothing could read."""
    x0, y0, x1, y1 = bounding_box(grey, points)
    crop = grey[y0:y1, x0:x1]
    brightness = float(crop.mean()) if crop.size else 0.0
    saturated = float(np.count_nonzero(crop >= SATURATED)) / crop.size if crop.size else 0.0
    if brightness > 185 and saturated > 0.25:
        hint = AimHint.DIM_SCREEN
    elif saturated > 0.01:
        hint = AimHint.TILT_PHONE
    else:
        hint = AimHint.MOVE_CLOSER
    return UnreadRegion(points=points, hint=hint, brightness=brightness, saturated=saturated,
                        module_px=module_px)


def _clahe(crop: np.ndarray) -> np.ndarray:
    tiles = max(min(crop.shape) // 80, 2)
    return np.asarray(cv2.createCLAHE(clipLimit=3.0, tileGridSize=(tiles, tiles)).apply(crop))


def _flat_field(crop: np.ndarray, reach: float = 1 / 6) -> np.ndarray:
    """Divide out light that varies over ``reach`` of the crop (a screen's glare) and stretch
    what is left; the light is the local maximum, since white modules are never far apart."""
    k = max(int(min(crop.shape) * reach), 3) | 1
    light = cv2.dilate(crop, np.ones((max(k // 2, 3), max(k // 2, 3)), np.uint8))
    light = cv2.blur(light, (k, k)).astype(np.float32) + 1.0
    flat = crop.astype(np.float32) / light
    lo, hi = float(flat.min()), float(flat.max())
    return np.asarray((flat - lo) * (255.0 / max(hi - lo, 1e-6)), dtype=np.uint8)


def _erase_spots(crop: np.ndarray) -> np.ndarray:
    """Blown-out spots become the local mid-grey: erasures for error correction, not white."""
    spots = crop >= SATURATED
    if not spots.any():
        return crop
    k = max(min(crop.shape) // 8, 3) | 1
    mid = cv2.medianBlur(crop, k if k < 255 else 255)
    spots = cv2.dilate(spots.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    out = crop.copy()
    out[spots] = mid[spots] // 2 + 64
    return out


def _smooth_moire(crop: np.ndarray) -> np.ndarray:
    """A phone screen's moiré: smooth the pixel-grid texture, then divide out the beat bands,
    a few modules apart."""
    return _flat_field(np.asarray(cv2.GaussianBlur(crop, (0, 0), 1.3)), reach=1 / 16)


def _sharpen(crop: np.ndarray) -> np.ndarray:
    soft = cv2.GaussianBlur(crop, (0, 0), 2.0)
    return np.asarray(cv2.addWeighted(crop, 2.0, soft, -1.0, 0))


_VARIANTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "clahe": _clahe,
    "flat": _flat_field,
    "spots": _erase_spots,
    "moire": _smooth_moire,
    "sharpen": _sharpen,
}


def booth_variants(crop: np.ndarray) -> Iterator[tuple[str, Callable[[np.ndarray], np.ndarray]]]:
    """The preprocessing steps for a region's crop, by name, the likeliest first.

    Each costs about the same (one filter and one zxing pass on the crop), so the order comes
    from what the crop shows: blown-out pixels → spots and glare first; dim → local contrast
    first; otherwise moiré and blur first.
    """
    sample = crop[::4, ::4]
    lo, hi = np.percentile(sample, (1, 99))
    if np.count_nonzero(sample >= SATURATED) > 0.01 * sample.size:
        order = ("spots", "flat", "clahe", "moire", "sharpen")
    elif hi < 90 or hi - lo < 60:
        order = ("clahe", "flat", "moire", "sharpen", "spots")
    else:
        order = ("moire", "sharpen", "flat", "clahe", "spots")
    for name in order:
        yield name, _VARIANTS[name]
