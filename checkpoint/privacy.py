"""Personal data, minimised: the one place names and ID numbers are masked or hashed.

An ID number is stored only as a keyed hash (HMAC-SHA256 with the site secret kept in the
data directory) and a masked display form; a name only masked (张*).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from checkpoint.errors import ConfigError

SECRET_FILE = "site-secret.key"


def _han(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧阳**; a Latin name keeps its initial: Musterfrau Gabriele → M***.

    Masking a masked name changes nothing.
    """
    name = name.strip()
    if not name:
        return ""
    if all(_han(c) or c == "*" for c in name):
        keep = 2 if len(name) >= 4 else 1
        return name[:keep] + "*" * (len(name) - keep)
    return name[0] + "***"  # the length of a Latin name would say too much


def mask_id_number(id_number: str) -> str:
    """330102199001011234 → 3301**********1234; short numbers keep less."""
    digits = id_number.strip()
    if len(digits) <= 8:
        return digits[:1] + "*" * max(len(digits) - 2, 0) + digits[-1:] if digits else ""
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def mask_plate(plate: str) -> str:
    """浙A12345 → 浙A***45 (for printed exception lists)."""
    if len(plate) <= 4:
        return plate
    return plate[:2] + "*" * (len(plate) - 4) + plate[-2:]


def load_site_secret(data_dir: Path) -> bytes:
    """The site's hashing key; created (owner-only permissions) on first use."""
    path = data_dir / SECRET_FILE
    try:
        if path.exists():
            key = bytes.fromhex(path.read_text(encoding="ascii").strip())
            if len(key) < 16:
                raise ConfigError(f"The site secret {path} is too short; restore it from backup.")
            return key
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key.hex())
        return key
    except ValueError as exc:
        raise ConfigError(f"The site secret {path} is damaged; restore it from backup.") from exc
    except OSError as exc:
        raise ConfigError(f"The site secret {path} cannot be read or created: {exc}.") from exc


def hash_id_number(id_number: str, secret: bytes) -> str:
    """Keyed hash of a normalised ID number; the same person gives the same hash at one site."""
    normalised = id_number.strip().upper().encode("utf-8")
    return hmac.new(secret, normalised, hashlib.sha256).hexdigest()


class SiteKey:
    """The site's ID-number key (站点密钥): one per site, the same on every lane, kept in each
    lane's data directory and never in the database, so a copied database reveals no ID number.

    A lane gets it by an explicit step (``checkpoint site-key create`` on the first machine,
    ``checkpoint site-key import FILE`` on the others; ``fingerprint`` to compare); it is
    never made silently at the lane.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ConfigError("A site key has at least 16 bytes; restore it from backup.")
        self._key = key

    @classmethod
    def path(cls, data_dir: Path) -> Path:
        """Where the lane keeps the key."""
        return data_dir / SECRET_FILE

    @classmethod
    def load(cls, data_dir: Path) -> SiteKey | None:
        """The lane's key, or None when it was never given one."""
        if not cls.path(data_dir).exists():
            return None
        return cls(load_site_secret(data_dir))

    @classmethod
    def create(cls, data_dir: Path) -> SiteKey:
        """A new key for a site that has none (refuses to replace one)."""
        if cls.path(data_dir).exists():
            raise ConfigError(
                f"{cls.path(data_dir)} already holds this site's key; a second key would make "
                "the same ID number hash differently."
            )
        return cls(load_site_secret(data_dir))

    @classmethod
    def import_file(cls, data_dir: Path, source: Path) -> SiteKey:
        """Install the key exported from the site's first lane (the same on every lane)."""
        try:
            key = bytes.fromhex(source.read_text(encoding="ascii").strip())
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ConfigError(f"{source} is not a site key file ({exc}).") from exc
        imported = cls(key)
        target = cls.path(data_dir)
        if target.exists():
            current = cls(load_site_secret(data_dir))
            if current.fingerprint != imported.fingerprint:
                raise ConfigError(
                    f"This lane already has another site key ({current.fingerprint}); "
                    "remove it first if it was wrong."
                )
            return current
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(key.hex())
        except OSError as exc:
            raise ConfigError(f"The site key cannot be written to {target}: {exc}.") from exc
        return imported

    @property
    def fingerprint(self) -> str:
        """A short, public fingerprint to compare the key between lanes."""
        digest = hashlib.sha256(b"checkpoint-site-key" + self._key).hexdigest()[:16]
        return ":".join(digest[i : i + 4] for i in range(0, 16, 4))

    def hash_id(self, id_number: str) -> str:
        """The keyed hash of an ID number."""
        return hash_id_number(id_number, self._key)
