"""Shared by HC1 and CKP1: check a COSE_Sign1 signature against the trust store, and the
CWT times against the verification clock and the signer certificate's validity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from checkpoint.credentials import base45
from checkpoint.credentials.cose import (
    CWT_EXP,
    CWT_IAT,
    EnvelopeError,
    Sign1,
    SignatureFailure,
    algorithm_name,
    parse_claims,
    parse_sign1,
    unwrap_compression,
    verify_signature,
)
from checkpoint.credentials.limits import shown
from checkpoint.credentials.model import (
    DEFAULT_CLOCK_SKEW,
    ErrorCode,
    SignatureStatus,
    ValidityStatus,
    problem,
)
from checkpoint.credentials.trust import KeyFormat, TrustedKey, TrustStore


@dataclass(frozen=True)
class SignatureOutcome:
    """The signature verdict, the key that verified it (if any) and what went wrong."""

    status: SignatureStatus
    key: TrustedKey | None
    errors: tuple[str, ...] = ()
    demo: bool = False


def check_signature(
    msg: Sign1, trust: TrustStore, fmt: KeyFormat, issuer: str | None, *, demo_ok: bool
) -> SignatureOutcome:
    """Try every trusted key with the message's kid (protected header first) that is bound to
    ``fmt`` and ``issuer``; a key of another format or issuer never verifies it."""
    if not msg.signature:
        return SignatureOutcome(
            SignatureStatus.ABSENT, None, (problem(ErrorCode.COSE, "the signature is empty"),)
        )
    alg = msg.alg
    alg_name = algorithm_name(alg)
    if alg_name is None:
        return SignatureOutcome(
            SignatureStatus.UNSUPPORTED,
            None,
            (
                problem(
                    ErrorCode.ALGORITHM,
                    f"signature algorithm {shown(alg)} is not supported (ES256, PS256 are)",
                ),
            ),
        )
    kid = msg.kid
    if kid is None:
        return SignatureOutcome(
            SignatureStatus.UNKNOWN_KEY,
            None,
            (problem(ErrorCode.KID_MISSING, "the message names no key id (kid)"),),
        )
    candidates, elsewhere = trust.candidates(kid, fmt, issuer)
    if elsewhere is not None:
        return SignatureOutcome(
            SignatureStatus.INVALID,
            None,
            (problem(ErrorCode.WRONG_ISSUER, f"{elsewhere}; it cannot sign this credential"),),
        )
    if not candidates:
        return SignatureOutcome(
            SignatureStatus.UNKNOWN_KEY,
            None,
            (problem(ErrorCode.UNKNOWN_KEY, f"no trusted key has kid {kid.hex()}"),),
        )
    data = msg.to_be_signed()
    failures = []
    for key in candidates:
        failure = verify_signature(alg, key.public_key, msg.signature, data)
        if failure is None:
            if key.demo and not demo_ok:
                return SignatureOutcome(
                    SignatureStatus.UNKNOWN_KEY,
                    key,
                    (
                        problem(
                            ErrorCode.DEMO,
                            "signed with the DEMO issuer key, which is trusted only in demo mode",
                        ),
                    ),
                    demo=True,
                )
            return SignatureOutcome(SignatureStatus.VALID, key, demo=key.demo)
        failures.append(failure)
    if all(f is SignatureFailure.WRONG_KEY_TYPE for f in failures):
        message = (
            f"the algorithm {alg_name} does not match the "
            f"{candidates[0].algorithm_family} key with kid {kid.hex()}"
        )
        return SignatureOutcome(
            SignatureStatus.INVALID, None, (problem(ErrorCode.ALGORITHM, message),)
        )
    return SignatureOutcome(
        SignatureStatus.INVALID,
        None,
        (
            problem(
                ErrorCode.BAD_SIGNATURE,
                f"the signature does not verify with the trusted key {kid.hex()}",
            ),
        ),
    )


def _timestamp(value: Any, name: str, errors: list[str]) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors.append(problem(ErrorCode.CWT, f"the {name} claim is not a number of seconds"))
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        errors.append(problem(ErrorCode.CWT, f"the {name} claim is out of range"))
        return None


@dataclass(frozen=True)
class TimeCheck:
    """Validity against the clock, with the issued/expiry instants found."""

    validity: ValidityStatus
    issued_at: datetime | None
    expires_at: datetime | None
    errors: tuple[str, ...] = ()
    #: seconds the credential was issued ahead of the lane clock (within the allowance)
    skew_seconds: float | None = None


def skew_note(issued: datetime, at: datetime, skew: timedelta) -> str | None:
    """The error entry recording that ``issued`` lies ahead of the lane clock ``at`` within the
    allowed ``skew`` (it is then valid), or None when it is not ahead."""
    if issued <= at:
        return None
    ahead = (issued - at).total_seconds()
    minutes = skew.total_seconds() / 60
    return problem(
        ErrorCode.CLOCK_SKEW,
        f"issued {ahead:.0f} s ahead of the lane clock, within the allowed {minutes:g} minutes",
    )


def check_times(
    claims: Mapping[Any, Any],
    at: datetime,
    key: TrustedKey | None,
    skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> TimeCheck:
    """``iat``/``exp`` against ``at``; the signer certificate's validity caps the expiry. A
    credential issued up to ``skew`` ahead of ``at`` is valid (the issuer's clock may run
    ahead of the lane's); the skew is recorded in the errors and :attr:`TimeCheck.skew`."""
    errors: list[str] = []
    iat = _timestamp(claims.get(CWT_IAT), "issued-at (iat)", errors)
    exp = _timestamp(claims.get(CWT_EXP), "expiry (exp)", errors)
    if errors:
        return TimeCheck(ValidityStatus.UNKNOWN, iat, exp, tuple(errors))
    not_before = iat
    not_after = exp
    if key is not None and key.not_after is not None:
        if exp is not None and exp > key.not_after:
            errors.append(
                problem(
                    ErrorCode.CERT_VALIDITY,
                    f"expiry {exp.isoformat()} is later than the signer certificate's "
                    f"{key.not_after.isoformat()}; the certificate's end counts",
                )
            )
        not_after = key.not_after if exp is None else min(exp, key.not_after)
    if key is not None and key.not_before is not None:
        not_before = key.not_before if not_before is None else max(not_before, key.not_before)
    if not_before is not None and not_before - at > skew:  # a difference cannot overflow
        errors.append(problem(ErrorCode.NOT_YET_VALID, f"valid only from {not_before.isoformat()}"))
        return TimeCheck(ValidityStatus.NOT_YET_VALID, iat, exp, tuple(errors))
    skewed = None
    if not_before is not None and at < not_before:
        note = skew_note(not_before, at, skew)
        if note is not None:
            errors.append(note)
            skewed = (not_before - at).total_seconds()
    if not_after is not None and at > not_after:
        errors.append(problem(ErrorCode.EXPIRED, f"expired at {not_after.isoformat()}"))
        return TimeCheck(ValidityStatus.EXPIRED, iat, exp, tuple(errors), skewed)
    if exp is None:
        errors.append(problem(ErrorCode.NO_EXPIRY, "the credential has no expiry (exp) claim"))
        return TimeCheck(ValidityStatus.UNKNOWN, iat, exp, tuple(errors), skewed)
    return TimeCheck(ValidityStatus.VALID, iat, exp, tuple(errors), skewed)


@dataclass(frozen=True)
class Opened:
    """A Base45 COSE envelope taken apart (not yet verified)."""

    message: Sign1
    claims: Mapping[Any, Any]


def open_envelope(body: str) -> Opened:
    """Base45 → zlib (or uncompressed) → COSE_Sign1 → CWT claims; EnvelopeError names the step."""
    try:
        raw = base45.decode(body)
    except base45.Base45Error as exc:
        raise EnvelopeError(ErrorCode.BASE45, str(exc)) from exc
    message = parse_sign1(unwrap_compression(raw))
    return Opened(message, parse_claims(message.payload))
