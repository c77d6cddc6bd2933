"""Books that show every change, on SQLite and the real PostgreSQL: every write to a vehicle's
record or to staff carries a digest in the audit chain; plain-SQL edits, cut-off and rewritten
chain ends are found with the first broken place; the handover report carries the chain head,
which the anchor log keeps and `audit verify --anchor` accepts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from checkpoint.config import Settings
from checkpoint.demo.seeder import DemoSeedRefused, seed
from checkpoint.domain import Disposition, Occupant, Role, VehicleType, Verdict
from checkpoint.reports.data import report_json
from checkpoint.reports.service import ReportKind, ReportRequest, make_report
from checkpoint.storage import anchors, audit, audit_rows
from checkpoint.storage.db import Database, open_database
from checkpoint.storage.inspections import InspectionStore, PersonEntry
from checkpoint.storage.models import AuditEvent, Inspection, Site, StaffMember
from checkpoint.team.auth import set_secret
from checkpoint.team.rota import open_shift
from checkpoint.team.site import ensure_place
from checkpoint.team.staff import add_staff

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2022, 4, 18)
T0 = datetime(2022, 4, 18, 9, 0, tzinfo=SH)


@dataclass
class Books:
    db: Database
    settings: Settings
    site_id: uuid.UUID
    lane_id: uuid.UUID
    leader: StaffMember
    guide: StaffMember
    vehicles: list[uuid.UUID]


def _vehicle(desk: InspectionStore, shift_id: uuid.UUID, b: Books, at: datetime) -> uuid.UUID:
    iid = desk.guide(
        shift_id, plate="浙A12345", vehicle_type=VehicleType.CAR, people_count=1,
        staff=b.guide, at=at,
    )  # fmt: skip
    desk.add_person(
        iid, PersonEntry(Occupant.DRIVER, Verdict.ATTENTION, Disposition.TEST_LANE),
        at=at, staff=b.guide,
    )  # fmt: skip
    desk.finish_verify(
        iid, suggested=Disposition.TEST_LANE, reasons=[], report_to_community=False,
        policy_version="t", staff=b.leader, at=at + timedelta(seconds=20),
    )  # fmt: skip
    desk.record(iid, staff=b.leader, at=at + timedelta(seconds=30))
    desk.divert(iid, Disposition.TEST_LANE, staff=b.leader, at=at + timedelta(seconds=40))
    return iid


@pytest.fixture
def books(db_url: str, tmp_path: Path) -> Iterator[Books]:
    settings = Settings(data_dir=tmp_path / "data", db_url=db_url)
    settings.ensure_data_dir()
    db = open_database(db_url)
    with db.session() as s:
        place = ensure_place(s, settings)
        leader = add_staff(s, place.site, "王建国", Role.LEADER)
        guide = add_staff(s, place.site, "刘洋", Role.GUIDE)
        set_secret(s, leader, "1357")
        shift = open_shift(s, place.site, leader=leader, tz=SH, duty_date=DAY, number=2)
        b = Books(db, settings, place.site.id, place.lane.id, leader, guide, [])
        shift_id = shift.id
    desk = InspectionStore(db, b.lane_id)
    b.vehicles = [_vehicle(desk, shift_id, b, T0 + timedelta(minutes=i)) for i in range(3)]
    yield b
    db.dispose()


def _verify(b: Books, anchors_: list[audit.Anchor] | None = None) -> audit.ChainReport:
    with b.db.session() as s:
        return audit_rows.verify_books(s, b.site_id, anchors=anchors_ or [])


def _sql(b: Books, statement: str, **params: object) -> None:
    with b.db.engine.begin() as conn:
        conn.execute(text(statement), params)


def _uid(b: Books, value: uuid.UUID) -> object:
    """A UUID as the database stores it (hex text on SQLite)."""
    return value.hex if b.db.engine.dialect.name == "sqlite" else value


def _last_digest_seq(b: Books, subject: str) -> int:
    with b.db.session() as s:
        return int(
            s.scalar(
                select(AuditEvent.seq)
                .where(AuditEvent.subject == subject)
                .order_by(AuditEvent.seq.desc())
                .limit(1)
            )
            or 0
        )


def test_every_step_and_staff_change_is_vouched_for(books: Books) -> None:
    report = _verify(books)
    assert report.ok, report.reason
    assert report.records == 3 + 2  # three vehicles, two staff members
    with books.db.session() as s:
        subjects = {
            e.subject for e in audit.events(s, books.site_id) if e.action.startswith("row.")
        }
    assert {f"inspection:{i}" for i in books.vehicles} <= subjects
    assert f"staff:{books.leader.id}" in subjects


def test_plain_sql_disposition_change_is_found_at_its_event(books: Books) -> None:
    target = books.vehicles[1]
    seq = _last_digest_seq(books, f"inspection:{target}")
    _sql(
        books, "UPDATE inspection SET final_disposition = 'release' WHERE id = :id",
        id=_uid(books, target),
    )  # fmt: skip
    report = _verify(books)
    assert not report.ok and report.first_broken_seq == seq
    assert str(target) in (report.reason or "") and "changed outside" in (report.reason or "")


@pytest.mark.parametrize(
    ("statement", "fragment"),
    [
        ("UPDATE person_check SET verdict = 'pass'", "changed outside"),
        ("UPDATE credential_scan SET signature = 'valid'", "changed outside"),
        ("DELETE FROM person_check", "changed outside"),
    ],
)
def test_edits_of_people_and_scans_are_found(books: Books, statement: str, fragment: str) -> None:
    if "credential_scan" in statement:
        with books.db.session() as s:  # give the first vehicle a scan row to edit
            from checkpoint.storage.models import CredentialScan

            s.add(
                CredentialScan(
                    inspection_id=books.vehicles[0], scanned_at=T0, format="CKP1",
                    signature="invalid", validity="valid", fingerprint="ab" * 32,
                )
            )  # fmt: skip
        assert _verify(books).ok
    _sql(books, statement)
    report = _verify(books)
    assert not report.ok and fragment in (report.reason or "")


def test_staff_role_and_pin_hash_edits_are_found_but_lock_counters_are_not(books: Books) -> None:
    _sql(books, "UPDATE staff_member SET failed_attempts = 3, lockouts = 1")
    assert _verify(books).ok  # counters change with every wrong PIN (docs/privacy.md)
    _sql(books, "UPDATE staff_member SET role = 'admin' WHERE name = '刘洋'")
    report = _verify(books)
    assert not report.ok and str(books.guide.id) in (report.reason or "")
    _sql(books, "UPDATE staff_member SET role = 'guide' WHERE name = '刘洋'")
    assert _verify(books).ok  # put back exactly: matches again
    _sql(books, "UPDATE staff_member SET secret_hash = 'x' WHERE name = '王建国'")
    report = _verify(books)
    assert not report.ok and str(books.leader.id) in (report.reason or "")


def test_deleted_and_inserted_records_are_found(books: Books) -> None:
    gone = books.vehicles[2]
    for table in ("credential_scan", "person_check", "correction"):
        _sql(books, f"DELETE FROM {table} WHERE inspection_id = :id", id=_uid(books, gone))
    _sql(books, "DELETE FROM inspection WHERE id = :id", id=_uid(books, gone))
    report = _verify(books)
    assert not report.ok and "deleted outside" in (report.reason or "")
    assert report.first_broken_seq == _last_digest_seq(books, f"inspection:{gone}")


def test_a_cut_off_chain_end_fails_against_the_anchor_log_and_anchor(books: Books) -> None:
    doc = make_report(books.db, books.settings, ReportRequest(ReportKind.SHIFT, DAY, 2))
    head = doc.report.audit_head
    assert head is not None and report_json(doc.report)["audit_head"] == head.hash
    logged = anchors.read(books.settings.data_dir, books.site_id)
    assert [(a.hash, a.seq) for a in logged] == [(head.hash, head.seq)]
    assert _verify(books, logged).ok
    # Cut the last three events and make the head row agree: the chain alone looks intact.
    _sql(books, "DELETE FROM audit_event WHERE seq > :n", n=head.seq - 3)
    with books.db.session() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        new_seq, new_hash = last.seq, last.hash
    _sql(books, "UPDATE audit_head SET seq = :seq, hash = :h", seq=new_seq, h=new_hash)
    by_log = _verify(books, logged)
    assert not by_log.ok and by_log.first_broken_seq == head.seq - 2
    assert "cut off the end" in (by_log.reason or "")
    by_paper = _verify(books, [audit.Anchor(head.hash)])
    assert not by_paper.ok and "not in the chain" in (by_paper.reason or "")


def test_a_rewritten_chain_end_fails_against_the_anchor(books: Books) -> None:
    with books.db.session() as s:
        head = audit.head(s, books.site_id)
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        forged_detail = {**last.detail, "forged": True}
        forged = audit.event_hash(
            site_id=last.site_id, seq=last.seq, at=last.at, actor_id=last.actor_id,
            action=last.action, subject=last.subject, detail=forged_detail,
            prev_hash=last.prev_hash,
        )  # fmt: skip
        last.detail = forged_detail
        last.hash = forged
        s.execute(text("UPDATE audit_head SET hash = :h"), {"h": forged})
    assert _verify(books).ok  # internally consistent ...
    report = _verify(books, [audit.Anchor(head.hash, head.seq, "the handover report")])
    assert not report.ok and report.first_broken_seq == head.seq  # ... but not the anchor
    assert "differs from the handover report" in (report.reason or "")


def test_handover_pdf_prints_the_chain_head(books: Books) -> None:
    import io

    from pypdf import PdfReader

    doc = make_report(books.db, books.settings, ReportRequest(ReportKind.SHIFT, DAY, 2))
    assert doc.report.audit_head is not None
    words = "".join(p.extract_text() for p in PdfReader(io.BytesIO(doc.pdf)).pages)
    assert doc.report.audit_head.hash in words.replace("\n", "")


def test_demo_seed_writes_audit_events_and_refuses_real_books(db_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", db_url=db_url)
    settings.ensure_data_dir()
    db = open_database(db_url)
    try:
        stats = seed(db, settings, days=1, vehicles_per_day=30, seed_value=5, start=DAY)
        with db.session() as s:
            site = s.scalars(select(Site)).one()
            digests = [e for e in audit.events(s, site.id) if e.action == "row.inspection"]
            assert len({e.subject for e in digests}) == stats.inspections == 30
            report = audit_rows.verify_books(s, site.id)
            assert report.ok and report.records >= 30
            member = s.scalars(select(StaffMember)).first()
            assert member is not None
            set_secret(s, member, "2468")
        with pytest.raises(DemoSeedRefused, match="accounts"):
            seed(db, settings, days=1, vehicles_per_day=5, seed_value=6, start=DAY)
        with db.session() as s:
            s.execute(text("UPDATE staff_member SET secret_hash = NULL"))
            s.execute(text("UPDATE inspection SET demo = :f"), {"f": False})
        with pytest.raises(DemoSeedRefused, match="real inspection records"):
            seed(db, settings, days=1, vehicles_per_day=5, seed_value=6, start=DAY)
        with db.session() as s:
            assert s.query(Inspection).count() == 30
    finally:
        db.dispose()


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "checkpoint", *args],
        capture_output=True, text=True, env={**os.environ, **env}, timeout=120,
    )  # fmt: skip


def test_cli_audit_verify_json_head_anchor_and_cut(books: Books, tmp_path: Path) -> None:
    url = books.db.url
    env = {"CHECKPOINT_DATA_DIR": str(books.settings.data_dir)}
    ok = _cli("audit", "verify", "--json", "--db", url, **env)
    assert ok.returncode == 0, ok.stderr
    head = json.loads(ok.stdout)["head"]
    assert anchors.is_digest(head)
    again = _cli("audit", "verify", "--json", "--anchor", head, "--db", url, **env)
    assert json.loads(again.stdout)["ok"] is True
    _sql(books, "DELETE FROM audit_event WHERE seq = (SELECT MAX(seq) FROM audit_event)")
    with books.db.session() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        seq, digest = last.seq, last.hash
    _sql(books, "UPDATE audit_head SET seq = :s, hash = :h", s=seq, h=digest)
    cut = _cli("audit", "verify", "--anchor", head, "--db", url, **env)
    assert cut.returncode != 0 and "Traceback" not in cut.stderr
    assert len(cut.stderr.strip().splitlines()) == 1 and "not in the chain" in cut.stderr
    bad = _cli("audit", "verify", "--anchor", "xyz", "--db", url, **env)
    assert bad.returncode != 0 and "not a chain head" in bad.stderr


# --- one claim per step, digests from the objects in hand -------------------------------------


def _desk(books: Books) -> tuple[InspectionStore, uuid.UUID]:
    """A desk on the books' lane and the shift its vehicles were recorded in."""
    with books.db.session() as s:
        shift_id = s.scalars(select(Inspection.shift_id)).first()
    assert shift_id is not None
    return InspectionStore(books.db, books.lane_id), shift_id


