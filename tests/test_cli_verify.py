"""``checkpoint verify``, ``codes`` and ``risk-areas``: the command-line contract."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from checkpoint.cli import main

CONTRACT_CREDENTIAL = {
    "format",
    "decoded",
    "kind",
    "signature",
    "validity",
    "issuer",
    "fields",
    "errors",
}
AT = "2022-04-20T10:00:00+08:00"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out.strip().startswith("{") else out.out), out.err


def check_contract(doc: dict[str, Any]) -> None:
    assert set(doc) == {"credentials", "verdict"}
    for c in doc["credentials"]:
        assert set(c) == CONTRACT_CREDENTIAL
        assert c["format"] in {"HC1", "SHC", "CKP1", "unknown"}
        assert c["signature"] in {"valid", "invalid", "unknown_key", "unsupported", "absent"}
        assert c["validity"] in {"valid", "expired", "not_yet_valid", "unknown"}
        assert all(isinstance(e, str) for e in c["errors"])
    assert set(doc["verdict"]) == {"disposition", "reasons", "policy"}
    assert doc["verdict"]["disposition"] in {
        "release",
        "test_lane",
        "escort",
        "persuade_return",
        "quarantine",
    }
    assert all(set(r) == {"code", "text"} for r in doc["verdict"]["reasons"])


def test_hc1_with_trust_file(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vec = json.loads(
        (shared_data / "dcc-testdata/common/2DCode/raw/CO3.json").read_text(encoding="utf-8")
    )
    cert = tmp_path / "dsc.der"
    cert.write_bytes(base64.b64decode(vec["TESTCTX"]["CERTIFICATE"]))
    code, doc, _ = run(
        capsys,
        "verify",
        "--at",
        vec["TESTCTX"]["VALIDATIONCLOCK"],
        "--trust",
        str(cert),
        "--text",
        vec["PREFIX"],
    )
    assert code == 0
    check_contract(doc)
    [c] = doc["credentials"]
    assert (c["format"], c["decoded"], c["signature"], c["validity"]) == (
        "HC1",
        True,
        "valid",
        "valid",
    )
    assert doc["verdict"]["policy"] == "default-2022.04"
    # without the certificate: unknown key, still a verdict and exit 0
    code, doc, _ = run(
        capsys, "verify", "--at", vec["TESTCTX"]["VALIDATIONCLOCK"], "--text", vec["PREFIX"]
    )
    assert code == 0 and doc["credentials"][0]["signature"] == "unknown_key"
    assert "CREDENTIAL_UNKNOWN_ISSUER" in [r["code"] for r in doc["verdict"]["reasons"]]
    assert "TRUST_STORE_STALE" in [r["code"] for r in doc["verdict"]["reasons"]]


def test_shc_multipart_with_trust_dir(
    shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ex = shared_data / "smart-health-cards/examples"
    parts = [p.read_text(encoding="utf-8").strip() for p in sorted(ex.glob("example-02-f-*.txt"))]
    argv = ["verify", "--at", "2022-05-31T00:00:00Z", "--trust", str(ex / "issuer/.well-known")]
    for p in reversed(parts):
        argv += ["--text", p]
    code, doc, _ = run(capsys, *argv)
    assert code == 0
    check_contract(doc)
    [c] = doc["credentials"]
    assert (c["format"], c["decoded"], c["signature"]) == ("SHC", True, "valid")


def test_negative_verdict_still_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = run(
        capsys,
        "verify",
        "--text",
        "HC1:garbage!",
        "--text",
        "https://example.org/code",
        "--temperature",
        "38.2",
        "--lang",
        "en",
    )
    assert code == 0
    check_contract(doc)
    assert [c["format"] for c in doc["credentials"]] == ["HC1", "unknown"]
    assert doc["verdict"]["disposition"] == "quarantine"
    assert any(r["code"] == "FEVER" and "38.2" in r["text"] for r in doc["verdict"]["reasons"])


def test_manual_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = run(
        capsys,
        "verify",
        "--at",
        AT,
        "--text",
        "https://jkm.example.cn/x",
        "--colour",
        "green",
        "--test-hours",
        "20",
        "--itinerary-star",
        "no",
        "--temperature",
        "36.5",
    )
    assert code == 0 and doc["verdict"]["disposition"] == "release"
    codes = [r["code"] for r in doc["verdict"]["reasons"]]
    assert "MANUAL_CHECK" in codes and "CREDENTIAL_UNVERIFIABLE" not in codes


def test_user_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["verify"]) == 2
    assert main(["verify", "--at", "yesterday", "--text", "x"]) == 2
    assert "--at" in capsys.readouterr().err
    assert main(["verify", "--image", str(tmp_path / "none.png")]) == 2
    bad_policy = tmp_path / "p.toml"
    bad_policy.write_text('name = "x"\n')
    assert main(["verify", "--policy", str(bad_policy), "--text", "x"]) == 2
    assert "version is missing" in capsys.readouterr().err


def test_codes_make_png_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass minted by `codes make` goes through its PNG, the real decoder and `verify`."""
    pytest.importorskip("scanners", reason="the scanners package (decode_file) is not installed")
    png = tmp_path / "pass.png"
    code, out, _ = run(
        capsys,
        "codes",
        "make",
        "--at",
        AT,
        "--colour",
        "green",
        "--test-hours-ago",
        "6",
        "--place",
        "330100:杭州市:2022-04-18",
        "--pass-number",
        "330100000001",
        "--plate",
        "浙A·12345",
        "--origin",
        "330100:杭州市",
        "--destination",
        "330182:建德市",
        "--pass-from",
        "2022-04-15",
        "--pass-to",
        "2022-05-15",
        "--cargo",
        "蔬菜",
        "--png",
        str(png),
        "--json",
    )
    assert code == 0 and out["demo"] is True and png.is_file()
    text = out["text"]
    # demo key not trusted outside demo mode: labelled DEMO, unknown key
    code, doc, _ = run(capsys, "verify", "--at", AT, "--image", str(png))
    assert code == 0
    check_contract(doc)
    [c] = doc["credentials"]
    assert c["format"] == "CKP1" and c["signature"] == "unknown_key" and "DEMO" in c["issuer"]
    assert "CREDENTIAL_DEMO" in [r["code"] for r in doc["verdict"]["reasons"]]
    # demo mode (flag or CHECKPOINT_DEMO=1): trusted, still labelled
    monkeypatch.setenv("CHECKPOINT_DEMO", "1")
    code, doc, _ = run(
        capsys,
        "verify",
        "--at",
        AT,
        "--image",
        str(png),
        "--vehicle",
        "truck",
        "--plate",
        "浙A12345",
        "--temperature",
        "36.5",
    )
    [c] = doc["credentials"]
    assert (c["signature"], c["validity"], c["kind"]) == ("valid", "valid", "goods_vehicle")
    assert c["fields"]["goods_pass"]["plate"] == "浙A12345" and c["fields"]["demo"] is True
    assert doc["verdict"]["disposition"] == "release"
    code, doc2, _ = run(capsys, "verify", "--at", AT, "--text", text)
    assert doc2["credentials"] == doc["credentials"]


