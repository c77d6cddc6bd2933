"""The verifier never raises (issue 12, item 6): at least 10,000 mutated payloads per format
(HC1, SHC, CKP1) from a fixed seed, each within a time bound, through ``verify_payload``.

Mutations work at every layer: the QR text, the compressed bytes, the CBOR/JSON structure (with
hostile values: an ``alg`` list or map, CBOR tag 28/29 cycles, deep nesting, lone surrogates,
huge numbers, FHIR fields of the wrong type) and, re-signed with a trusted key so the
signature passes, the claims and bundle that only a valid signature reaches.
"""

from __future__ import annotations

import base64
import json
import random
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import cbor2
import pytest
from conftest import SHARED_DATA
from cryptography.hazmat.primitives import serialization
from keymaker import (
    card_payload,
    cert_kid,
    certificate,
    hcert_claims,
    jws,
    new_key,
    numeric,
    raw_deflate,
)
from test_credentials_ckp1 import CONTENT

from checkpoint.credentials import CredentialResult, base45, verify_payload, verify_payloads
from checkpoint.credentials.ckp1 import CLAIM_PASS, encode_claims, mint
from checkpoint.credentials.cose import sign1, unwrap_compression
from checkpoint.credentials.trust import (
    DEMO_PRIVATE_KEY,
    BindMode,
    KeyFormat,
    TrustStore,
    bind_keys,
    key_from_certificate,
    keys_from_jwks,
)

SEED = 20220420
PER_FORMAT = 10_000
TIME_BOUND_S = 2.0  # a hang detector, far above the ~1 ms a payload takes
AT = datetime(2022, 4, 20, 8, 0, tzinfo=UTC)
ISS = "https://fuzz.example.org/issuer"

HC1_KEY = new_key()
HC1_CERT = certificate(HC1_KEY, country="DE")
SHC_KEY = new_key()
DEMO_KEY = serialization.load_pem_private_key(DEMO_PRIVATE_KEY.read_bytes(), None)


def _store() -> TrustStore:
    from keymaker import cert_der, jwk

    store = TrustStore(demo_trusted=True)
    store.add([key_from_certificate(cert_der(HC1_CERT), "fuzz-dsc")])
    store.add(bind_keys(keys_from_jwks({"keys": [jwk(SHC_KEY)]}, "fuzz"), "fuzz",
                        BindMode.STORE, KeyFormat.SHC, ISS))  # fmt: skip
    return store


STORE = _store()

# ---------------------------------------------------------------- hostile values


def _deep(n: int) -> Any:
    value: Any = 1
    for _ in range(n):
        value = [value]
    return value


class _Raw:
    """Pre-encoded CBOR spliced into a structure (for tags cbor2 would not write)."""

    def __init__(self, data: bytes) -> None:
        self.data = data


TAG_CYCLE = bytes([0xD8, 0x1C, 0x81, 0xD8, 0x1D, 0x00])  # 28([29(0)]): a list holding itself
TAG_DIAMOND = bytes([0xD8, 0x1C, 0x82, 0x01, 0xD8, 0x1D, 0x00])

CBOR_HOSTILE: list[Any] = [
    [1, 2], {1: 2}, [], {}, None, True, -1, 2**64, -(2**64), 1.5, float("nan"), float("inf"),
    b"", b"\x00" * 40, "", "x" * 3000, _deep(50), _deep(300), cbor2.CBORTag(1, 2**70),
    cbor2.CBORTag(0, "not a date"), cbor2.CBORTag(999, [1]), _Raw(TAG_CYCLE), _Raw(TAG_DIAMOND),
    {"v": [{}]}, {"t": [{"sc": 5}]}, [{"a": 1}] * 3,
]  # fmt: skip
JSON_HOSTILE: list[Any] = [
    [1], {"a": [1]}, [], {}, None, True, 0, -1, 10**400, 1e308, "", "\ud800", "x\udfff",
    "x" * 3000, _deep(40), _deep(700), [[{"given": [1]}]], {"resourceType": 5},
    {"resourceType": "Patient", "name": [{"given": [1, None, {"a": 1}]}]},
    {"resourceType": "Immunization", "status": _deep(20), "vaccineCode": {"coding": [5]}},
]  # fmt: skip


