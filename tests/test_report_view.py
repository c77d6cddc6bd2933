"""The report screen: preview off the GUI thread, print to a QPrinter (PDF mode), save as PDF."""

from __future__ import annotations

import os
import shutil
import subprocess

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6.QtPdf", reason="QtPdf is in the pyside6-pdf wheel; install it")

from pypdf import PdfReader
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from test_reports_seed import DEMO_DAY, KNOWN_DAY, Seeded, build_seeded

from checkpoint.reports.service import ReportKind, ReportRequest, make_report
from ui.report_view import (
    ReportView,
    document_maker,
    new_printer,
    print_at_shift_close,
    print_pdf,
    rasterise,
)
from ui.theme import DARK, LIGHT

TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    s = build_seeded(tmp_path_factory.mktemp("report-view"))
    yield s
    s.db.dispose()


def _pdf_printer(path: Path) -> QPrinter:
    printer = new_printer("test")
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


class FakeDialogs:
    """Stands in for QPrintDialog / QFileDialog: records calls, prints to a PDF file."""

    def __init__(self, out: Path, *, page_range: tuple[int, int] | None = None) -> None:
        self.out = out
        self.page_range = page_range
        self.print_calls: list[int] = []
        self.save_calls: list[str] = []

    def choose_printer(self, printer: QPrinter, parent: QWidget, pages: int) -> bool:
        self.print_calls.append(pages)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(self.out))
        if self.page_range is not None:
            printer.setPrintRange(QPrinter.PrintRange.PageRange)
            printer.setFromTo(*self.page_range)
        return True

    def choose_save_path(self, parent: QWidget, suggested: str) -> str | None:
        self.save_calls.append(suggested)
        return str(self.out)


def _view(qtbot: QtBot, seeded: Seeded, dialogs: FakeDialogs) -> ReportView:
    view = ReportView(
        document_maker(seeded.db, seeded.settings),
        choose_printer=dialogs.choose_printer,
        choose_save_path=dialogs.choose_save_path,
    )
    qtbot.addWidget(view)
    return view


def _finish(view: ReportView) -> None:
    assert view.wait_idle()
    view.close()


def test_preview_renders_off_the_gui_thread_then_prints_a_page_range(
    qtbot: QtBot, seeded: Seeded, tmp_path: Path
) -> None:
    dialogs = FakeDialogs(tmp_path / "printed.pdf", page_range=(2, 3))
    view = _view(qtbot, seeded, dialogs)
    view.show_request(ReportRequest(ReportKind.SHIFT, DEMO_DAY, 2))
    with qtbot.waitSignal(view.rendered, timeout=TIMEOUT_MS) as rendered:
        view.generate_button.click()
        # The click returned at once: the work is on a worker, the buttons say so.
        assert view.busy() and not view.generate_button.isEnabled()
    doc = view.document
    assert doc is not None and rendered.args == [doc.pages]
    assert doc.pages >= 3 and len(view.page_labels) == doc.pages
    assert "白班" in doc.title and "共" in view.status_label.text()
    qtbot.waitUntil(lambda: view.print_button.isEnabled(), timeout=TIMEOUT_MS)

    with qtbot.waitSignal(view.printed, timeout=TIMEOUT_MS) as printed:
        view.print_button.click()
    assert printed.args == [2]
    assert dialogs.print_calls == [doc.pages]
    reader = PdfReader(dialogs.out)
    assert len(reader.pages) == 2
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    _finish(view)
    assert view.busy() is False


def test_save_as_pdf_writes_the_same_bytes(qtbot: QtBot, seeded: Seeded, tmp_path: Path) -> None:
    dialogs = FakeDialogs(tmp_path / "saved.pdf")
    view = _view(qtbot, seeded, dialogs)
    with qtbot.waitSignal(view.rendered, timeout=TIMEOUT_MS):
        view.prepare(ReportRequest(ReportKind.DAY, DEMO_DAY))
    qtbot.waitUntil(lambda: view.save_button.isEnabled(), timeout=TIMEOUT_MS)
    with qtbot.waitSignal(view.saved, timeout=TIMEOUT_MS) as saved:
        view.save_button.click()
    assert saved.args == [str(dialogs.out)]
    assert dialogs.save_calls == ["每日一报-2022-04-18.pdf"]
    assert view.document is not None and dialogs.out.read_bytes() == view.document.pdf
    _finish(view)


