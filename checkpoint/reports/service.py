"""One call from "which report" to the finished PDF: what the command line and the desk use."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from checkpoint.config import Settings
from checkpoint.errors import CheckpointError
from checkpoint.reports.data import DayReport, ShiftReport, day_report, shift_report
from checkpoint.reports.pdf import report_pdf
from checkpoint.storage import anchors, audit
from checkpoint.storage.db import Database
from checkpoint.storage.models import Site
from checkpoint.sync.reading import CheckpointReads, ReadScope
from checkpoint.team.site import ensure_place


class ReportKind(StrEnum):
    """Which paper: the shift handover report or the daily report."""

    SHIFT = "shift"
    DAY = "day"


@dataclass(frozen=True)
class ReportRequest:
    """A report to make: a shift (date and number) or a whole duty date."""

    kind: ReportKind
    duty_date: date
    shift_number: int | None = None

    def __post_init__(self) -> None:
        if self.kind is ReportKind.SHIFT and self.shift_number is None:
            raise CheckpointError("A shift report needs the shift number (1, 2 or 3).")

    @property
    def file_name(self) -> str:
        """A default file name, e.g. 交接班报告-2022-04-18-第2班.pdf."""
        if self.kind is ReportKind.SHIFT:
            return f"交接班报告-{self.duty_date.isoformat()}-第{self.shift_number}班.pdf"
        return f"每日一报-{self.duty_date.isoformat()}.pdf"


@dataclass(frozen=True)
class ReportDocument:
    """A made report: its figures, its PDF bytes and page count."""

    request: ReportRequest
    report: ShiftReport | DayReport
    pdf: bytes
    pages: int

    @property
    def title(self) -> str:
        """The report's title, e.g. 交接班报告 2022-04-18 白班."""
        return self.report.title


def build_report(
    db: Database, settings: Settings, request: ReportRequest, *, now: datetime | None = None
) -> ShiftReport | DayReport:
    """The figures of ``request`` (ReportError/ShiftError for an unknown date or shift).

    A lane that sends to a server reports the whole checkpoint from it when it answers, and
    its own lane otherwise; the report's ``scope`` says which (checkpoint.sync.reading).
    """

    def figures_of(session: Session, site: Site, scope: ReadScope) -> ShiftReport | DayReport:
        if request.kind is ReportKind.SHIFT:
            assert request.shift_number is not None
            made: ShiftReport | DayReport = shift_report(
                session, site, settings.tz, request.duty_date, request.shift_number, now=now
            )
        else:
            made = day_report(session, site, settings.tz, request.duty_date, now=now)
        return replace(made, scope=scope)

    reads = CheckpointReads(db, settings)
    try:
        report = reads.read(figures_of)
    finally:
        reads.close()
    if isinstance(report, ShiftReport):
        # The handover report carries this lane's chain head; the anchor log keeps it too.
        with db.session() as session:
            site_id = ensure_place(session, settings).site.id
            head = audit.head(session, site_id)
        anchors.append(settings.data_dir, site_id, head, f"handover report {request.file_name}")
        return replace(report, audit_head=head)
    return report


def make_report(
    db: Database, settings: Settings, request: ReportRequest, *, now: datetime | None = None
) -> ReportDocument:
    """Query and render ``request``: safe to call off the GUI thread (no Qt in here)."""
    report = build_report(db, settings, request, now=now)
    pdf = report_pdf(report)
    return ReportDocument(request, report, pdf.data, pdf.pages)
