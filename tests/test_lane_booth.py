"""The lane at the booth, in the Qt-free core: a leader authorises an override with name and PIN
(both audited), a DEMO pass never enters the real books, and a shift handed over three hours
early leaves the lane usable for the incoming leader at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from test_lane_session import SH, T0, FakeClock, FakeView, Lane, _lane, passes, stored

from checkpoint.credentials.trust import TrustStore
from checkpoint.demo.passes import DemoPerson, mint_demo_passes
from checkpoint.domain import CodeColour, Disposition, Role, Step, VehicleType
from checkpoint.lane.events import StepDone
from checkpoint.lane.judging import Verifier
from checkpoint.lane.problems import LaneError, LaneProblem
from checkpoint.lane.session import LaneSession
from checkpoint.lane.state import Notice
from checkpoint.rules.policy import Policy
from checkpoint.storage.audit import events as audit_events
from checkpoint.storage.models import AuditEvent, Inspection, Shift, StaffMember
from checkpoint.team import auth
from checkpoint.team.auth import AuthError
from checkpoint.team.rota import close_shift, current_open_shift, open_shift
from checkpoint.team.site import ensure_place
from checkpoint.team.staff import add_staff


@pytest.fixture
def lane(db_url: str) -> Lane:
    lane = _lane(db_url)
    with lane.db.session() as s:
        leader = s.get(StaffMember, lane.leader.id)
        assert leader is not None
        auth.set_secret(s, leader, "2468")
    return lane


def _to_divert(lane: Lane, colour: CodeColour = CodeColour.YELLOW) -> None:
    s = lane.session
    s.guide("浙A12345", VehicleType.CAR, 1)
    s.scan(passes(lane, DemoPerson(colour=colour)))
    if s.state.step is Step.VERIFY:
        s.finish_verify()
    s.confirm_record()
    assert s.state.step is Step.DIVERT


def test_an_inspectors_override_is_authorised_by_a_leaders_pin(lane: Lane) -> None:
    _to_divert(lane)
    s = lane.session
    assert not s.may_override()
    with pytest.raises(AuthError, match="PIN"):
        s.divert_with_leader(Disposition.RELEASE, "复测正常", "王建国", "1111")
    assert s.state.step is Step.DIVERT  # nothing saved, the form is still there
    with pytest.raises(LaneError) as exc:
        s.divert_with_leader(Disposition.RELEASE, "  ", "王建国", "2468")
    assert exc.value.problem is LaneProblem.OVERRIDE_NEEDS_REASON
    st = s.divert_with_leader(Disposition.RELEASE, "复测正常", "王建国", "2468")
    assert st.step is Step.GUIDE and st.last == ("浙A12345", Disposition.RELEASE)
    iid = next(e.inspection_id for e in lane.view.events if isinstance(e, StepDone))
    insp, _ = stored(lane, iid)
    assert insp.final_disposition == "release" and insp.override_reason == "复测正常"
    assert insp.override_by_id == lane.leader.id and insp.divert_by_id == lane.inspector.id
    with lane.db.session() as db:
        actions = [r.action for r in audit_events(db, lane.place.site.id)]
        assert "auth.failed" in actions  # the wrong PIN counted towards the lock-out
        ev = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "lane.override_authorised")
        ).one()
        assert ev.actor_id == lane.leader.id and ev.subject == str(iid)
        assert ev.detail["leader"] == "王建国" and ev.detail["requested_by"] == "陈静"


def test_a_non_leader_cannot_authorise(lane: Lane) -> None:
    with lane.db.session() as s:
        guide = add_staff(s, lane.place.site, "刘洋", Role.GUIDE)
        auth.set_secret(s, guide, "1357")
    _to_divert(lane)
    with pytest.raises(LaneError) as exc:
        lane.session.divert_with_leader(Disposition.RELEASE, "复测正常", "刘洋", "1357")
    assert exc.value.problem is LaneProblem.LEADER_NOT_ALLOWED
    assert exc.value.params["name"] == "刘洋"
    assert lane.session.state.step is Step.DIVERT


def test_a_demo_pass_is_refused_at_a_real_lane(db_url: str) -> None:
    settings_lane = _lane(db_url)  # the place, staff and shift; its own session is a demo one
    verifier = Verifier(Policy.load(), TrustStore(demo_trusted=False), demo=False)
    clock = FakeClock(T0)
    real = LaneSession(
        settings_lane.db, settings_lane.place.lane.id, verifier, staff=settings_lane.inspector,
        shift_id=settings_lane.shift.id, clock=clock, demo=False,
    )  # fmt: skip
    view = FakeView()
    real.subscribe(view)
    real.guide("浙A12345", VehicleType.CAR, 1)
    st = real.scan(mint_demo_passes("浙A12345", [DemoPerson()], clock(), nonce=1))
    assert st.notice is Notice.DEMO_REFUSED
    assert st.people == () and st.step is Step.VERIFY
    with settings_lane.db.session() as s:
        insp = s.scalars(select(Inspection)).one()
        assert insp.people == []
    # the inspector goes on by eye
    real.add_person_by_eye()
    st = real.read_colour(CodeColour.GREEN)
    assert len(st.people) == 1 and not st.people[0].view.demo


def test_handed_over_three_hours_early_the_next_shift_opens_and_records(db_url: str) -> None:
    lane = _lane(db_url)
    s = lane.session
    with lane.db.session() as db:
        shift = db.get(Shift, lane.shift.id)
        assert shift is not None
        early = shift.ends_at - timedelta(hours=3)
        incoming = add_staff(db, lane.place.site, "李红梅", Role.LEADER)
        close_shift(db, shift, closed_by=lane.leader, handover_to=incoming, note="正常", at=early)
    at = early + timedelta(minutes=2)
    with lane.db.session() as db:
        place = ensure_place(db, lane.settings)
        assert current_open_shift(db, place.site, at) is None
        nxt = open_shift(db, place.site, leader=incoming, tz=SH, at=at)
        # the next shift of the rota, starting now: an early start, audited as such
        assert (nxt.duty_date, nxt.slot_number) == (T0.date(), 3)
        assert nxt.starts_at == at and nxt.ends_at > shift.ends_at
        assert current_open_shift(db, place.site, at) is not None
        opened = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "shift.open",
                                     AuditEvent.subject == str(nxt.id))
        ).one()  # fmt: skip
        assert opened.detail["early_start"] is True and opened.detail["early_minutes"] == 178
        nxt_id = nxt.id
    lane.clock.now = at + timedelta(minutes=1)
    s.change_staff(incoming, nxt_id)
    s.guide("浙B54321", VehicleType.CAR, 1)
    s.scan(passes(lane, DemoPerson(), plate="浙B54321", nonce=7))
    s.confirm_record()
    st = s.divert()
    assert st.last == ("浙B54321", Disposition.RELEASE)
    with lane.db.session() as db:
        insp = db.scalars(select(Inspection).where(Inspection.plate == "浙B54321")).one()
        assert insp.shift_id == nxt_id and insp.status == "done"
