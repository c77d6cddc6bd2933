"""This project's signed checkpoint pass (``CKP1:``): the HC1 envelope with our own claims.

The claim set is documented with a worked example in ``docs/ckp1.md``. Passes signed by the
demo issuer key carry ``"demo": true`` and are labelled DEMO wherever they are shown.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from checkpoint.credentials import base45
from checkpoint.credentials.claims import (
    PASS_NUMBER,
    REGION_CODE,
    GoodsPass,
    NucleicAcidTest,
    PassContent,
    PlaceVisit,
    Region,
    RiskMark,
    TestResult,
)
from checkpoint.credentials.cose import CWT_EXP, CWT_IAT, CWT_ISS, EnvelopeError, sign1
from checkpoint.credentials.envelope import check_signature, check_times, open_envelope
from checkpoint.credentials.model import (
    DEFAULT_CLOCK_SKEW,
    CredentialFormat,
    CredentialResult,
    ErrorCode,
    fingerprint_of,
    problem,
)
from checkpoint.credentials.trust import KeyFormat, TrustStore, public_key_kid
from checkpoint.domain import CodeColour

PREFIX = "CKP1:"
CLAIM_PASS = -80001  # a private-use CWT claim key (RFC 8392: below -65536)
CLAIM_VERSION = 1
DEMO_LABEL = "DEMO"
_COLOURS = {c.value: c for c in CodeColour}


class ClaimError(ValueError):
    """A checkpoint-pass claim is missing or malformed; the message names it."""


def _epoch(value: datetime) -> int:
    return int(value.timestamp())


def _region_claim(region: Region) -> dict[str, str]:
    return {"rc": region.code, "n": region.name}


def encode_claims(content: PassContent) -> dict[str, Any]:
    """The ``-80001`` claim map for ``content`` (short keys keep the QR small)."""
    out: dict[str, Any] = {"v": CLAIM_VERSION}
    if content.holder:
        out["h"] = content.holder
    if content.code_colour is not None:
        hc: dict[str, Any] = {"c": content.code_colour.value}
        if content.code_time is not None:
            hc["t"] = _epoch(content.code_time)
        out["hc"] = hc
    if content.places or content.itinerary_days is not None:
        it: dict[str, Any] = {
            "p": [
                {
                    **_region_claim(p.region),
                    "d": p.visited_on.isoformat(),
                    **({"m": p.mark.value} if p.mark else {}),
                }
                for p in content.places
            ]
        }
        if content.itinerary_days is not None:
            it["w"] = content.itinerary_days
        out["it"] = it
    if content.test is not None:
        out["na"] = {
            "st": _epoch(content.test.sample_time),
            "r": content.test.result.value,
            "m": content.test.method,
        }
    if content.goods_pass is not None:
        gp = content.goods_pass
        out["gp"] = {
            "no": gp.number,
            "pl": gp.plate,
            "o": _region_claim(gp.origin),
            "ds": _region_claim(gp.destination),
            "vf": gp.valid_from.isoformat(),
            "vt": gp.valid_to.isoformat(),
            "cg": gp.cargo,
        }
    if content.demo:
        out["demo"] = True
    return out


def _get(m: Mapping[Any, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = m.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ClaimError(f"{where}.{key} is missing or not of the right type")
    return value


def _map(m: Mapping[Any, Any], key: str, where: str) -> Mapping[Any, Any]:
    value = _get(m, key, Mapping, where)
    assert isinstance(value, Mapping)
    return value


def _date(m: Mapping[Any, Any], key: str, where: str) -> date:
    text = _get(m, key, str, where)
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ClaimError(f"{where}.{key} is not a date (YYYY-MM-DD)") from exc


def _time(m: Mapping[Any, Any], key: str, where: str) -> datetime:
    value = _get(m, key, int, where)
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ClaimError(f"{where}.{key} is out of range") from exc


def _region(m: Mapping[Any, Any], key: str | None, where: str) -> Region:
    r = _map(m, key, where) if key else m
    code = _get(r, "rc", str, where)
    if not REGION_CODE.match(code):
        raise ClaimError(f"{where}: {code!r} is not a six-digit GB/T 2260 region code")
    return Region(code, _get(r, "n", str, where))


def decode_claims(raw: Any) -> PassContent:
    """The pass content of a ``-80001`` claim map; :class:`ClaimError` names the bad claim."""
    if not isinstance(raw, Mapping):
        raise ClaimError("the checkpoint-pass claim (-80001) is missing or not a map")
    if raw.get("v") != CLAIM_VERSION:
        raise ClaimError(f"claim-set version {raw.get('v')!r} is not supported (1 is)")
    holder = raw.get("h") if isinstance(raw.get("h"), str) else None
    colour = code_time = None
    if "hc" in raw:
        hc = _map(raw, "hc", "hc")
        colour = _COLOURS.get(_get(hc, "c", str, "hc"))
        if colour is None:
            raise ClaimError("hc.c must be green, yellow or red")
        code_time = _time(hc, "t", "hc") if "t" in hc else None
    days = None
    places: list[PlaceVisit] = []
    if "it" in raw:
        it = _map(raw, "it", "it")
        if "w" in it:
            days = _get(it, "w", int, "it")
        for i, p in enumerate(_get(it, "p", (list, tuple), "it")):
            where = f"it.p[{i}]"
            if not isinstance(p, Mapping):
                raise ClaimError(f"{where} is not a map")
            mark = None
            if "m" in p:
                try:
                    mark = RiskMark(_get(p, "m", str, where))
                except ValueError as exc:
                    raise ClaimError(f"{where}.m must be 'star'") from exc
            places.append(PlaceVisit(_region(p, None, where), _date(p, "d", where), mark))
    test = None
    if "na" in raw:
        na = _map(raw, "na", "na")
        try:
            result = TestResult(_get(na, "r", str, "na"))
        except ValueError as exc:
            raise ClaimError("na.r must be negative or positive") from exc
        test = NucleicAcidTest(_time(na, "st", "na"), result, _get(na, "m", str, "na"))
    goods = None
    if "gp" in raw:
        gp = _map(raw, "gp", "gp")
        number = _get(gp, "no", str, "gp")
        if not PASS_NUMBER.match(number):
            raise ClaimError("gp.no must be a 12-digit pass number")
        goods = GoodsPass(
            number=number,
            plate=_get(gp, "pl", str, "gp"),
            origin=_region(gp, "o", "gp.o"),
            destination=_region(gp, "ds", "gp.ds"),
            valid_from=_date(gp, "vf", "gp"),
            valid_to=_date(gp, "vt", "gp"),
            cargo=str(gp.get("cg") or ""),
        )
    return PassContent(
        holder=holder,
        code_colour=colour,
        code_time=code_time,
        itinerary_days=days,
        places=tuple(places),
        test=test,
        goods_pass=goods,
        demo=raw.get("demo") is True,
    )


def mint(
    content: PassContent,
    private_key: ec.EllipticCurvePrivateKey,
    *,
    issuer: str,
    issued_at: datetime,
    expires_at: datetime,
) -> str:
    """The ``CKP1:`` text of a pass signed (ES256) with ``private_key``."""
    claims = {
        CWT_ISS: issuer,
        CWT_IAT: _epoch(issued_at),
        CWT_EXP: _epoch(expires_at),
        CLAIM_PASS: encode_claims(content),
    }
    cose = sign1(claims, private_key, public_key_kid(private_key.public_key()))
    return PREFIX + base45.encode(zlib.compress(cose, 9))


def fields_of(content: PassContent) -> dict[str, Any]:
    """The pass content for display and JSON output (ISO dates, enum values)."""
    out: dict[str, Any] = {}
    if content.holder:
        out["holder"] = content.holder
    if content.code_colour is not None:
        out["code_colour"] = content.code_colour.value
        out["code_time"] = content.code_time.isoformat() if content.code_time else None
    if content.places or content.itinerary_days is not None:
        out["itinerary_days"] = content.itinerary_days
        out["places"] = [p.to_json() for p in content.places]
    if content.test is not None:
        out["test"] = content.test.to_json()
    if content.goods_pass is not None:
        out["goods_pass"] = content.goods_pass.to_json()
    return out


def verify(
    text: str,
    trust: TrustStore,
    at: datetime,
    *,
    demo_ok: bool = False,
    skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> CredentialResult:
    """Verify one ``CKP1:`` payload; never raises on bad input."""
    fmt = CredentialFormat.CKP1
    try:
        opened = open_envelope(text[len(PREFIX) :])
    except EnvelopeError as exc:
        return CredentialResult(fmt, False, errors=(problem(exc.code, str(exc)),))
    msg, claims = opened.message, opened.claims
    fingerprint = fingerprint_of(fmt, msg.to_be_signed())
    try:
        content = decode_claims(claims.get(CLAIM_PASS))
    except ClaimError as exc:
        return CredentialResult(
            fmt, False, errors=(problem(ErrorCode.CONTENT, str(exc)),), fingerprint=fingerprint
        )
    iss = claims.get(CWT_ISS) if isinstance(claims.get(CWT_ISS), str) else None
    sig = check_signature(msg, trust, KeyFormat.CKP1, iss, demo_ok=demo_ok)
    times = check_times(claims, at, sig.key, skew)
    errors = [*sig.errors, *times.errors]
    if content.test is not None and content.test.sample_time - at > skew:
        errors.append(problem(ErrorCode.CONTENT, "the test's sample time is in the future"))
    demo = sig.demo or content.demo
    issuer = iss
    fields = fields_of(content)
    fields["issued_at"] = times.issued_at.isoformat() if times.issued_at else None
    fields["expires_at"] = times.expires_at.isoformat() if times.expires_at else None
    if times.skew_seconds is not None:
        fields["clock_skew_seconds"] = round(times.skew_seconds)
    if demo:
        issuer = iss if iss and DEMO_LABEL in iss else f"{DEMO_LABEL} · {iss or 'demo issuer'}"
        fields["demo"] = True
        fields["label"] = f"{DEMO_LABEL} 演示凭证 — not a real pass"
    return CredentialResult(
        fmt,
        True,
        kind=content.kind,
        signature=sig.status,
        validity=times.validity,
        issuer=issuer,
        fields=fields,
        errors=tuple(errors),
        demo=demo,
        fingerprint=fingerprint,
        content=content,
    )
