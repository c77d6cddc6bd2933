"""Corrections after the fact: leaders only, re-judged by the rules, originals kept, audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from leader_world import MORNING, PINS, Person, World, make_world, world_at
from sqlalchemy import select

from checkpoint.cli import main
from checkpoint.domain import CodeColour, Disposition
from checkpoint.leader.corrections import Corrector
from checkpoint.plates import PlateError
from checkpoint.storage import ledger
from checkpoint.storage.ledger import CorrectionError
from checkpoint.storage.models import AuditEvent, Correction, Inspection, PersonCheck, Response
from checkpoint.team.auth import PermissionDenied

AT = MORNING


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    with world_at(db_url, AT) as w:
        yield w


def _corrector(w: World) -> Corrector:
    return Corrector(w.db, w.policy, settings=w.settings)


def test_a_finding_corrected_is_judged_again_and_keeps_the_original(world: World) -> None:
    iid = world.vehicle("浙A12345", AT, [Person(), Person()])
    corrector = _corrector(world)
    leader = world.staff["王建国"]
    out = corrector.correct(
        iid, "person.2.code_colour", "红码", reason="乘客实为红码，录入时看错",
        staff=leader, at=AT + timedelta(hours=1),
    )  # fmt: skip
    assert (out.requested.old_value, out.requested.new_value) == ("green", "red")
    # the core judged the passenger again: red → quarantine, for the vehicle too
    assert out.suggested is Disposition.QUARANTINE
    assert out.final is Disposition.RELEASE  # what happened at the lane stays as it happened
    assert {c.field: (c.old_value, c.new_value) for c in out.derived}["suggested_disposition"] == (
        "release",
        "quarantine",
    )
    assert out.response_started
    with world.db.session() as s:
        person = s.scalars(
            select(PersonCheck).where(PersonCheck.inspection_id == iid, PersonCheck.seq == 2)
        ).one()
        assert (person.verdict, person.disposition, person.code_colour) == (
            "stop",
            "quarantine",
            "red",
        )
        assert "HEALTH_CODE_RED" in {r["code"] for r in person.reasons}
        insp = s.get(Inspection, iid)
        assert insp is not None and insp.suggested_disposition == "quarantine"
        event = s.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "inspection.correct", AuditEvent.subject == str(iid)
            )
        ).one()
        assert event.actor_id == leader.id
        assert event.detail["field"] == "person.2.code_colour"
        response = s.scalars(select(Response).where(Response.inspection_id == iid)).one()
        assert response.trigger == "quarantine"
    d = ledger.details(world.db, iid)
    shown = {(c.field, c.old_value, c.new_value, c.by) for c in d.corrections}
    assert ("person.2.code_colour", "green", "red", "王建国") in shown
    assert ("suggested_disposition", "release", "quarantine", "王建国") in shown
    assert {c.reason for c in d.corrections} == {"乘客实为红码，录入时看错"}


def test_a_positive_test_found_later_starts_the_136_response(world: World) -> None:
    iid = world.vehicle("浙B12345", AT)
    out = _corrector(world).correct(
        iid, "person.1.test", "阳性", reason="采样点回报阳性", staff=world.staff["王建国"],
        at=AT + timedelta(hours=2),
    )  # fmt: skip
    assert out.requested.new_value == "positive"
    assert out.suggested is Disposition.QUARANTINE and out.response_started
    with world.db.session() as s:
        response = s.scalars(select(Response).where(Response.inspection_id == iid)).one()
        assert response.trigger == "TEST_POSITIVE"
        assert response.started_at == AT + timedelta(hours=2)
        assert [i.due_minutes for i in response.items] == [10, 30, 60]


def test_plate_type_and_head_count_are_checked_like_a_desk_entry(world: World) -> None:
    iid = world.vehicle("浙C12345", AT)
    corrector = _corrector(world)
    leader = world.staff["王建国"]
    later = AT + timedelta(minutes=30)
    with pytest.raises(PlateError):
        corrector.correct(iid, "plate", "浙I12345", reason="看错", staff=leader, at=later)
    with pytest.raises(CorrectionError, match="at least 1"):
        corrector.correct(iid, "people_count", "0", reason="看错", staff=leader, at=later)
    out = corrector.correct(iid, "vehicle_type", "货车", reason="实为货车", staff=leader, at=later)
    # a truck without a goods-vehicle pass is turned back under the default policy
    assert out.requested.new_value == "truck"
    assert out.suggested is Disposition.PERSUADE_RETURN
    corrector.correct(iid, "plate", "浙 C1234·6", reason="看错车牌", staff=leader, at=later)
    assert ledger.details(world.db, iid).row.plate == "浙C12346"


def test_a_corrected_disposition_differing_from_the_rules_is_an_override(world: World) -> None:
    iid = world.vehicle("浙D12345", AT)
    _corrector(world).correct(
        iid, "disposition", "劝返", reason="司机拒绝采样，已劝返", staff=world.staff["王建国"],
        at=AT + timedelta(minutes=20),
    )  # fmt: skip
    d = ledger.details(world.db, iid)
    assert d.row.final is Disposition.PERSUADE_RETURN and d.row.suggested is Disposition.RELEASE
    assert d.override_reason == "司机拒绝采样，已劝返"


def test_who_what_and_when_may_be_corrected(world: World) -> None:
    iid = world.vehicle("浙E12345", AT)
    corrector = _corrector(world)
    leader, recorder = world.staff["王建国"], world.staff["徐丽"]
    soon = AT + timedelta(hours=1)
    with pytest.raises(PermissionDenied):
        corrector.correct(iid, "plate", "浙E12346", reason="看错", staff=recorder, at=soon)
    with pytest.raises(CorrectionError, match="reason"):
        corrector.correct(iid, "plate", "浙E12346", reason="  ", staff=leader, at=soon)
    with pytest.raises(CorrectionError, match="cannot be corrected"):
        corrector.correct(iid, "status", "open", reason="x", staff=leader, at=soon)
    with pytest.raises(CorrectionError, match="no person 3"):
        corrector.correct(iid, "person.3.temperature", "37", reason="x", staff=leader, at=soon)
    with pytest.raises(CorrectionError, match="same as the saved"):
        corrector.correct(iid, "person.1.code_colour", "green", reason="x", staff=leader, at=soon)
    too_late = AT + world.policy.correction_window + timedelta(minutes=1)
    with pytest.raises(CorrectionError, match="older than 7 days"):
        corrector.correct(iid, "plate", "浙E12346", reason="看错", staff=leader, at=too_late)
    with world.db.session() as s:
        assert s.scalars(select(Correction).where(Correction.inspection_id == iid)).all() == []
        insp = s.get(Inspection, iid)
        assert insp is not None and insp.plate == "浙E12345"


def test_an_open_inspection_is_left_to_the_lane(world: World) -> None:
    from checkpoint.domain import VehicleType

    iid = world.desk().guide(
        world.shift_id, plate="浙F12345", vehicle_type=VehicleType.CAR, people_count=1,
        staff=world.staff["徐丽"], at=AT,
    )  # fmt: skip
    with pytest.raises(CorrectionError, match="still being inspected"):
        _corrector(world).correct(
            iid, "plate", "浙F12346", reason="x", staff=world.staff["王建国"], at=AT
        )


def test_cli_correct_signs_in_and_prints_what_changed(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from checkpoint.storage.models import utcnow

    w = make_world(db_url, utcnow() - timedelta(minutes=20))
    try:
        iid = w.vehicle("浙G12345", utcnow() - timedelta(minutes=20))
    finally:
        w.db.dispose()
    args = ["ledger", "correct", str(iid), "--field", "person.1.temperature", "--value", "38.2",
            "--reason", "复测发热", "--as", "王建国", "--db", db_url, "--json"]  # fmt: skip
    monkeypatch.setenv("CHECKPOINT_PIN", "0000")
    assert main(args) == 2
    assert "wrong PIN" in capsys.readouterr().err
    monkeypatch.setenv("CHECKPOINT_PIN", PINS["王建国"])
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["changes"][0] == {"field": "person.1.temperature", "old": "36.5", "new": "38.2"}
    assert out["suggested"] == "quarantine" and out["final"] == "release"
    assert out["response_started"] is True
    monkeypatch.setenv("CHECKPOINT_PIN", PINS["徐丽"])
    args[args.index("王建国")] = "徐丽"
    assert main(args) == 2
    assert "correct" in capsys.readouterr().err


def test_colour_text_is_accepted_in_both_languages() -> None:
    from checkpoint.leader.corrections import _colour

    assert _colour("红") is CodeColour.RED
    assert _colour("Yellow") is CodeColour.YELLOW
    with pytest.raises(CorrectionError):
        _colour("purple")
