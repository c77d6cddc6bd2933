"""Sync benchmark: 20 simulated lanes against one PostgreSQL server on this machine.

    .venv/bin/python bench/bench_sync.py [--lanes 20] [--backlog 175] [--live-seconds 60]
        [--speed 10] [--down-vehicles 150] [--server URL]

Three phases, each lane a real lane database (SQLite file, the desk's own InspectionStore, the
triggers' outbox) and a real Sender thread; the server is a throw-away PostgreSQL started here
(initdb + pg_ctl, like tests/own_postgres.py) unless --server names one.

1. backlog: every lane records ``--backlog`` vehicles while the server is unreachable (175 × 20
   = 3,500: a whole checkpoint-day's share of one lane-hour... i.e. an outage of ~2.4 hours at
   3,500 vehicles per lane per day), then all senders start at once; prints how fast the server
   absorbs it (records/s, vehicles/s) against the rate a province-sized day needs.
2. live: all lanes record concurrently at ``--speed`` × the real rate (3,500 vehicles per lane
   per day) for ``--live-seconds``; prints the lag from a vehicle's divert saved on its lane to
   the vehicle finished on the server (p50/p95/max), and the server's load (CPU of its
   processes, transactions and rows per second from pg_stat_database).
3. down: one lane records ``--down-vehicles`` with its sender running and retrying against the
   stopped server, interleaved with a lane that has no server configured; prints each lane's
   step save times per step kind and over every step (p50/p99/max; budget p99 ≤ 10 ms), with
   the load average (``--only down`` runs just this phase).

``--only leader`` instead measures the leader's reads of the whole checkpoint: ``--lanes``
lanes send ``--leader-vehicles`` each, then lane 1 reads 班况 (shift + every lane + 136 alarms)
from the server and from its own books, prints a shift report of the whole checkpoint, hears
the server's NOTIFY for other lanes' batches (latency from commit to the notice), and corrects
another lane's records through the server (request, then the owner carrying it out).

Not part of the pass/fail tests; prints figures.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from own_postgres import OwnServer, own_postgres  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sync_lanes import LaneLaptop, make_lane, set_up_server  # noqa: E402

from checkpoint.rules.policy import Policy  # noqa: E402
from checkpoint.storage.inspections import InspectionStore  # noqa: E402
from checkpoint.storage.models import Shift  # noqa: E402
from checkpoint.sync.drill import LaneDrill  # noqa: E402

DAY_PER_LANE = 3500
SH_TZ = "Asia/Shanghai"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


STEP_KINDS = ("guide", "add_person", "verify", "record", "divert")


class LaneSim:
    """One lane: its laptop, its drill and where in the shift its next vehicle arrives."""

    def __init__(self, laptop: LaneLaptop, seed: int) -> None:
        self.laptop = laptop
        self.shift: Shift = laptop.open_shift()
        # as a lane hands it: the 136 plan of the policy it judges with
        policy = Policy.load(None)
        self.drill = LaneDrill(
            InspectionStore(laptop.db, laptop.lane_id, response_plan=policy.response),
            laptop.crew(),
            self.shift.starts_at.tzinfo,  # type: ignore[arg-type]
            policy,
        )
        self.rng = random.Random(seed)
        self.at = self.shift.starts_at + timedelta(minutes=1)
        self.steps: list[float] = []
        self.by_kind: dict[str, list[float]] = {k: [] for k in STEP_KINDS}
        self.cpu_ms = 0.0  # CPU time of the recording thread (rules included)

    def vehicle(self) -> uuid.UUID:
        cpu = time.thread_time()
        done = self.drill.vehicle(self.shift.id, self.at, self.rng)
        self.cpu_ms += (time.thread_time() - cpu) * 1000
        self.steps += done.step_ms
        # guide, one add_person per person, verify, record, divert
        ms = done.step_ms
        self.by_kind["guide"].append(ms[0])
        self.by_kind["add_person"] += ms[1:-3]
        for kind, value in zip(("verify", "record", "divert"), ms[-3:], strict=True):
            self.by_kind[kind].append(value)
        self.at += timedelta(seconds=self.rng.randint(5, 15))
        return done.inspection_id


def load_average() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def _server_stats(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT xact_commit, tup_inserted + tup_updated FROM pg_stat_database "
                    "WHERE datname = current_database()"
                )
            ).one()
            return int(row[0]), int(row[1])
    finally:
        engine.dispose()


def _postgres_cpu_seconds(folder: Path | None) -> float | None:
    """CPU time of every process of the bench's own server (from /proc), or None."""
    if folder is None:
        return None
    pid_file = folder / "data" / "postmaster.pid"
    try:
        master = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == master or ppid == master:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def backlog(sims: list[LaneSim], url: str, per_lane: int) -> None:
    print(f"backlog: {len(sims)} lanes record {per_lane} vehicles each with the server away ...")
    t0 = time.perf_counter()
    for sim in sims:
        for _ in range(per_lane):
            sim.vehicle()
    waiting = sum(sim.laptop.sender.waiting() for sim in sims)
    print(
        f"  recorded {len(sims) * per_lane} vehicles in {time.perf_counter() - t0:.1f} s; "
        f"{waiting} records waiting"
    )
    before = _server_stats(url)
    t0 = time.perf_counter()
    threads = [threading.Thread(target=s.laptop.sender.send_once) for s in sims]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    for sim in sims:
        sim.laptop.sender.stop()  # closing its connections makes the server flush its statistics
    time.sleep(1.5)
    after = _server_stats(url)
    vehicles = len(sims) * per_lane
    need = len(sims) * DAY_PER_LANE / 86400
    print(
        f"  server absorbed {waiting} records ({vehicles} vehicles) in {wall:.1f} s: "
        f"{waiting / wall:,.0f} records/s, {vehicles / wall:,.1f} vehicles/s "
        f"({vehicles / wall / need:,.0f}× the {need:.2f} vehicles/s of {len(sims)} lanes × "
        f"{DAY_PER_LANE}/day); {after[0] - before[0]} transactions, "
        f"{after[1] - before[1]} rows written"
    )


