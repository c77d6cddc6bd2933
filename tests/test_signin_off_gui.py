"""Sign-in never holds up the GUI: the argon2 PIN check and the lock-out count run on the
database thread while the GUI's own timer keeps ticking, the screen waits disabled meanwhile,
and a second Enter during the check neither signs in twice nor counts a second try."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from argon2 import PasswordHasher
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from checkpoint.config import Settings
from checkpoint.storage.db import Database
from checkpoint.storage.models import AuditEvent, StaffMember
from ui.jobs import Jobs
from ui.signin import SignedIn, SignInScreen

CHIEF, PIN = "陈立新", "246810"
# A real argon2 parameter set slower than the default (about three times its passes, on one
# lane): an inline check of this hash would stop the GUI's timer for a good while.
SLOW = PasswordHasher(time_cost=10, memory_cost=65536, parallelism=1)


def _screen(qtbot: QtBot, chief_site: tuple[Database, Settings], jobs: Jobs,
            done: list[SignedIn]) -> SignInScreen:  # fmt: skip
    db, settings = chief_site
    screen = SignInScreen(db, settings, jobs, lang="zh_CN", on_signed_in=done.append)
    qtbot.addWidget(screen)
    screen.show()
    _settle(qtbot, screen)
    return screen


def _settle(qtbot: QtBot, screen: SignInScreen) -> None:
    qtbot.waitUntil(lambda: not screen.busy and screen.jobs.pending == 0, timeout=60_000)


def _audited(db: Database, action: str) -> int:
    with db.session() as s:
        found = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        return int(s.scalar(found) or 0)


def test_a_slow_pin_check_runs_off_the_gui_thread_while_its_timer_ticks(
    qtbot: QtBot, chief_site: tuple[Database, Settings], jobs: Jobs
) -> None:
    db, _ = chief_site
    with db.session() as s:
        chief = s.scalars(select(StaffMember).where(StaffMember.name == CHIEF)).one()
        chief.secret_hash = SLOW.hash(PIN)
    si = _screen(qtbot, chief_site, jobs, [])
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    try:
        si.select_name(CHIEF)
        qtbot.keyClicks(si.secret, PIN)
        qtbot.keyClick(si.secret, Qt.Key.Key_Return)
        # Enter returned at once: the check is under way on the database thread, the page
        # waits disabled and says so, the PIN typed is gone from the field
        assert si.busy and not si.stack.isEnabled() and si.stack.currentIndex() == 0
        assert si.message.text() == "正在核对…" and si.secret.text() == ""
        at_enter = len(ticks)
        si.sign_in()  # a second Enter while the PIN is checked: nothing more is asked
        assert jobs.pending == 1
        _settle(qtbot, si)
        # the GUI's own timer kept firing while argon2 worked
        assert len(ticks) - at_enter >= 5
    finally:
        timer.stop()
    assert si.stack.currentIndex() == 1  # no shift open yet: the chief may open it
    assert _audited(db, "auth.sign_in") == 1


def test_a_double_enter_on_a_wrong_pin_counts_one_try(
    qtbot: QtBot, chief_site: tuple[Database, Settings], jobs: Jobs
) -> None:
    db, _ = chief_site
    si = _screen(qtbot, chief_site, jobs, [])
    si.select_name(CHIEF)
    qtbot.keyClicks(si.secret, "135790")
    qtbot.keyClick(si.secret, Qt.Key.Key_Return)
    si.sign_in()  # the second Enter of a gloved hand, while the first is checked
    _settle(qtbot, si)
    assert "还可尝试 4 次" in si.message.text() and si.secret.hasFocus()
    assert _audited(db, "auth.failed") == 1
    with db.session() as s:
        chief = s.scalars(select(StaffMember).where(StaffMember.name == CHIEF)).one()
        assert chief.failed_attempts == 1


def test_opening_the_shift_waits_for_the_database_and_signs_in_once(
    qtbot: QtBot, chief_site: tuple[Database, Settings], jobs: Jobs
) -> None:
    done: list[SignedIn] = []
    si = _screen(qtbot, chief_site, jobs, done)
    si.select_name(CHIEF)
    qtbot.keyClicks(si.secret, PIN)
    qtbot.keyClick(si.secret, Qt.Key.Key_Return)
    _settle(qtbot, si)
    si.open_shift()
    assert si.busy and done == []  # the shift is opened on the database thread
    si.open_shift()  # pressed twice
    _settle(qtbot, si)
    assert len(done) == 1 and done[0].staff.name == CHIEF
    assert _audited(chief_site[0], "shift.open") == 1
