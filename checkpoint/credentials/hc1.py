"""EU Digital COVID Certificate (``HC1:``): Base45, zlib, COSE_Sign1, CWT with the hcert claim."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from checkpoint.credentials.claims import NucleicAcidTest, PassContent, TestResult
from checkpoint.credentials.cose import CWT_ISS, EnvelopeError
from checkpoint.credentials.envelope import check_signature, check_times, open_envelope
from checkpoint.credentials.model import (
    DEFAULT_CLOCK_SKEW,
    CredentialFormat,
    CredentialResult,
    ErrorCode,
    SignatureStatus,
    fingerprint_of,
    jsonable,
    problem,
)
from checkpoint.credentials.trust import KeyFormat, TrustStore

PREFIX = "HC1:"
CLAIM_HCERT = -260
HCERT_EU_DCC = 1

KINDS = {"v": "vaccination", "t": "test", "r": "recovery"}
# Extended key usage OIDs a DCC signer certificate may carry (hcert spec, section 5.1.1);
# a certificate with none of them may sign every type.
EKU_OIDS = {
    "test": {"1.3.6.1.4.1.1847.2021.1.1", "1.3.6.1.4.1.0.1847.2021.1.1"},
    "vaccination": {"1.3.6.1.4.1.1847.2021.1.2", "1.3.6.1.4.1.0.1847.2021.1.2"},
    "recovery": {"1.3.6.1.4.1.1847.2021.1.3", "1.3.6.1.4.1.0.1847.2021.1.3"},
}
_ALL_DCC_OIDS = set().union(*EKU_OIDS.values())


def _hcert(claims: Mapping[Any, Any]) -> Mapping[Any, Any] | None:
    container = claims.get(CLAIM_HCERT)
    if not isinstance(container, Mapping):
        return None
    dgc = container.get(HCERT_EU_DCC)
    return dgc if isinstance(dgc, Mapping) else None


def structure_problems(dgc: Mapping[Any, Any]) -> list[str]:
    """The DCC schema's structural core: version, name, birth date, exactly one entry."""
    found: list[str] = []
    if not isinstance(dgc.get("ver"), str):
        found.append("no schema version (ver)")
    nam = dgc.get("nam")
    if not isinstance(nam, Mapping) or not isinstance(nam.get("fnt"), str):
        found.append("no standardised family name (nam.fnt)")
    if not isinstance(dgc.get("dob"), str):
        found.append("no date of birth (dob)")
    groups = [k for k in KINDS if k in dgc]
    if len(groups) != 1:
        found.append(f"{len(groups)} certificate groups (v/t/r); exactly one is allowed")
    else:
        entries = dgc[groups[0]]
        if not isinstance(entries, list | tuple) or len(entries) != 1:
            found.append("the certificate group must hold exactly one entry")
    return [problem(ErrorCode.CONTENT, f"DCC {p}") for p in found]


def kind_of(dgc: Mapping[Any, Any]) -> str | None:
    """``vaccination``, ``test`` or ``recovery``; None when not exactly one group is present."""
    groups = [KINDS[k] for k in KINDS if k in dgc]
    return groups[0] if len(groups) == 1 else None


def _text(value: Any) -> str | None:
    """Text as text; anything else a hostile or broken payload put there is dropped."""
    return value if isinstance(value, str) else None


def _fields(dgc: Mapping[Any, Any], claims: Mapping[Any, Any]) -> dict[str, Any]:
    nam = dgc.get("nam") if isinstance(dgc.get("nam"), Mapping) else {}
    assert isinstance(nam, Mapping)
    out: dict[str, Any] = {
        "family_name": _text(nam.get("fn")) or _text(nam.get("fnt")),
        "given_name": _text(nam.get("gn")) or _text(nam.get("gnt")),
        "dob": _text(dgc.get("dob")),
        "country": _text(claims.get(CWT_ISS)),
    }
    for key in KINDS:
        entries = dgc.get(key)
        if isinstance(entries, list | tuple) and entries:
            out["entry"] = jsonable(entries[0])
    out["hcert"] = jsonable(dgc)
    return out