def _guided(
    books: Books,
    plate: str,
    at: datetime,
    vehicle_type: VehicleType = VehicleType.CAR,
    people_count: int = 1,
    origin: str | None = None,
    destination: str | None = None,
) -> tuple[InspectionStore, uuid.UUID]:
    """A desk on the books' lane and a vehicle it has just guided in."""
    desk, shift_id = _desk(books)
    iid = desk.guide(
        shift_id,
        plate=plate,
        vehicle_type=vehicle_type,
        people_count=people_count,
        staff=books.guide,
        at=at,
        origin=origin,
        destination=destination,
    )
    return desk, iid


def _statements(db: Database) -> list[str]:
    from sqlalchemy import event

    seen: list[str] = []

    def note(_conn: object, _cur: object, statement: str, *_rest: object) -> None:
        seen.append(" ".join(statement.split()).lower())

    event.listen(db.engine, "before_cursor_execute", note)
    return seen


def _newest_digests(db: Database, site_id: uuid.UUID) -> dict[str, str | None]:
    with db.session() as s:
        return {
            e.subject.split(":", 1)[1]: e.detail.get("digest")
            for e in audit.events(s, site_id)
            if e.action == "row.inspection" and e.subject
        }


def _read_back(db: Database, ident: uuid.UUID) -> str:
    with db.session() as s:
        return audit_rows.inspection_digests(s, [ident])[ident][1]


