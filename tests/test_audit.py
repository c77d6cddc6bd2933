"""The audit trail: hash-chained per site, tamper-evident, safe with several writers, and
written in the same transaction as the change it describes. Also: the schema migrations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from checkpoint.config import Settings
from checkpoint.storage import audit
from checkpoint.storage.db import current_revision, head_revision, open_database
from checkpoint.storage.models import Base
from checkpoint.team.site import ensure_place


def test_migrations_reach_head_and_match_the_models(db_url: str) -> None:
    db = open_database(db_url)
    try:
        assert current_revision(db) == head_revision()
        with db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        db.dispose()


def _site(db_url: str, tmp_path: Path) -> tuple[object, uuid.UUID]:
    db = open_database(db_url)
    with db.session() as s:
        site_id = ensure_place(s, Settings(data_dir=tmp_path / "data")).site.id
    return db, site_id


def _write(db: object, site_id: uuid.UUID, n: int, tag: str = "t") -> None:
    for i in range(n):
        with db.session() as s:  # type: ignore[attr-defined]
            audit.record(
                s, site_id, None, "test.event", f"{tag}{i}", {"i": i, "名": "值", "x": 1.5}
            )


def test_chain_verifies_and_names_the_tampered_row(db_url: str, tmp_path: Path) -> None:
    db, site_id = _site(db_url, tmp_path)
    _write(db, site_id, 12)
    with db.session() as s:  # type: ignore[attr-defined]
        report = audit.verify_chain(s, site_id)
        assert (report.ok, report.checked, report.first_broken_seq) == (True, 12, None)
    with db.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(text("UPDATE audit_event SET action = 'test.edited' WHERE seq = 7"))
    with db.session() as s:  # type: ignore[attr-defined]
        report = audit.verify_chain(s, site_id)
    assert (report.ok, report.checked, report.first_broken_seq) == (False, 6, 7)
    assert "altered" in (report.reason or "")
    proc = subprocess.run(
        [sys.executable, "-m", "checkpoint", "audit", "verify", "--db", db_url],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=120,
    )
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "at event 7" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    as_json = subprocess.run(
        [sys.executable, "-m", "checkpoint", "audit", "verify", "--json", "--db", db_url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(as_json.stdout)["first_broken_seq"] == 7
    db.dispose()  # type: ignore[attr-defined]


def test_rehashed_edit_breaks_the_next_link(tmp_path: Path) -> None:
    db, site_id = _site(f"sqlite:///{(tmp_path / 'a.db').as_posix()}", tmp_path)
    _write(db, site_id, 5)
    with db.session() as s:  # type: ignore[attr-defined]
        rows = list(audit.events(s, site_id))
        ev = rows[2]
        forged = audit.event_hash(site_id=site_id, seq=ev.seq, at=ev.at, actor_id=None,
                                  action="test.forged", subject=ev.subject, detail=ev.detail,
                                  prev_hash=ev.prev_hash)  # fmt: skip
        s.execute(text("UPDATE audit_event SET action='test.forged', hash=:h WHERE seq=3"),
                  {"h": forged})  # fmt: skip
    with db.session() as s:  # type: ignore[attr-defined]
        report = audit.verify_chain(s, site_id)
    assert (report.first_broken_seq, report.checked) == (4, 3)
    assert "does not link" in (report.reason or "")


@pytest.mark.parametrize(
    ("sql", "seq", "words"),
    [
        ("DELETE FROM audit_event WHERE seq = 4", 4, "missing"),
        ("DELETE FROM audit_event WHERE seq >= 5", 5, "removed from the end"),
        ("UPDATE audit_event SET detail = '{\"i\": 99}' WHERE seq = 2", 2, "altered"),
        ("UPDATE audit_event SET at = '2020-01-01 00:00:00.000000' WHERE seq = 1", 1, "altered"),
    ],
)
def test_deletions_and_edits_are_found(tmp_path: Path, sql: str, seq: int, words: str) -> None:
    db, site_id = _site(f"sqlite:///{(tmp_path / 'b.db').as_posix()}", tmp_path)
    _write(db, site_id, 6)
    with db.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(text(sql))
    with db.session() as s:  # type: ignore[attr-defined]
        report = audit.verify_chain(s, site_id)
    assert not report.ok and report.first_broken_seq == seq and words in (report.reason or "")


def test_event_rolls_back_with_the_change(tmp_path: Path) -> None:
    db, site_id = _site(f"sqlite:///{(tmp_path / 'c.db').as_posix()}", tmp_path)
    _write(db, site_id, 2)
    with pytest.raises(RuntimeError), db.session() as s:  # type: ignore[attr-defined]
        audit.record(s, site_id, None, "test.event", "lost", {})
        raise RuntimeError("the change failed")
    _write(db, site_id, 1, tag="after")
    with db.session() as s:  # type: ignore[attr-defined]
        report = audit.verify_chain(s, site_id)
        subjects = [e.subject for e in audit.events(s, site_id)]
    assert report.ok and report.checked == 3 and "lost" not in subjects


@pytest.mark.postgres
def test_several_lanes_write_one_chain_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    db, site_id = _site(pg_url, tmp_path)
    errors: list[BaseException] = []

    def lane(tag: str) -> None:
        try:
            _write(db, site_id, 40, tag=tag)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=lane, args=(f"lane{n}-",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with db.session() as s:  # type: ignore[attr-defined]
        report = audit.verify_chain(s, site_id)
        seqs = [e.seq for e in audit.events(s, site_id)]
    assert report.ok and report.checked == 160 and seqs == list(range(1, 161))
    db.dispose()  # type: ignore[attr-defined]
