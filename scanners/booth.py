"""Codes on phone screens in a booth's light (岗亭光照): finder patterns, the regions they mark,
the preprocessing tried on those regions only, and the hint for the driver when none reads.

The cascade calls :func:`finder_regions` on a downscaled copy of the frame (a few milliseconds),
then tries :func:`booth_variants` on each region, cheapest and likeliest first, by what the crop
shows: clipped by a reflection → a threshold against a window a few modules wide (a sheen of
glare), sharpening, local contrast; dim → smoothing the sensor noise, then flat-fielding or a
dark-anchored threshold; otherwise → the dark-anchored threshold (a screen's moiré dims the white
modules by turns, never lightens the dark ones), the mid-grey threshold and sharpening (motion
blur). A region that still does not read is reported as an :class:`UnreadRegion` with an
:class:`AimHint` and its brightness, which the exposure loop uses.
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
# Fewer dark pixels than this in the adaptive threshold (640×360): nothing code-like in view.
_FEATURELESS = 200


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
    traced = _contours(binary)  # traced once, looked at for both shapes
    found = _squares(traced, binary, scale, _nested)
    if len(found) < 2 and cv2.countNonZero(binary) < _FEATURELESS:
        # No edges at all against the local mean: an empty lane, a black or blown-out frame.
        # The other two searches found nothing in any such frame of the booth-light and
        # exposure sets; skipping them saves five OpenCV calls in every frame of an empty lane.
        return found
    if len(found) < 2:
        # Bands of light across the code (moiré, a sheen): compare each pixel with the local
        # brightest instead of the local mean. (small < 0.62 × light, in three OpenCV calls
        # rather than eight NumPy passes: each gives the interpreter lock up, which inside the
        # desk costs a wait to win it back. For whole numbers, small < x exactly when
        # small < ⌈x⌉, and adding 0.4999 before rounding gives ⌈x⌉.)
        light = cv2.blur(cv2.dilate(small, np.ones((5, 5), np.uint8)), (5, 5))
        ceiling = cv2.addWeighted(light, 0.62, light, 0.0, 0.4999)
        banded = cv2.compare(small, ceiling, cv2.CMP_LT)
        found += _squares(_contours(banded), banded, scale, _nested)
    if len(found) < 2:
        found += _squares(traced, binary, scale, _smeared)
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


_Traced = tuple[Sequence[np.ndarray], np.ndarray | None]


def _contours(binary: np.ndarray) -> _Traced:
    """Every contour of a binary image (dark = 255) and their tree (None: no contour)."""
    contours, hierarchy = cv2.findContours(binary, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
    return contours, (hierarchy[0] if hierarchy is not None else None)


def _squares(traced: _Traced, binary: np.ndarray, scale: float, shape: _Shape) -> list[Finder]:
    """Dark contours with holes that pass ``shape``."""
    contours, tree = traced
    if tree is None:
        return []
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


def _clahe(crop: np.ndarray, module_px: float) -> np.ndarray:
    tiles = max(min(crop.shape) // 80, 2)
    return np.asarray(cv2.createCLAHE(clipLimit=3.0, tileGridSize=(tiles, tiles)).apply(crop))


def _flat_field(crop: np.ndarray, module_px: float = 0.0, reach: float = 1 / 6) -> np.ndarray:
    """Divide out light that varies over ``reach`` of the crop (a screen's glare) and stretch
    what is left; the light is the local maximum, since white modules are never far apart."""
    k = max(int(min(crop.shape) * reach), 3) | 1
    light = cv2.dilate(crop, np.ones((max(k // 2, 3), max(k // 2, 3)), np.uint8))
    light = cv2.blur(light, (k, k)).astype(np.float32) + 1.0
    flat = crop.astype(np.float32) / light
    lo, hi = float(flat.min()), float(flat.max())
    return np.asarray((flat - lo) * (255.0 / max(hi - lo, 1e-6)), dtype=np.uint8)


def _erase_spots(crop: np.ndarray, module_px: float) -> np.ndarray:
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


def _smooth_flat(crop: np.ndarray, module_px: float) -> np.ndarray:
    """Smooth the pixel-grid texture and the sensor noise of a dim frame, then divide out light
    that varies over a few modules."""
    return _flat_field(np.asarray(cv2.GaussianBlur(crop, (0, 0), 1.3)), reach=1 / 16)


def _sharpen(crop: np.ndarray, module_px: float) -> np.ndarray:
    soft = cv2.GaussianBlur(crop, (0, 0), 2.0)
    return np.asarray(cv2.addWeighted(crop, 2.0, soft, -1.0, 0))


def _levels(crop: np.ndarray) -> tuple[float, float]:
    """The crop's dark and light levels (3rd and 97th percentile of every third pixel)."""
    lo, hi = np.percentile(crop[::3, ::3], (3, 97))
    return float(lo), float(hi)


def _dark_threshold(crop: np.ndarray, module_px: float) -> np.ndarray:
    """A phone screen's moiré: the beat bands dim the white modules by turns, but the dark
    modules stay dark in every band, so one threshold a fifth of the way up from the dark level
    separates them where any local threshold follows the bands."""
    lo, hi = _levels(crop)
    return np.asarray(cv2.threshold(crop, lo + 0.2 * (hi - lo), 255, cv2.THRESH_BINARY)[1])


def _mid_threshold(crop: np.ndarray, module_px: float) -> np.ndarray:
    """Motion blur: the smear leaves each module's centre on its own side of the middle grey,
    which a local average (following the smear) does not."""
    lo, hi = _levels(crop)
    return np.asarray(cv2.threshold(crop, (lo + hi) / 2, 255, cv2.THRESH_BINARY)[1])


def _local_threshold(crop: np.ndarray, module_px: float) -> np.ndarray:
    """A sheen of glare across the code: threshold against the mean of a window four modules
    wide, narrower than the sheen's gradient (zxing's own window is fixed in pixels)."""
    k = max(int(4 * module_px), 3) | 1
    return np.asarray(cv2.adaptiveThreshold(crop, 255, cv2.ADAPTIVE_THRESH_MEAN_C,
                                            cv2.THRESH_BINARY, k, 2))


def _denoise_threshold(crop: np.ndarray, module_px: float) -> np.ndarray:
    """A dim, noisy night frame: smooth the sensor noise, then the dark-anchored threshold."""
    return _dark_threshold(np.asarray(cv2.GaussianBlur(crop, (0, 0), 1.0)), module_px)


_VARIANTS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "clahe": _clahe,
    "flat": _flat_field,
    "spots": _erase_spots,
    "smooth": _smooth_flat,
    "sharpen": _sharpen,
    "dark": _dark_threshold,
    "mid": _mid_threshold,
    "local": _local_threshold,
    "denoise": _denoise_threshold,
}
CLIPPED = 254  # grey level at which the sensor clipped (a screen's own white is below)

