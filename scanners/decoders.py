"""QR decoders behind one interface, and the cascade the checkpoint uses.

Backends (measured on ../shared/data/qr-samples, see docs/scanning.md):

- ``zxing``: zxing-cpp, restricted to QR Model 1/2 (Micro QR gave false reads inside damaged
  codes) in plain text mode (otherwise control characters come back as ``<SOH>``). Fast, best.
- ``zbar``: zbar through pyzbar's bindings, in binary mode so Chinese UTF-8 comes out right.
- ``opencv``: OpenCV's QRCodeDetector; slowest, last resort.
- ``auto``: :class:`CascadeDecoder`, zxing first and the heavier paths only when needed.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar, runtime_checkable

import cv2
import numpy as np
import zxingcpp

from scanners import _zbar
from scanners.bent import bent_grids, clean_symbol, symbol_sizes
from scanners.booth import (
    booth_variants,
    bounding_box,
    find_finders,
    finder_regions,
    inside,
    unread_region,
)
from scanners.codes import (
    BackendUnavailable,
    DecodedCode,
    DecodeResult,
    ImageReadError,
    Quad,
    ScanError,
    UnreadRegion,
    quad,
    repair_sjis_mojibake,
    text_from_bytes,
)

BACKENDS = ("auto", "zxing", "zbar", "opencv")

_T = TypeVar("_T")

# Micro QR and rMQR excluded: Micro QR gave a false read inside a damaged code. Kept as a list
# (built into BarcodeFormats per call): a module-level nanobind object outlives the extension at
# interpreter exit and nanobind reports it as a leak.
_QR_FORMATS = (zxingcpp.QRCodeModel1, zxingcpp.QRCodeModel2)


@runtime_checkable
class Decoder(Protocol):
    """Finds every QR code in one image (BGR, BGRA or 8-bit grey numpy array)."""

    name: str

    def decode(self, image: np.ndarray) -> DecodeResult:
        """All codes found, with the time taken."""
        ...


def to_grey(image: np.ndarray) -> np.ndarray:
    """8-bit single-channel view or copy of a BGR/BGRA/grey image."""
    if image.ndim == 2:
        grey = image
    elif image.ndim == 3 and image.shape[2] == 3:
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    elif image.ndim == 3 and image.shape[2] == 4:
        grey = cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    elif image.ndim == 3 and image.shape[2] == 1:
        grey = image[:, :, 0]
    else:
        raise ValueError(f"not an image array: shape {image.shape}")
    if grey.dtype != np.uint8:
        top = max(float(grey.max()), 1.0)
        grey = (grey.astype(np.float32) * (255.0 / top)).astype(np.uint8)
    return np.ascontiguousarray(grey)


def _fine_thread_clock() -> bool:
    """Whether this thread's CPU clock ticks finely (Linux, macOS: nanoseconds) rather than at
    the scheduler's tick (Windows: 15.6 ms), found by watching it for up to 20 ms of work (on
    Linux the first step comes within microseconds)."""
    start = time.thread_time()
    deadline = time.perf_counter() + 0.02
    while time.perf_counter() < deadline:
        step = time.thread_time() - start
        if step > 0.0:
            return step < 0.001
    return False


#: The clock a live frame's budget is charged on: the decoding thread's CPU time where the
#: system measures it finely, so that being preempted by another process (a busy machine) does
#: not count as work done and does not bar the rescue tiers; else the wall clock.
BUDGET_CLOCK: Callable[[], float] = (time.thread_time if _fine_thread_clock()
                                     else time.perf_counter)


def _timed(fn: Callable[[np.ndarray], list[DecodedCode]], image: np.ndarray) -> DecodeResult:
    t0, c0 = time.perf_counter(), time.thread_time()
    codes = fn(to_grey(image))
    return DecodeResult(codes=codes, ms=(time.perf_counter() - t0) * 1000.0,
                        cpu_ms=(time.thread_time() - c0) * 1000.0)


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A symbol zxing located but could not decode (checksum or format error)."""

    points: Quad


def _zxing_points(pos: zxingcpp.Position) -> Quad:
    return quad(
        [(p.x, p.y) for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)]
    )


