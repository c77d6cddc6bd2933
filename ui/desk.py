"""The lane's adapter to Qt (查验台控制器): the screen's actions go to the lane session on the
window's database thread; the session's state and events come back as Qt signals.

No rule lives here: which person a code belongs to, the verdicts, the suggestion and when verify
may finish are the lane session's (``checkpoint.lane``). The view is a narrow
:class:`DeskView`, so a test can drive this with a fake one.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from checkpoint.domain import CodeColour, Disposition, Role, Step, VehicleType, Verdict
from checkpoint.errors import CheckpointError
from checkpoint.lane.events import LaneEvent, PersonAdded, PersonChanged, StateChanged, StepDone
from checkpoint.lane.problems import LaneError, LaneProblem
from checkpoint.lane.session import LaneSession
from checkpoint.lane.state import LaneState, VehicleFacts
from checkpoint.plates import Plate
from ui.jobs import Jobs


class DeskView(Protocol):
    """What the controller needs from a screen."""

    def show_state(self, state: LaneState) -> None:
        """Show ``state`` (step, people, banner...)."""

    def show_problem(self, problem: LaneProblem, params: dict[str, object]) -> None:
        """Show why the lane refused a call; the input stays where it is."""

    def show_failure(self, error: CheckpointError) -> None:
        """Show a failure of the storage (worded from its code); the input stays."""

    def set_busy(self, busy: bool) -> None:
        """Saving: show a busy indicator and refuse new input meanwhile."""

    def play(self, sound: str) -> None:
        """``pass``, ``attention`` or ``stop``."""


class DemoFeed(Protocol):
    """Puts a vehicle's codes in front of the (synthetic) camera in demo mode."""

    def present(self, vehicle: VehicleFacts, at: datetime) -> None: ...

    def clear(self) -> None: ...


SOUND_FOR = {Verdict.PASS: "pass", Verdict.ATTENTION: "attention", Verdict.STOP: "stop"}


class _Relay(QObject):
    """Carries the lane's events from the database thread to the GUI thread."""

    arrived = Signal(object)


