"""What the idle demo desk holds in memory, process by process, and what holds it.

    .venv/bin/python bench/bench_memory.py [--settle 20] [--top 15] [--quick]

Starts ``app.py --demo`` offscreen on a fresh data folder, lets it settle (signed-in screen,
synthetic camera running, the decode worker up when asked for), then reads /proc/PID/smaps of
the desk and of every process it started: the decode worker (``scanners.decode_worker``,
spawned) and multiprocessing's resource tracker, which spawning starts. For each: RSS, PSS and
private memory; for the desk also the resident memory of every mapping, grouped by what it
belongs to (Qt, OpenCV, NumPy, the decoders, Python, fonts; "anonymous" is the heaps: Python
objects, Qt's and OpenCV's allocations, frame buffers).

The budget (issue 14: ≤ 180 MiB idle) is checked against what the user's machine pays for the
desk: the distinct physical pages of the desk and its processes together, a library page the
worker shares with the desk counted once (from /proc/PID/pagemap; without the rights to read
page frame numbers, the sum of PSS instead, which also splits pages shared with unrelated
processes). RSS alone counts shared pages in each process; PSS alone depends on what else runs.

Also measured, each in its own start: the desk without ``ui.footprint``'s settings
(CHECKPOINT_FOOTPRINT=off), without the pinned glibc thresholds and without the import hook's
fix (each alone), the desk decoding in a worker process (CHECKPOINT_DECODE_WORKER=1, opt-in),
a bare PySide6 window (the floor),
the first start on a fresh folder, and what importing each layer adds. ``--quick`` skips all
but the desk as shipped. Linux only; not part of the pass/fail tests.
"""

from __future__ import annotations

import argparse
import os
import struct
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
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
     "from ui.footprint import spare_import_hook\nspare_import_hook()\n"
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


PAGE = os.sysconf("SC_PAGE_SIZE")
PFN_MASK = (1 << 55) - 1
PRESENT = 1 << 63


@dataclass
class Process:
    """One process's memory, read from /proc (KiB unless named otherwise)."""

    pid: int
    role: str
    rss: int = 0
    pss: int = 0
    private: int = 0
    threads: int = 0
    by_group: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_file: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    ranges: list[tuple[int, int]] = field(default_factory=list)  # resident mappings


def _role(pid: int) -> str:
    cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    if "resource_tracker" in cmd:
        return "resource tracker (multiprocessing)"
    if "spawn_main" in cmd:
        return "decode worker (spawned)"
    return cmd.strip()[:40]


def _tree(pid: int) -> list[int]:
    """``pid`` and every process under it."""
    out = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            out.extend(_tree(int(child)))
    return out


def _read(pid: int, role: str) -> Process:
    """RSS, PSS and private memory of ``pid``, by group and by file, from /proc/PID/smaps."""
    proc = Process(pid, role)
    current = ""
    start = end = 0
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split()
        if not fields:
            continue
        if "-" in fields[0] and ":" not in fields[0]:  # a mapping's header line
            current = fields[5] if len(fields) > 5 else ""
            start, end = (int(x, 16) for x in fields[0].split("-"))
        elif fields[0] == "Rss:":
            kib = int(fields[1])
            proc.rss += kib
            proc.by_group[_group(current)] += kib
            proc.by_file[current or "[anon]"] += kib
            if kib:
                proc.ranges.append((start, end))
        elif fields[0] == "Pss:":
            proc.pss += int(fields[1])
        elif fields[0] in ("Private_Clean:", "Private_Dirty:"):
            proc.private += int(fields[1])
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            proc.threads = int(line.split()[1])
    return proc