def _spans(points: Quad, least_px: float = 4.0) -> bool:
    """Whether a located symbol covers some area (not a point or a line)."""
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return max(xs) - min(xs) >= least_px and max(ys) - min(ys) >= least_px


def _zxing_read(
    grey: np.ndarray,
    *,
    binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage,
    try_invert: bool = True,
    try_downscale: bool = True,
    name: str = "zxing",
) -> tuple[list[DecodedCode], list[_Candidate]]:
    found: list[DecodedCode] = []
    failed: list[_Candidate] = []
    for bc in zxingcpp.read_barcodes(
        grey,
        formats=zxingcpp.BarcodeFormats(list(_QR_FORMATS)),
        text_mode=zxingcpp.TextMode.Plain,
        binarizer=binarizer,
        try_invert=try_invert,
        try_downscale=try_downscale,
        return_errors=True,
    ):
        points = _zxing_points(bc.position)
        if bc.valid:
            found.append(
                DecodedCode(text=bc.text, raw=bytes(bc.bytes), points=points, backend=name)
            )
        elif _spans(points):  # zxing also reports failures with no position (all corners 0,0)
            failed.append(_Candidate(points))
    return found, failed


class ZxingDecoder:
    """zxing-cpp: QR Model 1/2 only, plain text, inverted and downscaled variants tried."""

    def __init__(
        self,
        binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage,
        name: str = "zxing",
    ) -> None:
        self.binarizer = binarizer
        self.name = name

    def codes(self, grey: np.ndarray) -> list[DecodedCode]:
        """Codes in an 8-bit grey image."""
        return _zxing_read(grey, binarizer=self.binarizer, name=self.name)[0]

    def decode(self, image: np.ndarray) -> DecodeResult:
        return _timed(self.codes, image)


def _zbar_corners(points: Sequence[tuple[float, float]]) -> Quad:
    """zbar lists a QR's corners as top-left, bottom-left, bottom-right, top-right."""
    if len(points) == 4:
        return quad([points[0], points[3], points[2], points[1]])
    # Not a plain quadrilateral: report its bounding box (clockwise from top-left).
    xs = [p[0] for p in points] or [0.0]
    ys = [p[1] for p in points] or [0.0]
    return quad([(min(xs), min(ys)), (max(xs), min(ys)), (max(xs), max(ys)), (min(xs), max(ys))])


class ZbarDecoder:
    """zbar via pyzbar in binary mode; charset chosen by us (UTF-8 first), so Chinese is right."""

    def __init__(self, name: str = "zbar", invert: bool = False) -> None:
        _zbar.lib()  # fail now, with a clear message, when the library is missing
        self.name = name
        self.invert = invert

    def codes(self, grey: np.ndarray) -> list[DecodedCode]:
        """Codes in an 8-bit grey image."""
        found = []
        for sym in _zbar.scan(grey, invert=self.invert):
            text = text_from_bytes(sym.data) if sym.raw else repair_sjis_mojibake(
                sym.data.decode("utf-8", errors="replace")
            )
            raw = sym.data if sym.raw else text.encode("utf-8")
            found.append(DecodedCode(text=text, raw=raw, points=_zbar_corners(sym.points),
                                     backend=self.name))
        return found

    def decode(self, image: np.ndarray) -> DecodeResult:
        return _timed(self.codes, image)


