"""The content types a checkpoint pass carries and the rules read: places visited (行程),
a nucleic-acid test (核酸检测), a goods-vehicle pass (货车通行证). Plain frozen data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from checkpoint.domain import CodeColour

REGION_CODE = re.compile(r"^[1-8]\d{5}$")
PASS_NUMBER = re.compile(r"^\d{12}$")


class TestResult(StrEnum):
    """A nucleic-acid (or antigen) test's outcome (检测结果)."""

    __test__ = False  # not a pytest class, despite the name

    NEGATIVE = "negative"
    POSITIVE = "positive"


class RiskMark(StrEnum):
    """A mark on a place of the itinerary card: the star (带星号) flags a city with risk areas."""

    STAR = "star"


@dataclass(frozen=True)
class Region:
    """A place by its GB/T 2260 administrative code (行政区划代码) and name."""

    code: str
    name: str

    def to_json(self) -> dict[str, str]:
        """``{"code": ..., "name": ...}``: the one JSON shape of a region."""
        return {"code": self.code, "name": self.name}

    @classmethod
    def from_json(cls, m: dict[str, Any]) -> Region:
        """The inverse of :meth:`to_json`."""
        return cls(str(m["code"]), str(m["name"]))


@dataclass(frozen=True)
class PlaceVisit:
    """One place of the itinerary with the date it was visited and its risk mark, if any."""

    region: Region
    visited_on: date
    mark: RiskMark | None = None

    def to_json(self) -> dict[str, Any]:
        """Region code and name, ISO date and mark, flat."""
        return {
            **self.region.to_json(),
            "date": self.visited_on.isoformat(),
            "mark": self.mark.value if self.mark else None,
        }

    @classmethod
    def from_json(cls, m: dict[str, Any]) -> PlaceVisit:
        """The inverse of :meth:`to_json`."""
        mark = RiskMark(m["mark"]) if m.get("mark") else None
        return cls(Region.from_json(m), date.fromisoformat(m["date"]), mark)


@dataclass(frozen=True)
class NucleicAcidTest:
    """A test with its sample time (采样时间), result and method (e.g. PCR, antigen)."""

    sample_time: datetime
    result: TestResult
    method: str = "PCR"

    def to_json(self) -> dict[str, str]:
        """ISO sample time, result value and method."""
        return {
            "sample_time": self.sample_time.isoformat(),
            "result": self.result.value,
            "method": self.method,
        }

    @classmethod
    def from_json(cls, m: dict[str, Any]) -> NucleicAcidTest:
        """The inverse of :meth:`to_json`."""
        return cls(datetime.fromisoformat(m["sample_time"]), TestResult(m["result"]), m["method"])


@dataclass(frozen=True)
class GoodsPass:
    """A goods-vehicle pass (重点物资运输车辆通行证): number, plate, route, validity, cargo."""

    number: str
    plate: str
    origin: Region
    destination: Region
    valid_from: date
    valid_to: date
    cargo: str = ""

    def valid_on(self, day: date) -> bool:
        """Whether ``day`` falls within the pass's validity (both ends included)."""
        return self.valid_from <= day <= self.valid_to

    def to_json(self) -> dict[str, Any]:
        """Number, plate, route as regions, ISO validity dates and cargo."""
        return {
            "number": self.number,
            "plate": self.plate,
            "origin": self.origin.to_json(),
            "destination": self.destination.to_json(),
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat(),
            "cargo": self.cargo,
        }

    @classmethod
    def from_json(cls, m: dict[str, Any]) -> GoodsPass:
        """The inverse of :meth:`to_json`."""
        return cls(
            m["number"],
            m["plate"],
            Region.from_json(m["origin"]),
            Region.from_json(m["destination"]),
            date.fromisoformat(m["valid_from"]),
            date.fromisoformat(m["valid_to"]),
            m.get("cargo", ""),
        )


@dataclass(frozen=True)
class PassContent:
    """What a credential states that the rules can use: for a checkpoint pass (卡口通行码)
    everything below; for an EU DCC test certificate only the holder and the test."""

    holder: str | None = None
    code_colour: CodeColour | None = None
    code_time: datetime | None = None
    itinerary_days: int | None = None
    places: tuple[PlaceVisit, ...] = ()
    test: NucleicAcidTest | None = None
    goods_pass: GoodsPass | None = None
    demo: bool = False

    @property
    def kind(self) -> str:
        """``goods_vehicle`` when it carries a goods-vehicle pass, else ``health``."""
        return "goods_vehicle" if self.goods_pass is not None else "health"
