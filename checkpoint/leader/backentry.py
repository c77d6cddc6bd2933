"""Paper-ledger back-entry (补录): the vehicles a lane wrote on paper while the laptop was down.

A CSV or XLSX file with a header row and the columns
``time,plate,vehicle_type,people,origin,destination,disposition,note`` (Chinese headers
时间,车牌,车型,人数,出发地,目的地,处置,备注 accepted too) for one duty date. Every row is
checked like a desk entry: the plate (:func:`checkpoint.plates.parse_plate`), the vehicle type
and disposition by value or Chinese name, at least one person, a time inside the duty date and
not in the future, no row already in the ledger. One bad row and nothing of the file is saved;
the error names the line and what is wrong. A good file is saved in one transaction, each
vehicle marked as back-entered (:class:`~checkpoint.storage.models.PaperEntry`: file, line, who,
when) and the import audited. A shift that was never opened (the outage took the whole shift) is
opened for the importer and, if it is over, closed again, so the vehicles have their shift.

Paper records carry no findings, so nothing is judged: the disposition is the one on paper. No
136 response is started for them; it was run on paper at the time.
"""

from __future__ import annotations

import csv
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from checkpoint.config import Settings
from checkpoint.domain import REPORT_TO_COMMUNITY_ZH, Disposition, Step, VehicleType
from checkpoint.errors import CheckpointError
from checkpoint.plates import PlateError, parse_plate
from checkpoint.storage import audit
from checkpoint.storage.db import Database
from checkpoint.storage.models import Inspection, PaperEntry, Shift, StaffMember, utcnow
from checkpoint.team.auth import Permission, require
from checkpoint.team.rota import PlanSpec, active_plan, close_shift, find_shift, locate, open_shift
from checkpoint.team.rota import spec_from_model as plan_spec
from checkpoint.team.site import ensure_place

COLUMNS = (
    "time",
    "plate",
    "vehicle_type",
    "people",
    "origin",
    "destination",
    "disposition",
    "note",
)
CHINESE_COLUMNS = {
    "时间": "time",
    "车牌": "plate",
    "车型": "vehicle_type",
    "人数": "people",
    "出发地": "origin",
    "目的地": "destination",
    "处置": "disposition",
    "备注": "note",
}
MAX_PEOPLE = 99
MAX_PLACE = 100
MAX_NOTE = 500
# how many further bad lines the error message names after the first
NAMED_LINES = 10
_TIME = re.compile(r"^(?:(\d{4}-\d{2}-\d{2})[ T])?(\d{1,2}):(\d{2})(?::(\d{2}))?$")


