"""The frozen build's manifest (installer/manifest.py), the spec, the zbar runtime hook, and the
one-folder build itself when one has been made (dist/checkpoint-desk)."""

from __future__ import annotations

import ast
import ctypes.util
import importlib.util
import os
import runpy
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
INSTALLER = REPO / "installer"


@pytest.fixture(scope="module")
def manifest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("installer_manifest", INSTALLER / "manifest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _bundled(entries: list[tuple[str, str]]) -> set[str]:
    """Paths inside the bundle's _internal folder, POSIX style."""
    return {f"{dest}/{Path(src).name}" for src, dest in entries}


def test_resources_land_where_the_code_looks_for_them(manifest: ModuleType) -> None:
    inside = _bundled(manifest.datas())
    for path in (
        "resources/fonts/wqy-microhei.ttc",
        "resources/fonts/wqy-microhei.LICENSE.txt",
        "resources/policy/default.toml",
        "resources/demo/demo-issuer.pub.pem",
        "resources/demo/demo-issuer.key.pem",
        "resources/demo/sample-pass.png",
    ):
        assert path in inside
    # the demo key and sample are found through checkpoint/credentials/trust.py's own path
    from checkpoint import smoke
    from checkpoint.credentials import trust

    assert trust.DEMO_DIR == REPO / "resources" / "demo"
    assert smoke.SAMPLE_PASS.parent == trust.DEMO_DIR


def test_every_migration_is_collected_as_a_file(manifest: ModuleType) -> None:
    inside = _bundled(manifest.migration_datas())
    migrations = REPO / "checkpoint" / "storage" / "migrations"
    assert "checkpoint/storage/migrations/env.py" in inside
    assert "checkpoint/storage/migrations/script.py.mako" in inside
    versions = sorted(migrations.glob("versions/*.py"))
    assert versions
    for version in versions:
        assert f"checkpoint/storage/migrations/versions/{version.name}" in inside


def test_sources_and_caches_stay_out(manifest: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "resources" / "translations").mkdir(parents=True)
    (tmp_path / "resources" / "translations" / "en.ts").write_text("<TS/>", encoding="utf-8")
    (tmp_path / "resources" / "translations" / "en.qm").write_bytes(b"qm")
    (tmp_path / "resources" / "__pycache__").mkdir()
    (tmp_path / "resources" / "__pycache__" / "x.pyc").write_bytes(b"")
    inside = _bundled(manifest.resource_datas(tmp_path))
    assert inside == {"resources/translations/en.qm"}


def test_every_project_module_is_a_hidden_import(manifest: ModuleType) -> None:
    hidden = set(manifest.hidden_imports())
    for package in manifest.PACKAGES:
        for path in (REPO / package).glob("*.py"):
            name = package if path.stem == "__init__" else f"{package}.{path.stem}"
            assert name in hidden
    assert "checkpoint.cli.decode" in hidden  # found by pkgutil at run time
    assert not any("migrations" in name for name in hidden)
    assert "sqlalchemy.dialects.sqlite.pysqlite" in hidden


def test_unused_qt_is_excluded_and_used_qt_kept(manifest: ModuleType, tmp_path: Path) -> None:
    excluded = manifest.qt_excludes({"QtCore", "QtGui", "QtWidgets"})
    for name in ("QtWebEngineCore", "QtQuick", "QtQml", "Qt3DCore", "QtCharts", "QtSql"):
        assert f"PySide6.{name}" in excluded
    assert not {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets"} & set(excluded)

    (tmp_path / "ui").mkdir()
    (tmp_path / "ui" / "view.py").write_text(
        "from PySide6.QtPdfWidgets import QPdfView\nfrom PySide6 import QtMultimedia, QtGui\n",
        encoding="utf-8",
    )
    (tmp_path / "app.py").write_text("import ui\n", encoding="utf-8")
    used = manifest.qt_modules_used(tmp_path)
    assert {"QtPdfWidgets", "QtPdf", "QtMultimedia", "QtGui", "QtCore", "QtWidgets"} <= used
    kept_out = set(manifest.qt_excludes(used))
    assert "PySide6.QtPdf" not in kept_out and "PySide6.QtMultimedia" not in kept_out
    assert "PySide6.QtWebEngineCore" in kept_out


def test_only_the_desks_qt_translations_stay(manifest: ModuleType) -> None:
    keep = manifest.keep_qt_translation
    assert keep("PySide6/Qt/translations/qtbase_zh_CN.qm")
    assert keep("PySide6\\Qt\\translations\\qtbase_en.qm")
    assert not keep("PySide6/Qt/translations/qtbase_de.qm")
    assert not keep("PySide6/Qt/translations/qt_help_fr.qm")
    assert keep("resources/translations/en.qm")  # ours are never filtered


def test_pruning_drops_unneeded_plugins_and_what_only_they_need(manifest: ModuleType) -> None:
    lib = "PySide6/Qt/lib/"
    plugins = "PySide6/Qt/plugins/"
    entries = [
        (f"{lib}libQt6Core.so.6", "core", "BINARY"),
        (f"{lib}libQt6Quick.so.6", "quick", "BINARY"),
        (f"{lib}libQt6Qml.so.6", "qml", "BINARY"),
        (f"{lib}libQt6VirtualKeyboard.so.6", "vk", "BINARY"),
        (f"{lib}libQt6Pdf.so.6", "pdf", "BINARY"),
        (f"{plugins}platforminputcontexts/libqtvirtualkeyboardplugin.so", "vkplugin", "BINARY"),
        (f"{plugins}imageformats/libqpdf.so", "qpdfplugin", "BINARY"),
        (f"{plugins}platforms/libqeglfs.so", "eglfs", "BINARY"),
        (f"{plugins}platforms/libqxcb.so", "xcb", "BINARY"),
        ("PySide6/QtPdf.abi3.so", "pdfbinding", "EXTENSION"),
    ]
    links = {
        "quick": ["libQt6Qml.so.6", "libQt6Core.so.6"],
        "vk": ["libQt6Quick.so.6"],
        "vkplugin": ["libQt6VirtualKeyboard.so.6", "libQt6Quick.so.6"],
        "qpdfplugin": ["libQt6Pdf.so.6"],
        "pdfbinding": ["libQt6Pdf.so.6"],
        "xcb": ["libQt6Core.so.6"],
    }

    def needs(src: str) -> list[str]:
        return links.get(src, [])

    kept = {e[1] for e in manifest.prune_binaries(entries, needs, {"QtCore", "QtGui"})}
    assert kept == {"core", "xcb"}

    # when the desk uses QtPdf, its binding and library stay (the image plugin still goes)
    kept = {e[1] for e in manifest.prune_binaries(entries, needs, {"QtCore", "QtPdf"})}
    assert kept == {"core", "xcb", "pdf", "pdfbinding"}

    # a kept plugin that needs Qt Quick (e.g. the ffmpeg multimedia one) keeps Quick and QML
    media = (f"{plugins}multimedia/libffmpegmediaplugin.so", "ffmpeg", "BINARY")
    links["ffmpeg"] = ["libQt6Quick.so.6", "libQt6Qml.so.6"]
    kept = {e[1] for e in manifest.prune_binaries([*entries, media], needs, {"QtCore"})}
    assert kept == {"core", "xcb", "ffmpeg", "quick", "qml"}


def test_spec_is_python_using_the_manifest_and_the_zbar_hook(manifest: ModuleType) -> None:
    text = (INSTALLER / "checkpoint-desk.spec").read_text(encoding="utf-8")
    ast.parse(text)
    for name in ("datas()", "hidden_imports()", "excludes()", "zbar_binaries()", "prune_binaries"):
        assert f"manifest.{name}" in text
    assert "rthook_zbar.py" in text and (INSTALLER / "rthook_zbar.py").is_file()
    assert (REPO / manifest.ENTRY).is_file()


@pytest.fixture
def restore_find_library() -> Iterator[None]:
    original = ctypes.util.find_library
    yield
    ctypes.util.find_library = original


@pytest.mark.skipif(sys.platform.startswith("win"), reason="pyzbar finds its DLLs itself")
def test_zbar_hook_points_pyzbar_at_the_bundled_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_find_library: None
) -> None:
    bundled = tmp_path / "libzbar.so.0"
    bundled.write_bytes(b"")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    runpy.run_path(str(INSTALLER / "rthook_zbar.py"))
    assert ctypes.util.find_library("zbar") == str(bundled)
    assert ctypes.util.find_library("c") != str(bundled)


@pytest.mark.skipif(ctypes.util.find_library("zbar") is None, reason="libzbar is not installed")
def test_zbar_library_is_found_for_the_bundle(manifest: ModuleType) -> None:
    binaries = manifest.zbar_binaries()
    assert binaries and all(Path(src).is_file() for src, _dest in binaries)


def test_version_comes_from_pyproject(manifest: ModuleType) -> None:
    import tomllib

    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert manifest.version() == data["project"]["version"]


def test_inno_setup_script_keeps_user_data_and_installs_per_machine() -> None:
    iss = (INSTALLER / "checkpoint-desk.iss").read_text(encoding="utf-8")
    assert "PrivilegesRequired=admin" in iss
    assert "{autoprograms}" in iss and "{autodesktop}" in iss
    assert "AppId={{" in iss  # a fixed AppId: a new version upgrades in place
    # the data directory is only ever deleted when the person asks for it at uninstall
    from checkpoint.config import APP_NAME

    assert f'#define DataDirName "{APP_NAME}"' in iss  # platformdirs' folder on Windows
    assert "{localappdata}\\{#DataDirName}" in iss
    assert "DelTree" in iss and "MB_YESNO" in iss and "MB_DEFBUTTON2" in iss


FROZEN = REPO / "dist" / "checkpoint-desk"
FROZEN_EXE = FROZEN / (
    "checkpoint-desk.exe" if sys.platform.startswith("win") else "checkpoint-desk"
)


@pytest.mark.slow
@pytest.mark.skipif(not FROZEN_EXE.is_file(), reason="no frozen build (python installer/build.py)")
def test_frozen_build_passes_its_smoke_check(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "CHECKPOINT_DATA_DIR": str(tmp_path / "data"),
        "CHECKPOINT_CONFIG": str(tmp_path / "settings.toml"),
    }
    proc = subprocess.run(
        [str(FROZEN_EXE), "--smoke"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "ready"
    # the bundled binding keeps None alive (issue 11: PySide6 6.12.0 did not)
    assert "Qt binding: PySide6 6.11" in proc.stdout
