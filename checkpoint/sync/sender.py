"""The background sender: delivers a lane's waiting records to the server, in order, in batches.

Each batch is applied in one server transaction; only after that commit does the lane forget
the batch (in its own transaction). A kill between the two resends the batch, which lands once
(see checkpoint.sync.server). Failures back off exponentially with jitter, bounded by
``max_backoff``; a refusal (the server answered no) is retried at the longest interval.

The desk starts one with :meth:`Sender.start` and stops it with :meth:`Sender.stop`; it runs
on a plain daemon thread, touches no widget, and reports through ``on_status`` callbacks that
the UI adapts to a Qt signal.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from checkpoint.config import Settings
from checkpoint.errors import CheckpointError, StorageError
from checkpoint.storage.db import Database, describe_error
from checkpoint.storage.models import Lane, utcnow
from checkpoint.sync import outbox
from checkpoint.sync.files import mirror
from checkpoint.sync.pull import pull
from checkpoint.sync.server import SyncRefused, apply_batch
from checkpoint.sync.status import SyncStatus, read_status

if TYPE_CHECKING:  # the corrections core loads only when another lane asks for one
    from checkpoint.leader.corrections import Corrector
    from checkpoint.sync.requests import CarriedOut

log = logging.getLogger(__name__)

StatusListener = Callable[[SyncStatus], None]
# How often "staff list pulled at" is written down while the server answers (seconds).
PULL_NOTE_EVERY = 60.0


@dataclass(frozen=True)
class SendResult:
    """One pass: how many records went to the server, and how many still wait."""

    sent: int
    waiting: int


class Sender:
    """Sends one lane's records from ``lane_db`` (its SQLite) to the server at ``server_url``."""

    def __init__(
        self,
        lane_db: Database,
        server_url: str,
        lane_id: uuid.UUID,
        *,
        batch_size: int = 500,
        interval: float = 2.0,
        base_backoff: float = 1.0,
        max_backoff: float = 60.0,
        data_dir: Path | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.lane_db = lane_db
        # the lane's policy and risk areas, for the corrections other lanes ask of it
        self.settings = settings
        # where the server's shared files (trust store, risk areas, policy) are mirrored
        self.data_dir = data_dir
        self.server_url = server_url
        self.lane_id = lane_id
        self.batch_size = batch_size
        self.interval = interval
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self._server: Database | None = None
        self._lane_name: str | None = None
        self._site_id: uuid.UUID | None = None
        self._listeners: list[StatusListener] = []
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = 0
        self._noted: tuple[str | None, bool] | None = None
        self._pulled_at: datetime | None = None

    # -- one pass -------------------------------------------------------------------------

    def _server_db(self) -> Database:
        if self._server is None:
            self._server = Database(self.server_url)
        return self._server

    def _lane(self) -> tuple[str, uuid.UUID]:
        if self._lane_name is None or self._site_id is None:
            with self.lane_db.session() as s:
                lane = s.get(Lane, self.lane_id)
                if lane is None:
                    raise CheckpointError("This lane is not set up in its own database.")
                self._lane_name, self._site_id = lane.name, lane.site_id
        return self._lane_name, self._site_id

    def _note(self, error: CheckpointError | None, *, pulled: bool = False) -> None:
        """Keep the state the header shows; written only when it changes, so an idle sender
        costs the lane's disk nothing between passes."""
        now = utcnow()
        refused = isinstance(error, SyncRefused)
        key = (str(error) if error else None, refused)
        stale_pull = pulled and (
            self._pulled_at is None or (now - self._pulled_at).total_seconds() >= PULL_NOTE_EVERY
        )
        if key == self._noted and not stale_pull:
            return
        with self.lane_db.session() as s:
            state = outbox.load_state(s)
            state.server = self.server_url
            state.last_attempt_at = now
            if stale_pull:
                state.pulled_at = self._pulled_at = now
            if error is None:
                state.offline_since = None
                state.last_error = None
                state.refused = False
            else:
                if state.offline_since is None and not refused:
                    state.offline_since = now
                state.last_error = str(error)
                state.refused = refused
        self._noted = key

    def pull_down(self) -> None:
        """Bring the server's staff list and shared files down into the lane (StorageError
        when unreachable)."""
        _name, site_id = self._lane()
        server = self._server_db()
        try:
            with server.engine.connect() as conn, self.lane_db.session() as s:
                pulled = pull(conn, s, site_id)
                if self.data_dir is not None:
                    copied = mirror(conn, self.data_dir)
                    if copied.written or copied.removed:
                        log.info("mirrored %s, removed %s", copied.written, copied.removed)
        except OSError as exc:
            raise StorageError(
                f"The server's shared files cannot be copied into {self.data_dir}: "
                f"{exc.strerror or exc}."
            ) from exc
        except SQLAlchemyError as exc:
            raise StorageError(describe_error(exc, self.server_url)) from exc
        if pulled.kept_local:
            log.warning("staff kept local (same name, other id): %s", ", ".join(pulled.kept_local))

    def corrector(self) -> Corrector:
        """Corrects this lane's records when another lane asks (through the server), with the
        lane's policy and risk areas as they are now (the server's mirrored copies)."""
        from checkpoint.leader.corrections import Corrector
        from checkpoint.rules.policy import Policy

        if self.settings is not None:
            return Corrector.from_settings(self.lane_db, self.settings)
        mirrored = self.data_dir / "policy.toml" if self.data_dir else None
        return Corrector(
            self.lane_db, Policy.load(mirrored if mirrored and mirrored.is_file() else None)
        )

    def take_corrections(self) -> CarriedOut:
        """Carry out the corrections leaders at other lanes asked of this lane's records."""
        from checkpoint.sync.requests import carry_out

        try:
            return carry_out(self._server_db(), self.lane_db, self.lane_id, self.corrector)
        except SQLAlchemyError as exc:
            raise StorageError(describe_error(exc, self.server_url)) from exc

    def push(self) -> int:
        """Send every waiting batch; the number of records sent."""
        name, _site = self._lane()
        server = self._server_db()
        sent = 0
        while not self._stop.is_set():
            with self.lane_db.session() as s:
                batch = outbox.read_batch(s, self.lane_id, self.batch_size)
            if batch is None:
                break
            try:
                with server.engine.begin() as conn:
                    apply_batch(conn, batch, name)
            except IntegrityError as exc:  # retrying cannot help: a person must look
                first = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
                raise SyncRefused(
                    f"The server could not store lane {name}'s records ({first}); nothing was "
                    "stored and the records stay waiting on the lane."
                ) from exc
            except SQLAlchemyError as exc:
                raise StorageError(describe_error(exc, self.server_url)) from exc
            with self.lane_db.session() as s:
                outbox.acknowledge(s, batch, utcnow())
            sent += batch.size
        return sent

    def send_once(self) -> SendResult:
        """Pull the staff list, then send everything waiting. Raises StorageError when the
        server cannot be reached and SyncRefused when it will not take the records; either way
        the state the header shows is updated first."""
        sent = 0
        try:
            self.pull_down()
            self._note(None, pulled=True)
            taken = self.take_corrections()
            if taken.applied or taken.refused:
                log.info(
                    "corrections other lanes asked: %s applied, %s refused",
                    taken.applied,
                    taken.refused,
                )
            sent = self.push()
        except CheckpointError as exc:
            self._note(exc)
            self._publish()
            raise
        self._note(None)
        status = self._publish()
        return SendResult(sent, status.waiting if status else self.waiting())

    def waiting(self) -> int:
        """Records waiting in the lane's outbox."""
        with self.lane_db.session() as s:
            return outbox.waiting(s)

    def status(self) -> SyncStatus:
        """The status as the lane's database holds it."""
        with self.lane_db.session() as s:
            return read_status(s, self.server_url)

    # -- background -------------------------------------------------------------------------

    def subscribe(self, listener: StatusListener) -> None:
        """Call ``listener`` (on the sender's thread) with the status after every pass."""
        self._listeners.append(listener)

    def _publish(self) -> SyncStatus | None:
        if not self._listeners:
            return None
        status = self.status()
        for listener in self._listeners:
            listener(status)
        return status

    def next_delay(self) -> float:
        """Seconds until the next pass: the interval, or the back-off after failures."""
        if self._failures == 0:
            return self.interval
        ceiling = min(self.max_backoff, self.base_backoff * 2 ** (self._failures - 1))
        return random.uniform(ceiling / 2, ceiling)

    def attempt(self) -> SendResult | CheckpointError:
        """One pass that never raises: its result, or the error it met (the back-off grows)."""
        try:
            result = self.send_once()
        except SyncRefused as exc:
            log.warning("sync refused: %s", exc)
            self._failures = 64  # the longest wait: a refusal needs a person
            return exc
        except CheckpointError as exc:
            log.info("sync offline: %s", exc)
            self._failures = min(self._failures + 1, 64)
            return exc
        self._failures = 0
        return result

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.attempt()
            except Exception:  # the sender must outlive any surprise; the outbox keeps all
                log.exception("sync pass failed")
                self._failures = min(self._failures + 1, 64)
            self.sleep(self.next_delay())

    def sleep(self, seconds: float) -> bool:
        """Wait ``seconds`` or until woken or stopped; True when stopped."""
        self._wake.wait(seconds)
        self._wake.clear()
        return self._stop.is_set()

    def start(self) -> None:
        """Run passes on a background thread until :meth:`stop`."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="checkpoint-sync", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Start the next pass now (e.g. after a vehicle is diverted)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the current batch, stop the thread and close the server connection."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._server is not None:
            self._server.dispose()
            self._server = None

    @property
    def running(self) -> bool:
        """Whether the background thread is alive."""
        return self._thread is not None and self._thread.is_alive()


def lane_sender(
    lane_db: Database,
    lane_id: uuid.UUID,
    server_url: str | None,
    *,
    data_dir: Path | None = None,
    batch_size: int = 500,
    settings: Settings | None = None,
) -> Sender | None:
    """The sender the desk starts for its lane, or None when no server is configured.

    The desk calls ``start()`` after opening its database and ``stop()`` before closing it;
    ``subscribe`` feeds the header (ui.sync_status) from the sender's thread.
    """
    if server_url is None:
        return None
    if lane_db.engine.dialect.name != "sqlite":
        raise CheckpointError(
            "Sending to a server needs the lane's own embedded database; this lane records "
            f"straight into {lane_db.safe_url}."
        )
    return Sender(
        lane_db, server_url, lane_id, batch_size=batch_size, data_dir=data_dir, settings=settings
    )
