"""Parse and verify QR payloads offline: EU DCC (``HC1:``), SMART Health Card (``shc:/``), this
project's checkpoint pass (``CKP1:``); anything else is recognised as "check by eye"."""

from checkpoint.credentials.claims import (
    GoodsPass,
    NucleicAcidTest,
    PassContent,
    PlaceVisit,
    Region,
    RiskMark,
    TestResult,
)
from checkpoint.credentials.model import (
    CredentialFormat,
    CredentialResult,
    ErrorCode,
    SignatureStatus,
    ValidityStatus,
)
from checkpoint.credentials.parse import verify_payload, verify_payloads

__all__ = [
    "CredentialFormat",
    "CredentialResult",
    "ErrorCode",
    "GoodsPass",
    "NucleicAcidTest",
    "PassContent",
    "PlaceVisit",
    "Region",
    "RiskMark",
    "SignatureStatus",
    "TestResult",
    "ValidityStatus",
    "verify_payload",
    "verify_payloads",
]
