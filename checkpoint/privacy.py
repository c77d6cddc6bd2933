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
