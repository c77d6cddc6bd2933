"""Whole vehicles through guide → verify → record → divert, driven as a person would, checked
against the database rows."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from desk_helpers import settle
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from checkpoint.cli.common import open_db
from checkpoint.config import Settings, load_settings
from checkpoint.demo.passes import DemoPerson, mint_demo_passes
from checkpoint.domain import CodeColour, Disposition, Step, VehicleType, Verdict
from checkpoint.errors import StorageError
from checkpoint.storage.db import Database
from checkpoint.storage.models import Correction, CredentialScan, Inspection, PersonCheck, utcnow
from scanners import CodesDecoded, DecodedCode
from ui.main_window import MainWindow


@pytest.fixture
def env() -> Iterator[tuple[Database, Settings]]:
    settings = load_settings(demo=True)
    db = open_db(settings)
    yield db, settings
    db.dispose()


def make_window(qtbot: QtBot, db: Database, settings: Settings, **kw: object) -> MainWindow:
    kw.setdefault("camera", False)
    w = MainWindow(db, settings, demo=True, muted=True, dark=False, **kw)  # type: ignore[arg-type]
    qtbot.addWidget(w)
    w.show()
    w.demo_sign_in()
    settle(qtbot, w)
    return w


def codes(*texts: str) -> CodesDecoded:
    """Decoded codes as the pipeline reports them (the bridge's codesDecoded payload)."""
    now = time.monotonic()
    return CodesDecoded(
        codes=tuple(
            DecodedCode(t, t.encode(), ((0, 0), (10, 0), (10, 10), (0, 10)), "test")
            for t in texts
        ),
        frame_seq=1, captured_at=now, decoded_at=now, ms=1.0,
    )  # fmt: skip


def guide(qtbot: QtBot, w: MainWindow, rest: str, people: int,
          vtype: VehicleType = VehicleType.CAR) -> None:  # fmt: skip
    s = w.screen_
    assert s is not None
    qtbot.keyClicks(s.guide.plate_edit, rest)  # ASCII only: the province is picked by button
    for _ in range(people - 1):
        qtbot.mouseClick(s.guide.plus, Qt.MouseButton.LeftButton)
        settle(qtbot, w)
    qtbot.mouseClick(s.guide.type_buttons[vtype], Qt.MouseButton.LeftButton)
    settle(qtbot, w)
    qtbot.keyClick(s.guide.plate_edit, Qt.Key.Key_Return)
    settle(qtbot, w)
    assert s.state.step is Step.VERIFY, s.error_bar.text()


def rows(db: Database, plate: str) -> tuple[Inspection, list[PersonCheck], list[CredentialScan]]:
    with db.session() as s:
        insp = s.scalars(select(Inspection).where(Inspection.plate == plate)).one()
        people = list(s.scalars(select(PersonCheck).where(PersonCheck.inspection_id == insp.id)
                                .order_by(PersonCheck.seq)))  # fmt: skip
        scans = list(s.scalars(select(CredentialScan).where(
            CredentialScan.inspection_id == insp.id)))  # fmt: skip
        return insp, people, scans


def test_green_car_from_the_synthetic_camera_is_released(
    qtbot: QtBot, env: tuple[Database, Settings]
) -> None:
    db, settings = env
    w = make_window(qtbot, db, settings, camera=True)
    s = w.screen_
    assert s is not None and w.feed is not None
    guide(qtbot, w, "A12345", 2)
    # the demo camera now shows two phones with fresh DEMO passes; scans arrive by themselves
    qtbot.waitUntil(lambda: s.state.step is Step.RECORD, timeout=20_000)
    assert s.camera.frames > 0
    qtbot.keyClick(s, Qt.Key.Key_Return)  # record
    settle(qtbot, w)
    qtbot.keyClick(s, Qt.Key.Key_Return)  # divert: take the suggestion
    settle(qtbot, w)
    w.shutdown()
    insp, people, scans = rows(db, "浙A12345")
    assert insp.status == "done" and insp.final_disposition == Disposition.RELEASE.value
    assert insp.suggested_disposition == Disposition.RELEASE.value and insp.demo
    assert [p.verdict for p in people] == [Verdict.PASS.value] * 2
    assert [p.occupant for p in people] == ["driver", "passenger"]
    assert len(scans) == 2 and all(sc.demo and sc.signature == "valid" for sc in scans)
    assert s.state.step is Step.GUIDE and s.state.last == ("浙A12345", Disposition.RELEASE)


def test_a_green_car_with_two_people_takes_at_most_three_actions_after_scanning(
    qtbot: QtBot, env: tuple[Database, Settings]
) -> None:
    db, settings = env
    w = make_window(qtbot, db, settings)
    s = w.screen_
    assert s is not None
    guide(qtbot, w, "B12345", 2)
    passes = mint_demo_passes("浙B12345", [DemoPerson(), DemoPerson()], utcnow())
    w.deliver_codes(codes(*passes))
    settle(qtbot, w)
    actions = 0
    while s.state.step is not Step.GUIDE and actions < 5:
        qtbot.keyClick(s, Qt.Key.Key_Return)
        settle(qtbot, w)
        actions += 1
    assert actions <= 3
    insp, people, _ = rows(db, "浙B12345")
    assert insp.final_disposition == "release" and insp.record_at and insp.divert_at
    assert len(people) == 2
    assert w.sounds.played.count("pass") >= 2


def test_manual_findings_yellow_code_goes_to_the_test_lane(
    qtbot: QtBot, env: tuple[Database, Settings]
) -> None:
    db, settings = env
    w = make_window(qtbot, db, settings)
    s = w.screen_
    assert s is not None
    guide(qtbot, w, "C12345", 1)
    w.deliver_codes(codes("https://jkm.example.gov.cn/qr?id=88"))
    settle(qtbot, w)
    assert "未核验" in s.verify.rows[0].detail.text()  # cannot be verified offline: says so
    assert s.state.step is Step.VERIFY
    qtbot.mouseClick(s.verify.colour_buttons[CodeColour.YELLOW], Qt.MouseButton.LeftButton)
    settle(qtbot, w)
    qtbot.mouseClick(s.verify.no_star_button, Qt.MouseButton.LeftButton)
    settle(qtbot, w)
    qtbot.mouseClick(s.verify.test_buttons[48], Qt.MouseButton.LeftButton)
    settle(qtbot, w)
    qtbot.keyClicks(s.verify.temp_edit, "36.6")
    qtbot.keyClick(s.verify.temp_edit, Qt.Key.Key_Return)  # records the temperature only
    settle(qtbot, w)
    assert s.state.step is Step.VERIFY
    qtbot.keyClick(s.verify.finish_button, Qt.Key.Key_Return)
    settle(qtbot, w)
    qtbot.keyClick(s, Qt.Key.Key_Return)
    settle(qtbot, w)
    assert "核酸检测通道" in s.divert.banner.text()
    qtbot.keyClick(s, Qt.Key.Key_Return)
    settle(qtbot, w)
    insp, people, scans = rows(db, "浙C12345")
    assert insp.final_disposition == Disposition.TEST_LANE.value
    assert insp.report_to_community
    (p,) = people
    assert p.manual and p.code_colour == "yellow" and p.temperature == pytest.approx(36.6)
    assert p.verdict == Verdict.ATTENTION.value and p.findings["manual"]["test_hours"] == 48
    assert scans[0].format == "unknown"


def test_a_truck_without_a_goods_pass_is_persuaded_to_return(
    qtbot: QtBot, env: tuple[Database, Settings]
) -> None:
    db, settings = env
    w = make_window(qtbot, db, settings)
    s = w.screen_
    assert s is not None
    guide(qtbot, w, "D12345", 1, VehicleType.TRUCK)
    (driver,) = mint_demo_passes("浙D12345", [DemoPerson()], utcnow())  # health code, no pass
    w.deliver_codes(codes(driver))
    settle(qtbot, w)
    assert s.state.step is Step.VERIFY  # a stop never moves on by itself
    assert w.sounds.played[-1] == "stop"
    for _ in range(3):
        qtbot.keyClick(s, Qt.Key.Key_Return)
        settle(qtbot, w)
    insp, people, _ = rows(db, "浙D12345")
    assert insp.vehicle_type == "truck"
    # typing the plate marked when the guide began: the guide step has a duration
    assert insp.guide_started_at is not None and insp.guide_at is not None
    assert insp.guide_started_at <= insp.guide_at
    assert insp.final_disposition == Disposition.PERSUADE_RETURN.value
    assert any(r["code"] == "GOODS_PASS_MISSING" for r in insp.reasons)
    assert people[0].verdict == Verdict.STOP.value


def test_a_truck_with_its_pass_is_released(qtbot: QtBot, env: tuple[Database, Settings]) -> None:
    db, settings = env
    w = make_window(qtbot, db, settings)
    s = w.screen_
    assert s is not None
    guide(qtbot, w, "E12345", 1, VehicleType.TRUCK)
    (driver,) = mint_demo_passes("浙E12345", [DemoPerson(goods_pass=True)], utcnow())
    w.deliver_codes(codes(driver))
    settle(qtbot, w)
    assert s.state.step is Step.RECORD
    qtbot.keyClick(s, Qt.Key.Key_Return)
    settle(qtbot, w)
    qtbot.keyClick(s, Qt.Key.Key_Return)
    settle(qtbot, w)
    insp, _, _ = rows(db, "浙E12345")
    assert insp.final_disposition == "release"


def test_an_override_needs_a_reason_and_keeps_it(
    qtbot: QtBot, env: tuple[Database, Settings]
) -> None:
    db, settings = env
    w = make_window(qtbot, db, settings)
    s = w.screen_
    assert s is not None
    guide(qtbot, w, "F12345", 1)
    w.deliver_codes(codes(*mint_demo_passes("浙F12345", [DemoPerson()], utcnow())))
    settle(qtbot, w)
    qtbot.keyClick(s, Qt.Key.Key_Return)  # record
    settle(qtbot, w)
    assert s.state.step is Step.DIVERT
    qtbot.keyClick(s, Qt.Key.Key_F2)  # test lane instead of release
    settle(qtbot, w)
    qtbot.keyClick(s.divert.override_reason, Qt.Key.Key_Return)
    settle(qtbot, w)
    assert s.error_bar.isVisible() and s.state.step is Step.DIVERT
    insp, _, _ = rows(db, "浙F12345")
    assert insp.status == "open" and insp.step == "divert"
    qtbot.keyClicks(s.divert.override_reason, "driver coughing")
    qtbot.keyClick(s.divert.override_reason, Qt.Key.Key_Return)
    settle(qtbot, w)
    insp, _, _ = rows(db, "浙F12345")
    assert insp.final_disposition == "test_lane" and insp.suggested_disposition == "release"
    assert insp.override_reason == "driver coughing" and insp.status == "done"


def test_a_correction_on_the_record_step_keeps_who_and_why(
    qtbot: QtBot, env: tuple[Database, Settings]
) -> None:
    db, settings = env
    w = make_window(qtbot, db, settings)
    s = w.screen_
    assert s is not None
    guide(qtbot, w, "G12345", 1)
    w.deliver_codes(codes(*mint_demo_passes("浙G12345", [DemoPerson()], utcnow())))
    settle(qtbot, w)
    assert s.state.step is Step.RECORD
    s.record.correct_field.setCurrentIndex(s.record.correct_field.findData("destination"))
    s.record.correct_value.setText("寿昌镇")  # non-ASCII: set directly
    s.record.correct_reason.setText("司机更正目的地")
    qtbot.mouseClick(s.record.correct_button, Qt.MouseButton.LeftButton)
    settle(qtbot, w)
    assert "寿昌镇" in s.record.summary.text()
    with db.session() as sess:
        (c,) = sess.scalars(select(Correction)).all()
        assert (c.field, c.old_value, c.new_value, c.reason) == (
            "destination", None, "寿昌镇", "司机更正目的地")  # fmt: skip
        assert c.staff_id == w.session.staff.id  # type: ignore[union-attr]


def test_correcting_car_to_truck_judges_the_people_again(
    qtbot: QtBot, env: tuple[Database, Settings]
) -> None:
    db, settings = env
    w = make_window(qtbot, db, settings)
    s = w.screen_
    assert s is not None
    guide(qtbot, w, "J12345", 1)
    w.deliver_codes(codes(*mint_demo_passes("浙J12345", [DemoPerson()], utcnow())))
    settle(qtbot, w)
    assert s.state.step is Step.RECORD  # a green car: verify finished by itself
    s.record.correct_field.setCurrentIndex(s.record.correct_field.findData("vehicle_type"))
    s.record.correct_type.setCurrentIndex(s.record.correct_type.findData("truck"))  # a choice
    s.record.correct_reason.setText("引导员选错车型")
    qtbot.mouseClick(s.record.correct_button, Qt.MouseButton.LeftButton)
    settle(qtbot, w)
    # A truck's driver needs a goods-vehicle pass: back on verify, and a stop never moves on
    assert s.state.step is Step.VERIFY
    assert s.state.people[0].view.verdict is Verdict.STOP
    qtbot.keyClick(s, Qt.Key.Key_Return)  # finish verify with the new verdict
    settle(qtbot, w)
    assert s.state.step is Step.RECORD
    insp, people, _ = rows(db, "浙J12345")
    assert insp.vehicle_type == "truck"
    assert insp.suggested_disposition == Disposition.PERSUADE_RETURN.value
    assert people[0].verdict == Verdict.STOP.value
    assert any(r["code"] == "GOODS_PASS_MISSING" for r in people[0].reasons)
    with db.session() as sess:
        (c,) = sess.scalars(select(Correction)).all()
        assert (c.field, c.old_value, c.new_value) == ("vehicle_type", "car", "truck")


def test_a_full_name_on_a_credential_is_masked_on_screen_and_in_the_database(
    qtbot: QtBot, env: tuple[Database, Settings], shared_data: Path
) -> None:
    vector = json.loads((shared_data / "dcc-testdata/common/2DCode/raw/CO1.json").read_text())
    full = f"{vector['JSON']['nam']['fn']} {vector['JSON']['nam']['gn']}"
    db, settings = env
    w = make_window(qtbot, db, settings)
    s = w.screen_
    assert s is not None
    guide(qtbot, w, "K12345", 1)
    w.deliver_codes(codes(vector["PREFIX"]))  # an EU DCC with the holder's full name
    settle(qtbot, w)
    assert s.state.people and s.state.people[0].draft.holder == "M***"
    shown = " ".join(label.text() for label in s.findChildren(QLabel))
    assert "M***" in shown
    assert vector["JSON"]["nam"]["fn"] not in shown and "Gabriele" not in shown
    _, people, _ = rows(db, "浙K12345")
    assert people[0].name_masked == "M***"
    with db.session() as sess:  # nowhere in the person's row
        assert full not in json.dumps(people[0].findings, ensure_ascii=False)
        assert sess.scalar(select(PersonCheck.name_masked)) == "M***"


def test_the_ledger_shows_vehicles_saved_while_it_was_hidden(
    qtbot: QtBot, env: tuple[Database, Settings]
) -> None:
    db, settings = env
    w = make_window(qtbot, db, settings)
    s = w.screen_
    assert s is not None and w.ledger is not None
    before = w.ledger.model.total
    guide(qtbot, w, "M12345", 1)
    w.deliver_codes(codes(*mint_demo_passes("浙M12345", [DemoPerson()], utcnow())))
    settle(qtbot, w)
    qtbot.keyClick(s, Qt.Key.Key_Return)
    settle(qtbot, w)
    qtbot.keyClick(s, Qt.Key.Key_Return)
    settle(qtbot, w)
    assert rows(db, "浙M12345")[0].final_disposition == Disposition.RELEASE.value
    assert w.ledger.model.total == before  # hidden: not re-read on every step
    w.ledger_action.trigger()  # Ctrl+2
    settle(qtbot, w)
    assert w.tabs.currentWidget() is w.ledger
    assert w.ledger.model.total == before + 1
    assert "浙M12345" in [r.plate for r in w.ledger.model.rows]


def test_an_unreadable_code_says_not_verified(qtbot: QtBot, env: tuple[Database, Settings]) -> None:
    db, settings = env
    w = make_window(qtbot, db, settings)
    s = w.screen_
    assert s is not None
    guide(qtbot, w, "H12345", 1)
    w.deliver_codes(codes("CKP1:NOT-A-REAL-PASS"))
    settle(qtbot, w)
    assert "无法读取 = 未核验" in s.verify.rows[0].detail.text()
    _, people, scans = rows(db, "浙H12345")
    assert people[0].verdict != "pass" and scans[0].format == "CKP1"


def test_an_unfinished_inspection_is_where_it_was_after_a_restart(
    qtbot: QtBot, env: tuple[Database, Settings]
) -> None:
    db, settings = env
    w = make_window(qtbot, db, settings)
    guide(qtbot, w, "J12345", 2)
    first, second = mint_demo_passes("浙J12345", [DemoPerson(), DemoPerson()], utcnow())
    w.deliver_codes(codes(first))
    settle(qtbot, w)
    w.shutdown()
    w.close()
    w2 = make_window(qtbot, db, settings)
    s2 = w2.screen_
    assert s2 is not None
    assert s2.state.step is Step.VERIFY and s2.state.vehicle is not None
    assert s2.state.vehicle.plate == "浙J12345" and len(s2.verify.rows) == 1
    assert s2.verify.rows[0].title.text().startswith("1.")
    w2.deliver_codes(codes(second))  # the rest of the vehicle goes on as if nothing happened
    settle(qtbot, w2)
    assert s2.state.step is Step.RECORD


def test_a_storage_error_shows_a_message_and_keeps_the_input(
    qtbot: QtBot, env: tuple[Database, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, settings = env
    w = make_window(qtbot, db, settings)
    s = w.screen_
    assert s is not None and w.controller is not None

    def down(*a: object, **k: object) -> None:
        raise StorageError("The database server cannot be reached.")

    monkeypatch.setattr(w.controller.lane.desk, "guide", down)
    qtbot.keyClicks(s.guide.plate_edit, "K12345")
    qtbot.keyClick(s.guide.plate_edit, Qt.Key.Key_Return)
    settle(qtbot, w)
    assert s.error_bar.isVisible() and "cannot be reached" in s.error_bar.text()
    assert s.guide.plate_edit.text() == "K12345" and s.state.step is Step.GUIDE
    assert QApplication.overrideCursor() is None  # the busy cursor is gone again


def test_a_bad_plate_is_explained(qtbot: QtBot, env: tuple[Database, Settings]) -> None:
    db, settings = env
    w = make_window(qtbot, db, settings)
    s = w.screen_
    assert s is not None
    qtbot.keyClicks(s.guide.plate_edit, "AO1234")
    assert "I" in s.guide.plate_check.text() and "O" in s.guide.plate_check.text()
    s.guide.plate_edit.clear()
    qtbot.keyClicks(s.guide.plate_edit, "AD12345")  # 8 characters: new energy
    assert "新能源" in s.guide.plate_check.text()
    qtbot.mouseClick(s.guide.province_buttons["苏"], Qt.MouseButton.LeftButton)
    settle(qtbot, w)
    assert s.guide.plate_text() == "苏AD12345"


def test_code_shown_for_another_vehicle_is_flagged(
    qtbot: QtBot, env: tuple[Database, Settings]
) -> None:
    db, settings = env
    w = make_window(qtbot, db, settings)
    s = w.screen_
    assert s is not None
    (shared,) = mint_demo_passes("浙L12345", [DemoPerson()], utcnow() - timedelta(minutes=1))
    guide(qtbot, w, "L12345", 1)
    w.deliver_codes(codes(shared))
    settle(qtbot, w)
    for _ in range(2):
        qtbot.keyClick(s, Qt.Key.Key_Return)
        settle(qtbot, w)
    guide(qtbot, w, "M12345", 1)
    w.deliver_codes(codes(shared))
    settle(qtbot, w)
    assert s.state.step is Step.VERIFY
    _, people, _ = rows(db, "浙M12345")
    assert any(r["code"] == "CODE_SHARED" for r in people[0].reasons)
