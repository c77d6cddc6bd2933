"""The offline trust store (信任库): issuer certificates, public keys and JWKS files.

A directory (``data_dir/trust``) of X.509 certificates (PEM or DER), public keys (PEM) and JWKS
files. Keys are parsed once when the store loads and looked up by key id afterwards, so a
verification costs one signature check and no parsing. A small metadata file records when the
store was last updated, so a stale store shows up as a status rather than silence.

Key ids: a certificate's kid is the first 8 bytes of SHA-256 over its DER (the EU DCC rule);
a bare public key's kid is the first 8 bytes of SHA-256 over its SubjectPublicKeyInfo DER (the
rule for checkpoint passes); a JWK's kid is its ``kid`` member.

Every key is bound to one credential format (hc1, shc, ckp1) and, where the format names one,
an issuer: a credential is checked only against keys of its own format and issuer (see
docs/trust.md). The bindings of the store's files are kept in its metadata file; a store made
before bindings existed is read with the bindings its files imply, and an entry that implies
none (a JWKS with no issuer URL) is listed as unusable with the reason.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from checkpoint.config import Settings
from checkpoint.errors import CheckpointError

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
DEMO_DIR = RESOURCES / "demo"
DEMO_PUBLIC_KEY = DEMO_DIR / "demo-issuer.pub.pem"
DEMO_PRIVATE_KEY = DEMO_DIR / "demo-issuer.key.pem"
META_FILE = ".trust-store.json"
KEY_SUFFIXES = (".pem", ".crt", ".cer", ".der", ".json", ".jwks")


class TrustError(CheckpointError):
    """A trust-store file or directory cannot be read or holds no usable key."""


class KeyFormat(StrEnum):
    """The credential format a trusted key may sign."""

    HC1 = "hc1"
    SHC = "shc"
    CKP1 = "ckp1"


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
    format: KeyFormat | None = None
    issuer: str | None = None
    country: str | None = None
    san_uris: tuple[str, ...] = ()

    def serves(self, fmt: KeyFormat, issuer: str | None) -> bool:
        """Whether this key may verify a credential of ``fmt`` from ``issuer``. A key without an
        issuer binding (loaded ad hoc, or a DCC signer without a country) serves any issuer of
        its format; a credential that names no issuer matches only such keys, except for an EU
        DCC, where the issuer claim is optional."""
        if self.format is not fmt:
            return False
        if self.issuer is None:
            return True
        if issuer is None:
            return fmt is KeyFormat.HC1
        return self.issuer == issuer

    @property
    def binding_text(self) -> str:
        """``hc1 · DE`` / ``shc · https://…`` / ``ckp1 · any issuer``."""
        fmt = self.format.value if self.format else "unbound"
        return f"{fmt} · {self.issuer or 'any issuer'}"

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
    from asn1crypto import x509 as asn1_x509  # here: ~5 MiB the desk needs only for certificates

    try:
        cert = asn1_x509.Certificate.load(der)
        tbs = cert["tbs_certificate"]
        spki = tbs["subject_public_key_info"].dump()
        validity = tbs["validity"]
        not_before = validity["not_before"].native
        not_after = validity["not_after"].native
        subject = cert.subject.human_friendly
        country = cert.subject.native.get("country_name")
        eku_value = cert.extended_key_usage_value
        eku = frozenset(o.dotted for o in eku_value) if eku_value is not None else frozenset()
        san = cert.subject_alt_name_value
        uris = tuple(str(n.native) for n in (san or ()) if n.name == "uniform_resource_identifier")
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
        country=country if isinstance(country, str) else None,
        san_uris=uris,
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


