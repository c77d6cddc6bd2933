"""What goes into the frozen build, computed from the source tree: read by checkpoint-desk.spec.

Kept free of PyInstaller imports so the tests can check it without PyInstaller installed.
Destinations are relative to the bundle's ``_internal`` folder (``sys._MEIPASS``), laid out
like the source tree, so ``Path(__file__).resolve().parents[2] / "resources"`` in
``checkpoint/<stage>/*.py`` finds ``_internal/resources`` in the frozen app as it finds
``resources/`` in a checkout.
"""

from __future__ import annotations

import ctypes.util
import fnmatch
import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
APP_NAME = "checkpoint-desk"
ENTRY = "app.py"
PACKAGES = ("checkpoint", "scanners", "ui")

# Files under resources/ that are sources for something else, not needed at run time.
RESOURCE_SKIP_SUFFIXES = {".ts", ".pyc", ".pro", ".xcf", ".psd"}
RESOURCE_SKIP_NAMES = {"__pycache__", ".DS_Store", "Thumbs.db", ".gitkeep"}

# Qt modules a checkpoint desk has no use for. PyInstaller collects only what is imported, so
# these are a guard against an accidental import dragging in hundreds of MB (WebEngine, Quick).
# A module the desk does import (see qt_modules_used) is kept, with what it needs.
UNUSED_QT = (
    "Qt3DAnimation", "Qt3DCore", "Qt3DExtras", "Qt3DInput", "Qt3DLogic", "Qt3DRender",
    "QtAxContainer", "QtBluetooth", "QtCanvasPainter", "QtCharts", "QtDataVisualization",
    "QtDesigner", "QtGraphs", "QtGraphsWidgets", "QtHelp", "QtHttpServer", "QtLabsStyleKit",
    "QtLocation", "QtMultimedia", "QtMultimediaWidgets", "QtNetworkAuth", "QtNfc", "QtPdf",
    "QtPdfWidgets", "QtPositioning", "QtQml", "QtQmlFeatures", "QtQuick", "QtQuick3D",
    "QtQuickControls2", "QtQuickTest", "QtQuickWidgets", "QtRemoteObjects", "QtScxml",
    "QtSensors", "QtSerialBus", "QtSerialPort", "QtSpatialAudio", "QtSql", "QtStateMachine",
    "QtTest", "QtTextToSpeech", "QtUiTools", "QtWebChannel", "QtWebEngineCore",
    "QtWebEngineQuick", "QtWebEngineWidgets", "QtWebSockets", "QtWebView",
)  # fmt: skip

# Binding-level needs among the modules above (the Qt libraries themselves are found by
# PyInstaller's dependency analysis; the Python bindings are not).
QT_NEEDS = {
    "QtPdfWidgets": ("QtPdf",),
    "QtMultimediaWidgets": ("QtMultimedia",),
    "QtQuick": ("QtQml",),
    "QtQuickWidgets": ("QtQuick", "QtQml"),
    "QtQuickControls2": ("QtQuick", "QtQml"),
    "QtGraphsWidgets": ("QtGraphs", "QtQuickWidgets", "QtQuick", "QtQml"),
    "QtWebEngineWidgets": ("QtWebEngineCore", "QtWebChannel", "QtPositioning"),
}

# Python packages in the development venv that the app never imports at run time.
EXCLUDED_PYTHON = (
    "tkinter", "_tkinter", "pytest", "_pytest", "pytestqt", "hypothesis", "mypy", "mypyc",
    "IPython", "matplotlib", "ruff", "setuptools", "pkg_resources",
)  # fmt: skip

# Qt's own translations: only the languages the desk offers (zh_CN default, en second).
QT_TRANSLATION_LANGS = ("zh_CN", "en")

_QT_IMPORT = re.compile(r"PySide6\.(Qt\w+)|from\s+PySide6\s+import\s+\(?([\w\s,]+)\)?")


def _relative_dest(path: Path, base: Path) -> str:
    """The destination folder of ``path`` inside the bundle, in POSIX form."""
    return PurePosixPath(*path.parent.relative_to(base).parts).as_posix() or "."


def _files(folder: Path) -> Iterable[Path]:
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or any(part in RESOURCE_SKIP_NAMES for part in path.parts):
            continue
        yield path


def resource_datas(root: Path = ROOT) -> list[tuple[str, str]]:
    """resources/** (fonts, translations .qm, policy, demo key and sample, sounds, icons)."""
    out = []
    for path in _files(root / "resources"):
        if path.suffix.lower() in RESOURCE_SKIP_SUFFIXES:
            continue
        out.append((str(path), _relative_dest(path, root)))
    return out


def migration_datas(root: Path = ROOT) -> list[tuple[str, str]]:
    """checkpoint/storage/migrations as plain files: Alembic loads env.py and versions/*.py from
    disk."""
    out = []
    for path in _files(root / "checkpoint" / "storage" / "migrations"):
        if path.suffix in (".py", ".mako", ".ini"):
            out.append((str(path), _relative_dest(path, root)))
    return out


