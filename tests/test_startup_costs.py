"""What a command line or a start loads: only the subcommand it names, Alembic only when behind.

The figures are in bench/bench_cli.py; these tests check the behaviour that gives them (which
modules get imported, which checks run), never a time.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from checkpoint import cli
from checkpoint.storage.db import (
    _alembic_config,
    _shipped_head,
    head_revision,
    is_at_head,
    open_database,
)

REPO = Path(__file__).resolve().parents[1]


def _loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code`` (from the worktree)."""
    probe = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def test_command_table_names_the_module_that_registers_each_command() -> None:
    registered: dict[str, str] = {}
    for name in cli._all_modules():
        register = getattr(importlib.import_module(f"checkpoint.cli.{name}"), "register", None)
        if register is None:
            continue
        sub = argparse.ArgumentParser().add_subparsers()
        register(sub)
        registered.update(dict.fromkeys(sub.choices, name))
    assert registered == cli.COMMANDS


def test_a_command_loads_only_its_own_module() -> None:
    assert cli._modules_for(["report", "shift", "--date", "2022-04-18"]) == ["report"]
    assert cli._modules_for(["export", "--date", "2022-04-18"]) == ["report"]
    assert cli._modules_for(["--version"]) == []
    assert cli._modules_for(["--vers"]) == []
    # help, nothing or an unknown word: every command, so help lists them and typos are named
    everything = cli._all_modules()
    assert cli._modules_for(["--help"]) == everything
    assert cli._modules_for([]) == everything
    assert cli._modules_for(["no-such-command"]) == everything
    words = ["report", "day", "--date", "2022-04-18", "--out", "x.pdf"]
    assert cli.build_parser(words).parse_args(words).kind == "day"


def test_version_imports_no_subcommand_and_no_database_layer() -> None:
    loaded = _loaded_after(
        "from checkpoint.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass"
    )
    assert "checkpoint.cli" in loaded
    assert not {m for m in loaded if m.startswith("checkpoint.cli.")}
    assert "sqlalchemy" not in loaded


def test_verify_never_loads_the_database_layer_or_the_pdf(tmp_path: Path) -> None:
    loaded = _loaded_after(
        "import os\n"
        f"os.environ['CHECKPOINT_DATA_DIR'] = {str(tmp_path / 'data')!r}\n"
        f"os.environ['CHECKPOINT_CONFIG'] = {str(tmp_path / 'none.toml')!r}\n"
        "from checkpoint.cli import main\n"
        "assert main(['verify', '--text', 'not a credential']) == 0"
    )
    assert "checkpoint.cli.verify" in loaded
    assert not {"sqlalchemy", "alembic", "reportlab", "cv2"} & loaded


def test_the_shipped_head_is_read_without_alembic() -> None:
    assert _shipped_head() == head_revision()
    assert "alembic" not in _loaded_after(
        "from checkpoint.storage.db import _shipped_head\n_shipped_head()"
    )


def test_a_database_at_head_is_opened_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'head.db').as_posix()}"
    open_database(url).dispose()
    loaded = _loaded_after(
        f"from checkpoint.storage.db import open_database\nopen_database({url!r})"
    )
    assert "checkpoint.storage.db" in loaded
    assert not {m for m in loaded if m.startswith("alembic")}


def test_a_database_behind_is_still_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'behind.db').as_posix()}"
    db = open_database(url)
    assert is_at_head(db)
    from alembic import command

    command.downgrade(_alembic_config(db), "-1")  # one step back, whatever the head is
    assert not is_at_head(db)
    db.dispose()
    db = open_database(url)
    try:
        assert is_at_head(db)
    finally:
        db.dispose()


def test_an_empty_database_is_not_at_head(tmp_path: Path) -> None:
    from checkpoint.storage.db import Database

    db = Database(f"sqlite:///{(tmp_path / 'empty.db').as_posix()}")
    try:
        assert not is_at_head(db)
    finally:
        db.dispose()


@pytest.mark.parametrize("missing", ["--out", "--date"])
def test_report_flags_still_checked_by_the_lazy_parser(
    missing: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["report", "shift", "--date", "2022-04-18", "--shift", "1", "--out", "x.pdf"]
    i = argv.index(missing)
    del argv[i : i + 2]
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    assert missing in capsys.readouterr().err


def test_the_desk_window_loads_no_pdf_no_alembic_no_certificate_parser() -> None:
    loaded = _loaded_after("import ui.main_window, checkpoint.lane")
    assert "ui.main_window" in loaded
    assert not {"reportlab", "alembic", "asn1crypto"} & loaded


def test_the_decode_worker_running_app_py_as_its_main_loads_no_desk() -> None:
    # multiprocessing's spawn runs the parent's main file under this name in the worker
    loaded = _loaded_after(
        f"import runpy\nrunpy.run_path({str(REPO / 'app.py')!r}, run_name='__mp_main__')"
    )
    assert "multiprocessing" in loaded
    assert not {"ui.app", "PySide6", "sqlalchemy", "checkpoint"} & loaded
