"""The three-shift rota: which duty date and shift an instant belongs to."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from checkpoint.errors import ShiftError
from checkpoint.team.rota import DEFAULT_PLAN, PlanSpec, SlotSpec, locate, window, windows_for_day

SH = ZoneInfo("Asia/Shanghai")
CROSSING = PlanSpec(
    "跨夜",
    (
        SlotSpec(1, "早班", "Early", 6 * 60, 480),
        SlotSpec(2, "中班", "Middle", 14 * 60, 480),
        SlotSpec(3, "夜班", "Night", 22 * 60, 480),
    ),
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.mark.parametrize(
    ("instant", "duty", "number"),
    [
        ("2022-04-18 00:00:00", "2022-04-18", 1),
        ("2022-04-18 07:59:59", "2022-04-18", 1),
        ("2022-04-18 08:00:00", "2022-04-18", 2),
        ("2022-04-18 15:59:59", "2022-04-18", 2),
        ("2022-04-18 16:00:00", "2022-04-18", 3),
        ("2022-04-18 23:59:59", "2022-04-18", 3),
        ("2022-04-19 00:00:00", "2022-04-19", 1),
    ],
)
def test_default_plan_boundaries(instant: str, duty: str, number: int) -> None:
    w = locate(at(instant), DEFAULT_PLAN, SH)
    assert (w.duty_date.isoformat(), w.slot.number) == (duty, number)
    assert w.contains(at(instant))


def test_default_plan_names_and_hours() -> None:
    assert [s.name_zh for s in DEFAULT_PLAN.slots] == ["夜班", "白班", "晚班"]
    assert [s.hours_text() for s in DEFAULT_PLAN.slots] == [
        "00:00–08:00",
        "08:00–16:00",
        "16:00–24:00",
    ]


@pytest.mark.parametrize(
    ("instant", "duty", "number"),
    [
        ("2022-04-18 05:59:59", "2022-04-17", 3),  # still the night shift that began yesterday
        ("2022-04-18 06:00:00", "2022-04-18", 1),
        ("2022-04-18 21:59:59", "2022-04-18", 2),
        ("2022-04-18 22:00:00", "2022-04-18", 3),
        ("2022-04-19 02:30:00", "2022-04-18", 3),  # after midnight: duty date is the start date
    ],
)
def test_midnight_crossing_plan(instant: str, duty: str, number: int) -> None:
    w = locate(at(instant), CROSSING, SH)
    assert (w.duty_date.isoformat(), w.slot.number) == (duty, number)


def test_crossing_window_spans_midnight() -> None:
    w = window(CROSSING, date(2022, 4, 18), 3, SH)
    assert w.starts_at == at("2022-04-18 22:00:00")
    assert w.ends_at == at("2022-04-19 06:00:00")
    assert w.ends_at - w.starts_at == timedelta(hours=8)


def test_every_minute_of_a_day_has_exactly_one_shift() -> None:
    start = at("2022-04-18 00:00:00")
    for plan in (DEFAULT_PLAN, CROSSING):
        for minute in range(0, 48 * 60, 7):
            instant = start + timedelta(minutes=minute)
            owners = [
                w
                for d in (date(2022, 4, 17), date(2022, 4, 18), date(2022, 4, 19))
                for w in windows_for_day(plan, d, SH)
                if w.contains(instant)
            ]
            assert len(owners) == 1
            assert owners[0] == locate(instant, plan, SH)


def test_locate_accepts_any_zone_and_rejects_naive() -> None:
    utc = datetime(2022, 4, 18, 16, 30, tzinfo=UTC)  # 00:30 next day in Shanghai
    w = locate(utc, DEFAULT_PLAN, SH)
    assert (w.duty_date, w.slot.number) == (date(2022, 4, 19), 1)
    with pytest.raises(ValueError):
        locate(datetime(2022, 4, 18, 1, 0), DEFAULT_PLAN, SH)


@pytest.mark.parametrize(
    ("slots", "message"),
    [
        ((SlotSpec(1, "a", "a", 0, 480), SlotSpec(2, "b", "b", 480, 480)), "24 hours"),
        ((SlotSpec(1, "a", "a", 0, 720), SlotSpec(2, "b", "b", 600, 720)), "must end where"),
        ((SlotSpec(1, "a", "a", 0, 720), SlotSpec(1, "b", "b", 720, 720)), "unique"),
    ],
)
def test_bad_plans_are_refused(slots: tuple[SlotSpec, ...], message: str) -> None:
    with pytest.raises(ShiftError, match=message):
        PlanSpec("bad", slots)


def test_unknown_shift_number_is_named() -> None:
    with pytest.raises(ShiftError, match="no shift 4"):
        DEFAULT_PLAN.slot(4)
