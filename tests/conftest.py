"""Fixtures shared by every test: an isolated data dir and settings file, the shared test data."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CHECKPOINT_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test gets its own data dir and an absent settings file; no host settings leak in."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("CHECKPOINT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CHECKPOINT_CONFIG", str(tmp_path / "settings.toml"))
    # the report font's parsed metrics are cached per user; tests keep theirs to themselves
    monkeypatch.setenv("CHECKPOINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CHECKPOINT_DB_URL", raising=False)
    monkeypatch.delenv("CHECKPOINT_DEMO", raising=False)
    yield data_dir


@pytest.fixture(autouse=True)
def no_leftover_threads() -> Iterator[None]:
    """Every test ends with the threads it started stopped (pipelines, workers, DB threads).

    Threads get two seconds to finish after the test; one still running fails the test.
    """
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 2.0
    left: list[threading.Thread] = []
    while time.monotonic() < deadline:
        left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not left:
            return
        time.sleep(0.02)
    pytest.fail(f"threads left running: {[t.name for t in left]}")


@pytest.fixture(autouse=True)
def no_leftover_windows_or_timers() -> Iterator[None]:
    """A GUI test ends with no top-level window still shown and no QTimer still running.

    Runs after pytest-qt has closed the widgets the test registered (``qtbot.addWidget``);
    Qt is only looked at when the test imported it, so Qt-free tests stay Qt-free.
    """
    yield
    if "PySide6.QtWidgets" not in sys.modules:
        return
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    app.processEvents()
    shown = [w for w in app.topLevelWidgets() if w.isVisible()]
    running = [
        t for owner in (app, *app.topLevelWidgets()) for t in owner.findChildren(QTimer)
        if t.isActive()
    ]  # fmt: skip
    timers = [f"{type(t.parent()).__name__}.{t.objectName() or 'timer'}" for t in running]
    # stopped and closed here, so one leak does not fail every test after it
    for t in running:
        t.stop()
    for w in shown:
        w.close()
    problems = []
    if shown:
        problems.append(f"windows left open: {[type(w).__name__ for w in shown]}")
    if timers:
        problems.append(f"timers left running: {timers}")
    if problems:
        pytest.fail("; ".join(problems))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (public test vectors); skips with a clear message when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA} (set CHECKPOINT_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture
def chief_site() -> Iterator[tuple[Any, Any]]:
    """(database, settings) of a fresh site whose point chief is 陈立新 with PIN 246810."""
    from checkpoint.cli.common import open_db
    from checkpoint.config import load_settings
    from checkpoint.team import auth
    from checkpoint.team.site import ensure_place

    settings = load_settings()
    db = open_db(settings)
    with db.session() as s:
        auth.create_first_admin(s, ensure_place(s, settings).site, "陈立新", "246810")
    yield db, settings
    db.dispose()


@pytest.fixture
def jobs() -> Iterator[Any]:
    """The database thread a window gives its screens, for a screen tested on its own."""
    from ui.jobs import Jobs

    runner = Jobs()
    yield runner
    runner.shutdown()


PG_ADMIN_URL_ENV = "CHECKPOINT_TEST_PG_URL"


def _pg_admin_url() -> str | None:
    url = os.environ.get(PG_ADMIN_URL_ENV)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(
            f"{PG_ADMIN_URL_ENV} is not set under CI: the PostgreSQL tests must run, not skip "
            "(.ci/run starts a server)."
        )
    return None


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the test server; dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = _pg_admin_url()
    if admin is None:
        pytest.skip(f"no PostgreSQL server: set {PG_ADMIN_URL_ENV} (see .ci/postgres)")
    name = f"ckp_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each database test runs once on an SQLite file and once on a real PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{(tmp_path / 'test.db').as_posix()}"
    url: str = request.getfixturevalue("pg_url")
    return url
