"""zbar through pyzbar's ctypes bindings, asking for the payload's raw bytes.

``pyzbar.decode`` returns zbar's text conversion, which reads UTF-8 Chinese as Shift_JIS
(正宗铁观音 → 豁｣螳鈴...). zbar ≥ 0.23.1 has a ``binary`` option that hands out the bytes
untouched; we set it and pick the charset ourselves (``codes.text_from_bytes``). Older builds
(the DLL bundled with pyzbar on Windows is 0.10) lack the option: there we take zbar's text and
repair the Shift_JIS misreading.
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from scanners.codes import BackendUnavailable

_GREY_FOURCC = 0x30303859  # "Y800": 8-bit grey, what zbar scans natively


@dataclass(frozen=True, slots=True)
class ZbarSymbol:
    """One QR symbol as zbar reports it: payload bytes, whether they are raw, its polygon."""

    data: bytes
    raw: bool
    points: list[tuple[float, float]]


class _Lib:
    """The loaded zbar library and the config keys this build understands."""

    def __init__(self) -> None:
        try:
            from pyzbar import wrapper
        except Exception as exc:  # ImportError, or OSError from a DLL with missing dependencies
            raise BackendUnavailable(
                "the zbar library cannot be loaded (on Linux install libzbar0; on Windows the "
                f"Visual C++ 2013 runtime): {exc}"
            ) from exc
        self.w: Any = wrapper
        self.qr = int(wrapper.ZBarSymbol.QRCODE)
        self.all_symbols = [int(s) for s in wrapper.ZBarSymbol]
        self.binary = self._parse("qrcode.binary=1")
        self.test_inverted = self._parse("test-inverted=1")

    def _parse(self, setting: str) -> tuple[int, int, int] | None:
        sym, cfg, val = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
        if self.w.zbar_parse_config(setting.encode(), ctypes.byref(sym), ctypes.byref(cfg),
                                    ctypes.byref(val)) != 0:
            return None
        return sym.value, cfg.value, val.value


_lib: _Lib | None = None
_lib_lock = threading.Lock()


def lib() -> _Lib:
    """The zbar library, loaded once; raises BackendUnavailable when it is missing."""
    global _lib
    with _lib_lock:
        if _lib is None:
            _lib = _Lib()
        return _lib


def scan(grey: np.ndarray, *, invert: bool = False) -> list[ZbarSymbol]:
    """All QR symbols zbar finds in an 8-bit greyscale image."""
    zl = lib()
    w = zl.w
    if grey.ndim != 2 or grey.dtype != np.uint8:
        raise ValueError("zbar scans 8-bit greyscale images")
    height, width = grey.shape
    pixels = np.ascontiguousarray(grey).tobytes()
    scanner = w.zbar_image_scanner_create()
    if not scanner:
        raise BackendUnavailable("zbar could not create an image scanner")
    try:
        # zbar enables every symbology by default; QR only avoids false reads and saves time.
        for sym in zl.all_symbols:
            w.zbar_image_scanner_set_config(scanner, sym, 0, 1 if sym == zl.qr else 0)
        raw = zl.binary is not None and w.zbar_image_scanner_set_config(scanner, *zl.binary) == 0
        if invert and zl.test_inverted is not None:
            w.zbar_image_scanner_set_config(scanner, *zl.test_inverted)
        image = w.zbar_image_create()
        try:
            w.zbar_image_set_format(image, _GREY_FOURCC)
            w.zbar_image_set_size(image, width, height)
            buffer = ctypes.cast(ctypes.c_char_p(pixels), ctypes.c_void_p)
            w.zbar_image_set_data(image, buffer, len(pixels), None)
            if w.zbar_scan_image(scanner, image) < 0:
                return []
            found: list[ZbarSymbol] = []
            symbol = w.zbar_image_first_symbol(image)
            while symbol:
                data = ctypes.string_at(
                    w.zbar_symbol_get_data(symbol), w.zbar_symbol_get_data_length(symbol)
                )
                n = w.zbar_symbol_get_loc_size(symbol)
                pts = [
                    (float(w.zbar_symbol_get_loc_x(symbol, i)),
                     float(w.zbar_symbol_get_loc_y(symbol, i)))
                    for i in range(n)
                ]
                found.append(ZbarSymbol(data=data, raw=raw, points=pts))
                symbol = w.zbar_symbol_next(symbol)
            return found
        finally:
            w.zbar_image_destroy(image)
    finally:
        w.zbar_image_scanner_destroy(scanner)
