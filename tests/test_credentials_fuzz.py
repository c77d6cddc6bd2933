"""Property-based: mutated valid payloads (HC1, CKP1, SHC) never crash verify_payload."""

from __future__ import annotations

import base64
import json
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from conftest import SHARED_DATA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkpoint.credentials import CredentialResult, base45, verify_payload, verify_payloads
from checkpoint.credentials.cose import unwrap_compression
from checkpoint.credentials.trust import DEMO_PRIVATE_KEY, TrustStore, key_from_certificate

AT = datetime(2021, 6, 1, tzinfo=UTC)
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _seed_payloads() -> tuple[list[str], TrustStore]:
    store = TrustStore(demo_trusted=True)
    texts = []
    co1 = SHARED_DATA / "dcc-testdata" / "common" / "2DCode" / "raw" / "CO3.json"
    if co1.is_file():
        doc = json.loads(co1.read_text(encoding="utf-8"))
        store.add([key_from_certificate(base64.b64decode(doc["TESTCTX"]["CERTIFICATE"]), "co3")])
        texts.append(doc["PREFIX"])
    shc = (
        SHARED_DATA / "smart-health-cards" / "examples" / "example-00-f-qr-code-numeric-value-0.txt"
    )
    if shc.is_file():
        texts.append(shc.read_text(encoding="utf-8").strip())
        store = TrustStore.load(shc.parent / "issuer" / ".well-known" / "jwks.json", demo=True)
        if co1.is_file():
            store.add(
                [key_from_certificate(base64.b64decode(doc["TESTCTX"]["CERTIFICATE"]), "co3")]
            )
    from cryptography.hazmat.primitives import serialization
    from test_credentials_ckp1 import CONTENT

    from checkpoint.credentials.ckp1 import mint

    key = serialization.load_pem_private_key(DEMO_PRIVATE_KEY.read_bytes(), None)
    texts.append(mint(CONTENT, key, issuer="DEMO", issued_at=AT, expires_at=AT + timedelta(days=1)))  # type: ignore[arg-type]
    return texts, store


SEEDS, STORE = _seed_payloads()


def _check(result: CredentialResult) -> None:
    doc = result.to_json()
    json.dumps(doc, ensure_ascii=False)
    assert doc["signature"] in {"valid", "invalid", "unknown_key", "unsupported", "absent"}
    assert doc["validity"] in {"valid", "expired", "not_yet_valid", "unknown"}
    if result.signature.value == "valid":
        # a mutation that still verifies must not have changed the signed content
        assert result.fingerprint in FINGERPRINTS


FINGERPRINTS = {verify_payload(t, STORE, AT).fingerprint for t in SEEDS}


@FUZZ
@given(st.sampled_from(SEEDS), st.data())
def test_text_mutations_never_crash(seed: str, data: st.DataObject) -> None:
    text = seed
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["replace", "delete", "insert", "truncate"]))
        pos = data.draw(st.integers(0, max(0, len(text) - 1)))
        char = data.draw(
            st.characters(codec="utf-8") | st.sampled_from(base45.ALPHABET + "0123456789")
        )
        if op == "replace":
            text = text[:pos] + char + text[pos + 1 :]
        elif op == "delete":
            text = text[:pos] + text[pos + 1 :]
        elif op == "insert":
            text = text[:pos] + char + text[pos:]
        else:
            text = text[:pos]
    _check(verify_payload(text, STORE, AT))


@FUZZ
@given(st.sampled_from([s for s in SEEDS if not s.startswith("shc:/")]), st.data())
def test_inner_byte_mutations_never_crash(seed: str, data: st.DataObject) -> None:
    """Flip bytes inside the decompressed COSE, then re-wrap: exercises the CBOR/COSE layers."""
    prefix, body = seed.split(":", 1)
    raw = bytearray(unwrap_compression(base45.decode(body)))
    for _ in range(data.draw(st.integers(1, 6))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(raw)))
    wrapped = zlib.compress(bytes(raw[:cut])) if data.draw(st.booleans()) else bytes(raw[:cut])
    _check(verify_payload(f"{prefix}:{base45.encode(wrapped)}", STORE, AT))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["HC1:", "CKP1:", "shc:/", ""]))
def test_random_bytes_never_crash(blob: bytes, prefix: str) -> None:
    text = prefix + (base45.encode(blob) if prefix.endswith(":") else blob.decode("latin-1"))
    _check(verify_payload(text, STORE, AT))
    _check(verify_payload(prefix + base45.encode(zlib.compress(blob)), STORE, AT))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.from_regex(r"shc:/[0-9]{1,2}/[0-9]{1,2}/[0-9]{0,40}", fullmatch=True), max_size=4)
)
def test_shc_part_sets_never_crash(parts: list[str]) -> None:
    for result in verify_payloads(parts, STORE, AT):
        _check(result)


def test_seeds_are_valid() -> None:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA}")
    results = [verify_payload(t, STORE, AT) for t in SEEDS]
    assert [r.signature.value for r in results] == ["valid"] * len(SEEDS)
