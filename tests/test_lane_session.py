"""The lane session (车道会话) through the whole four-step flow, with a fake view and a fake clock,
no QApplication: everything the desk shows is concluded here, in the Qt-free core."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from checkpoint.config import Settings, load_settings
from checkpoint.credentials.trust import TrustStore
from checkpoint.demo.passes import DemoPerson, mint_demo_passes
from checkpoint.domain import CodeColour, Disposition, Occupant, Role, Step, VehicleType, Verdict
from checkpoint.lane.events import LaneEvent, NotACredential, PersonRemoved, StateChanged, StepDone
from checkpoint.lane.judging import Verifier
from checkpoint.lane.problems import LaneError, LaneProblem
from checkpoint.lane.session import LaneSession
from checkpoint.lane.state import LaneState, Notice
from checkpoint.privacy import SiteKey
from checkpoint.rules.policy import Policy
from checkpoint.storage.audit import events as audit_events
from checkpoint.storage.db import Database, open_database
from checkpoint.storage.inspections import InspectionError
from checkpoint.storage.models import CredentialScan, Inspection, PersonCheck, Shift, StaffMember
from checkpoint.team.rota import close_shift, open_shift
from checkpoint.team.site import Place, ensure_place
from checkpoint.team.staff import add_staff

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2022, 4, 18, 10, 0, tzinfo=SH)


class FakeClock:
    """The lane's clock; a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float = 5) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class FakeView:
    """Records what the session publishes, as a screen would receive it."""

    states: list[LaneState] = field(default_factory=list)
    events: list[LaneEvent] = field(default_factory=list)

    def __call__(self, event: LaneEvent) -> None:
        self.events.append(event)
        if isinstance(event, StateChanged):
            self.states.append(event.state)

    @property
    def shown(self) -> LaneState:
        return self.states[-1]

    def steps(self) -> list[Step]:
        return [e.step for e in self.events if isinstance(e, StepDone)]


@dataclass
class Lane:
    db: Database
    settings: Settings
    place: Place
    leader: StaffMember
    inspector: StaffMember
    shift: Shift
    clock: FakeClock
    view: FakeView
    session: LaneSession


def _lane(db_url: str, *, verifier: Verifier | None = None, key: SiteKey | None = None) -> Lane:
    settings = load_settings(db_url=db_url, demo=True)
    db = open_database(db_url)
    _OPEN.append(db)
    with db.session() as s:
        place = ensure_place(s, settings)
        leader = add_staff(s, place.site, "王建国", Role.LEADER)
        inspector = add_staff(s, place.site, "陈静", Role.INSPECTOR)
        shift = open_shift(s, place.site, leader=leader, tz=SH, at=T0)
    clock = FakeClock(T0)
    verifier = verifier or Verifier(Policy.load(), TrustStore(demo_trusted=True), demo=True)
    session = LaneSession(
        db, place.lane.id, verifier, staff=inspector, shift_id=shift.id, clock=clock,
        demo=True, site_key=key,
    )  # fmt: skip
    view = FakeView()
    session.subscribe(view)
    return Lane(db, settings, place, leader, inspector, shift, clock, view, session)


_OPEN: list[Database] = []


@pytest.fixture(autouse=True)
def _dispose() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().dispose()


@pytest.fixture
def lane(db_url: str) -> Lane:
    return _lane(db_url)


def passes(lane: Lane, *people: DemoPerson, plate: str = "浙A12345", nonce: int = 0) -> list[str]:
    return mint_demo_passes(plate, list(people), lane.clock(), nonce=nonce)


def stored(lane: Lane, iid: object) -> tuple[Inspection, list[PersonCheck]]:
    with lane.db.session() as s:
        insp = s.get(Inspection, iid)
        assert insp is not None
        people = list(s.scalars(select(PersonCheck).where(PersonCheck.inspection_id == iid)))
        return insp, sorted(people, key=lambda p: p.seq)


