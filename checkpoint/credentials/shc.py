"""SMART Health Card (``shc:/``): numeric QR encoding, compact JWS, raw DEFLATE, ES256.

A card too large for one QR code is split as ``shc:/N/M/...``; the parts are put back in order
before verifying (:func:`reassemble`). Issuer keys come from JWKS files in the trust store;
revocation lists (``{"kid", "method": "rid", "rids": [...]}``) there are honoured too.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from checkpoint.credentials.cose import MAX_INFLATED
from checkpoint.credentials.model import (
    CredentialFormat,
    CredentialResult,
    ErrorCode,
    SignatureStatus,
    ValidityStatus,
    fingerprint_of,
    jsonable,
    problem,
)
from checkpoint.trust import TrustedKey, TrustStore

PREFIX = "shc:/"
_CHUNK = re.compile(r"^shc:/(\d+)/(\d+)/(\d*)$")
_SINGLE = re.compile(r"^shc:/(\d*)$")


class ShcError(ValueError):
    """A step of decoding a health card failed; ``code`` says which."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Chunk:
    """One QR code's part of a card: ``index`` of ``total`` (1-based) and its digits."""

    index: int
    total: int
    digits: str


def parse_chunk(text: str) -> Chunk:
    """The part number, part count and digits of one ``shc:/`` QR text."""
    m = _CHUNK.match(text)
    if m:
        index, total = int(m.group(1)), int(m.group(2))
        if not 1 <= index <= total:
            raise ShcError(ErrorCode.MULTIPART, f"part {index} of {total} is not a valid part")
        return Chunk(index, total, m.group(3))
    m = _SINGLE.match(text)
    if m:
        return Chunk(1, 1, m.group(1))
    raise ShcError(ErrorCode.NUMERIC, "a SMART Health Card QR holds only digits after shc:/")


def reassemble(texts: Sequence[str]) -> str:
    """The numeric body of a card from all its parts, in any order; errors name what is missing."""
    chunks = [parse_chunk(t) for t in texts]
    totals = {c.total for c in chunks}
    if len(totals) != 1:
        raise ShcError(ErrorCode.MULTIPART, "the parts belong to cards of different sizes")
    total = totals.pop()
    by_index = {c.index: c for c in chunks}
    missing = [i for i in range(1, total + 1) if i not in by_index]
    if missing:
        listed = ", ".join(str(i) for i in missing)
        raise ShcError(
            ErrorCode.MULTIPART,
            f"part {listed} of {total} is missing; scan every QR code of the card",
        )
    return "".join(by_index[i].digits for i in range(1, total + 1))


def numeric_to_jws(digits: str) -> str:
    """Each pair of digits is one character: chr(value + 45)."""
    if len(digits) % 2:
        raise ShcError(ErrorCode.NUMERIC, "an odd number of digits")
    out = []
    for i in range(0, len(digits), 2):
        value = int(digits[i : i + 2])
        if value > 77:
            raise ShcError(
                ErrorCode.NUMERIC, f"digit pair {digits[i : i + 2]} at {i} is out of range"
            )
        out.append(chr(value + 45))
    return "".join(out)


