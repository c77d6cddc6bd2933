"""Code sharing (一码多用): whether a code was shown for another person or vehicle lately.

The rule itself is :func:`checkpoint.rules.verdicts.detect_code_sharing`; this module reads the
earlier sightings of a code from the stored scans.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select

from checkpoint.credentials import (
    CredentialResult,
)
from checkpoint.rules.policy import Policy
from checkpoint.rules.verdicts import (
    CodeSharing,
    Sighting,
    detect_code_sharing,
)
from checkpoint.storage.db import Database
from checkpoint.storage.models import CredentialScan, Inspection, PersonCheck


def holder_key(plate: str, holder: str | None, seq: int) -> str:
    """Who a code was shown for: the vehicle and the person in it."""
    return f"{plate}|{holder or f'#{seq}'}"


def recent_sightings(
    db: Database, fingerprints: Iterable[str], at: datetime, window: timedelta
) -> list[Sighting]:
    """Earlier scans of these fingerprints within ``window`` before ``at``, with their holders."""
    fps = sorted({f for f in fingerprints if f})
    if not fps:
        return []
    with db.session() as s:
        rows = s.execute(
            select(
                CredentialScan.fingerprint,
                CredentialScan.scanned_at,
                Inspection.plate,
                PersonCheck.name_masked,
                PersonCheck.seq,
            )
            .join(Inspection, Inspection.id == CredentialScan.inspection_id)
            .join(PersonCheck, PersonCheck.id == CredentialScan.person_check_id, isouter=True)
            .where(
                CredentialScan.fingerprint.in_(fps),
                CredentialScan.scanned_at >= at - window,
                CredentialScan.scanned_at <= at,
            )
        ).all()
    return [
        Sighting(fp, holder_key(plate, name, seq or 0), when) for fp, when, plate, name, seq in rows
    ]


def sharing_for(
    db: Database,
    policy: Policy,
    result: CredentialResult,
    plate: str,
    holder: str | None,
    seq: int,
    at: datetime,
) -> CodeSharing | None:
    """Whether ``result`` was shown for another person or vehicle within the policy's window."""
    if not result.fingerprint:
        return None
    window = policy.credentials.sharing_window
    sightings = recent_sightings(db, [result.fingerprint], at, window)
    return detect_code_sharing(
        result.fingerprint, holder_key(plate, holder, seq), sightings, at, window
    )
