"""The README's two commands: a visible run command at the top of the repository, one shared
set-up step under the run command, the test command and CI, and a clear sentence where apt is
missing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Two commands", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]


def _commands(script: Path) -> list[str]:
    return [
        line.strip()
        for line in script.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_the_readme_names_a_visible_run_command_and_the_test_command() -> None:
    run, test = _readme_commands()
    assert run == "./run-desk" and test == "bash .ci/test"
    script = REPO / "run-desk"
    assert script.is_file() and os.access(script, os.X_OK)
    assert "bash .ci/setup" in _commands(script)
    assert _commands(script)[-1] == 'exec .venv/bin/python app.py "$@"'


def test_ci_runs_exactly_the_readme_test_command_after_the_shared_setup() -> None:
    ci = _commands(REPO / ".ci" / "run")
    assert ci[-1] == _readme_commands()[1]
    assert "bash .ci/setup --test" in ci
    assert "bash .ci/setup --test || exit 1" in _commands(REPO / ".ci" / "test")
    assert "bash .ci/setup" in _commands(REPO / ".ci" / "bundle")


def test_without_apt_or_python_setup_says_what_to_install_in_one_sentence(tmp_path: Path) -> None:
    """On a machine with neither apt-get nor Python 3.11 (Windows, macOS) the set-up step stops
    with one sentence naming what to install, instead of failing somewhere inside."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "cat", "sha256sum", "cut", "id", "grep", "rm", "touch"):
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    proc = subprocess.run(
        [str(bin_dir / "bash"), str(REPO / ".ci" / "setup")],
        capture_output=True, text=True, timeout=60, env={"PATH": str(bin_dir)},
    )  # fmt: skip
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "install Python 3.11 or newer" in lines[0]
    assert lines[0].endswith(".")