def _b64url(text: str, what: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ShcError(ErrorCode.JWS, f"the JWS {what} is not base64url") from exc


def _inflate_raw(data: bytes) -> bytes:
    d = zlib.decompressobj(-15)
    try:
        out = d.decompress(data, MAX_INFLATED + 1)
    except zlib.error as exc:
        raise ShcError(ErrorCode.COMPRESSION, f"DEFLATE data is corrupt ({exc})") from exc
    if len(out) > MAX_INFLATED or d.unconsumed_tail:
        raise ShcError(
            ErrorCode.COMPRESSION, f"the payload inflates to more than {MAX_INFLATED} bytes"
        )
    if not d.eof:
        raise ShcError(ErrorCode.COMPRESSION, "DEFLATE data is truncated")
    return out


@dataclass(frozen=True)
class Jws:
    """A compact JWS taken apart."""

    header: Mapping[str, Any]
    payload: Mapping[str, Any]
    signing_input: bytes
    signature: bytes


def parse_jws(jws: str) -> Jws:
    """Header, inflated payload and signature of a compact JWS."""
    parts = jws.split(".")
    if len(parts) != 3:
        raise ShcError(ErrorCode.JWS, f"a compact JWS has 3 parts, this has {len(parts)}")
    try:
        header = json.loads(_b64url(parts[0], "header"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ShcError(ErrorCode.JWS, "the JWS header is not JSON") from exc
    if not isinstance(header, dict):
        raise ShcError(ErrorCode.JWS, "the JWS header is not a JSON object")
    body = _b64url(parts[1], "payload")
    if header.get("zip") == "DEF":
        body = _inflate_raw(body)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ShcError(ErrorCode.JWS, "the JWS payload is not JSON") from exc
    if not isinstance(payload, dict):
        raise ShcError(ErrorCode.JWS, "the JWS payload is not a JSON object")
    if not isinstance(payload.get("iss"), str) or not isinstance(payload.get("vc"), dict):
        raise ShcError(ErrorCode.JWS, "the JWS payload is not a health card (no iss or vc)")
    return Jws(
        header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), _b64url(parts[2], "signature")
    )


def _verify_es256(key: TrustedKey, signature: bytes, data: bytes) -> bool:
    pub = key.public_key
    if not isinstance(pub, ec.EllipticCurvePublicKey) or not isinstance(pub.curve, ec.SECP256R1):
        return False
    if len(signature) != 64:
        return False
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        pub.verify(der, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def _instant(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _kind(payload: Mapping[str, Any]) -> str | None:
    vc = payload.get("vc")
    types = vc.get("type") if isinstance(vc, Mapping) else None
    if not isinstance(types, list):
        return None
    names = [t.rsplit("#", 1)[1] for t in types if isinstance(t, str) and "#" in t]
    specific = [n for n in names if n not in ("health-card",)]
    chosen = specific or names
    return chosen[0] if chosen else None


def _fhir_summary(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Patient name/birth date and immunization/observation codes for display."""
    out: dict[str, Any] = {}
    vc = payload.get("vc")
    subject = vc.get("credentialSubject") if isinstance(vc, Mapping) else None
    bundle = subject.get("fhirBundle") if isinstance(subject, Mapping) else None
    entries = bundle.get("entry") if isinstance(bundle, Mapping) else None
    if not isinstance(entries, list):
        return out
    events = []
    for entry in entries:
        res = entry.get("resource") if isinstance(entry, Mapping) else None
        if not isinstance(res, Mapping):
            continue
        rtype = res.get("resourceType")
        if rtype == "Patient":
            names = res.get("name")
            if isinstance(names, list) and names and isinstance(names[0], Mapping):
                given = names[0].get("given")
                out["family_name"] = names[0].get("family")
                out["given_name"] = " ".join(given) if isinstance(given, list) else given
            out["dob"] = res.get("birthDate")
        elif rtype in ("Immunization", "Observation"):
            code = res.get("vaccineCode") if rtype == "Immunization" else res.get("code")
            coding = code.get("coding") if isinstance(code, Mapping) else None
            first = coding[0] if isinstance(coding, list) and coding else {}
            events.append(
                {
                    "type": rtype,
                    "code": first.get("code") if isinstance(first, Mapping) else None,
                    "date": res.get("occurrenceDateTime") or res.get("effectiveDateTime"),
                    "status": res.get("status"),
                }
            )
    out["events"] = jsonable(events)
    return out


def verify_jws(
    jws_text: str, trust: TrustStore, at: datetime, *, fingerprint_source: bytes | None = None
) -> CredentialResult:
    """Verify a health card's compact JWS."""
    fmt = CredentialFormat.SHC
    try:
        jws = parse_jws(jws_text)
    except ShcError as exc:
        return CredentialResult(fmt, False, errors=(problem(exc.code, str(exc)),))
    fingerprint = fingerprint_of(fmt, fingerprint_source or jws.signing_input)
    errors: list[str] = []
    issuer = jws.payload.get("iss") if isinstance(jws.payload.get("iss"), str) else None
    alg, kid = jws.header.get("alg"), jws.header.get("kid")
    key: TrustedKey | None = None
    if alg != "ES256":
        status = SignatureStatus.UNSUPPORTED
        errors.append(problem(ErrorCode.ALGORITHM, f"JWS algorithm {alg!r} is not ES256"))
    elif not isinstance(kid, str):
        status = SignatureStatus.UNKNOWN_KEY
        errors.append(problem(ErrorCode.KID_MISSING, "the JWS header names no key id (kid)"))
    else:
        candidates = trust.lookup(kid.encode())
        if not candidates:
            status = SignatureStatus.UNKNOWN_KEY
            errors.append(problem(ErrorCode.UNKNOWN_KEY, f"no trusted JWKS key has kid {kid}"))
        else:
            key = next(
                (k for k in candidates if _verify_es256(k, jws.signature, jws.signing_input)), None
            )
            status = SignatureStatus.VALID if key else SignatureStatus.INVALID
            if key is None:
                errors.append(
                    problem(
                        ErrorCode.BAD_SIGNATURE, f"the signature does not verify with key {kid}"
                    )
                )
    if key is not None:
        revoked = trust.revoked(kid if isinstance(kid, str) else "", jws.payload)
        if revoked:
            status = SignatureStatus.INVALID
            errors.append(problem(ErrorCode.REVOKED, revoked))
    nbf, exp = _instant(jws.payload.get("nbf")), _instant(jws.payload.get("exp"))
    validity = ValidityStatus.VALID
    not_after = exp
    if key is not None and key.not_after is not None:
        not_after = key.not_after if exp is None else min(exp, key.not_after)
    if nbf is None:
        validity = ValidityStatus.UNKNOWN
        errors.append(problem(ErrorCode.CONTENT, "the card has no issuance time (nbf)"))
    elif at < nbf:
        validity = ValidityStatus.NOT_YET_VALID
        errors.append(problem(ErrorCode.NOT_YET_VALID, f"issued only at {nbf.isoformat()}"))
    if validity is not ValidityStatus.NOT_YET_VALID and not_after is not None and at > not_after:
        validity = ValidityStatus.EXPIRED
        what = "the card" if not_after == exp else "the issuer's certificate"
        errors.append(problem(ErrorCode.EXPIRED, f"{what} expired at {not_after.isoformat()}"))
    fields = _fhir_summary(jws.payload)
    kind = _kind(jws.payload)
    if kind in (None, "health-card"):
        # the 2023 examples name only the generic type; the bundle says what the card holds
        types = {e.get("type") for e in fields.get("events", []) if isinstance(e, dict)}
        if "Immunization" in types:
            kind = "immunization"
        elif "Observation" in types:
            kind = "laboratory"
    fields["issued_at"] = nbf.isoformat() if nbf else None
    fields["expires_at"] = exp.isoformat() if exp else None
    fields["kid"] = kid if isinstance(kid, str) else None
    return CredentialResult(
        fmt,
        True,
        kind=kind,
        signature=status,
        validity=validity,
        issuer=issuer,
        fields=fields,
        errors=tuple(errors),
        fingerprint=fingerprint,
    )


def verify(parts: Sequence[str], trust: TrustStore, at: datetime) -> CredentialResult:
    """Verify a card from its QR text(s): one ``shc:/`` text or every part of a split card."""
    try:
        digits = reassemble(parts)
        jws = numeric_to_jws(digits)
    except ShcError as exc:
        return CredentialResult(CredentialFormat.SHC, False, errors=(problem(exc.code, str(exc)),))
    return verify_jws(jws, trust, at)
