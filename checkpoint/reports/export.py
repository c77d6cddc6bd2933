"""The ledger (工作台账) of a shift, a day or a range of duty dates as CSV or XLSX.

One row per vehicle, Chinese headers, plates masked (privacy.mask_plate). CSV is UTF-8 with a
byte-order mark so Excel opens it with the Chinese intact; XLSX is written in openpyxl's
streaming mode. Neither carries a live formula: free text a guide typed ("=HYPERLINK(...)")
is neutralised in CSV and stored as a string cell in XLSX. Rows are streamed from the
database, never loaded all at once.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from checkpoint.domain import REPORT_TO_COMMUNITY_ZH, Disposition, Role, VehicleType
from checkpoint.plates import province_of
from checkpoint.privacy import mask_plate
from checkpoint.reports.data import UNFINISHED_ZH, UNKNOWN_PROVINCE_ZH, ReportError
from checkpoint.storage.models import Inspection, Lane, Shift, ShiftSlot, Site, StaffMember

XLSX_MAX_ROWS = 1_048_576 - 1  # Excel's sheet limit, less the header row
STREAM_BATCH = 2000

LEDGER_HEADER = (
    "执勤日期",
    "班次",
    "车道",
    "登记时间",
    "车牌",
    "车型",
    "人数",
    "车牌归属地",
    "出发地",
    "目的地",
    "建议处置",
    "最终处置",
    REPORT_TO_COMMUNITY_ZH,
    "原因",
    "改判理由",
    Role.GUIDE.zh,
    Role.INSPECTOR.zh,
    Role.RECORDER.zh,
    "分流决定人",
    "核验完成",
    "分流完成",
    "记录编号",
)

_DISPOSITIONS = {d.value: d.zh for d in Disposition}
_VEHICLE_TYPES = {v.value: v.zh for v in VehicleType}


@dataclass(frozen=True)
class LedgerScope:
    """Which duty dates (inclusive) and, optionally, which shift number to export."""

    first: date
    last: date
    shift_number: int | None = None

    def describe(self) -> str:
        """e.g. ``2022-04-18 shift 2`` or ``2022-04-01 to 2022-04-30``."""
        days = (
            self.first.isoformat()
            if self.first == self.last
            else f"{self.first.isoformat()} to {self.last.isoformat()}"
        )
        return f"{days} shift {self.shift_number}" if self.shift_number else days


def _reasons(value: Any) -> str:
    if not isinstance(value, list):
        return ""
    seen: dict[str, None] = {}
    for r in value:
        text = str(r.get("zh") or r.get("code") or "") if isinstance(r, dict) else str(r)
        if text:
            seen[text] = None
    return "；".join(seen)


def _check_scope(session: Session, site: Site, scope: LedgerScope) -> None:
    if scope.last < scope.first:
        raise ReportError(
            f"The range ends ({scope.last.isoformat()}) before it starts "
            f"({scope.first.isoformat()})."
        )
    cond = [
        Shift.site_id == site.id,
        Shift.duty_date >= scope.first,
        Shift.duty_date <= scope.last,
    ]
    found = session.scalar(select(func.count()).select_from(Shift).where(*cond))
    if not found:
        raise ReportError(f"No shift was opened at {site.name} on {scope.describe()}.")
    if scope.shift_number is not None:
        numbers = set(session.scalars(select(Shift.slot_number).where(*cond).distinct()).all())
        if scope.shift_number not in numbers:
            valid = ", ".join(str(n) for n in sorted(numbers))
            raise ReportError(
                f"There is no shift {scope.shift_number} on {scope.describe()}; shifts are {valid}."
            )


def ledger_rows(
    session: Session, site: Site, tz: ZoneInfo, scope: LedgerScope
) -> Iterator[tuple[Any, ...]]:
    """The ledger rows of ``scope`` in time order (ReportError at once if no shift is in it)."""
    _check_scope(session, site, scope)
    return _rows(session, site, tz, scope)


def _rows(
    session: Session, site: Site, tz: ZoneInfo, scope: LedgerScope
) -> Iterator[tuple[Any, ...]]:
    conditions: list[ColumnElement[bool]] = [
        Shift.site_id == site.id,
        Shift.duty_date >= scope.first,
        Shift.duty_date <= scope.last,
    ]
    if scope.shift_number is not None:
        conditions.append(Shift.slot_number == scope.shift_number)
    return rows_where(session, tz, conditions)


def rows_where(
    session: Session, tz: ZoneInfo, conditions: Sequence[ColumnElement[bool]]
) -> Iterator[tuple[Any, ...]]:
    """The ledger rows (LEDGER_HEADER's columns) of the vehicles matching ``conditions`` (over
    Inspection and its Shift), in time order, streamed."""
    guide, verify, record, divert = (aliased(StaffMember) for _ in range(4))
    stmt = (
        select(
            Shift.duty_date,
            ShiftSlot.name_zh,
            Lane.name,
            Inspection.created_at,
            Inspection.plate,
            Inspection.vehicle_type,
            Inspection.people_count,
            Inspection.origin,
            Inspection.destination,
            Inspection.suggested_disposition,
            Inspection.final_disposition,
            Inspection.report_to_community,
            Inspection.reasons,
            Inspection.override_reason,
            guide.name,
            verify.name,
            record.name,
            divert.name,
            Inspection.verify_at,
            Inspection.divert_at,
            Inspection.id,
        )
        .join(Shift, Shift.id == Inspection.shift_id)
        .join(ShiftSlot, ShiftSlot.id == Shift.slot_id)
        .join(Lane, Lane.id == Inspection.lane_id)
        .outerjoin(guide, guide.id == Inspection.guide_by_id)
        .outerjoin(verify, verify.id == Inspection.verify_by_id)
        .outerjoin(record, record.id == Inspection.record_by_id)
        .outerjoin(divert, divert.id == Inspection.divert_by_id)
        .where(*conditions)
        .order_by(Inspection.created_at, Inspection.id)
        .execution_options(yield_per=STREAM_BATCH)
    )

    def local(dt: Any) -> str:
        return dt.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if dt is not None else ""

    for r in session.execute(stmt):
        plate: str = r[4]
        final = r[10]
        yield (
            r[0].isoformat(),
            r[1],
            r[2],
            local(r[3]),
            mask_plate(plate),
            _VEHICLE_TYPES.get(r[5], r[5]),
            r[6],
            province_of(plate) or UNKNOWN_PROVINCE_ZH,
            r[7] or "",
            r[8] or "",
            _DISPOSITIONS.get(r[9] or "", r[9] or ""),
            _DISPOSITIONS.get(final, final) if final else UNFINISHED_ZH,
            "是" if r[11] else "否",
            _reasons(r[12]),
            r[13] or "",
            r[14] or "",
            r[15] or "",
            r[16] or "",
            r[17] or "",
            local(r[18]),
            local(r[19]),
            str(r[20]) if isinstance(r[20], uuid.UUID) else r[20],
        )


#: A cell starting with one of these is read as a formula by spreadsheet programs (OWASP
#: "CSV injection"); the full-width forms are included because some programs fold them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def neutralise(value: Any) -> Any:
    """A CSV cell that no spreadsheet program runs: text that would start a formula gets a
    leading apostrophe (OWASP's rule); numbers and other text are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(rows: Iterator[tuple[Any, ...]], path: Path) -> int:
    """Write the header and ``rows`` as UTF-8 CSV with BOM, every text cell neutralised
    (:func:`neutralise`); returns the number of rows."""
    n = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(LEDGER_HEADER)
        for row in rows:
            writer.writerow([neutralise(v) for v in row])
            n += 1
    return n


def write_xlsx(rows: Iterator[tuple[Any, ...]], path: Path, *, title: str = "工作台账") -> int:
    """Write the header and ``rows`` as one XLSX sheet; ReportError past Excel's row limit.

    Text is always stored as a string cell, never as a formula, whatever it starts with."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES
    from openpyxl.styles import Font, PatternFill

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.freeze_panes = "A2"
    widths = (12, 8, 10, 20, 12, 8, 6, 10, 12, 12, 14, 14, 10, 36, 30, 8, 8, 8, 10, 20, 20, 38)
    for i, w in enumerate(widths):
        ws.column_dimensions[_column_letter(i)].width = w
    bold = Font(bold=True)
    shade = PatternFill("solid", fgColor="ECECEC")
    header = []
    for text in LEDGER_HEADER:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        cell.fill = shade
        header.append(cell)
    ws.append(header)
    n = 0
    for row in rows:
        if n >= XLSX_MAX_ROWS:
            raise ReportError(
                f"The ledger has more than {XLSX_MAX_ROWS:,} rows, more than one Excel sheet "
                "holds; export a shorter range or use .csv."
            )
        # openpyxl reads text starting "=" as a formula and "#N/A" and its kind as errors: those
        # go in as string cells; other values through openpyxl's one reused cell (cheaper)
        ws.append(
            [
                _text_cell(ws, v)
                if isinstance(v, str) and (v.startswith("=") or v in ERROR_CODES)
                else v
                for v in row
            ]
        )
        n += 1
    wb.save(str(path))
    return n


def _text_cell(ws: Any, text: str) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"  # openpyxl would store "=..." as a formula
    return cell


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))


def export_ledger(
    session: Session, site: Site, tz: ZoneInfo, scope: LedgerScope, path: Path
) -> int:
    """Write the ledger of ``scope`` to ``path`` (.csv or .xlsx); returns the number of rows."""
    check_suffix(path)
    return write_rows(ledger_rows(session, site, tz, scope), path)


def check_suffix(path: Path) -> None:
    """ReportError unless ``path`` names a .csv or .xlsx file."""
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise ReportError(f"Export to .csv or .xlsx, not {path.name!r}.")


def write_rows(rows: Iterator[tuple[Any, ...]], path: Path) -> int:
    """Write ledger ``rows`` to ``path`` (.csv or .xlsx) atomically; returns the row count."""
    check_suffix(path)
    suffix = path.suffix.lower()
    tmp = path.with_name(path.name + ".part")
    try:
        n = write_csv(rows, tmp) if suffix == ".csv" else write_xlsx(rows, tmp)
        tmp.replace(path)
    except OSError as exc:
        raise ReportError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return n
