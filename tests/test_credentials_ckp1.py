"""Checkpoint passes (CKP1): mint → verify, demo labelling, and every kind of bad input."""

from __future__ import annotations

import zlib
from datetime import UTC, date, datetime, timedelta

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from checkpoint.credentials import (
    CredentialFormat,
    GoodsPass,
    NucleicAcidTest,
    PassContent,
    PlaceVisit,
    Region,
    RiskMark,
    SignatureStatus,
    TestResult,
    ValidityStatus,
    base45,
    verify_payload,
)
from checkpoint.credentials.ckp1 import CLAIM_PASS, encode_claims, mint
from checkpoint.credentials.cose import MAX_INFLATED
from checkpoint.credentials.trust import (
    DEMO_PRIVATE_KEY,
    TrustStore,
    key_from_public_key,
    public_key_kid,
)
from checkpoint.domain import CodeColour

AT = datetime(2022, 4, 20, 8, 0, tzinfo=UTC)
CONTENT = PassContent(
    holder="张*",
    code_colour=CodeColour.GREEN,
    itinerary_days=14,
    places=(
        PlaceVisit(Region("330100", "杭州市"), date(2022, 4, 18)),
        PlaceVisit(Region("310100", "上海市"), date(2022, 4, 10), RiskMark.STAR),
    ),
    test=NucleicAcidTest(AT - timedelta(hours=20), TestResult.NEGATIVE, "PCR"),
    goods_pass=GoodsPass(
        "330100000001",
        "浙A12345",
        Region("330100", "杭州市"),
        Region("330182", "建德市"),
        date(2022, 4, 15),
        date(2022, 5, 15),
        "蔬菜",
    ),
)


@pytest.fixture(scope="module")
def issuer() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _store(key: ec.EllipticCurvePrivateKey) -> TrustStore:
    store = TrustStore()
    store.add([key_from_public_key(key.public_key(), "test issuer")])
    return store


def _mint(key: ec.EllipticCurvePrivateKey, content: PassContent = CONTENT, **kw: object) -> str:
    issued = kw.pop("issued_at", AT - timedelta(hours=1))
    expires = kw.pop("expires_at", AT + timedelta(hours=23))
    return mint(content, key, issuer="浙江卡口", issued_at=issued, expires_at=expires)  # type: ignore[arg-type]


def _envelope(
    protected: dict,
    unprotected: dict,
    claims: dict,
    sign_with=None,
    *,
    tag: int | None = 18,
    compress: bool = True,
    signature: bytes | None = None,
    prefix: str = "CKP1:",
) -> str:
    """A hand-made COSE_Sign1 with whatever headers a test needs."""
    p = cbor2.dumps(protected) if protected else b""
    payload = cbor2.dumps(claims)
    if signature is None:
        tbs = cbor2.dumps(["Signature1", p, b"", payload])
        if isinstance(sign_with, ec.EllipticCurvePrivateKey):
            r, s = decode_dss_signature(sign_with.sign(tbs, ec.ECDSA(hashes.SHA256())))
            signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        else:
            signature = b"\x00" * 64
    msg = [p, unprotected, payload, signature]
    raw = cbor2.dumps(cbor2.CBORTag(tag, msg) if tag is not None else msg)
    return prefix + base45.encode(zlib.compress(raw) if compress else raw)


def _claims(extra: dict | None = None) -> dict:
    base = {
        1: "test",
        6: int((AT - timedelta(hours=1)).timestamp()),
        4: int((AT + timedelta(hours=1)).timestamp()),
        CLAIM_PASS: encode_claims(CONTENT),
    }
    base.update(extra or {})
    return base


def test_round_trip(issuer: ec.EllipticCurvePrivateKey) -> None:
    text = _mint(issuer)
    result = verify_payload(text, _store(issuer), AT)
    assert result.format is CredentialFormat.CKP1
    assert (result.decoded, result.signature, result.validity) == (
        True,
        SignatureStatus.VALID,
        ValidityStatus.VALID,
    )
    assert result.kind == "goods_vehicle"
    assert result.content is not None and result.content.goods_pass == CONTENT.goods_pass
    assert result.content.places == CONTENT.places
    assert result.content.test == CONTENT.test
    assert result.fields["goods_pass"]["number"] == "330100000001"
    assert not result.demo and "DEMO" not in (result.issuer or "")
    assert len(result.fingerprint) == 64 and "张" not in result.fingerprint
    assert verify_payload(text, _store(issuer), AT).fingerprint == result.fingerprint
    json_obj = result.to_json()
    assert set(json_obj) == {
        "format",
        "decoded",
        "kind",
        "signature",
        "validity",
        "issuer",
        "fields",
        "errors",
    }


