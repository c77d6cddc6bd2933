"""Faults around the books: formulas in exports, awkward risk-area files, parallel commands,
read-only and full disks, a database removed or replaced while running, clocks that run
backwards."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from checkpoint.config import Settings
from checkpoint.domain import Disposition, Occupant, Role, VehicleType, Verdict
from checkpoint.errors import ShiftError, StorageError
from checkpoint.reports.export import LedgerScope, export_ledger, neutralise
from checkpoint.rules.risk_areas import RiskAreaError, import_csv, load
from checkpoint.storage import audit
from checkpoint.storage.db import open_database
from checkpoint.storage.inspections import InspectionStore, PersonEntry
from checkpoint.storage.models import Inspection, Shift
from checkpoint.team.rota import close_shift, open_shift
from checkpoint.team.site import ensure_place
from checkpoint.team.staff import add_staff

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2022, 4, 18)
T0 = datetime(2022, 4, 18, 9, 0, tzinfo=SH)
HEADER = "region_code,name,level,effective_from,effective_to\n"
ROW = "330102,杭州市上城区,high,2022-04-20,\n"


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "checkpoint", *args],
        capture_output=True, text=True, env={**os.environ, **env}, timeout=120,
    )  # fmt: skip


# --- exports -----------------------------------------------------------------------------


HOSTILE = ('=HYPERLINK("http://x","a")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "＝1+1")


def _desk(tmp_path: Path) -> tuple[object, InspectionStore, object, object, Settings]:
    settings = Settings(data_dir=tmp_path / "data")
    settings.ensure_data_dir()
    db = open_database(settings.database_url)
    with db.session() as s:
        place = ensure_place(s, settings)
        leader = add_staff(s, place.site, "王建国", Role.LEADER)
        shift_id = open_shift(s, place.site, leader=leader, tz=SH, duty_date=DAY, number=2).id
        lane_id = place.lane.id
    return db, InspectionStore(db, lane_id), shift_id, leader, settings


def _lane_with_hostile_text(tmp_path: Path) -> tuple[object, Settings]:
    db, desk, shift_id, leader, settings = _desk(tmp_path)
    for i, text in enumerate(HOSTILE):
        at = T0 + timedelta(minutes=i)
        iid = desk.guide(shift_id, plate="浙A12345", vehicle_type=VehicleType.CAR,
                         people_count=1, staff=leader, at=at, origin=text,
                         destination=text)  # fmt: skip
        desk.add_person(iid, PersonEntry(Occupant.DRIVER, Verdict.PASS, Disposition.RELEASE),
                        staff=leader, at=at)  # fmt: skip
        desk.finish_verify(iid, suggested=Disposition.RELEASE, reasons=[],
                           report_to_community=False, policy_version="t", staff=leader,
                           at=at)  # fmt: skip
        desk.record(iid, staff=leader, at=at)
        desk.divert(iid, Disposition.TEST_LANE, staff=leader, override_reason=text, at=at)
    return db, settings


def test_exports_carry_no_live_formula(tmp_path: Path) -> None:
    assert [neutralise(v) for v in ("=1", "a=1", 5, -3, "")] == ["'=1", "a=1", 5, -3, ""]
    db, settings = _lane_with_hostile_text(tmp_path)
    try:
        with db.session() as s:  # type: ignore[attr-defined]
            site = ensure_place(s, settings).site
            export_ledger(s, site, SH, LedgerScope(DAY, DAY), tmp_path / "l.csv")
            export_ledger(s, site, SH, LedgerScope(DAY, DAY), tmp_path / "l.xlsx")
    finally:
        db.dispose()  # type: ignore[attr-defined]
    import csv

    with (tmp_path / "l.csv").open(encoding="utf-8-sig", newline="") as fh:
        cells = [c for row in list(csv.reader(fh))[1:] for c in row]
    for text in HOSTILE:
        assert text not in cells and "'" + text in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "＝")) for c in cells)
    sheet = load_workbook(tmp_path / "l.xlsx").active
    assert sheet is not None
    texts = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in texts)
    assert {t for t in HOSTILE} <= {c.value for c in texts}
    with zipfile.ZipFile(tmp_path / "l.xlsx") as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml


# --- risk-area files -----------------------------------------------------------------------


def test_a_header_only_file_needs_replace_with_empty(tmp_path: Path) -> None:
    data = tmp_path / "data"
    full = tmp_path / "full.csv"
    full.write_text(HEADER + ROW, encoding="utf-8")
    empty = tmp_path / "empty.csv"
    empty.write_text(HEADER, encoding="utf-8")
    now = datetime.now(UTC)
    import_csv(data, full, now)
    with pytest.raises(RiskAreaError, match="--replace-with-empty"):
        import_csv(data, empty, now)
    assert len(load(data).areas) == 1
    assert import_csv(data, empty, now, replace_with_empty=True).areas == ()
    refused = run("risk-areas", "import", str(empty))
    assert refused.returncode != 0 and "--replace-with-empty" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8-sig", b""), ("gb18030", b""), ("utf-16", b""), ("utf-8", b"")],
)
def test_bom_gbk_and_utf16_files_are_read(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    path = tmp_path / "areas.csv"
    path.write_bytes(prefix + (HEADER + ROW).encode(encoding))
    listing = import_csv(tmp_path / "data", path, datetime.now(UTC))
    assert [a.name for a in listing.areas] == ["杭州市上城区"]


def test_undecodable_and_oversized_files_are_one_sentence(tmp_path: Path) -> None:
    junk = tmp_path / "junk.csv"
    junk.write_bytes(HEADER.encode() + b"\x81\x30\xff\xff\xfe\n")
    with pytest.raises(RiskAreaError, match="neither UTF-8 nor GBK"):
        import_csv(tmp_path / "data", junk, datetime.now(UTC))
    huge = tmp_path / "huge.csv"
    huge.write_text(HEADER + '330102,"' + "x" * 140_000 + '",high,2022-04-20,\n', "utf-8")
    proc = run("risk-areas", "import", str(huge))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "field larger than field limit" in proc.stderr and "line 2" in proc.stderr


# --- parallel commands, read-only and full disks --------------------------------------------


def test_31_parallel_processes_test_one_data_folder_without_colliding() -> None:
    """Each process probes the folder with a file of its own (the old shared name failed 6 of
    31 parallel runs); light processes, so the check is about the probe, not the CPU."""
    script = (
        "import sys; from pathlib import Path; from checkpoint.config import Settings\n"
        "s = Settings(data_dir=Path(sys.argv[1]))\n"
        "for _ in range(40): s.ensure_data_dir()\n"
    )
    folder = os.environ["CHECKPOINT_DATA_DIR"]
    procs = [
        subprocess.Popen([sys.executable, "-c", script, folder], stderr=subprocess.PIPE)
        for _ in range(31)
    ]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 31, errors
    assert list(Path(folder).iterdir()) == []  # no probe left behind


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 6 MB tmpfs of our own (needs mount rights: root in the CI container)."""
    where = tmp_path / "disk"
    where.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(where)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