_CURVES: dict[str, tuple[ec.EllipticCurve, int]] = {
    "P-256": (ec.SECP256R1(), 32),
    "P-384": (ec.SECP384R1(), 48),
    "P-521": (ec.SECP521R1(), 66),
}
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of an EC or RSA JWK, base64url without padding."""
    members = ("crv", "kty", "x", "y") if jwk.get("kty") == "EC" else ("e", "kty", "n")
    canonical = json.dumps(
        {m: jwk.get(m) for m in members}, separators=(",", ":"), sort_keys=True
    ).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


def _jwk_public_key(jwk: Mapping[str, Any], name: str, origin: str) -> PublicKey:
    kty = jwk.get("kty")
    try:
        if kty == "EC":
            crv = jwk.get("crv")
            if not isinstance(crv, str) or crv not in _CURVES:
                raise TrustError(f"{origin}: key {name} has unsupported curve {crv!r}.")
            curve, size = _CURVES[crv]
            x, y = _b64url(jwk["x"]), _b64url(jwk["y"])
            if len(x) != size or len(y) != size:
                raise TrustError(f"{origin}: key {name}'s x/y do not fit curve {crv}.")
            return ec.EllipticCurvePublicNumbers(
                int.from_bytes(x, "big"), int.from_bytes(y, "big"), curve
            ).public_key()
        if kty == "RSA":
            return rsa.RSAPublicNumbers(
                int.from_bytes(_b64url(jwk["e"]), "big"), int.from_bytes(_b64url(jwk["n"]), "big")
            ).public_key()
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise TrustError(f"{origin}: key {name} is malformed ({exc}).") from exc
    raise TrustError(f"{origin}: key {name} has unsupported kty {kty!r}.")


def _check_shc_jwk(jwk: Mapping[str, Any], name: str, origin: str) -> None:
    """The SMART Health Cards key rules (as the dev-tools check them): EC P-256, ES256, sig."""
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise TrustError(
            f"{origin}: key {name} is {jwk.get('kty')!r} {jwk.get('crv')!r}; SMART Health Card "
            "keys are EC P-256."
        )
    if jwk.get("alg") != "ES256":
        raise TrustError(f"{origin}: key {name} has alg {jwk.get('alg')!r}; it must be ES256.")
    if jwk.get("use") != "sig":
        raise TrustError(f"{origin}: key {name} has use {jwk.get('use')!r}; it must be sig.")


def keys_from_jwks(doc: Any, origin: str) -> list[TrustedKey]:
    """The EC and RSA keys of a JWKS document (``{"keys": [...]}``) or of a single JWK.

    Each key is validated: no private members, a kid equal to its RFC 7638 thumbprint, a
    curve/alg/use that fit a SMART Health Card key (EC P-256, ES256, sig) where the set is one,
    and a leaf certificate (``x5c``) holding the same public key. One sentence per refusal.
    """
    items = doc.get("keys") if isinstance(doc, dict) and "keys" in doc else [doc]
    if not isinstance(items, list):
        raise TrustError(f"{origin}: 'keys' must be a list.")
    keys: list[TrustedKey] = []
    for i, jwk in enumerate(items):
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
            raise TrustError(f"{origin}: key {i} has no 'kid'.")
        kid: str = jwk["kid"]
        name = repr(kid) if len(kid) <= 60 else repr(kid[:57] + "...")
        if any(m in jwk for m in _PRIVATE_MEMBERS):
            raise TrustError(
                f"{origin}: key {name} holds private key material; import only public keys."
            )
        public_key = _jwk_public_key(jwk, name, origin)
        if isinstance(public_key, ec.EllipticCurvePublicKey) or "alg" in jwk or "use" in jwk:
            _check_shc_jwk(jwk, name, origin)
        if kid != jwk_thumbprint(jwk):
            raise TrustError(
                f"{origin}: key {name} does not match its kid (the kid must be the key's "
                "RFC 7638 SHA-256 thumbprint)."
            )
        subject = not_before = not_after = None
        uris: tuple[str, ...] = ()
        x5c = jwk.get("x5c")
        if x5c is not None:
            if not isinstance(x5c, list) or not x5c or not isinstance(x5c[0], str):
                raise TrustError(f"{origin}: key {name} has an x5c that is not a certificate list.")
            # the leaf certificate bounds the key's validity (SMART Health Cards 'x5c')
            try:
                leaf = key_from_certificate(base64.b64decode(x5c[0], validate=True), origin)
            except (TrustError, ValueError) as exc:
                raise TrustError(f"{origin}: key {name} has an unreadable x5c.") from exc
            if _spki(leaf.public_key) != _spki(public_key):
                raise TrustError(
                    f"{origin}: key {name}'s x5c certificate holds a different public key."
                )
            subject, not_before, not_after = leaf.subject, leaf.not_before, leaf.not_after
            uris = leaf.san_uris
        keys.append(
            TrustedKey(
                kid=kid.encode("utf-8", "surrogatepass"),
                public_key=public_key,
                source=KeySource.JWK,
                origin=origin,
                subject=subject,
                not_before=not_before,
                not_after=not_after,
                san_uris=uris,
            )
        )
    return keys


@dataclass(frozen=True)
class Revocations:
    """A SMART Health Card revocation list for one key: rid → revoked-before time (or always)."""

    kid: str
    rids: Mapping[str, datetime | None]
    origin: str


class RevocationListError(TrustError):
    """A revocation list cannot be read; ``kid`` is the key it is for, when known."""

    def __init__(self, message: str, kid: str | None) -> None:
        super().__init__(message)
        self.kid = kid


def revocations_from_doc(doc: Any, origin: str, kid_hint: str | None = None) -> Revocations:
    """A ``{"kid", "method": "rid", "rids": [...]}`` document."""
    kid = doc.get("kid") if isinstance(doc, dict) else None
    rids = doc.get("rids") if isinstance(doc, dict) else None
    method = doc.get("method") if isinstance(doc, dict) else None
    hint = kid if isinstance(kid, str) else kid_hint
    if method != "rid" or not isinstance(kid, str) or not isinstance(rids, list):
        raise RevocationListError(
            f'{origin}: a revocation list needs kid, method "rid" and rids.', hint
        )
    table: dict[str, datetime | None] = {}
    for entry in rids:
        if not isinstance(entry, str):
            raise RevocationListError(f"{origin}: every rid must be text.", hint)
        rid, _, stamp = entry.partition(".")
        try:
            table[rid] = datetime.fromtimestamp(int(stamp), UTC) if stamp else None
        except (ValueError, OverflowError, OSError) as exc:
            raise RevocationListError(
                f"{origin}: {entry[:40]!r} has a bad timestamp.", hint
            ) from exc
    return Revocations(kid, table, origin)


@dataclass(frozen=True)
class ParsedFile:
    """What one trust-store file holds."""

    keys: tuple[TrustedKey, ...] = ()
    revocations: Revocations | None = None


def _is_revocation_doc(doc: Any) -> bool:
    return isinstance(doc, dict) and ("rids" in doc or "method" in doc) and "keys" not in doc


def parse_file(data: bytes, origin: str, *, revocation_list: bool = False) -> ParsedFile:
    """Keys (PEM/DER certificates and public keys, JWKS) or a revocation list in one file.

    ``revocation_list``: the file is known to be one (it sits in a ``crl`` folder), so any
    failure is a :class:`RevocationListError`, which makes revocation checks fail closed.
    """
    kid_hint = Path(origin).stem if revocation_list else None
    if revocation_list or data.lstrip().startswith((b"{", b"[")):
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            if revocation_list:
                raise RevocationListError(
                    f"{origin}: the revocation list is not valid JSON.", kid_hint
                ) from exc
            raise TrustError(f"{origin}: not valid JSON ({exc}).") from exc
        if revocation_list or _is_revocation_doc(doc):
            return ParsedFile(revocations=revocations_from_doc(doc, origin, kid_hint))
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
    """The demo issuer's public key, marked ``demo`` (trusted only in demo mode); it signs
    checkpoint passes (CKP1) only, under any issuer name."""
    try:
        key = serialization.load_pem_public_key(DEMO_PUBLIC_KEY.read_bytes())
    except (OSError, ValueError) as exc:
        raise TrustError(f"The demo issuer key {DEMO_PUBLIC_KEY} cannot be read ({exc}).") from exc
    return replace(
        key_from_public_key(key, "DEMO issuer (resources/demo)", demo=True),
        format=KeyFormat.CKP1,
    )


class BindMode(StrEnum):
    """How strictly keys are bound to a format and issuer.

    ``import``: ``trust import`` — everything must be said or implied by the file.
    ``store``: a file of the store read with the binding recorded when it was imported.
    ``legacy``: a file imported before bindings existed — bound as its content implies.
    ``adhoc``: files named on the command line (``verify --trust``) — what cannot be inferred
    stays unbound (the key serves any issuer of its format).
    """

    IMPORT = "import"
    STORE = "store"
    LEGACY = "legacy"
    ADHOC = "adhoc"


def check_shc_issuer(issuer: str) -> str | None:
    """Why ``issuer`` is not a valid SMART Health Card issuer URL, or None."""
    if not issuer.startswith("https://") or len(issuer) <= len("https://"):
        return f"the issuer URL {issuer[:80]!r} must use https://"
    if issuer.endswith("/"):
        return f"the issuer URL {issuer[:80]!r} must not end with a trailing slash"
    return None


def _inferred_format(key: TrustedKey, origin: str, mode: BindMode) -> KeyFormat:
    if key.source is KeySource.CERTIFICATE:
        return KeyFormat.HC1
    if key.source is KeySource.JWK:
        return KeyFormat.SHC
    if mode is BindMode.IMPORT:
        raise TrustError(
            f"{origin} is a bare public key: say which credentials it signs with "
            "--format hc1|shc|ckp1."
        )
    return KeyFormat.CKP1  # before bindings, a bare key could only verify checkpoint passes


def _bound_issuer(
    key: TrustedKey, fmt: KeyFormat, issuer: str | None, origin: str, mode: BindMode
) -> str | None:
    if fmt is KeyFormat.HC1:
        if issuer is not None and key.country is not None and key.country != issuer:
            raise TrustError(
                f"{origin}: the signer certificate is for country {key.country}, not {issuer}."
            )
        return issuer or key.country
    if fmt is KeyFormat.SHC:
        if issuer is None and len(set(key.san_uris)) == 1:
            issuer = key.san_uris[0]
        if issuer is None:
            if mode is BindMode.ADHOC:
                return None
            if mode is BindMode.IMPORT:
                raise TrustError(
                    f"{origin}: key {key.kid_text} names no issuer; give the issuer URL the "
                    "key set is served for with --issuer https://..."
                )
            raise TrustError(
                f"{origin} was imported before keys were bound to an issuer and names none; "
                "import it again with --format shc --issuer URL."
            )
        reason = check_shc_issuer(issuer)
        if reason is not None:
            raise TrustError(f"{origin}: {reason}.")
        if key.san_uris and issuer not in key.san_uris:
            raise TrustError(
                f"{origin}: key {key.kid_text}'s certificate is for {key.san_uris[0]}, "
                f"not {issuer}."
            )
        return issuer
    if issuer is None and mode is BindMode.IMPORT:
        raise TrustError(
            f"{origin}: a checkpoint-pass (CKP1) key needs --issuer NAME, the issuer its "
            "passes name."
        )
    return issuer


def _as_shc_key(key: TrustedKey, origin: str) -> TrustedKey:
    """A bare public key used for SMART Health Cards: EC P-256, known by its JWK thumbprint
    (the kid a card's header names)."""
    pub = key.public_key
    if not isinstance(pub, ec.EllipticCurvePublicKey) or not isinstance(pub.curve, ec.SECP256R1):
        raise TrustError(
            f"{origin}: SMART Health Card keys are EC P-256, not {key.algorithm_family}."
        )
    numbers = pub.public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": base64.urlsafe_b64encode(numbers.x.to_bytes(32, "big")).rstrip(b"=").decode(),
        "y": base64.urlsafe_b64encode(numbers.y.to_bytes(32, "big")).rstrip(b"=").decode(),
    }
    return replace(key, kid=jwk_thumbprint(jwk).encode(), source=KeySource.JWK)


