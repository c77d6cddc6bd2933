"""The shift leader's desk through the GUI: corrections, search, back-entry, the team, the
glance and the 136 response, on SQLite and the real PostgreSQL (``db_url``)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from desk_helpers import TIMEOUT_MS, settle, signed_in
from leader_world import TZ, World, make_world
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from checkpoint.domain import CodeColour, Disposition, VehicleType
from checkpoint.storage import ledger
from checkpoint.storage.ledger import LedgerFilter
from ui.main_window import MainWindow
from ui.signin import SignedIn


def _now_in_shift(w: World) -> datetime:
    """A moment a minute ago, inside the open shift."""
    now = datetime.now(TZ)
    return min(now, max(w.start.astimezone(TZ) + timedelta(seconds=5), now - timedelta(minutes=1)))


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    w = make_world(db_url, datetime.now(TZ))
    yield w
    w.db.dispose()


def desk(qtbot: QtBot, w: World, name: str) -> MainWindow:
    """The window with ``name`` signed in on the world's open shift."""
    win = MainWindow(w.db, w.settings, camera=False, muted=True, dark=False)
    qtbot.addWidget(win)
    win.show()
    win.signed_in(SignedIn(w.staff[name], w.shift_id))
    signed_in(qtbot, win)
    return win


def verify_by_eye(qtbot: QtBot, win: MainWindow, plate: str, colours: list[CodeColour]) -> None:
    """Guide a car and check its people by eye, as the screen's buttons do; stops before 录入."""
    c = win.controller
    assert c is not None
    assert c.guide(plate, VehicleType.CAR, len(colours))
    settle(qtbot, win)
    for colour in colours:
        # each reading is saved before the next is taken (a button waits while one saves)
        for act, value in ((c.new_person, None), (c.read_colour, colour), (c.read_star, False),
                           (c.read_test_hours, 20), (c.set_temperature, 36.6)):  # fmt: skip
            assert act() if value is None else act(value)  # type: ignore[operator]
            settle(qtbot, win)
    assert c.finish_verify()
    settle(qtbot, win)


def _row_of(win: MainWindow, plate: str) -> int:
    assert win.ledger is not None
    return [r.plate for r in win.ledger.model.rows].index(plate)


def test_a_leader_corrects_a_finished_record_and_the_details_show_old_and_new(
    qtbot: QtBot, world: World
) -> None:
    world.vehicle("浙A11111", _now_in_shift(world))
    win = desk(qtbot, world, "王建国")
    screen = win.ledger
    assert screen is not None
    win.tabs.setCurrentWidget(screen)
    screen.refresh()
    settle(qtbot, win)
    screen.open_details(_row_of(win, "浙A11111"))
    settle(qtbot, win)
    assert screen.correct_button is not None and screen.correct_button.isEnabled()
    qtbot.mouseClick(screen.correct_button, Qt.MouseButton.LeftButton)
    form = screen.correction_form
    assert form is not None
    form.choose("plate")
    form.value.insert("浙A11112")  # typed (keyClicks is ASCII only)
    qtbot.mouseClick(form.save, Qt.MouseButton.LeftButton)  # no reason: refused, nothing saved
    settle(qtbot, win)
    assert "reason" in form.message.text() or "原因" in form.message.text()
    form.reason.insert("看错车牌")  # typed (keyClicks is ASCII only)
    qtbot.mouseClick(form.save, Qt.MouseButton.LeftButton)
    settle(qtbot, win)
    assert screen.details_browser is not None
    text = screen.details_browser.toPlainText()
    assert "更正记录" in text and "浙A11111" in text and "浙A11112" in text and "看错车牌" in text
    assert "王建国" in text
    assert [r.plate for r in screen.model.rows] == ["浙A11112"]
    screen.details.close()  # type: ignore[union-attr]
    win.shutdown()


def test_a_recorder_gets_no_correction_export_or_back_entry(qtbot: QtBot, world: World) -> None:
    world.vehicle("浙A11111", _now_in_shift(world))
    win = desk(qtbot, world, "徐丽")
    screen = win.ledger
    assert screen is not None
    screen.refresh()
    settle(qtbot, win)
    assert not screen.export_button.isEnabled() and not screen.backentry_button.isEnabled()
    screen.open_details(0)
    settle(qtbot, win)
    assert screen.correct_button is None
    screen.details.close()  # type: ignore[union-attr]
    win.shutdown()


