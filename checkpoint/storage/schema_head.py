"""The schema revision this program ships, read from the migration files' text.

No SQLAlchemy and no Alembic here: :mod:`checkpoint.db` checks a database against it with one
SELECT, and a read-only command that answers with plain SQL (``checkpoint shift status``)
checks it before it reads.
"""

from __future__ import annotations

import re
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_REVISION_LINE = re.compile(r"^(down_revision|revision)\b[^=\n]*=(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


def shipped_head() -> str | None:
    """The head revision read from the migration files' text, without importing Alembic.

    None when the files do not give exactly one head plainly (no .py sources in a frozen
    build, a merge in progress): the caller then asks Alembic.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    try:
        for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
            found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
            own = _QUOTED.findall(found.get("revision", ""))
            if len(own) != 1:
                return None
            revisions.add(own[0])
            parents.update(_QUOTED.findall(found.get("down_revision", "")))
    except OSError:
        return None
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None
