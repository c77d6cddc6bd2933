"""The offline trust store (信任库): issuer certificates, public keys and JWKS files.

A directory (``data_dir/trust``) of X.509 certificates (PEM or DER), public keys (PEM) and JWKS
files. Keys are parsed once when the store loads and looked up by key id afterwards, so a
verification costs one signature check and no parsing. A small metadata file records when the
store was last updated, so a stale store shows up as a status rather than silence.

Key ids: a certificate's kid is the first 8 bytes of SHA-256 over its DER (the EU DCC rule);
a bare public key's kid is the first 8 bytes of SHA-256 over its SubjectPublicKeyInfo DER (the
rule for checkpoint passes); a JWK's kid is its ``kid`` member.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from checkpoint.config import Settings
from checkpoint.errors import CheckpointError

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
DEMO_DIR = RESOURCES / "demo"
DEMO_PUBLIC_KEY = DEMO_DIR / "demo-issuer.pub.pem"
DEMO_PRIVATE_KEY = DEMO_DIR / "demo-issuer.key.pem"
META_FILE = ".trust-store.json"
KEY_SUFFIXES = (".pem", ".crt", ".cer", ".der", ".json", ".jwks")


class TrustError(CheckpointError):
    """A trust-store file or directory cannot be read or holds no usable key."""


class KeySource(StrEnum):
    """What a trusted key came from."""

    CERTIFICATE = "certificate"
    PUBLIC_KEY = "public_key"
    JWK = "jwk"


@dataclass(frozen=True)
class TrustedKey:
    """One parsed issuer key with what the store knows about it."""

    kid: bytes
    public_key: PublicKey
    source: KeySource
    origin: str
    subject: str | None = None
    not_before: datetime | None = None
    not_after: datetime | None = None
    extended_key_usage: frozenset[str] = frozenset()
    demo: bool = False

    @property
    def kid_text(self) -> str:
        """The kid for display: the JWK kid as is, binary kids as base64."""
        if self.source is KeySource.JWK:
            return self.kid.decode("utf-8", "replace")
        return base64.b64encode(self.kid).decode()

    @property
    def algorithm_family(self) -> str:
        """``EC P-256`` / ``RSA 2048`` style summary."""
        if isinstance(self.public_key, ec.EllipticCurvePublicKey):
            return f"EC {self.public_key.curve.name}"
        return f"RSA {self.public_key.key_size}"


class Freshness(StrEnum):
    """How current the trust store is against the policy's maximum age."""

    FRESH = "fresh"
    STALE = "stale"
    EMPTY = "empty"


@dataclass(frozen=True)
class TrustStatus:
    """The store's freshness with a sentence for the desk's status bar."""

    freshness: Freshness
    updated_at: datetime | None
    key_count: int
    message_zh: str
    message_en: str