def test_search_across_shifts_by_plate_staff_and_lane_then_export(
    qtbot: QtBot, world: World, tmp_path: Path
) -> None:
    at = _now_in_shift(world)
    world.vehicle("浙A12345", at)
    world.vehicle("苏E12345", at)
    win = desk(qtbot, world, "王建国")
    screen = win.ledger
    assert screen is not None
    settle(qtbot, win)
    qtbot.mouseClick(screen.all_shifts, Qt.MouseButton.LeftButton)
    settle(qtbot, win)
    assert screen.model.total == 2 and screen.model.filter.shift_id is None
    screen.plate_filter.insert("浙A")  # province-aware: not 苏E12345
    settle(qtbot, win)
    assert [r.plate for r in screen.model.rows] == ["浙A12345"]
    screen.plate_filter.clear()
    screen.staff_filter.setCurrentIndex(screen.staff_filter.findText("赵点长 · 点长"))
    settle(qtbot, win)
    assert screen.model.total == 0  # the point chief did no step
    screen.staff_filter.setCurrentIndex(screen.staff_filter.findText("徐丽 · 录入员"))
    screen.lane_filter.setCurrentIndex(1)
    settle(qtbot, win)
    assert screen.model.total == 2
    screen.last_date.setDate(screen.first_date.date().addDays(-1))  # an empty range
    settle(qtbot, win)
    assert screen.model.total == 0
    screen.last_date.setDate(screen.first_date.date().addDays(7))
    settle(qtbot, win)
    out = tmp_path / "shown.csv"
    screen.export_to(out)
    settle(qtbot, win)
    text = out.read_text(encoding="utf-8-sig")
    assert len(text.strip().splitlines()) == 1 + 2  # the header, then the two vehicles shown
    assert "2" in screen.message.text()
    win.shutdown()


BAD = """时间,车牌,车型,人数,出发地,目的地,处置,备注
{t1},浙A20001,小客车,2,杭州,宁波,放行,
{t2},浙I12345,小客车,1,杭州,宁波,放行,
"""


def test_a_bad_back_entry_file_saves_nothing_and_names_line_3(
    qtbot: QtBot, world: World, tmp_path: Path
) -> None:
    at = _now_in_shift(world) - timedelta(minutes=1)
    win = desk(qtbot, world, "王建国")
    screen = win.ledger
    assert screen is not None
    settle(qtbot, win)
    qtbot.mouseClick(screen.backentry_button, Qt.MouseButton.LeftButton)
    dialog = screen.backentry
    assert dialog is not None
    times = {"t1": at.strftime("%H:%M"), "t2": at.strftime("%H:%M")}
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD.format(**times), encoding="utf-8")
    dialog.import_file(bad)  # what the file dialog calls with the chosen file
    settle(qtbot, win)
    assert "line 3" in dialog.message.text() and "Nothing" in dialog.message.text()
    assert dialog.problems.count() == 1 and dialog.problems.item(0).text().startswith("第 3 行")
    assert ledger.count(world.db, LedgerFilter()) == 0
    good = tmp_path / "good.csv"
    good.write_text(BAD.format(**times).replace("浙I12345", "浙A20002"), encoding="utf-8")
    dialog.import_file(good)
    settle(qtbot, win)
    assert "2" in dialog.message.text() and dialog.problems.count() == 0
    assert ledger.count(world.db, LedgerFilter(plate="浙A2000")) == 2
    # one row typed in, through the same checks
    dialog.plate.insert("浙A20003")  # typed (keyClicks is ASCII only)
    dialog.at.setTime(dialog.at.time().fromString(times["t1"], "HH:mm"))
    qtbot.mouseClick(dialog.save_row, Qt.MouseButton.LeftButton)
    settle(qtbot, win)
    assert ledger.count(world.db, LedgerFilter(plate="浙A20003")) == 1, dialog.message.text()
    qtbot.waitUntil(lambda: screen.model.total == 3, timeout=TIMEOUT_MS)
    dialog.close()
    win.shutdown()


