"""Storage benchmarks: time to save one inspection step, per step kind, and demo-seed throughput.

    .venv/bin/python bench/bench_storage.py [--vehicles 500] [--seed-days 2] [--pg URL]
        [--profile]

Each step is one transaction committed before the call returns (SQLite in WAL with
synchronous=FULL, as the desk runs it). Prints, per database and step kind: wall p50/p99/max
and the CPU time p50 of the saving thread, with the load average of the machine, so figures
from a busy machine can be told apart. ``--profile`` also prints where a step's time goes: its
SQL statements by kind; the same steps with the commit's fsync switched off
(``PRAGMA synchronous=OFF`` / ``SET synchronous_commit = off``), whose difference is the
fsync; and, on SQLite, without the sync outbox triggers.

Figures, not pass/fail: compare with the budget in design.md (record one inspection step:
p99 ≤ 10 ms on SQLite).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# The checkout this file is in, not whatever `checkpoint` the virtualenv would import.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event

from checkpoint.config import load_settings
from checkpoint.demo.seeder import seed
from checkpoint.domain import Disposition, Occupant, Role, VehicleType, Verdict
from checkpoint.rules.policy import Policy
from checkpoint.storage.db import Database, open_database
from checkpoint.storage.inspections import InspectionStore, PersonEntry, ScanRecord
from checkpoint.team.rota import open_shift
from checkpoint.team.site import ensure_place
from checkpoint.team.staff import add_staff

SH = ZoneInfo("Asia/Shanghai")
STEPS = ("guide", "add_person", "verify", "record", "divert")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def load_average() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


class StepTimes:
    """Wall and CPU milliseconds of each step kind (and, when asked, its SQL statements)."""

    def __init__(self) -> None:
        self.wall: dict[str, list[float]] = {k: [] for k in STEPS}
        self.cpu: dict[str, list[float]] = {k: [] for k in STEPS}
        self.statements: dict[str, Counter[str]] = {k: Counter() for k in STEPS}
        self._sql: list[str] | None = None

    def watch(self, db: Database) -> None:
        self._sql = []
        sql = self._sql

        def note(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
            sql.append(_kind(statement))

        event.listen(db.engine, "before_cursor_execute", note)

    def time(self, kind: str, step: Callable[[], Any]) -> Any:
        if self._sql is not None:
            self._sql.clear()
        wall, cpu = time.perf_counter(), time.thread_time()
        out = step()
        self.cpu[kind].append((time.thread_time() - cpu) * 1000)
        self.wall[kind].append((time.perf_counter() - wall) * 1000)
        if self._sql is not None:
            self.statements[kind].update(self._sql)
        return out


def _kind(statement: str) -> str:
    """``SELECT staff_member``, ``UPDATE audit_head`` …: the verb and the first table."""
    words = statement.replace('"', " ").split()
    verb = words[0].upper()
    if verb == "SELECT":
        upper = [w.upper() for w in words]
        table = words[upper.index("FROM") + 1] if "FROM" in upper else "-"
    elif verb in ("INSERT", "DELETE"):
        table = words[2]
    elif verb == "UPDATE":
        table = words[1]
    else:
        table = ""
    return f"{verb} {table}".strip()


def bench_steps(
    url: str, vehicles: int, *, fsync: bool = True, outbox: bool = True, watch: bool = False
) -> StepTimes:
    settings = load_settings(db_url=url)
    db = open_database(url)
    if not fsync:
        _no_fsync(db)
    if not outbox:
        _drop_outbox_triggers(db)
    with db.session() as s:
        place = ensure_place(s, settings)
        leader = add_staff(s, place.site, "组长甲", Role.LEADER)
        t0 = datetime(2022, 4, 18, 8, 0, tzinfo=SH)
        shift_id = open_shift(s, place.site, leader=leader, tz=SH, at=t0).id
    db.bind_site(place.site.id)  # as the desk does: every commit checks the site is still there
    # as a lane hands it: the 136 plan of the policy it judges with
    desk = InspectionStore(db, place.lane.id, response_plan=Policy.load(None).response)
    times = StepTimes()
    if watch:
        times.watch(db)
    scan = ScanRecord("CKP1", "checkpoint-pass", "DEMO", "valid", "valid", "ab" * 32, demo=True)
    entry = PersonEntry(Occupant.DRIVER, Verdict.PASS, Disposition.RELEASE, temperature=36.5,
                        code_colour=None, scans=(scan,))  # fmt: skip
    for i in range(vehicles):
        _vehicle(times, desk, shift_id, leader, entry, t0 + timedelta(seconds=5 * i))
    db.dispose()
    return times


def _vehicle(
    times: StepTimes,
    desk: InspectionStore,
    shift_id: Any,
    staff: Any,
    entry: PersonEntry,
    at: datetime,
) -> None:
    """One vehicle through the four steps (one person with one scan), each step timed."""
    iid = times.time("guide", lambda: desk.guide(
        shift_id, plate="浙A12345", vehicle_type=VehicleType.CAR, people_count=1, staff=staff,
        at=at))  # fmt: skip
    times.time("add_person", lambda: desk.add_person(iid, entry, at=at, staff=staff))
    times.time("verify", lambda: desk.finish_verify(
        iid, suggested=Disposition.RELEASE, policy_version="bench", staff=staff,
        at=at))  # fmt: skip
    times.time("record", lambda: desk.record(iid, staff=staff, at=at))
    times.time("divert", lambda: desk.divert(iid, Disposition.RELEASE, staff=staff, at=at))


def _no_fsync(db: Database) -> None:
    """Commits without waiting for the disk (for --profile's comparison only)."""

    def off(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        if db.engine.dialect.name == "sqlite":
            cur.execute("PRAGMA synchronous=OFF")
        else:
            cur.execute("SET synchronous_commit = off")
        cur.close()

    db.dispose()
    event.listen(db.engine, "connect", off)


def _drop_outbox_triggers(db: Database) -> None:
    """No sync outbox rows (for --profile's comparison only; SQLite lanes have the triggers)."""
    with db.engine.begin() as conn:
        names = (
            conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sync_%'"
            )
            .scalars()
            .all()
            if db.engine.dialect.name == "sqlite"
            else []
        )
        for name in names:
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')


def _fresh_pg(url: str) -> str:
    """An empty database beside ``url`` (the --profile run needs a second one)."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"bench_steps_{uuid.uuid4().hex[:10]}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _drop_pg(admin: str, url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def print_steps(name: str, times: StepTimes, label: str = "") -> None:
    for op in STEPS:
        wall, cpu = times.wall[op], times.cpu[op]
        print(f"{name + label:<22} {op:<11} {len(wall):>6} {statistics.median(wall):>8.2f} "
              f"{pct(wall, 99):>8.2f} {max(wall):>8.2f} "
              f"{statistics.median(cpu):>8.2f}")  # fmt: skip
    every = [v for op in STEPS for v in times.wall[op]]
    print(f"{name + label:<22} {'every step':<11} {len(every):>6} {statistics.median(every):>8.2f} "
          f"{pct(every, 99):>8.2f} {max(every):>8.2f}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--vehicles", type=int, default=500, help="vehicles through all 4 steps")
    ap.add_argument("--seed-days", type=int, default=2, help="0: no seed run")
    ap.add_argument("--pg", default=os.environ.get("CHECKPOINT_TEST_PG_URL"),
                    help="also run on PostgreSQL (in new databases made beside it)")  # fmt: skip
    ap.add_argument("--profile", action="store_true",
                    help="also print statements per step and the steps without fsync")  # fmt: skip
    args = ap.parse_args()
    made: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CHECKPOINT_DATA_DIR"] = tmp

        def target(name: str, n: int) -> str:
            if name == "sqlite":
                return f"sqlite:///{tmp}/bench-{n}.db"
            url = _fresh_pg(args.pg)
            made.append((args.pg, url))
            return url

        names = ["sqlite", "postgresql"] if args.pg else ["sqlite"]
        try:
            print(load_average())
            print(f"{'database':<22} {'step':<11} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} "
                  f"{'max ms':>8} {'CPU p50':>8}")  # fmt: skip
            watched: dict[str, StepTimes] = {}
            for n, name in enumerate(names):
                times = bench_steps(target(name, n), args.vehicles, watch=args.profile)
                print_steps(name, times)
                watched[name] = times
                if args.profile:
                    print_steps(name, bench_steps(target(name, n + 10), args.vehicles,
                                                  fsync=False), " no fsync")  # fmt: skip
                if args.profile and name == "sqlite":
                    print_steps(name, bench_steps(target(name, n + 30), args.vehicles,
                                                  outbox=False), " no outbox")  # fmt: skip
            print(load_average())
            if args.profile:
                for name, times in watched.items():
                    print(f"\nSQL statements per step ({name}, mean over {args.vehicles}):")
                    for op in STEPS:
                        counts = times.statements[op]
                        total = sum(counts.values()) / args.vehicles
                        parts = ", ".join(f"{k} {v / args.vehicles:.2g}"
                                          for k, v in sorted(counts.items()))  # fmt: skip
                        print(f"  {op:<11} {total:>4.1f}: {parts}")
            if args.seed_days:
                print()
                print(f"{'database':<11} {'seed':<24} {'vehicles':>9} {'seconds':>8} {'veh/s':>8}")
                for n, name in enumerate(names):
                    seed_url = target(name, n + 20)
                    db = open_database(seed_url)
                    st = seed(db, load_settings(db_url=seed_url), days=args.seed_days,
                              vehicles_per_day=3500, seed_value=1,
                              start=date(2022, 5, 1))  # fmt: skip
                    db.dispose()
                    label = f"{args.seed_days} days x 3500/day"
                    print(f"{name:<11} {label:<24} {st.inspections:>9} {st.seconds:>8.2f} "
                          f"{st.inspections / st.seconds:>8.0f}")  # fmt: skip
                print(load_average())
        finally:
            for admin, url in made:
                _drop_pg(admin, url)


if __name__ == "__main__":
    main()
