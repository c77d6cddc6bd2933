"""Today's risk areas (中高风险地区), imported from a CSV and kept as a file in the data dir.

CSV columns (header row required; UTF-8 with or without a BOM, UTF-16 or GBK)::

    region_code,name,level,effective_from,effective_to
    330102,杭州市上城区,high,2022-04-20,
    310000,上海市,medium,2022-03-28,2022-05-31

``level`` is high/medium/low (or 高/中/低); ``effective_to`` may be empty (still in force).
A bad row is an error naming its line; nothing is imported from a file with a bad row.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from checkpoint.credentials.claims import REGION_CODE
from checkpoint.errors import CheckpointError

FILE_NAME = "risk-areas.json"
COLUMNS = ("region_code", "name", "level", "effective_from", "effective_to")


class RiskAreaError(CheckpointError):
    """The risk-area CSV or the stored list is unusable; the message names the line."""


class RiskLevel(Enum):
    """A risk area's level (风险等级), from least to most severe."""

    LOW = ("low", "低风险", "Low risk")
    MEDIUM = ("medium", "中风险", "Medium risk")
    HIGH = ("high", "高风险", "High risk")

    def __init__(self, code: str, zh: str, en: str) -> None:
        self.code = code
        self.zh = zh
        self.en = en

    @classmethod
    def parse(cls, text: str) -> RiskLevel:
        """A level from ``high``/``medium``/``low``, 高/中/低 or 高风险/中风险/低风险."""
        key = text.strip().lower()
        for level in cls:
            if key in (level.code, level.zh, level.zh[0]):
                return level
        raise ValueError(f"unknown risk level {text!r}; expected high, medium or low")


def region_prefix(code: str) -> str:
    """The significant part of a GB/T 2260 code: ``330100`` → ``3301``, ``330000`` → ``33``."""
    prefix = code
    while len(prefix) > 2 and prefix.endswith("00"):
        prefix = prefix[:-2]
    return prefix


@dataclass(frozen=True)
class RiskArea:
    """One risk area with its level and the dates it is in force (both ends included)."""

    region_code: str
    name: str
    level: RiskLevel
    effective_from: date
    effective_to: date | None = None

    def in_force_on(self, day: date) -> bool:
        """Whether the area was a risk area on ``day``."""
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def contains(self, region_code: str) -> bool:
        """Whether ``region_code`` lies inside this area (same code or a sub-division)."""
        return region_code.startswith(region_prefix(self.region_code))

    def within(self, region_code: str) -> bool:
        """Whether this area lies inside the broader region ``region_code`` (e.g. its city)."""
        return region_prefix(self.region_code).startswith(region_prefix(region_code))


@dataclass(frozen=True)
class RiskAreaList:
    """The imported list with when and from what it was imported."""

    areas: tuple[RiskArea, ...]
    imported_at: datetime | None = None
    source: str | None = None


