"""Two start-up settings that keep what the desk's process holds down (issue 14).

``ui.app`` applies the first at start (:func:`apply_at_start`; the second costs CPU, see there);
``bench/bench_memory.py`` measures the desk with each, both and neither (CHECKPOINT_FOOTPRINT).

1. PySide6 replaces ``__import__``: for every module imported after it, a hook asks whether the
   module uses PySide6 (for ``from __feature__ import ...``) by reading the module's whole source
   with ``inspect.getsource``. That goes through ``linecache``, which keeps every line of every
   module for the life of the process: ~680 files, 11 MB of text, ~27 MiB of Python objects in
   the idle desk. :func:`spare_import_hook` gives the hook the same answer from the file's bytes,
   read and dropped.
2. glibc's malloc raises its mmap threshold whenever a large mapped block is freed; from then on
   the 2.7 MB camera frames (and every copy of them) come from the heap, whose holes are kept
   rather than given back: ~20 MiB in the idle demo desk. :func:`return_large_blocks` pins the
   threshold, so a block that large is mapped and given back to the system when freed, and sets
   the same for the processes the desk starts (the decode worker).
"""

from __future__ import annotations

import ctypes
import os
import sys
from types import ModuleType

# glibc's mallopt parameter and the environment variable it reads at a process's start
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_ENV = "MALLOC_MMAP_THRESHOLD_"
LARGE_BLOCK = 128 * 1024  # glibc's own starting threshold; a 720p grey frame is 900 KB


def uses_pyside(module: ModuleType) -> bool:
    """Whether ``module``'s source mentions PySide6: PySide6's own test, without linecache."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return False  # built-in, extension, or no source (as inspect.getsource fails there)
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()  # ASCII: the same bytes in any source encoding
    except OSError:
        return False


def spare_import_hook() -> bool:
    """Make PySide6's import hook read sources without keeping them; False if it has none."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False  # another PySide6 version: nothing to change
    feature._mod_uses_pyside = uses_pyside  # type: ignore[attr-defined]
    return True


def return_large_blocks(threshold: int = LARGE_BLOCK) -> bool:
    """glibc only: blocks of ``threshold`` bytes or more are mapped, and unmapped when freed.

    Elsewhere (Windows, macOS, musl) large blocks already go back to the system: False there.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    if mallopt(M_MMAP_THRESHOLD, threshold) != 1:
        return False
    # a spawned process (the decode worker) reads it when it starts
    os.environ.setdefault(MMAP_THRESHOLD_ENV, str(threshold))
    return True


def apply_at_start() -> None:
    """Right after PySide6 is imported, before the desk's modules and threads: the import hook
    by default; CHECKPOINT_FOOTPRINT names which ("hook", "malloc", "hook,malloc"; "off").

    The pinned threshold is not the default: it saves ~25 MiB but maps every frame-sized block
    fresh, ~10 % more of one core at 15 fps (bench/bench_memory.py, idle 2-core machine).
    """
    chosen = os.environ.get("CHECKPOINT_FOOTPRINT", "hook")
    if "hook" in chosen:
        spare_import_hook()
    if "malloc" in chosen:
        return_large_blocks()