READING = (("audit", "verify"), ("shift", "status"), ("staff", "list"), ("risk-areas", "list"))


@pytest.mark.parametrize("fault", ["read-only", "full"])
def test_reading_commands_work_on_a_read_only_or_full_disk(small_disk: Path, fault: str) -> None:
    env = {"CHECKPOINT_DATA_DIR": str(small_disk / "data")}
    assert run("demo", "seed", "--days", "1", "--vehicles-per-day", "20", "--start",
               "2022-04-18", **env).returncode == 0  # fmt: skip
    assert run("staff", "add", "陈立新", "--role", "admin", "--pin", "2468", **env).returncode == 0
    if fault == "read-only":
        subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    else:
        with (small_disk / "filler").open("wb") as fh, pytest.raises(OSError):
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
    for command in READING:
        proc = run(*command, **env)
        assert proc.returncode == 0, (command, proc.stderr)
    out = small_disk.parent / "s.pdf"
    report = run("report", "shift", "--date", "2022-04-18", "--shift", "2", "--out", str(out),
                 "--as", "陈立新", CHECKPOINT_PIN="2468", **env)  # fmt: skip
    assert report.returncode == 0, report.stderr
    assert out.stat().st_size > 1000
    if fault == "read-only":
        assert "not in the audit trail" in report.stderr
        refused = run("staff", "add", "某人", "--role", "guide", "--as", "陈立新",
                      CHECKPOINT_PIN="2468", **env)  # fmt: skip
        assert refused.returncode != 0 and "Traceback" not in refused.stderr


