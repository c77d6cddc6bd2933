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
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from checkpoint.credentials.cose import MAX_INFLATED, EnvelopeError, has_zlib_header, inflate
from checkpoint.credentials.envelope import skew_note
from checkpoint.credentials.limits import ShapeError, check_json_depth, has_lone_surrogate, shown
from checkpoint.credentials.model import (
    DEFAULT_CLOCK_SKEW,
    CredentialFormat,
    CredentialResult,
    ErrorCode,
    SignatureStatus,
    ValidityStatus,
    fingerprint_of,
    problem,
)
from checkpoint.credentials.trust import KeyFormat, TrustedKey, TrustStore, check_shc_issuer

PREFIX = "shc:/"
# Part headers are positive integers without leading zeros (as the dev-tools read them); four
# digits are far more than any card needs and keep a hostile header from becoming a huge int.
_CHUNK = re.compile(r"^shc:/([1-9]\d{0,3})/([1-9]\d{0,3})/(\d*)$")
_ANY_CHUNK = re.compile(r"^shc:/(\d+)/(\d+)/")
_SINGLE = re.compile(r"^shc:/(\d*)$")
# The spec's QR limits: one QR of version 22 holds a JWS of 1195 characters; when a card was
# split (chunking, deprecated since spec 1.3), each part holds at most 1191.
MAX_SINGLE_JWS = 1195
MAX_CHUNK_JWS = 1191
MAX_QR_VERSION = 22


def qr_symbol_problem(version: int | None, modes: Sequence[str] | None) -> str | None:
    """Why a QR symbol carrying a ``shc:/`` text breaks the spec, or None: at most version 22,
    and two segments, ``shc:/`` in byte mode then the digits in numeric mode. ``None`` for what
    the decoder could not tell."""
    if version is not None and version > MAX_QR_VERSION:
        return f"the QR code is version {version}; a health card QR may be at most version 22"
    if modes is not None:
        if len(modes) != 2:
            return f"the QR code has {len(modes)} segments; a health card QR has 2 segments"
        if [m.lower() for m in modes] != ["byte", "numeric"]:
            return (
                f"the QR segments are {' and '.join(modes)}; a health card QR holds shc:/ in a "
                "byte segment and the digits in a numeric segment"
            )
    return None


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
    #: the part carried an ``N/M/`` header (only a split card may)
    headed: bool = False


def parse_chunk(text: str) -> Chunk:
    """The part number, part count and digits of one ``shc:/`` QR text."""
    m = _CHUNK.match(text)
    if m:
        index, total = int(m.group(1)), int(m.group(2))
        if not 1 <= index <= total:
            raise ShcError(ErrorCode.MULTIPART, f"part {index} of {total} is not a valid part")
        return Chunk(index, total, m.group(3), headed=True)
    m = _SINGLE.match(text)
    if m:
        return Chunk(1, 1, m.group(1))
    if _ANY_CHUNK.match(text):
        raise ShcError(
            ErrorCode.MULTIPART,
            "the part header is not of the form shc:/N/M/ with N and M from 1 to 9999 "
            "(no leading zeros)",
        )
    raise ShcError(ErrorCode.NUMERIC, "a SMART Health Card QR holds only digits after shc:/")


