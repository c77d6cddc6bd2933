"""The sign-in screen at the booth: the first-run form by keyboard with the PIN typed twice, and
every target a gloved hand presses at least 40 px high, a 40-person roster included."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from checkpoint.cli.common import open_db
from checkpoint.config import Settings, load_settings
from checkpoint.domain import Role
from checkpoint.storage.db import Database
from checkpoint.storage.models import StaffMember
from checkpoint.team import auth
from checkpoint.team.site import ensure_place
from ui.jobs import Jobs
from ui.signin import SignedIn, SignInScreen
from ui.theme import DARK, LIGHT

GLOVE_PX = 40


@pytest.fixture
def env() -> Iterator[tuple[Database, Settings]]:
    settings = load_settings()
    db = open_db(settings)
    yield db, settings
    db.dispose()


def _screen(qtbot: QtBot, env: tuple[Database, Settings], done: list[SignedIn],
            jobs: Jobs) -> SignInScreen:  # fmt: skip
    db, settings = env
    screen = SignInScreen(db, settings, jobs, lang="zh_CN", on_signed_in=done.append)
    qtbot.addWidget(screen)
    screen.resize(1366, 708)  # a 1366×768 lane laptop less the window's header and tabs
    with qtbot.waitActive(screen):
        screen.show()
        screen.activateWindow()
    _settle(qtbot, screen)
    return screen


def _settle(qtbot: QtBot, screen: SignInScreen) -> None:
    """Wait for the answer from the database thread (the PIN is checked there)."""
    qtbot.waitUntil(lambda: not screen.busy and screen.jobs.pending == 0, timeout=20_000)


def test_first_run_creates_the_point_chief_by_keyboard_with_the_pin_twice(
    qtbot: QtBot, env: tuple[Database, Settings], jobs: Jobs
) -> None:
    done: list[SignedIn] = []
    si = _screen(qtbot, env, done, jobs)
    assert si.stack.currentIndex() == 2
    qtbot.waitUntil(si.admin_name.hasFocus)  # type at once, no click first
    si.admin_name.setText("陈立新")  # non-ASCII text cannot go through keyClicks
    qtbot.keyClick(si.admin_name, Qt.Key.Key_Return)
    assert si.admin_secret.hasFocus()
    qtbot.keyClicks(si.admin_secret, "246810")
    qtbot.keyClick(si.admin_secret, Qt.Key.Key_Return)
    assert si.admin_confirm.hasFocus()
    qtbot.keyClicks(si.admin_confirm, "246811")  # a slip of the glove
    qtbot.keyClick(si.admin_confirm, Qt.Key.Key_Return)
    assert "不一致" in si.message.text() and si.stack.currentIndex() == 2
    assert si.admin_secret.text() == si.admin_confirm.text() == ""
    assert si.admin_secret.hasFocus() and si.admin_name.text() == "陈立新"
    with env[0].session() as s:
        assert s.scalars(select(StaffMember)).all() == []  # nothing was created
    qtbot.keyClicks(si.admin_secret, "246810")
    qtbot.keyClick(si.admin_secret, Qt.Key.Key_Return)
    qtbot.keyClicks(si.admin_confirm, "246810")
    qtbot.keyClick(si.admin_confirm, Qt.Key.Key_Return)
    _settle(qtbot, si)
    # the chief exists, is picked in the list, and signs in with the same PIN and Enter
    assert si.stack.currentIndex() == 0 and si.message.text() == ""
    assert si.secret.hasFocus()
    assert si.names.currentItem().data(Qt.ItemDataRole.UserRole) == "陈立新"
    with env[0].session() as s:
        chief = s.scalars(select(StaffMember)).one()
        assert (chief.name, chief.role) == ("陈立新", Role.ADMIN.value)
    qtbot.keyClicks(si.secret, "246810")
    qtbot.keyClick(si.secret, Qt.Key.Key_Return)
    _settle(qtbot, si)
    assert si.stack.currentIndex() == 1  # no shift open yet: the chief may open it


def test_a_weak_pin_on_first_run_is_one_sentence_and_asks_again(
    qtbot: QtBot, env: tuple[Database, Settings], jobs: Jobs
) -> None:
    si = _screen(qtbot, env, [], jobs)
    si.admin_name.setText("陈立新")
    for field in (si.admin_secret, si.admin_confirm):
        qtbot.keyClicks(field, "12")
    qtbot.keyClick(si.admin_confirm, Qt.Key.Key_Return)
    _settle(qtbot, si)
    assert si.stack.currentIndex() == 2 and si.message.text()
    assert "Traceback" not in si.message.text() and si.admin_secret.hasFocus()


def _targets(widget: SignInScreen) -> list[tuple[str, int]]:
    """(what, height) of everything on the visible page that a finger presses."""
    page = widget.stack.currentWidget()
    found = [
        (w.text(), w.height())
        for w in page.findChildren(QAbstractButton) + page.findChildren(QLineEdit)
        if w.isVisible()
    ]
    if page.isAncestorOf(widget.names):
        items = [widget.names.item(i) for i in range(widget.names.count())]
        found += [(it.text(), widget.names.visualItemRect(it).height()) for it in items]
    return found


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_every_target_is_glove_sized_and_a_40_person_roster_keeps_the_open_button_on_screen(
    qtbot: QtBot, qapp: QApplication, env: tuple[Database, Settings], dark: bool,
    jobs: Jobs,
) -> None:
    qapp.setStyleSheet(DARK if dark else LIGHT)
    try:
        db, settings = env
        with db.session() as s:
            place = ensure_place(s, settings)
            auth.create_first_admin(s, place.site, "陈立新", "246810")
            roles = (Role.LEADER, Role.GUIDE, Role.INSPECTOR, Role.RECORDER, Role.VOLUNTEER)
            for n in range(40):
                m = StaffMember(site_id=place.site.id, name=f"队员{n:02d}", role=roles[n % 5].value)
                s.add(m)
        done: list[SignedIn] = []
        si = _screen(qtbot, env, done, jobs)
        small = [t for t in _targets(si) if t[1] < GLOVE_PX]
        assert small == []
        si.select_name("陈立新")
        qtbot.keyClicks(si.secret, "246810")
        qtbot.keyClick(si.secret, Qt.Key.Key_Return)
        _settle(qtbot, si)
        assert si.stack.currentIndex() == 1 and len(si.roster_checks) == 40
        qtbot.waitUntil(lambda: si.open_button.isVisible())
        small = [t for t in _targets(si) if t[1] < GLOVE_PX]
        assert small == []
        # the open button lies inside the screen, below the (scrolling) roster
        bottom = si.open_button.mapTo(si, si.open_button.rect().bottomLeft()).y()
        assert bottom <= si.height()
        box, _member = si.roster_checks[0]
        was = box.isChecked()
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
        assert box.isChecked() is not was and box.text().startswith("☐" if was else "✔")
        qtbot.mouseClick(si.open_button, Qt.MouseButton.LeftButton)
        _settle(qtbot, si)
        assert len(done) == 1 and done[0].staff.name == "陈立新"
    finally:
        qapp.setStyleSheet("")
