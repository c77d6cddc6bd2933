"""Errors the program reports to a person in one plain sentence (no traceback)."""

from __future__ import annotations


class CheckpointError(Exception):
    """A failure with a message fit to show as it is: what went wrong and, if known, what to do."""


class ConfigError(CheckpointError):
    """The settings file, an environment variable or a flag holds something unusable."""


class StorageError(CheckpointError):
    """The database cannot be opened, reached, migrated or written."""


class ShiftError(CheckpointError):
    """A shift operation breaks the rota's rules (opened twice, closed when not open, ...)."""