def test_green_car_all_four_steps(lane: Lane) -> None:
    s = lane.session
    assert s.start().step is Step.GUIDE
    st = s.guide("浙A·12345", VehicleType.CAR, 2)
    assert st.step is Step.VERIFY and st.vehicle is not None and st.vehicle.plate == "浙A12345"
    lane.clock.tick()
    st = s.scan(passes(lane, DemoPerson(), DemoPerson()))
    # all announced people scanned and passing: verify finished by itself
    assert st.step is Step.RECORD and st.banner is not None
    assert st.banner.suggested is Disposition.RELEASE
    assert [j.view.occupant for j in st.people] == [Occupant.DRIVER, Occupant.PASSENGER]
    lane.clock.tick()
    s.confirm_record()
    lane.clock.tick()
    st = s.divert()
    assert st.step is Step.GUIDE and st.last == ("浙A12345", Disposition.RELEASE)
    assert lane.view.steps() == [Step.GUIDE, Step.VERIFY, Step.RECORD, Step.DIVERT]
    assert lane.view.shown is st
    iid = next(e.inspection_id for e in lane.view.events if isinstance(e, StepDone))
    insp, people = stored(lane, iid)
    assert insp.status == "done" and insp.final_disposition == "release"
    assert insp.policy_version == "default-2022.04"
    assert all(p.findings["policy"] == "default-2022.04" for p in people)
    with lane.db.session() as sess:
        evs = audit_events(sess, lane.place.site.id)
        person_events = [e for e in evs if e.action == "inspection.person"]
        assert {e.actor_id for e in person_events} == {lane.inspector.id}
        assert all(e.detail.get("policy") for e in evs if e.action.startswith("inspection."))


def test_red_code_by_eye_stops_the_vehicle(lane: Lane) -> None:
    s = lane.session
    s.guide("浙A12345", VehicleType.CAR, 1)
    st = s.add_person_by_eye()
    assert st.people[0].view.manual and st.step is Step.VERIFY
    st = s.read_colour(CodeColour.RED)
    assert st.people[0].view.verdict is Verdict.STOP
    assert st.may_finish_verify
    st = s.finish_verify()
    assert st.banner is not None and st.banner.suggested is Disposition.QUARANTINE
    assert st.banner.verdict is Verdict.STOP


def test_red_code_scanned(lane: Lane) -> None:
    s = lane.session
    s.guide("浙A12345", VehicleType.CAR, 1)
    st = s.scan(passes(lane, DemoPerson(colour=CodeColour.RED)))
    # not all pass: verify waits for the inspector
    assert st.step is Step.VERIFY and st.people[0].view.verdict is Verdict.STOP
    assert s.finish_verify().banner.suggested is Disposition.QUARANTINE  # type: ignore[union-attr]


def test_truck_without_goods_pass_is_turned_back(lane: Lane) -> None:
    s = lane.session
    s.guide("浙A12345", VehicleType.TRUCK, 1)
    st = s.scan(passes(lane, DemoPerson()))
    assert st.step is Step.VERIFY
    st = s.finish_verify()
    assert st.banner is not None and st.banner.suggested is Disposition.PERSUADE_RETURN


def test_override_needs_leader_and_reason(lane: Lane) -> None:
    s = lane.session
    s.guide("浙A12345", VehicleType.CAR, 1)
    s.scan(passes(lane, DemoPerson(colour=CodeColour.YELLOW)))
    s.finish_verify()
    s.confirm_record()
    with pytest.raises(LaneError) as exc:
        s.divert(Disposition.RELEASE, "复测正常")
    assert exc.value.problem is LaneProblem.OVERRIDE_NEEDS_LEADER
    with pytest.raises(LaneError) as exc:
        s.divert(Disposition.RELEASE, " ", approved_by=lane.leader)
    assert exc.value.problem is LaneProblem.OVERRIDE_NEEDS_REASON
    st = s.divert(Disposition.RELEASE, "复测正常", approved_by=lane.leader)
    assert st.last == ("浙A12345", Disposition.RELEASE)
    iid = next(e.inspection_id for e in lane.view.events if isinstance(e, StepDone))
    insp, _ = stored(lane, iid)
    assert (insp.suggested_disposition, insp.final_disposition) == ("test_lane", "release")
    assert insp.override_by_id == lane.leader.id and insp.divert_by_id == lane.inspector.id