def test_own_issuer_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["codes", "keygen", "--out", str(tmp_path), "--name", "zj"]) == 0
    assert (tmp_path / "zj.key.pem").stat().st_mode & 0o777 == 0o600
    assert main(["codes", "keygen", "--out", str(tmp_path), "--name", "zj"]) == 2
    capsys.readouterr()
    code, text, _ = run(
        capsys,
        "codes",
        "make",
        "--key",
        str(tmp_path / "zj.key.pem"),
        "--at",
        AT,
        "--colour",
        "yellow",
        "--issuer",
        "浙江省卡口通行码",
    )
    text = text.strip()
    assert code == 0 and text.startswith("CKP1:")
    code, doc, _ = run(
        capsys, "verify", "--at", AT, "--trust", str(tmp_path / "zj.pub.pem"), "--text", text
    )
    [c] = doc["credentials"]
    assert (c["signature"], c["issuer"]) == ("valid", "浙江省卡口通行码")
    assert "DEMO" not in json.dumps(c, ensure_ascii=False)
    assert doc["verdict"]["disposition"] == "test_lane"
    assert main(["codes", "make", "--place", "33:x:2022-01-01"]) == 2
    assert main(["codes", "make", "--pass-number", "1"]) == 2


def test_risk_areas_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "areas.csv"
    csv.write_text(
        "region_code,name,level,effective_from,effective_to\n330102,杭州市上城区,high,2022-04-11,\n",
        encoding="utf-8",
    )
    assert main(["risk-areas", "import", str(csv)]) == 0
    assert "Imported 1 risk areas" in capsys.readouterr().out
    assert main(["risk-areas", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["areas"][0]["level"] == "high"
    _code, doc, _ = run(
        capsys,
        "codes",
        "make",
        "--at",
        AT,
        "--colour",
        "green",
        "--test-hours-ago",
        "3",
        "--place",
        "330102:杭州市上城区:2022-04-15",
        "--json",
    )
    _, doc, _ = run(capsys, "verify", "--demo", "--at", AT, "--text", doc["text"])
    assert doc["verdict"]["disposition"] == "quarantine"
    assert "RISK_AREA_HIGH" in [r["code"] for r in doc["verdict"]["reasons"]]
    csv.write_text(
        "region_code,name,level,effective_from\n330102,x,high,2022-13-01\n", encoding="utf-8"
    )
    assert main(["risk-areas", "import", str(csv)]) == 2
    assert "line 2" in capsys.readouterr().err


def test_dynamic_code_screenshot(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(
        capsys,
        "codes",
        "make",
        "--at",
        AT,
        "--colour",
        "green",
        "--code-age-minutes",
        "10",
        "--json",
    )
    _, doc, _ = run(capsys, "verify", "--demo", "--at", AT, "--text", out["text"])
    assert "HEALTH_CODE_STALE" in [r["code"] for r in doc["verdict"]["reasons"]]
    _, out, _ = run(capsys, "codes", "make", "--at", AT, "--colour", "green", "--json")
    _, doc, _ = run(
        capsys, "verify", "--demo", "--at", "2022-04-20T12:00:00+08:00", "--text", out["text"]
    )
    assert "HEALTH_CODE_STALE" not in [r["code"] for r in doc["verdict"]["reasons"]]


def test_codes_make_refuses_an_invalid_plate(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "codes", "make", "--at", AT, "--colour", "green",
        "--pass-number", "330100000001", "--plate", "浙AO1234",
        "--origin", "330100:杭州市", "--destination", "330182:建德市",
        "--pass-from", "2022-04-15", "--pass-to", "2022-05-15",
    )  # fmt: skip
    assert code != 0
    assert "--plate" in err and "I or O" in err


def test_health_card_qr_above_version_22_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import cv2
    import numpy as np
    import zxingcpp

    symbol = zxingcpp.create_barcode("shc:/" + "56" * 1500, zxingcpp.BarcodeFormat.QRCode)
    png = tmp_path / "big.png"
    cv2.imwrite(str(png), np.asarray(symbol.to_image(scale=3)))
    code, doc, _ = run(capsys, "verify", "--at", AT, "--image", str(png))
    assert code == 0
    check_contract(doc)
    [c] = doc["credentials"]
    assert (c["format"], c["decoded"]) == ("SHC", False)
    assert "version 25" in c["errors"][0] and "at most version 22" in c["errors"][0]


def test_pass_minted_ahead_of_the_lane_clock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pass minted 90 s ahead of the lane clock is valid and the skew recorded; 6 minutes
    ahead is not yet valid; the allowance is the policy's clock_skew_minutes."""
    ahead = "2022-04-20T10:01:30+08:00"
    code, text, _ = run(capsys, "codes", "make", "--at", ahead, "--colour", "green")
    text = text.strip()
    assert code == 0
    code, doc, _ = run(capsys, "verify", "--demo", "--at", AT, "--text", text)
    assert code == 0
    [c] = doc["credentials"]
    assert (c["signature"], c["validity"]) == ("valid", "valid")
    assert c["fields"]["clock_skew_seconds"] == 90
    assert any(e.startswith("clock_skew: issued 90 s ahead") for e in c["errors"])
    late = "2022-04-20T10:06:00+08:00"
    _, text6, _ = run(capsys, "codes", "make", "--at", late, "--colour", "green")
    _, doc6, _ = run(capsys, "verify", "--demo", "--at", AT, "--text", text6.strip())
    assert doc6["credentials"][0]["validity"] == "not_yet_valid"
    default = Path(__file__).resolve().parents[1] / "resources" / "policy" / "default.toml"
    strict = tmp_path / "strict.toml"
    strict.write_text(
        default.read_text(encoding="utf-8").replace(
            "clock_skew_minutes = 5", "clock_skew_minutes = 0"
        ),
        encoding="utf-8",
    )
    _, doc0, _ = run(
        capsys, "verify", "--demo", "--policy", str(strict), "--at", AT, "--text", text
    )
    assert doc0["credentials"][0]["validity"] == "not_yet_valid"
    bad = tmp_path / "bad.toml"
    bad.write_text(
        default.read_text(encoding="utf-8").replace(
            "clock_skew_minutes = 5", "clock_skew_minutes = -1"
        ),
        encoding="utf-8",
    )
    code, _, err = run(capsys, "verify", "--policy", str(bad), "--at", AT, "--text", text)
    assert code != 0 and "clock_skew_minutes" in err and "Traceback" not in err


def test_trust_issuer_binds_adhoc_key_sets(
    shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ex = shared_data / "smart-health-cards" / "examples"
    text = (ex / "example-00-f-qr-code-numeric-value-0.txt").read_text(encoding="utf-8").strip()
    jwks = str(ex / "issuer" / ".well-known" / "jwks.json")
    base = ["verify", "--at", "2023-06-23T00:00:00Z", "--trust", jwks, "--text", text]
    _, right, _ = run(
        capsys, *base, "--trust-issuer", "https://spec.smarthealth.cards/examples/issuer"
    )
    assert right["credentials"][0]["signature"] == "valid"
    code, _, err = run(capsys, *base, "--trust-issuer", "https://other.example.org/issuer")
    # the key set's x5c certificate names its issuer: binding it to another is refused
    assert code == 2 and "certificate is for https://spec.smarthealth.cards" in err


def test_at_far_outside_any_credential_is_one_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    for at in ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00"):
        code, _, err = run(capsys, "verify", "--at", at, "--text", "HC1:XYZ")
        assert code == 2 and "outside the years" in err and "\n" not in err.strip()