class BackEntryError(CheckpointError):
    """A paper-ledger file that cannot be entered; ``problems`` lists every bad line."""

    def __init__(self, message: str, problems: tuple[RowProblem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one line of the file (line 1 is the header)."""

    line: int
    column: str | None
    message: str


@dataclass(frozen=True)
class PaperRow:
    """One checked line of the paper ledger."""

    line: int
    at: datetime
    duty_date: date
    shift_number: int
    plate: str
    vehicle_type: VehicleType
    people: int
    origin: str | None
    destination: str | None
    disposition: Disposition
    report_to_community: bool
    note: str | None


@dataclass(frozen=True)
class ImportResult:
    """A saved back-entry: how many vehicles, their ids, which shifts had to be opened."""

    source: str
    duty_date: date
    vehicles: int
    people: int
    inspection_ids: tuple[uuid.UUID, ...]
    shifts_opened: tuple[int, ...]


# --- reading the file -----------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_lines(path: Path) -> list[tuple[int, list[str]]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on a Chinese Windows saves "CSV" in GBK
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise BackEntryError(
                f"{path.name} is neither UTF-8 nor GBK text; save it as CSV UTF-8."
            ) from None
    reader = csv.reader(text.splitlines(keepends=True))
    out: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            out.append((reader.line_num, [c.strip() for c in row]))
    except csv.Error as exc:
        raise BackEntryError(f"{path.name}, line {reader.line_num}: {exc}.") from None
    return out


def _xlsx_lines(path: Path) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise BackEntryError(f"{path.name} cannot be read as an Excel workbook ({exc}).") from None
    try:
        ws = wb.worksheets[0]
        return [
            (number, [_cell(v) for v in row])
            for number, row in enumerate(ws.iter_rows(values_only=True), start=1)
        ]
    finally:
        wb.close()


def read_lines(path: Path) -> list[tuple[int, list[str]]]:
    """The file's rows as (line number, cells), from a .csv or .xlsx file."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise BackEntryError(f"Back-entry reads .csv or .xlsx files, not {path.name!r}.")
    if not path.is_file():
        raise BackEntryError(f"There is no file {path}.")
    try:
        return _csv_lines(path) if suffix == ".csv" else _xlsx_lines(path)
    except OSError as exc:
        raise BackEntryError(f"{path} cannot be read ({exc.strerror or exc}).") from None


def _header(cells: list[str], name: str) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, raw in enumerate(cells):
        key = raw.strip().lower()
        if not key:
            continue
        column = CHINESE_COLUMNS.get(key, key)
        if column not in COLUMNS:
            raise BackEntryError(
                f"{name}, line 1: unknown column {raw!r}; the columns are {','.join(COLUMNS)}."
            )
        index[column] = i
    missing = [c for c in COLUMNS if c not in index]
    if missing:
        raise BackEntryError(
            f"{name}, line 1: the header lacks {', '.join(missing)}; "
            f"the columns are {','.join(COLUMNS)}."
        )
    return index


# --- checking rows --------------------------------------------------------------------------


class _RowChecker:
    """Checks one line after another against the duty date, the rota and the clock."""

    def __init__(self, duty_date: date, plan: PlanSpec, tz: ZoneInfo, now: datetime) -> None:
        self.duty_date = duty_date
        self.plan = plan
        self.tz = tz
        self.now = now

    def instant(self, text: str) -> tuple[datetime, int]:
        m = _TIME.match(text.strip())
        if m is None:
            raise ValueError(f"{text!r} is not a time like 14:30")
        day_text, hh, mm, ss = m.groups()
        try:
            clock = time(int(hh), int(mm), int(ss or 0))
        except ValueError:
            raise ValueError(f"{text!r} is not a time of day") from None
        if day_text is not None:
            candidates = [date.fromisoformat(day_text)]
        else:
            # a shift crossing midnight: its small hours fall on the next calendar day
            candidates = [self.duty_date, self.duty_date + timedelta(days=1)]
        for day in candidates:
            at = datetime.combine(day, clock, tzinfo=self.tz)
            w = locate(at, self.plan, self.tz)
            if w.duty_date == self.duty_date:
                if at > self.now:
                    raise ValueError(f"{text} is in the future")
                return at, w.slot.number
        raise ValueError(f"{text} is not within duty date {self.duty_date.isoformat()}")

    def row(self, line: int, cells: dict[str, str]) -> PaperRow:
        at, number = self._field("time", lambda: self.instant(cells["time"]))
        plate = self._field("plate", lambda: parse_plate(cells["plate"]).text)
        vtype = self._field("vehicle_type", lambda: VehicleType.from_text(cells["vehicle_type"]))
        people = self._field("people", lambda: _people(cells["people"]))
        disposition, report = self._field("disposition", lambda: _outcome(cells["disposition"]))
        origin = self._field("origin", lambda: _text(cells["origin"], MAX_PLACE))
        destination = self._field("destination", lambda: _text(cells["destination"], MAX_PLACE))
        note = self._field("note", lambda: _text(cells["note"], MAX_NOTE))
        return PaperRow(
            line, at, self.duty_date, number, plate, vtype, people, origin, destination,
            disposition, report, note,
        )  # fmt: skip

    @staticmethod
    def _field(column: str, read: Any) -> Any:
        try:
            return read()
        except (ValueError, PlateError) as exc:
            raise _Bad(column, str(exc).rstrip(".")) from None


class _Bad(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _people(text: str) -> int:
    value = text.strip()
    if not value.isdigit() or not 1 <= int(value) <= MAX_PEOPLE:
        raise ValueError(f"{value!r} is not a head-count from 1 to {MAX_PEOPLE}")
    return int(value)


def _outcome(text: str) -> tuple[Disposition, bool]:
    """A disposition, optionally with 落地报备: "放行", "release", "放行+落地报备", "落地报备"."""
    value = "".join(text.split())
    report = False
    for mark in (REPORT_TO_COMMUNITY_ZH, "report_to_community"):
        if mark in value:
            report = True
            value = value.replace(mark, "").strip("+＋/、")
    disposition = Disposition.from_text(value) if value else Disposition.RELEASE
    if not value and not report:
        raise ValueError("the disposition is empty")
    return disposition, report


def _text(value: str, limit: int) -> str | None:
    text = value.strip()
    if len(text) > limit:
        raise ValueError(f"longer than {limit} characters")
    return text or None


def check_rows(
    lines: Iterable[tuple[int, list[str]]],
    name: str,
    duty_date: date,
    plan: PlanSpec,
    tz: ZoneInfo,
    now: datetime,
) -> list[PaperRow]:
    """Every data line checked; BackEntryError naming each bad line if any is wrong."""
    it = iter(lines)
    first = next(it, None)
    if first is None:
        raise BackEntryError(f"{name} is empty; it needs a header row and one row per vehicle.")
    index = _header(first[1], name)
    checker = _RowChecker(duty_date, plan, tz, now)
    rows: list[PaperRow] = []
    problems: list[RowProblem] = []
    seen: dict[tuple[str, datetime], int] = {}
    for line, raw in it:
        if not any(raw):
            continue
        cells = {c: raw[i] if i < len(raw) else "" for c, i in index.items()}
        try:
            row = checker.row(line, cells)
        except _Bad as bad:
            problems.append(RowProblem(line, bad.column, bad.message))
            continue
        key = (row.plate, row.at)
        if key in seen:
            problems.append(
                RowProblem(
                    line, "plate", f"{row.plate} at {cells['time']} repeats line {seen[key]}"
                )
            )
            continue
        seen[key] = line
        rows.append(row)
    if problems:
        raise _failure(name, problems)
    if not rows:
        raise BackEntryError(f"{name} has a header but no vehicles; nothing was saved.")
    return rows


def _failure(name: str, problems: list[RowProblem]) -> BackEntryError:
    first = problems[0]
    where = f" ({first.column})" if first.column else ""
    message = f"{name}, line {first.line}{where}: {first.message}"
    others = [str(p.line) for p in problems[1:]]
    if others:
        named = ", ".join(others[:NAMED_LINES]) + (" ..." if len(others) > NAMED_LINES else "")
        message += f"; {len(others)} more bad lines ({named})"
    return BackEntryError(f"{message}. Nothing of the file was saved.", tuple(problems))


# --- saving ---------------------------------------------------------------------------------


def import_paper_ledger(
    db: Database,
    settings: Settings,
    path: Path,
    duty_date: date,
    *,
    staff: StaffMember,
    now: datetime | None = None,
) -> ImportResult:
    """Check and save the paper ledger in ``path`` for ``duty_date`` on this lane, all or nothing.

    Needs CORRECT_RECORD (组长, 点长). BackEntryError names the bad lines; nothing is saved then.
    """
    at = now or utcnow()
    name = path.name
    lines = read_lines(path)
    with db.session() as s:
        member = s.get(StaffMember, staff.id)
        if member is None:
            raise BackEntryError(f"{staff.name} is not on this site's staff list.")
        require(member, Permission.CORRECT_RECORD)
        place = ensure_place(s, settings)
        plan = plan_spec(active_plan(s, place.site))
        rows = check_rows(lines, name, duty_date, plan, settings.tz, at)
        _refuse_known(s, place.lane.id, rows, name)
        shifts: dict[int, Shift] = {}
        opened: list[int] = []
        for number in sorted({r.shift_number for r in rows}):
            shift = find_shift(s, place.site, duty_date, number)
            if shift is None:
                shift = open_shift(
                    s, place.site, leader=member, tz=settings.tz, duty_date=duty_date,
                    number=number, opened_by=member, at=at,
                )  # fmt: skip
                opened.append(number)
                if shift.ends_at <= at:
                    close_shift(
                        s, shift, closed_by=member, handover_to=None, at=at,
                        note=f"补录：纸质台账 {name}",
                    )  # fmt: skip
            shifts[number] = shift
        ids: list[uuid.UUID] = []
        for r in rows:
            # ids made here, so the rows go in with one flush rather than one per vehicle
            insp = Inspection(
                id=uuid.uuid4(),
                shift_id=shifts[r.shift_number].id,
                lane_id=place.lane.id,
                status="done",
                step=Step.DIVERT.value,
                plate=r.plate,
                vehicle_type=r.vehicle_type.value,
                people_count=r.people,
                origin=r.origin,
                destination=r.destination,
                created_at=r.at,
                guide_at=r.at,
                final_disposition=r.disposition.value,
                report_to_community=r.report_to_community,
                reasons=[],
            )
            paper = PaperEntry(
                inspection_id=insp.id,
                source=name[:200],
                line=r.line,
                note=r.note,
                entered_by_id=member.id,
                entered_at=at,
            )
            s.add_all([insp, paper])
            ids.append(insp.id)
        s.flush()
        audit.record(
            s,
            place.site.id,
            member.id,
            "ledger.back_entry",
            str(place.lane.id),
            {
                "duty_date": duty_date.isoformat(),
                "vehicles": len(rows),
                "shifts_opened": opened,
            },
            at=at,
        )
    return ImportResult(
        name, duty_date, len(rows), sum(r.people for r in rows), tuple(ids), tuple(opened)
    )


def _refuse_known(s: Any, lane_id: uuid.UUID, rows: list[PaperRow], name: str) -> None:
    """Importing a file twice would count its vehicles twice: refuse rows already saved."""
    first = min(r.at for r in rows)
    last = max(r.at for r in rows)
    known = set(
        s.execute(
            select(Inspection.plate, Inspection.created_at).where(
                Inspection.lane_id == lane_id,
                Inspection.created_at >= first,
                Inspection.created_at <= last,
                Inspection.plate.in_({r.plate for r in rows}),
            )
        ).all()
    )
    problems = [
        RowProblem(r.line, "plate", f"{r.plate} at {r.at:%H:%M} is already in the ledger")
        for r in rows
        if (r.plate, r.at) in known
    ]
    if problems:
        raise _failure(name, problems)