def reassemble(texts: Sequence[str]) -> str:
    """The numeric body of a card from all its parts, in any order; errors name what is missing
    and what the (deprecated) chunking rules forbid."""
    chunks = [parse_chunk(t) for t in texts]
    totals = {c.total for c in chunks}
    if len(totals) != 1:
        raise ShcError(ErrorCode.MULTIPART, "the parts belong to cards of different sizes")
    total = totals.pop()
    if total == 1 and chunks[0].headed:
        raise ShcError(
            ErrorCode.SPEC,
            "a card in one QR code must start shc:/ followed by digits, not shc:/1/1/ "
            "(deprecated chunking)",
        )
    by_index: dict[int, Chunk] = {}
    for c in chunks:
        seen = by_index.setdefault(c.index, c)
        if seen.digits != c.digits:
            raise ShcError(
                ErrorCode.MULTIPART,
                f"two different QR codes claim to be part {c.index} of {total}",
            )
    missing = [i for i in range(1, total + 1) if i not in by_index]
    if missing:
        listed = ", ".join(str(i) for i in missing[:10])
        raise ShcError(
            ErrorCode.MULTIPART,
            f"part {listed} of {total} is missing; scan every QR code of the card",
        )
    limit = MAX_CHUNK_JWS if total > 1 else MAX_SINGLE_JWS
    for i in range(1, total + 1):
        if len(by_index[i].digits) > 2 * limit:
            raise ShcError(
                ErrorCode.SPEC,
                f"QR part {i} holds more than {limit} JWS characters, more than a "
                f"version-{MAX_QR_VERSION} QR code may",
            )
    digits = "".join(by_index[i].digits for i in range(1, total + 1))
    if total > 1 and len(digits) <= 2 * MAX_SINGLE_JWS:
        raise ShcError(
            ErrorCode.SPEC,
            f"the card was split into {total} QR codes although it fits in one "
            "(deprecated chunking)",
        )
    return digits


# Numeric decoding without a per-pair loop: the tens digits become bytes 10*d, the units
# digits bytes d + 45; added as two big integers, no byte carries (at most 90 + 9 + 45 < 256),
# so each byte of the sum is one JWS character.
_TENS = bytes.maketrans(b"0123456789", bytes(10 * d for d in range(10)))
_UNITS = bytes.maketrans(b"0123456789", bytes(d + 45 for d in range(10)))
_HIGHEST = ord("z")  # pair 77


def numeric_to_jws(digits: str) -> str:
    """Each pair of digits is one character: chr(value + 45)."""
    if len(digits) % 2:
        raise ShcError(ErrorCode.NUMERIC, "an odd number of digits")
    if not digits:
        return ""
    if not (digits.isascii() and digits.isdigit()):
        raise ShcError(ErrorCode.NUMERIC, "a SMART Health Card QR holds only digits after shc:/")
    raw = digits.encode("ascii")
    tens, units = raw[0::2].translate(_TENS), raw[1::2].translate(_UNITS)
    out = (int.from_bytes(tens, "big") + int.from_bytes(units, "big")).to_bytes(len(tens), "big")
    if max(out) > _HIGHEST:
        i = next(i for i in range(0, len(digits), 2) if int(digits[i : i + 2]) > 77)
        raise ShcError(
            ErrorCode.NUMERIC, f"digit pair {digits[i : i + 2]!r} at {i} is out of range"
        )
    return out.decode("ascii")


