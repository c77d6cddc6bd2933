"""``shift status`` by plain SQL (cli.rota_read) says what the full path says, on SQLite and
PostgreSQL, without loading SQLAlchemy; anything not yet set up goes the full way."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from checkpoint.cli import main
from checkpoint.cli.rota_read import MARKER_FILE, shift_status
from checkpoint.cli.shift import _full_status
from checkpoint.config import load_settings
from checkpoint.errors import ShiftError

REPO = Path(__file__).resolve().parents[1]
DAY = date(2022, 4, 18)


def _status_args(url: str, duty_date: date | None, number: int | None) -> argparse.Namespace:
    return argparse.Namespace(db=url, date=duty_date, shift=number, json=True)


def _set_up(url: str) -> None:
    assert main(["init", "--db", url]) == 0
    assert main(["staff", "add", "王建国", "--role", "leader", "--db", url]) == 0
    opened = ["shift", "open", "--leader", "王建国", "--date", DAY.isoformat(), "--shift", "2"]
    assert main([*opened, "--db", url]) == 0


def test_plain_sql_answers_as_the_full_path(isolated_env: Path, db_url: str) -> None:
    _set_up(db_url)
    settings = load_settings(db_url=db_url)
    for duty_date, number in ((DAY, 2), (DAY, 1), (DAY, 3), (None, None)):
        fast = shift_status(settings, duty_date, number)
        assert fast is not None, (duty_date, number)
        assert fast == _full_status(_status_args(db_url, duty_date, number))
    assert shift_status(settings, DAY, 2)["state"] == "open"  # type: ignore[index]
    assert shift_status(settings, DAY, 2)["leader"] == "王建国"  # type: ignore[index]
    assert main(["shift", "close", "--by", "王建国", "--date", "2022-04-18", "--shift", "2",
                 "--db", db_url]) == 0  # fmt: skip
    assert shift_status(settings, DAY, 2)["state"] == "closed"  # type: ignore[index]
    with pytest.raises(ShiftError, match="no shift 4"):
        shift_status(settings, DAY, 4)


def test_what_is_not_set_up_goes_the_full_way(isolated_env: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'new.db').as_posix()}"
    settings = load_settings(db_url=url)
    settings.data_dir.mkdir(parents=True)  # a data folder to keep the site marker in
    assert shift_status(settings, DAY, 2) is None  # no database yet
    assert main(["shift", "status", "--date", "2022-04-18", "--shift", "2", "--db", url]) == 0
    assert shift_status(settings, DAY, 2) is not None  # the full path set everything up
    # a data folder whose marker names another site for this database: the full path decides
    marker = settings.data_dir / MARKER_FILE
    doc = json.loads(marker.read_text(encoding="utf-8"))
    doc[url]["site_id"] = "00000000-0000-0000-0000-000000000001"
    marker.write_text(json.dumps(doc), encoding="utf-8")
    assert shift_status(settings, DAY, 2) is None
    # a file others can read: the full path narrows it first
    assert main(["shift", "status", "--db", url]) == 0
    path = tmp_path / "new.db"
    path.chmod(0o644)
    assert shift_status(settings, DAY, 2) is None
    assert main(["shift", "status", "--db", url]) == 0
    assert path.stat().st_mode & 0o077 == 0
    assert shift_status(settings, DAY, 2) is not None


def test_status_from_the_command_line_loads_no_sqlalchemy(
    isolated_env: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{(tmp_path / 'cli.db').as_posix()}"
    _set_up(url)
    words = ["shift", "status", "--date", "2022-04-18", "--shift", "2", "--db", url]
    probe = (
        "import sys\nfrom checkpoint.cli import main\n"
        f"code = main({words!r})\n"
        "print(code, 'sqlalchemy' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == "0 False", done.stdout + done.stderr
    assert "2022-04-18 白班 (08:00–16:00) is open, leader 王建国." in lines[0]