# --- the database removed or replaced while running -----------------------------------------


def _guide(desk: InspectionStore, shift_id: object, leader: object, minute: int) -> object:
    return desk.guide(
        shift_id, plate="浙A12345", vehicle_type=VehicleType.CAR,  # type: ignore[arg-type]
        people_count=1, staff=leader, at=T0 + timedelta(minutes=minute),  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.mark.parametrize("how", ["removed", "replaced"])
def test_a_database_removed_or_replaced_while_running_stops_saving(
    tmp_path: Path, how: str
) -> None:
    db, desk, shift_id, leader, settings = _desk(tmp_path)
    try:
        _guide(desk, shift_id, leader, 0)
        path = settings.data_dir / "checkpoint.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        if how == "replaced":
            other = open_database(f"sqlite:///{(tmp_path / 'other.db').as_posix()}")
            other.dispose()
            (tmp_path / "other.db").replace(path)
        for minute in (1, 2):  # and it stays stopped
            with pytest.raises(StorageError, match=how):
                _guide(desk, shift_id, leader, minute)
    finally:
        db.dispose()  # type: ignore[attr-defined]
    # The next start does not begin again in first-run state.
    fresh = open_database(settings.database_url)
    try:
        with pytest.raises(StorageError, match="no longer holds it"), fresh.session() as s:
            ensure_place(s, settings)
    finally:
        fresh.dispose()
    proc = run("staff", "add", "冒名者", "--role", "admin", "--pin", "1111",
               CHECKPOINT_DATA_DIR=str(settings.data_dir))  # fmt: skip
    assert proc.returncode != 0 and "no longer holds it" in proc.stderr


# --- time -----------------------------------------------------------------------------------


def test_a_shift_cannot_close_before_it_opened_and_steps_never_run_backwards(
    tmp_path: Path,
) -> None:
    db, desk, shift_id, leader, _settings = _desk(tmp_path)
    try:
        with db.session() as s:  # type: ignore[attr-defined]
            shift = s.get(Shift, shift_id)
            assert shift is not None
            with pytest.raises(ShiftError, match="before it opened"):
                close_shift(s, shift, closed_by=leader, handover_to=None,  # type: ignore[arg-type]
                            at=shift.opened_at - timedelta(days=3))  # fmt: skip
        iid = _guide(desk, shift_id, leader, 10)
        desk.add_person(iid, PersonEntry(Occupant.DRIVER, Verdict.PASS, Disposition.RELEASE),  # type: ignore[arg-type]
                        staff=leader, at=T0)  # fmt: skip
        desk.finish_verify(iid, suggested=Disposition.RELEASE, reasons=[],  # type: ignore[arg-type]
                           report_to_community=False, policy_version="t", staff=leader,  # type: ignore[arg-type]
                           at=T0 + timedelta(minutes=6))  # before the guide step  # fmt: skip
        desk.record(iid, staff=leader, at=T0 + timedelta(minutes=11))  # type: ignore[arg-type]
        desk.divert(iid, Disposition.RELEASE, staff=leader, at=T0)  # type: ignore[arg-type]
        with db.session() as s:  # type: ignore[attr-defined]
            row = s.get(Inspection, iid)
            assert row is not None and row.guide_at is not None
            assert row.verify_at == row.guide_at
            assert row.divert_at == row.record_at == T0 + timedelta(minutes=11)
            site_id = s.scalars(select(Shift.site_id)).one()
            flagged = [e for e in audit.events(s, site_id) if e.action == "inspection.clock_back"]
            assert [e.detail["seconds"] for e in flagged] == [240.0, 660.0]
            assert audit.verify_chain(s, site_id).ok
    finally:
        db.dispose()  # type: ignore[attr-defined]


def test_settings_file_with_a_bom_is_read_and_gbk_is_named(tmp_path: Path) -> None:
    from checkpoint.config import load_settings
    from checkpoint.errors import ConfigError

    path = Path(os.environ["CHECKPOINT_CONFIG"])
    path.write_bytes('lane_name = "2号车道"\n'.encode("utf-8-sig"))
    assert load_settings().lane_name == "2号车道"
    path.write_bytes('lane_name = "2号车道"\n'.encode("gbk"))
    with pytest.raises(ConfigError, match=r"not UTF-8 text.*GBK"):
        load_settings()