def _frames(proc: Process) -> set[int] | None:
    """The physical page frames ``proc`` has resident, or None without the rights to see them."""
    frames: set[int] = set()
    with open(f"/proc/{proc.pid}/pagemap", "rb") as pagemap:
        for start, end in proc.ranges:
            pagemap.seek(start // PAGE * 8)
            data = pagemap.read((end - start) // PAGE * 8)
            for entry in struct.unpack(f"{len(data) // 8}Q", data):
                if entry & PRESENT:
                    frames.add(entry & PFN_MASK)
    frames.discard(0)
    return frames or None  # all zero: page frame numbers are hidden (not root)


@dataclass
class Measure:
    """The desk's processes at one moment, and what they hold together (MiB)."""

    processes: list[Process]
    together: float
    exact: bool  # True: distinct pages; False: the sum of PSS
    cpu: float = 0.0  # the processes' CPU time per second of wall time afterwards (cores)

    @property
    def desk(self) -> Process:
        return self.processes[0]


def measure(pid: int) -> Measure:
    """Read the desk ``pid`` and every process it started."""
    procs = [_read(p, "desk" if p == pid else _role(p)) for p in _tree(pid)]
    union: set[int] = set()
    for proc in procs:
        frames = _frames(proc)
        if frames is None:
            return Measure(procs, sum(p.pss for p in procs) / 1024, exact=False)
        union |= frames
    return Measure(procs, len(union) * PAGE / 2**20, exact=True)


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


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes ``pids`` have used so far."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _desk(settle: float, env: dict[str, str], **extra: str) -> Measure:
    """Start the demo desk (with ``extra`` in its environment), let it settle, measure it and
    then the CPU it and its processes use over five seconds."""
    desk = _launch([sys.executable, "app.py", "--demo"], settle, {**env, **extra})
    try:
        m = measure(desk.pid)
        pids = [p.pid for p in m.processes]
        cpu0, t0 = _cpu_seconds(pids), time.monotonic()
        time.sleep(5)
        m.cpu = (_cpu_seconds(pids) - cpu0) / (time.monotonic() - t0)
        return m
    finally:
        _stop(desk)


def _show(name: str, m: Measure) -> None:
    how = "distinct pages" if m.exact else "sum of PSS"
    parts = ", ".join(f"{p.role.split(' (')[0]} {p.rss / 1024:.0f}" for p in m.processes)
    cpu = f"; CPU {100 * m.cpu:.0f}% of a core" if m.cpu else ""
    print(f"  {name:<50} {m.together:>4.0f} MiB ({how}){cpu}; RSS: {parts}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--settle", type=float, default=20.0, help="seconds to wait before reading")
    ap.add_argument("--top", type=int, default=15, help="largest files to list")
    ap.add_argument("--quick", action="store_true", help="only the desk as shipped")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="checkpoint-bench-mem-") as tmp:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            "CHECKPOINT_DATA_DIR": str(Path(tmp) / "data"),
            "CHECKPOINT_CONFIG": str(Path(tmp) / "none.toml"),
        }
        env.pop("CHECKPOINT_DB_URL", None)
        env.pop("CHECKPOINT_FOOTPRINT", None)
        env.pop("CHECKPOINT_DECODE_WORKER", None)
        env.pop("MALLOC_MMAP_THRESHOLD_", None)
        first = _desk(args.settle, env)  # creates and migrates the demo database
        # measured: a start on the existing data folder, as every day at the booth
        shipped = _desk(args.settle, env)
        variants: list[tuple[str, Measure]] = []
        if not args.quick:
            for setting, name in (
                ("off", "without ui.footprint's settings"),
                ("hook", "without glibc's thresholds pinned"),
                ("malloc", "without the import hook's fix"),
            ):
                variants.append((name, _desk(args.settle, env, CHECKPOINT_FOOTPRINT=setting)))
            variants.append(
                (
                    "decoding in a worker (CHECKPOINT_DECODE_WORKER=1)",
                    _desk(args.settle, env, CHECKPOINT_DECODE_WORKER="1"),
                )
            )
            bare = _launch([sys.executable, "-c", BARE], args.settle / 2, env)
            try:
                variants.append(("a bare PySide6 window", measure(bare.pid)))
            finally:
                _stop(bare)
            variants.append(("first start on a fresh folder", first))
            stages = _stage_rss(env)
    verdict = "ok" if shipped.together <= BUDGET_MIB else "OVER"
    how = "distinct pages" if shipped.exact else "sum of PSS"
    load = os.getloadavg()
    print(
        f"idle demo desk and its processes: {shipped.together:.0f} MiB ({how}), budget ≤ "
        f"{BUDGET_MIB} MiB {verdict}; desk alone {shipped.desk.rss / 1024:.0f} MiB RSS; "
        f"CPU at idle {100 * shipped.cpu:.0f}% of a core (demo camera, 15 fps); load average "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    print()
    print(f"{'process':<40} {'RSS':>6} {'PSS':>6} {'private':>8} {'threads':>8}  (MiB)")
    for p in shipped.processes:
        print(
            f"{p.role:<40} {p.rss / 1024:>6.1f} {p.pss / 1024:>6.1f} "
            f"{p.private / 1024:>8.1f} {p.threads:>8}"
        )
    print(f"{'together (' + how + ')':<40} {shipped.together:>6.1f}")
    if variants:
        print()
        print("the same, measured other ways (each its own start):")
        for name, m in variants:
            _show(name, m)
    print()
    groups = shipped.desk.by_group
    total = shipped.desk.rss
    print(f"{'the desk process, held by':<62} {'MiB':>6} {'share':>6}")
    print("-" * 76)
    for name, kib in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"{name:<62} {kib / 1024:>6.1f} {100 * kib / total:>5.0f}%")
    for worker in shipped.processes[1:]:
        print()
        print(f"{worker.role}, held by:")
        for name, kib in sorted(worker.by_group.items(), key=lambda kv: -kv[1])[:6]:
            print(f"  {name:<60} {kib / 1024:>6.1f}")
    if not args.quick:
        print()
        print("imports alone (fresh interpreter, cumulative, no window):")
        prev = 0.0
        for label, mib in stages:
            print(f"  {label:<52} {mib:>6.0f} MiB  (+{mib - prev:.0f})")
            prev = mib
        print(f"  {'the running desk adds (window, camera, frames, threads)':<52} "
              f"{total / 1024:>6.0f} MiB  (+{total / 1024 - prev:.0f})")  # fmt: skip
    print()
    print(f"the desk's largest {args.top} mappings:")
    for path, kib in sorted(shipped.desk.by_file.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {kib / 1024:>6.1f} MiB  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
