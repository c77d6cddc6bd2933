"""Test issuers for the trust tests: EC keys, a self-signed DSC, SHC key sets and signed cards.

Real keys and real signatures (cryptography); nothing here is mocked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from checkpoint.credentials import base45
from checkpoint.credentials.cose import sign1
from checkpoint.credentials.trust import jwk_thumbprint

EKU_TEST = "1.3.6.1.4.1.1847.2021.1.1"
EKU_VACCINATION = "1.3.6.1.4.1.1847.2021.1.2"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_key(curve: ec.EllipticCurve | None = None) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(curve or ec.SECP256R1())


def public_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def certificate(
    key: ec.EllipticCurvePrivateKey,
    *,
    country: str | None = "DE",
    eku: list[str] | None = None,
    uri: str | None = None,
) -> x509.Certificate:
    """A self-signed certificate for ``key`` (a DSC when ``country`` is set)."""
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, "Test signer")]
    if country:
        attrs.append(x509.NameAttribute(NameOID.COUNTRY_NAME, country))
    name = x509.Name(attrs)
    now = datetime(2021, 1, 1, tzinfo=UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=3650))
    )
    if eku:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([x509.ObjectIdentifier(o) for o in eku]), critical=False
        )
    if uri:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(uri)]), critical=False
        )
    return builder.sign(key, hashes.SHA256())


def cert_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def cert_kid(cert: x509.Certificate) -> bytes:
    return hashlib.sha256(cert_der(cert)).digest()[:8]


def hcert_claims(at: datetime, groups: str = "v", iss: str | None = "DE") -> dict[Any, Any]:
    dgc: dict[str, Any] = {"ver": "1.3.0", "nam": {"fnt": "MUSTER"}, "dob": "1990-01-01"}
    for g in groups:
        dgc[g] = [{"tg": "840539006", "ci": f"URN:UVCI:01:DE:{g}"}]
    claims: dict[Any, Any] = {
        6: int(at.timestamp()),
        4: int((at + timedelta(days=30)).timestamp()),
        -260: {1: dgc},
    }
    if iss is not None:
        claims[1] = iss
    return claims


def cose_text(
    prefix: str, claims: dict[Any, Any], key: ec.EllipticCurvePrivateKey, kid: bytes
) -> str:
    return prefix + base45.encode(zlib.compress(sign1(claims, key, kid)))


def jwk(key: ec.EllipticCurvePrivateKey, **extra: Any) -> dict[str, Any]:
    """The public JWK of ``key`` with its thumbprint kid, ES256, use sig (``extra`` overrides)."""
    numbers = key.public_key().public_numbers()
    size = (key.curve.key_size + 7) // 8
    out: dict[str, Any] = {
        "kty": "EC",
        "crv": {256: "P-256", 384: "P-384"}[key.curve.key_size],
        "x": b64u(numbers.x.to_bytes(size, "big")),
        "y": b64u(numbers.y.to_bytes(size, "big")),
        "use": "sig",
        "alg": "ES256",
    }
    out["kid"] = jwk_thumbprint(out)
    out.update(extra)
    return out


def raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def card_payload(iss: str, nbf: datetime) -> dict[str, Any]:
    return {
        "iss": iss,
        "nbf": int(nbf.timestamp()),
        "vc": {
            "type": ["https://smarthealth.cards#health-card"],
            "credentialSubject": {
                "fhirVersion": "4.0.1",
                "fhirBundle": {
                    "resourceType": "Bundle",
                    "type": "collection",
                    "entry": [
                        {
                            "fullUrl": "resource:0",
                            "resource": {
                                "resourceType": "Patient",
                                "name": [{"family": "Anyperson", "given": ["John"]}],
                                "birthDate": "1951-01-20",
                            },
                        },
                        {
                            "fullUrl": "resource:1",
                            "resource": {
                                "resourceType": "Immunization",
                                "status": "completed",
                                "vaccineCode": {
                                    "coding": [
                                        {"system": "http://hl7.org/fhir/sid/cvx", "code": "207"}
                                    ]
                                },
                                "occurrenceDateTime": "2021-01-01",
                            },
                        },
                    ],
                },
            },
        },
    }


def jws(
    key: ec.EllipticCurvePrivateKey,
    payload: dict[str, Any] | bytes,
    *,
    kid: str | None = None,
    header: dict[str, Any] | None = None,
    compress: str = "raw",
    der_signature: bool = False,
) -> str:
    """A compact JWS as a SMART Health Card issuer makes it (``compress``: raw, zlib, none)."""
    body = (
        payload
        if isinstance(payload, bytes)
        else json.dumps(payload, separators=(",", ":")).encode()
    )
    if compress == "raw":
        body = raw_deflate(body)
    elif compress == "zlib":
        body = zlib.compress(body)
    head = (
        header
        if header is not None
        else {"zip": "DEF", "alg": "ES256", "kid": kid or jwk(key)["kid"]}
    )
    signing_input = f"{b64u(json.dumps(head).encode())}.{b64u(body)}".encode()
    der = key.sign(signing_input, ec.ECDSA(hashes.SHA256()))
    if der_signature:
        sig = der
    else:
        r, s = decode_dss_signature(der)
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{signing_input.decode()}.{b64u(sig)}"


def numeric(jws_text: str) -> str:
    return "".join(f"{ord(c) - 45:02d}" for c in jws_text)


def shc_qr(jws_text: str) -> str:
    return "shc:/" + numeric(jws_text)