def _cbor(value: Any) -> bytes:
    """CBOR of ``value`` with :class:`_Raw` parts spliced in as given."""
    marks: dict[str, bytes] = {}

    def swap(v: Any) -> Any:
        if isinstance(v, _Raw):
            key = f"\x00raw{len(marks)}"
            marks[key] = v.data
            return key
        if isinstance(v, dict):
            return {k: swap(x) for k, x in v.items()}
        if isinstance(v, list):
            return [swap(x) for x in v]
        return v

    out = cbor2.dumps(swap(value))
    for key, data in marks.items():
        out = out.replace(cbor2.dumps(key), data)
    return out


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: (_replace(v, rest, new) if k == head else v) for k, v in value.items()}
    return [(_replace(v, rest, new) if i == head else v) for i, v in enumerate(value)]


# ---------------------------------------------------------------- mutators


def _text_mutation(rng: random.Random, text: str) -> str:
    alphabet = base45.ALPHABET + "0123456789/:\ufeff \n\ud800é中"
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(5)
        pos = rng.randrange(max(1, len(text)))
        ch = rng.choice(alphabet)
        if op == 0:
            text = text[:pos] + ch + text[pos + 1 :]
        elif op == 1:
            text = text[:pos] + text[pos + 1 :]
        elif op == 2:
            text = text[:pos] + ch + text[pos:]
        elif op == 3:
            text = text[:pos]
        else:
            text = text[:pos] + text[pos : pos + rng.randint(1, 40)] * 2 + text[pos:]
    return text


def _byte_mutation(rng: random.Random, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 6)):
        if not data:
            break
        op = rng.randrange(3)
        pos = rng.randrange(len(data))
        if op == 0:
            data[pos] = rng.randrange(256)
        elif op == 1:
            del data[pos]
        else:
            data.insert(pos, rng.choice([0xD8, 0x1C, 0x1D, 0x9F, 0xBF, 0xFF, rng.randrange(256)]))
    return bytes(data)


def _cose_mutation(rng: random.Random, prefix: str, claims: dict[Any, Any]) -> str:
    """A hostile value somewhere in the claims or headers; re-signed half the time."""
    paths = _paths(claims)
    mutated = _replace(claims, rng.choice(paths), rng.choice(CBOR_HOSTILE))
    if not isinstance(mutated, dict):
        mutated = {"x": mutated}
    kid = cert_kid(HC1_CERT) if prefix == "HC1:" else None
    key = HC1_KEY if prefix == "HC1:" else DEMO_KEY
    protected: dict[Any, Any] = {1: -7, 4: kid or _demo_kid()}
    if rng.random() < 0.25:
        protected = _replace(protected, (rng.choice([1, 4]),), rng.choice(CBOR_HOSTILE))
    payload = _cbor(mutated)
    if rng.random() < 0.5 and all(not isinstance(v, _Raw) for v in protected.values()):
        cose = _resign(protected, payload, key)
    else:
        cose = cbor2.dumps(cbor2.CBORTag(18, [_cbor(protected), {}, payload, b"\x01" * 64]))
    wrapped = zlib.compress(cose) if rng.random() < 0.8 else cose
    return prefix + base45.encode(wrapped)


def _demo_kid() -> bytes:
    from checkpoint.credentials.trust import public_key_kid

    return public_key_kid(DEMO_KEY.public_key())  # type: ignore[arg-type]


def _resign(protected: dict[Any, Any], payload: bytes, key: Any) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    prot = _cbor(protected)
    tbs = cbor2.dumps(["Signature1", prot, b"", payload])
    r, s = decode_dss_signature(key.sign(tbs, ec.ECDSA(hashes.SHA256())))
    return cbor2.dumps(
        cbor2.CBORTag(18, [prot, {}, payload, r.to_bytes(32, "big") + s.to_bytes(32, "big")])
    )


def _envelope_mutation(rng: random.Random, seed: str) -> str:
    prefix, body = seed.split(":", 1)
    raw = unwrap_compression(base45.decode(body))
    mutated = _byte_mutation(rng, raw)
    wrapped = zlib.compress(mutated) if rng.random() < 0.7 else mutated
    return f"{prefix}:{base45.encode(wrapped)}"


