"""Start to window: how long ``app.py --demo`` takes from launch until its window is shown.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_startup.py [--runs 7]

Each run launches ``app.py --demo --timing --screenshot FILE`` as a subprocess (offscreen Qt)
and stops the clock when the event loop reports the window shown. "fresh" runs each get a new,
empty data folder (database created and migrated, demo team made, shift opened); "warm" runs
reuse one folder that has already been started once. Prints best and median of each, and the
median time after launch at which each start-up stage ended (``--timing``), and the CPU time
the desk used until then. Budgets (issue 14): fresh ≤ 1.5 s, warm ≤ 1.0 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUDGET_S = {"fresh": 1.5, "warm": 1.0}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process ``pid`` has used so far (Linux; 0 elsewhere)."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return 0.0
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_once(data_dir: Path) -> tuple[float, dict[str, float]]:
    """Seconds from launch to the window shown, and the stages app.py reported on the way
    (``cpu``: the CPU seconds the desk had used when its window was shown)."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "CHECKPOINT_DATA_DIR": str(data_dir),
           "CHECKPOINT_CONFIG": str(data_dir / "none.toml")}  # fmt: skip
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "app.py"), "--demo", "--timing", "--screenshot",
         str(data_dir / "shot.png")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=REPO,
    )  # fmt: skip
    assert proc.stdout is not None
    stages: dict[str, float] = {}
    shown = None
    for line in proc.stdout:
        words = line.split()
        if words[:1] == ["stage"] and len(words) == 3:
            stages[words[1]] = float(words[2]) - t0  # the monotonic clock is system-wide
        elif line.strip() == "window-shown":
            shown = time.monotonic() - t0
            stages["cpu"] = _cpu_seconds(proc.pid)
            break
    proc.stdout.close()
    if proc.wait(60) != 0 or shown is None:
        raise RuntimeError(f"app.py did not show its window (exit {proc.returncode})")
    return shown, stages


def report(name: str, runs: list[tuple[float, dict[str, float]]]) -> None:
    times = [t for t, _ in runs]
    median = statistics.median(times)
    budget = BUDGET_S[name]
    verdict = "within" if median <= budget else "OVER"
    print(
        f"{name:5s}: best {min(times):.2f} s, median {median:.2f} s, worst {max(times):.2f} s "
        f"over {len(times)} runs ({verdict} the {budget:.1f} s budget)"
    )
    cpu = [r[1]["cpu"] for r in runs if "cpu" in r[1]]
    if cpu:
        print(f"       CPU (user + system) until shown: median {statistics.median(cpu):.2f} s")
    names = [n for n in runs[0][1] if n != "cpu"]
    if names:
        parts = [f"{n} {statistics.median(r[1].get(n, 0.0) for r in runs):.2f}" for n in names]
        print("       stages ended at (median s after launch): " + ", ".join(parts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    fresh: list[tuple[float, dict[str, float]]] = []
    warm: list[tuple[float, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        root = Path(tmp)
        start_once(root / "warm-up")  # the OS file cache holds Qt and Python afterwards
        for i in range(args.runs):
            fresh.append(start_once(root / f"fresh-{i}"))
        for _ in range(args.runs):
            warm.append(start_once(root / "fresh-0"))
    load = os.getloadavg()
    print(
        f"start → window shown, app.py --demo, {os.cpu_count()} CPUs, "
        f"QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM', 'offscreen')}, "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    report("fresh", fresh)
    report("warm", warm)


if __name__ == "__main__":
    main()
