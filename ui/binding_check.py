"""Does this process's Qt binding keep ``None`` alive? (issue 11)

PySide6 6.12.0 on Python 3.11 dropped a reference to ``None`` on every Qt method returning
nothing, and a desk aborted with ``none_dealloc`` within the hour. The self-check (``--smoke``)
runs this in the built program too, so a bundle made with such a binding fails before it ships.
"""

from __future__ import annotations

import sys

from PySide6 import __version__ as PYSIDE_VERSION
from PySide6.QtWidgets import QLabel

from checkpoint.errors import CheckpointError

CALLS = 20_000
# A few references come and go with caches; the defect loses one per call.
TOLERANCE = 500


def check_binding(calls: int = CALLS) -> str:
    """One line for the self-check; CheckpointError if void calls drift None's count.

    Needs a QApplication. Costs about 10 ms.
    """
    label = QLabel()
    for _ in range(100):
        label.setText("x")
    before = sys.getrefcount(None)
    for _ in range(calls):
        label.setText("x")
        label.setEnabled(True)
    drift = sys.getrefcount(None) - before
    label.deleteLater()
    if abs(drift) > TOLERANCE:
        raise CheckpointError(
            f"The Qt binding (PySide6 {PYSIDE_VERSION}) loses references to None "
            f"({drift} over {2 * calls} calls): this build would abort within the hour."
        )
    return f"Qt binding: PySide6 {PYSIDE_VERSION}, None steady over {2 * calls} void calls"