def test_a_step_claims_the_chain_once_and_reads_no_child_rows_back(books: Books) -> None:
    desk, shift_id = _desk(books)
    seen = _statements(books.db)
    at = T0 + timedelta(minutes=30)
    per_step: dict[str, list[str]] = {}
    iid = desk.guide(
        shift_id, plate="浙A54321", vehicle_type=VehicleType.CAR, people_count=1,
        staff=books.guide, at=at,
    )  # fmt: skip
    per_step["guide"], seen[:] = list(seen), []
    entry = PersonEntry(Occupant.DRIVER, Verdict.PASS, Disposition.RELEASE, temperature=36.4)
    desk.add_person(iid, entry, at=at, staff=books.guide)
    per_step["add_person"], seen[:] = list(seen), []
    desk.finish_verify(iid, staff=books.leader, at=at + timedelta(seconds=5))
    per_step["verify"], seen[:] = list(seen), []
    desk.record(iid, staff=books.leader, at=at + timedelta(seconds=9))
    per_step["record"], seen[:] = list(seen), []
    desk.divert(iid, Disposition.RELEASE, staff=books.leader, at=at + timedelta(seconds=12))
    per_step["divert"], seen[:] = list(seen), []
    for step, statements in per_step.items():
        claims = [q for q in statements if q.startswith("update audit_head set seq")]
        inserts = [q for q in statements if q.startswith("insert into audit_event")]
        assert len(claims) == 1 and len(inserts) == 1, (step, statements)
        reads = [
            q for q in statements
            if q.startswith("select") and ("from credential_scan" in q or "from correction" in q)
        ]  # fmt: skip
        assert reads == [], (step, reads)
    with books.db.session() as s:
        mine = [e for e in audit.events(s, books.site_id) if e.subject == str(iid)]
        digests = [e for e in audit.events(s, books.site_id) if e.subject == f"inspection:{iid}"]
    # each step's event sits right before the digest of the record it wrote
    assert [e.seq + 1 for e in mine] == [d.seq for d in digests]
    assert _newest_digests(books.db, books.site_id)[str(iid)] == _read_back(books.db, iid)
    report = _verify(books)
    assert report.ok, report.reason


