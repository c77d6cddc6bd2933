"""One entry point for every QR payload: recognise the format, then verify it offline."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

from checkpoint.credentials import ckp1, hc1, shc
from checkpoint.credentials.model import (
    CredentialFormat,
    CredentialResult,
    ErrorCode,
    fingerprint_of,
    problem,
)
from checkpoint.trust import TrustStore

_CONTEXT = re.compile(r"^[A-Z]{2}\d:")


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def unverifiable(text: str) -> CredentialResult:
    """A payload no offline check applies to (a provincial health-code URL, plain text)."""
    fields: dict[str, object] = {}
    kind = "text"
    errors = [
        problem(ErrorCode.OFFLINE, "cannot be verified offline; check the phone screen by eye")
    ]
    if _CONTEXT.match(text):
        errors.insert(
            0,
            problem(
                ErrorCode.PREFIX,
                f"the prefix {text[:4]!r} is not a supported context (HC1:, CKP1:)",
            ),
        )
    try:
        url = urlsplit(text)
        if url.scheme in ("http", "https") and url.hostname:
            kind = "url"
            fields["host"] = url.hostname
    except ValueError:
        pass
    fields["length"] = len(text)
    return CredentialResult(
        CredentialFormat.UNKNOWN,
        False,
        kind=kind,
        fields=fields,
        errors=tuple(errors),
        fingerprint=fingerprint_of(CredentialFormat.UNKNOWN, text.encode("utf-8", "replace")),
    )


def verify_payload(
    text: str, trust: TrustStore, at: datetime, *, demo: bool = False
) -> CredentialResult:
    """Verify one QR text as of ``at`` (naive means UTC). Never raises on bad input.

    ``demo``: the demo issuer counts as trusted (so does ``trust.demo_trusted``). Several
    ``shc:/N/M/`` parts may be given in one text separated by whitespace.
    """
    at = _aware(at)
    demo_ok = demo or trust.demo_trusted
    text = text.strip()
    if text.startswith(hc1.PREFIX):
        return hc1.verify(text, trust, at, demo_ok=demo_ok)
    if text.startswith(ckp1.PREFIX):
        return ckp1.verify(text, trust, at, demo_ok=demo_ok)
    if text.startswith(shc.PREFIX):
        return shc.verify(text.split(), trust, at)
    return unverifiable(text)


def verify_payloads(
    texts: Sequence[str], trust: TrustStore, at: datetime, *, demo: bool = False
) -> list[CredentialResult]:
    """Verify several QR texts; the parts of a split health card are joined into one result
    (at the position of its first part)."""
    results: list[CredentialResult | None] = []
    shc_parts: list[str] = []
    shc_slot: int | None = None
    for text in texts:
        stripped = text.strip()
        if re.match(r"^shc:/\d+/\d+/", stripped):
            shc_parts.append(stripped)
            if shc_slot is None:
                shc_slot = len(results)
                results.append(None)
            continue
        results.append(verify_payload(text, trust, at, demo=demo))
    if shc_slot is not None:
        results[shc_slot] = shc.verify(shc_parts, trust, _aware(at))
    return [r for r in results if r is not None]