def test_correction_rejudges(lane: Lane) -> None:
    s = lane.session
    s.guide("浙A12345", VehicleType.CAR, 1)
    st = s.scan(passes(lane, DemoPerson()))
    assert st.step is Step.RECORD and st.banner is not None
    assert st.banner.suggested is Disposition.RELEASE
    # it was a truck: the driver carries no goods-vehicle pass
    st = s.correct("vehicle_type", "truck", "看错车型")
    assert st.step is Step.VERIFY and st.notice is Notice.CORRECTED
    assert st.people[0].view.verdict is Verdict.STOP
    st = s.finish_verify()
    assert st.banner is not None and st.banner.suggested is Disposition.PERSUADE_RETURN


@pytest.mark.parametrize(
    "junk", ["hello world", "https://shop.example.com/item/42", "", "   ", "HC2:notathing"]
)
def test_garbage_is_not_a_person(lane: Lane, junk: str) -> None:
    s = lane.session
    s.guide("浙A12345", VehicleType.CAR, 2)
    before = s.scan(passes(lane, DemoPerson()))
    st = s.scan([junk])
    assert st.people == before.people
    if junk.strip():
        assert st.notice is Notice.NOT_A_CREDENTIAL and st.not_credential_count == 1
        assert NotACredential(1) in lane.view.events
    iid = st.inspection_id
    _, people = stored(lane, iid)
    assert len(people) == 1


def test_provincial_code_is_a_person_checked_by_eye(lane: Lane) -> None:
    s = lane.session
    s.guide("浙A12345", VehicleType.CAR, 1)
    st = s.scan(["https://hzjkm.hangzhou.gov.cn/health?token=8f2a"])
    assert len(st.people) == 1 and st.people[0].view.needs_manual
    assert st.step is Step.VERIFY
    st = s.read_colour(CodeColour.GREEN)
    st = s.read_star(False)
    st = s.read_test_hours(24)
    assert not st.people[0].view.needs_manual


def test_three_part_shc_over_three_frames(db_url: str, shared_data: Path) -> None:
    examples = shared_data / "smart-health-cards" / "examples"
    files = sorted(examples.glob("example-02-f-qr-code-numeric-value-*.txt"))
    parts = [f.read_text(encoding="utf-8").strip() for f in files]
    assert len(parts) == 3
    trust = TrustStore.load(examples / "issuer" / ".well-known" / "jwks.json")
    lane = _lane(db_url, verifier=Verifier(Policy.load(), trust))
    lane.clock.now = datetime(2023, 6, 23, 10, 0, tzinfo=UTC)
    with lane.db.session() as s:
        shift = open_shift(s, lane.place.site, leader=lane.leader, tz=SH, at=lane.clock.now)
    lane.session.shift_id = shift.id
    s = lane.session
    s.guide("浙A12345", VehicleType.CAR, 1)
    st = s.scan([parts[2]])
    assert st.people == () and st.parts_waiting == (1, 3) and st.notice is Notice.PART_WAITING
    st = s.scan([parts[0]])
    assert st.people == () and st.parts_waiting == (2, 3)
    st = s.scan([parts[1]])
    assert len(st.people) == 1 and st.parts_waiting is None
    [cred] = st.people[0].draft.credentials
    assert cred.format.value == "SHC" and cred.signature.value == "valid"
    _, people = stored(lane, st.inspection_id)
    with lane.db.session() as sess:
        scans = sess.scalars(
            select(CredentialScan).where(CredentialScan.inspection_id == st.inspection_id)
        ).all()
    assert len(people) == 1 and len(scans) == 1 and scans[0].payload is None


