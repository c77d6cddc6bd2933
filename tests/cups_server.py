"""A private CUPS scheduler for the printing tests: real cupsd, real lp, a queue that keeps files.

The queue ``capture`` has no filters (a raw queue), and its device is a five-line backend that
writes what the scheduler hands it to a file, with the copies and options of the job beside it.
So a test sees exactly the bytes a printer would have received. Needs cupsd (cups-daemon) and lp
(cups-client), which .ci/run installs; the server listens on a Unix socket only.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

QUEUE = "capture"

BACKEND = """#!/bin/sh
# capture:/path/file.pdf - store the job's bytes, and its copies and options beside them
if [ $# -eq 0 ]; then echo 'direct capture "Unknown" "Capture to a file"'; exit 0; fi
out=${DEVICE_URI#capture:}
printf '%s\\n%s\\n' "$4" "$5" > "$out.args"
if [ -n "$6" ]; then cat "$6" > "$out"; else cat > "$out"; fi
"""


@dataclass(frozen=True)
class CupsServer:
    """A running private scheduler: where lp finds it and where the printed job lands."""

    socket: Path
    output: Path

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "CUPS_SERVER": str(self.socket)}

    def wait_for_output(self, timeout_s: float = 30.0) -> bytes:
        """The bytes of the finished job (the backend writes its .args file first)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if (self.output.with_suffix(".pdf.args")).exists() and _job_done(self):
                return self.output.read_bytes()
            time.sleep(0.1)
        raise AssertionError("the CUPS job did not reach the capture queue")

    def job_args(self) -> tuple[int, str]:
        """The copies and the options string the scheduler gave the backend."""
        copies, options = self.output.with_suffix(".pdf.args").read_text().splitlines()[:2]
        return int(copies), options


def _job_done(server: CupsServer) -> bool:
    proc = subprocess.run(
        ["lpstat", "-o", QUEUE], capture_output=True, text=True, env=server.env, check=False
    )
    return proc.returncode == 0 and not proc.stdout.strip()


def missing_programs() -> list[str]:
    """The CUPS programs this machine lacks for a private scheduler."""
    return [p for p in ("cupsd", "lp", "lpadmin", "lpstat") if shutil.which(p) is None]


def _service_user() -> tuple[str, str]:
    """cupsd refuses to run jobs as root: as root use the 'lp' account, else yourself."""
    if os.geteuid() == 0:
        for name in ("lp", "daemon", "nobody"):
            try:
                user = pwd.getpwnam(name)
            except KeyError:
                continue
            return name, grp.getgrgid(user.pw_gid).gr_name
    user = pwd.getpwuid(os.geteuid())
    return user.pw_name, grp.getgrgid(os.getegid()).gr_name


@contextmanager
def private_cups() -> Iterator[CupsServer]:
    """Start cupsd in the foreground on a socket in a fresh /tmp folder; stop it afterwards."""
    # a short folder name: a Unix socket path holds at most 107 bytes
    root = Path(tempfile.mkdtemp(prefix="cups-", dir="/tmp"))
    try:
        user, group = _service_user()
        for sub in ("spool", "cache", "state", "log", "tmp", "out", "bin/backend"):
            (root / sub).mkdir(parents=True)
        for sub in ("spool", "log", "tmp", "out", "cache", "state"):
            (root / sub).chmod(0o777)
        for name in ("filter", "daemon", "cgi-bin", "notifier", "monitor", "driver"):
            source = Path("/usr/lib/cups") / name
            if source.exists():
                (root / "bin" / name).symlink_to(source)
        backend = root / "bin" / "backend" / "capture"
        backend.write_text(BACKEND)
        backend.chmod(0o755)
        socket = root / "cups.sock"
        (root / "cupsd.conf").write_text(
            f"Listen {socket}\nLogLevel warn\nDefaultAuthType None\nBrowsing No\n"
            "WebInterface No\n<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
            "<Policy default>\n  <Limit All>\n    Order allow,deny\n    Allow all\n"
            "  </Limit>\n</Policy>\n"
        )
        (root / "cups-files.conf").write_text(
            f"ServerRoot {root}\nRequestRoot {root}/spool\nCacheDir {root}/cache\n"
            f"StateDir {root}/state\nTempDir {root}/tmp\nServerBin {root}/bin\n"
            f"AccessLog {root}/log/access_log\nErrorLog {root}/log/error_log\n"
            f"PageLog {root}/log/page_log\nDataDir /usr/share/cups\n"
            f"User {user}\nGroup {group}\nSystemGroup {grp.getgrgid(os.getegid()).gr_name}\n"
        )
        proc = subprocess.Popen(
            ["cupsd", "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            server = CupsServer(socket, root / "out" / "job.pdf")
            deadline = time.monotonic() + 15
            while not socket.exists():
                if proc.poll() is not None or time.monotonic() > deadline:
                    log = root / "log" / "error_log"
                    said = log.read_text() if log.exists() else ""
                    raise AssertionError(f"private cupsd did not start: {said[-800:]}")
                time.sleep(0.05)
            subprocess.run(
                ["lpadmin", "-p", QUEUE, "-E", "-v", f"capture:{server.output}"],
                env=server.env,
                check=True,
                capture_output=True,
            )
            yield server
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    finally:
        shutil.rmtree(root, ignore_errors=True)
