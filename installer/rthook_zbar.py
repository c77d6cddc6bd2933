"""PyInstaller runtime hook: let pyzbar find the libzbar bundled in the frozen app.

On Linux and macOS pyzbar asks ``ctypes.util.find_library("zbar")``, which searches only the
system; the build puts libzbar next to the other bundled libraries in ``sys._MEIPASS``, so a
machine without libzbar installed still decodes. On Windows pyzbar loads its DLLs from its own
folder and needs no help.
"""

import ctypes.util
import glob
import os
import sys


def _install() -> None:
    if sys.platform.startswith("win"):
        return
    bundled = sorted(glob.glob(os.path.join(sys._MEIPASS, "libzbar.*")))  # type: ignore[attr-defined]
    if not bundled:
        return
    system_find = ctypes.util.find_library

    def find_library(name: str) -> str | None:
        if name == "zbar":
            return bundled[0]
        return system_find(name)

    ctypes.util.find_library = find_library


_install()
