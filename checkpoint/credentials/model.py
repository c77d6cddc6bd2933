"""What verifying one QR payload found: the result type every caller (rules, desk, CLI) reads."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from checkpoint.credentials.claims import PassContent


class CredentialFormat(StrEnum):
    """Which kind of QR payload this was (凭证格式)."""

    HC1 = "HC1"
    SHC = "SHC"
    CKP1 = "CKP1"
    UNKNOWN = "unknown"


class SignatureStatus(StrEnum):
    """Outcome of the signature check."""

    VALID = "valid"
    INVALID = "invalid"
    UNKNOWN_KEY = "unknown_key"
    UNSUPPORTED = "unsupported"
    ABSENT = "absent"


class ValidityStatus(StrEnum):
    """Outcome of the issued-at / expiry check against the verification clock."""

    VALID = "valid"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    UNKNOWN = "unknown"


class ErrorCode(StrEnum):
    """Stable codes that start every message in :attr:`CredentialResult.errors`."""

    PREFIX = "prefix"
    BASE45 = "base45"
    NUMERIC = "numeric"
    COMPRESSION = "compression"
    CBOR = "cbor"
    COSE = "cose"
    CWT = "cwt"
    JWS = "jws"
    ALGORITHM = "algorithm"
    KID_MISSING = "kid_missing"
    UNKNOWN_KEY = "unknown_key"
    WRONG_ISSUER = "wrong_issuer"
    BAD_SIGNATURE = "bad_signature"
    KEY_USAGE = "key_usage"
    REVOKED = "revoked"
    CERT_VALIDITY = "certificate_validity"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    CLOCK_SKEW = "clock_skew"
    NO_EXPIRY = "no_expiry"
    CONTENT = "content"
    DEMO = "demo"
    MULTIPART = "multipart"
    OFFLINE = "offline"
    NO_CODE = "no_code"
    SPEC = "spec"


#: how far ahead of the lane clock a credential may have been issued and still be valid
#: (the policy's ``clock_skew_minutes``; this is its default)
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)


def problem(code: ErrorCode, message: str) -> str:
    """One error entry: the stable code, a colon, then a plain sentence."""
    return f"{code.value}: {message}"


def fingerprint_of(fmt: CredentialFormat, signed_content: bytes) -> str:
    """Hex SHA-256 naming one credential; a hash, so it carries no readable personal data."""
    return hashlib.sha256(
        b"checkpoint-credential/1\x00" + fmt.value.encode() + b"\x00" + signed_content
    ).hexdigest()


@dataclass(frozen=True)
class CredentialResult:
    """Everything verifying one payload found (凭证核验结果). Built by ``verify_payload``."""

    format: CredentialFormat
    decoded: bool
    kind: str | None = None
    signature: SignatureStatus = SignatureStatus.ABSENT
    validity: ValidityStatus = ValidityStatus.UNKNOWN
    issuer: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    demo: bool = False
    fingerprint: str = ""
    content: PassContent | None = field(default=None, compare=False, repr=False)

    @property
    def error_codes(self) -> frozenset[str]:
        """The stable codes of :attr:`errors` (the part before the colon)."""
        return frozenset(e.split(":", 1)[0] for e in self.errors)

    @property
    def trusted(self) -> bool:
        """Signed by a trusted key and within its validity: its content may be relied on."""
        return self.signature is SignatureStatus.VALID and self.validity is ValidityStatus.VALID

    def to_json(self) -> dict[str, Any]:
        """The command-line contract's credential object (exactly its keys)."""
        return {
            "format": self.format.value,
            "decoded": self.decoded,
            "kind": self.kind,
            "signature": self.signature.value,
            "validity": self.validity.value,
            "issuer": self.issuer,
            "fields": dict(self.fields),
            "errors": list(self.errors),
        }


def jsonable(value: Any) -> Any:
    """A JSON-friendly copy of decoded CBOR/JSON data (maps with text keys, lists, text)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
