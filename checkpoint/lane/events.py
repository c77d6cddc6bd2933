"""What the lane publishes after it happened (and was committed): plain, immutable facts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from checkpoint.domain import Disposition, Step, Verdict
from checkpoint.lane.state import LaneState


@dataclass(frozen=True)
class StateChanged:
    """The state the screen shows now."""

    state: LaneState


@dataclass(frozen=True)
class StepDone:
    """A step of a vehicle is in the database (the ledger re-reads, counters move)."""

    inspection_id: uuid.UUID
    step: Step
    at: datetime
    disposition: Disposition | None = None


@dataclass(frozen=True)
class PersonAdded:
    """A driver or passenger was added to the vehicle under way."""

    inspection_id: uuid.UUID
    seq: int
    verdict: Verdict


@dataclass(frozen=True)
class PersonChanged:
    """A person's findings changed (a code, a reading by eye, the temperature)."""

    inspection_id: uuid.UUID
    seq: int
    verdict: Verdict


@dataclass(frozen=True)
class PersonRemoved:
    """A row added by mistake was removed (with its reason, audited)."""

    inspection_id: uuid.UUID
    seq: int


@dataclass(frozen=True)
class NotACredential:
    """The camera read a text that is no health code or pass: a notice, never a person."""

    count: int


LaneEvent = StateChanged | StepDone | PersonAdded | PersonChanged | PersonRemoved | NotACredential