def test_a_quarantine_divert_starts_a_response_whose_overdue_item_shows_until_ticked(
    qtbot: QtBot, world: World
) -> None:
    recorder = desk(qtbot, world, "徐丽")
    desk_, c = recorder.leader_desk, recorder.controller
    assert desk_ is not None and c is not None
    # a red code at the desk: the suggestion is 转运隔离 and the divert starts the response
    verify_by_eye(qtbot, recorder, "浙A66666", [CodeColour.RED])
    assert desk_.responses.responses == ()
    assert c.confirm_record()
    settle(qtbot, recorder)
    assert c.divert()
    settle(qtbot, recorder)
    (r,) = desk_.responses.responses
    assert r.trigger == Disposition.QUARANTINE.value
    assert not desk_.banner.isVisible()  # nothing overdue yet
    hold = r.measures[0]
    # twenty minutes on: the ten-minute measure is overdue, on this lane and on every other
    desk_.responses.clock = lambda: hold.due_at + timedelta(minutes=10)
    desk_.poll()
    settle(qtbot, recorder)
    assert desk_.banner.isVisible() and hold.zh in desk_.banner.toolTip()
    assert "浙A***66" in desk_.banner.toolTip() and "10 分钟" in desk_.banner.toolTip()
    qtbot.mouseClick(desk_.banner.button, Qt.MouseButton.LeftButton)
    assert recorder.tabs.currentWidget() is desk_.responses
    assert str(r.id) not in desk_.responses.close_buttons  # closing is the leader's
    qtbot.mouseClick(desk_.responses.tick_buttons[(str(r.id), hold.key)], Qt.MouseButton.LeftButton)
    settle(qtbot, recorder)
    assert not desk_.banner.isVisible()
    (after,) = desk_.responses.responses
    assert after.measures[0].done_by == "徐丽" and after.measures[0].late
    assert not desk_.responses.tick_buttons[(str(r.id), hold.key)].isEnabled()
    recorder.shutdown()
    # the leader closes it, with a note for the measures left
    leader = desk(qtbot, world, "王建国")
    panel = leader.leader_desk.responses  # type: ignore[union-attr]
    settle(qtbot, leader)
    note, close = panel.close_buttons[str(r.id)]
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    settle(qtbot, leader)
    # the refusal, worded on the Chinese screen from its code (it was the CLI's English)
    assert len(panel.responses) == 1 and "项措施未完成" in panel.message.text()
    note.insert("已移交疾控")
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    settle(qtbot, leader)
    assert panel.responses == ()
    leader.shutdown()


def test_the_point_chief_adds_a_guide_with_a_pin_and_the_guide_signs_in(
    qtbot: QtBot, world: World
) -> None:
    leader = desk(qtbot, world, "王建国")
    assert leader.leader_desk is not None and not leader.leader_desk.team_action.isEnabled()
    assert leader.leader_desk.open_team() is None  # managing the team is the point chief's
    leader.shutdown()
    win = desk(qtbot, world, "赵点长")
    assert win.leader_desk is not None
    win.leader_desk.team_action.trigger()
    team = win.leader_desk.team_dialog
    assert team is not None
    settle(qtbot, win)
    assert {m.name for m in team.members} == {"赵点长", "王建国", "徐丽"}
    team.new_name.insert("李引导")
    qtbot.keyClicks(team.new_pin, "8642")
    qtbot.keyClicks(team.new_pin2, "8640")  # a typo: nothing is added
    qtbot.mouseClick(team.add_button, Qt.MouseButton.LeftButton)
    settle(qtbot, win)
    assert "PIN" in team.message.text() and len(team.members) == 3
    qtbot.keyClicks(team.new_pin, "8642")
    qtbot.keyClicks(team.new_pin2, "8642")
    qtbot.mouseClick(team.add_button, Qt.MouseButton.LeftButton)
    settle(qtbot, win)
    (added,) = [m for m in team.members if m.name == "李引导"]
    assert added.role.value == "guide" and added.has_pin and added.active, team.message.text()
    # a new role and a new PIN for them
    team.select("李引导")
    team.role.setCurrentIndex(team.role.findData("inspector"))
    qtbot.mouseClick(team.role_button, Qt.MouseButton.LeftButton)
    settle(qtbot, win)
    qtbot.keyClicks(team.pin, "7531")
    qtbot.keyClicks(team.pin2, "7531")
    qtbot.mouseClick(team.reset_button, Qt.MouseButton.LeftButton)
    settle(qtbot, win)
    (changed,) = [m for m in team.members if m.name == "李引导"]
    assert changed.role.value == "inspector", team.message.text()
    # the last point chief cannot retire themself: one sentence, nothing changed

    team.select("赵点长")
    qtbot.mouseClick(team.retire_button, Qt.MouseButton.LeftButton)
    settle(qtbot, win)
    assert team.message.text() and all(m.active for m in team.members)
    team.close()
    # the guide signs in at the desk with that PIN
    win.sign_out()
    settle(qtbot, win)
    win.signin.select_name("李引导")
    qtbot.keyClicks(win.signin.secret, "7531")
    win.signin.sign_in()
    signed_in(qtbot, win)
    assert win.session is not None and win.session.staff.name == "李引导"
    assert win.leader_desk is not None and not win.leader_desk.team_action.isEnabled()
    win.shutdown()


