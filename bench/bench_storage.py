"""Storage benchmarks: time to record one inspection step, and demo-seed throughput.

    .venv/bin/python bench/bench_storage.py [--steps 2000] [--pg URL]

Prints a table. Figures, not pass/fail: compare with the budget in design.md (record one
inspection step: p99 ≤ 10 ms on SQLite).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from checkpoint.config import load_settings
from checkpoint.demo.seeder import seed
from checkpoint.domain import Disposition, Occupant, Role, VehicleType, Verdict
from checkpoint.storage.db import open_database
from checkpoint.storage.inspections import InspectionStore, PersonEntry
from checkpoint.team.rota import open_shift
from checkpoint.team.site import ensure_place
from checkpoint.team.staff import add_staff

SH = ZoneInfo("Asia/Shanghai")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def bench_steps(url: str, vehicles: int) -> dict[str, list[float]]:
    settings = load_settings(db_url=url)
    db = open_database(url)
    with db.session() as s:
        place = ensure_place(s, settings)
        leader = add_staff(s, place.site, "组长甲", Role.LEADER)
        t0 = datetime(2022, 4, 18, 8, 0, tzinfo=SH)
        shift_id = open_shift(s, place.site, leader=leader, tz=SH, at=t0).id
    desk = InspectionStore(db, place.lane.id)
    times: dict[str, list[float]] = {"guide": [], "add_person": [], "verify": [], "record": [],
                                     "divert": []}  # fmt: skip
    entry = PersonEntry(Occupant.DRIVER, Verdict.PASS, Disposition.RELEASE)
    for i in range(vehicles):
        at = t0 + timedelta(seconds=5 * i)
        c = time.perf_counter()
        iid = desk.guide(shift_id, plate="浙A12345", vehicle_type=VehicleType.CAR,
                         people_count=1, staff=leader, at=at)  # fmt: skip
        times["guide"].append(time.perf_counter() - c)
        c = time.perf_counter()
        desk.add_person(iid, entry, at=at, staff=leader)
        times["add_person"].append(time.perf_counter() - c)
        c = time.perf_counter()
        desk.finish_verify(iid, suggested=Disposition.RELEASE, reasons=[],
                           report_to_community=False, policy_version="bench", staff=leader,
                           at=at)  # fmt: skip
        times["verify"].append(time.perf_counter() - c)
        c = time.perf_counter()
        desk.record(iid, staff=leader, at=at)
        times["record"].append(time.perf_counter() - c)
        c = time.perf_counter()
        desk.divert(iid, Disposition.RELEASE, staff=leader, at=at)
        times["divert"].append(time.perf_counter() - c)
    db.dispose()
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--vehicles", type=int, default=500, help="vehicles through all 4 steps")
    ap.add_argument("--seed-days", type=int, default=2)
    ap.add_argument("--pg", default=os.environ.get("CHECKPOINT_TEST_PG_URL"),
                    help="also run on this PostgreSQL database (it must be empty)")  # fmt: skip
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CHECKPOINT_DATA_DIR"] = tmp
        targets = [("sqlite", f"sqlite:///{tmp}/bench.db")]
        if args.pg:
            targets.append(("postgresql", args.pg))
        print(
            f"{'database':<11} {'operation':<12} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
        )
        for name, url in targets:
            for op, values in bench_steps(url, args.vehicles).items():
                ms = [v * 1000 for v in values]
                print(f"{name:<11} {op:<12} {len(ms):>6} {statistics.median(ms):>8.2f} "
                      f"{pct(ms, 99):>8.2f} {max(ms):>8.2f}")  # fmt: skip
        print()
        print(f"{'database':<11} {'seed':<24} {'vehicles':>9} {'seconds':>8} {'veh/s':>8}")
        for name, url in targets:
            seed_url = f"sqlite:///{tmp}/seed.db" if name == "sqlite" else url
            db = open_database(seed_url)
            st = seed(db, load_settings(db_url=seed_url), days=args.seed_days,
                      vehicles_per_day=3500, seed_value=1, start=date(2022, 5, 1))  # fmt: skip
            db.dispose()
            label = f"{args.seed_days} days x 3500/day"
            print(f"{name:<11} {label:<24} {st.inspections:>9} {st.seconds:>8.2f} "
                  f"{st.inspections / st.seconds:>8.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
