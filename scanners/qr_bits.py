"""The segments of a QR symbol (二维码分段模式), read from its module grid.

SMART Health Cards require ``shc:/`` in a byte-mode segment and the digits in a numeric-mode
segment; no decoder library here reports segment modes. zxing-cpp does hand out the module grid
it sampled (``Barcode.to_image``), so this module reads the symbol's bit stream from it: format
information (error-correction level and mask), the data modules in the standard's zigzag order,
unmasked, the data codewords taken out of the interleaved blocks, then the segment headers.

The grid may hold module errors that zxing's Reed–Solomon step corrected and we do not. So the
segments are trusted only when the bytes they spell are exactly the bytes zxing decoded (an
error in a mode indicator or a count garbles everything after it); otherwise the modes are
unknown (``None``), never guessed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import zxingcpp
from qrcode.base import rs_blocks
from qrcode.util import BCH_type_info, mask_func, pattern_position

# Mode indicators (4 bits) and the bits of the character count per version range 1–9, 10–26,
# 27–40.
_NUMERIC, _ALNUM, _BYTE, _KANJI, _ECI, _APPEND, _FNC1_FIRST, _FNC1_SECOND = (
    0b0001, 0b0010, 0b0100, 0b1000, 0b0111, 0b0011, 0b0101, 0b1001)
_COUNT_BITS = {_NUMERIC: (10, 12, 14), _ALNUM: (9, 11, 13), _BYTE: (8, 16, 16),
               _KANJI: (8, 10, 12)}
MODE_NAMES = {_NUMERIC: "numeric", _ALNUM: "alphanumeric", _BYTE: "byte", _KANJI: "kanji",
              _ECI: "eci"}
_ALNUM_CHARS = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
# the 32 possible format words (error-correction bits and mask, BCH-coded, masked)
_FORMAT_WORDS = {BCH_type_info(data): data for data in range(32)}


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment of a QR symbol: its mode (``numeric``, ``alphanumeric``, ``byte``,
    ``kanji``, ``eci``) and the bytes it spells (the ECI designator's digits for ``eci``)."""

    mode: str
    data: bytes


@dataclass(frozen=True, slots=True)
class QrSymbol:
    """A QR code read from an image: its text, its version and its segments' modes (None when
    the sampled grid could not be trusted to tell them)."""

    text: str
    version: int | None
    modes: tuple[str, ...] | None


class _Bits:
    def __init__(self, codewords: list[int]) -> None:
        self.bits = "".join(f"{c:08b}" for c in codewords)
        self.pos = 0

    def left(self) -> int:
        return len(self.bits) - self.pos

    def take(self, n: int) -> int:
        if n > self.left():
            raise ValueError("the bit stream ends inside a segment")
        value = int(self.bits[self.pos:self.pos + n], 2) if n else 0
        self.pos += n
        return value


def _format(modules: np.ndarray) -> tuple[int, int] | None:
    """(error-correction bits, mask pattern) from the format information beside the top-left
    finder, corrected to the nearest valid word (up to 3 bits wrong)."""
    cells = [(8, c) for c in (0, 1, 2, 3, 4, 5, 7, 8)] + [(r, 8) for r in (7, 5, 4, 3, 2, 1, 0)]
    word = 0
    for r, c in cells:
        word = (word << 1) | int(modules[r, c])
    best = min(_FORMAT_WORDS, key=lambda w: bin(w ^ word).count("1"))
    if bin(best ^ word).count("1") > 3:
        return None
    data = _FORMAT_WORDS[best]
    return data >> 3, data & 7


def _function_patterns(version: int) -> np.ndarray:
    """True where a module belongs to a finder, separator, timing, alignment pattern, format or
    version information (everything that is not data)."""
    n = 17 + 4 * version
    f = np.zeros((n, n), bool)
    f[:9, :9] = f[:9, n - 8:] = f[n - 8:, :9] = True  # finders, separators, format info
    f[6, :] = f[:, 6] = True  # timing
    centres = pattern_position(version)
    for r in centres:
        for c in centres:
            if (r < 9 and (c < 9 or c > n - 9)) or (r > n - 9 and c < 9):  # a finder is there
                continue
            f[r - 2:r + 3, c - 2:c + 3] = True
    if version >= 7:
        f[:6, n - 11:n - 8] = f[n - 11:n - 8, :6] = True
    return f


def _data_bits(modules: np.ndarray, version: int, mask: int) -> Iterator[int]:
    """The data modules, unmasked, in the standard's order: two-column strips from the right,
    upwards and downwards in turn, skipping the vertical timing column."""
    n = modules.shape[0]
    function = _function_patterns(version)
    masked = mask_func(mask)
    upward = True
    col = n - 1
    while col > 0:
        if col == 6:
            col -= 1
        rows = range(n - 1, -1, -1) if upward else range(n)
        for r in rows:
            for c in (col, col - 1):
                if not function[r, c]:
                    yield int(modules[r, c]) ^ int(bool(masked(r, c)))
        upward = not upward
        col -= 2


