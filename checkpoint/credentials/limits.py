"""Bounds on decoded credential content, applied where it is decoded.

A QR code holds a few kilobytes, so genuine content is shallow and small: an EU DCC is about 6
levels deep, a SMART Health Card's FHIR bundle about 12. Hostile input is not: JSON nested 600
deep, CBOR shared references (tags 28/29) that form a cycle or a "billion laughs" graph. Such
content is refused as soon as it is decoded, so nothing downstream (field extraction, the JSON
printed by the command line, the desk) ever recurses through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_DEPTH = 32
MAX_NODES = 20_000
MAX_SHOWN = 40


class ShapeError(ValueError):
    """Decoded content nests too deeply, is too large, or refers to itself."""


_SCALARS = (str, bytes, int, float, bool, type(None))


def check_shape(value: Any, what: str) -> None:
    """Raise :class:`ShapeError` if ``value`` nests deeper than :data:`MAX_DEPTH` containers or
    holds more than :data:`MAX_NODES` items (a cycle exceeds both). Iterative: never recurses."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    nodes = 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise ShapeError(f"{what} holds more than {MAX_NODES} items (or refers to itself)")
        if isinstance(item, _SCALARS):
            continue
        if isinstance(item, Mapping):
            children: Any = [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple):
            children = item
        elif hasattr(item, "tag") and hasattr(item, "value"):  # a CBOR tag kept as is
            children = (item.value,)
        else:
            continue
        if depth >= MAX_DEPTH and children:
            raise ShapeError(f"{what} nests more than {MAX_DEPTH} levels deep")
        stack.extend([(c, depth + 1) for c in children if not isinstance(c, _SCALARS)])


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_ONE_KIND = bytes.maketrans(b"{}", b"[]")


def check_json_depth(data: bytes, what: str) -> None:
    """Raise :class:`ShapeError` if the JSON document ``data`` nests deeper than
    :data:`MAX_DEPTH`. JSON has no shared references, so depth is the only hazard.

    Read from the bytes with C-speed string operations only: escaped backslashes and quotes
    are dropped, so the remaining quotes delimit the strings exactly; what is outside them is
    reduced to its brackets (of one kind), and each round removes the innermost pairs.
    Brackets left after :data:`MAX_DEPTH` rounds nest deeper (or do not pair up).
    """
    outside = b"".join(data.replace(b"\\\\", b"").replace(b'\\"', b"").split(b'"')[0::2])
    brackets = outside.translate(_ONE_KIND, _NOT_BRACKETS)
    for _ in range(MAX_DEPTH):
        if not brackets:
            return
        brackets = brackets.replace(b"[]", b"")
    if brackets:
        raise ShapeError(f"{what} nests more than {MAX_DEPTH} levels deep")


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a UTF-16 surrogate that is not valid Unicode on its own."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def shown(value: Any) -> str:
    """A short, printable rendering of a hostile value for an error sentence."""
    text = repr(value)
    if has_lone_surrogate(text):
        text = text.encode("utf-8", "backslashreplace").decode("ascii")
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"
