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


def decode(text: str) -> bytes:
    """The bytes ``text`` encodes; :class:`Base45Error` names the first problem."""
    try:
        values = [_VALUE[c] for c in text]
    except KeyError as exc:
        pos = next(i for i, c in enumerate(text) if c not in _VALUE)
        raise Base45Error(f"invalid Base45 character {text[pos]!r} at position {pos}") from exc
    if len(values) % 3 == 1:
        raise Base45Error(f"invalid Base45 length {len(values)} (a multiple of 3, or 2 more)")
    out = bytearray()
    for i in range(0, len(values), 3):
        chunk = values[i : i + 3]
        if len(chunk) == 3:
            n = chunk[0] + chunk[1] * 45 + chunk[2] * 45 * 45
            if n > 0xFFFF:
                raise Base45Error(f"Base45 triplet at position {i} is out of range")
            out += n.to_bytes(2, "big")
        else:
            n = chunk[0] + chunk[1] * 45
            if n > 0xFF:
                raise Base45Error(f"Base45 pair at position {i} is out of range")
            out.append(n)
    return bytes(out)