def test_shift_change_mid_vehicle(db_url: str) -> None:
    lane = _lane(db_url)
    s = lane.session
    # two minutes before the shift ends a vehicle comes in
    end = lane.shift.ends_at
    lane.clock.now = end - timedelta(minutes=2)
    s.guide("浙A12345", VehicleType.CAR, 2)
    s.scan(passes(lane, DemoPerson()))
    lane.clock.now = end + timedelta(seconds=30)
    with lane.db.session() as sess:
        old = sess.get(Shift, lane.shift.id)
        assert old is not None
        nxt = add_staff(sess, lane.place.site, "李红梅", Role.LEADER)
        close_shift(sess, old, closed_by=lane.leader, handover_to=nxt)
        new_shift = open_shift(sess, lane.place.site, leader=nxt, tz=SH, at=lane.clock.now)
    # the incoming leader signs in at the same lane: the vehicle under way is still there
    st = s.change_staff(nxt, new_shift.id)
    assert st.step is Step.VERIFY and len(st.people) == 1 and st.missing_people == 1
    st = s.scan(passes(lane, DemoPerson(), DemoPerson(), nonce=1)[1:])
    assert st.step is Step.RECORD
    s.confirm_record()
    s.divert()
    insp, _ = stored(lane, st.inspection_id)
    # the vehicle belongs to the shift it was guided in; the later steps name the new leader
    assert insp.shift_id == lane.shift.id
    assert insp.guide_by_id == lane.inspector.id and insp.divert_by_id == nxt.id


def test_mistaken_row_removed_with_reason(lane: Lane) -> None:
    s = lane.session
    s.guide("浙A12345", VehicleType.CAR, 1)
    s.add_person_by_eye()
    st = s.scan(passes(lane, DemoPerson()))
    assert len(st.people) == 2
    with pytest.raises(LaneError) as exc:
        s.remove_person(0, "")
    assert exc.value.problem is LaneProblem.REMOVE_NEEDS_REASON
    st = s.remove_person(0, "误加")
    assert len(st.people) == 1 and st.people[0].view.occupant is Occupant.DRIVER
    assert st.notice is Notice.PERSON_REMOVED
    assert any(isinstance(e, PersonRemoved) for e in lane.view.events)
    _, people = stored(lane, st.inspection_id)
    assert [p.occupant for p in people] == ["driver"]
    with lane.db.session() as sess:
        evs = audit_events(sess, lane.place.site.id)
        [removed] = [e for e in evs if e.action == "inspection.person_remove"]
        assert removed.detail["reason"] == "误加" and removed.actor_id == lane.inspector.id
    assert s.finish_verify().step is Step.RECORD


def test_people_missing_and_wrong_step_are_typed(lane: Lane) -> None:
    s = lane.session
    with pytest.raises(LaneError) as exc:
        s.finish_verify()
    assert exc.value.problem is LaneProblem.WRONG_STEP
    with pytest.raises(LaneError) as exc:
        s.guide("浙I12345", VehicleType.CAR, 1)
    assert exc.value.problem is LaneProblem.PLATE and exc.value.params["problem"]
    s.guide("浙A12345", VehicleType.CAR, 3)
    s.scan(passes(lane, DemoPerson()))
    with pytest.raises(LaneError) as exc:
        s.finish_verify()
    assert exc.value.problem is LaneProblem.PEOPLE_MISSING and exc.value.params["missing"] == 2
    with pytest.raises(LaneError) as exc:
        s.set_temperature(50)
    assert exc.value.problem is LaneProblem.TEMPERATURE_RANGE


def test_scan_before_plate_is_a_notice(lane: Lane) -> None:
    st = lane.session.scan(passes(lane, DemoPerson()))
    assert st.step is Step.GUIDE and st.notice is Notice.SCAN_IGNORED


