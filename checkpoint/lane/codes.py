"""What a text read at the lane is: a credential, a provincial online code, part of a split
SMART Health Card, or nothing that concerns a person."""

from __future__ import annotations

import re
from enum import StrEnum

from checkpoint.credentials.shc import ShcError, parse_chunk
from checkpoint.rules.policy import Policy

_PREFIXES = ("HC1:", "CKP1:", "shc:/")
_SHC_PART = re.compile(r"^shc:/\d+/\d+/")


class CodeKind(StrEnum):
    """How the lane treats one text."""

    CREDENTIAL = "credential"  # HC1, SHC or CKP1: verified offline
    SHC_PART = "shc_part"  # one QR of a split SMART Health Card: waits for the others
    ONLINE = "online"  # a provincial health code (policy [online_codes]): checked by eye
    NOT_A_CREDENTIAL = "not_a_credential"  # a shop URL, random text: a notice, not a person
    EMPTY = "empty"


def classify(text: str, policy: Policy) -> CodeKind:
    """What ``text`` is for the lane (policy decides which URLs are provincial codes)."""
    stripped = text.strip()
    if not stripped:
        return CodeKind.EMPTY
    if _SHC_PART.match(stripped):
        return CodeKind.SHC_PART
    if stripped.startswith(_PREFIXES):
        return CodeKind.CREDENTIAL
    if policy.online_code(stripped) is not None:
        return CodeKind.ONLINE
    return CodeKind.NOT_A_CREDENTIAL


class ShcParts:
    """Collects the parts of split SMART Health Cards across camera frames, per card size.

    A part seen again changes nothing; when every part of a card is in, :meth:`add` returns the
    parts joined (one text, whitespace-separated, as ``verify_payload`` takes it).
    """

    def __init__(self) -> None:
        self._parts: dict[int, dict[int, str]] = {}

    def add(self, text: str) -> str | None:
        """Keep one part; the whole card's text once complete, else None."""
        stripped = text.strip()
        try:
            chunk = parse_chunk(stripped)
        except ShcError:
            return stripped  # a malformed part is judged (unreadable) at once, not kept
        parts = self._parts.setdefault(chunk.total, {})
        parts[chunk.index] = stripped
        if len(parts) < chunk.total:
            return None
        del self._parts[chunk.total]
        return "\n".join(parts[i] for i in sorted(parts))

    @property
    def waiting(self) -> tuple[int, int] | None:
        """(parts seen, parts needed) of the card being collected, if any."""
        if not self._parts:
            return None
        total, parts = max(self._parts.items(), key=lambda kv: len(kv[1]))
        return len(parts), total

    def clear(self) -> None:
        """Forget collected parts (the next vehicle)."""
        self._parts.clear()
