"""Every trusted key is bound to one credential format and issuer (issue 12, item 3)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from keymaker import (
    EKU_TEST,
    EKU_VACCINATION,
    card_payload,
    cert_der,
    cert_kid,
    certificate,
    cose_text,
    hcert_claims,
    jwk,
    jws,
    new_key,
    public_pem,
    shc_qr,
)
from sqlalchemy import select
from test_credentials_ckp1 import CONTENT

from checkpoint.cli import main
from checkpoint.config import load_settings
from checkpoint.credentials import SignatureStatus, verify_payload
from checkpoint.credentials.ckp1 import mint
from checkpoint.credentials.trust import (
    META_FILE,
    BindMode,
    KeyFormat,
    TrustError,
    TrustStore,
    bind_keys,
    import_files,
    keys_from_bytes,
    list_entries,
    public_key_kid,
)
from checkpoint.storage.db import open_database
from checkpoint.storage.models import AuditEvent

AT = datetime(2022, 4, 20, 8, 0, tzinfo=UTC)
ISS_A = "https://a.example.org/issuer"
ISS_B = "https://b.example.org/issuer"


def _write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def _store(tmp_path: Path, *imports: tuple[list[Path], KeyFormat | None, str | None]) -> TrustStore:
    store_dir = tmp_path / "store"
    for paths, fmt, issuer in imports:
        import_files(store_dir, paths, AT, fmt=fmt, issuer=issuer)
    return TrustStore.load(store_dir)


def test_hc1_signed_by_a_ckp1_issuer_key_is_invalid(tmp_path: Path) -> None:
    key = new_key()
    store = _store(
        tmp_path, ([_write(tmp_path / "ckp1.pem", public_pem(key))], KeyFormat.CKP1, "浙江卡口")
    )
    kid = public_key_kid(key.public_key())
    hc1 = cose_text("HC1:", hcert_claims(AT), key, kid)
    result = verify_payload(hc1, store, AT)
    assert result.signature is SignatureStatus.INVALID
    assert "wrong_issuer" in result.error_codes and "CKP1 only" in result.errors[0]
    # the same key verifies the passes it is bound to
    ckp1 = mint(CONTENT, key, issuer="浙江卡口", issued_at=AT, expires_at=AT + timedelta(days=1))
    assert verify_payload(ckp1, store, AT).signature is SignatureStatus.VALID
    other = mint(CONTENT, key, issuer="别的签发方", issued_at=AT, expires_at=AT + timedelta(days=1))
    bad = verify_payload(other, store, AT)
    assert bad.signature is SignatureStatus.INVALID and "wrong_issuer" in bad.error_codes


def test_an_eu_dsc_cannot_sign_ckp1(tmp_path: Path) -> None:
    key = new_key()
    cert = certificate(key, country="DE")
    store = _store(tmp_path, ([_write(tmp_path / "dsc.der", cert_der(cert))], None, None))
    [bound] = store.trusted_keys
    assert (bound.format, bound.issuer) == (KeyFormat.HC1, "DE")
    hc1 = cose_text("HC1:", hcert_claims(AT), key, cert_kid(cert))
    assert verify_payload(hc1, store, AT).signature is SignatureStatus.VALID
    claims = {1: "DE", 6: int(AT.timestamp()), 4: int((AT + timedelta(days=1)).timestamp()),
              -80001: {"v": 1, "hc": {"c": "green"}}}  # fmt: skip
    forged = cose_text("CKP1:", claims, key, cert_kid(cert))
    result = verify_payload(forged, store, AT)
    assert result.signature is SignatureStatus.INVALID and "HC1 only" in result.errors[0]
    # and a DSC of one country does not sign for another
    fr = verify_payload(
        cose_text("HC1:", hcert_claims(AT, iss="FR"), key, cert_kid(cert)), store, AT
    )
    assert fr.signature is SignatureStatus.INVALID and "wrong_issuer" in fr.error_codes


def test_shc_verifies_only_with_keys_of_its_iss(tmp_path: Path) -> None:
    key_a, key_b = new_key(), new_key()
    a = _write(tmp_path / "a.json", json.dumps({"keys": [jwk(key_a)]}))
    b = _write(tmp_path / "b.json", json.dumps({"keys": [jwk(key_b)]}))
    store = _store(tmp_path, ([a], None, ISS_A), ([b], None, ISS_B))
    good = verify_payload(shc_qr(jws(key_a, card_payload(ISS_A, AT))), store, AT)
    assert good.signature is SignatureStatus.VALID and good.issuer == ISS_A
    # issuer B's key signs a card that claims to be from A
    forged = verify_payload(shc_qr(jws(key_b, card_payload(ISS_A, AT))), store, AT)
    assert forged.signature is SignatureStatus.INVALID
    assert "wrong_issuer" in forged.error_codes and ISS_B in forged.errors[0]


def test_dcc_key_usage_is_checked_for_every_group(tmp_path: Path) -> None:
    key = new_key()
    cert = certificate(key, country="DE", eku=[EKU_TEST])
    store = _store(tmp_path, ([_write(tmp_path / "dsc.der", cert_der(cert))], None, None))
    test_only = verify_payload(
        cose_text("HC1:", hcert_claims(AT, "t"), key, cert_kid(cert)), store, AT
    )
    assert test_only.signature is SignatureStatus.VALID
    for groups in ("v", "tv", "vtr"):
        result = verify_payload(
            cose_text("HC1:", hcert_claims(AT, groups), key, cert_kid(cert)), store, AT
        )
        assert result.signature is SignatureStatus.INVALID, groups
        assert "key_usage" in result.error_codes and "vaccination" in " ".join(result.errors)
    vacc = certificate(key, country="DE", eku=[EKU_VACCINATION, EKU_TEST])
    both = _store(tmp_path / "2", ([_write(tmp_path / "v.der", cert_der(vacc))], None, None))
    two = verify_payload(cose_text("HC1:", hcert_claims(AT, "tv"), key, cert_kid(vacc)), both, AT)
    assert "key_usage" not in two.error_codes


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kid": "not-the-thumbprint"}, "does not match its kid"),
        ({"use": "enc"}, "it must be sig"),
        ({"alg": "RS256"}, "it must be ES256"),
        ({"d": "AAAA"}, "private key material"),
        ({"crv": "P-384"}, "P-256"),  # a real P-384 key below
    ],
)
def test_key_sets_are_validated_on_import(
    tmp_path: Path, change: dict[str, str], message: str
) -> None:
    key = new_key(ec.SECP384R1()) if change.get("crv") == "P-384" else new_key()
    doc = {"keys": [jwk(key, **{k: v for k, v in change.items() if k != "crv"})]}
    with pytest.raises(TrustError, match=message) as err:
        import_files(
            tmp_path / "s", [_write(tmp_path / "k.json", json.dumps(doc))], AT, issuer=ISS_A
        )
    assert str(err.value).count(".") >= 1 and "\n" not in str(err.value)
    assert not (tmp_path / "s").exists()


def test_x5c_must_hold_the_same_key_and_name_the_issuer(tmp_path: Path) -> None:
    key, other = new_key(), new_key()
    wrong = jwk(key, x5c=[base64.b64encode(cert_der(certificate(other, uri=ISS_A))).decode()])
    with pytest.raises(TrustError, match="different public key"):
        keys_from_bytes(json.dumps({"keys": [wrong]}).encode(), "k.json")
    right = jwk(key, x5c=[base64.b64encode(cert_der(certificate(key, uri=ISS_A))).decode()])
    path = _write(tmp_path / "k.json", json.dumps({"keys": [right]}))
    # the certificate's URI binds the key set: no --issuer needed
    [entry] = import_files(tmp_path / "s", [path], AT)
    assert entry.keys[0].issuer == ISS_A
    with pytest.raises(TrustError, match=f"certificate is for {ISS_A}"):
        import_files(tmp_path / "s", [path], AT, issuer=ISS_B)


@pytest.mark.parametrize(
    ("fmt", "issuer", "message"),
    [
        (None, None, "bare public key"),
        (KeyFormat.CKP1, None, "needs --issuer"),
        (KeyFormat.SHC, "http://a.example.org", "must use https"),
        (KeyFormat.SHC, ISS_A + "/", "must not end with a trailing slash"),
    ],
)
def test_import_refusals_are_one_sentence(
    tmp_path: Path, fmt: KeyFormat | None, issuer: str | None, message: str
) -> None:
    pem = _write(tmp_path / "k.pem", public_pem(new_key()))
    with pytest.raises(TrustError, match=message):
        import_files(tmp_path / "s", [pem], AT, fmt=fmt, issuer=issuer)


def test_a_jwks_without_an_issuer_needs_one(tmp_path: Path) -> None:
    path = _write(tmp_path / "k.json", json.dumps({"keys": [jwk(new_key())]}))
    with pytest.raises(TrustError, match="--issuer"):
        import_files(tmp_path / "s", [path], AT)
    with pytest.raises(TrustError, match="cannot be bound to hc1"):
        import_files(tmp_path / "s", [path], AT, fmt=KeyFormat.HC1, issuer="DE")


def test_an_old_store_is_migrated(tmp_path: Path) -> None:
    """A store from before bindings: certificates and bare keys are bound as they imply; a key
    set naming no issuer is listed unusable with the reason, and import records the rest."""
    old = tmp_path / "trust"
    old.mkdir()
    (old / META_FILE).write_text(json.dumps({"updated_at": AT.isoformat()}), encoding="utf-8")
    key = new_key()
    _write(old / "dsc.der", cert_der(certificate(key, country="AT")))
    _write(old / "ckp1.pem", public_pem(key))
    _write(old / "jwks.json", json.dumps({"keys": [jwk(new_key())]}))
    entries = {e.name: e for e in list_entries(old)}
    assert entries["dsc.der"].keys[0].binding_text == "hc1 · AT" and entries["dsc.der"].inferred
    assert entries["ckp1.pem"].keys[0].format is KeyFormat.CKP1
    assert "import it again with --format shc --issuer URL" in (entries["jwks.json"].problem or "")
    store = TrustStore.load(old, strict=False, as_store=True)
    assert {k.format for k in store.trusted_keys} == {KeyFormat.HC1, KeyFormat.CKP1}
    assert any("jwks.json" in p for p in store.problems)
    assert store.updated_at == AT
    pem = _write(tmp_path / "new.pem", public_pem(new_key()))
    import_files(old, [pem], AT, fmt=KeyFormat.CKP1, issuer="X")
    bindings = json.loads((old / META_FILE).read_text(encoding="utf-8"))["bindings"]
    assert bindings["dsc.der"] == {"format": "hc1", "issuer": "AT"}
    assert bindings["new.pem"] == {"format": "ckp1", "issuer": "X"}
    assert "jwks.json" not in bindings


def test_adhoc_keys_stay_unbound_where_nothing_says() -> None:
    key = new_key()
    [adhoc] = bind_keys(keys_from_bytes(json.dumps({"keys": [jwk(key)]}).encode(), "k"), "k",
                        BindMode.ADHOC)  # fmt: skip
    assert adhoc.format is KeyFormat.SHC and adhoc.issuer is None
    assert adhoc.serves(KeyFormat.SHC, ISS_A) and not adhoc.serves(KeyFormat.HC1, None)


def _audit_actions(db: str) -> list[tuple[str, str | None]]:
    database = open_database(db)
    try:
        with database.session() as session:
            rows = session.execute(select(AuditEvent.action, AuditEvent.subject)).all()
        return [(r[0], r[1]) for r in rows if r[0].startswith("trust.")]
    finally:
        database.dispose()


def test_cli_import_signs_in_and_is_audited(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_key()
    dsc = _write(tmp_path / "dsc.der", cert_der(certificate(key, country="DE")))
    pem = _write(tmp_path / "pass.pem", public_pem(key))
    assert main(["staff", "add", "陈立新", "--role", "admin", "--pin", "8642", "--db", db_url]) == 0
    capsys.readouterr()
    monkeypatch.delenv("CHECKPOINT_PIN", raising=False)
    assert main(["trust", "import", str(dsc), "--db", db_url]) != 0
    err = capsys.readouterr().err.strip()
    assert "--as" in err and "\n" not in err and "Traceback" not in err
    assert not (load_settings().trust_dir / "dsc.der").exists()
    monkeypatch.setenv("CHECKPOINT_PIN", "8642")
    assert main(["trust", "import", str(dsc), "--as", "陈立新", "--db", db_url]) == 0
    assert "hc1 · DE" in capsys.readouterr().out
    argv = [
        "trust",
        "import",
        str(pem),
        "--format",
        "ckp1",
        "--issuer",
        "浙江卡口",
        "--as",
        "陈立新",
    ]
    assert main([*argv, "--db", db_url]) == 0
    assert main(["trust", "import", str(pem), "--as", "陈立新", "--db", db_url]) == 2
    assert "--format" in capsys.readouterr().err
    assert main(["trust", "list"]) == 0
    out = capsys.readouterr().out
    assert "hc1 · DE" in out and "ckp1 · 浙江卡口" in out
    assert main(["trust", "list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    keys = [k for e in listing["entries"] for k in e["keys"]]
    assert {(k["format"], k["issuer"]) for k in keys} == {("hc1", "DE"), ("ckp1", "浙江卡口")}
    assert main(["trust", "remove", "pass.pem", "--db", db_url]) != 0
    assert main(["trust", "remove", "pass.pem", "--as", "陈立新", "--db", db_url]) == 0
    assert _audit_actions(db_url) == [
        ("trust.import", "dsc.der"),
        ("trust.import", "pass.pem"),
        ("trust.remove", "pass.pem"),
    ]


def test_a_bare_key_bound_to_shc_is_known_by_its_thumbprint(tmp_path: Path) -> None:
    key = new_key()
    pem = _write(tmp_path / "shc.pem", public_pem(key))
    store = _store(tmp_path, ([pem], KeyFormat.SHC, ISS_A))
    [bound] = store.trusted_keys
    assert bound.kid_text == jwk(key)["kid"]
    card = verify_payload(shc_qr(jws(key, card_payload(ISS_A, AT))), store, AT)
    assert card.signature is SignatureStatus.VALID
    p384 = _write(tmp_path / "p384.pem", public_pem(new_key(ec.SECP384R1())))
    with pytest.raises(TrustError, match="EC P-256"):
        import_files(tmp_path / "s2", [p384], AT, fmt=KeyFormat.SHC, issuer=ISS_A)