def _opencv_raw(data: bytes) -> bytes:
    """The symbol's bytes from what OpenCV returns.

    Without an ECI, OpenCV passes valid UTF-8 through but re-encodes anything else as if it were
    ISO-8859-1 (Shift_JIS ﾃﾞｻﾞｲﾝ arrives as ÃÞ»Þ²Ý). Undo that: if the text is all Latin-1
    and its Latin-1 bytes are not valid UTF-8, those bytes are what the symbol holds.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    if text.isascii() or max(map(ord, text)) > 0xFF:
        return data
    original = text.encode("iso-8859-1")
    try:
        original.decode("utf-8")
    except UnicodeDecodeError:
        return original
    return data


class OpenCvDecoder:
    """OpenCV's QRCodeDetector (or the ArUco-based one), reading raw bytes."""

    def __init__(self, aruco: bool = False, name: str = "opencv") -> None:
        self.name = name
        self._detector: cv2.QRCodeDetector | cv2.QRCodeDetectorAruco = (
            cv2.QRCodeDetectorAruco() if aruco else cv2.QRCodeDetector()
        )

    def codes(self, grey: np.ndarray) -> list[DecodedCode]:
        """Codes in an 8-bit grey image."""
        try:
            ok, payloads, points, _ = self._detector.detectAndDecodeBytesMulti(grey)
        except cv2.error:
            return []
        if not ok or points is None:
            return []
        found = []
        for data, pts in zip(payloads, points, strict=False):
            if not data:  # located but not decoded
                continue
            raw = _opencv_raw(bytes(data))
            found.append(DecodedCode(text=text_from_bytes(raw), raw=raw, points=quad(pts),
                                     backend=self.name))
        return found

    def decode(self, image: np.ndarray) -> DecodeResult:
        return _timed(self.codes, image)


def _merge(into: list[DecodedCode], new: Iterable[DecodedCode]) -> int:
    """Append codes whose payload is not already present; returns how many were added."""
    seen = {c.raw for c in into}
    added = 0
    for code in new:
        if code.raw not in seen:
            into.append(code)
            seen.add(code.raw)
            added += 1
    return added


def _covered(candidate: _Candidate, codes: Sequence[DecodedCode]) -> bool:
    """Whether a decoded code lies where zxing located the failed candidate."""
    xs = [p[0] for p in candidate.points]
    ys = [p[1] for p in candidate.points]
    for code in codes:
        cx, cy = code.center()
        if min(xs) <= cx <= max(xs) and min(ys) <= cy <= max(ys):
            return True
    return False


def _from_crop(codes: list[DecodedCode], x0: int, y0: int, scale: float,
               name: str) -> list[DecodedCode]:
    """Codes read in a (scaled) crop, with their corners back in frame pixels."""
    return [
        DecodedCode(text=c.text, raw=c.raw, backend=name,
                    points=quad([(x0 + x / scale, y0 + y / scale) for x, y in c.points]))
        for c in codes
    ]


def _zxing_codes(grey: np.ndarray, name: str) -> list[DecodedCode]:
    return _zxing_read(grey, name=name, try_downscale=False)[0]


def _prepared_codes(prepare: Callable[[np.ndarray], np.ndarray], crop: np.ndarray,
                    name: str) -> list[DecodedCode]:
    """zxing on a crop after one preprocessing step (the step's cost counted with the read)."""
    return _zxing_codes(prepare(crop), name)


def _centre(points: Quad) -> tuple[float, float]:
    return (sum(p[0] for p in points) / 4.0, sum(p[1] for p in points) / 4.0)


def _module_px(points: Quad, modules: int) -> float:
    """Module size of a symbol of ``modules`` a side spanning ``points`` (an estimate)."""
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return max(max(xs) - min(xs), max(ys) - min(ys)) / modules


# Live frames: what a stage is assumed to cost before it has run once (720p, 2 cores). The
# whole-frame fallbacks are slow; without a guess the first frames would run them all.
_FIRST_GUESS_MS = {"zbar": 20.0, "opencv": 30.0, "bent": 30.0, "rescue": 10.0,
                   "booth": 1.5}  # each booth-light variant (a filter and zxing on a crop)


#: Live, the search for finder patterns beside codes that read runs in one such frame of this many.
BESIDE_CODES_EVERY = 3


