"""交班 (handover): the outgoing leader names the incoming leader, writes the handover note and
the open issues for the next shift, closes the shift and, by default, prints the report.

Fill in, click 交班, click 打印 in the print dialog that follows: the leader's two clicks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QWidget,
)


@dataclass(frozen=True)
class Handover:
    """What the outgoing leader entered."""

    incoming_id: uuid.UUID | None
    note: str
    open_issues: str
    print_report: bool


class HandoverDialog(QDialog):
    """The handover form; ``accepted`` carries on in the main window (it is opened, not exec'd)."""

    def __init__(
        self,
        title: str,
        leaders: list[tuple[uuid.UUID, str]],
        parent: QWidget | None = None,
        *,
        warning: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("交班"))
        self.setMinimumWidth(560)
        form = QFormLayout(self)
        heading = QLabel(title)
        heading.setStyleSheet("font-size: 16pt; font-weight: bold;")
        form.addRow(heading)
        self.warning = QLabel(warning or "")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #e53935; font-weight: bold;")
        self.warning.setVisible(bool(warning))
        form.addRow(self.warning)
        self.incoming = QComboBox()
        self.incoming.setMinimumHeight(48)
        self.incoming.addItem(self.tr("(未指定)"), None)
        for staff_id, name in leaders:
            self.incoming.addItem(name, staff_id)
        if leaders:
            self.incoming.setCurrentIndex(1)
        form.addRow(self.tr("接班组长"), self.incoming)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(self.tr("本班情况、设备、物资……"))
        form.addRow(self.tr("交接说明"), self.note)
        self.issues = QPlainTextEdit()
        self.issues.setPlaceholderText(self.tr("需要下一班跟进的事项"))
        form.addRow(self.tr("遗留问题"), self.issues)
        self.print_box = QCheckBox(self.tr("交班后打印交接班报告"))
        self.print_box.setChecked(True)
        form.addRow(self.print_box)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("交班"))
        ok.setMinimumHeight(48)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

    def values(self) -> Handover:
        """The form's content."""
        incoming = self.incoming.currentData()
        return Handover(
            incoming if isinstance(incoming, uuid.UUID) else None,
            self.note.toPlainText().strip(),
            self.issues.toPlainText().strip(),
            self.print_box.isChecked(),
        )
