"""团队管理 (the point chief's team): everyone on the site with role, PIN and state; add a
person with role and PIN (typed twice), change a role, reset a PIN, unlock, retire. The rules,
permissions and audit are ``checkpoint.team.members``'s, the same as the command line's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from checkpoint.config import Settings
from checkpoint.domain import Role
from checkpoint.errors import CheckpointError, Problem
from checkpoint.team.members import Team, TeamMember
from ui.errors import error_text
from ui.jobs import Jobs

TARGET = 44


def _pin_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMinimumHeight(TARGET)
    field.setMaxLength(32)
    return field


class TeamDialog(QDialog):
    """The roster with its actions; every change goes to ``Team`` on the window's worker."""

    def __init__(self, db: Any, settings: Settings, staff: Any, jobs: Jobs, *, lang: str,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.team = Team(db, settings)
        self.staff, self.jobs, self.lang = staff, jobs, lang
        self.members: tuple[TeamMember, ...] = ()
        self.setWindowTitle(self.tr("团队管理"))
        self.resize(1100, 660)
        lay = QHBoxLayout(self)
        left = QVBoxLayout()
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(
            [self.tr("姓名"), self.tr("角色"), self.tr("PIN"), self.tr("状态")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(TARGET)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)
        left.addWidget(self.table, 1)
        self.message = QLabel()
        self.message.setObjectName("teamMessage")
        self.message.setWordWrap(True)
        left.addWidget(self.message)
        lay.addLayout(left, 3)
        right = QVBoxLayout()
        self.add_box, self.member_box = self._add_box(), self._member_box()
        right.addWidget(self.add_box)
        right.addWidget(self.member_box)
        right.addStretch(1)
        close = QPushButton(self.tr("关闭"))
        close.setMinimumHeight(TARGET)
        close.clicked.connect(self.accept)
        right.addWidget(close)
        lay.addLayout(right, 2)
        if self.team.owned_by_server:  # the roster is the server's copy: shown, not changed here
            self.add_box.setEnabled(False)
            self.member_box.setEnabled(False)
            self.message.setText(error_text(
                CheckpointError("", code=Problem.STAFF_ON_SERVER), self.lang))
        self.reload()

    def _roles(self) -> QComboBox:
        box = QComboBox()
        box.setMinimumHeight(TARGET)
        for role in Role:
            box.addItem(role.label(self.lang), role.value)
        return box

    def _add_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("新增人员"))
        form = QFormLayout(box)
        self.new_name = QLineEdit()
        self.new_name.setMinimumHeight(TARGET)
        self.new_role = self._roles()
        self.new_role.setCurrentIndex(self.new_role.findData(Role.GUIDE.value))
        self.new_pin, self.new_pin2 = _pin_field(), _pin_field()
        form.addRow(self.tr("姓名"), self.new_name)
        form.addRow(self.tr("角色"), self.new_role)
        form.addRow(self.tr("PIN"), self.new_pin)
        form.addRow(self.tr("再输一次PIN"), self.new_pin2)
        self.add_button = QPushButton(self.tr("添加"))
        self.add_button.setMinimumHeight(TARGET)
        self.add_button.clicked.connect(self.add)
        form.addRow(self.add_button)
        return box

    def _member_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("选中人员"))
        form = QFormLayout(box)
        self.selected_label = QLabel("—")
        form.addRow(self.selected_label)
        self.role = self._roles()
        self.role_button = QPushButton(self.tr("改为此角色"))
        row = QHBoxLayout()
        row.addWidget(self.role, 1)
        row.addWidget(self.role_button)
        form.addRow(row)
        self.pin, self.pin2 = _pin_field(), _pin_field()
        form.addRow(self.tr("PIN"), self.pin)
        form.addRow(self.tr("再输一次PIN"), self.pin2)
        self.reset_button = QPushButton(self.tr("重置PIN"))
        self.unlock_button = QPushButton(self.tr("解锁"))
        self.retire_button = QPushButton(self.tr("停用"))
        actions = QHBoxLayout()
        for b in (self.role_button, self.reset_button, self.unlock_button, self.retire_button):
            b.setMinimumHeight(TARGET)
        for b in (self.reset_button, self.unlock_button, self.retire_button):
            actions.addWidget(b)
        form.addRow(actions)
        self.role_button.clicked.connect(self.change_role)
        self.reset_button.clicked.connect(self.reset_pin)
        self.unlock_button.clicked.connect(self.unlock)
        self.retire_button.clicked.connect(self.retire)
        return box

    # -- reading -------------------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read the roster (after every change)."""
        self.jobs.submit(self.team.members, self._show, self._failed)

    def _show(self, members: tuple[TeamMember, ...]) -> None:
        chosen = self.selected()
        self.members = members
        self.table.setRowCount(len(members))
        for i, m in enumerate(members):
            state = (self.tr("已停用") if not m.active
                     else self.tr("已锁定") if m.locked() else self.tr("在岗"))  # fmt: skip
            pin = self.tr("已设PIN") if m.has_pin else self.tr("未设PIN")
            for col, text in enumerate((m.name, m.role.label(self.lang), pin, state)):
                self.table.setItem(i, col, QTableWidgetItem(text))
        if chosen is not None:
            self.select(chosen.name)

    def selected(self) -> TeamMember | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.members):
            return None
        return self.members[rows[0].row()]

    def select(self, name: str) -> None:
        """Choose ``name`` in the roster (also for tests)."""
        for i, m in enumerate(self.members):
            if m.name == name:
                self.table.selectRow(i)
                return

    def _selected(self) -> None:
        m = self.selected()
        if m is None:
            self.selected_label.setText("—")
            return
        self.selected_label.setText(f"{m.name} · {m.role.label(self.lang)}")
        self.role.setCurrentIndex(self.role.findData(m.role.value))

    # -- acting --------------------------------------------------------------------------------

    def _error(self, text: str) -> None:
        self.message.setStyleSheet("color: #e53935;")
        self.message.setText(text)

    def _failed(self, exc: CheckpointError) -> None:
        self._error(error_text(exc, self.lang))

    def _act(self, work: Callable[[], TeamMember]) -> None:
        def done(member: TeamMember) -> None:
            self.message.setStyleSheet("color: #2e7d32;")
            self.message.setText(self.tr("已保存: {name}").format(name=member.name))
            self.reload()

        self.jobs.submit(work, done, self._failed)

    def _two_pins(self, first: QLineEdit, second: QLineEdit) -> str | None:
        pin = first.text()
        same = pin == second.text()
        first.clear()
        second.clear()
        if not same:
            first.setFocus()
            self._error(self.tr("两次输入的PIN不一致,请重新输入"))
            return None
        return pin

    def _chosen(self) -> TeamMember | None:
        m = self.selected()
        if m is None:
            self._error(self.tr("请先在列表中选择一人"))
        return m

    def add(self) -> None:
        """Add the person of the form (PIN typed twice; no PIN: they get one later)."""
        pin = self._two_pins(self.new_pin, self.new_pin2)
        if pin is None:
            return
        name, role, by = self.new_name.text(), Role(self.new_role.currentData()), self.staff
        self.new_name.clear()
        self._act(lambda: self.team.add(name, role, pin or None, by=by))

    def change_role(self) -> None:
        m = self._chosen()
        if m is not None:
            role, by = Role(self.role.currentData()), self.staff
            self._act(lambda: self.team.change_role(m.name, role, by=by))

    def reset_pin(self) -> None:
        m = self._chosen()
        if m is None:
            return
        pin = self._two_pins(self.pin, self.pin2)
        if pin is not None:
            by = self.staff
            self._act(lambda: self.team.reset_pin(m.name, pin, by=by))

    def unlock(self) -> None:
        m = self._chosen()
        if m is not None:
            by = self.staff
            self._act(lambda: self.team.unlock(m.name, by=by))

    def retire(self) -> None:
        m = self._chosen()
        if m is not None:
            by = self.staff
            self._act(lambda: self.team.retire(m.name, by=by))