def test_digests_made_from_the_objects_in_hand_match_the_rows_read_back(books: Books) -> None:
    from checkpoint.storage.inspections import ScanRecord
    from checkpoint.storage.models import Correction

    at = T0 + timedelta(minutes=40)
    desk, iid = _guided(books, "浙B12345", at, VehicleType.TRUCK, 3, "江苏省", "杭州")

    def scan(n: int) -> ScanRecord:
        return ScanRecord("CKP1", "checkpoint-pass", "DEMO", "valid", "valid", f"{n:02x}" * 32,
                          demo=True, errors=("a", "b"))  # fmt: skip

    def same() -> None:
        assert _newest_digests(books.db, books.site_id)[str(iid)] == _read_back(books.db, iid)

    same()
    driver = desk.add_person(
        iid,
        PersonEntry(Occupant.DRIVER, Verdict.PASS, Disposition.RELEASE, temperature=37,
                    findings={"t": (1, 2.5), "k": {"x": None}}, scans=(scan(1), scan(2)),
                    name_masked="张*", id_hash="ab" * 32, id_masked="3301**********1234"),
        at=at, staff=books.guide,
    )  # fmt: skip
    same()
    extra = desk.add_person(
        iid, PersonEntry(Occupant.PASSENGER, Verdict.PASS, Disposition.RELEASE, scans=(scan(3),)),
        at=at, staff=books.guide,
    )  # fmt: skip
    same()
    desk.update_person(
        iid, driver,
        PersonEntry(Occupant.DRIVER, Verdict.ATTENTION, Disposition.TEST_LANE, temperature=37.6,
                    reasons=({"code": "fever"},)),
        new_scans=(scan(4),), staff=books.guide, at=at + timedelta(seconds=3),
    )  # fmt: skip
    same()
    desk.remove_person(iid, extra, reason="扫错了", staff=books.guide, at=at)
    same()
    with books.db.session() as s:  # a correction written with the record in hand
        insp = s.get(Inspection, iid)
        assert insp is not None
        s.add(Correction(inspection_id=iid, field="plate", old_value="浙B12345",
                         new_value="浙B12346", reason="看错", staff_id=books.leader.id,
                         at=at))  # fmt: skip
        insp.plate = "浙B12346"
    same()
    desk.finish_verify(iid, staff=books.leader, at=at - timedelta(seconds=30))  # clock set back
    same()
    desk.reopen_verify(iid, staff=books.leader, reason="车型更正")
    same()
    desk.finish_verify(iid, staff=books.leader, at=at + timedelta(seconds=40))
    desk.record(iid, staff=books.leader, at=at + timedelta(seconds=50))
    desk.divert(
        iid, Disposition.RELEASE, staff=books.guide, override_reason="复测正常",
        approved_by=books.leader, at=at + timedelta(seconds=60),
    )  # fmt: skip
    same()
    report = _verify(books)
    assert report.ok, report.reason


