"""ui.footprint: the desk's two start-up settings that keep its memory down (issue 14).

The figures are in bench/bench_memory.py; these tests check the behaviour that gives them: the
import hook keeps no module sources, large blocks are mapped (and so given back), the desk's
start applies them, and the hook's answer is the one PySide6 itself would give.
"""

from __future__ import annotations

import ctypes
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ui.footprint import LARGE_BLOCK, MMAP_THRESHOLD_ENV, TRIM_KEEP, TRIM_THRESHOLD_ENV, uses_pyside

REPO = Path(__file__).resolve().parents[1]


def _run(code: str, env: dict[str, str] | None = None) -> str:
    """Run ``code`` in a fresh interpreter from the worktree; its standard output."""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
        env=env,
    )  # fmt: skip
    return done.stdout


_IMPORT_AFTER_PYSIDE = """
import json, linecache, sys
import PySide6.QtCore
from ui.footprint import spare_import_hook
if {spare}:
    assert spare_import_hook()
import checkpoint.rules.verdicts, wave
kept = [f for f in linecache.cache if "/checkpoint/" in f or f.endswith("/wave.py")]
print(json.dumps(kept))
"""


def test_pyside_keeps_every_imported_module_source_unless_spared() -> None:
    kept = json.loads(_run(_IMPORT_AFTER_PYSIDE.format(spare=False)))
    # PySide6's hook read the sources into linecache, for good
    assert any(f.endswith("/checkpoint/domain.py") for f in kept)
    assert any(f.endswith("/wave.py") for f in kept)
    assert json.loads(_run(_IMPORT_AFTER_PYSIDE.format(spare=True))) == []


@pytest.mark.parametrize(
    "name", ["ui.theme", "ui.footprint", "checkpoint.rules.verdicts", "json", "math", "_json"]
)
def test_the_spared_hook_answers_as_pyside_would(name: str) -> None:
    module = sys.modules.get(name) or __import__(name, fromlist=["_"])
    try:  # PySide6's own test (shibokensupport.feature._mod_uses_pyside)
        expected = "PySide6" in inspect.getsource(module)
    except (TypeError, OSError, SyntaxError):
        expected = False
    assert uses_pyside(module) is expected
    assert uses_pyside(module) is name.startswith("ui.")


_MAPPED_AFTER_A_BIG_FREE = """
import ctypes, json, os
from ui.footprint import return_large_blocks
libc = ctypes.CDLL("libc.so.6")
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"
                .split()]
libc.mallinfo2.restype = Info
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = (ctypes.c_size_t,)
libc.free.argtypes = (ctypes.c_void_p,)
applied = return_large_blocks() if {apply} else False
libc.free(libc.malloc(8 << 20))  # glibc raises its threshold to 8 MiB here, unless pinned
before = libc.mallinfo2().hblkhd
block = libc.malloc(1 << 20)  # a 720p frame's size
mapped = libc.mallinfo2().hblkhd - before
libc.free(block)
print(json.dumps([applied, mapped, os.environ.get({env!r})]))
"""


def _has_mallinfo2() -> bool:
    try:
        return hasattr(ctypes.CDLL("libc.so.6"), "mallinfo2")
    except OSError:
        return False


@pytest.mark.skipif(not _has_mallinfo2(), reason="glibc 2.33 or later only")
def test_large_blocks_are_mapped_after_a_big_free_only_when_pinned() -> None:
    # (either variable alone turns glibc's moving threshold off)
    env = {k: v for k, v in __import__("os").environ.items()
           if k not in (MMAP_THRESHOLD_ENV, TRIM_THRESHOLD_ENV)}
    code = _MAPPED_AFTER_A_BIG_FREE
    applied, mapped, inherited = json.loads(_run(code.format(apply=False, env=MMAP_THRESHOLD_ENV),
                                                 env))  # fmt: skip
    assert (applied, mapped, inherited) == (False, 0, None)  # glibc's default: from the heap
    applied, mapped, inherited = json.loads(_run(code.format(apply=True, env=MMAP_THRESHOLD_ENV),
                                                 env))  # fmt: skip
    assert applied is True
    assert mapped >= 1 << 20  # its own mapping, unmapped when freed
    assert inherited == str(LARGE_BLOCK)  # the decode worker starts with the same


@pytest.mark.parametrize("setting", [None, "hook", "hook,malloc"])
def test_the_desk_applies_its_settings_at_start(tmp_path: Path, setting: str | None) -> None:
    code = f"""
import json, linecache, os
os.environ.update(CHECKPOINT_DATA_DIR={str(tmp_path / "data")!r},
                  CHECKPOINT_CONFIG={str(tmp_path / "none.toml")!r},
                  QT_QPA_PLATFORM="offscreen")
os.environ.pop({MMAP_THRESHOLD_ENV!r}, None)
os.environ.pop({TRIM_THRESHOLD_ENV!r}, None)
os.environ.pop("CHECKPOINT_FOOTPRINT", None)
if {setting!r}:
    os.environ["CHECKPOINT_FOOTPRINT"] = {setting!r}
from ui.app import main
assert main(["--smoke"]) == 0
sources = [f for f in linecache.cache if f.endswith(".py") and "/checkpoint/" in f]
print(json.dumps([sources, os.environ.get({MMAP_THRESHOLD_ENV!r}),
                  os.environ.get({TRIM_THRESHOLD_ENV!r})]))
"""
    last = _run(code).strip().splitlines()[-1]
    sources, threshold, trim = json.loads(last)
    assert sources == []  # checkpoint/ was imported after PySide6, its sources not kept
    if setting == "hook":
        assert (threshold, trim) == (None, None)  # glibc's own, as asked
    elif sys.platform.startswith("linux") and _has_mallinfo2():
        # pinned by default since the preview reuses its image (ui.footprint, issue 14)
        assert (threshold, trim) == (str(LARGE_BLOCK), str(TRIM_KEEP))
