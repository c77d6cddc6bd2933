"""Start-up settings that keep what the desk's process holds down (issue 14).

``ui.app`` applies both at start (:func:`apply_at_start`); ``bench/bench_memory.py`` measures
the desk with each and with neither (CHECKPOINT_FOOTPRINT: "hook", "malloc", "off").

1. PySide6 replaces ``__import__``: for every module imported after it, a hook asks whether the
   module uses PySide6 (for ``from __feature__ import ...``) by reading the module's whole source
   with ``inspect.getsource``. That goes through ``linecache``, which keeps every line of every
   module for the life of the process: ~680 files, 11 MB of text, ~27 MiB of Python objects in
   the idle desk. :func:`spare_import_hook` gives the hook the same answer from the file's bytes,
   read and dropped.
2. glibc's malloc raises its mmap threshold whenever a large mapped block is freed (up to
   32 MiB) and its trim threshold with it; from then on frame-sized blocks and the big
   temporaries of building the demo camera's background come from the heap, whose holes are
   kept rather than given back. :func:`return_large_blocks` pins both: blocks of 1 MiB or more
   are mapped and given back when freed, and the heap is trimmed when 4 MiB lie free at its top.
   It is the default since the preview stopped allocating a 2.7 MB image per frame
   (``ui.camera_bridge.PreviewImages``): with the old 128 KiB threshold and that image, mapping
   every frame fresh cost ~10 % of a core at 15 fps; now it costs nothing measurable.
"""

from __future__ import annotations

import ctypes
import os
import sys
from types import ModuleType

# glibc's mallopt parameters and the environment variables it reads at a process's start
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_ENV = "MALLOC_MMAP_THRESHOLD_"
TRIM_THRESHOLD_ENV = "MALLOC_TRIM_THRESHOLD_"
# A 720p BGR frame is 2.7 MB (mapped); a grey frame (0.9 MB) and the preview's scaled copy stay
# in the heap, where the next frame's take the same blocks again.
LARGE_BLOCK = 1 << 20
TRIM_KEEP = 4 << 20  # free memory at the heap's top kept for the next frames before trimming


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


def return_large_blocks(threshold: int = LARGE_BLOCK, trim: int = TRIM_KEEP) -> bool:
    """glibc only: blocks of ``threshold`` bytes or more are mapped, and unmapped when freed;
    the heap gives back what lies free at its top beyond ``trim`` bytes.

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
    if mallopt(M_MMAP_THRESHOLD, threshold) != 1 or mallopt(M_TRIM_THRESHOLD, trim) != 1:
        return False
    # a spawned process (the decode worker) reads them when it starts
    os.environ.setdefault(MMAP_THRESHOLD_ENV, str(threshold))
    os.environ.setdefault(TRIM_THRESHOLD_ENV, str(trim))
    return True


def chosen() -> str:
    """Which settings apply: CHECKPOINT_FOOTPRINT ("hook", "malloc", "hook,malloc", "off");
    both by default."""
    return os.environ.get("CHECKPOINT_FOOTPRINT", "hook,malloc")


def pin_malloc_at_start() -> None:
    """First thing in ``ui.app.main``, before PySide6 and the desk's modules are imported, so
    that their big temporaries are already mapped rather than left in the heap."""
    if "malloc" in chosen():
        return_large_blocks()


def apply_at_start() -> None:
    """Right after PySide6 is imported, before the desk's modules and threads: the import hook."""
    if "hook" in chosen():
        spare_import_hook()