def test_demo_pass_is_labelled_and_trusted_only_in_demo_mode() -> None:
    key = serialization.load_pem_private_key(DEMO_PRIVATE_KEY.read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    text = mint(
        CONTENT, key, issuer="DEMO 演示签发方", issued_at=AT, expires_at=AT + timedelta(days=1)
    )
    off = verify_payload(text, TrustStore(), AT)
    assert off.demo and off.signature is SignatureStatus.UNKNOWN_KEY and "demo" in off.error_codes
    assert "DEMO" in (off.issuer or "") and off.fields["demo"] is True
    on = verify_payload(text, TrustStore(), AT, demo=True)
    assert on.demo and on.signature is SignatureStatus.VALID and "DEMO" in (on.issuer or "")
    via_store = verify_payload(text, TrustStore(demo_trusted=True), AT)
    assert via_store.signature is SignatureStatus.VALID


def test_times(issuer: ec.EllipticCurvePrivateKey) -> None:
    text = _mint(issuer)
    store = _store(issuer)
    late = verify_payload(text, store, AT + timedelta(days=2))
    assert late.validity is ValidityStatus.EXPIRED and "expired" in late.error_codes
    early = verify_payload(text, store, AT - timedelta(days=1))
    assert early.validity is ValidityStatus.NOT_YET_VALID and "not_yet_valid" in early.error_codes
    naive = verify_payload(text, store, AT.replace(tzinfo=None))
    assert naive.validity is ValidityStatus.VALID


def test_unknown_key_and_wrong_signature(issuer: ec.EllipticCurvePrivateKey) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    text = _mint(other)
    assert verify_payload(text, _store(issuer), AT).signature is SignatureStatus.UNKNOWN_KEY
    # right kid, wrong signer
    kid = public_key_kid(issuer.public_key())
    forged = _envelope({1: -7, 4: kid}, {}, _claims(), other)
    result = verify_payload(forged, _store(issuer), AT)
    assert result.signature is SignatureStatus.INVALID and "bad_signature" in result.error_codes
    assert result.decoded  # content shown, but not trusted
    assert not result.trusted


def test_envelope_variants(issuer: ec.EllipticCurvePrivateKey) -> None:
    kid = public_key_kid(issuer.public_key())
    store = _store(issuer)
    untagged = _envelope({1: -7, 4: kid}, {}, _claims(), issuer, tag=None)
    assert verify_payload(untagged, store, AT).signature is SignatureStatus.VALID
    uncompressed = _envelope({1: -7, 4: kid}, {}, _claims(), issuer, compress=False)
    assert verify_payload(uncompressed, store, AT).signature is SignatureStatus.VALID
    kid_unprotected = _envelope({1: -7}, {4: kid}, _claims(), issuer)
    assert verify_payload(kid_unprotected, store, AT).signature is SignatureStatus.VALID


def test_cwt_tag_61_wrapping(issuer: ec.EllipticCurvePrivateKey) -> None:
    kid = public_key_kid(issuer.public_key())
    p = cbor2.dumps({1: -7, 4: kid})
    payload = cbor2.dumps(_claims())
    r, s = decode_dss_signature(
        issuer.sign(cbor2.dumps(["Signature1", p, b"", payload]), ec.ECDSA(hashes.SHA256()))
    )
    msg = cbor2.CBORTag(
        61, cbor2.CBORTag(18, [p, {}, payload, r.to_bytes(32, "big") + s.to_bytes(32, "big")])
    )
    text = "CKP1:" + base45.encode(zlib.compress(cbor2.dumps(msg)))
    assert verify_payload(text, _store(issuer), AT).signature is SignatureStatus.VALID


@pytest.mark.parametrize(
    ("protected", "unprotected", "status", "code"),
    [
        ({1: -8}, "kid", SignatureStatus.UNSUPPORTED, "algorithm"),  # EdDSA
        ({}, "kid", SignatureStatus.UNSUPPORTED, "algorithm"),  # no algorithm
        ({1: -7}, None, SignatureStatus.UNKNOWN_KEY, "kid_missing"),
        ({1: -37}, "kid", SignatureStatus.INVALID, "algorithm"),  # PS256 with an EC key
    ],
)
def test_header_problems(
    issuer: ec.EllipticCurvePrivateKey,
    protected: dict,
    unprotected: str | None,
    status: SignatureStatus,
    code: str,
) -> None:
    kid = public_key_kid(issuer.public_key())
    unprot = {4: kid} if unprotected else {}
    text = _envelope(protected, unprot, _claims(), issuer)
    result = verify_payload(text, _store(issuer), AT)
    assert result.decoded
    assert result.signature is status
    assert code in result.error_codes


def test_rsa_ps256(issuer: ec.EllipticCurvePrivateKey) -> None:
    from cryptography.hazmat.primitives.asymmetric import padding

    key = rsa.generate_private_key(65537, 2048)
    kid = public_key_kid(key.public_key())
    p = cbor2.dumps({1: -37, 4: kid})
    payload = cbor2.dumps(_claims())
    sig = key.sign(
        cbor2.dumps(["Signature1", p, b"", payload]),
        padding.PSS(padding.MGF1(hashes.SHA256()), 32),
        hashes.SHA256(),
    )
    text = "CKP1:" + base45.encode(
        zlib.compress(cbor2.dumps(cbor2.CBORTag(18, [p, {}, payload, sig])))
    )
    store = TrustStore()
    store.add([key_from_public_key(key.public_key(), "rsa")])
    assert verify_payload(text, store, AT).signature is SignatureStatus.VALID


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("CKP1:", "compression"),  # empty: neither zlib nor COSE
        ("CKP1:00", "compression"),
        ("CKP1:A", "base45"),
        ("CKP1:abc", "base45"),
        ("CKP1:GGW", "base45"),  # triplet out of range
        ("CKP1:" + base45.encode(zlib.compress(b"\xd2\xff\xff")), "cbor"),
        ("CKP1:" + base45.encode(zlib.compress(cbor2.dumps([1, 2, 3]))), "cose"),
        ("CKP1:" + base45.encode(zlib.compress(cbor2.dumps(cbor2.CBORTag(98, [])))), "cose"),
        ("CKP1:" + base45.encode(zlib.compress(b"x" * 100)[:-6]), "compression"),
    ],
)
def test_garbage(payload: str, code: str) -> None:
    result = verify_payload(payload, TrustStore(), AT)
    assert result.format is CredentialFormat.CKP1
    assert not result.decoded
    assert result.signature is SignatureStatus.ABSENT
    assert code in result.error_codes, result.errors