def _kid(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()[:8]


def _spki(key: PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _as_supported(key: object, origin: str) -> PublicKey:
    if isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        return key
    raise TrustError(
        f"{origin}: only EC and RSA public keys are supported, not {type(key).__name__}."
    )


def key_from_certificate(der: bytes, origin: str, *, demo: bool = False) -> TrustedKey:
    """A trusted key from an X.509 certificate in DER.

    Read with asn1crypto, which tolerates the DCC test certificates that strict X.509 parsers
    reject (negative serials, odd encodings); only the SubjectPublicKeyInfo goes to cryptography.
    """
    try:
        cert = asn1_x509.Certificate.load(der)
        tbs = cert["tbs_certificate"]
        spki = tbs["subject_public_key_info"].dump()
        validity = tbs["validity"]
        not_before = validity["not_before"].native
        not_after = validity["not_after"].native
        subject = cert.subject.human_friendly
        eku_value = cert.extended_key_usage_value
        eku = frozenset(o.dotted for o in eku_value) if eku_value is not None else frozenset()
    except Exception as exc:  # asn1crypto parses lazily and raises many types on bad DER
        raise TrustError(f"{origin}: not a readable X.509 certificate ({exc}).") from exc
    try:
        public_key = serialization.load_der_public_key(spki)
    except (ValueError, TypeError) as exc:
        raise TrustError(f"{origin}: the certificate's public key is not usable ({exc}).") from exc
    return TrustedKey(
        kid=_kid(der),
        public_key=_as_supported(public_key, origin),
        source=KeySource.CERTIFICATE,
        origin=origin,
        subject=subject,
        not_before=not_before,
        not_after=not_after,
        extended_key_usage=eku,
        demo=demo,
    )


def key_from_public_key(key: object, origin: str, *, demo: bool = False) -> TrustedKey:
    """A trusted key from a bare public key; its kid is SHA-256 of the SPKI, first 8 bytes."""
    public_key = _as_supported(key, origin)
    return TrustedKey(
        kid=_kid(_spki(public_key)),
        public_key=public_key,
        source=KeySource.PUBLIC_KEY,
        origin=origin,
        demo=demo,
    )


def public_key_kid(key: PublicKey) -> bytes:
    """The kid a bare public key gets in the store (and that ``codes make`` writes)."""
    return _kid(_spki(key))


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def keys_from_jwks(doc: Any, origin: str) -> list[TrustedKey]:
    """The EC and RSA keys of a JWKS document (``{"keys": [...]}``) or of a single JWK."""
    items = doc.get("keys") if isinstance(doc, dict) and "keys" in doc else [doc]
    if not isinstance(items, list):
        raise TrustError(f"{origin}: 'keys' must be a list.")
    keys: list[TrustedKey] = []
    for i, jwk in enumerate(items):
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
            raise TrustError(f"{origin}: key {i} has no 'kid'.")
        try:
            public_key: PublicKey
            if jwk.get("kty") == "EC":
                curves: dict[str, ec.EllipticCurve] = {
                    "P-256": ec.SECP256R1(),
                    "P-384": ec.SECP384R1(),
                    "P-521": ec.SECP521R1(),
                }
                curve = curves[jwk["crv"]]
                public_key = ec.EllipticCurvePublicNumbers(
                    int.from_bytes(_b64url(jwk["x"]), "big"),
                    int.from_bytes(_b64url(jwk["y"]), "big"),
                    curve,
                ).public_key()
            elif jwk.get("kty") == "RSA":
                public_key = rsa.RSAPublicNumbers(
                    int.from_bytes(_b64url(jwk["e"]), "big"),
                    int.from_bytes(_b64url(jwk["n"]), "big"),
                ).public_key()
            else:
                raise TrustError(
                    f"{origin}: key {jwk['kid']!r} has unsupported kty {jwk.get('kty')!r}."
                )
        except (KeyError, ValueError, TypeError) as exc:
            raise TrustError(f"{origin}: key {jwk['kid']!r} is malformed ({exc}).") from exc
        subject = not_before = not_after = None
        x5c = jwk.get("x5c")
        if isinstance(x5c, list) and x5c and isinstance(x5c[0], str):
            # the leaf certificate bounds the key's validity (SMART Health Cards 'x5c')
            try:
                leaf = key_from_certificate(base64.b64decode(x5c[0]), origin)
            except (TrustError, ValueError) as exc:
                raise TrustError(f"{origin}: key {jwk['kid']!r} has an unreadable x5c.") from exc
            subject, not_before, not_after = leaf.subject, leaf.not_before, leaf.not_after
        keys.append(
            TrustedKey(
                kid=jwk["kid"].encode(),
                public_key=public_key,
                source=KeySource.JWK,
                origin=origin,
                subject=subject,
                not_before=not_before,
                not_after=not_after,
            )
        )
    return keys


@dataclass(frozen=True)
class Revocations:
    """A SMART Health Card revocation list for one key: rid → revoked-before time (or always)."""

    kid: str
    rids: Mapping[str, datetime | None]
    origin: str


def revocations_from_doc(doc: Mapping[str, Any], origin: str) -> Revocations:
    """A ``{"kid", "method": "rid", "rids": [...]}`` document."""
    kid, rids = doc.get("kid"), doc.get("rids")
    if doc.get("method") != "rid" or not isinstance(kid, str) or not isinstance(rids, list):
        raise TrustError(f'{origin}: a revocation list needs kid, method "rid" and rids.')
    table: dict[str, datetime | None] = {}
    for entry in rids:
        if not isinstance(entry, str):
            raise TrustError(f"{origin}: every rid must be text.")
        rid, _, stamp = entry.partition(".")
        try:
            table[rid] = datetime.fromtimestamp(int(stamp), UTC) if stamp else None
        except (ValueError, OverflowError, OSError) as exc:
            raise TrustError(f"{origin}: {entry!r} has a bad timestamp.") from exc
    return Revocations(kid, table, origin)


@dataclass(frozen=True)
class ParsedFile:
    """What one trust-store file holds."""

    keys: tuple[TrustedKey, ...] = ()
    revocations: Revocations | None = None


def parse_file(data: bytes, origin: str) -> ParsedFile:
    """Keys (PEM/DER certificates and public keys, JWKS) or a revocation list in one file."""
    if data.lstrip().startswith((b"{", b"[")):
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise TrustError(f"{origin}: not valid JSON ({exc}).") from exc
        if isinstance(doc, dict) and "rids" in doc:
            return ParsedFile(revocations=revocations_from_doc(doc, origin))
        return ParsedFile(tuple(keys_from_jwks(doc, origin)))
    return ParsedFile(tuple(keys_from_bytes(data, origin)))


def keys_from_bytes(data: bytes, origin: str) -> list[TrustedKey]:
    """Every key in one file's content: PEM (certificates, public keys), DER, or JWKS JSON."""
    stripped = data.lstrip()
    if stripped.startswith((b"{", b"[")):
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise TrustError(f"{origin}: not valid JSON ({exc}).") from exc
        return keys_from_jwks(doc, origin)
    if b"-----BEGIN" in data:
        return _keys_from_pem(data, origin)
    try:
        return [key_from_certificate(data, origin)]
    except TrustError:
        pass
    try:
        return [key_from_public_key(serialization.load_der_public_key(data), origin)]
    except (ValueError, TypeError) as exc:
        raise TrustError(f"{origin}: neither a certificate, a public key nor a JWKS file.") from exc


def _keys_from_pem(data: bytes, origin: str) -> list[TrustedKey]:
    keys: list[TrustedKey] = []
    text = data.decode("ascii", "replace")
    for block in text.split("-----BEGIN ")[1:]:
        label, _, rest = block.partition("-----")
        body = rest.split("-----END", 1)[0]
        if "PRIVATE KEY" in label:
            raise TrustError(
                f"{origin} holds a private key; import only the public key or certificate."
            )
        try:
            der = base64.b64decode("".join(body.split()), validate=True)
        except ValueError as exc:
            raise TrustError(f"{origin}: a PEM block ({label}) is not valid base64.") from exc
        if label == "CERTIFICATE":
            keys.append(key_from_certificate(der, origin))
        elif label == "PUBLIC KEY":
            try:
                keys.append(key_from_public_key(serialization.load_der_public_key(der), origin))
            except (ValueError, TypeError) as exc:
                raise TrustError(f"{origin}: the public key cannot be read ({exc}).") from exc
    if not keys:
        raise TrustError(f"{origin}: no certificate or public key found in the PEM file.")
    return keys


def load_demo_key() -> TrustedKey:
    """The demo issuer's public key, marked ``demo`` (trusted only in demo mode)."""
    try:
        key = serialization.load_pem_public_key(DEMO_PUBLIC_KEY.read_bytes())
    except (OSError, ValueError) as exc:
        raise TrustError(f"The demo issuer key {DEMO_PUBLIC_KEY} cannot be read ({exc}).") from exc
    return key_from_public_key(key, "DEMO issuer (resources/demo)", demo=True)


def _files_in(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in KEY_SUFFIXES)
    return [path]


@dataclass
class TrustStore:
    """Parsed issuer keys indexed by kid. ``demo_trusted``: the demo issuer counts as trusted."""

    keys: list[TrustedKey] = field(default_factory=list)
    updated_at: datetime | None = None
    problems: list[str] = field(default_factory=list)
    demo_trusted: bool = False
    revocation_lists: list[Revocations] = field(default_factory=list)
    _by_kid: dict[bytes, list[TrustedKey]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        keys, self.keys = self.keys, []
        self.add(keys)
        self.add([load_demo_key()])

    def add(self, keys: Iterable[TrustedKey]) -> None:
        """Add parsed keys (duplicates by kid and key are kept once)."""
        for key in keys:
            bucket = self._by_kid.setdefault(key.kid, [])
            if any(_spki(k.public_key) == _spki(key.public_key) for k in bucket):
                continue
            bucket.append(key)
            self.keys.append(key)

    def lookup(self, kid: bytes) -> list[TrustedKey]:
        """Every key with this kid (several certificates may share one); may be empty."""
        return self._by_kid.get(kid, [])

    def revoked(self, kid: str, payload: Mapping[str, Any]) -> str | None:
        """Why a health card signed by ``kid`` is revoked, or None (checks ``vc.rid``)."""
        vc = payload.get("vc")
        rid = vc.get("rid") if isinstance(vc, Mapping) else None
        if not isinstance(rid, str):
            return None
        nbf = payload.get("nbf")
        for crl in self.revocation_lists:
            if crl.kid != kid or rid not in crl.rids:
                continue
            before = crl.rids[rid]
            if before is None:
                return f"the issuer revoked this card (rid {rid}, {crl.origin})"
            if (
                isinstance(nbf, int | float)
                and not isinstance(nbf, bool)
                and nbf < before.timestamp()
            ):
                return f"the issuer revoked cards with rid {rid} issued before {before.isoformat()}"
        return None

    @property
    def trusted_keys(self) -> list[TrustedKey]:
        """Keys other than the demo issuer's."""
        return [k for k in self.keys if not k.demo]

    @classmethod
    def load(cls, *paths: Path | str, demo: bool = False, strict: bool = True) -> TrustStore:
        """A store from files and directories. ``strict``: an unreadable named file is an error;
        unreadable files inside a directory are listed in :attr:`problems` either way."""
        store = cls(demo_trusted=demo)
        for raw in paths:
            path = Path(raw)
            if not path.exists():
                raise TrustError(f"The trust path {path} does not exist.")
            for file in _files_in(path):
                if file.name == META_FILE:
                    continue
                try:
                    parsed = parse_file(file.read_bytes(), file.name)
                    store.add(parsed.keys)
                    if parsed.revocations is not None:
                        store.revocation_lists.append(parsed.revocations)
                except TrustError as exc:
                    if strict and not path.is_dir():
                        raise
                    store.problems.append(str(exc))
                except OSError as exc:
                    raise TrustError(f"{file} cannot be read ({exc.strerror or exc}).") from exc
            if path.is_dir():
                store.updated_at = _latest(store.updated_at, read_updated_at(path))
        return store

    @classmethod
    def from_settings(cls, settings: Settings) -> TrustStore:
        """The data dir's store; the demo issuer is trusted when ``settings.demo`` is on."""
        trust_dir = settings.trust_dir
        if trust_dir.is_dir():
            return cls.load(trust_dir, demo=settings.demo, strict=False)
        return cls(demo_trusted=settings.demo)

    def status(self, at: datetime, max_age: timedelta) -> TrustStatus:
        """Fresh, stale or empty against ``max_age`` (the policy's trust-store age limit)."""
        count = len(self.trusted_keys)
        if count == 0:
            return TrustStatus(
                Freshness.EMPTY,
                self.updated_at,
                0,
                "信任库为空:离线验签无法确认任何签发方。",
                "The trust store is empty: no issuer can be verified offline.",
            )
        if self.updated_at is None or at - self.updated_at > max_age:
            when = self.updated_at.date().isoformat() if self.updated_at else "未知"
            when_en = self.updated_at.date().isoformat() if self.updated_at else "unknown"
            days = max_age.days
            return TrustStatus(
                Freshness.STALE,
                self.updated_at,
                count,
                f"信任库已超过{days}天未更新(上次更新:{when}),请导入最新签发方证书。",
                f"The trust store is older than {days} days (last updated {when_en}); "
                "import current issuer certificates.",
            )
        return TrustStatus(
            Freshness.FRESH,
            self.updated_at,
            count,
            f"信任库正常,共{count}个签发方密钥。",
            f"The trust store is current with {count} issuer keys.",
        )


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def read_updated_at(trust_dir: Path) -> datetime | None:
    """When the store in ``trust_dir`` was last changed by import/remove (or the newest file)."""
    meta = trust_dir / META_FILE
    try:
        value = json.loads(meta.read_text(encoding="utf-8"))["updated_at"]
        stamp = datetime.fromisoformat(value)
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    except (OSError, ValueError, KeyError, TypeError):
        files = (
            [p for p in _files_in(trust_dir) if p.name != META_FILE] if trust_dir.is_dir() else []
        )
        if not files:
            return None
        return datetime.fromtimestamp(max(p.stat().st_mtime for p in files), UTC)


def _touch(trust_dir: Path, at: datetime) -> None:
    (trust_dir / META_FILE).write_text(json.dumps({"updated_at": at.isoformat()}), encoding="utf-8")


@dataclass(frozen=True)
class StoreEntry:
    """One file in the trust store and the keys it holds."""

    name: str
    keys: tuple[TrustedKey, ...]
    problem: str | None = None
    revocations: Revocations | None = None


def import_files(trust_dir: Path, sources: Sequence[Path], at: datetime) -> list[StoreEntry]:
    """Copy key files (or every key file of a directory) into the store after parsing them.

    Nothing is copied unless every file parses: a broken file is an error naming it.
    """
    files = [f for src in sources for f in _files_in(src)]
    if not files:
        raise TrustError("No certificate, key or JWKS file was given.")
    parsed: list[tuple[Path, ParsedFile]] = []
    for file in files:
        try:
            parsed.append((file, parse_file(file.read_bytes(), file.name)))
        except OSError as exc:
            raise TrustError(f"{file} cannot be read ({exc.strerror or exc}).") from exc
    trust_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for file, content in parsed:
        shutil.copyfile(file, trust_dir / file.name)
        entries.append(StoreEntry(file.name, content.keys, revocations=content.revocations))
    _touch(trust_dir, at)
    return entries


def list_entries(trust_dir: Path) -> list[StoreEntry]:
    """Every file in the store with its keys, or the reason it cannot be used."""
    if not trust_dir.is_dir():
        return []
    entries = []
    for file in _files_in(trust_dir):
        if file.name == META_FILE:
            continue
        try:
            content = parse_file(file.read_bytes(), file.name)
            entries.append(StoreEntry(file.name, content.keys, revocations=content.revocations))
        except (TrustError, OSError) as exc:
            entries.append(StoreEntry(file.name, (), str(exc)))
    return entries


def remove_entry(trust_dir: Path, name: str, at: datetime) -> StoreEntry:
    """Remove one file, by its file name or by a kid (base64 / JWK kid) it holds."""
    for entry in list_entries(trust_dir):
        if name == entry.name or any(name == k.kid_text for k in entry.keys):
            (trust_dir / entry.name).unlink()
            _touch(trust_dir, at)
            return entry
    raise TrustError(f"Nothing named {name!r} is in the trust store (see `checkpoint trust list`).")
