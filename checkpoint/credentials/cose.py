"""The HC1/CKP1 envelope: zlib with a size cap, COSE_Sign1 (RFC 9052) and CWT claims.

Hand-written on cbor2 + cryptography: the envelope is small, and every failure has to map to a
specific status rather than a library exception.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from checkpoint.credentials.limits import ShapeError, check_shape
from checkpoint.credentials.model import ErrorCode

# A QR code holds at most ~3 KB; real certificates inflate to well under 10 KB.
MAX_INFLATED = 64 * 1024

TAG_SIGN1 = 18
TAG_CWT = 61
HDR_ALG = 1
HDR_KID = 4
CWT_ISS = 1
CWT_EXP = 4
CWT_IAT = 6

ES256, ES384, ES512, PS256 = -7, -35, -36, -37
ALGORITHM_NAMES = {ES256: "ES256", ES384: "ES384", ES512: "ES512", PS256: "PS256"}
_EC_PARAMS: dict[int, tuple[type[ec.EllipticCurve], hashes.HashAlgorithm, int]] = {
    ES256: (ec.SECP256R1, hashes.SHA256(), 32),
    ES384: (ec.SECP384R1, hashes.SHA384(), 48),
    ES512: (ec.SECP521R1, hashes.SHA512(), 66),
}


class EnvelopeError(ValueError):
    """A step of unwrapping failed; ``code`` says which (compression, cbor, cose, cwt, ...)."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