def test_id_number_only_as_keyed_hash_and_mask(db_url: str, tmp_path: Path) -> None:
    key = SiteKey.create(tmp_path / "lane-a")
    lane = _lane(db_url, key=key)
    s = lane.session
    s.guide("浙A12345", VehicleType.CAR, 1)
    s.add_person_by_eye()
    with pytest.raises(LaneError):
        s.set_id_number("12345")
    st = s.set_id_number("330102199001011234")
    _, [person] = stored(lane, st.inspection_id)
    assert person.id_masked == "3301**********1234"
    assert person.id_hash == key.hash_id("330102199001011234")
    assert "330102199001011234" not in repr(person.findings)
    # a second lane given the same key by import hashes the same number the same way
    exported = SiteKey.path(tmp_path / "lane-a")
    other = SiteKey.import_file(tmp_path / "lane-b", exported)
    assert other.fingerprint == key.fingerprint
    assert other.hash_id("330102199001011234") == person.id_hash
    # a change of the person afterwards keeps the hash
    st = s.read_colour(CodeColour.GREEN)
    _, [person] = stored(lane, st.inspection_id)
    assert person.id_hash == key.hash_id("330102199001011234")


def test_id_number_needs_the_site_key(lane: Lane) -> None:
    s = lane.session
    s.guide("浙A12345", VehicleType.CAR, 1)
    s.add_person_by_eye()
    with pytest.raises(LaneError) as exc:
        s.set_id_number("330102199001011234")
    assert exc.value.problem is LaneProblem.NO_SITE_KEY


def test_raw_payload_only_when_the_policy_says_so(db_url: str, tmp_path: Path) -> None:
    text = Path(Policy.load().source).read_text(encoding="utf-8")
    text = text.replace("store_raw_payloads = false", "store_raw_payloads = true")
    policy_file = tmp_path / "raw.toml"
    policy_file.write_text(text, encoding="utf-8")
    verifier = Verifier(Policy.load(policy_file), TrustStore(demo_trusted=True), demo=True)
    lane = _lane(db_url, verifier=verifier)
    lane.session.guide("浙A12345", VehicleType.CAR, 1)
    codes = passes(lane, DemoPerson())
    st = lane.session.scan(codes)
    with lane.db.session() as sess:
        [scan] = sess.scalars(
            select(CredentialScan).where(CredentialScan.inspection_id == st.inspection_id)
        ).all()
    assert scan.payload == codes[0]


def test_storage_refuses_a_suggestion_its_findings_do_not_give(lane: Lane) -> None:
    s = lane.session
    s.guide("浙A12345", VehicleType.CAR, 1)
    s.scan(passes(lane, DemoPerson(colour=CodeColour.RED)))
    iid = s.state.inspection_id
    assert iid is not None
    with pytest.raises(InspectionError, match="not what the stored findings give"):
        s.desk.finish_verify(iid, suggested=Disposition.RELEASE, staff=lane.inspector, at=T0)
    st = s.finish_verify()
    assert st.banner is not None and st.banner.suggested is Disposition.QUARANTINE
    s.confirm_record()
    # someone edits the stored suggestion behind the lane's back: divert is refused
    with lane.db.session() as sess:
        row = sess.get(Inspection, iid)
        assert row is not None
        row.suggested_disposition = "release"
    with pytest.raises(InspectionError, match="not what the stored findings give"):
        s.divert()


def test_storage_refuses_a_verdict_its_findings_do_not_give(lane: Lane) -> None:
    s = lane.session
    s.guide("浙A12345", VehicleType.CAR, 1)
    st = s.scan(passes(lane, DemoPerson(colour=CodeColour.RED)))
    entry = st.people[0].entry
    forged = type(entry)(
        occupant=entry.occupant, verdict=Verdict.PASS, disposition=Disposition.RELEASE,
        findings=dict(entry.findings),
    )  # fmt: skip
    assert st.inspection_id is not None
    with pytest.raises(InspectionError, match="not what their findings give"):
        s.desk.add_person(st.inspection_id, forged, staff=lane.inspector, at=lane.clock())

