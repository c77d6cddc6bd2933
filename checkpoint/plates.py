"""Chinese licence plates (车牌): normalise and validate ordinary, new-energy and trailer plates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from checkpoint.config import PROVINCES
from checkpoint.errors import CheckpointError

PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # I and O are never used
PLATE_ALNUM = PLATE_LETTERS + "0123456789"
_SUFFIX = "挂学警港澳"

_ORDINARY = re.compile(
    rf"^[{PROVINCES}][{PLATE_LETTERS}][{PLATE_ALNUM}]{{4}}[{PLATE_ALNUM}{_SUFFIX}]$"
)
_SMALL_NEW_ENERGY = re.compile(
    rf"^[{PROVINCES}][{PLATE_LETTERS}][DABCEFGHJK][{PLATE_ALNUM}]\d{{4}}$"
)
_LARGE_NEW_ENERGY = re.compile(rf"^[{PROVINCES}][{PLATE_LETTERS}]\d{{5}}[DF]$")


class PlateProblem(StrEnum):
    """What is wrong with a plate: a stable code the screen translates."""

    EMPTY = "empty"
    PROVINCE = "province"
    LETTER_I_O = "letter_i_o"
    NEW_ENERGY = "new_energy"
    PATTERN = "pattern"


class PlateError(CheckpointError):
    """A plate that is not a valid Chinese plate, with what is wrong (``problem``)."""

    def __init__(self, problem: PlateProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


class PlateKind(StrEnum):
    """Which plate pattern matched."""

    ORDINARY = "ordinary"
    TRAILER = "trailer"
    NEW_ENERGY = "new_energy"


@dataclass(frozen=True)
class Plate:
    """A validated plate: its normalised text, province abbreviation and kind."""

    text: str
    province: str
    kind: PlateKind


def normalise(text: str) -> str:
    """Upper-case, without spaces, separator dots (·, •, .) or hyphens."""
    return re.sub(r"[\s·•.\-]", "", text).upper()


def parse_plate(text: str) -> Plate:
    """Validate ``text``; PlateError says what is wrong (province, I/O letters, length)."""
    plate = normalise(text)
    if not plate:
        raise PlateError(PlateProblem.EMPTY, "Enter the plate number.")
    if plate[0] not in PROVINCES:
        raise PlateError(
            PlateProblem.PROVINCE,
            f"{plate!r} does not start with a province abbreviation such as 浙.",
        )
    if "I" in plate or "O" in plate:
        raise PlateError(
            PlateProblem.LETTER_I_O, f"{plate!r}: plates never use the letters I or O (use 1 or 0)."
        )
    if len(plate) == 8:
        if _SMALL_NEW_ENERGY.match(plate) or _LARGE_NEW_ENERGY.match(plate):
            return Plate(plate, plate[0], PlateKind.NEW_ENERGY)
        raise PlateError(
            PlateProblem.NEW_ENERGY, f"{plate!r} is 8 characters but not a valid new-energy plate."
        )
    if len(plate) == 7 and _ORDINARY.match(plate):
        kind = PlateKind.TRAILER if plate.endswith("挂") else PlateKind.ORDINARY
        return Plate(plate, plate[0], kind)
    raise PlateError(
        PlateProblem.PATTERN, f"{plate!r} is not a valid plate (e.g. 浙A12345 or 浙AD12345)."
    )


def province_of(plate: str) -> str | None:
    """The province abbreviation a stored plate starts with, or None."""
    return plate[0] if plate and plate[0] in PROVINCES else None


# Full province names as people type them into a search box, to their plate abbreviation.
PROVINCE_NAMES = {
    "北京": "京", "天津": "津", "上海": "沪", "重庆": "渝", "河北": "冀", "河南": "豫",
    "云南": "云", "辽宁": "辽", "黑龙江": "黑", "湖南": "湘", "安徽": "皖", "山东": "鲁",
    "新疆": "新", "江苏": "苏", "浙江": "浙", "江西": "赣", "湖北": "鄂", "广西": "桂",
    "甘肃": "甘", "山西": "晋", "内蒙古": "蒙", "陕西": "陕", "吉林": "吉", "福建": "闽",
    "贵州": "贵", "广东": "粤", "青海": "青", "西藏": "藏", "四川": "川", "宁夏": "宁",
    "海南": "琼",
}  # fmt: skip


def search_key(text: str) -> str:
    """What a person typed to find a plate, normalised: 浙江a1·2 → 浙A12 (a full province name
    becomes its abbreviation). Starts with a province abbreviation when the plate must."""
    key = normalise(text)
    for name in sorted(PROVINCE_NAMES, key=len, reverse=True):
        if key.startswith(name):
            return PROVINCE_NAMES[name] + key[len(name) :]
    return key