class CascadeDecoder:
    """zxing first; heavier paths only for what the cheap path could not read.

    1. zxing-cpp (local-average binariser, inverted and downscaled variants). Besides the codes it
       reads, it reports symbols it located but could not decode.
    2. For each located-but-unread symbol: crop it, upscale so modules are several pixels wide,
       thicken the dark modules (erode) and try zxing again, then zbar on a lightly blurred crop
       (fabric prints and screen moiré).
    3. Only if the frame still yielded nothing: zxing with the global-histogram binariser (codes
       with image texture inside the modules), then zbar on the whole frame, then OpenCV.

    ``budget_ms`` (live video) skips a further stage when its running cost estimate would
    overrun the budget; the next frame gets another chance anyway. ``None`` (files) runs all.
    The budget is charged on :data:`BUDGET_CLOCK` (the thread's CPU time where it is fine).
    """

    name = "auto"

    def __init__(self, budget_ms: float | None = None, *, use_zbar: bool = True,
                 use_opencv: bool = True) -> None:
        self.budget_ms = budget_ms
        self._use_zbar = use_zbar
        self._opencv = OpenCvDecoder(name="opencv") if use_opencv else None
        self._cost_ms: dict[str, float] = {}
        self._warm: set[str] = set()
        self._beside_codes = 0  # live frames in which codes were read, for the finder search

    # -- stage helpers -------------------------------------------------------------------------

    @functools.cached_property
    def _zbar(self) -> ZbarDecoder | None:
        """zbar, loaded when a stage first needs it (2.6 MiB of libraries a desk whose codes read
        at once never uses); None when not wanted or not installed (the cascade works without
        it, a little less well)."""
        if not self._use_zbar:
            return None
        try:
            return ZbarDecoder(name="zbar")
        except BackendUnavailable:
            return None

    def _affordable(self, stage: str, t0: float) -> bool:
        if self.budget_ms is None:
            return True
        elapsed = (BUDGET_CLOCK() - t0) * 1000.0
        guess = _FIRST_GUESS_MS.get(stage, _FIRST_GUESS_MS.get(stage.partition("-")[0], 0.0))
        cost = self._cost_ms.get(stage, guess)
        if elapsed + cost <= self.budget_ms:
            return True
        # Skipped: let the estimate fade, so that one slow run (a cold start, a busy moment)
        # does not bar the stage for good; it is measured afresh when it next runs (~3 s on).
        self._cost_ms[stage] = 0.98 * cost
        return False

    def _run(self, stage: str, fn: Callable[[], _T]) -> _T:
        t = BUDGET_CLOCK()
        out = fn()
        ms = (BUDGET_CLOCK() - t) * 1000.0
        if stage not in self._warm:
            # The first run of a stage pays one-off set-up (OpenCV's and zxing's first calls):
            # no estimate from it.
            self._warm.add(stage)
            return out
        prev = self._cost_ms.get(stage)
        # Running estimate that follows a cost rise at once and forgets a spike slowly.
        self._cost_ms[stage] = ms if prev is None else max(ms, 0.8 * prev + 0.2 * ms)
        return out

    def _rescue(self, grey: np.ndarray, cand: _Candidate) -> list[DecodedCode]:
        """Try the heavy variants on one located-but-unread symbol."""
        x0, y0, x1, y1 = bounding_box(grey, cand.points, 0.35)  # the binariser needs the quiet zone
        if x1 - x0 < 8 or y1 - y0 < 8:
            return []
        crop = grey[y0:y1, x0:x1]
        # Twice the size but at most ~900 px: enough pixels per module, bounded cost.
        scale = min(2.0, 900.0 / max(crop.shape))
        big = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        eroded = cv2.erode(big, np.ones((3, 3), np.uint8))
        codes = _from_crop(_zxing_read(eroded, name="zxing")[0], x0, y0, scale, "zxing")
        zbar = None if codes else self._zbar
        if zbar is None:
            return codes
        blurred = cv2.blur(crop, (3, 3))
        codes = _from_crop(zbar.codes(blurred), x0, y0, 1.0, "zbar")
        if codes:
            return codes
        return _from_crop(zbar.codes(big), x0, y0, scale, "zbar")

    def _booth(self, grey: np.ndarray, points: Quad, t0: float) -> list[DecodedCode]:
        """A region where finder patterns were seen, under the booth-light preprocessing:
        cheapest first, each variant only while the frame's budget lasts."""
        x0, y0, x1, y1 = bounding_box(grey, points, 0.2)
        if x1 - x0 < 16 or y1 - y0 < 16:
            return []
        crop = grey[y0:y1, x0:x1]
        scale = 1.0
        module = _module_px(points, 33)
        if module < 3.0:  # small modules: upscale so the filters have pixels
            scale = 2.0
            crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        for name, prepare in booth_variants(crop, module * scale):
            stage = f"booth-{name}"
            if not self._affordable(stage, t0):
                continue
            label = f"zxing+{name}"
            codes = self._run(stage, functools.partial(_prepared_codes, prepare, crop, label))
            if codes:
                return _from_crop(codes, x0, y0, scale, f"zxing+{name}")
        return []

    @staticmethod
    def _bent(grey: np.ndarray, points: Quad) -> list[DecodedCode]:
        """A located symbol resampled on a grid that follows folds (codes printed on cloth)."""
        x0, y0, x1, y1 = bounding_box(grey, points, 0.1)
        crop = np.ascontiguousarray(grey[y0:y1, x0:x1])
        finders = find_finders(crop)
        if not finders:  # the size of a module comes from the finder patterns
            return []
        q = np.asarray(points)
        side = (np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[3] - q[0])) / 2.0
        modules = side / (float(np.median([f.size for f in finders])) / 7.0)
        sizes = sorted(symbol_sizes(points), key=lambda n: abs(n - modules))[:2]
        for n in sizes:
            for modules_matrix in bent_grids(grey, points, n):
                codes = _zxing_read(clean_symbol(modules_matrix), name="zxing+bent",
                                    try_invert=False, try_downscale=False)[0]
                if codes:
                    return [DecodedCode(text=c.text, raw=c.raw, points=points, backend=c.backend)
                            for c in codes]
        return []

    def _zxing_hist(self, grey: np.ndarray) -> list[DecodedCode]:
        hist = zxingcpp.Binarizer.GlobalHistogram
        found = _zxing_read(grey, binarizer=hist, try_downscale=False)[0]
        if found:
            return found
        blurred = cv2.blur(grey, (3, 3))
        return (_zxing_read(blurred, binarizer=hist)[0]
                or _zxing_read(blurred, try_invert=False)[0])

    # -- the cascade ---------------------------------------------------------------------------

    def codes(self, grey: np.ndarray) -> list[DecodedCode]:
        """Codes in an 8-bit grey image."""
        return self.scan(grey)[0]

    def scan(self, grey: np.ndarray) -> tuple[list[DecodedCode], list[UnreadRegion]]:
        """Codes in an 8-bit grey image, and the code-like regions that could not be read."""
        t0 = BUDGET_CLOCK()
        found, failed = self._run("zxing", lambda: _zxing_read(grey, name="zxing"))
        unread: list[tuple[Quad, float]] = []
        for cand in failed:
            # zxing's inverted/downscaled passes may locate one symbol several times
            if _covered(cand, found) or any(inside(q, *_centre(cand.points)) for q, _ in unread):
                continue
            codes: list[DecodedCode] = []
            if self._affordable("rescue", t0):
                codes = self._run("rescue", functools.partial(self._rescue, grey, cand))
            if not codes:
                codes = self._booth(grey, cand.points, t0)
            if not codes and self._affordable("bent", t0):
                codes = self._run("bent", functools.partial(self._bent, grey, cand.points))
            if codes:
                _merge(found, codes)
            else:
                unread.append((cand.points, _module_px(cand.points, 29)))
        # Always when nothing was read (a millisecond or two): it is how the desk knows a code is
        # in view but unread, which the aiming aid and the exposure loop depend on. Beside codes
        # that read (a second phone in view that zxing did not even locate), within the budget,
        # and live only in every third such frame: a phone held up is read in frame after frame,
        # and the search's OpenCV calls each give the interpreter lock up, which inside the
        # desk costs a wait to win back (issue 14); a second phone is still found within a
        # fifth of a second at 15 fps.
        beside = bool(found)
        if beside and self.budget_ms is not None:
            self._beside_codes += 1
            beside = self._beside_codes % BESIDE_CODES_EVERY == 1
        searched = (self._run("finders", lambda: finder_regions(grey))
                    if not found or (beside and self._affordable("finders", t0)) else [])
        for region in searched:
            if any(inside(region, *c.center()) for c in found) or any(
                inside(region, *_centre(q)) for q, _ in unread
            ):
                continue
            codes = self._booth(grey, region, t0)
            if codes:
                _merge(found, codes)
            else:
                unread.append((region, _module_px(region, 33)))
        # Live, only where something code-like was seen: a camera looking at an empty lane
        # would otherwise pay for every fallback (files get them all).
        if not found and (self.budget_ms is None or unread):
            found = self._whole_frame(grey, t0)
        unread = [(q, m) for q, m in unread if not any(inside(q, *c.center()) for c in found)]
        return found, [unread_region(grey, q, m) for q, m in unread]

    def _whole_frame(self, grey: np.ndarray, t0: float) -> list[DecodedCode]:
        """The heavier whole-frame paths, for a frame in which nothing was read."""
        if self._affordable("zxing-hist", t0):
            # Global histogram: codes with picture texture inside the modules; a 3×3 blur first
            # removes screen moiré and halftone dots.
            found = self._run("zxing-hist", lambda: self._zxing_hist(grey))
            if found:
                return found
        zbar = self._zbar if self._affordable("zbar", t0) else None  # loaded only if it runs
        if zbar is not None:
            found = self._run("zbar", lambda: zbar.codes(grey))
            if found:
                return found
        opencv = self._opencv
        if opencv is not None and self._affordable("opencv", t0):
            return self._run("opencv", lambda: opencv.codes(grey))
        return []

    def decode(self, image: np.ndarray) -> DecodeResult:
        t0, c0 = time.perf_counter(), time.thread_time()
        codes, unread = self.scan(to_grey(image))
        return DecodeResult(codes=codes, ms=(time.perf_counter() - t0) * 1000.0,
                            cpu_ms=(time.thread_time() - c0) * 1000.0, unread=tuple(unread))


