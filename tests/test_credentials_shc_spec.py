"""SMART Health Cards held to the spec as the dev-tools test it (issue 12, item 10): what they
call an error is refused with the reason; an unreadable revocation list fails closed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from keymaker import card_payload, jwk, jws, new_key, numeric, shc_qr

from checkpoint.credentials import SignatureStatus, ValidityStatus, verify_payload, verify_payloads
from checkpoint.credentials.trust import KeyFormat, TrustStore, import_files

AT = datetime(2022, 4, 20, 8, 0, tzinfo=UTC)
ISS = "https://issuer.example.org/shc"
KEY = new_key()


def _store(tmp_path: Path) -> TrustStore:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk(KEY)]}), encoding="utf-8")
    import_files(tmp_path / "store", [path], AT, fmt=KeyFormat.SHC, issuer=ISS)
    return TrustStore.load(tmp_path / "store")


def _refused(text: str | list[str], store: TrustStore, *words: str) -> None:
    texts = text if isinstance(text, list) else [text]
    [result] = verify_payloads(texts, store, AT)
    assert not result.decoded and result.signature is not SignatureStatus.VALID
    assert len(result.errors) == 1 and "\n" not in result.errors[0]
    for word in words:
        assert word in result.errors[0], result.errors


def test_a_conforming_card_verifies(tmp_path: Path) -> None:
    result = verify_payload(shc_qr(jws(KEY, card_payload(ISS, AT))), _store(tmp_path), AT)
    assert result.signature is SignatureStatus.VALID and result.validity is ValidityStatus.VALID
    assert result.fields["given_name"] == "John" and result.kind == "immunization"


def test_payload_without_deflate_is_refused(tmp_path: Path) -> None:
    store = _store(tmp_path)
    no_zip = jws(KEY, card_payload(ISS, AT), compress="none",
                 header={"alg": "ES256", "kid": jwk(KEY)["kid"]})  # fmt: skip
    _refused(shc_qr(no_zip), store, "DEF")
    # "zip": "DEF" claimed, but the payload is not compressed
    _refused(shc_qr(jws(KEY, card_payload(ISS, AT), compress="none")), store, "DEFLATE")
    _refused(shc_qr(jws(KEY, card_payload(ISS, AT), compress="zlib")), store, "raw DEFLATE")


@pytest.mark.parametrize(
    ("wrap", "words"),
    [
        (lambda t: "\ufeff" + t, ("byte-order mark",)),
        (lambda t: t + " ", ("trailing",)),
        (lambda t: t + "\n", ("trailing",)),
        (lambda t: " " + t, ("leading",)),
        (lambda t: t + "x", ("only digits",)),
        (lambda t: t + "5", ("odd number",)),
    ],
)
def test_stray_characters_are_refused(tmp_path: Path, wrap: object, words: tuple[str]) -> None:
    text = shc_qr(jws(KEY, card_payload(ISS, AT)))
    assert callable(wrap)
    _refused(wrap(text), _store(tmp_path), *words)


def test_deprecated_chunking_is_refused(tmp_path: Path) -> None:
    store = _store(tmp_path)
    digits = numeric(jws(KEY, card_payload(ISS, AT)))
    _refused(f"shc:/1/1/{digits}", store, "shc:/1/1/")
    half = len(digits) // 2 // 2 * 2
    split = [f"shc:/1/2/{digits[:half]}", f"shc:/2/2/{digits[half:]}"]
    _refused(split, store, "split into 2", "fits in one")
    _refused([f"shc:/01/2/{digits[:half]}", f"shc:/2/2/{digits[half:]}"], store, "leading zeros")
    _refused(["shc:/1/2/" + "5" * 2400, "shc:/2/2/56"], store, "more than 1191")
    _refused(["shc:/" + "5" * 2400 + "00"], store, "more than 1195")
    clash = [f"shc:/1/2/{digits[:half]}", f"shc:/1/2/{digits[: half - 2]}", "shc:/2/2/56"]
    _refused(clash, store, "two different QR codes")
    _refused("shc:/" + "9" * 5000 + "/2/56", store, "part header")


@pytest.mark.parametrize(
    ("iss", "words"),
    [("http://issuer.example.org/shc", ("https",)), (ISS + "/", ("trailing", "slash"))],
)
def test_issuer_url_rules(tmp_path: Path, iss: str, words: tuple[str, ...]) -> None:
    _refused(shc_qr(jws(KEY, card_payload(iss, AT))), _store(tmp_path), *words)


def test_signature_format(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _refused(shc_qr(jws(KEY, card_payload(ISS, AT), der_signature=True)), store, "DER")


def test_qr_symbol_rules() -> None:
    from checkpoint.credentials.shc import qr_symbol_problem

    assert qr_symbol_problem(22, ["byte", "numeric"]) is None
    assert "version 25" in (qr_symbol_problem(25, ["byte", "numeric"]) or "")
    assert "2 segments" in (qr_symbol_problem(10, ["byte"]) or "")
    assert "numeric" in (qr_symbol_problem(10, ["byte", "byte"]) or "")


def test_unreadable_revocation_list_fails_closed(tmp_path: Path) -> None:
    card = shc_qr(jws(KEY, {**card_payload(ISS, AT)}))
    crl = tmp_path / "crl"
    crl.mkdir()
    kid = jwk(KEY)["kid"]
    (crl / f"{kid}.json").write_text("{not json", encoding="utf-8")
    store = TrustStore.load(_jwks(tmp_path), crl)
    result = verify_payload(card, store, AT)
    assert result.signature is SignatureStatus.INVALID and "revoked" in result.error_codes
    assert "cannot be checked" in result.errors[0] and "not valid JSON" in result.errors[0]
    # a readable list that does not name this card leaves it valid
    (crl / f"{kid}.json").write_text(
        json.dumps({"kid": kid, "method": "rid", "ctr": 1, "rids": ["abc"]}), encoding="utf-8"
    )
    ok = verify_payload(card, TrustStore.load(_jwks(tmp_path), crl), AT)
    assert ok.signature is SignatureStatus.VALID
    # a list of the wrong shape fails closed too
    (crl / f"{kid}.json").write_text(json.dumps({"kid": kid, "rids": "x"}), encoding="utf-8")
    closed = verify_payload(card, TrustStore.load(_jwks(tmp_path), crl), AT)
    assert closed.signature is SignatureStatus.INVALID and "revoked" in closed.error_codes
    # a list for another key does not block this one
    (crl / f"{kid}.json").unlink()
    (crl / "other-kid.json").write_text("{", encoding="utf-8")
    other = verify_payload(card, TrustStore.load(_jwks(tmp_path), crl), AT)
    assert other.signature is SignatureStatus.VALID


def _jwks(tmp_path: Path) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk(KEY)]}), encoding="utf-8")
    return path