def test_the_glance_counts_a_vehicle_once_it_is_recorded(qtbot: QtBot, world: World) -> None:
    world.vehicle("浙A10001", _now_in_shift(world))
    other = world.add_lane("2号车道")  # another lane sharing the database
    world.vehicle("浙A20001", _now_in_shift(world), lane_id=other)
    win = desk(qtbot, world, "王建国")
    ld, c = win.leader_desk, win.controller
    assert ld is not None and c is not None
    win.tabs.setCurrentWidget(ld.glance)
    settle(qtbot, win)
    g = ld.glance
    assert g.vehicles.value.text() == "2" and g.people.value.text() == "2"
    # the leader sees every lane of the checkpoint
    assert [(lane.name, lane.vehicles) for lane in g.lanes] == [("1号车道", 1), ("2号车道", 1)]
    assert [g.lane_table.item(i, 2).text() for i in range(2)] == ["1", "1"]
    assert g.lane_table.item(1, 4).text().endswith(("放行", "Release"))
    assert sum(b.vehicles for b in g.chart.buckets) == 2
    # a second vehicle at the desk
    verify_by_eye(qtbot, win, "浙A10002", [CodeColour.GREEN, CodeColour.GREEN])
    assert g.vehicles.value.text() == "2"  # re-read once a vehicle is recorded
    assert c.confirm_record()
    settle(qtbot, win)
    qtbot.waitUntil(lambda: g.vehicles.value.text() == "3", timeout=TIMEOUT_MS)
    assert g.people.value.text() == "4"
    assert g.disposition_labels[Disposition.RELEASE.value].text().startswith("2")
    assert g.lane_table.item(0, 1).text().endswith(("进行中", "In progress"))
    win.shutdown()


def test_a_leader_starts_a_136_response_by_hand_from_a_records_details(
    qtbot: QtBot, world: World
) -> None:
    world.vehicle("浙A11111", _now_in_shift(world))  # released; a positive result came later
    win = desk(qtbot, world, "王建国")
    screen, ld = win.ledger, win.leader_desk
    assert screen is not None and ld is not None
    screen.refresh()
    settle(qtbot, win)
    screen.open_details(_row_of(win, "浙A11111"))
    settle(qtbot, win)
    assert screen.response_button is not None
    qtbot.mouseClick(screen.response_button, Qt.MouseButton.LeftButton)
    settle(qtbot, win)
    # started on the database thread, as `checkpoint response start` does; the 136 tab shows it
    assert win.tabs.currentWidget() is ld.responses
    (started,) = ld.responses.responses
    assert started.plate_masked == "浙A***11" and started.trigger_zh == "人工启动"
    assert "136" in screen.message.text()
    screen.start_response(started.inspection_id)  # once per vehicle: one sentence, in Chinese
    settle(qtbot, win)
    assert "已经启动过" in screen.message.text() and len(ld.responses.responses) == 1
    screen.details.close()  # type: ignore[union-attr]
    win.shutdown()
    # a recorder may not start one: no button
    recorder = desk(qtbot, world, "徐丽")
    assert recorder.ledger is not None
    recorder.ledger.refresh()
    settle(qtbot, recorder)
    recorder.ledger.open_details(0)
    settle(qtbot, recorder)
    assert recorder.ledger.response_button is None
    recorder.ledger.details.close()  # type: ignore[union-attr]
    recorder.shutdown()
