"""Sign-in and shift opening through the screen; the English desk shows no Chinese of ours."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re

import pytest
from desk_helpers import settle
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from checkpoint.config import Settings
from checkpoint.domain import Role, Step
from checkpoint.storage.db import Database
from checkpoint.storage.models import AuditEvent, Shift, ShiftRosterEntry, StaffMember
from checkpoint.team import auth
from checkpoint.team.site import ensure_place
from ui.i18n import install_translators
from ui.main_window import MainWindow

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def env(chief_site: tuple[Database, Settings]) -> tuple[Database, Settings]:
    db, settings = chief_site
    with db.session() as s:
        place = ensure_place(s, settings)
        chief = s.scalars(select(StaffMember).where(StaffMember.name == "陈立新")).one()
        for name, role in (("王建国", Role.LEADER), ("周敏", Role.INSPECTOR)):
            m = StaffMember(site_id=place.site.id, name=name, role=role.value)
            s.add(m)
            s.flush()
            auth.set_secret(s, m, "1357", by=chief)
    return db, settings


def test_the_leader_signs_in_and_opens_the_shift_with_its_roster(
    qtbot: QtBot, env: tuple[Database, Settings]
) -> None:
    db, settings = env
    w = MainWindow(db, settings, camera=False, muted=True, dark=True)
    qtbot.addWidget(w)
    si = w.signin
    settle(qtbot, w)  # the names are read on the database thread
    assert si.stack.currentIndex() == 0
    si.select_name("周敏")
    qtbot.keyClicks(si.secret, "1357")
    qtbot.keyClick(si.secret, Qt.Key.Key_Return)
    settle(qtbot, w)
    assert "组长" in si.message.text() and w.session is None  # no shift open: a leader opens it
    si.select_name("王建国")
    qtbot.keyClicks(si.secret, "9999")
    qtbot.keyClick(si.secret, Qt.Key.Key_Return)
    settle(qtbot, w)
    assert "4" in si.message.text() and w.session is None  # wrong PIN, tries left
    qtbot.keyClicks(si.secret, "1357")
    qtbot.keyClick(si.secret, Qt.Key.Key_Return)
    settle(qtbot, w)
    assert si.stack.currentIndex() == 1
    ticked = [m.name for box, m in si.roster_checks if box.isChecked()]
    assert ticked == ["周敏"]
    qtbot.mouseClick(si.open_button, Qt.MouseButton.LeftButton)
    settle(qtbot, w)
    assert w.session is not None and w.screen_ is not None
    assert w.screen_.state.step is Step.GUIDE
    assert "王建国" in w.header.text() and "王建国" in w.staff_label.text()
    with db.session() as s:
        shift = s.scalars(select(Shift)).one()
        roster = {(e.staff.name, e.role) for e in s.scalars(select(ShiftRosterEntry))}
        assert roster == {("王建国", "leader"), ("周敏", "inspector")}
        actions = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
        assert "auth.failed" in actions and "shift.open" in actions
        assert shift.leader.name == "王建国"
    # the inspector signs in next and joins the open shift
    w.sign_out()
    settle(qtbot, w)
    si.select_name("周敏")
    qtbot.keyClicks(si.secret, "1357")
    qtbot.keyClick(si.secret, Qt.Key.Key_Return)
    settle(qtbot, w)
    assert w.session is not None and w.session.staff.name == "周敏"
    w.shutdown()


def test_the_english_desk_shows_no_chinese_of_its_own(
    qtbot: QtBot, env: tuple[Database, Settings]
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    install_translators(app, "en")
    try:
        db, settings = env
        w = MainWindow(db, settings, lang="en", camera=False, muted=True)
        qtbot.addWidget(w)
        w.show()
        si = w.signin
        settle(qtbot, w)
        si.select_name("王建国")
        qtbot.keyClicks(si.secret, "1357")
        qtbot.keyClick(si.secret, Qt.Key.Key_Return)
        settle(qtbot, w)
        qtbot.mouseClick(si.open_button, Qt.MouseButton.LeftButton)
        settle(qtbot, w)
        s = w.screen_
        assert s is not None
        allowed = set("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")
        texts = []
        for page in range(4):
            s.pages.setCurrentIndex(page)
            for widget in s.findChildren(QLabel) + s.findChildren(QAbstractButton):
                texts.append(widget.text())
            texts += [e.placeholderText() for e in s.findChildren(QLineEdit)]
        texts += [w.tabs.tabText(i) for i in range(w.tabs.count())]
        texts += [a.text() for a in w.menuBar().actions()]
        chinese = [t for t in texts if set(CJK.findall(t)) - allowed]
        assert chinese == []
        assert "Guide" in s.step_labels[0].text()
        w.shutdown()
    finally:
        install_translators(app, "zh_CN")
