"""Plate validation: ordinary, trailer and new-energy plates, with specific errors."""

from __future__ import annotations

import pytest

from checkpoint.plates import PlateError, PlateKind, PlateProblem, parse_plate


@pytest.mark.parametrize(
    ("text", "normalised", "kind"),
    [
        ("浙A12345", "浙A12345", PlateKind.ORDINARY),
        ("浙a·12345", "浙A12345", PlateKind.ORDINARY),
        ("京B 8C9D7", "京B8C9D7", PlateKind.ORDINARY),
        ("苏E1234挂", "苏E1234挂", PlateKind.TRAILER),
        ("粤B1234学", "粤B1234学", PlateKind.ORDINARY),
        ("浙AD12345", "浙AD12345", PlateKind.NEW_ENERGY),
        ("沪AFA1234", "沪AFA1234", PlateKind.NEW_ENERGY),
        ("川A12345D", "川A12345D", PlateKind.NEW_ENERGY),
    ],
)
def test_valid_plates(text: str, normalised: str, kind: PlateKind) -> None:
    plate = parse_plate(text)
    assert plate.text == normalised
    assert plate.kind is kind
    assert plate.province == normalised[0]


@pytest.mark.parametrize(
    ("text", "problem", "message"),
    [
        ("", PlateProblem.EMPTY, "Enter the plate"),
        ("A12345", PlateProblem.PROVINCE, "province"),
        ("浙A1234O", PlateProblem.LETTER_I_O, "I or O"),
        ("浙I12345", PlateProblem.LETTER_I_O, "I or O"),
        ("浙A1234", PlateProblem.PATTERN, "not a valid plate"),
        ("浙AZ12345", PlateProblem.NEW_ENERGY, "new-energy"),
        ("浙A12345X", PlateProblem.NEW_ENERGY, "new-energy"),
    ],
)
def test_invalid_plates(text: str, problem: PlateProblem, message: str) -> None:
    with pytest.raises(PlateError, match=message) as err:
        parse_plate(text)
    assert err.value.problem is problem
