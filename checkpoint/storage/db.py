"""Database connection handling: engines for SQLite and PostgreSQL, sessions, migrations.

SQLite is the embedded default (WAL, foreign keys, busy timeout); any
``postgresql+psycopg://`` URL works the same way. Schema changes go through the Alembic
migrations shipped in ``checkpoint/storage/migrations``; an SQLite file is copied aside before it is
migrated. Every failure reaches the person as a :class:`StorageError` in one sentence.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from checkpoint.errors import Problem, StorageError
from checkpoint.storage.schema_head import MIGRATIONS_DIR
from checkpoint.storage.schema_head import shipped_head as _shipped_head

SQLITE_BUSY_TIMEOUT_MS = 5000
SUPPORTED_DRIVERS = ("sqlite", "postgresql+psycopg")


def check_url(url: str) -> None:
    """Raise StorageError unless ``url`` is a database URL this program can use."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(
            f"{url!r} is not a database URL; use sqlite:///PATH or "
            "postgresql+psycopg://user:password@host/dbname."
        ) from exc
    driver = parsed.drivername
    if driver == "postgresql":
        raise StorageError(
            "Use the psycopg 3 driver for PostgreSQL: postgresql+psycopg://user@host/dbname."
        )
    if driver not in SUPPORTED_DRIVERS:
        raise StorageError(
            f"Database type {driver!r} is not supported; use sqlite:///PATH or "
            "postgresql+psycopg://user@host/dbname."
        )
    if driver == "sqlite" and not parsed.database:
        raise StorageError("An SQLite URL needs a file path: sqlite:///C:/path/checkpoint.storage.db.")


def is_sqlite(engine: Engine) -> bool:
    """Whether ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"


def _sqlite_read_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.close()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit survives a pulled plug, not only a crash of the program (NORMAL in WAL).
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.drivername != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def make_private(path: Path) -> None:
    """Create the SQLite file ``path`` readable and writable by its owner only (0600), and
    narrow an existing one that others could read. SQLite gives its -wal and -shm files the
    database file's mode. (On Windows the mode bits mean little: the per-user data folder's
    access list keeps others out; see docs/privacy.md.)"""
    try:
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
        for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if part.exists() and part.stat().st_mode & 0o077:
                part.chmod(PRIVATE_FILE)
    except OSError:
        pass  # a read-only folder or someone else's file: opening it says what is wrong


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys and a busy timeout, and are
    private to the user (0600)."""
    check_url(url)
    path = _sqlite_file(url)
    if path is not None:
        try:
            if not path.parent.exists():
                path.parent.mkdir(parents=True, mode=PRIVATE_DIR)
        except OSError as exc:
            raise StorageError(
                f"Cannot create the folder for the database {path}: {exc.strerror or exc}."
            ) from exc
        make_private(path)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_pre_ping=False,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5},
    )


#: The command line's sentence for each database failure (the screen words the code itself).
_FAILURES: dict[Problem, str] = {
    Problem.DB_LOCKED: "The database {where} is locked by another program; try again in a moment.",
    Problem.DB_READ_ONLY: "The database {where} is read-only; check the file's permissions.",
    Problem.DB_FULL: "The database {where} is full (disk or size limit); free space and retry.",
    Problem.DB_CANNOT_OPEN: (
        "The database file for {where} cannot be opened; check the path and permissions."
    ),
    Problem.DB_CONNECTION_LOST: (
        "The connection to the database server {where} was lost; "
        "this step was not saved, try again."
    ),
    Problem.DB_UNREACHABLE: "The database server for {where} cannot be reached ({detail}).",
    Problem.DB_MISSING: "The database in {where} does not exist; create it first ({detail}).",
    Problem.DB_LOGIN_REJECTED: "The database server rejected the user or password for {where}.",
    Problem.DB_OTHER: "Database error on {where}: {detail}",
}
_LOST_MARKERS = (
    "terminating connection",
    "server closed the connection",
    "consuming input failed",
    "connection is closed",
)


def classify_error(exc: BaseException, url: str) -> tuple[Problem, dict[str, str]]:
    """What kind of database failure ``exc`` is, with its parameters (no credentials)."""
    safe = make_url(url).render_as_string(hide_password=True)
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    lowered = text.lower()
    plain = {"where": safe}
    if "database is locked" in lowered:
        return Problem.DB_LOCKED, plain
    if "readonly" in lowered or "read-only" in lowered:
        return Problem.DB_READ_ONLY, plain
    if "disk is full" in lowered or "database or disk is full" in lowered:
        return Problem.DB_FULL, plain
    if "unable to open database" in lowered:
        return Problem.DB_CANNOT_OPEN, plain
    if any(marker in lowered for marker in _LOST_MARKERS):
        return Problem.DB_CONNECTION_LOST, plain
    detailed = {"where": safe, "detail": text}
    if (
        "connection refused" in lowered
        or "could not connect" in lowered
        or ("connection" in lowered and "failed" in lowered)
    ):
        return Problem.DB_UNREACHABLE, detailed
    if "does not exist" in lowered and "database" in lowered:
        return Problem.DB_MISSING, detailed
    if "password authentication failed" in lowered:
        return Problem.DB_LOGIN_REJECTED, plain
    return Problem.DB_OTHER, detailed


