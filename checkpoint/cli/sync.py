"""``checkpoint sync [--once] [--server URL]``, ``checkpoint sync status [--json]`` and
``checkpoint sync publish`` (the point chief's trust store, risk areas and policy to every lane).

The first delivers this lane's waiting records to the checkpoint's server and prints
``sent N, waiting M`` (once, or after every pass until Ctrl-C); the second says whether the
server was reachable at the last pass and how much waits.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import SQLAlchemyError

from checkpoint.cli.actor import add_as_flag, cli_actor
from checkpoint.cli.common import open_db, print_json, settings_from
from checkpoint.config import Settings
from checkpoint.errors import CheckpointError, ConfigError, StorageError
from checkpoint.storage import audit
from checkpoint.storage.db import Database, describe_error
from checkpoint.sync.files import local_files, publish
from checkpoint.sync.sender import Sender, SendResult, lane_sender
from checkpoint.sync.status import check_server_url, read_status, safe_server
from checkpoint.team.auth import Permission, require
from checkpoint.team.site import ensure_place


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sync", help="deliver this lane's records to the checkpoint's server")
    _server_flags(p)
    p.add_argument("--once", action="store_true", help="send what waits, then stop")
    p.add_argument("--batch", type=int, default=500, metavar="N", help=argparse.SUPPRESS)
    p.set_defaults(func=run_sync)
    verbs = p.add_subparsers(dest="verb", metavar="VERB")
    st = verbs.add_parser("status", help="online or not, records waiting, last sent")
    _server_flags(st, default=argparse.SUPPRESS)
    st.add_argument("--json", action="store_true", help="print JSON")
    st.set_defaults(func=run_status)
    pub = verbs.add_parser(
        "publish", help="make this machine's trust store, risk areas and policy the lanes' copy"
    )
    _server_flags(pub, default=argparse.SUPPRESS)
    add_as_flag(pub)
    pub.set_defaults(func=run_publish)


def _server_flags(p: argparse.ArgumentParser, default: str | None = None) -> None:
    # the status verb's copies must not overwrite flags given before it (argparse quirk)
    p.add_argument(
        "--server",
        metavar="URL",
        default=default,
        help="the checkpoint's PostgreSQL server (default: [server] url in the settings)",
    )
    p.add_argument(
        "--db",
        metavar="URL",
        default=default,
        help="this lane's own database (default: CHECKPOINT_DB_URL, then the embedded file)",
    )


def _server_url(args: argparse.Namespace, settings: Settings) -> str | None:
    url: str | None = args.server or settings.server_url
    if url is not None:
        check_server_url(url)
    return url


def _required_server(args: argparse.Namespace, settings: Settings) -> str:
    url = _server_url(args, settings)
    if url is None:
        raise ConfigError(
            "No server is configured: set [server] url in the settings file or pass --server URL."
        )
    return url


def _sender(args: argparse.Namespace, batch_size: int = 500) -> tuple[Database, Sender]:
    settings = settings_from(args)
    url = _required_server(args, settings)
    db = open_db(settings)
    with db.session() as s:
        lane_id = ensure_place(s, settings).lane.id
    sender = lane_sender(
        db, lane_id, url, data_dir=settings.data_dir, batch_size=batch_size, settings=settings
    )
    assert sender is not None
    return db, sender


def run_sync(args: argparse.Namespace) -> int:
    if args.batch < 1:
        raise CheckpointError("--batch must be at least 1.")
    db, sender = _sender(args, batch_size=args.batch)
    try:
        if args.once:
            outcome = sender.attempt()
            if isinstance(outcome, CheckpointError):
                print(f"sent 0, waiting {sender.waiting()}", flush=True)
                raise outcome
            print(f"sent {outcome.sent}, waiting {outcome.waiting}", flush=True)
            return 0
        return _loop(sender)
    finally:
        sender.stop()
        db.dispose()


def _loop(sender: Sender) -> int:
    last_error: str | None = None
    while True:
        outcome = sender.attempt()
        if isinstance(outcome, SendResult):
            if outcome.sent or last_error is not None:
                print(f"sent {outcome.sent}, waiting {outcome.waiting}", flush=True)
            last_error = None
        elif str(outcome) != last_error:
            last_error = str(outcome)
            print(f"checkpoint: {outcome}", file=sys.stderr, flush=True)
        sender.sleep(sender.next_delay())


def run_status(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    url = _server_url(args, settings)
    db = open_db(settings)
    try:
        with db.session() as s:
            status = read_status(s, url)
    finally:
        db.dispose()
    if args.json:
        print_json(status.to_json())
        return 0
    if status.server is None:
        print(f"No server configured; {status.waiting} records kept on this lane.")
        return 0
    if status.online:
        state = "online"
    elif status.offline_since is not None:
        state = f"offline since {status.offline_since.astimezone(settings.tz):%Y-%m-%d %H:%M}"
    else:
        state = "not reached yet"
    sent = (
        f"{status.last_sent_at.astimezone(settings.tz):%Y-%m-%d %H:%M:%S}"
        if status.last_sent_at
        else "never"
    )
    print(f"{status.server}: {state}, {status.waiting} waiting, last sent {sent}")
    if status.error:
        print(status.error)
    return 0


def run_publish(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    url = _required_server(args, settings)
    files = local_files(settings)
    db = open_db(settings)
    server = Database(url)
    try:
        with db.session() as s:
            site = ensure_place(s, settings).site
            actor = cli_actor(s, site, settings, args, Permission.MANAGE_TRUST)
            if actor is not None:
                require(actor, Permission.MANAGE_POLICY)
            try:
                with server.engine.begin() as conn:
                    changed = publish(conn, files)
            except SQLAlchemyError as exc:
                raise StorageError(describe_error(exc, url)) from exc
            audit.record(
                s, site.id, actor.id if actor else None, "sync.publish", None,
                {"files": len(files), "changed": changed},
            )  # fmt: skip
    finally:
        server.dispose()
        db.dispose()
    print(f"published {len(files)} files ({changed} changed) to {safe_server(url)}")
    return 0