class DeskController:
    """Sends what happens at the lane to its session and shows what the session concludes."""

    def __init__(
        self,
        lane: LaneSession,
        view: DeskView,
        jobs: Jobs,
        *,
        feed: DemoFeed | None = None,
        on_step: Callable[[StepDone], None] | None = None,
    ) -> None:
        self.lane = lane
        self.view = view
        self.jobs = jobs
        self.feed = feed
        self.on_step = on_step
        # While a step is being saved no second one starts (codes from the camera queue up).
        self.busy = False
        self.state = lane.state
        # the last capture → screen times (benchmarks, diagnostics); bounded for a long shift
        self.latencies_ms: deque[float] = deque(maxlen=4096)
        self._relay = _Relay()
        self._relay.arrived.connect(self._on_event)
        lane.subscribe(self._relay.arrived.emit)

    # -- from the lane (GUI thread) ------------------------------------------------------------

    def _on_event(self, event: LaneEvent) -> None:
        if isinstance(event, StateChanged):
            self._show(event.state)
        elif isinstance(event, PersonAdded | PersonChanged):
            self.view.play(SOUND_FOR[event.verdict])
        elif isinstance(event, StepDone):
            if event.step is Step.RECORD and self.state.banner is not None:
                self.view.play(SOUND_FOR[self.state.banner.verdict])
            if self.on_step is not None:
                self.on_step(event)

    def _show(self, state: LaneState) -> None:
        before = self.state
        self.state = state
        feed = self.feed
        new_vehicle = before.inspection_id != state.inspection_id
        if feed is not None and state.vehicle and new_vehicle and state.step is Step.VERIFY:
            feed.present(state.vehicle, self.lane.clock())
        if self.feed is not None and before.step is Step.VERIFY and state.step is not Step.VERIFY:
            self.feed.clear()
        self.view.show_state(state)

    def _failed(self, exc: CheckpointError) -> None:
        if isinstance(exc, LaneError):
            self.view.show_problem(exc.problem, dict(exc.params))
        else:
            self.view.show_failure(exc)

    # -- to the lane ---------------------------------------------------------------------------

    def _step(self, work: Callable[[], Any], then: Callable[[], None] | None = None) -> bool:
        """Run one saving call on the database thread; False if one is under way already."""
        if self.busy:
            return False
        self.busy = True
        self.view.set_busy(True)

        def done(_result: object) -> None:
            self._idle()
            if then is not None:
                then()

        def failed(exc: CheckpointError) -> None:
            self._idle()
            self._failed(exc)

        self.jobs.submit(work, done, failed)
        return True

    def _idle(self) -> None:
        self.busy = False
        self.view.set_busy(False)

    @property
    def role(self) -> Role:
        return self.lane.role

    def start(self) -> bool:
        """Show the lane as it is (the unfinished vehicle, or the guide step)."""
        return self._step(self.lane.start)

    def check_plate(self, text: str) -> Plate:
        """The validated plate (no database); PlateError says what is wrong."""
        return self.lane.check_plate(text)

    def guide(
        self,
        plate_text: str,
        vehicle_type: VehicleType,
        people_count: int,
        origin: str = "",
        destination: str = "",
    ) -> bool:
        """Step 1. True if the step was sent (the state comes back by signal)."""
        lane = self.lane
        return self._step(
            lambda: lane.guide(plate_text, vehicle_type, people_count, origin, destination)
        )

    def scanned(self, texts: list[str], captured_at: float | None = None) -> None:
        """Codes from the camera (or a scanner gun): queued behind any step under way."""
        lane = self.lane

        def done(_state: object) -> None:
            if captured_at is not None:
                self.latencies_ms.append((time.monotonic() - captured_at) * 1000.0)

        self.jobs.submit(lambda: lane.scan(texts), done, self._failed)

    def select(self, index: int) -> bool:
        """Make person ``index`` the one the readings by eye apply to."""
        if 0 <= index < len(self.state.people):
            return self._step(lambda: self.lane.select(index))
        return False

    def new_person(self) -> bool:
        """Add a person checked by eye only."""
        return self._step(self.lane.add_person_by_eye)

    def remove_person(self, index: int, reason: str) -> bool:
        """Remove a row added by mistake (with a reason)."""
        return self._step(lambda: self.lane.remove_person(index, reason))

    def read_colour(self, colour: CodeColour) -> bool:
        return self._step(lambda: self.lane.read_colour(colour))

    def read_star(self, star: bool) -> bool:
        return self._step(lambda: self.lane.read_star(star))

    def read_test_hours(self, hours: int | None) -> bool:
        return self._step(lambda: self.lane.read_test_hours(hours))

    def set_temperature(self, celsius: float, then: Callable[[], None] | None = None) -> bool:
        return self._step(lambda: self.lane.set_temperature(celsius), then)

    def set_id_number(self, number: str, then: Callable[[], None] | None = None) -> bool:
        return self._step(lambda: self.lane.set_id_number(number), then)

    def finish_verify(self) -> bool:
        return self._step(self.lane.finish_verify)

    def correct(
        self, field_name: str, value: str, reason: str, then: Callable[[], None] | None = None
    ) -> bool:
        return self._step(lambda: self.lane.correct(field_name, value, reason), then)

    def confirm_record(self) -> bool:
        return self._step(self.lane.confirm_record)

    def may_override(self) -> bool:
        """Whether the signed-in person may choose another disposition than suggested."""
        return self.lane.may_override()

    def divert(self, disposition: Disposition | None = None, reason: str = "") -> bool:
        """Send the vehicle on; None takes the suggestion."""
        return self._step(lambda: self.lane.divert(disposition, reason))

    def divert_with_leader(
        self, disposition: Disposition, reason: str, leader_name: str, pin: str
    ) -> bool:
        """An override authorised at the lane by a leader's name and PIN."""
        lane = self.lane
        return self._step(lambda: lane.divert_with_leader(disposition, reason, leader_name, pin))

    def reasons_for_banner(self, lang: str) -> list[str]:
        """The banner's reasons as plain sentences, each with the person it concerns."""
        return self.state.reason_lines(lang)
