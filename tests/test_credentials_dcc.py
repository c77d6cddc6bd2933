"""Every EU DCC test vector in ../shared/data/dcc-testdata, checked against its EXPECTEDRESULTS.

One test per vector file; inside it, every expectation the file states is checked. Vectors that
are wrong upstream are listed in KNOWN_BROKEN with the reason and run as strict xfail, so a fix
upstream (or a regression here) shows up. `test_pass_rate_per_expectation` prints the table.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import cbor2
import pytest
from conftest import SHARED_DATA

from checkpoint.credentials import base45, verify_payload
from checkpoint.credentials.cose import EnvelopeError, inflate, parse_sign1
from checkpoint.credentials.envelope import open_envelope
from checkpoint.credentials.hc1 import PREFIX, _hcert
from checkpoint.credentials.model import CredentialFormat, SignatureStatus, ValidityStatus, jsonable
from checkpoint.credentials.trust import TrustStore, key_from_certificate

DCC = SHARED_DATA / "dcc-testdata"
VECTORS = sorted(DCC.glob("*/2DCode/raw/*.json")) if DCC.is_dir() else []

# vector (relative path) -> {expectation: upstream reason it is wrong}
KNOWN_BROKEN: dict[str, dict[str, str]] = {
    "FR/2DCode/raw/test_pcr_ok.json": {
        "EXPECTEDVALIDJSON": "the JSON field gives sc/dr two hours earlier than the signed CBOR "
        "(local time written as Z when the vector was generated); the CBOR is what was signed",
    },
}


def _instant(text: str) -> Any:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text


def _normalise(value: Any) -> Any:
    """JSON for comparison: timestamps as instants (CBOR tag 0 vs 'Z' strings)."""
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, str) and len(value) > 10 and value[4] == "-" and "T" in value:
        return _instant(value)
    return value


def _store(ctx: dict[str, Any]) -> TrustStore:
    store = TrustStore()
    store.add([key_from_certificate(base64.b64decode(ctx["CERTIFICATE"]), "TESTCTX")])
    return store


def _clock(ctx: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(ctx["VALIDATIONCLOCK"].replace("Z", "+00:00"))


def _picture(doc: dict[str, Any], tmp: Path) -> bool:
    from scanners import ScanError, decode_file

    png = tmp / "code.png"
    png.write_bytes(base64.b64decode(doc["2DCODE"]))
    try:
        return doc["PREFIX"] in decode_file(png).texts
    except ScanError:
        return False


def outcomes(
    doc: dict[str, Any], tmp: Path, untestable: list[str] | None = None
) -> dict[str, tuple[bool, bool]]:
    """expectation -> (expected, what this implementation found), for each stated expectation
    that the vector carries the data for; the others are appended to ``untestable``."""
    untestable = [] if untestable is None else untestable
    expected: dict[str, bool] = doc["EXPECTEDRESULTS"]
    ctx = doc["TESTCTX"]
    result = verify_payload(doc["PREFIX"], _store(ctx), _clock(ctx))
    found: dict[str, bool] = {}
    for name in expected:
        if name == "EXPECTEDUNPREFIX":
            found[name] = result.format is CredentialFormat.HC1 and (
                "BASE45" not in doc or doc["PREFIX"][len(PREFIX) :] == doc["BASE45"]
            )
        elif name == "EXPECTEDB45DECODE":
            try:
                raw = base45.decode(doc.get("BASE45", doc["PREFIX"][len(PREFIX) :]))
                found[name] = "COMPRESSED" not in doc or raw.hex() == doc["COMPRESSED"].lower()
            except base45.Base45Error:
                found[name] = False
        elif name == "EXPECTEDCOMPRESSION":
            try:
                found[name] = inflate(bytes.fromhex(doc["COMPRESSED"])).hex() == doc["COSE"].lower()
            except EnvelopeError:
                found[name] = False
        elif name == "EXPECTEDDECODE":
            ok = result.decoded
            if ok and "CBOR" in doc:
                claims = open_envelope(doc["PREFIX"][len(PREFIX) :]).claims
                expected_cbor = cbor2.loads(bytes.fromhex(doc["CBOR"]))
                # most vectors give the hcert payload as CBOR, some the whole CWT claims map
                ok = expected_cbor in (_hcert(claims), claims)
            if ok and "COSE" in doc:
                cose = parse_sign1(bytes.fromhex(doc["COSE"]))
                ok = cose == open_envelope(doc["PREFIX"][len(PREFIX) :]).message
            found[name] = ok
        elif name == "EXPECTEDVALIDJSON":
            ok = result.decoded
            if ok and "JSON" in doc:
                dgc = _hcert(open_envelope(doc["PREFIX"][len(PREFIX) :]).claims)
                ok = _normalise(jsonable(dgc)) == _normalise(doc["JSON"])
            found[name] = ok
        elif name == "EXPECTEDVERIFY":
            found[name] = result.signature is SignatureStatus.VALID
        elif name == "EXPECTEDEXPIRATIONCHECK":
            found[name] = result.validity is ValidityStatus.VALID
        elif name == "EXPECTEDKEYUSAGE":
            found[name] = result.decoded and "key_usage" not in result.error_codes
        elif name == "EXPECTEDSCHEMAVALIDATION":
            found[name] = result.decoded and "content" not in result.error_codes
        elif name == "EXPECTEDPICTUREDECODE":
            if "2DCODE" not in doc:
                untestable.append(name)  # the vector states it but ships no picture
                continue
            found[name] = _picture(doc, tmp)
        elif name in ("EXPECTEDVALIDOBJECT", "EXPECTEDENCODE"):
            untestable.append(name)  # issuer-side (JSON schema, CBOR encoding): not a verifier's
            continue
        else:
            raise AssertionError(f"unknown expectation {name}")
    return {n: (expected[n], found[n]) for n in found}


def _id(path: Path) -> str:
    return str(path.relative_to(DCC))


@pytest.mark.parametrize("vector", VECTORS, ids=_id)
def test_dcc_vector(vector: Path, shared_data: Path, tmp_path: Path) -> None:
    doc = json.loads(vector.read_text(encoding="utf-8"))
    results = outcomes(doc, tmp_path)
    broken = KNOWN_BROKEN.get(_id(vector), {})
    wrong = {n: r for n, r in results.items() if r[0] != r[1] and n not in broken}
    assert not wrong, f"{doc['TESTCTX'].get('DESCRIPTION')}: expected/got {wrong}"


KNOWN_BROKEN_CASES = [
    pytest.param(
        vector, name, marks=pytest.mark.xfail(strict=True, reason=why), id=f"{vector}:{name}"
    )
    for vector, names in KNOWN_BROKEN.items()
    for name, why in names.items()
]


@pytest.mark.parametrize(("vector", "expectation"), KNOWN_BROKEN_CASES)
def test_dcc_known_broken(vector: str, expectation: str, shared_data: Path, tmp_path: Path) -> None:
    """Expected to fail for the upstream reason given; strict, so a fix shows up."""
    doc = json.loads((DCC / vector).read_text(encoding="utf-8"))
    want, got = outcomes(doc, tmp_path)[expectation]
    assert want == got


def test_vectors_present(shared_data: Path) -> None:
    assert len(VECTORS) >= 100, "the dcc-testdata vectors were not found"


def test_pass_rate_per_expectation(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reproduce every expectation; print the pass rate per expectation (pytest -s shows it)."""
    total: Counter[str] = Counter()
    passed: Counter[str] = Counter()
    not_run: Counter[str] = Counter()
    for vector in VECTORS:
        doc = json.loads(vector.read_text(encoding="utf-8"))
        untestable: list[str] = []
        for name, (want, got) in outcomes(doc, tmp_path, untestable).items():
            total[name] += 1
            passed[name] += want == got
        not_run.update(untestable)
    with capsys.disabled():
        print(
            "\nDCC expectation pass rates (passed/checked; not checkable: no data in the vector):"
        )
        for name in sorted(set(total) | set(not_run)):
            print(f"  {name:26} {passed[name]:3}/{total[name]:3}   not checkable: {not_run[name]}")
    known = sum(len(v) for v in KNOWN_BROKEN.values())
    assert sum(total.values()) - sum(passed.values()) == known
    for name in (
        "EXPECTEDVERIFY",
        "EXPECTEDEXPIRATIONCHECK",
        "EXPECTEDDECODE",
        "EXPECTEDB45DECODE",
    ):
        assert passed[name] == total[name], name