# The order for each look of a crop, from the generated booth-light set (bench_decode --booth):
# what read the frames zxing alone could not, likeliest first.
_ORDERS = {
    "clipped": ("local", "sharpen", "clahe", "dark", "mid", "flat", "spots"),
    "dim": ("smooth", "denoise", "clahe", "local", "dark"),
    "plain": ("dark", "mid", "sharpen", "local", "smooth", "clahe"),
}


def crop_look(crop: np.ndarray) -> str:
    """``clipped`` (a reflection blew part of it out), ``dim`` or ``plain``."""
    sample = crop[::4, ::4]
    lo, hi = np.percentile(sample, (1, 99))
    if np.count_nonzero(sample >= CLIPPED) > 0.01 * sample.size:
        return "clipped"
    if hi < 90 or hi - lo < 60:
        return "dim"
    return "plain"


def _at_module(variant: Callable[[np.ndarray, float], np.ndarray],
               module_px: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda crop: variant(crop, module_px)


def booth_variants(crop: np.ndarray, module_px: float
                   ) -> Iterator[tuple[str, Callable[[np.ndarray], np.ndarray]]]:
    """The preprocessing steps for a region's crop (modules ``module_px`` wide), by name, the
    likeliest first.

    Each costs about the same (one filter and one zxing pass on the crop), so the order comes
    from what the crop shows: clipped pixels → glare and spots first; dim → smoothing and local
    contrast first; otherwise moiré and blur first.
    """
    for name in _ORDERS[crop_look(crop)]:
        yield name, _at_module(_VARIANTS[name], module_px)