def _shc_structure_mutation(rng: random.Random) -> str | list[str]:
    payload = card_payload(ISS, AT)
    header: dict[str, Any] = {"zip": "DEF", "alg": "ES256", "kid": None}
    what = rng.random()
    if what < 0.6:
        payload = _replace(payload, rng.choice(_paths(payload)), rng.choice(JSON_HOSTILE))
        if not isinstance(payload, dict):
            payload = {"iss": ISS, "vc": payload}
    elif what < 0.8:
        header = _replace(header, (rng.choice(list(header)),), rng.choice(JSON_HOSTILE))
    body: Any = json.dumps(payload, ensure_ascii=rng.random() < 0.5).encode(
        "utf-8", "surrogatepass"
    )
    if rng.random() < 0.1:
        body = body[: rng.randrange(len(body) + 1)]
    kid = header.get("kid") if header.get("kid") is not None else None
    from keymaker import jwk

    if kid is None and "kid" in header and header["kid"] is None:
        header["kid"] = jwk(SHC_KEY)["kid"]
    text = jws(SHC_KEY, body, header=header, compress=rng.choice(["raw"] * 8 + ["zlib", "none"]))
    digits = numeric(text)
    if rng.random() < 0.15:
        cut = rng.randrange(0, len(digits) + 1, 2)
        heads = [rng.choice(["1", "2", "01", "0", "9" * rng.randint(1, 6000)]) for _ in range(2)]
        return [f"shc:/{heads[0]}/2/{digits[:cut]}", f"shc:/{heads[1]}/2/{digits[cut:]}"]
    return "shc:/" + digits


def _shc_digit_mutation(rng: random.Random, seed: str) -> str:
    digits = seed[len("shc:/") :]
    jws_text = "".join(chr(int(digits[i : i + 2]) + 45) for i in range(0, len(digits), 2))
    head, body, sig = jws_text.split(".")
    inner = zlib.decompressobj(-15).decompress(
        base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    )
    inner = _byte_mutation(rng, inner)
    b64 = base64.urlsafe_b64encode(raw_deflate(inner) if rng.random() < 0.8 else inner).rstrip(b"=")
    return "shc:/" + numeric(f"{head}.{b64.decode()}.{sig}")


# ---------------------------------------------------------------- the run


def _check(result: CredentialResult) -> None:
    doc = result.to_json()
    # what the CLI prints and the desk shows: JSON, UTF-8 encodable
    json.dumps(doc, ensure_ascii=False).encode("utf-8")
    assert doc["signature"] in {"valid", "invalid", "unknown_key", "unsupported", "absent"}
    assert doc["validity"] in {"valid", "expired", "not_yet_valid", "unknown"}
    assert all(isinstance(e, str) and ": " in e for e in doc["errors"])


def _run(name: str, make: Callable[[random.Random], str | list[str]]) -> None:
    rng = random.Random(f"{SEED}-{name}")
    slowest = 0.0
    for i in range(PER_FORMAT):
        payload = make(rng)
        start = time.perf_counter()
        try:
            if isinstance(payload, list):
                results = verify_payloads(payload, STORE, AT)
            else:
                results = [verify_payload(payload, STORE, AT)]
            for r in results:
                _check(r)
        except BaseException as exc:  # the test exists to catch every escape
            raise AssertionError(
                f"{name} payload #{i} escaped: {exc!r}; payload {payload!r:.300}"
            ) from exc
        elapsed = time.perf_counter() - start
        slowest = max(slowest, elapsed)
        assert elapsed < TIME_BOUND_S, f"{name} payload #{i} took {elapsed:.2f} s: {payload!r:.300}"
    print(f"{name}: {PER_FORMAT} mutated payloads, slowest {slowest * 1000:.1f} ms")


def _hc1_seeds() -> list[str]:
    seeds = [cose_text_for(hcert_claims(AT, g)) for g in ("v", "t", "r", "vt")]
    co3 = SHARED_DATA / "dcc-testdata" / "common" / "2DCode" / "raw" / "CO3.json"
    if co3.is_file():
        doc = json.loads(co3.read_text(encoding="utf-8"))
        STORE.add([key_from_certificate(base64.b64decode(doc["TESTCTX"]["CERTIFICATE"]), "co3")])
        seeds.append(doc["PREFIX"])
    return seeds


def cose_text_for(claims: dict[Any, Any]) -> str:
    return "HC1:" + base45.encode(zlib.compress(sign1(claims, HC1_KEY, cert_kid(HC1_CERT))))


