"""The ledger: queries with filters, details, corrections with who and why and permissions."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import QModelIndex
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from checkpoint.cli.common import open_db
from checkpoint.config import load_settings
from checkpoint.domain import Disposition, Occupant, Role, VehicleType, Verdict
from checkpoint.storage import ledger
from checkpoint.storage.db import Database
from checkpoint.storage.inspections import InspectionStore, PersonEntry
from checkpoint.storage.ledger import CorrectionError, LedgerFilter
from checkpoint.storage.models import Inspection, StaffMember
from checkpoint.team.auth import PermissionDenied
from checkpoint.team.rota import open_shift
from checkpoint.team.site import ensure_place
from ui import ledger_view
from ui.jobs import Jobs
from ui.ledger_view import LedgerScreen

DUTY_DATE = date(2022, 4, 18)


def first_vehicle_at(db: Database, shift_id: object) -> datetime:
    with db.session() as s:
        first: datetime = s.scalars(
            select(Inspection.created_at)
            .where(Inspection.shift_id == shift_id)
            .order_by(Inspection.created_at)
        ).first()
        return first


@pytest.fixture
def done() -> Iterator[tuple[Database, object, dict[str, StaffMember], object]]:
    settings = load_settings()
    db = open_db(settings)
    with db.session() as s:
        place = ensure_place(s, settings)
        staff = {}
        for name, role in (("王建国", Role.LEADER), ("徐丽", Role.RECORDER)):
            m = StaffMember(site_id=place.site.id, name=name, role=role.value)
            s.add(m)
            s.flush()
            staff[name] = m
        # a fixed past shift: the fixture must not depend on where "now" falls in the rota
        shift = open_shift(s, place.site, leader=staff["王建国"], tz=settings.tz,
                           duty_date=DUTY_DATE, number=2)  # fmt: skip
        shift_id, lane_id = shift.id, place.lane.id
        now = shift.starts_at + timedelta(hours=1)
    desk = InspectionStore(db, lane_id)
    for i, (plate, d) in enumerate((("浙A11111", Disposition.RELEASE),
                                     ("浙B22222", Disposition.TEST_LANE),
                                     ("苏C33333", Disposition.RELEASE))):  # fmt: skip
        at = now - timedelta(minutes=30 - i)
        iid = desk.guide(shift_id, plate=plate, vehicle_type=VehicleType.CAR, people_count=1,
                         staff=staff["徐丽"], at=at)  # fmt: skip
        desk.add_person(iid, PersonEntry(Occupant.DRIVER, Verdict.PASS, d), at=at,
                        staff=staff["徐丽"])
        desk.finish_verify(iid, suggested=d, reasons=[{"code": "X", "zh": "理由", "en": "why"}],
                           report_to_community=False, policy_version="t", staff=staff["徐丽"],
                           at=at)  # fmt: skip
        desk.record(iid, staff=staff["徐丽"], at=at)
        desk.divert(iid, d, staff=staff["徐丽"], at=at)
    yield db, settings, staff, shift_id
    db.dispose()


def test_filters_by_plate_disposition_and_time(done: tuple) -> None:  # type: ignore[type-arg]
    db, _, _, shift_id = done
    assert ledger.count(db, LedgerFilter(shift_id=shift_id)) == 3
    assert [r.plate for r in ledger.fetch(db, LedgerFilter(shift_id=shift_id, plate="b22"))] == [
        "浙B22222"
    ]
    test_lane = LedgerFilter(shift_id=shift_id, disposition=Disposition.TEST_LANE)
    assert [r.plate for r in ledger.fetch(db, test_lane)] == ["浙B22222"]
    base = first_vehicle_at(db, shift_id)
    recent = LedgerFilter(shift_id=shift_id, since=base + timedelta(minutes=1, seconds=30))
    assert [r.plate for r in ledger.fetch(db, recent)] == ["苏C33333"]
    assert [r.plate for r in ledger.fetch(db, LedgerFilter(shift_id=shift_id), 1, 1)] == [
        "浙B22222"
    ]


def test_a_finished_record_is_corrected_only_by_a_leader_and_keeps_who_and_why(
    done: tuple,  # type: ignore[type-arg]
) -> None:
    db, _, staff, shift_id = done
    row = ledger.fetch(db, LedgerFilter(shift_id=shift_id, plate="A11111"))[0]
    with pytest.raises(PermissionDenied):
        ledger.correct(db, row.id, "plate", "浙A11112", reason="看错", staff=staff["徐丽"])
    with pytest.raises(CorrectionError):
        ledger.correct(db, row.id, "plate", "浙A11112", reason=" ", staff=staff["王建国"])
    with pytest.raises(CorrectionError):
        ledger.correct(db, row.id, "status", "x", reason="r", staff=staff["王建国"])
    ledger.correct(db, row.id, "plate", "浙 A1111·2", reason="看错车牌", staff=staff["王建国"])
    d = ledger.details(db, row.id)
    assert d.row.plate == "浙A11112"
    (c,) = d.corrections
    assert (c.old_value, c.new_value, c.by) == ("浙A11111", "浙A11112", "王建国")
    assert c.reason == "看错车牌"


def test_the_ledger_screen_reads_the_database_and_opens_details(
    qtbot: QtBot,
    done: tuple,  # type: ignore[type-arg]
) -> None:
    db, settings, _, shift_id = done
    jobs = Jobs()  # the window's database thread: every read runs there
    screen = LedgerScreen(db, settings, lang="zh_CN", jobs=jobs)
    qtbot.addWidget(screen)

    def settle() -> None:
        qtbot.waitUntil(lambda: jobs.pending == 0, timeout=20_000)

    try:
        screen.set_shift(shift_id)
        settle()
        assert screen.model.rowCount() == 3 and "3" in screen.count_label.text()
        screen.disposition_filter.setCurrentIndex(
            screen.disposition_filter.findData(Disposition.TEST_LANE.value)
        )
        settle()
        assert screen.model.rowCount() == 1
        qtbot.keyClicks(screen.plate_filter, "C3")
        settle()
        assert screen.model.rowCount() == 0
        screen.plate_filter.clear()
        screen.disposition_filter.setCurrentIndex(0)
        settle()
        assert screen.model.data(screen.model.index(0, 1)) == "苏C33333"
        dialog = screen.open_details(1)
        assert dialog is not None and screen.details_browser is not None
        settle()
        html = screen.details_browser.toHtml()
        assert "浙B22222" in html and "理由" in html and "徐丽" in html
        dialog.close()
    finally:
        jobs.shutdown()


def test_scrolling_down_reads_the_next_page_on_the_database_thread(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    done: tuple,  # type: ignore[type-arg]
) -> None:
    db, settings, _, shift_id = done
    monkeypatch.setattr(ledger_view, "PAGE", 2)  # three vehicles: two pages
    jobs = Jobs()
    # the model on its own: no view asks for the next page before the test does
    model, top = ledger_view.LedgerModel(db, settings, "zh_CN", jobs), QModelIndex()
    try:
        model.set_filter(LedgerFilter(shift_id=shift_id))
        qtbot.waitUntil(lambda: jobs.pending == 0, timeout=20_000)
        assert model.rowCount() == 2 and model.total == 3 and model.canFetchMore(top)
        model.fetchMore(top)
        # asked, not read on the GUI thread: the rows come by signal
        assert model.rowCount() == 2 and model.fetching and not model.canFetchMore(top)
        model.fetchMore(top)  # the view scrolls on meanwhile: nothing more is asked
        assert jobs.pending == 1
        qtbot.waitUntil(lambda: jobs.pending == 0, timeout=20_000)
        assert [r.plate for r in model.rows] == ["苏C33333", "浙B22222", "浙A11111"]
        assert not model.canFetchMore(top)
    finally:
        jobs.shutdown()
