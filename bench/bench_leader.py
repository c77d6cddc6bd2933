"""The leader's books on a busy day: back-entry of a paper ledger, the shift overview a desk polls,
the 136 alarm query, the reports' leader section.

    .venv/bin/python bench/bench_leader.py [--vehicles 3500] [--rows 1000] [--repeat 20]

Seeds one duty date with demo traffic (3,500 vehicles a day, as at a busy exit), then times each
call. Prints a table of figures; not pass/fail.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from checkpoint.config import load_settings
from checkpoint.demo.seeder import seed
from checkpoint.domain import Role
from checkpoint.leader.backentry import import_paper_ledger
from checkpoint.leader.overview import Overview
from checkpoint.leader.responses import ResponseBook
from checkpoint.reports.leader import leader_section
from checkpoint.rules.policy import Policy
from checkpoint.storage.db import open_database
from checkpoint.storage.models import Shift
from checkpoint.team.site import ensure_place
from checkpoint.team.staff import add_staff

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2022, 5, 1)
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def paper_file(path: Path, rows: int) -> Path:
    """A paper ledger of ``rows`` vehicles on the evening after DAY (no clash with the seed)."""
    lines = ["time,plate,vehicle_type,people,origin,destination,disposition,note"]
    for i in range(rows):
        at = datetime(2022, 5, 2, 16, 0) + timedelta(seconds=20 * i)
        plate = f"浙{PLATE_LETTERS[i % 24]}{i % 100000:05d}"
        lines.append(f"{at:%H:%M:%S},{plate},car,{1 + i % 3},杭州,建德,放行,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--vehicles", type=int, default=3500, help="vehicles seeded on the day")
    ap.add_argument("--rows", type=int, default=1000, help="rows of the paper ledger")
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CHECKPOINT_DATA_DIR"] = tmp
        url = f"sqlite:///{tmp}/leader.db"
        settings = load_settings(db_url=url)
        db = open_database(url)
        policy = Policy.load()
        seed(db, settings, days=1, vehicles_per_day=args.vehicles, start=DAY, policy=policy)
        with db.session() as s:
            place = ensure_place(s, settings)
            chief = add_staff(s, place.site, "点长乙", Role.ADMIN)
            site_id = place.site.id
            shifts = list(s.scalars(select(Shift).where(Shift.duty_date == DAY)))
            busiest = shifts[1]
        overview = Overview(db, settings, policy.response)
        book = ResponseBook(db, site_id, SH, policy.response)
        at = busiest.ends_at - timedelta(minutes=5)
        ids = [sh.id for sh in shifts]
        starts = min(sh.starts_at for sh in shifts)
        ends = max(sh.ends_at for sh in shifts)

        def section() -> None:
            with db.session() as s:
                leader_section(s, site_id, ids, starts, ends, SH)

        print(f"{'operation':<40} {'n':>5} {'p50 ms':>9} {'max ms':>9}")
        for name, fn in (
            ("overview: shift at a glance", lambda: overview.shift(busiest.id, now=at)),
            ("overview: all lanes", lambda: overview.lanes(busiest.id, now=at)),
            ("136: overdue measures, all lanes", lambda: book.overdue(at)),
            (f"report: leader section of a {args.vehicles}-vehicle day", section),
        ):
            ms = timed(fn, args.repeat)
            print(f"{name:<40} {len(ms):>5} {statistics.median(ms):>9.2f} {max(ms):>9.2f}")
        path = paper_file(Path(tmp) / "paper.csv", args.rows)
        t = time.perf_counter()
        result = import_paper_ledger(db, settings, path, date(2022, 5, 2), staff=chief)
        seconds = time.perf_counter() - t
        print(
            f"{'back-entry of ' + str(result.vehicles) + ' paper rows':<40} {1:>5} "
            f"{seconds * 1000:>9.0f} {seconds * 1000:>9.0f}"
        )
        db.dispose()


if __name__ == "__main__":
    main()
