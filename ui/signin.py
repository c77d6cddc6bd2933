"""Sign-in and shift (登录与开班): pick your name, enter your PIN, open or join the shift.

The first run creates the point chief (点长). A leader who signs in while no shift is open
opens it with its roster; anyone signing in while a shift is open joins it. All checks
(PIN, lock-out, who may open a shift) are made by ``checkpoint.team.auth``; this screen only asks,
on the window's database thread (``ui.jobs``): the argon2 PIN check and the lock-out count
never hold up the GUI. While one request runs the page is disabled ("正在核对…") and a second
Enter does nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from checkpoint.config import Settings
from checkpoint.domain import Role
from checkpoint.errors import CheckpointError
from checkpoint.lane.accounts import Accounts, SignInPage, SignInResult, StaffMember
from checkpoint.team.auth import Permission, allowed
from checkpoint.team.rota import RosterMember
from ui.errors import error_text
from ui.jobs import Jobs


@dataclass(frozen=True)
class SignedIn:
    """Who is at the desk and on which (open) shift."""

    staff: StaffMember
    shift_id: uuid.UUID


# Everything a gloved hand presses here is at least this high (px), whatever the theme says.
TARGET_HEIGHT = 48
ROSTER_COLUMNS = 2


def _big_button(text: str, primary: bool = False) -> QPushButton:
    b = QPushButton(text)
    b.setMinimumHeight(64)
    if primary:
        b.setProperty("primary", True)
    f = b.font()
    f.setPointSize(16)
    b.setFont(f)
    return b


def _field(password: bool = False) -> QLineEdit:
    field = QLineEdit()
    field.setMinimumHeight(TARGET_HEIGHT)
    f = field.font()
    f.setPointSize(16)
    field.setFont(f)
    if password:
        field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class RosterToggle(QPushButton):
    """One person of the team: pressed in = on this shift. A large target, with a tick that
    shows the state without relying on colour (the theme colours it as well)."""

    def __init__(self, member: StaffMember, label: str, checked: bool) -> None:
        super().__init__()
        self.member = member
        self._label = label
        self.setCheckable(True)
        self.setMinimumHeight(TARGET_HEIGHT)
        self.setStyleSheet("text-align: left; padding-left: 12px;")
        self.toggled.connect(self._show_state)
        self.setChecked(checked)
        self._show_state(checked)

    def _show_state(self, checked: bool) -> None:
        self.setText(("✔  " if checked else "☐  ") + self._label)


class SignInScreen(QWidget):
    """Name + PIN, then open or join the shift. Calls ``on_signed_in`` when done."""

    def __init__(self, db: Any, settings: Settings, jobs: Jobs, *, lang: str,  # db: the site's
                 on_signed_in: Callable[[SignedIn], None], demo_hint: str | None = None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.db = db
        self.settings = settings
        self.accounts = Accounts(db, settings)
        self.jobs = jobs  # the window's database thread
        self.busy = False  # a request is on the database thread: input waits
        self.lang = lang
        self.on_signed_in = on_signed_in
        self.staff: StaffMember | None = None
        # the name list and the roster scroll with a 40-person team: a bar a glove can drag
        self.setStyleSheet("QScrollBar:vertical { width: 36px; }")
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        col = QVBoxLayout()
        outer.addLayout(col, 3)
        outer.addStretch(1)
        title = QLabel(self.tr("值班登录"))
        f = title.font()
        f.setPointSize(24)
        f.setBold(True)
        title.setFont(f)
        col.addWidget(title)
        self.message = QLabel()
        self.message.setWordWrap(True)
        col.addWidget(self.message)
        self.stack = QStackedWidget()
        col.addWidget(self.stack, 1)
        # page 0: sign in
        page = QWidget()
        g = QGridLayout(page)
        g.addWidget(QLabel(self.tr("姓名")), 0, 0, Qt.AlignmentFlag.AlignTop)
        self.names = QListWidget()
        self.names.setMinimumHeight(260)
        self.names.setStyleSheet("QListWidget::item { min-height: 48px; font-size: 16pt; }")
        g.addWidget(self.names, 0, 1)
        g.addWidget(QLabel(self.tr("PIN/密码")), 1, 0)
        self.secret = _field(password=True)
        self.secret.setPlaceholderText(self.tr("至少4位数字"))
        self.secret.returnPressed.connect(self.sign_in)
        g.addWidget(self.secret, 1, 1)
        self.sign_in_button = _big_button(self.tr("登录  Enter"), primary=True)
        self.sign_in_button.clicked.connect(self.sign_in)
        g.addWidget(self.sign_in_button, 2, 1)
        if demo_hint:
            g.addWidget(QLabel(demo_hint), 3, 1)
        self.stack.addWidget(page)
        # page 1: open the shift with its roster
        page = QWidget()
        v = QVBoxLayout(page)
        self.shift_title = QLabel()
        self.shift_title.setWordWrap(True)
        v.addWidget(self.shift_title)
        v.addWidget(QLabel(self.tr("本班人员(点选上岗人员)")))
        # a 40-person team scrolls; the 开班 button below it never leaves the screen
        roster_area = QScrollArea()
        roster_area.setWidgetResizable(True)
        roster_area.setFrameShape(QScrollArea.Shape.NoFrame)
        roster_widget = QWidget()
        self.roster_box = QGridLayout(roster_widget)
        self.roster_box.setAlignment(Qt.AlignmentFlag.AlignTop)
        roster_area.setWidget(roster_widget)
        v.addWidget(roster_area, 1)
        self.roster_checks: list[tuple[RosterToggle, StaffMember]] = []
        self.open_button = _big_button(self.tr("开班  Enter"), primary=True)
        self.open_button.setAutoDefault(True)  # it has the focus: Enter opens the shift
        self.open_button.clicked.connect(self.open_shift)
        v.addWidget(self.open_button)
        self.stack.addWidget(page)
        # page 2: the first run creates the point chief
        page = QWidget()
        g = QGridLayout(page)
        g.addWidget(QLabel(self.tr("首次使用:请创建点长账号")), 0, 0, 1, 2)
        g.addWidget(QLabel(self.tr("姓名")), 1, 0)
        self.admin_name = _field()
        g.addWidget(self.admin_name, 1, 1)
        g.addWidget(QLabel(self.tr("PIN/密码")), 2, 0)
        self.admin_secret = _field(password=True)
        self.admin_secret.setPlaceholderText(self.tr("至少4位数字"))
        g.addWidget(self.admin_secret, 2, 1)
        g.addWidget(QLabel(self.tr("再输一次")), 3, 0)
        self.admin_confirm = _field(password=True)
        self.admin_confirm.setPlaceholderText(self.tr("再次输入同一PIN"))
        g.addWidget(self.admin_confirm, 3, 1)
        self.admin_button = _big_button(self.tr("创建点长账号  Enter"), primary=True)
        self.admin_button.clicked.connect(self.create_admin)
        g.addWidget(self.admin_button, 4, 1)
        g.setRowStretch(5, 1)
        # Enter moves on to the next field, and on the last one creates the account
        self.admin_name.returnPressed.connect(self.admin_secret.setFocus)
        self.admin_secret.returnPressed.connect(self.admin_confirm.setFocus)
        self.admin_confirm.returnPressed.connect(self.create_admin)
        self.stack.addWidget(page)
        self.reload()

    def reload(self, then: Callable[[], None] | None = None) -> None:
        """Show the staff list (or the first-run page) afresh, read on the database thread;
        ``then`` runs once it is shown."""
        self.staff = None
        self.secret.clear()

        def show(page: SignInPage) -> None:
            self._show_page(page)
            if then is not None:
                then()

        if not self._ask(self.accounts.page, show, self.tr("正在读取人员名单…")):
            self.jobs.submit(self.accounts.page, show, self._failed)  # behind the request

    def _show_page(self, page: SignInPage) -> None:
        self.names.clear()
        for name, role in page.people:
            item = QListWidgetItem(f"{name}  ·  {role.label(self.lang)}")
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.names.addItem(item)
        self.stack.setCurrentIndex(2 if page.first_run else 0)
        self.message.setText("")
        self._focus_first_field()

    # -- the database thread -------------------------------------------------------------------

    def _ask(self, work: Callable[[], Any], then: Callable[[Any], None], waiting: str,
             failed: Callable[[CheckpointError], None] | None = None) -> bool:  # fmt: skip
        """Run ``work`` on the database thread with the page disabled and ``waiting`` shown;
        False (nothing asked) while another request runs."""
        if self.busy:
            return False
        self.busy = True
        self.stack.setEnabled(False)
        self.message.setStyleSheet("")
        self.message.setText(waiting)

        def done(result: Any) -> None:
            self._idle()
            then(result)

        def refused(exc: CheckpointError) -> None:
            self._idle()
            (failed or self._failed)(exc)

        self.jobs.submit(work, done, refused)
        return True

    def _idle(self) -> None:
        self.busy = False
        self.stack.setEnabled(True)
        self.message.setText("")

    def _focus_first_field(self) -> None:
        """Typing starts at once: the first-run name, else the PIN (the list keeps its pick)."""
        if self.stack.currentIndex() == 2:
            self.admin_name.setFocus()
        elif self.stack.currentIndex() == 0:
            self.secret.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # focus set while hidden is lost; give it again once the screen is on show
        self._focus_first_field()

    def select_name(self, name: str) -> None:
        """Pick ``name`` in the list (also for tests)."""
        for i in range(self.names.count()):
            if self.names.item(i).data(Qt.ItemDataRole.UserRole) == name:
                self.names.setCurrentRow(i)
                return

    def _error(self, text: str) -> None:
        self.message.setStyleSheet("color: #e53935; font-size: 14pt;")
        self.message.setText(text)

    def _failed(self, exc: CheckpointError) -> None:
        self._error(error_text(exc, self.lang))

    def create_admin(self) -> None:
        """First run: create the point chief from the form, once both PINs agree (on the
        database thread; the PIN is hashed there)."""
        if self.busy:
            return
        if self.admin_secret.text() != self.admin_confirm.text():
            self._admin_again()
            self._error(self.tr("两次输入的PIN不一致,请重新输入"))
            return
        accounts, name, pin = self.accounts, self.admin_name.text(), self.admin_secret.text()
        self.admin_secret.clear()
        self.admin_confirm.clear()

        def created(_none: None) -> None:
            self.admin_name.clear()
            self.reload(lambda: self.select_name(name.strip()))

        def refused(exc: CheckpointError) -> None:
            self._admin_again()
            self._failed(exc)

        self._ask(lambda: accounts.create_point_chief(name, pin), created,
                  self.tr("正在创建点长账号…"), refused)  # fmt: skip

    def _admin_again(self) -> None:
        self.admin_secret.clear()
        self.admin_confirm.clear()
        self.admin_secret.setFocus()

    def sign_in(self) -> None:
        """Check the PIN on the database thread; then join the open shift, or offer to open
        it. Ignored while a request runs (a second Enter does not sign in twice)."""
        if self.busy:
            return
        item = self.names.currentItem()
        if item is None:
            self._error(self.tr("请先选择姓名"))
            return
        accounts, name = self.accounts, str(item.data(Qt.ItemDataRole.UserRole))
        pin = self.secret.text()
        self.secret.clear()

        def refused(exc: CheckpointError) -> None:
            self._failed(exc)
            self.secret.setFocus()

        self._ask(lambda: accounts.sign_in(name, pin), self._checked, self.tr("正在核对…"),
                  refused)  # fmt: skip

    def _checked(self, result: SignInResult) -> None:
        staff, shift_id, team = result.staff, result.shift_id, list(result.team)
        self.staff = staff
        if shift_id is not None:
            self.on_signed_in(SignedIn(staff, shift_id))
            return
        if not allowed(Role(staff.role), Permission.OPEN_CLOSE_SHIFT):
            self._error(self.tr("本班次尚未开班,请组长先登录开班"))
            self.secret.setFocus()
            return
        self._offer_open(staff, team)

    def _offer_open(self, leader: StaffMember, team: list[StaffMember]) -> None:
        self.shift_title.setText(self.tr("{name},本班次尚未开班。勾选本班人员后开班。").format(
            name=leader.name))  # fmt: skip
        for box, _ in self.roster_checks:
            self.roster_box.removeWidget(box)
            box.deleteLater()
        self.roster_checks = []
        others = [m for m in team if m.id != leader.id]
        for n, m in enumerate(others):
            on_duty = Role(m.role) in (Role.GUIDE, Role.INSPECTOR, Role.RECORDER)
            box = RosterToggle(m, f"{m.name}  ·  {Role(m.role).label(self.lang)}", on_duty)
            self.roster_box.addWidget(box, n // ROSTER_COLUMNS, n % ROSTER_COLUMNS)
            self.roster_checks.append((box, m))
        self.stack.setCurrentIndex(1)
        self.open_button.setFocus()

    def open_shift(self) -> None:
        """Open the current shift with the ticked roster, led by the signed-in leader."""
        leader = self.staff
        if leader is None:
            return
        roster = [RosterMember(m.id, Role(m.role)) for box, m in self.roster_checks
                  if box.isChecked()]  # fmt: skip
        accounts = self.accounts

        def opened(shift_id: uuid.UUID) -> None:
            self.on_signed_in(SignedIn(leader, shift_id))

        def refused(exc: CheckpointError) -> None:
            self._failed(exc)
            self.open_button.setFocus()

        self._ask(lambda: accounts.open_shift(leader, roster), opened, self.tr("正在开班…"),
                  refused)  # fmt: skip
