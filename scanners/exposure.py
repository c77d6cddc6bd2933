"""A camera the desk controls (受控摄像头): exposure stepping when a code is seen but not read.

:class:`ExposureController` is the loop, pure and Qt-free: it is told what every decoded frame
held (codes read, code-like regions not read, and how bright those were) and answers with the
exposure step the camera should use next (``None``: the camera's own automatic exposure).

- A code-like region unread for ``patience`` frames starts stepping: darker first when the region
  is bright or has blown-out pixels (a phone screen under sun or headlights), brighter first when
  it is dark (night), then the other side. Each step gets ``settle`` frames (the camera needs a
  frame or two to apply it) before the next.
- When a code reads, the step that read is remembered (the next vehicle's phone is tried there
  first) and the camera goes back to automatic exposure.
- With nothing code-like in view for ``idle`` frames, it goes back to automatic exposure too.
- After a whole bracket without a read it asks for a refocus (where the camera offers focus)
  and starts again from automatic.

Steps are exposure doublings (a step of -2 is a quarter of the automatic exposure); a source
maps them onto its own units (:class:`ControllableSource`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from scanners.codes import DecodeResult, UnreadRegion

# CameraControls.detail for the two units OpenCV's camera APIs use for exposure
UNIT_100US = "100 µs units"
UNIT_LOG2_S = "log2 seconds"


@dataclass(frozen=True, slots=True)
class CameraControls:
    """What the camera accepted, read back from it (for the camera dialog and the status bar).

    ``manual_exposure`` False: the camera refused manual exposure; it stays on automatic and
    the desk scans as before. Values are in the camera's own units, None where not offered.
    """

    manual_exposure: bool
    auto_exposure: bool  # currently on the camera's automatic exposure
    step: int | None  # the exposure step asked for (None: automatic)
    exposure: float | None = None
    gain: float | None = None
    focus: float | None = None
    autofocus: bool | None = None
    detail: str = ""

    def exposure_ms(self) -> float | None:
        """The exposure in milliseconds, where the camera's unit is known (V4L2: 100 µs;
        DirectShow/Media Foundation: log2 of seconds)."""
        if self.exposure is None:
            return None
        if self.detail == UNIT_100US:
            return self.exposure / 10.0
        if self.detail == UNIT_LOG2_S:
            return float(2.0 ** self.exposure * 1000.0)
        return None

    def describe(self) -> str:
        """One line: ``exposure -7 (manual, step -2), gain 0, focus auto``."""
        if not self.manual_exposure:
            return "automatic exposure (the camera refuses manual exposure)"
        parts = []
        if self.exposure is not None:
            mode = "auto" if self.auto_exposure else f"manual, step {self.step:+d}"
            parts.append(f"exposure {self.exposure:g} ({mode})")
        if self.gain is not None:
            parts.append(f"gain {self.gain:g}")
        if self.autofocus:
            parts.append("focus auto")
        elif self.focus is not None:
            parts.append(f"focus {self.focus:g}")
        return ", ".join(parts) or "automatic exposure"


@runtime_checkable
class ControllableSource(Protocol):
    """A frame source whose exposure (and focus) the desk may set; applied before the next read."""

    def controls(self) -> CameraControls:
        """The settings the camera has accepted, read back."""
        ...

    def request_exposure(self, step: int | None) -> None:
        """Use exposure step ``step`` from the next frame on (None: automatic). Any thread."""
        ...

    def request_refocus(self) -> None:
        """Focus again (autofocus off and on) where the camera offers it. Any thread."""
        ...


@dataclass(frozen=True, slots=True)
class ExposureRequest:
    """What the controller wants the camera to do now."""

    step: int | None  # None: back to automatic exposure
    refocus: bool = False


class LoopPhase(enum.Enum):
    """What the exposure loop is doing (for the camera dialog)."""

    AUTOMATIC = "automatic"  # the camera's own exposure; nothing unread in view
    WATCHING = "watching"  # a code-like region is unread; stepping starts after ``patience``
    STEPPING = "stepping"  # trying the steps of a bracket, one every ``settle`` frames


@dataclass(frozen=True, slots=True)
class LoopState:
    """A snapshot of the exposure loop: its phase, the step asked for, the step that last read,
    the steps left in the bracket and the refocuses asked for so far."""

    phase: LoopPhase
    step: int | None
    last_good: int | None
    steps_left: int
    refocuses: int


def _darker_first(regions: tuple[UnreadRegion, ...]) -> bool:
    bright = max(regions, key=lambda r: r.saturated + r.brightness / 255.0)
    return bright.saturated > 0.02 or bright.brightness > 140.0


class ExposureController:
    """The exposure loop; ``observe`` once per decoded frame, apply what it returns."""

    def __init__(self, *, patience: int = 3, settle: int = 2, idle: int = 45,
                 lowest: int = -4, highest: int = 3) -> None:
        self.patience = patience
        self.settle = settle
        self.idle = idle
        self.lowest = lowest
        self.highest = highest
        self.step: int | None = None  # what the camera was last told
        self.last_good: int | None = None  # the step at which a code last read
        self._plan: list[int] = []
        self._misses = 0
        self._empty = 0
        self._wait = 0
        self.refocuses = 0

    def _bracket(self, darker: bool) -> list[int]:
        down = list(range(-1, self.lowest - 1, -1))
        up = list(range(1, self.highest + 1))
        plan = down + up if darker else up + down
        if self.last_good is not None and self.last_good in plan:
            plan.remove(self.last_good)
            plan.insert(0, self.last_good)
        return plan

    def observe(self, result: DecodeResult) -> ExposureRequest | None:
        """The request for the camera after this frame, or None to leave it as it is."""
        if result.codes and not result.unread:
            self._misses = self._empty = self._wait = 0
            self._plan = []
            if self.step is not None:
                self.last_good = self.step
                return self._set(None)
            return None
        if not result.unread:
            self._misses = 0
            self._empty += 1
            if self._empty >= self.idle and self.step is not None:
                self._plan = []
                return self._set(None)
            return None
        self._empty = 0
        if self._wait > 0:  # the camera is still applying the last step
            self._wait -= 1
            return None
        self._misses += 1
        if self._misses < (self.patience if self.step is None else 1):
            return None
        self._misses = 0
        if not self._plan and self.step is None:
            self._plan = self._bracket(_darker_first(result.unread))
        if self._plan:
            return self._set(self._plan.pop(0))
        # A whole bracket without a read: focus again and start over from automatic.
        self.refocuses += 1
        request = self._set(None)
        return ExposureRequest(step=request.step, refocus=True)

    def state(self) -> LoopState:
        """What the loop is doing now. Read from another thread (the camera dialog) it is a
        snapshot of plain values, at worst one frame old."""
        if self.step is not None or self._plan:
            phase = LoopPhase.STEPPING
        elif self._misses > 0 or self._wait > 0:
            phase = LoopPhase.WATCHING
        else:
            phase = LoopPhase.AUTOMATIC
        return LoopState(phase=phase, step=self.step, last_good=self.last_good,
                         steps_left=len(self._plan), refocuses=self.refocuses)

    def _set(self, step: int | None) -> ExposureRequest:
        self.step = step
        self._wait = self.settle
        return ExposureRequest(step=step)
