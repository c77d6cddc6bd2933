"""Canary for the Qt binding: void Qt calls must not lose references to ``None``.

PySide6 6.12.0 on Python 3.11 lowered ``None``'s reference count by one on every Qt method that
returns nothing; Python 3.11's ``None`` is not immortal, so a working desk aborted with
``Fatal Python error: none_dealloc`` after ~420 vehicles (issue 11). The calls run in a child
process so that a defective binding fails this test instead of aborting the whole run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CALLS = 200_000

# Each void call below runs CALLS times; a binding with the defect drifts by 4 * CALLS.
_PROBE = textwrap.dedent(
    f"""
    import sys
    from PySide6.QtWidgets import QApplication, QLabel, QPushButton
    from PySide6.QtCore import QTimer

    app = QApplication([])
    label = QLabel()
    button = QPushButton()
    timer = QTimer()
    for _ in range(1000):  # warm caches and interned objects before counting
        label.setText("x"); label.update(); button.setEnabled(True); timer.setInterval(5)
    before = sys.getrefcount(None)
    for i in range({CALLS}):
        label.setText("x")
        label.update()
        button.setEnabled(i % 2 == 0)
        timer.setInterval(5)
    after = sys.getrefcount(None)
    print(after - before)
    """
)


def test_void_qt_calls_keep_none_alive() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, (
        "the Qt binding aborted the interpreter during void calls (none_dealloc?): "
        f"rc {proc.returncode}\n{proc.stderr[-2000:]}"
    )
    drift = int(proc.stdout.strip().splitlines()[-1])
    # A handful of references may come and go with caches; the defect loses 4 per iteration.
    assert abs(drift) < 1_000, (
        f"sys.getrefcount(None) drifted by {drift} over {4 * CALLS} void Qt calls: the Qt "
        "binding leaks or drops references to None; pin a release without the defect"
    )


def test_the_self_check_proves_the_binding_of_the_program_that_runs(tmp_path: Path) -> None:
    """``app.py --smoke`` (also run on the frozen bundle) checks its own binding."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [sys.executable, str(REPO / "app.py"), "--smoke"], capture_output=True, text=True,
        env=env, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[-1] == "ready"
    assert any(line.startswith("Qt binding: PySide6 ") and "None steady" in line for line in lines)
