"""Report benchmarks: the handover PDF for a 5,000-vehicle shift, and the report query on a year.

    .venv/bin/python bench/bench_reports.py [--rebuild] [--runs N] [--cache DIR]

Budgets (design.md): shift report PDF for 5,000 vehicles ≤ 2 s; on a database holding a year
at 3,500 vehicles a day (1.28 M vehicles) the report query ≤ 1 s. Issue 14: from the command
line (a new process: start, imports, database check, query, PDF, file), a 5,000-vehicle shift
report ≤ 1 s and a 15,000-vehicle day ≤ 2 s; those rows run the real ``checkpoint report``
(and ``checkpoint export`` of the day to CSV and XLSX) as a subprocess and also print its CPU
time (user + system), which a busy machine inflates less, and the load average before each
run. The in-process rows time the second and later runs (warm); the command-line rows are
each a fresh process.

Databases are SQLite files cached under --cache (default /tmp/checkpoint-bench) and reused:
- shift5000: one demo day seeded through the real code path (checkpoint.demo.seeder.seed) with
  enough traffic that the day shift (08:00–16:00) holds ~5,000 vehicles.
- day15000: one demo day of 15,000 vehicles (the day shift holds ~8,000).
- year: day 1 is seeded by checkpoint.demo.seeder.seed (3,500 vehicles); the other 364 days are bulk
  copies of it made inside SQLite (INSERT … SELECT with new ids and shifted times), so every day
  has a real day's shape. Only what the reports read is copied (shifts, roster, inspections);
  person checks and scans stay on day 1.
Not part of the pass/fail tests; prints a table.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from checkpoint.config import Settings  # noqa: E402
from checkpoint.demo.seeder import HOURLY_PROFILE, seed  # noqa: E402
from checkpoint.reports.data import day_report, shift_report  # noqa: E402
from checkpoint.reports.export import LedgerScope, export_ledger  # noqa: E402
from checkpoint.reports.pdf import report_pdf  # noqa: E402
from checkpoint.storage.db import open_database  # noqa: E402
from checkpoint.team.site import ensure_place  # noqa: E402

SHIFT_DAY = date(2022, 4, 18)
YEAR_START = date(2021, 5, 1)
YEAR_DAYS = 365
PER_DAY = 3500
TARGET_SHIFT = 5000
TARGET_DAY = 15000
SCHEMA_TAG = "v1"


def _settings(folder: Path, name: str) -> Settings:
    return Settings(data_dir=folder / "data", db_url=f"sqlite:///{(folder / name).as_posix()}")


def _build_one_day(
    folder: Path, label: str, per_day: int, seed_value: int
) -> tuple[Settings, float, str]:
    """One demo day seeded through the real code path into ``<label>-<tag>.db`` (cached)."""
    name = f"{label}-{SCHEMA_TAG}.db"
    settings = _settings(folder, name)
    if (folder / name).exists():
        return settings, 0.0, "cached"
    part = _settings(folder, name + ".part")
    (folder / (name + ".part")).unlink(missing_ok=True)
    t0 = time.perf_counter()
    db = open_database(part.database_url)
    try:
        seed(db, part, days=1, vehicles_per_day=per_day, seed_value=seed_value, start=SHIFT_DAY)
    finally:
        db.dispose()
    (folder / (name + ".part")).replace(folder / name)
    return settings, time.perf_counter() - t0, f"seeded {per_day:,} vehicles/day"


def build_shift5000(folder: Path) -> tuple[Settings, float, str]:
    day_share = sum(HOURLY_PROFILE[8:16]) / sum(HOURLY_PROFILE)
    return _build_one_day(folder, "shift5000", round(TARGET_SHIFT / day_share), 11)


def build_day15000(folder: Path) -> tuple[Settings, float, str]:
    return _build_one_day(folder, "day15000", TARGET_DAY, 13)


def build_year(folder: Path) -> tuple[Settings, float, str]:
    name = f"year-{SCHEMA_TAG}.db"
    settings = _settings(folder, name)
    path = folder / name
    if path.exists():
        return settings, 0.0, "cached"
    part = folder / (name + ".part")
    part.unlink(missing_ok=True)
    building = _settings(folder, name + ".part")
    t0 = time.perf_counter()
    db = open_database(building.database_url)
    try:
        seed(db, building, days=1, vehicles_per_day=PER_DAY, seed_value=5, start=YEAR_START)
    finally:
        db.dispose()
    conn = sqlite3.connect(part)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        # Keep the table's own indexes: the copy must be queried the way the app's file is.
        ts = "strftime('%Y-%m-%d %H:%M:%S', {col}, '+{d} days') || '.000000'"
        new_id = "substr({col}, 1, 24) || printf('%08x', {d})"
        shift_cols = [r[1] for r in conn.execute("PRAGMA table_info(shift)") if r[1] != "id"]
        insp_cols = [r[1] for r in conn.execute("PRAGMA table_info(inspection)")]
        times = {"created_at", "guide_at", "verify_at", "record_at", "divert_at"}
        for d in range(1, YEAR_DAYS):
            sel_shift = []
            for c in shift_cols:
                if c in ("starts_at", "ends_at", "opened_at", "closed_at"):
                    sel_shift.append(ts.format(col=c, d=d))
                elif c == "duty_date":
                    sel_shift.append(f"date(duty_date, '+{d} days')")
                else:
                    sel_shift.append(c)
            conn.execute(
                f"INSERT INTO shift (id, {', '.join(shift_cols)}) "
                f"SELECT {new_id.format(col='id', d=d)}, {', '.join(sel_shift)} FROM shift "
                f"WHERE duty_date = '{YEAR_START.isoformat()}'"
            )
            conn.execute(
                "INSERT INTO shift_roster (id, shift_id, staff_id, role) "
                f"SELECT {new_id.format(col='r.id', d=d)}, {new_id.format(col='r.shift_id', d=d)}, "
                "r.staff_id, r.role FROM shift_roster r JOIN shift s ON s.id = r.shift_id "
                f"WHERE s.duty_date = '{YEAR_START.isoformat()}'"
            )
            sel = []
            for c in insp_cols:
                if c in ("id", "shift_id"):
                    sel.append(new_id.format(col=f"i.{c}", d=d))
                elif c in times:
                    sel.append(f"CASE WHEN i.{c} IS NULL THEN NULL ELSE "
                               f"{ts.format(col='i.' + c, d=d)} END")  # fmt: skip
                else:
                    sel.append(f"i.{c}")
            conn.execute(
                f"INSERT INTO inspection ({', '.join(insp_cols)}) SELECT {', '.join(sel)} "
                "FROM inspection i JOIN shift s ON s.id = i.shift_id "
                f"WHERE s.duty_date = '{YEAR_START.isoformat()}'"
            )
        conn.commit()
    finally:
        conn.close()
    part.replace(path)
    for extra in ("-wal", "-shm"):
        Path(str(part) + extra).unlink(missing_ok=True)
    return settings, time.perf_counter() - t0, f"{YEAR_DAYS} days x {PER_DAY:,} vehicles"


def _time(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    out: list[float] = []
    result = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        out.append(time.perf_counter() - t0)
    return out, result


def _load() -> str:
    """The 1-minute load average (a shared machine inflates wall times; say how busy it was)."""
    return f"{os.getloadavg()[0]:.1f}"


def _cli(
    args: list[str], runs: int, folder: Path
) -> tuple[list[float], list[float], str, list[str]]:
    """Wall and CPU seconds of ``python -m checkpoint ARGS`` in new processes, its output and
    the load average before each run. The data folder is the cache's own, the settings none."""
    walls: list[float] = []
    cpus: list[float] = []
    loads: list[str] = []
    out = ""
    env = {
        **os.environ,
        "CHECKPOINT_DATA_DIR": str(folder / "data"),
        "CHECKPOINT_CONFIG": str(folder / "no-settings.toml"),
    }
    env.pop("CHECKPOINT_DB_URL", None)
    for _ in range(runs):
        loads.append(_load())
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "checkpoint", *args],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        data = proc.stdout.read() if proc.stdout else b""
        _pid, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - t0)
        cpus.append(usage.ru_utime + usage.ru_stime)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out = data.decode("utf-8", "replace").strip()
        if proc.returncode != 0:
            raise SystemExit(f"checkpoint {' '.join(args)} failed: {out}")
    return walls, cpus, out, loads


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "checkpoint-bench")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the cached databases")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    print(f"load average at the start: {_load()} (2 cores; CPU s = user + system of the process)")
    if args.rebuild:
        for p in args.cache.glob(f"*-{SCHEMA_TAG}.db*"):
            p.unlink()

    rows: list[tuple[str, str, float, float, float, str, str]] = []

    def record(label: str, times: list[float], budget: float | None, note: str = "") -> None:
        best, med, worst = min(times), statistics.median(times), max(times)
        verdict = "" if budget is None else ("ok" if best <= budget else "OVER")
        budget_text = "" if budget is None else f"≤ {budget:.1f} s"
        rows.append(
            (label, f"{len(times)}", best, med, worst, f"{budget_text} {verdict}".strip(), note)
        )

    settings, built, how = build_shift5000(args.cache)
    print(f"shift5000 database: {how}" + (f", built in {built:.1f} s" if built else ""))
    db = open_database(settings.database_url)
    with db.session() as s:
        site = ensure_place(s, settings).site
        q_times, report = _time(lambda: shift_report(s, site, settings.tz, SHIFT_DAY, 2), args.runs)
    pdf_times, pdf = _time(lambda: report_pdf(report), args.runs)
    f = report.figures
    note = f"{f.vehicles:,} vehicles, {len(f.exceptions):,} exceptions, {pdf.pages} pages"
    record("shift 5,000: query", q_times, None, note)
    record("shift 5,000: PDF layout+write", pdf_times, None, f"{len(pdf.data):,} bytes")
    record(
        "shift 5,000: query + PDF", [a + b for a, b in zip(q_times, pdf_times, strict=True)], 2.0
    )
    db.dispose()
    pdf_out = args.cache / "bench-report.pdf"
    walls, cpus, out, loads = _cli(
        ["report", "shift", "--date", SHIFT_DAY.isoformat(), "--shift", "2", "--out",
         str(pdf_out), "--db", settings.database_url], args.runs, args.cache)  # fmt: skip
    record("CLI: report shift 5,000 (wall)", walls, 1.0, out.split(": ", 1)[-1][:60])
    record("CLI: report shift 5,000 (CPU)", cpus, 1.0, f"load average {', '.join(loads)}")

    settings, built, how = build_day15000(args.cache)
    print(f"day15000 database: {how}" + (f", built in {built:.1f} s" if built else ""))
    db = open_database(settings.database_url)
    with db.session() as s:
        site = ensure_place(s, settings).site
        q_times, dreport = _time(lambda: day_report(s, site, settings.tz, SHIFT_DAY), args.runs)
    pdf_times, dpdf = _time(lambda: report_pdf(dreport), args.runs)
    f = dreport.day
    note = f"{f.vehicles:,} vehicles, {len(f.exceptions):,} exceptions, {dpdf.pages} pages"
    record("day 15,000: query", q_times, None, note)
    record("day 15,000: PDF layout", pdf_times, None, f"{len(dpdf.data):,} bytes")
    db.dispose()
    walls, cpus, out, loads = _cli(
        ["report", "day", "--date", SHIFT_DAY.isoformat(), "--out", str(pdf_out),
         "--db", settings.database_url], args.runs, args.cache)  # fmt: skip
    record("CLI: report day 15,000 (wall)", walls, 2.0, out.split(": ", 1)[-1][:60])
    record("CLI: report day 15,000 (CPU)", cpus, 2.0, f"load average {', '.join(loads)}")
    for suffix in ("csv", "xlsx"):
        walls, cpus, out, loads = _cli(
            ["export", "--date", SHIFT_DAY.isoformat(), "--out", str(args.cache / f"day.{suffix}"),
             "--db", settings.database_url], args.runs, args.cache)  # fmt: skip
        record(f"CLI: export day 15,000 .{suffix} (wall)", walls, None, out[:60])
        record(f"CLI: export day 15,000 .{suffix} (CPU)", cpus, None,
               f"load average {', '.join(loads)}")  # fmt: skip

    settings, built, how = build_year(args.cache)
    print(f"year database: {how}" + (f", built in {built:.1f} s" if built else ""))
    size = Path(settings.database_url.removeprefix("sqlite:///")).stat().st_size
    db = open_database(settings.database_url)
    mid = YEAR_START + timedelta(days=YEAR_DAYS // 2)
    last = YEAR_START + timedelta(days=YEAR_DAYS - 1)
    with db.session() as s:
        site = ensure_place(s, settings).site
        total = s.execute(__import__("sqlalchemy").text("SELECT count(*) FROM inspection")).scalar()
        cold, _ = _time(lambda: shift_report(s, site, settings.tz, mid, 2), 1)
        record(
            "year: shift report query (first)", cold, 1.0, f"{total:,} vehicles, {size >> 20} MiB"
        )
        warm, rep = _time(lambda: shift_report(s, site, settings.tz, last, 3), args.runs)
        record("year: shift report query", warm, 1.0, f"{rep.figures.vehicles:,} vehicles in shift")
        day_t, day = _time(lambda: day_report(s, site, settings.tz, mid), args.runs)
        record("year: day report query", day_t, 1.0, f"{day.day.vehicles:,} vehicles in day")
        plan = s.execute(
            __import__("sqlalchemy").text(
                "EXPLAIN QUERY PLAN SELECT vehicle_type, count(*) FROM inspection "
                "WHERE shift_id IN (SELECT id FROM shift LIMIT 1) GROUP BY vehicle_type"
            )
        ).all()
    out = args.cache / "day.csv"

    def export_day() -> int:
        with db.session() as s2:
            site2 = ensure_place(s2, settings).site
            return export_ledger(s2, site2, settings.tz, LedgerScope(mid, mid), out)

    exp_t, n = _time(export_day, 3)
    record("year: export one day to CSV", exp_t, None, f"{n:,} rows")
    db.dispose()

    print()
    head = f"{'measure':<38} {'runs':>4} {'best s':>7} {'median s':>9} {'max s':>8}  {'budget':<12}"
    print(f"{head} note")
    print("-" * 110)
    for label, runs, best, med, worst, budget, note in rows:
        print(f"{label:<38} {runs:>4} {best:>7.3f} {med:>9.3f} {worst:>8.3f}  {budget:<12} {note}")
    print()
    print("query plan (GROUP BY over one shift):", "; ".join(str(r[-1]) for r in plan))
    print(f"load average at the end: {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
