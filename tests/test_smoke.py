"""The self-check behind ``app --smoke`` (checkpoint.smoke), run for real: SQLite, the three
decoders, the demo issuer key, the default policy, reportlab with the bundled font."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from checkpoint import smoke
from checkpoint.config import load_settings
from checkpoint.credentials import PassContent
from checkpoint.credentials.ckp1 import mint
from checkpoint.errors import CheckpointError
from checkpoint.storage.db import open_database
from checkpoint.storage.models import Shift

REPO = Path(__file__).resolve().parents[1]


def test_all_four_checks_pass_on_a_scratch_data_dir(isolated_env: Path) -> None:
    report = smoke.run_smoke(load_settings(), scratch_data_dir=True)
    assert [s.step for s in report.steps] == list(smoke.SmokeStep)
    assert report.payload.startswith("CKP1:")
    assert "revision" in report.database
    assert report.report_pages >= 1 and report.report_bytes > 10_000
    assert report.disposition  # the default policy judged the pass
    assert all(s.ms >= 0 for s in report.steps) and report.total_ms > 0
    assert len(report.lines()) == 4
    # scratch means scratch: the configured data dir was never created
    assert not isolated_env.exists()


def test_the_configured_database_is_migrated_but_gets_no_smoke_records(
    isolated_env: Path,
) -> None:
    settings = load_settings()
    report = smoke.run_smoke(settings)
    assert str(isolated_env) in report.database
    db = open_database(settings.database_url)
    try:
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(Shift)) == 0
    finally:
        db.dispose()


def test_sample_pass_is_a_valid_demo_pass_read_by_every_decoder() -> None:
    assert smoke.SAMPLE_PASS.is_file()
    payload = smoke.check_decode()
    detail, disposition = smoke.check_verify(payload, load_settings())
    assert "signature valid" in detail and "demo" in detail
    assert disposition == "release"  # green code, negative test, low-risk itinerary


def test_missing_sample_image_fails_at_decode_in_one_sentence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(smoke, "SAMPLE_PASS", tmp_path / "gone.png")
    with pytest.raises(
        CheckpointError, match=r"^Self-check failed at decode .*gone\.png is missing"
    ):
        smoke.run_smoke(load_settings(), scratch_data_dir=True)


def test_unwritable_data_dir_fails_at_database(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    settings = replace(load_settings(), data_dir=blocker / "data")
    with pytest.raises(CheckpointError, match=r"^Self-check failed at database"):
        smoke.run_smoke(settings)


def test_pass_from_an_unknown_issuer_fails_verification() -> None:
    stranger = ec.generate_private_key(ec.SECP256R1())
    at = smoke.SAMPLE_ISSUED_AT
    text = mint(
        PassContent(holder=smoke.SAMPLE_HOLDER),
        stranger,
        issuer="somebody",
        issued_at=at,
        expires_at=at + timedelta(hours=24),
    )
    with pytest.raises(CheckpointError, match="signature is unknown_key"):
        smoke.check_verify(text, load_settings())


def test_page_count_agrees_with_pypdf(tmp_path: Path) -> None:
    from pypdf import PdfReader

    _detail, pages, _size = smoke.check_report(load_settings(), tmp_path)
    assert pages == len(PdfReader(tmp_path / "smoke-report.pdf").pages)


def test_smoke_never_imports_qt(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from checkpoint.config import load_settings\n"
        "from checkpoint.smoke import run_smoke\n"
        "run_smoke(load_settings(), scratch_data_dir=True)\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "assert not qt, qt\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
