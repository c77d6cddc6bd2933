"""The checkpoint's vocabulary: the one place each term, its order and its display names live.

Every other module (rules, storage, reports, the desk) names these members; none spells the
Chinese or English label of a disposition, role or vehicle type itself.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class _Labelled(StrEnum):
    """A string enum whose members carry a Simplified Chinese and an English label."""

    zh: str
    en: str

    def __new__(cls, value: str, zh: str = "", en: str = "") -> _Labelled:
        # Defaults only so that lookups by value, Disposition("release"), type-check.
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh = zh
        member.en = en
        return member

    def label(self, lang: str = "zh_CN") -> str:
        """The display name in ``lang`` (``zh_CN`` or ``en``)."""
        return self.zh if lang.startswith("zh") else self.en

    @classmethod
    def from_text(cls, text: str) -> Self:
        """The member named by its value, Chinese or English label (any case); ValueError
        listing the accepted values otherwise."""
        key = "".join(text.split()).lower()
        for member in cls:
            if key in (member.value, member.zh, "".join(member.en.split()).lower()):
                return member
        names = ", ".join(f"{m.value} ({m.zh})" for m in cls)
        raise ValueError(f"{text.strip()!r} is not one of {names}")


class Disposition(_Labelled):
    """Where a vehicle goes after the check (分流). Declared from least to most severe."""

    RELEASE = ("release", "放行", "Release")
    TEST_LANE = ("test_lane", "核酸检测通道", "Test lane")
    ESCORT = ("escort", "点对点闭环", "Escort point-to-point")
    PERSUADE_RETURN = ("persuade_return", "劝返", "Persuade to return")
    QUARANTINE = ("quarantine", "转运隔离", "Quarantine transfer")

    @property
    def severity(self) -> int:
        """Rank for "the most severe disposition wins"; release is 0."""
        return list(Disposition).index(self)

    @classmethod
    def most_severe(cls, items: list[Disposition]) -> Disposition:
        """The most severe of ``items``; release when there are none."""
        return max(items, key=lambda d: d.severity, default=cls.RELEASE)


REPORT_TO_COMMUNITY_ZH = "落地报备"
REPORT_TO_COMMUNITY_EN = "Report to community"


class Verdict(_Labelled):
    """One person's outcome of the verify step (核验结论)."""

    PASS = ("pass", "通过", "Pass")
    ATTENTION = ("attention", "需关注", "Needs attention")
    STOP = ("stop", "拦截", "Stop")


class VehicleType(_Labelled):
    """Vehicle classes the guide records (车型)."""

    CAR = ("car", "小客车", "Car")
    TRUCK = ("truck", "货车", "Truck")
    BUS = ("bus", "客车", "Bus")
    OTHER = ("other", "其他", "Other")


class Role(_Labelled):
    """Duty roles of the 1+N+4 team. ``admin`` is the point chief (点长), who also administers."""

    ADMIN = ("admin", "点长", "Point chief")
    LEADER = ("leader", "组长", "Shift leader")
    GUIDE = ("guide", "引导员", "Guide")
    INSPECTOR = ("inspector", "查验员", "Inspector")
    RECORDER = ("recorder", "录入员", "Recorder")
    VOLUNTEER = ("volunteer", "志愿者", "Volunteer")

    @classmethod
    def parse(cls, text: str) -> Role:
        """A role from its value, its Chinese name or the alias ``chief``."""
        key = text.strip().lower()
        if key == "chief":
            return cls.ADMIN
        for role in cls:
            if key in (role.value, role.zh, role.en.lower()):
                return role
        names = ", ".join(r.value for r in cls)
        raise ValueError(f"unknown role {text!r}; expected one of {names}")


class Step(_Labelled):
    """The four steps every vehicle goes through (四步法)."""

    GUIDE = ("guide", "引导", "Guide")
    VERIFY = ("verify", "核验", "Verify")
    RECORD = ("record", "录入", "Record")
    DIVERT = ("divert", "分流", "Divert")


class CodeColour(_Labelled):
    """Health-code colour (健康码颜色)."""

    GREEN = ("green", "绿码", "Green")
    YELLOW = ("yellow", "黄码", "Yellow")
    RED = ("red", "红码", "Red")


class Occupant(_Labelled):
    """A person's place in the vehicle (司乘人员)."""

    DRIVER = ("driver", "驾驶员", "Driver")
    PASSENGER = ("passenger", "乘客", "Passenger")
