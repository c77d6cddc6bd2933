"""The screenshot contract (issue 17), called exactly as the acceptance checks call it:
``app.py --demo --size WxH --scenario NAME --screenshot FILE [--lang zh_CN|en]`` writes a PNG of
exactly W×H pixels for every scenario; a size the window cannot fit is a failure."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = ("guide", "verify-crowd", "divert-override", "handover", "report-preview", "ledger",
             "no-camera", "response-overdue")  # fmt: skip


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "app.py"), *args], capture_output=True, text=True,
        timeout=240, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip


@pytest.mark.parametrize("size", ["1366x768", "1280x720"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_is_a_png_of_exactly_the_size(
    tmp_path: Path, scenario: str, size: str
) -> None:
    out = tmp_path / f"{scenario}.png"
    lang = "en" if scenario in ("verify-crowd", "divert-override") else "zh_CN"
    proc = run("--demo", "--size", size, "--scenario", scenario, "--screenshot", str(out),
               "--lang", lang)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    w, h = (int(x) for x in size.split("x"))
    assert png_size(out) == (w, h)
    # the scenario ran in a throw-away folder: the demo ledger of this machine is untouched
    assert not (Path(os.environ["CHECKPOINT_DATA_DIR"]) / "demo.db").exists()


def test_a_size_the_window_cannot_fit_is_a_failure_not_a_bigger_picture(tmp_path: Path) -> None:
    out = tmp_path / "small.png"
    proc = run("--demo", "--size", "800x480", "--scenario", "verify-crowd",
               "--screenshot", str(out))  # fmt: skip
    assert proc.returncode != 0
    assert "does not fit 800×480" in proc.stderr
    assert not out.exists()


def test_an_unknown_scenario_is_one_sentence(tmp_path: Path) -> None:
    proc = run("--demo", "--scenario", "lunch", "--screenshot", str(tmp_path / "x.png"))
    assert proc.returncode == 2
    assert "Unknown scenario 'lunch'" in proc.stderr and "Traceback" not in proc.stderr