TEST_TYPES = {"LP6464-4": "PCR", "LP217198-3": "antigen"}
TEST_RESULTS = {"260415000": TestResult.NEGATIVE, "260373001": TestResult.POSITIVE}


def _content(dgc: Mapping[Any, Any], fields: Mapping[str, Any]) -> PassContent:
    """The holder and, for a test certificate, the test the rules can use."""
    holder = " ".join(str(fields[k]) for k in ("family_name", "given_name") if fields.get(k))
    test = None
    entries = dgc.get("t")
    if isinstance(entries, list | tuple) and len(entries) == 1 and isinstance(entries[0], Mapping):
        entry = entries[0]
        result = TEST_RESULTS.get(str(entry.get("tr")))
        sample = entry.get("sc")
        when: datetime | None = None
        if isinstance(sample, datetime):
            when = sample
        elif isinstance(sample, str):
            try:
                when = datetime.fromisoformat(sample.replace("Z", "+00:00"))
            except ValueError:
                when = None
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if result is not None and when is not None:
            test = NucleicAcidTest(when, result, TEST_TYPES.get(str(entry.get("tt")), "test"))
    return PassContent(holder=holder or None, test=test)


def verify(
    text: str,
    trust: TrustStore,
    at: datetime,
    *,
    demo_ok: bool = False,
    skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> CredentialResult:
    """Verify one ``HC1:`` payload; every failure becomes a status and an error, never raises."""
    fmt = CredentialFormat.HC1
    try:
        opened = open_envelope(text[len(PREFIX) :])
    except EnvelopeError as exc:
        return CredentialResult(fmt, False, errors=(problem(exc.code, str(exc)),))
    msg, claims = opened.message, opened.claims
    fingerprint = fingerprint_of(fmt, msg.to_be_signed())
    dgc = _hcert(claims)
    if dgc is None:
        return CredentialResult(
            fmt,
            False,
            errors=(problem(ErrorCode.CWT, "the CWT has no EU DCC (hcert) claim"),),
            fingerprint=fingerprint,
        )
    errors: list[str] = []
    kind = kind_of(dgc)
    iss = claims.get(CWT_ISS)
    sig = check_signature(
        msg, trust, KeyFormat.HC1, iss if isinstance(iss, str) else None, demo_ok=demo_ok
    )
    errors += sig.errors
    status = sig.status
    if status is SignatureStatus.VALID and sig.key is not None:
        eku = sig.key.extended_key_usage & _ALL_DCC_OIDS
        # every group the payload holds, not only a well-formed single one
        refused = [g for k, g in KINDS.items() if k in dgc and eku and not eku & EKU_OIDS[g]]
        if refused:
            status = SignatureStatus.INVALID
            errors.append(
                problem(
                    ErrorCode.KEY_USAGE,
                    f"the signer certificate is not authorised for {' and '.join(refused)} "
                    "certificates (extended key usage)",
                )
            )
    times = check_times(claims, at, sig.key, skew)
    errors += times.errors
    errors += structure_problems(dgc)
    fields = _fields(dgc, claims)
    fields["issued_at"] = times.issued_at.isoformat() if times.issued_at else None
    fields["expires_at"] = times.expires_at.isoformat() if times.expires_at else None
    if times.skew_seconds is not None:
        fields["clock_skew_seconds"] = round(times.skew_seconds)
    if msg.kid is not None:
        fields["kid"] = base64.b64encode(msg.kid).decode()
    issuer = fields["country"]
    if sig.key is not None and sig.key.subject:
        fields["signer"] = sig.key.subject
    return CredentialResult(
        fmt,
        True,
        kind=kind,
        signature=status,
        validity=times.validity,
        issuer=issuer,
        fields=fields,
        errors=tuple(errors),
        demo=sig.demo,
        fingerprint=fingerprint,
        content=_content(dgc, fields),
    )