def make_decoder(backend: str = "auto", *, budget_ms: float | None = None) -> Decoder:
    """The decoder for a backend name (``auto``, ``zxing``, ``zbar``, ``opencv``)."""
    if backend == "auto":
        return CascadeDecoder(budget_ms=budget_ms)
    if backend == "zxing":
        return ZxingDecoder()
    if backend == "zbar":
        return ZbarDecoder()
    if backend == "opencv":
        return OpenCvDecoder()
    raise ScanError(f"unknown decoder backend {backend!r}; choose one of {', '.join(BACKENDS)}")


_per_thread = threading.local()


def _shared_decoder(backend: str) -> Decoder:
    """One decoder per backend and thread (OpenCV's detector objects are not thread-safe)."""
    decoders: dict[str, Decoder] | None = getattr(_per_thread, "decoders", None)
    if decoders is None:
        decoders = _per_thread.decoders = {}
    decoder = decoders.get(backend)
    if decoder is None:
        decoder = decoders[backend] = make_decoder(backend)
    return decoder


def decode_frame(frame: np.ndarray, backend: str = "auto") -> DecodeResult:
    """Every QR code in one image array (BGR, BGRA or grey)."""
    return _shared_decoder(backend).decode(frame)


def read_image(path: str | Path) -> np.ndarray:
    """An image file as a BGR array; ImageReadError with a plain message when impossible."""
    p = Path(path)
    if not p.exists():
        raise ImageReadError(f"image file not found: {p}")
    if not p.is_file():
        raise ImageReadError(f"not a file: {p}")
    try:
        data = np.fromfile(p, dtype=np.uint8)  # cv2.imread cannot open non-ASCII paths on Windows
    except OSError as exc:
        raise ImageReadError(f"cannot read {p}: {exc.strerror or exc}") from exc
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise ImageReadError(f"not an image file OpenCV can read: {p}")
    return image


def decode_file(path: str | Path, backend: str = "auto") -> DecodeResult:
    """Every QR code in an image file; raises ImageReadError for a missing or unreadable file."""
    decoder = _shared_decoder(backend)  # an unknown backend fails before the file is read
    return decoder.decode(read_image(path))
