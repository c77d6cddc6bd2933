"""Personal data, minimised: what is stored, what is shown (screen data, PDF, CSV), and the
retention purge that removes personal fields while every report total stays the same."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, text

from checkpoint.config import Settings
from checkpoint.demo.seeder import seed
from checkpoint.domain import Disposition, Occupant, Role, VehicleType, Verdict
from checkpoint.privacy import hash_id_number, load_site_secret, mask_id_number, mask_name
from checkpoint.reports.data import report_json, shift_report
from checkpoint.reports.export import LedgerScope, export_ledger
from checkpoint.reports.pdf import report_pdf
from checkpoint.rules.policy import Policy
from checkpoint.storage import audit
from checkpoint.storage.db import Database, open_database
from checkpoint.storage.inspections import InspectionStore, PersonEntry, ScanRecord
from checkpoint.storage.models import CredentialScan, Inspection, PersonCheck, Site
from checkpoint.storage.retention import purge_at_startup
from checkpoint.team.rota import open_shift
from checkpoint.team.site import ensure_place
from checkpoint.team.staff import add_staff

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2022, 4, 18)
NAME, ID_NUMBER, PLATE = "张三丰", "330102199001011234", "浙A12345"
PAYLOAD = "CKP1:RAW-PAYLOAD-WITH-PERSONAL-DATA"


def test_secret_file_is_owner_only(tmp_path: Path) -> None:
    key = load_site_secret(tmp_path)
    mode = (tmp_path / "site-secret.key").stat().st_mode & 0o777
    assert mode == 0o600 and len(key) == 32
    assert load_site_secret(tmp_path) == key
    assert mask_id_number(ID_NUMBER) == "3301**********1234" and mask_name(NAME) == "张**"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧阳**" and mask_name("欧阳**") == "欧阳**"
    # a Latin name keeps its initial only, and not its length (an EU DCC's holder)
    assert mask_name("Musterfrau-Gößinger Gabriele") == "M***" == mask_name("M***")


def _record_one(db: Database, settings: Settings, *, store_raw: bool) -> tuple[Site, object]:
    with db.session() as s:
        place = ensure_place(s, settings)
        leader = add_staff(s, place.site, "王建国", Role.LEADER)
        shift = open_shift(s, place.site, leader=leader, tz=SH, duty_date=DAY, number=2)
    secret = load_site_secret(settings.data_dir)
    desk = InspectionStore(db, place.lane.id, store_raw_payloads=store_raw)
    at = datetime(2022, 4, 18, 10, 0, tzinfo=SH)
    iid = desk.guide(shift.id, plate=PLATE, vehicle_type=VehicleType.CAR, people_count=1,
                     staff=leader, at=at)  # fmt: skip
    desk.add_person(iid, PersonEntry(
        Occupant.DRIVER, Verdict.ATTENTION, Disposition.TEST_LANE,
        reasons=({"code": "test_missing", "text": "无核酸"},), name_masked=mask_name(NAME),
        id_hash=hash_id_number(ID_NUMBER, secret), id_masked=mask_id_number(ID_NUMBER),
        temperature=36.6, findings={"itinerary": ["杭州"]},
        scans=(ScanRecord("CKP1", "pass", "demo", "valid", "valid", "ab" * 32, payload=PAYLOAD),),
    ), at=at, staff=leader)  # fmt: skip
    desk.finish_verify(iid, suggested=Disposition.TEST_LANE, reasons=[], report_to_community=True,
                       policy_version="t", staff=leader, at=at)  # fmt: skip
    desk.record(iid, staff=leader, at=at)
    desk.divert(iid, Disposition.RELEASE, staff=leader, override_reason="复测正常", at=at)
    return place.site, iid


def _all_text(db: Database) -> str:
    """Every value of every table, as text: what any screen or report could ever show."""
    from checkpoint.storage.models import Base

    parts = []
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                parts.extend(str(v) for v in row)
    return "\n".join(parts)


@pytest.mark.parametrize("store_raw", [False, True])
def test_only_masked_and_hashed_forms_are_stored_and_shown(tmp_path: Path, store_raw: bool) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    db = open_database(f"sqlite:///{(tmp_path / 'p.db').as_posix()}")
    site, _iid = _record_one(db, settings, store_raw=store_raw)
    stored = _all_text(db)
    assert NAME not in stored and ID_NUMBER not in stored
    assert "张**" in stored and "3301**********1234" in stored
    assert (PAYLOAD in stored) is store_raw  # the raw QR text only when the policy allows it
    # On paper and in the export: PDF and CSV show the plate masked and no person in full.
    with db.session() as s:
        report = shift_report(s, site, SH, DAY, 2, now=datetime(2022, 4, 19, tzinfo=SH))
        pdf_text = "".join(p.extract_text() for p in _pdf_reader(report_pdf(report).data).pages)
        out = tmp_path / "ledger.csv"
        export_ledger(s, site, SH, LedgerScope(DAY, DAY), out)
    csv_text = out.read_text(encoding="utf-8-sig")
    for shown in (pdf_text, csv_text):
        assert PLATE not in shown and NAME not in shown and ID_NUMBER not in shown
    assert "浙A***45" in csv_text and "浙A***45" in pdf_text
    db.dispose()


def _pdf_reader(data: bytes) -> PdfReader:
    import io

    return PdfReader(io.BytesIO(data))


def _totals(db: Database, site: Site) -> list[dict[str, object]]:
    now = datetime(2022, 6, 1, tzinfo=SH)
    out = []
    with db.session() as s:
        for n in (1, 2, 3):
            out.append(report_json(shift_report(s, site, SH, DAY, n, now=now),
                                   with_exceptions=True))  # fmt: skip
    return out


def test_purge_removes_personal_fields_and_keeps_every_total(db_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", db_url=db_url)
    db = open_database(db_url)
    seed(db, settings, days=1, vehicles_per_day=300, seed_value=7, start=DAY)
    with db.session() as s:
        site = ensure_place(s, settings).site
        # Make a scan carry a raw payload, as if store_raw_payloads had been on.
        s.execute(text("UPDATE credential_scan SET payload = 'CKP1:RAW'"))
    before = _totals(db, site)
    ledger_before = tmp_path / "before.csv"
    with db.session() as s:
        export_ledger(s, site, SH, LedgerScope(DAY, DAY), ledger_before)
    # Too young to purge: nothing happens.
    young = purge_at_startup(db, site.id, timedelta(days=30), now=datetime(2022, 4, 20, tzinfo=SH))
    assert young.inspections == 0
    result = purge_at_startup(db, site.id, timedelta(days=30), now=datetime(2022, 6, 1, tzinfo=SH))
    with db.session() as s:
        total = s.scalar(select(func.count()).select_from(Inspection))
        assert result.inspections == total == 300
        assert s.scalar(select(func.count()).where(PersonCheck.name_masked.is_not(None))) == 0
        assert s.scalar(select(func.count()).where(PersonCheck.id_hash.is_not(None))) == 0
        assert s.scalar(select(func.count()).where(PersonCheck.temperature.is_not(None))) == 0
        assert s.scalar(select(func.count()).where(CredentialScan.payload.is_not(None))) == 0
        assert s.scalar(select(func.count()).where(CredentialScan.fingerprint != "")) == 0
        assert s.scalar(select(func.count()).where(Inspection.purged_at.is_(None))) == 0
        plates = s.scalars(select(Inspection.plate)).all()
        assert all("***" in p for p in plates)
        events = [e for e in audit.events(s, site.id) if e.action == "retention.purge"]
        assert len(events) == 1 and events[0].detail["inspections"] == 300
        assert audit.verify_chain(s, site.id).ok
    assert _totals(db, site) == before
    ledger_after = tmp_path / "after.csv"
    with db.session() as s:
        export_ledger(s, site, SH, LedgerScope(DAY, DAY), ledger_after)

    def rows(p: Path) -> list[list[str]]:
        return list(csv.reader(p.read_text(encoding="utf-8-sig").splitlines()))

    assert rows(ledger_after) == rows(ledger_before)
    # A second purge finds nothing more to do.
    again = purge_at_startup(db, site.id, timedelta(days=30), now=datetime(2022, 6, 2, tzinfo=SH))
    assert again.inspections == 0
    db.dispose()


def test_a_start_purges_a_bounded_backlog_and_the_next_start_goes_on(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'backlog.db'}"
    settings = Settings(data_dir=tmp_path / "data", db_url=url)
    db = open_database(url)
    seed(db, settings, days=1, vehicles_per_day=250, seed_value=3, start=DAY)
    with db.session() as s:
        site = ensure_place(s, settings).site
    later = datetime(2022, 6, 1, tzinfo=SH)
    sizes = [
        purge_at_startup(db, site.id, timedelta(days=30), now=later, limit=100).inspections
        for _ in range(4)
    ]
    assert sizes == [100, 100, 50, 0]  # never more than the limit per start, nothing missed
    with db.session() as s:
        assert s.scalar(select(func.count()).where(Inspection.purged_at.is_(None))) == 0
        assert s.scalar(select(func.count()).where(PersonCheck.id_hash.is_not(None))) == 0
    db.dispose()


def test_policy_sets_retention_and_the_purge_command_uses_it(tmp_path: Path) -> None:
    policy = Policy.load()
    assert policy.retention == timedelta(days=30) and policy.store_raw_payloads is False
    custom = tmp_path / "policy.toml"
    default = Path(Policy.load().source).read_text(encoding="utf-8")
    custom.write_text(default.replace("retention_days = 30", "retention_days = 7"), "utf-8")
    assert Policy.load(custom).retention == timedelta(days=7)
    bad = tmp_path / "bad.toml"
    bad.write_text(default.replace("retention_days = 30", "retention_days = 0"), "utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "checkpoint", "purge"],
        capture_output=True,
        text=True,
        env={**os.environ, "CHECKPOINT_CONFIG": str(tmp_path / "s.toml")},
        timeout=120,
    )
    assert proc.returncode == 0 and "Purged personal data of 0 inspections" in proc.stdout
    (tmp_path / "s.toml").write_text(f'[checkpoint]\npolicy_file = "{bad.as_posix()}"\n', "utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "checkpoint", "purge"],
        capture_output=True,
        text=True,
        env={**os.environ, "CHECKPOINT_CONFIG": str(tmp_path / "s.toml")},
        timeout=120,
    )
    assert proc.returncode != 0 and "retention_days" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
