"""Files the server owns and every lane mirrors: the trust store, the risk-area list, the policy.

The point chief publishes them once (``checkpoint sync publish``) from the machine where they
were imported; each lane's sender copies what changed into its data directory, atomically
(write beside, then rename), so a lane that goes offline keeps its last copy, and the trust
store's own "updated at" says how old it is. Within ``trust/`` the lane's copy is the server's
set exactly: a key removed on the server is removed on the lanes.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Table, delete, select
from sqlalchemy.dialects.postgresql import insert

from checkpoint.config import Settings
from checkpoint.errors import CheckpointError
from checkpoint.rules.risk_areas import FILE_NAME as RISK_AREAS
from checkpoint.storage.models import SharedFile, utcnow

_FILES: Table = SharedFile.__table__  # type: ignore[assignment]
TRUST_PREFIX = "trust/"
POLICY = "policy.toml"


@dataclass(frozen=True)
class Mirrored:
    """What a lane's copy changed: files written and files removed."""

    written: tuple[str, ...]
    removed: tuple[str, ...]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def local_files(settings: Settings) -> dict[str, bytes]:
    """The files this installation would publish, by their shared path."""
    out: dict[str, bytes] = {}
    trust = settings.trust_dir
    if trust.is_dir():
        for f in sorted(trust.rglob("*")):
            if f.is_file() and not f.name.startswith("."):
                out[TRUST_PREFIX + f.relative_to(trust).as_posix()] = f.read_bytes()
    risk = settings.data_dir / RISK_AREAS
    if risk.is_file():
        out[RISK_AREAS] = risk.read_bytes()
    if settings.policy_file is not None:
        try:
            out[POLICY] = settings.policy_file.read_bytes()
        except OSError as exc:
            raise CheckpointError(
                f"The policy file {settings.policy_file} cannot be read: {exc.strerror or exc}."
            ) from exc
    return out


def publish(conn: Connection, files: dict[str, bytes]) -> int:
    """Make ``files`` the server's shared set (trust keys not in it are withdrawn); how many
    files changed."""
    held = {p: h for p, h in conn.execute(select(_FILES.c.path, _FILES.c.sha256))}
    changed = 0
    for path, data in files.items():
        digest = _sha(data)
        if held.get(path) == digest:
            continue
        stmt = insert(_FILES).values(path=path, content=data, sha256=digest, updated_at=utcnow())
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[_FILES.c.path],
                set_={"content": data, "sha256": digest, "updated_at": utcnow()},
            )
        )
        changed += 1
    gone = [p for p in held if p.startswith(TRUST_PREFIX) and p not in files]
    if gone:
        conn.execute(delete(_FILES).where(_FILES.c.path.in_(gone)))
    return changed + len(gone)


def _target(data_dir: Path, path: str) -> Path:
    target = (data_dir / path).resolve()
    if data_dir.resolve() not in target.parents:
        raise CheckpointError(f"The server offered a file outside the data directory: {path!r}.")
    return target


def mirror(conn: Connection, data_dir: Path) -> Mirrored:
    """Bring the lane's copies in ``data_dir`` up to the server's set; only changes are written."""
    offered = {p: h for p, h in conn.execute(select(_FILES.c.path, _FILES.c.sha256))}
    stale = []
    for path, digest in offered.items():
        target = _target(data_dir, path)
        if not target.is_file() or _sha(target.read_bytes()) != digest:
            stale.append(path)
    written: list[str] = []
    if stale:
        for path, content in conn.execute(
            select(_FILES.c.path, _FILES.c.content).where(_FILES.c.path.in_(stale))
        ):
            target = _target(data_dir, path)
            target.parent.mkdir(parents=True, exist_ok=True)
            part = target.with_name(target.name + ".part")
            part.write_bytes(content)
            os.replace(part, target)
            written.append(path)
    removed: list[str] = []
    trust = data_dir / TRUST_PREFIX.rstrip("/")
    if any(p.startswith(TRUST_PREFIX) for p in offered) and trust.is_dir():
        for f in sorted(trust.rglob("*")):
            rel = TRUST_PREFIX + f.relative_to(trust).as_posix()
            if f.is_file() and not f.name.startswith(".") and rel not in offered:
                f.unlink()
                removed.append(rel)
    return Mirrored(tuple(sorted(written)), tuple(removed))
