"""What the idle demo desk holds in memory (RSS), and what holds it.

    .venv/bin/python bench/bench_memory.py [--settle 12] [--top 15]

Starts ``app.py --demo`` offscreen on a fresh data folder, lets it settle (signed-in screen,
synthetic camera running), then reads /proc/PID/smaps: the resident memory of every mapping,
grouped by what it belongs to (Qt, OpenCV, NumPy, the decoders, Python, fonts; "anonymous" is
the heaps: Python objects, Qt's and OpenCV's allocations, frame buffers). A bare PySide6 window
is measured the same way as the floor. Linux only; not part of the pass/fail tests.
Issue 14's budget: ≤ 180 MiB idle.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUDGET_MIB = 180
BARE = (
    "import sys, time\n"
    "from PySide6.QtWidgets import QApplication, QMainWindow\n"
    "app = QApplication(sys.argv)\n"
    "w = QMainWindow(); w.resize(1280, 800); w.show()\n"
    "app.processEvents()\n"
    "print('ready', flush=True)\n"
    "app.exec()\n"
)

# What importing each layer adds (cumulative, in a fresh interpreter, no window).
STAGES = (
    ("python", "pass"),
    ("+ PySide6 widgets, QApplication", "from PySide6.QtWidgets import QApplication\n"
     "app = QApplication([])"),
    ("+ numpy, cv2", "import numpy, cv2"),
    (
        "+ sqlalchemy.orm, checkpoint models",
        "import checkpoint.storage.models, checkpoint.team.rota",
    ),
    ("+ credentials, rules, trust (cryptography)", "import checkpoint.lane.judging"),
    ("+ scanners (decoders, pipeline, synthetic camera)", "import scanners, scanners.synthetic"),
    ("+ the desk's modules (ui.*)", "import pkgutil, importlib, ui\n"
     "[importlib.import_module('ui.' + m.name) for m in pkgutil.iter_modules(ui.__path__)]"),
)  # fmt: skip
RSS_PROBE = "import re; print(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read())[1])"

GROUPS = (
    ("Qt (PySide6, shiboken, Qt libraries, plugins)", ("pyside6", "shiboken6", "libqt6", "qt6")),
    ("OpenCV (cv2 and its libraries)", ("cv2", "opencv")),
    ("NumPy (and its BLAS)", ("numpy", "openblas", "libgfortran", "libquadmath")),
    ("decoders (zxing-cpp, zbar)", ("zxing", "zbar")),
    ("crypto, argon2, cbor2", ("cryptography", "argon2", "_cffi", "cbor2", "libssl", "libcrypto")),
    ("PIL, qrcode", ("pil", "pillow", "qrcode")),
    ("SQLAlchemy, psycopg, sqlite", ("sqlalchemy", "psycopg", "sqlite")),
    ("fonts", (".ttf", ".ttc", ".otf", "fontconfig", "freetype", "harfbuzz")),
    ("Python (interpreter, stdlib extensions)", ("python3", "libpython", "lib-dynload")),
    ("system libraries (libc, libstdc++, X/GL, ICU ...)", ("/lib/", "/usr/lib", "/lib64/")),
)


def _group(path: str) -> str:
    low = path.lower()
    if not path or path.startswith("["):
        return "anonymous (heaps: Python objects, Qt/OpenCV allocations, frames)"
    for name, keys in GROUPS:
        if any(k in low for k in keys):
            return name
    return "other files"


def _smaps(pid: int) -> tuple[dict[str, int], dict[str, int], int]:
    """RSS in KiB by group and by file, and the total, from /proc/PID/smaps."""
    by_group: dict[str, int] = defaultdict(int)
    by_file: dict[str, int] = defaultdict(int)
    total = 0
    current = ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split()
        if not fields:
            continue
        if "-" in fields[0] and ":" not in fields[0]:  # a mapping's header line
            current = fields[5] if len(fields) > 5 else ""
        elif fields[0] == "Rss:":
            kib = int(fields[1])
            total += kib
            by_group[_group(current)] += kib
            by_file[current or "[anon]"] += kib
    return by_group, by_file, total


def _stage_rss(env: dict[str, str]) -> list[tuple[str, float]]:
    """RSS (MiB) after each cumulative import stage, each in a fresh interpreter."""
    out: list[tuple[str, float]] = []
    code: list[str] = []
    for label, stmt in STAGES:
        code.append(stmt)
        done = subprocess.run(
            [sys.executable, "-c", "\n".join([*code, RSS_PROBE])],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        out.append((label, int(done.stdout.split()[-1]) / 1024))
    return out


def _launch(args: list[str], settle: float, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        args, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(settle)
    if proc.poll() is not None:
        raise SystemExit(f"{' '.join(args)} exited early with code {proc.returncode}")
    return proc


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--settle", type=float, default=12.0, help="seconds to wait before reading")
    ap.add_argument("--top", type=int, default=15, help="largest files to list")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="checkpoint-bench-mem-") as tmp:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            "CHECKPOINT_DATA_DIR": str(Path(tmp) / "data"),
            "CHECKPOINT_CONFIG": str(Path(tmp) / "none.toml"),
        }
        env.pop("CHECKPOINT_DB_URL", None)
        bare = _launch([sys.executable, "-c", BARE], args.settle / 2, env)
        try:
            _bg, _bf, bare_total = _smaps(bare.pid)
        finally:
            _stop(bare)
        stages = _stage_rss(env)
        first = _launch([sys.executable, "app.py", "--demo"], args.settle, env)
        try:  # the first start creates and migrates the demo database
            _fg, _ff, first_total = _smaps(first.pid)
        finally:
            _stop(first)
        desk = _launch([sys.executable, "app.py", "--demo"], args.settle, env)
        try:  # measured: a start on the existing data folder, as every day at the booth
            groups, files, total = _smaps(desk.pid)
            status = Path(f"/proc/{desk.pid}/status").read_text()
            threads = next(
                line.split()[1] for line in status.splitlines() if line.startswith("Threads:")
            )
        finally:
            _stop(desk)
    verdict = "ok" if total / 1024 <= BUDGET_MIB else "OVER"
    print(
        f"idle demo desk: {total / 1024:.0f} MiB RSS ({threads} threads), budget ≤ "
        f"{BUDGET_MIB} MiB {verdict}; first start on a fresh folder: {first_total / 1024:.0f} "
        f"MiB; bare PySide6 window: {bare_total / 1024:.0f} MiB"
    )
    print()
    print(f"{'held by':<62} {'MiB':>6} {'share':>6}")
    print("-" * 76)
    for name, kib in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"{name:<62} {kib / 1024:>6.1f} {100 * kib / total:>5.0f}%")
    print()
    print("imports alone (fresh interpreter, cumulative, no window):")
    prev = 0.0
    for label, mib in stages:
        print(f"  {label:<52} {mib:>6.0f} MiB  (+{mib - prev:.0f})")
        prev = mib
    print(f"  {'the running desk adds (window, camera, frames, threads)':<52} "
          f"{total / 1024:>6.0f} MiB  (+{total / 1024 - prev:.0f})")  # fmt: skip
    print()
    print(f"largest {args.top} mappings:")
    for path, kib in sorted(files.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {kib / 1024:>6.1f} MiB  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