_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def _b64url(text: str, what: str) -> bytes:
    if not _B64URL.match(text):
        raise ShcError(ErrorCode.JWS, f"the JWS {what} is not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ShcError(ErrorCode.JWS, f"the JWS {what} is not base64url") from exc


def _inflate_raw(data: bytes) -> bytes:
    if has_zlib_header(data):
        try:
            inflate(data)
        except EnvelopeError:
            pass
        else:
            raise ShcError(
                ErrorCode.SPEC,
                "the payload is zlib-wrapped; SMART Health Cards use raw DEFLATE (no header)",
            )
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
    if d.unused_data:
        raise ShcError(ErrorCode.COMPRESSION, "there are bytes after the end of the DEFLATE data")
    return out


def _json(data: bytes, what: str) -> Any:
    """One JSON object, refused when it nests too deeply, is too large or is not valid Unicode
    (a lone surrogate escape such as \\ud800)."""
    try:
        text = data.decode("utf-8")
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ShcError(ErrorCode.JWS, f"the JWS {what} is not JSON") from exc
    if not isinstance(doc, dict):
        raise ShcError(ErrorCode.JWS, f"the JWS {what} is not a JSON object")
    try:
        check_json_depth(data, f"the JWS {what}")
    except ShapeError as exc:
        raise ShcError(ErrorCode.JWS, str(exc)) from exc
    if "\\u" in text and has_lone_surrogate(json.dumps(doc, ensure_ascii=False)):
        raise ShcError(ErrorCode.JWS, f"the JWS {what} holds text that is not valid Unicode")
    return doc


@dataclass(frozen=True)
class Jws:
    """A compact JWS taken apart."""

    header: Mapping[str, Any]
    payload: Mapping[str, Any]
    signing_input: bytes
    signature: bytes


def parse_jws(jws: str) -> Jws:
    """Header, inflated payload and signature of a compact JWS, held to the SMART Health Cards
    rules the dev-tools call errors: ``zip: DEF`` with raw DEFLATE, an https issuer URL without
    a trailing slash, a 64-byte r||s signature."""
    parts = jws.split(".")
    if len(parts) != 3:
        raise ShcError(ErrorCode.JWS, f"a compact JWS has 3 parts, this has {len(parts)}")
    header = _json(_b64url(parts[0], "header"), "header")
    if header.get("zip") != "DEF":
        raise ShcError(
            ErrorCode.JWS,
            f'the JWS header says zip {shown(header.get("zip"))}, not "DEF": SMART Health Card '
            "payloads must be DEFLATE-compressed",
        )
    body = _inflate_raw(_b64url(parts[1], "payload"))
    payload = _json(body, "payload")
    iss = payload.get("iss")
    if not isinstance(iss, str) or not isinstance(payload.get("vc"), dict):
        raise ShcError(ErrorCode.JWS, "the JWS payload is not a health card (no iss or vc)")
    bad_iss = check_shc_issuer(iss)
    if bad_iss is not None:
        raise ShcError(ErrorCode.SPEC, bad_iss)
    signature = _b64url(parts[2], "signature")
    if len(signature) != 64:
        der = len(signature) > 64 and signature[:1] == b"\x30"
        raise ShcError(
            ErrorCode.SPEC,
            "the signature is DER-encoded; ES256 in a JWS is the 64-byte r||s form"
            if der
            else f"the signature is {len(signature)} bytes; ES256 signatures are 64",
        )
    return Jws(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


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


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _fhir_summary(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Patient name/birth date and immunization/observation codes for display; only text is
    taken (the JSON came from a card: a number or a list where FHIR has text is dropped)."""
    out: dict[str, Any] = {}
    vc = payload.get("vc")
    subject = vc.get("credentialSubject") if isinstance(vc, dict) else None
    bundle = subject.get("fhirBundle") if isinstance(subject, dict) else None
    entries = bundle.get("entry") if isinstance(bundle, dict) else None
    if not isinstance(entries, list):
        return out
    events = []
    for entry in entries:
        res = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(res, dict):
            continue
        rtype = res.get("resourceType")
        if rtype == "Patient":
            names = res.get("name")
            if isinstance(names, list) and names and isinstance(names[0], dict):
                given = names[0].get("given")
                out["family_name"] = _text(names[0].get("family"))
                if isinstance(given, list):  # FHIR: a list of strings; anything else is dropped
                    given = " ".join(g for g in given if isinstance(g, str)) or None
                out["given_name"] = _text(given)
            out["dob"] = _text(res.get("birthDate"))
        elif rtype in ("Immunization", "Observation"):
            code = res.get("vaccineCode") if rtype == "Immunization" else res.get("code")
            coding = code.get("coding") if isinstance(code, dict) else None
            first = coding[0] if isinstance(coding, list) and coding else None
            events.append(
                {
                    "type": rtype,
                    "code": _text(first.get("code")) if isinstance(first, dict) else None,
                    "date": _text(res.get("occurrenceDateTime") or res.get("effectiveDateTime")),
                    "status": _text(res.get("status")),
                }
            )
    out["events"] = events
    return out


def _signature(
    jws: Jws, trust: TrustStore, issuer: str
) -> tuple[SignatureStatus, TrustedKey | None, list[str]]:
    alg, kid = jws.header.get("alg"), jws.header.get("kid")
    if alg != "ES256":
        return (
            SignatureStatus.UNSUPPORTED,
            None,
            [problem(ErrorCode.ALGORITHM, f"JWS algorithm {shown(alg)} is not ES256")],
        )
    if not isinstance(kid, str) or not kid:
        return (
            SignatureStatus.UNKNOWN_KEY,
            None,
            [problem(ErrorCode.KID_MISSING, "the JWS header names no key id (kid)")],
        )
    candidates, elsewhere = trust.candidates(kid.encode(), KeyFormat.SHC, issuer)
    if elsewhere is not None:
        return (
            SignatureStatus.INVALID,
            None,
            [problem(ErrorCode.WRONG_ISSUER, f"{elsewhere}; it cannot sign this card")],
        )
    if not candidates:
        return (
            SignatureStatus.UNKNOWN_KEY,
            None,
            [problem(ErrorCode.UNKNOWN_KEY, f"no trusted key of {issuer} has kid {shown(kid)}")],
        )
    key = next((k for k in candidates if _verify_es256(k, jws.signature, jws.signing_input)), None)
    if key is None:
        return (
            SignatureStatus.INVALID,
            None,
            [problem(ErrorCode.BAD_SIGNATURE, f"the signature does not verify with key {kid}")],
        )
    revoked = trust.revoked(kid, jws.payload)
    if revoked:
        return SignatureStatus.INVALID, key, [problem(ErrorCode.REVOKED, revoked)]
    return SignatureStatus.VALID, key, []


def verify_jws(
    jws_text: str,
    trust: TrustStore,
    at: datetime,
    *,
    fingerprint_source: bytes | None = None,
    skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> CredentialResult:
    """Verify a health card's compact JWS with the keys bound to its issuer (``iss``)."""
    fmt = CredentialFormat.SHC
    try:
        jws = parse_jws(jws_text)
    except ShcError as exc:
        return CredentialResult(fmt, False, errors=(problem(exc.code, str(exc)),))
    fingerprint = fingerprint_of(fmt, fingerprint_source or jws.signing_input)
    issuer: str = jws.payload["iss"]
    status, key, errors = _signature(jws, trust, issuer)
    nbf, exp = _instant(jws.payload.get("nbf")), _instant(jws.payload.get("exp"))
    validity = ValidityStatus.VALID
    not_after = exp
    if key is not None and key.not_after is not None:
        not_after = key.not_after if exp is None else min(exp, key.not_after)
    skewed = None
    if nbf is None:
        validity = ValidityStatus.UNKNOWN
        errors.append(problem(ErrorCode.CONTENT, "the card has no issuance time (nbf)"))
    elif nbf - at > skew:
        validity = ValidityStatus.NOT_YET_VALID
        errors.append(problem(ErrorCode.NOT_YET_VALID, f"issued only at {nbf.isoformat()}"))
    else:
        note = skew_note(nbf, at, skew)
        if note is not None:
            errors.append(note)
            skewed = round((nbf - at).total_seconds())
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
    fields["kid"] = jws.header.get("kid") if isinstance(jws.header.get("kid"), str) else None
    if skewed is not None:
        fields["clock_skew_seconds"] = skewed
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


def _stray_characters(raw: str) -> str | None:
    """Why the QR text has characters around ``shc:/`` that the spec does not allow."""
    if raw.startswith("\ufeff"):
        return "the QR text starts with a byte-order mark before shc:/"
    if raw != raw.strip():
        return "the QR text has leading or trailing characters (spaces, line breaks)"
    return None


def verify(
    parts: Sequence[str],
    trust: TrustStore,
    at: datetime,
    *,
    skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> CredentialResult:
    """Verify a card from its QR text(s), exactly as scanned: one ``shc:/`` text or every part
    of a split card."""
    try:
        for raw in parts:
            stray = _stray_characters(raw)
            if stray is not None:
                raise ShcError(ErrorCode.SPEC, stray)
        digits = reassemble(parts)
        jws = numeric_to_jws(digits)
    except ShcError as exc:
        return CredentialResult(CredentialFormat.SHC, False, errors=(problem(exc.code, str(exc)),))
    return verify_jws(jws, trust, at, skew=skew)