def datas(root: Path = ROOT) -> list[tuple[str, str]]:
    """Every data file the spec adds to the bundle."""
    return [*resource_datas(root), *migration_datas(root)]


def generated_datas(workdir: Path, root: Path = ROOT) -> list[tuple[str, str]]:
    """Resources made at build time into ``workdir``, because the installed program folder is
    read-only for the people at the booth: compiled translations (.qm from .ts that has none
    beside it) and the desk's sound effects (ui/sounds.py writes them on first use)."""
    out: list[tuple[str, str]] = []
    translations = root / "resources" / "translations"
    for ts in sorted(translations.glob("*.ts")):
        if ts.with_suffix(".qm").exists():
            continue
        qm = workdir / "resources" / "translations" / ts.with_suffix(".qm").name
        qm.parent.mkdir(parents=True, exist_ok=True)
        _lrelease(ts, qm)
        out.append((str(qm), "resources/translations"))
    sounds = root / "resources" / "sounds"
    if (root / "ui" / "sounds.py").is_file():
        sys.path.insert(0, str(root))
        try:
            from ui.sounds import ensure_sounds

            made = workdir / "resources" / "sounds"
            for path in ensure_sounds(made).values():
                if not (sounds / path.name).exists():
                    out.append((str(path), "resources/sounds"))
        finally:
            sys.path.remove(str(root))
    return out


def _lrelease(ts: Path, qm: Path) -> None:
    folder = Path(sys.executable).parent
    candidates = [folder / "pyside6-lrelease", folder / "pyside6-lrelease.exe"]
    tool = next((str(c) for c in candidates if c.exists()), "pyside6-lrelease")
    subprocess.run([tool, "-silent", str(ts), "-qm", str(qm)], check=True, timeout=120)


def source_modules(root: Path = ROOT) -> list[str]:
    """Every module of the project's packages: the CLI finds its subcommands with pkgutil, and
    the desk may import lazily, so nothing is left to import tracing."""
    names = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).with_suffix("")
            if "migrations" in rel.parts:  # data for Alembic, not importable modules
                continue
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            names.append(".".join(parts))
    return names


def optional_imports() -> list[str]:
    """Drivers loaded by name at run time (a ``postgresql+psycopg://`` URL) when installed."""
    names = []
    if importlib.util.find_spec("psycopg") is not None:
        names += ["psycopg", "sqlalchemy.dialects.postgresql.psycopg"]
        if importlib.util.find_spec("psycopg_binary") is not None:
            names.append("psycopg_binary")
    return names


def hidden_imports(root: Path = ROOT) -> list[str]:
    """Modules PyInstaller's import tracing cannot see."""
    return [*source_modules(root), "sqlalchemy.dialects.sqlite.pysqlite", *optional_imports()]


def qt_modules_used(root: Path = ROOT) -> set[str]:
    """Qt modules named anywhere in the desk's code (ui/, scanners/, app.py)."""
    used = {"QtCore", "QtGui", "QtWidgets"}
    files = [root / ENTRY, *(root / "ui").rglob("*.py"), *(root / "scanners").rglob("*.py")]
    for path in files:
        if not path.is_file():
            continue
        for dotted, listed in _QT_IMPORT.findall(path.read_text(encoding="utf-8")):
            if dotted:
                used.add(dotted)
            for name in re.split(r"[\s,]+", listed or ""):
                if name.startswith("Qt"):
                    used.add(name)
    for name in list(used):
        used.update(QT_NEEDS.get(name, ()))
    return used


def qt_excludes(used: set[str] | None = None, root: Path = ROOT) -> list[str]:
    """``PySide6.X`` for every unused Qt module."""
    keep = qt_modules_used(root) if used is None else used
    return [f"PySide6.{name}" for name in UNUSED_QT if name not in keep]


def excludes(root: Path = ROOT) -> list[str]:
    """Modules the spec tells PyInstaller to leave out."""
    return [*qt_excludes(root=root), *EXCLUDED_PYTHON]


def keep_qt_translation(dest: str) -> bool:
    """Whether a collected data file may stay: Qt's .qm files only for the desk's languages."""
    norm = dest.replace("\\", "/")
    if "/Qt/translations/" not in f"/{norm}" or not norm.endswith(".qm"):
        return True
    return any(norm.endswith(f"_{lang}.qm") for lang in QT_TRANSLATION_LANGS)


