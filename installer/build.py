"""Build Checkpoint Desk as a one-folder program, check it, and (on Windows) make the setup file.

    python installer/build.py                    # dist/checkpoint-desk/ (PyInstaller)
    python installer/build.py --smoke            # ... then run its self-check (`--smoke`)
    python installer/build.py --smoke --setup    # Windows: ... then Inno Setup's setup .exe

Run it with the Python of the project's virtual environment, which must hold the project, its
pinned dependencies and PyInstaller (see installer/README.md). It prints the build time, the
folder's size and, with --smoke, the self-check's output; any failure exits non-zero.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import manifest  # noqa: E402

ROOT = manifest.ROOT
SPEC = HERE / "checkpoint-desk.spec"
ISS = HERE / "checkpoint-desk.iss"
WINDOWS = sys.platform.startswith("win")
ISCC_PLACES = tuple(
    Path(os.environ.get(var, default)) / sub / "Inno Setup 6" / "ISCC.exe"
    for var, default, sub in (
        ("PROGRAMFILES(X86)", r"C:\Program Files (x86)", ""),
        ("PROGRAMFILES", r"C:\Program Files", ""),
        ("LOCALAPPDATA", "", "Programs"),
    )
)


def folder_size(folder: Path) -> tuple[int, int]:
    """(bytes, files) of everything under ``folder``, symlinks not followed."""
    total = count = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
            count += 1
    return total, count


def executable(bundle: Path) -> Path:
    """The program file in a one-folder build."""
    return bundle / (manifest.APP_NAME + (".exe" if WINDOWS else ""))


def build(dist: Path, work: Path, *, clean: bool) -> float:
    """Run PyInstaller on the spec; returns the seconds it took."""
    cmd = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
        "--distpath", str(dist), "--workpath", str(work), str(SPEC),
    ]  # fmt: skip
    if clean:
        cmd.insert(3, "--clean")
    print("$", " ".join(cmd), flush=True)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT)
    return time.perf_counter() - t0


def smoke(bundle: Path, timeout: float = 300) -> list[str]:
    """Run ``<bundle>/checkpoint-desk --smoke`` offscreen on an empty data folder; its output.

    SystemExit unless it exits 0 with ``ready`` as its last line.
    """
    exe = executable(bundle)
    with tempfile.TemporaryDirectory(prefix="checkpoint-desk-smoke-") as data:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CHECKPOINT_DATA_DIR": data}
        env.pop("CHECKPOINT_DB_URL", None)
        env["CHECKPOINT_CONFIG"] = str(Path(data) / "no-settings.toml")
        # Run from elsewhere: the frozen program must not lean on the source tree.
        proc = subprocess.run(
            [str(exe), "--smoke"], cwd=data, env=env, capture_output=True, text=True,
            encoding="utf-8", errors="replace", timeout=timeout, check=False,
        )  # fmt: skip
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines or lines[-1].strip() != "ready":
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        raise SystemExit(
            f"The frozen program's self-check failed (exit {proc.returncode}); see above."
        )
    return lines


def find_iscc(given: str | None) -> Path:
    """Inno Setup's command-line compiler."""
    candidates = [Path(given)] if given else []
    on_path = shutil.which("ISCC") or shutil.which("iscc")
    if on_path:
        candidates.append(Path(on_path))
    candidates += ISCC_PLACES
    for path in candidates:
        if path.is_file():
            return path
    raise SystemExit(
        "Inno Setup 6 (ISCC.exe) was not found; install it from https://jrsoftware.org/isdl.php "
        "or pass --iscc PATH."
    )


def make_setup(bundle: Path, dist: Path, iscc: str | None) -> Path:
    """Compile the Inno Setup script around the one-folder build; returns the setup file."""
    version = manifest.version()
    cmd = [
        str(find_iscc(iscc)), f"/DAppVersion={version}", f"/DSourceDir={bundle}",
        f"/DOutputDir={dist}", str(ISS),
    ]  # fmt: skip
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=HERE)
    setup = dist / f"{manifest.APP_NAME}-setup-{version}.exe"
    if not setup.is_file():
        raise SystemExit(f"Inno Setup finished but {setup} is missing.")
    return setup


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output (default dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="work (default build/)")
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    parser.add_argument("--smoke", action="store_true", help="run the built program's --smoke")
    parser.add_argument("--setup", action="store_true", help="Windows: make the setup .exe")
    parser.add_argument("--iscc", help="path to ISCC.exe (default: PATH, then Program Files)")
    args = parser.parse_args(argv)
    if args.setup and not WINDOWS:
        raise SystemExit("--setup needs Windows (Inno Setup); the one-folder build works anywhere.")

    seconds = build(args.dist, args.work, clean=args.clean)
    bundle = args.dist / manifest.APP_NAME
    size, files = folder_size(bundle)
    print(f"bundle: {bundle} ({size / 1e6:.0f} MB in {files} files), built in {seconds:.0f} s")
    if args.smoke:
        t0 = time.perf_counter()
        lines = smoke(bundle)
        print("\n".join(f"  {line}" for line in lines))
        print(f"smoke: passed in {time.perf_counter() - t0:.1f} s")
    if args.setup:
        setup = make_setup(bundle, args.dist, args.iscc)
        print(f"setup: {setup} ({setup.stat().st_size / 1e6:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