def live(sims: list[LaneSim], url: str, seconds: float, speed: float, folder: Path | None) -> None:
    per_lane_rate = DAY_PER_LANE / 86400 * speed
    print(
        f"live: {len(sims)} lanes at {speed:g}× real traffic ({per_lane_rate * len(sims):.1f} "
        f"vehicles/s in all) for {seconds:g} s, senders running ..."
    )
    for sim in sims:
        sim.laptop.sender.interval = 0.5
        sim.laptop.sender.start()
    stop = threading.Event()
    pending: dict[uuid.UUID, float] = {}
    lock = threading.Lock()
    lags: list[float] = []

    def drive(sim: LaneSim) -> None:
        gap = 1.0 / per_lane_rate
        due = time.monotonic() + random.uniform(0, gap)
        while not stop.is_set():
            stop.wait(max(0.0, due - time.monotonic()))
            if stop.is_set():
                return
            done = sim.vehicle()
            with lock:
                pending[done] = time.monotonic()
            sim.laptop.sender.wake()
            due += random.expovariate(1.0 / gap)

    engine = create_engine(url)

    def watch() -> None:
        while not stop.is_set() or pending:
            time.sleep(0.1)
            with lock:
                ids = list(pending)
            if not ids:
                continue
            with engine.connect() as conn:
                arrived = conn.execute(
                    text("SELECT id FROM inspection WHERE status = 'done' AND id = ANY(:ids)"),
                    {"ids": ids},
                ).scalars()
                now = time.monotonic()
                with lock:
                    for i in arrived:
                        lags.append(now - pending.pop(i))
            if stop.is_set() and time.monotonic() > deadline + 60:
                return

    cpu0 = _postgres_cpu_seconds(folder)
    stats0 = _server_stats(url)
    t0 = time.monotonic()
    deadline = t0 + seconds
    drivers = [threading.Thread(target=drive, args=(s,)) for s in sims]
    watcher = threading.Thread(target=watch)
    for th in [*drivers, watcher]:
        th.start()
    time.sleep(seconds)
    stop.set()
    for th in drivers:
        th.join()
    watcher.join()
    wall = time.monotonic() - t0
    cpu1 = _postgres_cpu_seconds(folder)
    engine.dispose()
    for sim in sims:
        sim.laptop.sender.stop()
    time.sleep(1.5)
    stats1 = _server_stats(url)
    print(
        f"  {len(lags)} vehicles ({len(lags) / seconds:.1f}/s); lag divert saved on the lane → "
        f"on the server: p50 {pct(lags, 0.5):.2f} s, p95 {pct(lags, 0.95):.2f} s, "
        f"max {max(lags, default=float('nan')):.2f} s"
    )
    load = f"{(stats1[0] - stats0[0]) / wall:,.0f} transactions/s, " + (
        f"{(stats1[1] - stats0[1]) / wall:,.0f} rows/s written"
    )
    if cpu0 is not None and cpu1 is not None:
        load = f"CPU {100 * (cpu1 - cpu0) / wall:.0f}% of one core, " + load
    print(f"  server load: {load}")


