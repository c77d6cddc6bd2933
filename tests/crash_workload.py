"""A recording workload for the SIGKILL test: vehicles through all four steps, forever.

Usage: python tests/crash_workload.py DB_URL LANE_ID SHIFT_ID STAFF_ID SEED

Prints ``ready`` once the database is open, then the id of each inspection right after its
divert step returned — i.e. after the program would have told the person "saved".
"""

from __future__ import annotations

import random
import sys
import uuid
from datetime import timedelta

from checkpoint.domain import CodeColour, Disposition, Occupant, VehicleType, Verdict
from checkpoint.privacy import hash_id_number, mask_id_number, mask_name
from checkpoint.storage.db import Database
from checkpoint.storage.inspections import InspectionStore, PersonEntry, ScanRecord
from checkpoint.storage.models import Shift, StaffMember


def main() -> None:
    url, lane_id, shift_id, staff_id, seed = sys.argv[1:6]
    rng = random.Random(int(seed))
    db = Database(url)
    with db.session() as s:
        shift = s.get(Shift, uuid.UUID(shift_id))
        staff = s.get(StaffMember, uuid.UUID(staff_id))
        assert shift is not None and staff is not None
        start = shift.starts_at
    desk = InspectionStore(db, uuid.UUID(lane_id))
    secret = b"k" * 32
    print("ready", flush=True)
    while True:
        at = start + timedelta(seconds=rng.randrange(0, 8 * 3600 - 60))
        people = rng.randint(1, 3)
        iid = desk.guide(
            shift.id,
            plate=f"浙A{rng.randrange(10**5):05d}",
            vehicle_type=VehicleType.CAR,
            people_count=people,
            staff=staff,
            at=at,
        )
        for n in range(people):
            number = f"3301{rng.randrange(10**14):014d}"
            desk.add_person(
                iid,
                PersonEntry(
                    occupant=Occupant.DRIVER if n == 0 else Occupant.PASSENGER,
                    verdict=Verdict.PASS,
                    disposition=Disposition.RELEASE,
                    code_colour=CodeColour.GREEN,
                    temperature=36.5,
                    name_masked=mask_name("张三丰"),
                    id_hash=hash_id_number(number, secret),
                    id_masked=mask_id_number(number),
                    scans=(ScanRecord("CKP1", "pass", "demo", "valid", "valid", "f" * 64),),
                ),
                at=at,
                staff=staff,
            )
        desk.finish_verify(
            iid,
            suggested=Disposition.RELEASE,
            reasons=[],
            report_to_community=False,
            policy_version="crash-1",
            staff=staff,
            at=at,
        )
        desk.record(iid, staff=staff, at=at)
        desk.divert(iid, Disposition.RELEASE, staff=staff, at=at)
        sys.stdout.write(f"{iid}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
