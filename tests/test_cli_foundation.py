"""The command line as a person uses it: real subprocesses, plain one-line errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from checkpoint import __version__


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "checkpoint", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def assert_plain_error(proc: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert fragment in lines[0]


def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0 and __version__ in proc.stdout


def test_init_staff_shift_round_trip(isolated_env: Path) -> None:
    assert run("init").returncode == 0
    assert (isolated_env / "checkpoint.db").exists()
    assert run("staff", "add", "王建国", "--role", "leader").returncode == 0
    assert run("staff", "add", "刘洋", "--role", "引导员").returncode == 0
    dup = run("staff", "add", "刘洋", "--role", "guide")
    assert_plain_error(dup, "already a staff member")
    listed = json.loads(run("staff", "list", "--json").stdout)
    assert {(m["name"], m["role"]) for m in listed} == {("王建国", "leader"), ("刘洋", "guide")}
    opened = run("shift", "open", "--leader", "王建国", "--member", "guide:刘洋",
                 "--date", "2022-04-18", "--shift", "2")  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    assert "白班" in opened.stdout
    again = run("shift", "open", "--leader", "王建国", "--date", "2022-04-18", "--shift", "2")
    assert_plain_error(again, "cannot be opened twice")
    status = json.loads(
        run("shift", "status", "--date", "2022-04-18", "--shift", "2", "--json").stdout
    )
    assert (status["state"], status["leader"], status["shift_name"]) == ("open", "王建国", "白班")
    closed = run("shift", "close", "--by", "王建国", "--to", "刘洋", "--note", "正常",
                 "--date", "2022-04-18", "--shift", "2")  # fmt: skip
    assert closed.returncode == 0, closed.stderr


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("init", "--db", "mysql://u@h/db"), "not supported"),
        (("init", "--db", "nonsense"), "not a database URL"),
        (("init", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"), "cannot be reached"),
        (("shift", "open", "--leader", "无此人"), "No staff member called"),
        (("shift", "status", "--date", "2022-04-18", "--shift", "4"), "no shift 4"),
        (("shift", "status", "--date", "2022-04-18"), "Give both --date and --shift"),
        (("staff", "add", "x", "--role", "boss"), "Unknown role"),
    ],
)
def test_errors_are_one_plain_sentence(args: tuple[str, ...], fragment: str) -> None:
    assert_plain_error(run(*args), fragment)


def test_unwritable_data_dir_is_a_plain_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run("init", env={"CHECKPOINT_DATA_DIR": str(blocker / "data")})
    assert_plain_error(proc, "cannot be written")


def test_malformed_settings_file_is_a_plain_error(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[checkpoint]\nsite_name = \n", encoding="utf-8")
    proc = run("init", env={"CHECKPOINT_CONFIG": str(cfg)})
    assert_plain_error(proc, "not valid TOML")


def test_demo_seed_command(isolated_env: Path) -> None:
    proc = run("demo", "seed", "--days", "1", "--vehicles-per-day", "120", "--start", "2022-04-18")
    assert proc.returncode == 0, proc.stderr
    assert "3 shifts, 120 vehicles" in proc.stdout


def test_console_script_is_installed() -> None:
    exe = Path(sys.executable).with_name("checkpoint")
    proc = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and __version__ in proc.stdout


def test_once_the_site_has_accounts_a_shift_opens_only_with_the_leaders_pin() -> None:
    assert run("staff", "add", "陈立新", "--role", "admin", "--pin", "8642").returncode == 0
    added = run("staff", "add", "王建国", "--role", "leader", "--pin", "1357", "--as", "陈立新",
                env={"CHECKPOINT_PIN": "8642"})  # fmt: skip
    assert added.returncode == 0, added.stderr
    which = ("--date", "2022-04-18", "--shift", "1")
    wrong = run("shift", "open", "--leader", "王建国", *which, env={"CHECKPOINT_PIN": "0000"})
    assert_plain_error(wrong, "PIN")
    ok = run("shift", "open", "--leader", "王建国", *which, env={"CHECKPOINT_PIN": "1357"})
    assert ok.returncode == 0, ok.stderr
    closed = run("shift", "close", "--by", "王建国", *which, env={"CHECKPOINT_PIN": "1357"})
    assert closed.returncode == 0, closed.stderr


def test_init_purges_personal_data_past_the_retention_period(isolated_env: Path) -> None:
    seeded = run("demo", "seed", "--days", "1", "--vehicles-per-day", "40", "--start", "2022-04-18")
    assert seeded.returncode == 0, seeded.stderr
    first = run("init")
    assert first.returncode == 0, first.stderr
    assert "Removed personal data of 40 vehicles" in first.stdout
    import sqlite3

    with sqlite3.connect(isolated_env / "checkpoint.db") as conn:
        left = conn.execute(
            "SELECT count(*) FROM person_check WHERE id_hash IS NOT NULL OR name_masked IS NOT NULL"
        ).fetchone()
        assert left == (0,)
        assert conn.execute("SELECT count(*) FROM inspection").fetchone() == (40,)
    assert "Removed" not in run("init").stdout  # nothing left to purge


def test_the_first_admin_from_a_script_without_a_pin() -> None:
    # No terminal and no --pin (stdin is empty): added, with a plain warning, and the site
    # stays in its first-run state until the point chief has a PIN.
    added = subprocess.run(
        [sys.executable, "-m", "checkpoint", "staff", "add", "陈立新", "--role", "admin"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "without a PIN" in added.stdout and "staff passwd 陈立新" in added.stderr
    assert run("staff", "add", "王建国", "--role", "leader").returncode == 0  # still first-run
    pin = subprocess.run(
        [sys.executable, "-m", "checkpoint", "staff", "passwd", "陈立新"],
        capture_output=True, text=True, input="8642\n", timeout=120,
    )  # fmt: skip
    assert pin.returncode == 0, pin.stderr
    refused = subprocess.run(
        [sys.executable, "-m", "checkpoint", "staff", "add", "刘洋", "--role", "guide"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120,
    )  # fmt: skip
    assert_plain_error(refused, "--as NAME")
