"""The 136 response: started by the divert, measures from the policy, ticked, overdue on every
lane until closed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from leader_world import MORNING, PINS, TZ, Person, World, world_at
from sqlalchemy import select

from checkpoint.domain import CodeColour, Disposition
from checkpoint.leader.responses import ResponseBook, ResponseError
from checkpoint.rules.policy import DEFAULT_POLICY, Policy, PolicyError
from checkpoint.storage.db import open_database
from checkpoint.storage.models import AuditEvent, Response
from checkpoint.team.auth import PermissionDenied

AT = MORNING


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    with world_at(db_url, AT) as w:
        yield w


def _book(w: World, db_url: str | None = None) -> ResponseBook:
    db = open_database(db_url) if db_url else w.db
    return ResponseBook(db, w.site_id, TZ, w.policy.response)


def test_a_quarantine_starts_the_response_and_every_lane_sees_it_overdue(
    world: World, db_url: str
) -> None:
    iid = world.vehicle("浙A12345", AT, [Person(colour=CodeColour.RED)])
    world.vehicle("浙A22222", AT + timedelta(minutes=1))  # released: nothing starts
    book = _book(world)
    (r,) = book.open_responses()
    assert r.inspection_id == iid and r.trigger == "quarantine" and r.trigger_zh == "转运隔离"
    diverted = AT + timedelta(seconds=5)
    assert r.started_at == diverted and r.plate_masked == "浙A***45"
    assert [(m.key, m.minutes) for m in r.measures] == [
        ("hold_report", 10),
        ("transfer", 30),
        ("disinfect", 60),
    ]
    assert [m.due_at for m in r.measures] == [diverted + timedelta(minutes=n) for n in (10, 30, 60)]
    assert book.overdue(diverted + timedelta(minutes=9)) == ()
    # another lane, its own connection to the shared database, sees the same alarm
    other_lane = world.add_lane("2号车道")
    other = _book(world, db_url)
    try:
        late = other.overdue(diverted + timedelta(minutes=11))
        assert [(o.key, o.lane, o.minutes_late) for o in late] == [("hold_report", "1号车道", 1)]
        done = other.tick(r.id, "hold_report", staff=world.staff["徐丽"],
                          at=diverted + timedelta(minutes=12))  # fmt: skip
        assert done.measures[0].done_by == "徐丽" and done.measures[0].late
        assert other.overdue(diverted + timedelta(minutes=20)) == ()
        assert [o.key for o in book.overdue(diverted + timedelta(minutes=61))] == [
            "transfer",
            "disinfect",
        ]
    finally:
        other.db.dispose()
    assert other_lane is not None
    with world.db.session() as s:
        actions = [
            e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.subject == str(r.id)))
        ]
        assert actions == ["response.start", "response.tick"]


def test_ticks_and_closing_follow_the_rules(world: World) -> None:
    world.vehicle("浙B12345", AT, [Person(colour=CodeColour.RED)])
    book = _book(world)
    (r,) = book.open_responses()
    recorder, leader = world.staff["徐丽"], world.staff["王建国"]
    t = AT + timedelta(minutes=5)
    with pytest.raises(ResponseError, match="no measure 'nap'"):
        book.tick(r.id, "nap", staff=recorder, at=t)
    book.tick(r.id, "hold_report", staff=recorder, at=t)
    with pytest.raises(ResponseError, match="already ticked"):
        book.tick(r.id, "hold_report", staff=recorder, at=t)
    with pytest.raises(PermissionDenied):
        book.close(r.id, staff=recorder, at=t)
    with pytest.raises(ResponseError, match="Not done yet: 联系隔离点"):
        book.close(r.id, staff=leader, at=t)
    book.tick(r.id, "transfer", staff=recorder, at=t + timedelta(minutes=20))
    closed = book.close(
        r.id, staff=leader, note="转运车辆已离开，消杀由防疫站完成", at=t + timedelta(minutes=40)
    )
    assert closed.closed and closed.closed_by == "王建国"
    assert book.open_responses() == ()
    assert book.overdue(t + timedelta(hours=5)) == ()
    with pytest.raises(ResponseError, match="closed"):
        book.tick(r.id, "disinfect", staff=recorder, at=t + timedelta(minutes=50))


def test_a_leader_may_start_one_by_hand_once(world: World) -> None:
    iid = world.vehicle("浙C12345", AT, final=Disposition.TEST_LANE)
    book = _book(world)
    with pytest.raises(PermissionDenied):
        book.start(iid, staff=world.staff["徐丽"], at=AT + timedelta(hours=1))
    r = book.start(iid, staff=world.staff["王建国"], at=AT + timedelta(hours=1))
    assert r.trigger == "manual" and r.trigger_zh == "人工启动" and r.started_by == "王建国"
    with pytest.raises(ResponseError, match="already started"):
        book.start(iid, staff=world.staff["王建国"], at=AT + timedelta(hours=1))
    with world.db.session() as s:
        assert len(s.scalars(select(Response)).all()) == 1


def _policy_with(tmp_path: Path, section: str) -> Path:
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    head = text[: text.index("[response]")]
    path = tmp_path / "site.toml"
    path.write_text(head + section, encoding="utf-8")
    return path


def test_the_checklist_comes_from_the_policy_file(tmp_path: Path) -> None:
    path = _policy_with(
        tmp_path,
        '[response]\nstart_dispositions = ["quarantine", "persuade_return"]\n'
        "start_reasons = []\nitems = [\n"
        '  { key = "call", minutes = 5, zh = "电话上报", en = "Phone it in" },\n]\n',
    )
    plan = Policy.load(path).response
    assert plan.start_dispositions == {Disposition.QUARANTINE, Disposition.PERSUADE_RETURN}
    assert [(m.key, m.minutes, m.zh) for m in plan.measures] == [("call", 5, "电话上报")]


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ('start_dispositions = ["home"]\nstart_reasons = []\nitems = []\n', "holds 'home'"),
        ("start_dispositions = []\nstart_reasons = []\nitems = []\n", "non-empty list"),
        (
            "start_dispositions = []\nstart_reasons = []\n"
            'items = [ { key = "a", minutes = 0, zh = "x", en = "x" } ]\n',
            "item 1 needs minutes as a whole number 1 to 1440",
        ),
        (
            "start_dispositions = []\nstart_reasons = []\n"
            'items = [ { key = "a", minutes = 5, zh = "x" } ]\n',
            "item 1 needs en",
        ),
    ],
)
def test_a_bad_response_section_names_file_line_and_key(
    tmp_path: Path, section: str, problem: str
) -> None:
    path = _policy_with(tmp_path, "[response]\n" + section)
    with pytest.raises(PolicyError) as caught:
        Policy.load(path)
    message = str(caught.value)
    assert str(path) in message and "response." in message and problem in message
    assert ", line " in message


def test_a_policy_without_the_new_sections_gets_the_defaults(tmp_path: Path) -> None:
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    path = tmp_path / "old.toml"
    path.write_text(text[: text.index("[ledger]")], encoding="utf-8")
    policy = Policy.load(path)
    assert policy.correction_window == timedelta(days=7)
    assert [m.minutes for m in policy.response.measures] == [10, 30, 60]


def test_cli_lists_overdue_measures_ticks_and_closes(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from checkpoint.cli import main
    from checkpoint.storage.models import utcnow

    start = utcnow() - timedelta(minutes=45)
    with world_at(db_url, start) as w:
        w.vehicle("浙D12345", start, [Person(colour=CodeColour.RED)])
    monkeypatch.setenv("CHECKPOINT_PIN", PINS["徐丽"])
    base = ["--as", "徐丽", "--db", db_url]
    assert main(["response", "list", "--overdue", "--json", *base]) == 0
    late = json.loads(capsys.readouterr().out)
    assert [o["key"] for o in late] == ["hold_report", "transfer"]
    assert late[0]["minutes_late"] >= 34 and late[0]["plate"] == "浙D***45"
    rid = late[0]["response"]
    assert main(["response", "tick", rid, "hold_report", *base]) == 0
    assert "(late)" in capsys.readouterr().out
    assert main(["response", "close", rid, *base]) == 2
    assert "may not open or close a shift" in capsys.readouterr().err
    monkeypatch.setenv("CHECKPOINT_PIN", PINS["王建国"])
    leader = ["--as", "王建国", "--db", db_url]
    assert main(["response", "close", rid, *leader]) == 2
    assert "Not done yet" in capsys.readouterr().err
    assert main(["response", "close", rid, "--note", "转运已由指挥部接手", *leader]) == 0
    assert main(["response", "list", *leader]) == 0
    assert "No open 136 response." in capsys.readouterr().out


def test_the_divert_reads_the_configured_policy_and_survives_a_broken_one(
    world: World, tmp_path: Path
) -> None:
    site_policy = _policy_with(
        tmp_path,
        '[response]\nstart_dispositions = ["persuade_return"]\nstart_reasons = []\n'
        'items = [ { key = "call", minutes = 5, zh = "电话上报", en = "Phone it in" } ]\n',
    )
    settings_file = tmp_path / "settings.toml"  # the isolated CHECKPOINT_CONFIG of this test
    settings_file.write_text(f"policy_file = {str(site_policy)!r}\n", encoding="utf-8")
    turned_back = world.vehicle("浙A11111", AT, final=Disposition.PERSUADE_RETURN)
    book = _book(world)
    assert [(r.inspection_id, [m.key for m in r.measures]) for r in book.open_responses()] == [
        (turned_back, ["call"])
    ]
    site_policy.write_text("name = \n", encoding="utf-8")  # broken mid-shift
    red = world.vehicle("浙A22222", AT + timedelta(minutes=1), [Person(colour=CodeColour.RED)])
    started = {r.inspection_id: [m.key for m in r.measures] for r in book.open_responses()}
    assert started[red] == ["hold_report", "transfer", "disinfect"]


def test_the_lane_s_own_policy_decides_what_starts_a_response(world: World) -> None:
    """The desk hands the storage layer the plan of the policy it judges with; the divert does
    not read the configured policy file then (a lane whose plan also starts on 劝返)."""
    from dataclasses import replace

    from checkpoint.storage.inspections import InspectionStore

    shipped = Policy.load(DEFAULT_POLICY).response
    plan = replace(shipped, start_dispositions=frozenset({Disposition.PERSUADE_RETURN}))
    lane = world.desk().lane_id
    world.desks[lane] = InspectionStore(world.db, lane, response_plan=plan)
    iid = world.vehicle("浙A12345", AT, [Person()], final=Disposition.PERSUADE_RETURN)
    world.vehicle("浙A54321", AT + timedelta(minutes=1), [Person(colour=CodeColour.RED)])
    (r,) = _book(world).open_responses()  # the quarantine does not start one under this plan
    assert r.inspection_id == iid and r.trigger == "persuade_return"
