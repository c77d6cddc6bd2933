"""The pure part of the rota (三班倒): plans, slots and which shift an instant belongs to.

No database and no SQLAlchemy here, so a command that only needs to know the current shift
(``checkpoint shift status``) starts without the ORM; :mod:`checkpoint.team.rota` stores plans and
opens and closes shifts with these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from checkpoint.errors import ShiftError

DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class SlotSpec:
    """One shift of a plan: its number, names, local start and length in minutes."""

    number: int
    name_zh: str
    name_en: str
    start_minute: int
    length_minutes: int

    @property
    def start(self) -> time:
        """Local start time of the slot."""
        return time(self.start_minute // 60, self.start_minute % 60)

    def label(self, lang: str = "zh_CN") -> str:
        """Display name, e.g. 夜班 or Night."""
        return self.name_zh if lang.startswith("zh") else self.name_en

    def hours_text(self) -> str:
        """ "00:00–08:00" (a slot ending at midnight shows 24:00)."""
        end = self.start_minute + self.length_minutes
        end_text = (
            "24:00" if end == DAY_MINUTES else f"{end % DAY_MINUTES // 60:02d}:{end % 60:02d}"
        )
        return f"{self.start_minute // 60:02d}:{self.start_minute % 60:02d}–{end_text}"


@dataclass(frozen=True)
class PlanSpec:
    """A rota: slots that together cover every minute of the day exactly once."""

    name: str
    slots: tuple[SlotSpec, ...]

    def __post_init__(self) -> None:
        if not self.slots:
            raise ShiftError("A shift plan needs at least one shift.")
        numbers = [s.number for s in self.slots]
        if len(set(numbers)) != len(numbers):
            raise ShiftError("Shift numbers in a plan must be unique.")
        if sum(s.length_minutes for s in self.slots) != DAY_MINUTES:
            raise ShiftError("The shifts of a plan must add up to exactly 24 hours.")
        ordered = sorted(self.slots, key=lambda s: s.start_minute)
        for a, b in zip(ordered, [*ordered[1:], ordered[0]], strict=True):
            if (a.start_minute + a.length_minutes) % DAY_MINUTES != b.start_minute:
                raise ShiftError(
                    f"Shift {a.number} ({a.hours_text()}) must end where shift {b.number} starts."
                )
            if not 0 <= a.start_minute < DAY_MINUTES or a.length_minutes <= 0:
                raise ShiftError(f"Shift {a.number} has an invalid start or length.")

    def slot(self, number: int) -> SlotSpec:
        """The slot with ``number``; ShiftError if the plan has none."""
        for s in self.slots:
            if s.number == number:
                return s
        valid = ", ".join(str(s.number) for s in self.slots)
        raise ShiftError(f"There is no shift {number} in plan {self.name!r}; shifts are {valid}.")


DEFAULT_PLAN = PlanSpec(
    name="三班倒",
    slots=(
        SlotSpec(1, "夜班", "Night", 0, 480),
        SlotSpec(2, "白班", "Day", 480, 480),
        SlotSpec(3, "晚班", "Evening", 960, 480),
    ),
)


@dataclass(frozen=True)
class ShiftWindow:
    """A slot on a duty date, with the instants it starts and ends (UTC-comparable)."""

    duty_date: date
    slot: SlotSpec
    starts_at: datetime
    ends_at: datetime

    def contains(self, instant: datetime) -> bool:
        """Whether ``instant`` falls in [starts_at, ends_at)."""
        return self.starts_at <= instant < self.ends_at


def window(plan: PlanSpec, duty_date: date, number: int, tz: ZoneInfo) -> ShiftWindow:
    """The window of shift ``number`` on ``duty_date`` (it starts on that local date)."""
    slot = plan.slot(number)
    start = datetime.combine(duty_date, slot.start, tzinfo=tz)
    # Boundaries are wall-clock times so adjacent shifts tile; compare them in UTC, because
    # Python compares two datetimes sharing one tzinfo by wall clock alone.
    end = start + timedelta(minutes=slot.length_minutes)
    return ShiftWindow(duty_date, slot, start.astimezone(UTC), end.astimezone(UTC))


def locate(instant: datetime, plan: PlanSpec, tz: ZoneInfo) -> ShiftWindow:
    """The duty date and shift that ``instant`` belongs to. The one source of this fact."""
    if instant.tzinfo is None:
        raise ValueError("locate() needs a timezone-aware instant")
    local_day = instant.astimezone(tz).date()
    for duty_date in (local_day, local_day - timedelta(days=1)):
        for slot in plan.slots:
            w = window(plan, duty_date, slot.number, tz)
            if w.contains(instant):
                return w
    raise AssertionError("a validated plan covers every instant")  # pragma: no cover


def windows_for_day(plan: PlanSpec, duty_date: date, tz: ZoneInfo) -> list[ShiftWindow]:
    """Every shift of ``duty_date`` in slot-number order."""
    return [
        window(plan, duty_date, s.number, tz) for s in sorted(plan.slots, key=lambda s: s.number)
    ]