def _date(text: str, line: int, column: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise RiskAreaError(f"line {line}: {column} {text!r} is not a date (YYYY-MM-DD).") from exc


def parse_csv(text: str, origin: str = "CSV") -> list[RiskArea]:
    """Risk areas from CSV text; :class:`RiskAreaError` names the first bad line."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        return _parse_rows(reader, origin)
    except csv.Error as exc:  # a field past csv's size limit, a NUL byte
        raise RiskAreaError(
            f"{origin}, line {reader.line_num}: not readable as CSV ({exc})."
        ) from exc


def _parse_rows(reader: Any, origin: str) -> list[RiskArea]:
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration as exc:
        raise RiskAreaError(f"{origin} is empty; expected a header: {','.join(COLUMNS)}.") from exc
    missing = [c for c in COLUMNS[:4] if c not in header]
    if missing:
        raise RiskAreaError(
            f"{origin}, line 1: missing column(s) {', '.join(missing)}; "
            f"expected {','.join(COLUMNS)}."
        )
    index = {c: header.index(c) for c in COLUMNS if c in header}
    areas = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            row = row + [""] * (len(header) - len(row))
        cells = {c: row[i].strip() for c, i in index.items()}
        code = cells["region_code"]
        if not REGION_CODE.match(code):
            raise RiskAreaError(
                f"{origin}, line {line}: {code!r} is not a six-digit GB/T 2260 region code."
            )
        if not cells["name"]:
            raise RiskAreaError(f"{origin}, line {line}: the name is empty.")
        try:
            level = RiskLevel.parse(cells["level"])
        except ValueError as exc:
            raise RiskAreaError(f"{origin}, line {line}: {exc}.") from exc
        start = _date(cells["effective_from"], line, "effective_from")
        end = (
            _date(cells["effective_to"], line, "effective_to")
            if cells.get("effective_to")
            else None
        )
        if end is not None and end < start:
            raise RiskAreaError(f"{origin}, line {line}: effective_to is before effective_from.")
        areas.append(RiskArea(code, cells["name"], level, start, end))
    return areas


def _to_json(area: RiskArea) -> dict[str, Any]:
    return {
        "region_code": area.region_code,
        "name": area.name,
        "level": area.level.code,
        "effective_from": area.effective_from.isoformat(),
        "effective_to": area.effective_to.isoformat() if area.effective_to else None,
    }


def read_text(path: Path) -> tuple[str, str]:
    """(text, encoding name) of a CSV as spreadsheets save it: UTF-8 with or without a BOM,
    UTF-16 with a BOM, or GBK/GB18030 (what Chinese Excel writes); RiskAreaError naming the
    encoding otherwise."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RiskAreaError(f"{path} cannot be read ({exc.strerror or exc}).") from exc
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise RiskAreaError(f"{path} starts like UTF-16 but is not valid UTF-16.") from exc
    try:
        return raw.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "GBK/GB18030"
    except UnicodeDecodeError as exc:
        raise RiskAreaError(
            f"{path} is neither UTF-8 nor GBK text (byte {exc.start}); save it as "
            "CSV UTF-8 and import again."
        ) from exc


def import_csv(
    data_dir: Path, csv_file: Path, at: datetime, *, replace_with_empty: bool = False
) -> RiskAreaList:
    """Replace the stored list with ``csv_file``'s areas (all or nothing). A file with a
    header but no areas would empty the list: refused unless ``replace_with_empty``."""
    text, _encoding = read_text(csv_file)
    areas = parse_csv(text, str(csv_file))
    if not areas and not replace_with_empty:
        raise RiskAreaError(
            f"{csv_file} has a header but no risk areas; importing it would empty the list. "
            "Pass --replace-with-empty if that is what you mean."
        )
    listing = RiskAreaList(tuple(areas), at, csv_file.name)
    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / FILE_NAME
    fd, name = tempfile.mkstemp(prefix=".risk-areas-", suffix=".tmp", dir=data_dir)
    os.close(fd)
    tmp = Path(name)
    tmp.write_text(
        json.dumps(
            {
                "imported_at": at.isoformat(),
                "source": csv_file.name,
                "areas": [_to_json(a) for a in areas],
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    tmp.replace(target)
    return listing


def load(data_dir: Path) -> RiskAreaList:
    """The stored list; an empty list when nothing was imported yet."""
    path = data_dir / FILE_NAME
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return RiskAreaList(())
    except (OSError, ValueError) as exc:
        raise RiskAreaError(
            f"The risk-area list {path} is unreadable ({exc}); import it again."
        ) from exc
    try:
        areas = tuple(
            RiskArea(
                a["region_code"],
                a["name"],
                RiskLevel.parse(a["level"]),
                date.fromisoformat(a["effective_from"]),
                date.fromisoformat(a["effective_to"]) if a.get("effective_to") else None,
            )
            for a in doc["areas"]
        )
        imported = datetime.fromisoformat(doc["imported_at"])
    except (KeyError, TypeError, ValueError) as exc:
        raise RiskAreaError(
            f"The risk-area list {path} is damaged ({exc}); import it again."
        ) from exc
    return RiskAreaList(areas, imported, doc.get("source"))
