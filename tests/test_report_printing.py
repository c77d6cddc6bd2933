"""Printing sends the report's own vector pages: to a file, or to a real CUPS scheduler via lp.

The page text must survive printing (pdftotext finds it), the dialog's page range and copies
must reach the printer, and nothing may be turned into a page-sized picture.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cups_server import CupsServer, missing_programs, private_cups
from pypdf import PdfReader
from test_reports_seed import DEMO_DAY, Seeded, build_seeded

from checkpoint.reports.printing import (
    PrintError,
    lp_command,
    page_count,
    plan_job,
    send_to_cups,
    write_to_file,
)
from checkpoint.reports.service import ReportKind, ReportRequest, make_report

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[bytes]:
    seeded: Seeded = build_seeded(tmp_path_factory.mktemp("printing"))
    try:
        doc = make_report(
            seeded.db, seeded.settings, ReportRequest(ReportKind.SHIFT, DEMO_DAY, 2)
        )
    finally:
        seeded.db.dispose()
    assert doc.pages >= 4
    yield doc.pdf


def _text(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is missing; .ci/run installs it")
    proc = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return proc.stdout.decode("utf-8")


def _page_texts(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [page.extract_text() or "" for page in reader.pages]


@pytest.fixture
def cups() -> Iterator[CupsServer]:
    missing = missing_programs()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CUPS programs missing under CI: {missing} (.ci/run installs them)")
        pytest.skip(f"no CUPS here ({', '.join(missing)} missing); apt-get install cups")
    with private_cups() as server:
        yield server


def test_a_page_range_in_a_file_is_the_same_vector_pages(
    report_pdf: bytes, tmp_path: Path
) -> None:
    job = plan_job("交接班报告", page_count(report_pdf), page_range=(2, 3), copies=2)
    out = tmp_path / "printed.pdf"
    assert write_to_file(report_pdf, job, out) == 4
    printed = out.read_bytes()
    original = _page_texts(report_pdf)
    # collated copies: 2 3 2 3, each page's text unchanged
    assert _page_texts(printed) == [original[1], original[2], original[1], original[2]]
    text = _text(printed)
    assert re.search(r"第\s*2\s*页", text) and "交接班报告" in text
    assert len(printed) < len(report_pdf) * 2  # pages, not page-sized pictures


def test_uncollated_copies_repeat_each_page(report_pdf: bytes, tmp_path: Path) -> None:
    job = plan_job("r", page_count(report_pdf), page_range=(1, 2), copies=2, collate=False)
    assert job.sheet_order() == [0, 0, 1, 1]
    write_to_file(report_pdf, job, tmp_path / "u.pdf")
    original = _page_texts(report_pdf)
    assert _page_texts((tmp_path / "u.pdf").read_bytes()) == [original[0]] * 2 + [original[1]] * 2


def test_the_whole_report_once_is_written_byte_for_byte(report_pdf: bytes, tmp_path: Path) -> None:
    job = plan_job("r", page_count(report_pdf))
    assert write_to_file(report_pdf, job, tmp_path / "all.pdf") == page_count(report_pdf)
    assert (tmp_path / "all.pdf").read_bytes() == report_pdf


def test_a_range_outside_the_report_is_one_sentence(report_pdf: bytes) -> None:
    pages = page_count(report_pdf)
    with pytest.raises(PrintError, match=rf"page range {pages + 1}–{pages} holds no page"):
        plan_job("r", pages, page_range=(pages + 1, pages + 3))
    assert plan_job("r", pages, page_range=(2, 0)).last_page == pages  # 0 = to the end


def test_garbage_is_not_printed() -> None:
    with pytest.raises(PrintError, match="cannot be read for printing"):
        page_count(b"%PDF-1.4 not really")


def test_lp_command_carries_the_dialog_choices() -> None:
    job = plan_job(
        "交接班报告 2022-04-18", 6, page_range=(2, 3), copies=3, collate=False,
        sides="two-sided-long-edge", printer="booth",
    )  # fmt: skip
    assert lp_command(job, "/usr/bin/lp") == [
        "/usr/bin/lp", "-d", "booth", "-t", "交接班报告 2022-04-18", "-n", "3",
        "-o", "collate=false", "-o", "sides=two-sided-long-edge",
    ]  # fmt: skip
    plain = lp_command(plan_job("r", 6))
    assert "-d" not in plain and "collate=true" not in " ".join(plain)  # the default printer


def test_cups_gets_the_chosen_pages_as_pdf_with_text(
    report_pdf: bytes, cups: CupsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUPS_SERVER", str(cups.socket))
    job = plan_job("交接班报告", page_count(report_pdf), page_range=(2, 4), copies=2,
                   printer="capture")  # fmt: skip
    assert send_to_cups(report_pdf, job) == 6
    printed = cups.wait_for_output()
    assert printed.startswith(b"%PDF")
    original = _page_texts(report_pdf)
    assert _page_texts(printed) == original[1:4]  # the pages once; the printer makes copies
    copies, options = cups.job_args()
    assert copies == 2 and "collate" in options
    assert "交接班报告" in _text(printed)


def test_a_missing_printer_is_one_sentence(
    report_pdf: bytes, cups: CupsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUPS_SERVER", str(cups.socket))
    job = plan_job("r", page_count(report_pdf), printer="no-such-printer")
    with pytest.raises(PrintError, match=r"^The printer no-such-printer refused the job: .+\.$"):
        send_to_cups(report_pdf, job)


QT_PRINT = """
import sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
app = QApplication([])
from ui.report_view import PrintRoute, new_printer, print_pdf, print_route
names = QPrinterInfo.availablePrinterNames()
assert "capture" in names, names
printer = new_printer("交接班报告")
printer.setPrinterName("capture")
printer.setPrintRange(QPrinter.PrintRange.PageRange)
printer.setFromTo(2, 3)
printer.setCopyCount(2)
assert print_route(printer) is PrintRoute.CUPS, print_route(printer)
print(print_pdf(Path(sys.argv[1]).read_bytes(), printer))
"""


def test_the_print_dialogs_printer_reaches_cups_as_vector_pages(
    report_pdf: bytes, cups: CupsServer, tmp_path: Path
) -> None:
    """What QPrintDialog leaves in a QPrinter (a CUPS queue, pages 2–3, two copies) prints as
    those PDF pages through lp. In a process of its own: libcups keeps the first server it saw."""
    source = tmp_path / "report.pdf"
    source.write_bytes(report_pdf)
    env = {**cups.env, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", QT_PRINT, str(source)],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-1] == "4"  # sheets: 2 pages × 2 copies
    printed = cups.wait_for_output()
    original = _page_texts(report_pdf)
    assert _page_texts(printed) == original[1:3]
    assert cups.job_args()[0] == 2
    assert re.search(r"第\s*2\s*页", _text(printed))