def _data_codewords(modules: np.ndarray, version: int, ec_bits: int, mask: int) -> list[int]:
    blocks = rs_blocks(version, ec_bits)
    total = sum(b.total_count for b in blocks)
    bits = list(_data_bits(modules, version, mask))
    codewords = [int("".join(map(str, bits[i:i + 8])), 2) for i in range(0, 8 * total, 8)]
    data: list[list[int]] = [[] for _ in blocks]
    at = 0
    for i in range(max(b.data_count for b in blocks)):
        for block, out in zip(blocks, data, strict=True):
            if i < block.data_count:
                out.append(codewords[at])
                at += 1
    return [c for out in data for c in out]


def _segments(codewords: list[int], version: int) -> list[Segment]:
    bits = _Bits(codewords)
    size = 0 if version <= 9 else 1 if version <= 26 else 2
    out: list[Segment] = []
    while bits.left() >= 4:
        mode = bits.take(4)
        if mode == 0:
            break
        if mode == _ECI:
            first = bits.take(8)
            if first & 0x80 == 0:
                value = first
            elif first & 0xC0 == 0x80:
                value = ((first & 0x3F) << 8) | bits.take(8)
            else:
                value = ((first & 0x1F) << 16) | bits.take(16)
            out.append(Segment("eci", str(value).encode()))
            continue
        if mode == _APPEND:
            bits.take(16)
            continue
        if mode in (_FNC1_FIRST, _FNC1_SECOND):
            if mode == _FNC1_SECOND:
                bits.take(8)
            continue
        if mode not in _COUNT_BITS:
            raise ValueError(f"unknown mode indicator {mode:04b}")
        count = bits.take(_COUNT_BITS[mode][size])
        out.append(Segment(MODE_NAMES[mode], _segment_bytes(bits, mode, count)))
    return out


def _segment_bytes(bits: _Bits, mode: int, count: int) -> bytes:
    if mode == _NUMERIC:
        digits = []
        for start in range(0, count, 3):
            k = min(3, count - start)
            digits.append(f"{bits.take((4, 7, 10)[k - 1]):0{k}d}")
        return "".join(digits).encode("ascii")
    if mode == _ALNUM:
        chars = bytearray()
        for _ in range(count // 2):
            a, b = divmod(bits.take(11), 45)
            chars += bytes((_ALNUM_CHARS[a], _ALNUM_CHARS[b]))
        if count % 2:
            chars.append(_ALNUM_CHARS[bits.take(6)])
        return bytes(chars)
    if mode == _BYTE:
        return bytes(bits.take(8) for _ in range(count))
    out = bytearray()  # kanji: 13 bits each, back to Shift_JIS
    for _ in range(count):
        v = bits.take(13)
        word = (v // 0xC0 << 8) | (v % 0xC0)
        word += 0x8140 if word < 0x1F00 else 0xC140
        out += word.to_bytes(2, "big")
    return bytes(out)


def symbol_segments(modules: np.ndarray) -> tuple[int, list[Segment]] | None:
    """(version, segments) of a QR symbol's module grid (bool, True = dark, no quiet zone), or
    None when it is not a well-formed Model 2 symbol."""
    n = modules.shape[0]
    if modules.ndim != 2 or modules.shape[1] != n or (n - 17) % 4 or not 21 <= n <= 177:
        return None
    version = (n - 17) // 4
    fmt = _format(modules)
    if fmt is None:
        return None
    try:
        return version, _segments(_data_codewords(modules, version, *fmt), version)
    except (ValueError, IndexError):
        return None


def read_symbols(grey: np.ndarray) -> list[QrSymbol]:
    """Every QR code zxing-cpp reads in an 8-bit grey image, with its version and, where the
    sampled grid spells exactly the decoded bytes, its segments' modes."""
    out = []
    for bc in zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormats([zxingcpp.QRCodeModel2]),
                                     text_mode=zxingcpp.TextMode.Plain):
        grid = np.asarray(bc.to_image(scale=1, add_quiet_zones=False)) < 128
        parsed = symbol_segments(grid)
        modes: tuple[str, ...] | None = None
        version = None
        if parsed is not None:
            version, segments = parsed
            spelled = b"".join(s.data for s in segments if s.mode != "eci")
            if spelled == bytes(bc.bytes):
                modes = tuple(s.mode for s in segments)
        if version is None:
            extra = bc.extra.get("Version", "") if isinstance(bc.extra, dict) else ""
            version = int(extra) if str(extra).isdigit() else None
        out.append(QrSymbol(text=bc.text, version=version, modes=modes))
    return out
