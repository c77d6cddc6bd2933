"""The trust store: file formats, import/list/remove, freshness."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from checkpoint.cli import main
from checkpoint.config import load_settings
from checkpoint.credentials.trust import (
    Freshness,
    KeyFormat,
    KeySource,
    TrustError,
    TrustStore,
    import_files,
    keys_from_bytes,
    list_entries,
    remove_entry,
)

CO3 = "dcc-testdata/common/2DCode/raw/CO3.json"
SHC_ISSUER = "https://spec.smarthealth.cards/examples/issuer"


def _cert_der(shared_data: Path, vector: str = CO3) -> bytes:
    doc = json.loads((shared_data / vector).read_text(encoding="utf-8"))
    return base64.b64decode(doc["TESTCTX"]["CERTIFICATE"])


def test_formats(shared_data: Path, tmp_path: Path) -> None:
    der = _cert_der(shared_data)
    [from_der] = keys_from_bytes(der, "c.der")
    pem = (
        b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n"
    )
    [from_pem] = keys_from_bytes(pem, "c.pem")
    assert from_der.kid == from_pem.kid and from_der.source is KeySource.CERTIFICATE
    assert from_der.not_after is not None and from_der.subject
    key = ec.generate_private_key(ec.SECP256R1())
    pub = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    [bare] = keys_from_bytes(pub, "k.pem")
    assert bare.source is KeySource.PUBLIC_KEY and len(bare.kid) == 8
    jwks = (shared_data / "smart-health-cards/examples/issuer/.well-known/jwks.json").read_bytes()
    keys = keys_from_bytes(jwks, "jwks.json")
    assert {k.kid_text for k in keys} == {
        "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s",
        "EBKOr72QQDcTBUuVzAzkfBTGew0ZA16GuWty64nS-sw",
    }
    x5c = next(k for k in keys if k.kid_text.startswith("EBK"))
    assert x5c.not_after == datetime(2022, 6, 1, 15, 50, 9, tzinfo=UTC)


def test_every_dcc_certificate_loads(shared_data: Path) -> None:
    """Some test certificates are rejected by strict X.509 parsers; asn1crypto reads them all."""
    for vector in sorted((shared_data / "dcc-testdata").glob("*/2DCode/raw/*.json")):
        keys_from_bytes(_cert_der(shared_data, str(vector.relative_to(shared_data))), vector.name)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "neither a certificate"),
        (b"{not json", "not valid JSON"),
        (b'{"keys": [{"kty": "EC"}]}', "has no 'kid'"),
        (b'{"keys": [{"kty": "OKP", "kid": "a"}]}', "unsupported kty"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "holds a private key"),
        (b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n", "not valid base64"),
    ],
)
def test_bad_files(content: bytes, message: str) -> None:
    with pytest.raises(TrustError, match=message):
        keys_from_bytes(content, "bad")


def test_import_list_remove_and_freshness(shared_data: Path, tmp_path: Path) -> None:
    store_dir = tmp_path / "trust"
    cert = tmp_path / "co3.der"
    cert.write_bytes(_cert_der(shared_data))
    wk = shared_data / "smart-health-cards/examples/issuer/.well-known"
    now = datetime(2022, 4, 20, tzinfo=UTC)
    entries = import_files(store_dir, [cert], now) + import_files(
        store_dir, [wk / "jwks.json", wk / "crl"], now, issuer=SHC_ISSUER
    )
    assert [e.name for e in entries] == [
        "co3.der",
        "jwks.json",
        "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json",
    ]
    store = TrustStore.load(store_dir)
    assert len(store.trusted_keys) == 3 and len(store.revocation_lists) == 1
    assert store.updated_at == now
    assert store.status(now + timedelta(days=1), timedelta(days=30)).freshness is Freshness.FRESH
    stale = store.status(now + timedelta(days=31), timedelta(days=30))
    assert stale.freshness is Freshness.STALE and "30" in stale.message_en
    assert TrustStore().status(now, timedelta(days=30)).freshness is Freshness.EMPTY
    removed = remove_entry(store_dir, "jwks.json", now)
    assert removed.name == "jwks.json"
    assert [e.name for e in list_entries(store_dir)] == [
        "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json",
        "co3.der",
    ]
    kid = list_entries(store_dir)[1].keys[0].kid_text
    assert remove_entry(store_dir, kid, now).name == "co3.der"
    with pytest.raises(TrustError, match="Nothing named"):
        remove_entry(store_dir, "nope", now)


def test_import_is_all_or_nothing(tmp_path: Path) -> None:
    good = tmp_path / "k.pem"
    good.write_bytes(
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    bad = tmp_path / "bad.pem"
    bad.write_text("garbage")
    with pytest.raises(TrustError, match=r"bad\.pem"):
        import_files(
            tmp_path / "trust", [good, bad], datetime.now(UTC), fmt=KeyFormat.CKP1, issuer="X"
        )
    assert not (tmp_path / "trust").exists()


def test_store_keeps_bad_directory_files_as_problems(tmp_path: Path) -> None:
    (tmp_path / "bad.pem").write_text("garbage")
    store = TrustStore.load(tmp_path)
    assert store.problems and "bad.pem" in store.problems[0]
    with pytest.raises(TrustError):
        TrustStore.load(tmp_path / "bad.pem")
    with pytest.raises(TrustError, match="does not exist"):
        TrustStore.load(tmp_path / "missing.pem")


def test_cli(shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cert = tmp_path / "co3.der"
    cert.write_bytes(_cert_der(shared_data))
    assert main(["trust", "import", str(cert)]) == 0
    assert "Imported co3.der: 1 key(s)" in capsys.readouterr().out
    assert main(["trust", "list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["status"] == "fresh" and listing["entries"][0]["file"] == "co3.der"
    assert (load_settings().trust_dir / "co3.der").is_file()
    assert main(["trust", "list"]) == 0
    assert "co3.der" in capsys.readouterr().out
    assert main(["trust", "remove", "co3.der"]) == 0
    assert main(["trust", "remove", "co3.der"]) == 2
    assert "Nothing named" in capsys.readouterr().err
    assert main(["trust", "import", str(tmp_path / "none.pem")]) == 2
