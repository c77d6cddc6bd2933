"""``checkpoint report shift|day`` and ``checkpoint export`` from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import text
from test_reports_seed import DEMO_DAY, KNOWN_DAY, Seeded, build_seeded

from checkpoint.cli import main
from checkpoint.domain import Disposition


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    s = build_seeded(tmp_path_factory.mktemp("cli-report"))
    yield s
    s.db.dispose()


def _sql(seeded: Seeded, sql: str) -> list[tuple[object, ...]]:
    with seeded.db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_report_shift_json_matches_the_database_and_the_pdf(
    seeded: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "shift.pdf"
    code = main(
        [
            "report",
            "shift",
            "--date",
            DEMO_DAY.isoformat(),
            "--shift",
            "3",
            "--out",
            str(out),
            "--json",
            "--db",
            seeded.url,
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    where = "shift_id = (SELECT id FROM shift WHERE duty_date = '2022-04-18' AND slot_number = 3)"
    [(vehicles, people)] = _sql(
        seeded, f"SELECT count(*), sum(people_count) FROM inspection WHERE {where}"
    )
    assert (data["vehicles"], data["people"]) == (vehicles, people)
    disp = dict(
        _sql(
            seeded,
            f"SELECT final_disposition, count(*) FROM inspection WHERE {where} "
            "GROUP BY final_disposition",
        )
    )
    for row in data["by_disposition"]:
        assert row["vehicles"] == disp.get(row["key"], 0)
        assert row["label"] == next(d.zh for d in Disposition if d.value == row["key"])
    assert sum(r["vehicles"] for r in data["by_vehicle_type"]) == vehicles
    assert sum(r["vehicles"] for r in data["by_province"]) == vehicles
    assert sum(h["vehicles"] for h in data["hourly"]) == vehicles
    [(exceptions,)] = _sql(
        seeded,
        f"SELECT count(*) FROM inspection WHERE {where} AND (final_disposition IS NULL OR "
        "final_disposition != 'release' OR report_to_community OR override_reason IS NOT NULL)",
    )
    assert data["exceptions_count"] == exceptions
    assert "exceptions" not in data  # the figures, not the rows
    reader = PdfReader(out)
    assert len(reader.pages) == data["pages"]
    assert f"数据摘要 {data['digest_short']}" in reader.pages[0].extract_text()
    assert data["shift_name"] == "晚班" and data["empty"] is False


def test_report_day_text_output_and_db_from_environment(
    seeded: Seeded,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHECKPOINT_DB_URL", seeded.url)
    out = tmp_path / "day.pdf"
    assert main(["report", "day", "--date", DEMO_DAY.isoformat(), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"Wrote {out}: 每日一报 2022-04-18, 900 vehicles,")
    assert "每日一报" in PdfReader(out).pages[0].extract_text()


def test_empty_shift_gives_a_valid_report(
    seeded: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "empty.pdf"
    code = main(
        [
            "report",
            "shift",
            "--date",
            KNOWN_DAY.isoformat(),
            "--shift",
            "2",
            "--out",
            str(out),
            "--json",
            "--db",
            seeded.url,
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["empty"] is True and data["vehicles"] == 0 and data["exceptions_count"] == 0
    assert "本班无车辆查验记录" in PdfReader(out).pages[0].extract_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "shift", "--date", "2023-05-01", "--shift", "1"], "No shift was opened"),
        (["report", "shift", "--date", "2022-04-18", "--shift", "7"], "There is no shift 7"),
        (["report", "day", "--date", "2019-01-01"], "No shift was opened"),
    ],
)
def test_unknown_date_or_shift_is_one_sentence_on_stderr(
    seeded: Seeded,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    out = tmp_path / "x.pdf"
    assert main([*argv, "--out", str(out), "--db", seeded.url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("checkpoint: ") and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_bad_date_and_bad_out_are_rejected(
    seeded: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["report", "day", "--date", "2022-02-30", "--out", str(tmp_path / "x.pdf")])
    assert "is not a date" in capsys.readouterr().err
    code = main(
        [
            "report",
            "day",
            "--date",
            "2022-04-18",
            "--out",
            str(tmp_path / "x.txt"),
            "--db",
            seeded.url,
        ]
    )
    assert code == 2 and ".pdf" in capsys.readouterr().err


def test_export_csv_and_xlsx(
    seeded: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path = tmp_path / "shift.csv"
    assert (
        main(
            [
                "export",
                "--date",
                "2022-04-18",
                "--shift",
                "1",
                "--out",
                str(csv_path),
                "--db",
                seeded.url,
            ]
        )
        == 0
    )
    [(n,)] = _sql(
        seeded,
        "SELECT count(*) FROM inspection JOIN shift ON shift.id = shift_id "
        "WHERE duty_date = '2022-04-18' AND slot_number = 1",
    )
    assert f"Wrote {n} vehicles of 2022-04-18 shift 1" in capsys.readouterr().out
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    xlsx = tmp_path / "range.xlsx"
    assert (
        main(
            [
                "export",
                "--from",
                "2022-04-18",
                "--to",
                "2022-04-19",
                "--out",
                str(xlsx),
                "--db",
                seeded.url,
            ]
        )
        == 0
    )
    assert xlsx.stat().st_size > 0
    assert main(["export", "--out", str(xlsx), "--db", seeded.url]) == 2
    assert "Give --date" in capsys.readouterr().err
