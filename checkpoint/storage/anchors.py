"""The anchor log (审计锚点): chain heads written down outside the database.

Each handover report prints the site's audit chain head, and the same head is appended to
``audit-anchors.log`` in the data directory: one line per anchor, never rewritten. Someone who
can edit the database but not this file (or the paper) cannot cut events off the end of the
chain, or rewrite its end, without ``checkpoint audit verify`` noticing.
"""

from __future__ import annotations

import os
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

from checkpoint.storage.audit import Anchor

ANCHOR_LOG = "audit-anchors.log"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def is_digest(text: str) -> bool:
    """Whether ``text`` looks like a chain head: 64 lower-case hex digits."""
    return bool(_HEX64.match(text))


def append(
    data_dir: Path, site_id: uuid.UUID, anchor: Anchor, note: str, *, at: datetime | None = None
) -> Path | None:
    """Append ``anchor`` to the log (created private to the user); the log's path, or None
    when the data directory cannot be written (a read-only or full disk)."""
    path = data_dir / ANCHOR_LOG
    when = (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    clean = " ".join(note.split())
    line = f"{when}\t{site_id}\t{anchor.seq}\t{anchor.hash}\t{clean}\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        return None
    return path


def read(data_dir: Path, site_id: uuid.UUID) -> list[Anchor]:
    """The site's anchors from the log (none if there is no log); lines that do not parse are
    skipped."""
    path = data_dir / ANCHOR_LOG
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split("\t")
        if len(parts) < 4 or parts[1] != str(site_id) or not is_digest(parts[3]):
            continue
        try:
            seq = int(parts[2])
        except ValueError:
            continue
        found.append(Anchor(parts[3], seq, f"the anchor log ({path.name} line {number})"))
    return found
