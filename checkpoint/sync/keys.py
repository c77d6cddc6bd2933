"""Stable ids for the records every lane and the server must agree on (site, lane, staff, shift).

A lane records offline into its own database, so two lanes that open "the same" shift or add
"the same" guide must arrive at the same primary key without asking anyone: the key is a
name-based UUID (uuid5) of what the record is, not a random one. Records only one lane ever
writes (inspections, people, scans, corrections, audit events) keep random UUIDs.
"""

from __future__ import annotations

import uuid
from datetime import date

# Fixed for all time: changing it would give every site, lane and person a new identity.
NAMESPACE = uuid.UUID("5d1c8f0e-3a52-4c2b-9a8e-1f6b2d7c4e90")


def site_key(name: str) -> uuid.UUID:
    """The id of the checkpoint (卡口) called ``name``."""
    return uuid.uuid5(NAMESPACE, f"site:{name.strip()}")


def lane_key(site_id: uuid.UUID, name: str) -> uuid.UUID:
    """The id of lane ``name`` of a site."""
    return uuid.uuid5(NAMESPACE, f"lane:{site_id}:{name.strip()}")


def staff_key(site_id: uuid.UUID, name: str) -> uuid.UUID:
    """The id of the staff member called ``name`` at a site (names are unique per site)."""
    return uuid.uuid5(NAMESPACE, f"staff:{site_id}:{name.strip()}")


def shift_key(site_id: uuid.UUID, duty_date: date, slot_number: int) -> uuid.UUID:
    """The id of shift ``slot_number`` on ``duty_date`` at a site: one shift, many lanes."""
    return uuid.uuid5(NAMESPACE, f"shift:{site_id}:{duty_date.isoformat()}:{slot_number}")
