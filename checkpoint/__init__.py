"""Checkpoint Desk (卡口查验台): the domain core. Importable without Qt or a display."""

__version__ = "0.1.0"