def test_a_plain_sql_edit_between_two_steps_is_not_vouched_for_by_the_next(books: Books) -> None:
    at = T0 + timedelta(minutes=50)
    desk, iid = _guided(books, "浙A77777", at)
    desk.add_person(
        iid, PersonEntry(Occupant.DRIVER, Verdict.PASS, Disposition.RELEASE), at=at,
        staff=books.guide,
    )  # fmt: skip
    _sql(books, "UPDATE person_check SET temperature = 35.0 WHERE inspection_id = :id",
         id=_uid(books, iid))  # fmt: skip
    desk.finish_verify(iid, staff=books.leader, at=at + timedelta(seconds=5))
    report = _verify(books)
    assert not report.ok and str(iid) in (report.reason or "")
    assert report.first_broken_seq == _last_digest_seq(books, f"inspection:{iid}")


def test_a_record_purged_in_bulk_is_read_back_at_its_next_write(books: Books) -> None:
    from checkpoint.storage import retention

    at = T0 + timedelta(minutes=20)
    desk, target = _guided(books, "浙A66666", at)
    desk.add_person(
        target, PersonEntry(Occupant.DRIVER, Verdict.PASS, Disposition.RELEASE, temperature=36.6,
                            name_masked="张*", findings={"temperature": 36.6}),
        at=at, staff=books.guide,
    )  # fmt: skip
    with books.db.session() as s:
        done = retention.purge(s, books.site_id, retention=timedelta(days=1),
                               now=T0 + timedelta(days=3))  # fmt: skip
    assert done.inspections == 4
    with books.db.session() as s:  # the next write holds the record; its person was purged
        insp = s.get(Inspection, target)
        assert insp is not None and insp.plate != "浙A66666"
        insp.destination = "杭州"
    assert _newest_digests(books.db, books.site_id)[str(target)] == _read_back(books.db, target)
    report = _verify(books)
    assert report.ok, report.reason