def test_zlib_bomb_is_refused() -> None:
    bomb = zlib.compress(b"\x00" * (MAX_INFLATED * 64), 9)
    result = verify_payload("HC1:" + base45.encode(bomb), TrustStore(), AT)
    assert not result.decoded and "compression" in result.error_codes
    assert "more than" in result.errors[0]


def test_bad_claims(issuer: ec.EllipticCurvePrivateKey) -> None:
    kid = public_key_kid(issuer.public_key())
    bad = encode_claims(CONTENT) | {"gp": {"no": "123"}}
    result = verify_payload(
        _envelope({1: -7, 4: kid}, {}, _claims({CLAIM_PASS: bad}), issuer), _store(issuer), AT
    )
    assert not result.decoded and "content" in result.error_codes and "gp" in result.errors[0]
    missing = _claims()
    del missing[CLAIM_PASS]
    result = verify_payload(_envelope({1: -7, 4: kid}, {}, missing, issuer), _store(issuer), AT)
    assert not result.decoded and "content" in result.error_codes
    no_exp = _claims()
    del no_exp[4]
    result = verify_payload(_envelope({1: -7, 4: kid}, {}, no_exp, issuer), _store(issuer), AT)
    assert result.validity is ValidityStatus.UNKNOWN and "no_expiry" in result.error_codes
    text_exp = _claims({4: "tomorrow"})
    result = verify_payload(_envelope({1: -7, 4: kid}, {}, text_exp, issuer), _store(issuer), AT)
    assert result.validity is ValidityStatus.UNKNOWN and "cwt" in result.error_codes


@pytest.mark.parametrize(
    "text",
    ["https://jkm.zjzwfw.gov.cn/code?id=abc", "hello", "", "HL0:NCF", "HC2:NCF", "\x00\x01\xff"],
)
def test_anything_else_is_check_by_eye(text: str) -> None:
    result = verify_payload(text, TrustStore(), AT)
    assert result.format is CredentialFormat.UNKNOWN
    assert not result.decoded and result.signature is SignatureStatus.ABSENT
    assert "offline" in result.error_codes
    if text.startswith("https"):
        assert result.kind == "url" and result.fields["host"] == "jkm.zjzwfw.gov.cn"
    if text[:2] in ("HL", "HC"):
        assert "prefix" in result.error_codes