def test_print_at_shift_close_takes_two_clicks(
    qtbot: QtBot, seeded: Seeded, tmp_path: Path
) -> None:
    dialogs = FakeDialogs(tmp_path / "close.pdf")
    dialog = print_at_shift_close(
        None,
        document_maker(seeded.db, seeded.settings),
        KNOWN_DAY,
        1,
        choose_printer=dialogs.choose_printer,
        choose_save_path=dialogs.choose_save_path,
    )
    qtbot.addWidget(dialog)
    # Click one opened this; the print dialog comes by itself; click two is its 打印.
    with qtbot.waitSignal(dialog.view.printed, timeout=TIMEOUT_MS):
        pass
    doc = dialog.view.document
    assert doc is not None and dialogs.print_calls == [doc.pages]
    assert len(PdfReader(dialogs.out).pages) == doc.pages
    dialog.view.wait_idle()
    dialog.close()


def test_unknown_date_shows_one_sentence(qtbot: QtBot, seeded: Seeded, tmp_path: Path) -> None:
    view = _view(qtbot, seeded, FakeDialogs(tmp_path / "x.pdf"))
    with qtbot.waitSignal(view.failed, timeout=TIMEOUT_MS) as failed:
        view.prepare(ReportRequest(ReportKind.DAY, date(2030, 1, 1)))
    assert "No shift was opened" in failed.args[0]
    assert view.status_label.text() == failed.args[0]
    qtbot.waitUntil(lambda: view.generate_button.isEnabled(), timeout=TIMEOUT_MS)
    assert not view.print_button.isEnabled() and view.document is None
    _finish(view)


def test_print_pdf_copies_and_rasterise(qtbot: QtBot, seeded: Seeded, tmp_path: Path) -> None:
    doc = make_report(seeded.db, seeded.settings, ReportRequest(ReportKind.SHIFT, KNOWN_DAY, 2))
    images = rasterise(doc.pdf, dpi=36)
    assert len(images) == doc.pages and images[0].width() == 298  # 595 pt at half of 72 dpi
    printer = _pdf_printer(tmp_path / "copies.pdf")
    printer.setCopyCount(2)
    sheets = print_pdf(doc.pdf, printer)
    expected = doc.pages * (1 if printer.supportsMultipleCopies() else 2)
    assert sheets == expected
    assert len(PdfReader(tmp_path / "copies.pdf").pages) == expected


def _grey(image: QImage) -> np.ndarray:
    """Luminance of a QImage as a 2-D array (0 black … 255 white)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    data = np.frombuffer(rgb.constBits(), np.uint8).reshape(rgb.height(), rgb.bytesPerLine())
    pixels = data[:, : rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3).astype(float)
    return pixels @ np.array([0.299, 0.587, 0.114])


def _pdftoppm_page(pdf: bytes, page: int, dpi: int, tmp_path: Path) -> np.ndarray:
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (poppler-utils) is missing; .ci/run installs it")
    source = tmp_path / "page.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-f", str(page), "-l", str(page), "-singlefile",
         str(source), str(tmp_path / "ref")],
        check=True,
    )  # fmt: skip
    return _grey(QImage(str(tmp_path / "ref.pgm")))


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_preview_shows_the_pages_as_printed_in_either_theme(
    qtbot: QtBot, qapp: QApplication, seeded: Seeded, tmp_path: Path, dark: bool
) -> None:
    """The preview is white paper with the report on it, as poppler draws the same PDF; the
    theme (dark at night) changes the desk around the pages, never the pages."""
    qapp.setStyleSheet(DARK if dark else LIGHT)
    try:
        view = ReportView(document_maker(seeded.db, seeded.settings), preview_dpi=72)
        qtbot.addWidget(view)
        view.resize(900, 700)
        view.show()
        with qtbot.waitSignal(view.rendered, timeout=TIMEOUT_MS):
            view.prepare(ReportRequest(ReportKind.SHIFT, DEMO_DAY, 2))
        doc = view.document
        assert doc is not None
        label = view.page_labels[0]
        # a page keeps its paper size: the preview scrolls instead of squeezing pages
        qtbot.waitUntil(lambda: label.height() == 842, timeout=TIMEOUT_MS)
        shown = _grey(label.grab().toImage())
        printed = _pdftoppm_page(doc.pdf, 1, 72, tmp_path)
        width = min(shown.shape[1], printed.shape[1])
        shown, printed = shown[:, :width], printed[: shown.shape[0], :width]
        assert shown[:20, :].min() > 250  # the top margin is white paper
        assert abs(shown.mean() - printed.mean()) < 3
        assert np.abs(shown - printed).mean() < 12  # same drawing; anti-aliasing differs
        # and the text is there, as dark as on paper (a black page has no white; a blank one no ink)
        assert (shown < 128).mean() > 0.8 * (printed < 128).mean() > 0.002
        _finish(view)
    finally:
        qapp.setStyleSheet("")
