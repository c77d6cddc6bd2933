"""SMART Health Cards from ../shared/data/smart-health-cards: decode, signature, validity."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from checkpoint.credentials import (
    CredentialFormat,
    SignatureStatus,
    ValidityStatus,
    verify_payload,
    verify_payloads,
)
from checkpoint.credentials.shc import numeric_to_jws
from checkpoint.credentials.trust import TrustStore

# The examples' issuer certificate (x5c of key EBKOr72...) expired on 2022-06-01, but the cards
# were re-issued on 2023-06-22 (nbf), so no instant makes all four valid. Both clocks are checked.
AS_OF_CERT = datetime(2022, 5, 31, tzinfo=UTC)
AFTER_ISSUE = datetime(2023, 6, 23, tzinfo=UTC)


def _examples(shared_data: Path) -> Path:
    return shared_data / "smart-health-cards" / "examples"


def _parts(shared_data: Path, n: int) -> list[str]:
    files = sorted(_examples(shared_data).glob(f"example-0{n}-f-qr-code-numeric-value-*.txt"))
    return [f.read_text(encoding="utf-8").strip() for f in files]


def _store(shared_data: Path, *, crl: bool = False) -> TrustStore:
    wk = _examples(shared_data) / "issuer" / ".well-known"
    paths = [wk / "jwks.json"]
    if crl:
        paths += sorted((wk / "crl").glob("*.json"))
    return TrustStore.load(*paths)


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_examples_decode_and_verify(shared_data: Path, n: int) -> None:
    parts = _parts(shared_data, n)
    assert parts, "example QR texts missing"
    [result] = verify_payloads(parts, _store(shared_data), AS_OF_CERT)
    assert result.format is CredentialFormat.SHC
    assert result.decoded
    assert result.signature is SignatureStatus.VALID
    assert result.issuer == "https://spec.smarthealth.cards/examples/issuer"
    assert result.kind == "immunization" or result.kind == "laboratory"
    # nbf is 2023-06-22: on 2022-05-31 every card is not yet issued
    assert result.validity is ValidityStatus.NOT_YET_VALID
    after = verify_payloads(parts, _store(shared_data), AFTER_ISSUE)[0]
    # example 01 is signed by the key whose certificate expired on 2022-06-01
    assert after.validity is (ValidityStatus.EXPIRED if n == 1 else ValidityStatus.VALID)


def test_jws_file_matches_qr(shared_data: Path) -> None:
    jws = (_examples(shared_data) / "example-00-d-jws.txt").read_text(encoding="utf-8").strip()
    digits = _parts(shared_data, 0)[0][len("shc:/") :]
    assert numeric_to_jws(digits) == jws


def test_multipart_in_any_order(shared_data: Path) -> None:
    parts = _parts(shared_data, 2)
    assert len(parts) == 3
    shuffled = parts[:]
    random.Random(4).shuffle(shuffled)
    a = verify_payloads(parts, _store(shared_data), AFTER_ISSUE)[0]
    b = verify_payloads(shuffled, _store(shared_data), AFTER_ISSUE)[0]
    assert a.signature is b.signature is SignatureStatus.VALID
    assert a.fingerprint == b.fingerprint
    # also as one text with the parts separated by whitespace
    c = verify_payload("\n".join(shuffled), _store(shared_data), AFTER_ISSUE)
    assert c.fingerprint == a.fingerprint


def test_missing_part_is_named(shared_data: Path) -> None:
    parts = _parts(shared_data, 2)
    [result] = verify_payloads(parts[:2], _store(shared_data), AFTER_ISSUE)
    assert not result.decoded
    assert result.errors[0].startswith("multipart: part 3 of 3 is missing")


def test_revocation_list(shared_data: Path) -> None:
    # example 03's rid is on the issuer's list as revoked before 2023-06-22T16:19:25Z
    parts = _parts(shared_data, 3)
    plain = verify_payloads(parts, _store(shared_data), AFTER_ISSUE)[0]
    assert plain.signature is SignatureStatus.VALID
    revoked = verify_payloads(parts, _store(shared_data, crl=True), AFTER_ISSUE)[0]
    assert revoked.signature is SignatureStatus.INVALID
    assert "revoked" in revoked.error_codes
    other = verify_payloads(_parts(shared_data, 0), _store(shared_data, crl=True), AFTER_ISSUE)[0]
    assert other.signature is SignatureStatus.VALID


def test_unknown_key_and_tampering(shared_data: Path) -> None:
    parts = _parts(shared_data, 0)
    empty = verify_payloads(parts, TrustStore(), AFTER_ISSUE)[0]
    assert empty.signature is SignatureStatus.UNKNOWN_KEY
    jws = numeric_to_jws(parts[0][len("shc:/") :])
    head, body, sig = jws.split(".")
    flipped = sig[:-3] + ("A" if sig[-3] != "A" else "B") + sig[-2:]
    tampered = "shc:/" + "".join(f"{ord(c) - 45:02d}" for c in f"{head}.{body}.{flipped}")
    bad = verify_payload(tampered, _store(shared_data), AFTER_ISSUE)
    assert bad.decoded and bad.signature is SignatureStatus.INVALID


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("shc:/12345", "numeric"),
        ("shc:/9999", "numeric"),
        ("shc:/abc", "numeric"),
        ("shc:/4/3/5656", "multipart"),
        ("shc:/" + "".join(f"{ord(c) - 45:02d}" for c in "e30.e30.AA"), "jws"),
    ],
)
def test_bad_numeric_input(text: str, code: str) -> None:
    result = verify_payload(text, TrustStore(), AFTER_ISSUE)
    assert result.format is CredentialFormat.SHC
    assert not result.decoded
    assert code in result.error_codes
