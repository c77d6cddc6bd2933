"""Once a site has accounts, every CLI command that reads personal data or changes anything
signs its person in, is permission-checked and audited; without ``--as`` it stops with one
sentence. Before any account exists the commands work as on a fresh install."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from checkpoint.config import load_settings
from checkpoint.storage import audit
from checkpoint.storage.db import open_database
from checkpoint.team.site import ensure_place


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "checkpoint", *args],
        capture_output=True, text=True, env={**os.environ, **env}, timeout=120,
    )  # fmt: skip


def one_sentence(proc: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert fragment in lines[0], lines[0]


@pytest.fixture
def site_with_accounts(tmp_path: Path) -> Path:
    """Demo traffic first (seeding is refused once accounts exist), then the point chief."""
    seeded = run("demo", "seed", "--days", "1", "--vehicles-per-day", "30", "--start",
                 "2022-04-18")  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr
    added = run("staff", "add", "陈立新", "--role", "admin", "--pin", "2468")
    assert added.returncode == 0, added.stderr
    guide = run("staff", "add", "小刘", "--role", "guide", "--pin", "1357", "--as", "陈立新",
                CHECKPOINT_PIN="2468")  # fmt: skip
    assert guide.returncode == 0, guide.stderr
    areas = tmp_path / "areas.csv"
    areas.write_text(
        "region_code,name,level,effective_from,effective_to\n"
        "330102,杭州市上城区,high,2022-04-20,\n",
        encoding="utf-8",
    )
    return tmp_path


def commands(tmp: Path) -> list[tuple[str, ...]]:
    return [
        ("report", "shift", "--date", "2022-04-18", "--shift", "2", "--out", str(tmp / "s.pdf")),
        ("report", "day", "--date", "2022-04-18", "--out", str(tmp / "d.pdf")),
        ("export", "--date", "2022-04-18", "--out", str(tmp / "ledger.csv")),
        ("risk-areas", "import", str(tmp / "areas.csv")),
        ("audit", "list"),
        ("purge", "--days", "30"),
        ("staff", "add", "某人", "--role", "guide"),
        ("staff", "passwd", "小刘", "--pin", "9753"),
        ("staff", "unlock", "小刘"),
        ("staff", "unlock", "--lane"),
    ]


def test_every_writing_or_personal_data_command_needs_as(site_with_accounts: Path) -> None:
    for command in commands(site_with_accounts):
        one_sentence(run(*command), "--as NAME")
    # demo seed is refused outright on a database with accounts, --as or not
    one_sentence(run("demo", "seed", "--days", "1", "--vehicles-per-day", "5"), "holds accounts")
    assert not (site_with_accounts / "s.pdf").exists()
    assert not (site_with_accounts / "ledger.csv").exists()


def test_a_wrong_role_is_refused_and_the_right_one_is_audited(site_with_accounts: Path) -> None:
    tmp = site_with_accounts
    out = str(tmp / "ledger.csv")
    refused = run("export", "--date", "2022-04-18", "--out", out, "--as", "小刘",
                  CHECKPOINT_PIN="1357")  # fmt: skip
    one_sentence(refused, "may not export data")
    wrong_pin = run("report", "shift", "--date", "2022-04-18", "--shift", "2", "--out",
                    str(tmp / "s.pdf"), "--as", "陈立新", CHECKPOINT_PIN="0000")  # fmt: skip
    one_sentence(wrong_pin, "wrong PIN")
    pin = {"CHECKPOINT_PIN": "2468"}
    for command in commands(tmp)[:5]:
        done = run(*command, "--as", "陈立新", **pin)
        assert done.returncode == 0, (command, done.stderr)
    settings = load_settings()
    db = open_database(settings.database_url)
    try:
        with db.session() as s:
            site = ensure_place(s, settings).site
            actions = [e.action for e in audit.events(s, site.id) if e.actor_id is not None]
            report = audit.verify_chain(s, site.id)
    finally:
        db.dispose()
    for action in ("report.print", "export.ledger", "risk_areas.import", "audit.list"):
        assert action in actions, action
    assert actions.count("report.print") == 2
    assert report.ok, report.reason


def test_before_any_account_the_commands_work_as_on_a_fresh_install(tmp_path: Path) -> None:
    seeded = run("demo", "seed", "--days", "1", "--vehicles-per-day", "10", "--start",
                 "2022-04-18")  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr
    report = run("report", "shift", "--date", "2022-04-18", "--shift", "2", "--out",
                 str(tmp_path / "s.pdf"))  # fmt: skip
    assert report.returncode == 0, report.stderr
    assert "audit chain head #" in report.stdout
    exported = run("export", "--date", "2022-04-18", "--out", str(tmp_path / "l.xlsx"))
    assert exported.returncode == 0, exported.stderr
    # Naming someone who does not exist yet says how to add them.
    one_sentence(run("audit", "list", "--as", "无此人"), "checkpoint staff add")