def test_hc1_never_raises() -> None:
    seeds = _hc1_seeds()

    def make(rng: random.Random) -> str:
        kind = rng.random()
        if kind < 0.35:
            return _text_mutation(rng, rng.choice(seeds))
        if kind < 0.65:
            return _envelope_mutation(rng, rng.choice(seeds))
        return _cose_mutation(rng, "HC1:", hcert_claims(AT, rng.choice(["v", "t", "tv"])))

    _run("HC1", make)


def test_ckp1_never_raises() -> None:
    seed = mint(CONTENT, DEMO_KEY, issuer="DEMO", issued_at=AT, expires_at=AT + timedelta(days=1))  # type: ignore[arg-type]
    claims = {1: "DEMO", 6: int(AT.timestamp()), 4: int((AT + timedelta(days=1)).timestamp()),
              CLAIM_PASS: encode_claims(CONTENT)}  # fmt: skip

    def make(rng: random.Random) -> str:
        kind = rng.random()
        if kind < 0.35:
            return _text_mutation(rng, seed)
        if kind < 0.6:
            return _envelope_mutation(rng, seed)
        return _cose_mutation(rng, "CKP1:", claims)

    _run("CKP1", make)


def test_shc_never_raises() -> None:
    seeds = ["shc:/" + numeric(jws(SHC_KEY, card_payload(ISS, AT)))]
    example = (
        SHARED_DATA / "smart-health-cards" / "examples" / "example-00-f-qr-code-numeric-value-0.txt"
    )
    if example.is_file():
        seeds.append(example.read_text(encoding="utf-8").strip())

    def make(rng: random.Random) -> str | list[str]:
        kind = rng.random()
        if kind < 0.3:
            return _text_mutation(rng, rng.choice(seeds))
        if kind < 0.5:
            return _shc_digit_mutation(rng, rng.choice(seeds))
        return _shc_structure_mutation(rng)

    _run("SHC", make)


SURROGATE_KID = {"zip": "DEF", "alg": "ES256", "kid": "\ud800"}


def test_the_six_crash_kinds_of_issue_12() -> None:
    """Each kind the issue found, built directly: a verdict, never an exception."""
    cases: list[str | list[str]] = [
        _cose_mutation_fixed("HC1:", {1: [1, 2], 4: cert_kid(HC1_CERT)}),  # alg as a list
        _cose_mutation_fixed("HC1:", {1: {1: 2}, 4: cert_kid(HC1_CERT)}),  # alg as a map
        _cycle(),  # CBOR tag 28/29 cycle
        "shc:/" + numeric(jws(SHC_KEY, _given_one())),  # SHC given: [1]
        "shc:/" + numeric(jws(SHC_KEY, card_payload(ISS, AT), header=SURROGATE_KID)),
        "shc:/" + "9" * 5000 + "/2/56",  # a 5,000-digit chunk header
        "shc:/" + numeric(jws(SHC_KEY, json.dumps({"iss": ISS, "vc": _deep(600)}).encode())),
    ]  # fmt: skip
    for case in cases:
        results = verify_payloads(case if isinstance(case, list) else [case], STORE, AT)
        for r in results:
            _check(r)
            assert r.signature.value != "valid" or r.errors == () or r.decoded


def _cose_mutation_fixed(prefix: str, protected: dict[Any, Any]) -> str:
    payload = cbor2.dumps(hcert_claims(AT))
    cose = cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps(protected), {}, payload, b"\x01" * 64]))
    return prefix + base45.encode(zlib.compress(cose))


def _cycle() -> str:
    claims = hcert_claims(AT)
    claims[-260][1]["v"] = _Raw(TAG_CYCLE)
    return "HC1:" + base45.encode(
        zlib.compress(_resign({1: -7, 4: cert_kid(HC1_CERT)}, _cbor(claims), HC1_KEY))
    )


def _given_one() -> dict[str, Any]:
    payload = card_payload(ISS, AT)
    entry = payload["vc"]["credentialSubject"]["fhirBundle"]["entry"][0]["resource"]
    entry["name"] = [{"family": "X", "given": [1]}]
    return payload


@pytest.mark.parametrize("n", [0])
def test_fixed_seed_is_reproducible(n: int) -> None:
    a = random.Random(f"{SEED}-x")
    b = random.Random(f"{SEED}-x")
    assert _text_mutation(a, "HC1:ABC") == _text_mutation(b, "HC1:ABC")