def has_zlib_header(data: bytes) -> bool:
    """Whether ``data`` starts with a zlib (RFC 1950) header using deflate."""
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def inflate(data: bytes, limit: int = MAX_INFLATED) -> bytes:
    """zlib-decompress ``data``, refusing more than ``limit`` bytes of output (zip bombs)."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, limit + 1)
    except zlib.error as exc:
        raise EnvelopeError(ErrorCode.COMPRESSION, f"zlib data is corrupt ({exc})") from exc
    if len(out) > limit or d.unconsumed_tail:
        raise EnvelopeError(
            ErrorCode.COMPRESSION, f"the payload inflates to more than {limit} bytes"
        )
    if not d.eof:
        raise EnvelopeError(ErrorCode.COMPRESSION, "zlib data is truncated")
    return out


def unwrap_compression(data: bytes) -> bytes:
    """The COSE bytes: inflated when zlib-compressed; uncompressed input is accepted as is."""
    if has_zlib_header(data):
        return inflate(data)
    if data[:1] in (b"\xd2", b"\x84") or data[:2] == b"\xd8\x3d":
        return data
    raise EnvelopeError(
        ErrorCode.COMPRESSION, "the payload is neither zlib-compressed nor a COSE message"
    )


def cbor_loads(data: bytes, what: str) -> Any:
    """Decode exactly one CBOR item; trailing bytes are an error."""
    fp = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(fp).decode()
    except Exception as exc:  # cbor2 raises several types on hostile input (depth, EOF, tags)
        raise EnvelopeError(ErrorCode.CBOR, f"{what} is not valid CBOR ({exc})") from exc
    if fp.tell() != len(data):
        raise EnvelopeError(ErrorCode.CBOR, f"{what} has {len(data) - fp.tell()} trailing bytes")
    try:
        # shared references (tags 28/29) can make cycles; nothing after this may recurse forever
        check_shape(value, what)
    except ShapeError as exc:
        raise EnvelopeError(ErrorCode.CBOR, str(exc)) from exc
    return value


@dataclass(frozen=True)
class Sign1:
    """A parsed COSE_Sign1 message."""

    protected_bytes: bytes
    protected: Mapping[Any, Any]
    unprotected: Mapping[Any, Any]
    payload: bytes
    signature: bytes

    @property
    def alg(self) -> Any:
        """The algorithm id as found, from the protected header (the unprotected one as a
        fallback); any CBOR value, so compare it only through :func:`algorithm_name`."""
        return self.protected.get(HDR_ALG, self.unprotected.get(HDR_ALG))

    @property
    def kid(self) -> bytes | None:
        """The key id: protected header first, then unprotected; None when absent or not bytes."""
        for header in (self.protected, self.unprotected):
            kid = header.get(HDR_KID)
            if isinstance(kid, bytes):
                return kid
        return None

    def to_be_signed(self) -> bytes:
        """The Sig_structure the signature covers."""
        return cbor2.dumps(["Signature1", self.protected_bytes, b"", self.payload])


def parse_sign1(data: bytes) -> Sign1:
    """A COSE_Sign1 message, tagged 18, untagged, or wrapped in the CWT tag 61."""
    item = cbor_loads(data, "the COSE message")
    if isinstance(item, cbor2.CBORTag) and item.tag == TAG_CWT:
        item = item.value
    if isinstance(item, cbor2.CBORTag):
        if item.tag != TAG_SIGN1:
            raise EnvelopeError(ErrorCode.COSE, f"CBOR tag {item.tag} is not COSE_Sign1 (18)")
        item = item.value
    if not isinstance(item, list | tuple) or len(item) != 4:
        raise EnvelopeError(ErrorCode.COSE, "not a COSE_Sign1 structure (an array of four)")
    protected_bytes, unprotected, payload, signature = item
    if not isinstance(protected_bytes, bytes):
        raise EnvelopeError(ErrorCode.COSE, "the protected header is not a byte string")
    if not isinstance(unprotected, Mapping):
        raise EnvelopeError(ErrorCode.COSE, "the unprotected header is not a map")
    if not isinstance(payload, bytes) or not isinstance(signature, bytes):
        raise EnvelopeError(ErrorCode.COSE, "the payload or signature is not a byte string")
    protected: Any = cbor_loads(protected_bytes, "the protected header") if protected_bytes else {}
    if not isinstance(protected, Mapping):
        raise EnvelopeError(ErrorCode.COSE, "the protected header is not a map")
    return Sign1(protected_bytes, protected, unprotected, payload, signature)


def parse_claims(payload: bytes) -> Mapping[Any, Any]:
    """The CWT claims map of a COSE payload."""
    claims = cbor_loads(payload, "the CWT payload")
    if isinstance(claims, cbor2.CBORTag):
        raise EnvelopeError(ErrorCode.CWT, f"the CWT payload is a CBOR tag {claims.tag}, not a map")
    if not isinstance(claims, Mapping):
        raise EnvelopeError(ErrorCode.CWT, "the CWT payload is not a map of claims")
    return claims


class SignatureFailure(Enum):
    """Why one key did not verify a signature."""

    BAD = "bad"
    UNSUPPORTED = "unsupported"
    WRONG_KEY_TYPE = "wrong_key_type"


def algorithm_name(alg: Any) -> str | None:
    """``ES256`` etc. for a supported COSE algorithm id; None for anything else (a list, a map,
    text, a bool: a header can hold any CBOR value)."""
    if not isinstance(alg, int) or isinstance(alg, bool):
        return None
    return ALGORITHM_NAMES.get(alg)


def verify_signature(
    alg: Any, key: object, signature: bytes, data: bytes
) -> SignatureFailure | None:
    """None when ``signature`` over ``data`` verifies with ``key`` under COSE ``alg``."""
    if algorithm_name(alg) is None:
        return SignatureFailure.UNSUPPORTED
    if alg in _EC_PARAMS:
        curve, digest, size = _EC_PARAMS[alg]
        if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, curve):
            return SignatureFailure.WRONG_KEY_TYPE
        if len(signature) != 2 * size:
            return SignatureFailure.BAD
        der = encode_dss_signature(
            int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
        )
        try:
            key.verify(der, data, ec.ECDSA(digest))
        except InvalidSignature:
            return SignatureFailure.BAD
        return None
    if alg == PS256:
        if not isinstance(key, rsa.RSAPublicKey):
            return SignatureFailure.WRONG_KEY_TYPE
        try:
            key.verify(
                signature,
                data,
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError):
            return SignatureFailure.BAD
        return None
    return SignatureFailure.UNSUPPORTED


def sign1(claims: Mapping[Any, Any], private_key: ec.EllipticCurvePrivateKey, kid: bytes) -> bytes:
    """A tagged COSE_Sign1 (ES256) over the CBOR-encoded ``claims``."""
    protected = cbor2.dumps({HDR_ALG: ES256, HDR_KID: kid})
    payload = cbor2.dumps(dict(claims))
    tbs = cbor2.dumps(["Signature1", protected, b"", payload])
    r, s = decode_dss_signature(private_key.sign(tbs, ec.ECDSA(hashes.SHA256())))
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return cbor2.dumps(cbor2.CBORTag(TAG_SIGN1, [protected, {}, payload, signature]))
