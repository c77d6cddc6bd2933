"""The lane (车道): one front door for everything that happens at one inspection lane.

The desk talks only to :class:`LaneSession`: plain calls in (a plate, the texts read from one
camera frame, a reading by eye, a step), an immutable :class:`LaneState` out, and
:class:`LaneEvent` published for the ledger and the counters. Qt-free.
"""

from checkpoint.lane.accounts import Accounts, SignInPage, SignInResult
from checkpoint.lane.codes import CodeKind, ShcParts, classify
from checkpoint.lane.events import (
    LaneEvent,
    NotACredential,
    PersonAdded,
    PersonChanged,
    PersonRemoved,
    StateChanged,
    StepDone,
)
from checkpoint.lane.problems import LaneError, LaneProblem
from checkpoint.lane.session import LaneSession
from checkpoint.lane.state import Banner, LaneState, Notice, VehicleFacts
from checkpoint.lane.station import Handover, HandoverForm, HeaderFacts, LaneStation, ShiftRef
from checkpoint.models import StaffMember  # who is signed in, as the desk holds it

__all__ = [
    "Accounts",
    "Banner",
    "CodeKind",
    "Handover",
    "HandoverForm",
    "HeaderFacts",
    "LaneError",
    "LaneEvent",
    "LaneProblem",
    "LaneSession",
    "LaneState",
    "LaneStation",
    "NotACredential",
    "Notice",
    "PersonAdded",
    "PersonChanged",
    "PersonRemoved",
    "ShcParts",
    "ShiftRef",
    "SignInPage",
    "SignInResult",
    "StaffMember",
    "StateChanged",
    "StepDone",
    "VehicleFacts",
    "classify",
]