def bind_keys(
    keys: Iterable[TrustedKey],
    origin: str,
    mode: BindMode,
    fmt: KeyFormat | None = None,
    issuer: str | None = None,
) -> tuple[TrustedKey, ...]:
    """``keys`` bound to ``fmt`` (inferred from the file when None) and an issuer (``issuer``,
    else the certificate's country for hc1 or its URI for shc); TrustError says why not."""
    out = []
    for key in keys:
        key_fmt = fmt or _inferred_format(key, origin, mode)
        if key.source is KeySource.JWK and key_fmt is not KeyFormat.SHC:
            raise TrustError(
                f"{origin} is a JWKS, the key set of a SMART Health Card issuer; it cannot be "
                f"bound to {key_fmt.value}."
            )
        bound = _bound_issuer(key, key_fmt, issuer, origin, mode)
        if key_fmt is KeyFormat.SHC and key.source is KeySource.PUBLIC_KEY:
            key = _as_shc_key(key, origin)
        out.append(replace(key, format=key_fmt, issuer=bound))
    return tuple(out)


def _files_in(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in KEY_SUFFIXES)
    return [path]


def _in_crl_folder(file: Path) -> bool:
    return file.parent.name.lower() == "crl"


@dataclass
class TrustStore:
    """Parsed issuer keys indexed by kid. ``demo_trusted``: the demo issuer counts as trusted."""

    keys: list[TrustedKey] = field(default_factory=list)
    updated_at: datetime | None = None
    problems: list[str] = field(default_factory=list)
    demo_trusted: bool = False
    revocation_lists: list[Revocations] = field(default_factory=list)
    #: revocation lists that could not be read: (the kid they are for, if known; the reason)
    unreadable_revocations: list[tuple[str | None, str]] = field(default_factory=list)
    _by_kid: dict[bytes, list[TrustedKey]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        keys, self.keys = self.keys, []
        self.add(keys)
        self.add([load_demo_key()])

    def add(self, keys: Iterable[TrustedKey]) -> None:
        """Add parsed keys (the same key with the same binding is kept once). A key that was
        never bound (built directly from a certificate or a JWK) is bound as its kind implies."""
        for key in keys:
            if key.format is None:
                [key] = bind_keys([key], key.origin, BindMode.ADHOC)
            bucket = self._by_kid.setdefault(key.kid, [])
            spki = _spki(key.public_key)
            if any(
                k.format is key.format and k.issuer == key.issuer and _spki(k.public_key) == spki
                for k in bucket
            ):
                continue
            bucket.append(key)
            self.keys.append(key)

    def lookup(self, kid: bytes) -> list[TrustedKey]:
        """Every key with this kid, whatever it is bound to (several may share one)."""
        return self._by_kid.get(kid, [])

    def candidates(
        self, kid: bytes, fmt: KeyFormat, issuer: str | None
    ) -> tuple[list[TrustedKey], str | None]:
        """The keys with this kid that may verify a ``fmt`` credential from ``issuer``; when there
        are none but the kid is known, a sentence saying what the key is bound to instead."""
        found = self._by_kid.get(kid, [])
        usable = [k for k in found if k.serves(fmt, issuer)]
        if usable or not found:
            return usable, None
        other = found[0]
        if all(k.format is not fmt for k in found):
            why = f"is trusted for {other.format.value.upper() if other.format else '?'} only"
        else:
            why = f"belongs to issuer {other.issuer}, not {issuer or 'an unnamed issuer'}"
        return [], f"the key {other.kid_text} {why}"

    def revoked(self, kid: str, payload: Mapping[str, Any]) -> str | None:
        """Why a health card signed by ``kid`` is revoked (checks ``vc.rid``) or cannot be
        checked (an unreadable revocation list for this key, or for an unknown key: fail
        closed), else None."""
        for for_kid, why in self.unreadable_revocations:
            if for_kid is None or for_kid == kid:
                return (
                    f"the revocation list cannot be read, so revocation cannot be checked ({why})"
                )
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

    def _take(self, parsed: ParsedFile, keys: Sequence[TrustedKey]) -> None:
        self.add(keys)
        if parsed.revocations is not None:
            self.revocation_lists.append(parsed.revocations)

    @classmethod
    def load(
        cls,
        *paths: Path | str,
        demo: bool = False,
        strict: bool = True,
        as_store: bool = False,
        issuer: str | None = None,
    ) -> TrustStore:
        """A store from files and directories. A directory holding the store's metadata file is
        read with the bindings recorded there; other files are bound as their content implies
        (:attr:`BindMode.ADHOC`). ``strict``: an unreadable named file is an error; unreadable
        files inside a directory are listed in :attr:`problems` either way. A revocation list
        that cannot be read is never an error here: checks against it fail closed.
        ``as_store``: directories are trust stores even without a metadata file (legacy).
        ``issuer``: the issuer ad-hoc keys are bound to where their files name none."""
        store = cls(demo_trusted=demo)
        for raw in paths:
            path = Path(raw)
            if not path.exists():
                raise TrustError(f"The trust path {path} does not exist.")
            meta = read_meta(path) if path.is_dir() else None
            if meta is None and as_store and path.is_dir():
                meta = StoreMeta(None, {})
            for file in _files_in(path):
                if file.name == META_FILE:
                    continue
                try:
                    parsed = parse_file(
                        file.read_bytes(), file.name, revocation_list=_in_crl_folder(file)
                    )
                    if meta is not None:
                        keys = _bind_stored(parsed, file.name, meta.bindings.get(file.name))
                    else:
                        keys = bind_keys(parsed.keys, file.name, BindMode.ADHOC, issuer=issuer)
                    store._take(parsed, keys)
                except RevocationListError as exc:
                    store.unreadable_revocations.append((exc.kid, str(exc)))
                    store.problems.append(str(exc))
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
            return cls.load(trust_dir, demo=settings.demo, strict=False, as_store=True)
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


@dataclass(frozen=True)
class Binding:
    """What the keys of one store file were bound to when imported."""

    format: KeyFormat
    issuer: str | None

    def to_json(self) -> dict[str, str | None]:
        """``{"format": "hc1", "issuer": "DE"}``."""
        return {"format": self.format.value, "issuer": self.issuer}


@dataclass(frozen=True)
class StoreMeta:
    """The store's metadata file: when it last changed, and each file's binding."""

    updated_at: datetime | None
    bindings: Mapping[str, Binding]


def read_meta(trust_dir: Path) -> StoreMeta | None:
    """The metadata of the store in ``trust_dir``; None when it has no metadata file. A file
    from before bindings existed reads as a store with no bindings (every entry is legacy)."""
    meta = trust_dir / META_FILE
    try:
        doc = json.loads(meta.read_text(encoding="utf-8"))
    except OSError:
        return None
    except ValueError:
        return StoreMeta(None, {})
    if not isinstance(doc, dict):
        return StoreMeta(None, {})
    stamp: datetime | None = None
    try:
        stamp = datetime.fromisoformat(str(doc["updated_at"]))
        stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    except (KeyError, ValueError):
        stamp = None
    bindings: dict[str, Binding] = {}
    raw = doc.get("bindings")
    for name, b in raw.items() if isinstance(raw, dict) else ():
        try:
            issuer = b.get("issuer")
            bindings[str(name)] = Binding(
                KeyFormat(b["format"]), issuer if isinstance(issuer, str) else None
            )
        except (AttributeError, KeyError, ValueError):
            continue
    return StoreMeta(stamp, bindings)


def read_updated_at(trust_dir: Path) -> datetime | None:
    """When the store in ``trust_dir`` was last changed by import/remove (or the newest file)."""
    meta = read_meta(trust_dir)
    if meta is not None and meta.updated_at is not None:
        return meta.updated_at
    files = [p for p in _files_in(trust_dir) if p.name != META_FILE] if trust_dir.is_dir() else []
    if not files:
        return None
    return datetime.fromtimestamp(max(p.stat().st_mtime for p in files), UTC)


def _write_meta(trust_dir: Path, at: datetime, bindings: Mapping[str, Binding]) -> None:
    doc = {
        "updated_at": at.isoformat(),
        "bindings": {name: b.to_json() for name, b in sorted(bindings.items())},
    }
    (trust_dir / META_FILE).write_text(json.dumps(doc, ensure_ascii=False, indent=1), "utf-8")


def _bind_stored(parsed: ParsedFile, name: str, binding: Binding | None) -> tuple[TrustedKey, ...]:
    if binding is None:
        return bind_keys(parsed.keys, name, BindMode.LEGACY)
    return bind_keys(parsed.keys, name, BindMode.STORE, binding.format, binding.issuer)


@dataclass(frozen=True)
class StoreEntry:
    """One file in the trust store and the keys it holds (bound to a format and issuer)."""

    name: str
    keys: tuple[TrustedKey, ...]
    problem: str | None = None
    revocations: Revocations | None = None
    #: the binding was inferred from the file, not recorded at import (a store from before)
    inferred: bool = False


def import_files(
    trust_dir: Path,
    sources: Sequence[Path],
    at: datetime,
    *,
    fmt: KeyFormat | None = None,
    issuer: str | None = None,
) -> list[StoreEntry]:
    """Copy key files (or every key file of a directory) into the store after parsing,
    validating and binding them to ``fmt`` and ``issuer`` (inferred where the file says).

    Nothing is copied unless every file passes: a refused file is an error naming it. Entries
    of the store from before bindings existed are bound as they imply, and recorded.
    """
    files = [f for src in sources for f in _files_in(src)]
    if not files:
        raise TrustError("No certificate, key or JWKS file was given.")
    taken: list[tuple[Path, ParsedFile, tuple[TrustedKey, ...]]] = []
    for file in files:
        try:
            parsed = parse_file(file.read_bytes(), file.name, revocation_list=_in_crl_folder(file))
        except OSError as exc:
            raise TrustError(f"{file} cannot be read ({exc.strerror or exc}).") from exc
        keys = bind_keys(parsed.keys, file.name, BindMode.IMPORT, fmt, issuer)
        taken.append((file, parsed, keys))
    existing = read_meta(trust_dir) if trust_dir.is_dir() else None
    bindings: dict[str, Binding] = dict(existing.bindings) if existing else {}
    if trust_dir.is_dir():
        for entry in list_entries(trust_dir):
            if entry.inferred and entry.keys and entry.problem is None:
                first = entry.keys[0]
                assert first.format is not None
                single = len({k.issuer for k in entry.keys}) == 1
                bindings[entry.name] = Binding(first.format, first.issuer if single else None)
    trust_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for file, parsed, keys in taken:
        shutil.copyfile(file, trust_dir / file.name)
        if keys:
            assert keys[0].format is not None
            bindings[file.name] = Binding(keys[0].format, issuer)
        entries.append(StoreEntry(file.name, keys, revocations=parsed.revocations))
    _write_meta(trust_dir, at, bindings)
    return entries


def list_entries(trust_dir: Path) -> list[StoreEntry]:
    """Every file in the store with its bound keys, or the reason it cannot be used."""
    if not trust_dir.is_dir():
        return []
    meta = read_meta(trust_dir)
    bindings = meta.bindings if meta else {}
    entries = []
    for file in _files_in(trust_dir):
        if file.name == META_FILE:
            continue
        binding = bindings.get(file.name)
        try:
            content = parse_file(file.read_bytes(), file.name, revocation_list=_in_crl_folder(file))
            keys = _bind_stored(content, file.name, binding)
            entries.append(
                StoreEntry(
                    file.name,
                    keys,
                    revocations=content.revocations,
                    inferred=binding is None and bool(keys),
                )
            )
        except (TrustError, OSError) as exc:
            entries.append(StoreEntry(file.name, (), str(exc)))
    return entries


def remove_entry(trust_dir: Path, name: str, at: datetime) -> StoreEntry:
    """Remove one file, by its file name or by a kid (base64 / JWK kid) it holds."""
    for entry in list_entries(trust_dir):
        if name == entry.name or any(name == k.kid_text for k in entry.keys):
            (trust_dir / entry.name).unlink()
            meta = read_meta(trust_dir)
            bindings = {k: v for k, v in (meta.bindings if meta else {}).items() if k != entry.name}
            _write_meta(trust_dir, at, bindings)
            return entry
    raise TrustError(f"Nothing named {name!r} is in the trust store (see `checkpoint trust list`).")
