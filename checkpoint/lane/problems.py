"""What the lane refuses, as a code with parameters; the screen words it in its language."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from checkpoint.errors import CheckpointError


class LaneProblem(StrEnum):
    """Why a call at the lane was refused (the screen translates each one)."""

    WRONG_STEP = "wrong_step"
    PLATE = "plate"  # params: problem (a PlateProblem value)
    PEOPLE_COUNT = "people_count"  # params: count
    PEOPLE_MISSING = "people_missing"  # params: missing
    NO_PERSON = "no_person"
    TEMPERATURE_RANGE = "temperature_range"
    OVERRIDE_NEEDS_LEADER = "override_needs_leader"
    OVERRIDE_NEEDS_REASON = "override_needs_reason"
    LEADER_NOT_ALLOWED = "leader_not_allowed"  # params: name (not a 组长/点长)
    CORRECTION_NEEDS_REASON = "correction_needs_reason"
    CORRECTION_SAME = "correction_same"  # the new value is the saved one
    VEHICLE_TYPE = "vehicle_type"  # not one of the vehicle types
    DEMO_PASS = "demo_pass"  # a DEMO-signed pass scanned at a real (non-demo) lane
    REMOVE_NEEDS_REASON = "remove_needs_reason"
    ID_NUMBER = "id_number"
    NO_SITE_KEY = "no_site_key"


class LaneError(CheckpointError):
    """A call the lane refused: ``problem`` and its ``params``; nothing was saved."""

    def __init__(self, problem: LaneProblem, /, **params: object) -> None:
        detail = ", ".join(f"{k}={v}" for k, v in params.items())
        super().__init__(f"{problem.value}{': ' + detail if detail else ''}")
        self.problem = problem
        self.params: Mapping[str, object] = MappingProxyType(dict(params))
