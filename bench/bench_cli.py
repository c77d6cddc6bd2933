"""Command-line start-up: the real ``checkpoint`` command run as a subprocess, best of N.

    .venv/bin/python bench/bench_cli.py [--runs N]

Budget (issue 14): ``checkpoint --version``, ``checkpoint verify ...`` and ``checkpoint shift
status`` each ≤ 0.3 s. Every run is a new Python process (``python -m checkpoint``, the same
entry point as the ``checkpoint`` console script) in a scratch data folder, so the figure holds
the interpreter's start, the imports, the database check and the work; "CPU s" is the least
user + system time of the runs, which a machine busy with other work inflates less than the
wall time. The verify run checks the EU DCC test vector common/CO3 (HC1, ES256) against its
own signer certificate; shift status reads an SQLite file already at the current schema, set
up by ``init`` (so it answers by plain SQL, without SQLAlchemy: cli/rota_read.py). "load" is
the 1-minute load average before the command's runs.
Also prints which heavy packages each
command imported (``-X importtime``) and its peak RSS. Not part of the pass/fail tests.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("CHECKPOINT_SHARED_DATA", REPO.parent / "shared" / "data"))
if not DATA.is_dir():  # a worktree under wt/ sits one level deeper than the main checkout
    DATA = REPO.parents[1] / "shared" / "data"
BUDGET_S = 0.3
HEAVY = ("sqlalchemy.orm", "alembic", "reportlab", "cv2", "numpy", "PIL", "cryptography", "argon2")


def _run(args: list[str], env: dict[str, str]) -> tuple[float, int, str, float, float]:
    """Wall seconds, exit code, output, peak RSS (MiB) and CPU seconds of one process."""
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "checkpoint", *args],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return seconds, proc.returncode, text, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def _heavy_imports(args: list[str], env: dict[str, str]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "checkpoint", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    return [h for h in HEAVY if h in names]


def _hc1_case(folder: Path) -> list[str] | None:
    vector = DATA / "dcc-testdata" / "common" / "2DCode" / "raw" / "CO3.json"
    if not vector.is_file():
        return None
    case = json.loads(vector.read_text(encoding="utf-8"))
    cert = folder / "co3-signer.der"
    cert.write_bytes(base64.b64decode(case["TESTCTX"]["CERTIFICATE"]))
    return [
        "verify",
        "--text",
        case["PREFIX"],
        "--trust",
        str(cert),
        "--at",
        case["TESTCTX"]["VALIDATIONCLOCK"],
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="runs per command; the best is reported")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="checkpoint-bench-cli-") as tmp:
        folder = Path(tmp)
        env = {
            **os.environ,
            "CHECKPOINT_DATA_DIR": str(folder / "data"),
            "CHECKPOINT_CONFIG": str(folder / "none.toml"),
        }
        env.pop("CHECKPOINT_DB_URL", None)
        db = f"sqlite:///{(folder / 'cli.db').as_posix()}"
        seconds, code, out, _rss, _cpu = _run(["init", "--db", db], env)
        if code != 0:
            print(f"checkpoint init failed: {out.strip()}", file=sys.stderr)
            return 1
        commands: list[tuple[str, list[str]]] = [("checkpoint --version", ["--version"])]
        hc1 = _hc1_case(folder)
        if hc1 is None:
            print("verify: skipped, dcc-testdata/common/2DCode/raw/CO3.json not found")
        else:
            commands.append(("checkpoint verify --text HC1:… (CO3)", hc1))
        commands.append(("checkpoint shift status", ["shift", "status", "--db", db]))
        commands.append(("checkpoint --help (every command)", ["--help"]))
        print(f"checkpoint init (fresh SQLite, not a budget): {seconds:.3f} s")
        print()
        print(f"load average at the start: {os.getloadavg()[0]:.1f} (2 cores)")
        print(
            f"{'command':<38} {'runs':>4} {'best s':>7} {'median s':>9} {'CPU s':>6}  "
            f"{'budget':<10} {'peak RSS':>9} {'load':>5}  heavy imports"
        )
        print("-" * 124)
        for label, cmd in commands:
            times = []
            cpus = []
            rss = 0.0
            load = os.getloadavg()[0]
            for _ in range(args.runs):
                seconds, code, out, peak, cpu = _run(cmd, env)
                if code != 0:
                    print(f"{label}: exit {code}: {out.strip()}", file=sys.stderr)
                    return 1
                times.append(seconds)
                cpus.append(cpu)
                rss = max(rss, peak)
            times.sort()
            best, median = times[0], times[len(times) // 2]
            verdict = "ok" if best <= BUDGET_S else "OVER"
            budget = "" if "help" in label else f"≤ {BUDGET_S} {verdict}"
            heavy = ", ".join(_heavy_imports(cmd, env)) or "none"
            print(
                f"{label:<38} {len(times):>4} {best:>7.3f} {median:>9.3f} {min(cpus):>6.3f}  "
                f"{budget:<10} "
                f"{rss:>6.0f} MiB {load:>5.1f}  {heavy}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