# Qt plugins a desk never loads, and the Qt libraries they alone drag in: the virtual keyboard
# input context (pulls in Qt Quick and QML), PDF thumbnails as images (QtPdf), the embedded
# (EGLFS, linuxfb, VNC) platforms. The xcb, wayland and offscreen platforms stay on Linux,
# windows/offscreen/minimal on Windows.
DROPPED_QT_PLUGINS = (
    "platforminputcontexts/*virtualkeyboard*",
    "imageformats/*qpdf*",
    "egldeviceintegrations/*",
    "platforms/*eglfs*",
    "platforms/*linuxfb*",
    "platforms/*vnc*",
    "platforms/*vkkhrdisplay*",
    "platforms/*minimalegl*",
)
PRUNABLE_QT_LIBS = re.compile(
    r"^(lib)?Qt6(Quick|Qml|Pdf|VirtualKeyboard|EglFS|EglFs)\w*(\.so[.\d]*|\.dll)$", re.I
)
_BINDING = re.compile(r"^PySide6/(Qt\w+)\.(abi3\.so|pyd)$")

TocEntry = tuple[str, str, str]


def _posix(dest: str) -> str:
    return dest.replace("\\", "/")


def is_dropped_plugin(dest: str) -> bool:
    """Whether a collected file is one of the Qt plugins in DROPPED_QT_PLUGINS."""
    norm = _posix(dest)
    marker = "/plugins/"
    if marker not in norm:
        return False
    rel = norm.split(marker, 1)[1]
    return any(fnmatch.fnmatch(rel, pattern) for pattern in DROPPED_QT_PLUGINS)


def prune_binaries(
    entries: Iterable[TocEntry],
    needs: Callable[[str], Iterable[str]],
    used: set[str] | None = None,
    root: Path = ROOT,
) -> list[TocEntry]:
    """The collected binaries without dropped plugins, bindings of unused Qt modules, and the
    prunable Qt libraries that nothing left needs. ``needs(src)`` names what a binary links to.
    """
    keep_modules = qt_modules_used(root) if used is None else used
    kept = []
    for entry in entries:
        dest = _posix(entry[0])
        binding = _BINDING.match(dest)
        if is_dropped_plugin(dest):
            continue
        if binding and binding.group(1) in UNUSED_QT and binding.group(1) not in keep_modules:
            continue
        kept.append(entry)
    links = {entry[1]: {Path(n).name.lower() for n in needs(entry[1])} for entry in kept}
    changed = True
    while changed:
        changed = False
        for entry in list(kept):
            name = Path(_posix(entry[0])).name
            if not PRUNABLE_QT_LIBS.match(name):
                continue
            wanted = any(name.lower() in links[o[1]] for o in kept if o is not entry)
            if not wanted:
                kept.remove(entry)
                changed = True
    return kept


def _linux_library_path(soname: str) -> Path | None:
    """The file behind ``soname`` from the linker cache (this machine's architecture first)."""
    arch = {"x86_64": "x86-64", "aarch64": "AArch64"}.get(os.uname().machine, "")
    try:
        out = subprocess.run(
            ["ldconfig", "-p"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
            env={**os.environ, "PATH": f"{os.environ.get('PATH', '')}:/sbin:/usr/sbin"},
        ).stdout
    except OSError:
        out = ""
    found = []
    for line in out.splitlines():
        left, _, target = line.strip().partition(" => ")
        if left.split(" ", 1)[0] == soname and Path(target).is_file():
            found.append((arch not in left, Path(target)))
    return sorted(found)[0][1] if found else None


def zbar_binaries() -> list[tuple[str, str]]:
    """zbar's native library, where pyzbar will look for it in the frozen app.

    Windows: the pyzbar wheel ships libzbar-64.dll and libiconv.dll; pyzbar loads them from its
    own folder (``_internal/pyzbar``). Linux: the system's libzbar.so.0 (package libzbar0) goes
    to ``_internal``, where the runtime hook ``rthook_zbar.py`` points ``find_library`` at it.
    """
    spec = importlib.util.find_spec("pyzbar")
    if spec is None or spec.origin is None:
        raise SystemExit("pyzbar is not installed in the build environment.")
    if sys.platform.startswith("win"):
        folder = Path(spec.origin).parent
        dlls = sorted(p for p in folder.glob("*.dll"))
        if not any(p.name.startswith("libzbar") for p in dlls):
            raise SystemExit(f"pyzbar in {folder} has no libzbar DLL; reinstall the pyzbar wheel.")
        return [(str(p), "pyzbar") for p in dlls]
    name = ctypes.util.find_library("zbar")
    if not name:
        raise SystemExit("libzbar is not installed (Debian/Ubuntu: apt-get install libzbar0).")
    if os.path.isabs(name):  # macOS gives a full path
        return [(name, ".")]
    path = _linux_library_path(name)
    if path is None:
        raise SystemExit(f"{name} was found by the linker cache but not on disk.")
    return [(str(path), ".")]


def version(root: Path = ROOT) -> str:
    """The project version from pyproject.toml."""
    import tomllib

    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["project"]["version"])