def down(root: Path, server: OwnServer | None, url: str, vehicles: int) -> None:
    if server is None:
        print("down: skipped (needs the bench's own server to stop; drop --server)")
        return
    laptop = make_lane(root, "down-lane", url, interval=0.5, max_backoff=2.0)
    alone = make_lane(root, "alone-lane", url)  # the same desk with no sender, for the ratio
    laptop.sender.send_once()
    alone.sender.send_once()
    sim, base = LaneSim(laptop, 999), LaneSim(alone, 998)
    server.stop()
    laptop.sender.start()
    try:
        for _ in range(vehicles):  # interleaved: both meet the same disk and the same neighbours
            sim.vehicle()
            base.vehicle()
        status = laptop.sender.status()
    finally:
        laptop.close()
        alone.close()
        server.start()
    p99, p99_alone = pct(sim.steps, 0.99), pct(base.steps, 0.99)
    print(
        f"down: {vehicles} vehicles, {len(sim.steps)} steps saved with the server stopped "
        f"(sender retrying; {status.waiting} records waiting, online={status.online}); "
        f"{load_average()}"
    )
    print(f"  {'lane':<24} {'step':<11} {'n':>5} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for label, lane in (("server down, sender on", sim), ("no server configured", base)):
        for kind in (*STEP_KINDS, "every step"):
            values = lane.steps if kind == "every step" else lane.by_kind[kind]
            print(
                f"  {label:<24} {kind:<11} {len(values):>5} {statistics.median(values):>7.2f} "
                f"{pct(values, 0.99):>7.2f} {max(values):>7.2f}"
            )
    print(
        f"  every step with the server down: p50 {statistics.median(sim.steps):.2f} ms, "
        f"p99 {p99:.2f} ms (budget p99 10 ms); with no server: p50 "
        f"{statistics.median(base.steps):.2f} ms, p99 {p99_alone:.2f} ms; ratio of p99 "
        f"{p99 / p99_alone:.2f}; CPU per step (mean, the drill's rules included) "
        f"{sim.cpu_ms / len(sim.steps):.2f} ms down, {base.cpu_ms / len(base.steps):.2f} ms "
        f"with no server; {load_average()}"
    )


def _timed(fn: Callable[[], object], rounds: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of ``rounds`` calls."""
    wall, cpu = [], []
    for _ in range(rounds):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - w0) * 1000.0)
        cpu.append((time.process_time() - c0) * 1000.0)
    return wall, cpu


def _ms(label: str, wall: list[float], cpu: list[float]) -> str:
    return (
        f"{label}: p50 {statistics.median(wall):.1f} ms (CPU {statistics.median(cpu):.1f} ms), "
        f"p95 {pct(wall, 0.95):.1f} ms"
    )


def leader(root: Path, url: str, lanes: int, vehicles: int, rounds: int) -> None:
    from dataclasses import replace

    from checkpoint.leader.corrections import CorrectionAsk
    from checkpoint.leader.overview import Overview
    from checkpoint.reports.service import ReportKind, ReportRequest, make_report
    from checkpoint.rules.policy import Policy
    from checkpoint.sync.reading import CheckpointReads
    from checkpoint.sync.requests import correct_anywhere
    from checkpoint.sync.watch import ServerWatch

    laptops = [make_lane(root, f"{n}号车道", url) for n in range(1, lanes + 1)]
    try:
        for laptop in laptops:
            laptop.sender.send_once()
        sims = [LaneSim(laptop, n) for n, laptop in enumerate(laptops)]
        made: dict[int, list[uuid.UUID]] = {n: [] for n in range(lanes)}
        for _ in range(vehicles):
            for n, sim in enumerate(sims):
                made[n].append(sim.vehicle())
        for laptop in laptops:
            laptop.sender.send_once()
        here = laptops[0]
        online = replace(here.settings, server_url=url)
        plan = Policy.load(None).response
        shift_id = sims[0].shift.id
        noon = sims[0].shift.starts_at + timedelta(hours=4)
        reads = CheckpointReads(here.db, online)
        server_view = Overview(here.db, online, plan, reads)
        own_view = Overview(here.db, online, plan)
        try:
            seen = server_view.glance(shift_id, now=noon)
            print(
                f"leader: {lanes} lanes × {vehicles} vehicles on the server; lane 1's 班况 reads "
                f"{seen.shift.vehicles} vehicles on {len(seen.lanes)} lanes "
                f"(scope {seen.scope.key if seen.scope else '-'})"
            )
            print("  " + _ms("班况 from the server", *_timed(
                lambda: server_view.glance(shift_id, now=noon), rounds)))  # fmt: skip
            print("  " + _ms("班况 from the lane's own books", *_timed(
                lambda: own_view.glance(shift_id, now=noon), rounds)))  # fmt: skip
        finally:
            reads.close()
        request = ReportRequest(ReportKind.SHIFT, sims[0].shift.duty_date, 2)
        doc = make_report(here.db, online, request)
        what = f"shift report of the checkpoint ({doc.report.vehicles} vehicles, {doc.pages} pages)"
        times = _timed(lambda: make_report(here.db, online, request), max(1, rounds // 5))
        print("  " + _ms(what, *times))
        # NOTIFY: from another lane's batch committed to the notice at lane 1
        heard: list[float] = []
        sent_at: list[float] = []
        ready = threading.Event()

        def news(payload: dict[str, object]) -> None:
            if payload.get("connected"):
                ready.set()
            elif sent_at:
                heard.append((time.perf_counter() - sent_at[-1]) * 1000.0)

        watch = ServerWatch(url, news)
        watch.start()
        try:
            ready.wait(30)
            other = sims[1 % lanes]
            for _ in range(rounds):
                other.vehicle()
                sent_at.append(time.perf_counter())
                other.laptop.sender.send_once()
                deadline = time.monotonic() + 10
                while len(heard) < len(sent_at) and time.monotonic() < deadline:
                    time.sleep(0.005)
        finally:
            watch.stop()
        print(
            f"  NOTIFY heard at lane 1, from the start of another lane's send pass to the notice "
            f"({len(heard)} of {len(sent_at)}): p50 {statistics.median(heard):.1f} ms, "
            f"p95 {pct(heard, 0.95):.1f} ms"
        )
        # corrections of lane 2's records made at lane 1, through the server
        owner = sims[1 % lanes]
        leader_member = here.crew().leader
        targets = made[1 % lanes][:rounds]
        asks = [
            CorrectionAsk(t, "people_count", "4", "bench", leader_member, noon) for t in targets
        ]
        wall, cpu = [], []
        for ask in asks:
            w0, c0 = time.perf_counter(), time.process_time()
            correct_anywhere(here.db, online, ask)
            wall.append((time.perf_counter() - w0) * 1000.0)
            cpu.append((time.process_time() - c0) * 1000.0)
        print("  " + _ms("a correction of lane 2's record asked at lane 1 (server txn)",
                         wall, cpu))  # fmt: skip
        w0 = time.perf_counter()
        owner.laptop.sender.send_once()
        took = (time.perf_counter() - w0) * 1000.0
        print(
            f"  lane 2 carries out {len(asks)} requests and sends them in one pass: "
            f"{took:.0f} ms ({took / max(1, len(asks)):.1f} ms each)"
        )
    finally:
        for laptop in laptops:
            laptop.close()


def run(args: argparse.Namespace, root: Path, url: str, server: OwnServer | None) -> None:
    set_up_server(url, root / "srv")
    if args.only == "down":
        down(root, server, url, args.down_vehicles)
        return
    if args.only == "leader":
        leader(root, url, args.lanes, args.leader_vehicles, args.rounds)
        return
    laptops = [make_lane(root, f"{n}号车道", url) for n in range(1, args.lanes + 1)]
    try:
        for laptop in laptops:
            laptop.sender.send_once()  # staff flow down
        sims = [LaneSim(laptop, n) for n, laptop in enumerate(laptops)]
        if server is not None:
            server.stop()
        try:
            for sim in sims:
                sim.laptop.sender.attempt()  # offline: the header would say so
        finally:
            if server is not None:
                server.start()
        backlog(sims, url, args.backlog)
        live(sims, url, args.live_seconds, args.speed, server.folder if server else None)
    finally:
        for laptop in laptops:
            laptop.close()
    down(root, server, url, args.down_vehicles)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lanes", type=int, default=20)
    p.add_argument("--backlog", type=int, default=175, help="vehicles per lane recorded offline")
    p.add_argument("--live-seconds", type=float, default=60.0)
    p.add_argument("--speed", type=float, default=10.0, help="× the real 3,500 vehicles/lane/day")
    p.add_argument("--down-vehicles", type=int, default=150)
    p.add_argument("--only", choices=("down", "leader"), help="run only this phase")
    p.add_argument("--leader-vehicles", type=int, default=100, help="per lane, --only leader")
    p.add_argument("--rounds", type=int, default=20, help="repeats of each leader read")
    p.add_argument("--server", help="an existing empty PostgreSQL database (default: start one)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        if args.server:
            run(args, Path(tmp), args.server, None)
        else:
            with own_postgres() as server:
                run(args, Path(tmp), server.url, server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