def describe_error(exc: BaseException, url: str) -> str:
    """A one-sentence description of a database failure, without credentials."""
    problem, params = classify_error(exc, url)
    return _FAILURES[problem].format(**params)


def storage_error(exc: BaseException, url: str) -> StorageError:
    """``exc`` (a driver's failure) as a StorageError: its sentence, code and parameters."""
    problem, params = classify_error(exc, url)
    return StorageError(_FAILURES[problem].format(**params), code=problem, **params)


def _read_only_engine(path: Path) -> Engine:
    """An engine that opens the SQLite file ``path`` read-only (a read-only or full disk)."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(
            uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        )
        try:
            conn.execute("PRAGMA schema_version").fetchone()
        except sqlite3.OperationalError:
            # A WAL database in a folder nobody can write has no -shm file to share: read the
            # file as it stands (nothing can be writing to it there).
            conn.close()
            conn = sqlite3.connect(
                uri + "&immutable=1", uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
                check_same_thread=False,
            )  # fmt: skip
        return conn

    engine = create_engine("sqlite://", creator=connect)
    event.listen(engine, "connect", _sqlite_read_pragmas)
    return engine


def sqlite_writable(url: str) -> bool:
    """False for an SQLite file (or its folder) this user cannot write; True otherwise."""
    path = _sqlite_file(url)
    if path is None or not path.exists():
        return True
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


class Database:
    """One engine and its session factory. Sessions commit or roll back as a unit.

    ``read_only`` opens an SQLite file without writing anything (for reading commands on a
    read-only disk); every session's ``info["database"]`` is this object.
    """

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        from checkpoint.storage import audit_rows  # the models' audit layer sits above this module

        self.url = url
        self.read_only = read_only
        path = _sqlite_file(url)
        if read_only and path is not None:
            check_url(url)
            self.engine = _read_only_engine(path)
        else:
            self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, info={"database": self})
        self._site_id: uuid.UUID | None = None
        self._file_id: tuple[int, int] | None = None
        audit_rows.install(self._sessions)
        event.listen(self._sessions, "after_flush", _note_write)
        event.listen(self._sessions, "before_commit", _check_identity_before_commit)

    def is_lane_copy(self, server_url: str | None) -> bool:
        """Whether this is a lane's own embedded database that sends to the checkpoint's server
        at ``server_url`` (``[server] url``): the lane owns its records here, and what the
        server owns (staff, policy, trust) is only a copy. A database on PostgreSQL is the server
        itself, or a lane writing straight to it."""
        return server_url is not None and self.engine.dialect.name == "sqlite"

    def bind_site(self, site_id: uuid.UUID) -> None:
        """Remember which site this database holds (and, for SQLite, which file it is), so
        every later transaction that writes checks, before it commits, that it still writes
        there (:meth:`check_identity`)."""
        self._site_id = site_id
        path = _sqlite_file(self.url)
        if path is not None:
            with contextlib.suppress(OSError):
                st = path.stat()
                self._file_id = (st.st_dev, st.st_ino)

    def check_identity(self, session: Session) -> None:
        """StorageError if the database file was removed or replaced, or no longer holds the
        site, since :meth:`bind_site`: saving stops instead of writing into the void."""
        path = _sqlite_file(self.url)
        if self._file_id is not None and path is not None:
            try:
                st = path.stat()
            except OSError:
                raise StorageError(
                    f"The database file {path} was removed while the program was running; "
                    "nothing more is saved: put the file back (or restore a backup) and restart.",
                    code=Problem.DB_FILE_REMOVED, where=str(path),
                ) from None
            if (st.st_dev, st.st_ino) != self._file_id:
                raise StorageError(
                    f"The database file {path} was replaced by another file while the program "
                    "was running; nothing more is saved: restart to work with the new file.",
                    code=Problem.DB_FILE_REPLACED, where=str(path),
                )
        if self._site_id is not None:
            from checkpoint.storage.models import Site  # local: the ORM only for a lane's check

            found = (
                session.connection()
                .execute(select(Site.__table__.c.id).where(Site.__table__.c.id == self._site_id))
                .first()
            )
            if found is None:
                raise StorageError(
                    f"The database {self.safe_url} no longer holds this site; it was replaced "
                    "while the program was running, and nothing more is saved.",
                    code=Problem.DB_SITE_REPLACED, where=self.safe_url,
                )

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, fit for a status bar."""
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error.

        Database failures come out as StorageError with a plain sentence.
        """
        session = self._sessions()
        try:
            yield session
            session.commit()
        except (OperationalError, DBAPIError) as exc:
            session.rollback()
            raise storage_error(exc, self.url) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def check(self) -> None:
        """Open a connection once; StorageError if the database cannot be reached."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except SQLAlchemyError as exc:
            raise storage_error(exc, self.url) from exc

    def dispose(self) -> None:
        """Close pooled connections (before a file copy or at exit)."""
        self.engine.dispose()


