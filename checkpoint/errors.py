"""Errors the program reports to a person in one plain sentence (no traceback).

``str(error)`` is the sentence the command line prints. An error that can reach a screen also
carries a stable :class:`Problem` code and its parameters (``error.code``, ``error.params``);
the screen words it in its own language from those (Qt Linguist, ``ui/errors.py``), never by
taking the sentence apart. An error without a code is shown as its sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Problem(StrEnum):
    """Stable codes of the failures and refusals a screen words; the parameters each one
    carries are named in its comment."""

    # sign-in (checkpoint.team.auth)
    UNKNOWN_STAFF = "auth.unknown_staff"  # name
    NO_PIN_SET = "auth.no_pin_set"  # name
    WRONG_PIN = "auth.wrong_pin"  # left (tries left)
    WRONG_PIN_UNCOUNTED = "auth.wrong_pin_uncounted"  # (a read-only database counts no tries)
    TOO_MANY_TRIES = "auth.too_many_tries"  # until (HH:MM)
    ACCOUNT_LOCKED = "auth.account_locked"  # until (HH:MM)
    LANE_LOCKED = "auth.lane_locked"  # until (HH:MM)
    SECRET_BLANK = "auth.secret_blank"
    PIN_TOO_SHORT = "auth.pin_too_short"  # digits
    PASSWORD_TOO_SHORT = "auth.password_too_short"  # chars
    ADMIN_EXISTS = "auth.admin_exists"
    # permissions (checkpoint.team.auth.require)
    UNKNOWN_ROLE = "permission.unknown_role"  # name, role
    ACCOUNT_DISABLED = "permission.account_disabled"  # name, permission (a Permission value)
    NOT_PERMITTED = "permission.not_permitted"  # name, role (a Role value), permission
    # shifts (checkpoint.team.rota, checkpoint.lane)
    SHIFT_ALREADY_OPEN = "shift.already_open"  # duty_date, shift
    SHIFT_ALREADY_HANDED_OVER = "shift.already_handed_over"  # duty_date, shift (not twice)
    SHIFT_ALREADY_CLOSED = "shift.already_closed"  # duty_date, shift
    SHIFT_CLOSES_BEFORE_OPENING = "shift.closes_before_opening"  # duty_date, shift
    SHIFT_CLOSED = "shift.closed"  # duty_date, shift (cannot be joined)
    NO_SUCH_SHIFT = "shift.missing"
    NO_SHIFT_PLAN = "shift.no_plan"
    NOT_ON_STAFF = "staff.not_on_staff"  # name
    # the team (checkpoint.team.auth, checkpoint.team.staff)
    NAME_MISSING = "staff.name_missing"
    NAME_TAKEN = "staff.name_taken"  # name
    LAST_POINT_CHIEF = "staff.last_point_chief"  # name
    ALREADY_HAS_ROLE = "staff.already_has_role"  # name, role (a Role value)
    RETIRE_SELF = "staff.retire_self"
    ALREADY_RETIRED = "staff.already_retired"  # name
    STAFF_ON_SERVER = "staff.on_server"  # (the lane's staff flow down from the server)
    # the database (checkpoint.storage.db)
    DB_LOCKED = "db.locked"  # where
    DB_READ_ONLY = "db.read_only"  # where
    DB_FULL = "db.full"  # where
    DB_CANNOT_OPEN = "db.cannot_open"  # where
    DB_CONNECTION_LOST = "db.connection_lost"  # where
    DB_UNREACHABLE = "db.unreachable"  # where, detail
    DB_MISSING = "db.missing"  # where, detail
    DB_LOGIN_REJECTED = "db.login_rejected"  # where
    DB_OTHER = "db.other"  # where, detail
    DB_FILE_REMOVED = "db.file_removed"  # where
    DB_FILE_REPLACED = "db.file_replaced"  # where
    DB_SITE_REPLACED = "db.site_replaced"  # where
    DB_OUT_OF_DATE = "db.out_of_date"  # where
    # the 136 response (checkpoint.leader.responses)
    RESPONSE_CLOSED = "response.closed"
    MEASURE_ALREADY_DONE = "response.measure_already_done"  # measure (Chinese label)
    CLOSE_NEEDS_NOTE = "response.close_needs_note"  # left (measures not done)
    RESPONSE_ALREADY_STARTED = "response.already_started"
    # corrections (checkpoint.storage.ledger, checkpoint.leader.corrections)
    CORRECTION_NEEDS_REASON = "correction.needs_reason"
    CORRECTION_SAME = "correction.same"  # the new value is the saved one
    NO_SUCH_RECORD = "record.missing"


class CheckpointError(Exception):
    """A failure with a message fit to show as it is: what went wrong and, if known, what to do.

    ``code`` and ``params`` (keyword arguments) let a screen word it in its own language.
    """

    def __init__(self, message: str = "", /, *, code: Problem | None = None,
                 **params: object) -> None:  # fmt: skip
        super().__init__(message)
        self.code = code
        self.params: Mapping[str, object] = dict(params)  # a copy (a plain dict: it pickles)


class ConfigError(CheckpointError):
    """The settings file, an environment variable or a flag holds something unusable."""


class StorageError(CheckpointError):
    """The database cannot be opened, reached, migrated or written."""


class ShiftError(CheckpointError):
    """A shift operation breaks the rota's rules (opened twice, closed when not open, ...)."""
