"""Base45 (RFC 9285), the alphanumeric-QR-friendly encoding of HC1 and CKP1 payloads."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


class Base45Error(ValueError):
    """The text is not valid Base45 (bad character, bad length or a value out of range)."""


def encode(data: bytes) -> str:
    """Base45 text for ``data``."""
    out: list[str] = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        e, n = divmod(n, 45 * 45)
        d, c = divmod(n, 45)
        out += (ALPHABET[c], ALPHABET[d], ALPHABET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += (ALPHABET[c], ALPHABET[d])
    return "".join(out)


# Decoding without a per-triplet loop: characters become their values with one translate; the
# three positions of every triplet are spread into 3-byte lanes of three big integers and summed
# as c0 + 45*c1 + 2025*c2. A lane holds at most 44 * (1 + 45 + 2025) < 2**24, so no lane carries
# into the next; a lane above 0xFFFF is a triplet out of range.
_VALUES = bytes.maketrans(ALPHABET.encode(), bytes(range(45)))
_NOT_ALPHABET = bytes(b for b in range(256) if chr(b) not in _VALUE)
_INVALID = 0xFF


def _lanes(values: bytes) -> int:
    buf = bytearray(3 * len(values))
    buf[2::3] = values
    return int.from_bytes(buf, "big")


def _first_bad(text: str) -> Base45Error:
    pos = next(i for i, c in enumerate(text) if c not in _VALUE)
    return Base45Error(f"invalid Base45 character {text[pos]!r} at position {pos}")


def decode(text: str) -> bytes:
    """The bytes ``text`` encodes; :class:`Base45Error` names the first problem."""
    if not text.isascii():
        raise _first_bad(text)
    raw = text.encode("ascii")
    if raw.translate(None, _NOT_ALPHABET) != raw:
        raise _first_bad(text)
    if len(raw) % 3 == 1:
        raise Base45Error(f"invalid Base45 length {len(raw)} (a multiple of 3, or 2 more)")
    values = raw.translate(_VALUES)
    full = len(values) - len(values) % 3
    out = bytearray()
    if full:
        k = full // 3
        total = (
            _lanes(values[0:full:3])
            + 45 * _lanes(values[1:full:3])
            + 2025 * _lanes(values[2:full:3])
        ).to_bytes(3 * k, "big")
        if any(total[0::3]):
            i = 3 * next(j for j in range(k) if total[3 * j])
            raise Base45Error(f"Base45 triplet at position {i} is out of range")
        out = bytearray(2 * k)
        out[0::2] = total[1::3]
        out[1::2] = total[2::3]
    if full < len(values):
        n = values[full] + values[full + 1] * 45
        if n > 0xFF:
            raise Base45Error(f"Base45 pair at position {full} is out of range")
        out.append(n)
    return bytes(out)