_WROTE = "checkpoint.storage.db.wrote"


def _note_write(session: Session, _flush: Any) -> None:
    session.info[_WROTE] = True


def _check_identity_before_commit(session: Session) -> None:
    """Once per transaction that wrote something: still the same database and site?"""
    if session.info.pop(_WROTE, False):
        database = session.info.get("database")
        if isinstance(database, Database):
            database.check_identity(session)


def _alembic_config(db: Database) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = db.engine
    return cfg


def current_revision(db: Database) -> str | None:
    """The schema revision the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    try:
        with db.engine.connect() as conn:
            rev: str | None = MigrationContext.configure(conn).get_current_revision()
            return rev
    except SQLAlchemyError as exc:
        raise storage_error(exc, db.url) from exc


def _stored_revisions(db: Database) -> list[str] | None:
    """The rows of ``alembic_version`` by plain SQL (None when they cannot be read)."""
    try:
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except SQLAlchemyError:
        return None
    return [str(r[0]) for r in rows]


def is_at_head(db: Database) -> bool:
    """Whether the schema is at the shipped head, checked with one SELECT and no Alembic.

    False also when that cannot be told cheaply; Alembic then decides (see :func:`upgrade`).
    """
    head = _shipped_head()
    return head is not None and _stored_revisions(db) == [head]


def head_revision() -> str:
    """The newest revision shipped with this version of the program."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None
    return head


def _backup_sqlite(db: Database, from_rev: str) -> Path | None:
    path = _sqlite_file(db.url)
    if path is None or not path.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.stem}.before-{from_rev}-{stamp}{path.suffix}")
    db.dispose()
    # The backup API copies a consistent snapshot even with a WAL file beside the database.
    src = sqlite3.connect(str(path))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def upgrade(db: Database) -> tuple[str | None, str, Path | None]:
    """Migrate to head. Returns (from revision, to revision, backup file or None).

    A database already at head costs one SELECT: Alembic is imported only when the schema is
    behind (or cannot be told to be current without it).
    """
    if is_at_head(db):
        head = _shipped_head()
        assert head is not None
        return head, head, None
    from alembic import command

    db.check()
    before = current_revision(db)
    head = head_revision()
    backup = None
    if before is not None and before != head:
        try:
            backup = _backup_sqlite(db, before)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"Could not back up the database before migrating: {exc}.") from exc
    if before == head:
        return before, head, None
    if before is None and _has_foreign_tables(db):
        raise StorageError(
            f"The database {db.safe_url} already holds tables that are not Checkpoint Desk's; "
            "use an empty database."
        )
    try:
        command.upgrade(_alembic_config(db), "head")
    except SQLAlchemyError as exc:
        raise storage_error(exc, db.url) from exc
    if before is not None:
        _baseline_record_digests(db)
    return before, head, backup


def _baseline_record_digests(db: Database) -> None:
    """A database from before record digests: vouch once for the records as they are now."""
    from checkpoint.storage import audit_rows  # local: the audit layer sits above this module

    with db.session() as session:
        if audit_rows.needs_baseline(session):
            audit_rows.baseline(session)


def _has_foreign_tables(db: Database) -> bool:
    names = set(inspect(db.engine).get_table_names())
    names.discard("alembic_version")
    return bool(names)


def open_for_reading(url: str) -> Database:
    """Open ``url`` for a command that only reads: migrated like :func:`open_database` when
    it can be written, else opened read-only (it must then be at the current schema)."""
    if sqlite_writable(url):
        try:
            return open_database(url)
        except StorageError:
            if _sqlite_file(url) is None:
                raise
            # A full disk: SQLite cannot even make its shared-memory file; read the file as is.
    return open_database(url, migrate=False, read_only=True)


def open_database(url: str, *, migrate: bool = True, read_only: bool = False) -> Database:
    """Open ``url``, migrating it to head first when ``migrate`` is set."""
    db = Database(url, read_only=read_only)
    if migrate:
        upgrade(db)
    else:
        db.check()
        if not is_at_head(db) and current_revision(db) != head_revision():
            raise StorageError(
                f"The database {db.safe_url} is not initialised or is out of date; "
                "run `checkpoint init` first.",
                code=Problem.DB_OUT_OF_DATE, where=db.safe_url,
            )
    return db
