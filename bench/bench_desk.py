"""The desk's budgets: camera frame → verdict on screen (p95 ≤ 100 ms) and start → window shown
(≤ 2 s), with the synthetic camera, offscreen.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_desk.py [--vehicles 30]

Latency: from the capture of the frame in which a code was decoded (the pipeline's monotonic
timestamp) until the desk has verified it, saved the person, updated the screen and repainted
the window. Start-up: from launching ``app.py --demo`` until its event loop runs with the
window shown, for a fresh data directory and again for an existing one.
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

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_to_window(data_dir: str) -> float:
    env = {**os.environ, "CHECKPOINT_DATA_DIR": data_dir,
           "CHECKPOINT_CONFIG": str(Path(data_dir) / "none.toml")}  # fmt: skip
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "app.py"), "--demo", "--timing", "--screenshot",
         str(Path(data_dir) / "shot.png")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "window-shown":
            elapsed = time.monotonic() - t0
            break
    else:
        raise RuntimeError("app.py ended without showing its window")
    proc.wait(60)
    return elapsed


def latency(vehicles: int) -> tuple[list[float], float]:
    from PySide6.QtWidgets import QApplication

    from checkpoint.cli.common import open_db
    from checkpoint.config import load_settings
    from checkpoint.domain import Step
    from ui.fonts import install_cjk_font
    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    install_cjk_font(app)
    samples: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CHECKPOINT_DATA_DIR"] = tmp
        os.environ["CHECKPOINT_CONFIG"] = str(Path(tmp) / "none.toml")
        settings = load_settings(demo=True)
        db = open_db(settings)
        w = MainWindow(db, settings, demo=True, camera=True, muted=True, dark=True)
        w.show()
        w.demo_sign_in()
        c, s = w.controller, w.screen_
        assert c is not None and s is not None
        scanned = c.scanned

        def timed(texts: list[str], captured_at: float | None = None) -> None:
            scanned(texts)
            w.repaint()  # the verdict is on screen when this returns
            if captured_at is not None:
                samples.append((time.monotonic() - captured_at) * 1000.0)

        c.scanned = timed  # type: ignore[method-assign]
        t0 = time.monotonic()
        for i in range(vehicles):
            s.plate_edit.setText(f"A{10000 + i}")
            s.set_people_count(2)
            s.submit_guide()
            deadline = time.monotonic() + 20
            while len(s.state.people) < 2 and time.monotonic() < deadline:
                app.processEvents()
                time.sleep(0.002)
            if len(s.state.people) < 2:
                raise RuntimeError(f"vehicle {i}: codes not scanned within 20 s")
            while s.state.step is not Step.GUIDE:  # a yellow code waits for Enter on verify
                s.primary_action()
        wall = time.monotonic() - t0
        stats = w.bridge.pipeline.stats() if w.bridge is not None else None  # type: ignore[attr-defined]
        w.shutdown()
        w.close()
        db.dispose()
        if stats is not None:
            print(f"pipeline: decode p95 {stats.decode_ms_p95:.1f} ms, "
                  f"{stats.frames_dropped} stale frames dropped")  # fmt: skip
    return samples, wall


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vehicles", type=int, default=30)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        fresh = start_to_window(tmp)
        warm = start_to_window(tmp)
    print(f"start → window shown: fresh data dir {fresh * 1000:.0f} ms, "
          f"existing {warm * 1000:.0f} ms (budget 2000 ms)")  # fmt: skip
    samples, wall = latency(args.vehicles)
    print(f"frame → verdict on screen: n={len(samples)} median {statistics.median(samples):.1f} "
          f"ms, p95 {pct(samples, 0.95):.1f} ms, max {max(samples):.1f} ms (budget p95 100 ms)")
    print(f"{args.vehicles} two-person cars through all four steps in {wall:.1f} s "
          f"({wall / args.vehicles * 1000:.0f} ms each incl. waiting for the camera)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
