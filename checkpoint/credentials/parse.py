"""One entry point for every QR payload: recognise the format, then verify it offline."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from checkpoint.credentials import ckp1, hc1, shc
from checkpoint.credentials.limits import has_lone_surrogate
from checkpoint.credentials.model import (
    DEFAULT_CLOCK_SKEW,
    CredentialFormat,
    CredentialResult,
    ErrorCode,
    fingerprint_of,
    problem,
)
from checkpoint.credentials.trust import TrustStore

_CONTEXT = re.compile(r"^[A-Z]{2}\d:")
_SHC_PART = re.compile(r"^shc:/\d+/\d+/")


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


def _valid_unicode(text: str) -> str:
    """``text`` with lone surrogates (which no encoder accepts) replaced by ``?``."""
    if has_lone_surrogate(text):
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _is_shc(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n").startswith(shc.PREFIX)


def verify_payload(
    text: str,
    trust: TrustStore,
    at: datetime,
    *,
    demo: bool = False,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> CredentialResult:
    """Verify one QR text as of ``at`` (naive means UTC). Never raises on bad input.

    ``demo``: the demo issuer counts as trusted (so does ``trust.demo_trusted``). Several
    ``shc:/N/M/`` parts may be given in one text separated by whitespace. ``clock_skew``: how
    far ahead of ``at`` a credential may have been issued and still be valid (the policy's
    ``clock_skew_minutes``).
    """
    at = _aware(at)
    demo_ok = demo or trust.demo_trusted
    text = _valid_unicode(text)
    if _is_shc(text):
        # a health card is taken exactly as scanned: stray characters around it are refused
        parts = text.split() if text == text.strip() else [text]
        return shc.verify(parts, trust, at, skew=clock_skew)
    text = text.strip()
    if text.startswith(hc1.PREFIX):
        return hc1.verify(text, trust, at, demo_ok=demo_ok, skew=clock_skew)
    if text.startswith(ckp1.PREFIX):
        return ckp1.verify(text, trust, at, demo_ok=demo_ok, skew=clock_skew)
    return unverifiable(text)


def verify_payloads(
    texts: Sequence[str],
    trust: TrustStore,
    at: datetime,
    *,
    demo: bool = False,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> list[CredentialResult]:
    """Verify several QR texts; the parts of a split health card are joined into one result
    (at the position of its first part)."""
    results: list[CredentialResult | None] = []
    shc_parts: list[str] = []
    shc_slot: int | None = None
    for text in texts:
        if _SHC_PART.match(text.lstrip("\ufeff \t\r\n")):
            shc_parts.append(_valid_unicode(text))
            if shc_slot is None:
                shc_slot = len(results)
                results.append(None)
            continue
        results.append(verify_payload(text, trust, at, demo=demo, clock_skew=clock_skew))
    if shc_slot is not None:
        results[shc_slot] = shc.verify(shc_parts, trust, _aware(at), skew=clock_skew)
    return [r for r in results if r is not None]
