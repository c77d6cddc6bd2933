"""The report screen (报表): preview the handover or daily report, print it, save it as PDF.

The PDF is the one made by :mod:`checkpoint.reports` (the same bytes the command line writes);
this screen only shows and prints it. Querying, rendering the PDF, rasterising the preview
(QtPdf, PDFium inside Qt; drawn on white paper in either theme) and printing all run on a worker
QThread; the GUI thread only shows the finished page images and opens dialogs. Printing sends
the PDF's own vector pages (:mod:`checkpoint.reports.printing`: to a file, or to CUPS with
``lp``); only where no CUPS exists (Windows) are pages drawn as images at the printer's
resolution (capped at :data:`MAX_PRINT_DPI`).

:func:`print_at_shift_close` is the desk's "two clicks": one on the desk's print button opens
this screen, which prepares the report and opens the system print dialog by itself; the second
click is the dialog's 打印.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QDate,
    QIODevice,
    QLocale,
    QObject,
    QRectF,
    QSize,
    Qt,
    QThread,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize, QPainter, QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from checkpoint.config import Settings
from checkpoint.errors import CheckpointError
from checkpoint.reports.pdf import save_pdf
from checkpoint.reports.printing import (
    PrintError,
    PrintJob,
    Sides,
    lp_program,
    page_count,
    plan_job,
    send_to_cups,
    write_to_file,
)
from checkpoint.reports.service import ReportDocument, ReportKind, ReportRequest, make_report
from checkpoint.team.rota import DEFAULT_PLAN
from ui.errors import error_text

log = logging.getLogger(__name__)

PREVIEW_DPI = 96.0  # A4 is then 794 px wide: the 8 pt table text stays legible
DESK_GREY = "#6f7378"  # the desk under the pages, the same in the light and the dark theme
MAX_PRINT_DPI = 300
POINTS_PER_INCH = 72.0


class PrintRoute(Enum):
    """How a report reaches paper."""

    FILE = "file"  # the dialog's "print to file": the chosen PDF pages, written as they are
    CUPS = "cups"  # a printer on a system with CUPS: the chosen PDF pages through lp
    RASTER = "raster"  # no CUPS (Windows): page images at the printer's resolution


MakeDocument = Callable[[ReportRequest], ReportDocument]
ChoosePrinter = Callable[[QPrinter, QWidget, int], bool]
ChooseSavePath = Callable[[QWidget, str], str | None]


# --- work that runs off the GUI thread -------------------------------------------------------


def _open_pdf(data: bytes) -> tuple[QPdfDocument, QBuffer]:
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    doc = QPdfDocument()
    doc.load(buffer)
    if doc.status() != QPdfDocument.Status.Ready:
        raise CheckpointError(f"The report PDF cannot be opened for display ({doc.error().name}).")
    return doc, buffer


def _page_pixels(doc: QPdfDocument, page: int, dpi: float) -> QSize:
    points = doc.pagePointSize(page)
    scale = dpi / POINTS_PER_INCH
    return QSize(max(round(points.width() * scale), 1), max(round(points.height() * scale), 1))


def _on_paper(image: QImage) -> QImage:
    """``image`` drawn on white paper: PDFium leaves the page transparent, which shows black."""
    paper = QImage(image.size(), QImage.Format.Format_RGB32)
    paper.fill(QColor("white"))
    painter = QPainter(paper)
    painter.drawImage(0, 0, image)
    painter.end()
    return paper


def rasterise(data: bytes, dpi: float = PREVIEW_DPI) -> tuple[QImage, ...]:
    """Every page of the PDF ``data`` as an image at ``dpi``, as printed (on white paper).

    Safe off the GUI thread.
    """
    doc, buffer = _open_pdf(data)
    try:
        return tuple(
            _on_paper(doc.render(i, _page_pixels(doc, i, dpi))) for i in range(doc.pageCount())
        )
    finally:
        doc.close()
        buffer.close()


_SIDES: dict[QPrinter.DuplexMode, Sides] = {
    QPrinter.DuplexMode.DuplexNone: "one-sided",
    QPrinter.DuplexMode.DuplexLongSide: "two-sided-long-edge",
    QPrinter.DuplexMode.DuplexShortSide: "two-sided-short-edge",
}


def print_job(printer: QPrinter, pages: int) -> PrintJob:
    """What the print dialog left in ``printer`` (page range, copies, collation, sides)."""
    page_range = None
    if printer.printRange() == QPrinter.PrintRange.PageRange:
        page_range = (printer.fromPage(), printer.toPage())
    return plan_job(
        printer.docName() or "report",
        pages,
        page_range=page_range,
        copies=printer.copyCount(),
        collate=printer.collateCopies(),
        sides=_SIDES.get(printer.duplex()),
        printer=printer.printerName() or None,
    )


def print_route(printer: QPrinter) -> PrintRoute:
    """How ``printer`` gets the report: a PDF file, CUPS, or (no CUPS) page images."""
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
        return PrintRoute.FILE
    return PrintRoute.CUPS if lp_program() is not None else PrintRoute.RASTER


def print_pdf(data: bytes, printer: QPrinter, *, max_dpi: int = MAX_PRINT_DPI) -> int:
    """Print the PDF ``data`` on ``printer`` as its dialog left it (page range, copies).

    Vector pages wherever possible: "print to file" writes the chosen pages of the PDF itself,
    and a printer on a system with CUPS (Linux, macOS) gets them as a PDF job through ``lp``.
    Only without CUPS (Windows) is each page drawn as an image at the printer's resolution (at
    most ``max_dpi``). Safe off the GUI thread. Returns the number of sheets sent.
    """
    job = print_job(printer, page_count(data))
    route = print_route(printer)
    if route is PrintRoute.FILE:
        return write_to_file(data, job, Path(printer.outputFileName()))
    if route is PrintRoute.CUPS:
        return send_to_cups(data, job)
    return _print_images(data, job, printer, max_dpi)


def _print_images(data: bytes, job: PrintJob, printer: QPrinter, max_dpi: int) -> int:
    """The fallback where no print system takes a PDF: each page as an image on ``printer``."""
    doc, buffer = _open_pdf(data)
    try:
        # A driver that copies by itself gets the pages once; otherwise repeat them here.
        if printer.supportsMultipleCopies():
            job = replace(job, copies=1)
        order = job.sheet_order()
        dpi = min(printer.resolution(), max_dpi)
        painter = QPainter()
        if not painter.begin(printer):
            raise PrintError("The printer could not be started; check that it is ready.")
        try:
            for n, page in enumerate(order):
                if n and not printer.newPage():
                    raise PrintError("The printer refused the next page.")
                image = _on_paper(doc.render(page, _page_pixels(doc, page, dpi)))
                target = QRectF(painter.viewport())
                scale = min(target.width() / image.width(), target.height() / image.height())
                w, h = image.width() * scale, image.height() * scale
                painter.drawImage(
                    QRectF(target.x() + (target.width() - w) / 2, target.y(), w, h), image
                )
        finally:
            painter.end()
        return len(order)
    finally:
        doc.close()
        buffer.close()


def new_printer(title: str) -> QPrinter:
    """A high-resolution A4 portrait printer that uses the whole sheet (the PDF has margins)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)
    printer.setDocName(title)
    return printer


@dataclass(frozen=True)
class Prepared:
    """A report ready to show: the document and its preview pages."""

    document: ReportDocument
    pages: tuple[QImage, ...]


class _Job(QObject):
    """Runs one function on a worker thread and reports its result or a one-sentence error."""

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._fn = fn

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn()
        except CheckpointError as exc:
            zh = QLocale().language() == QLocale.Language.Chinese
            self.failed.emit(error_text(exc, "zh_CN" if zh else "en"))
        except Exception as exc:  # one message on screen, details in the log
            log.exception("report job failed")
            self.failed.emit(f"内部错误：{type(exc).__name__}: {exc}")
        else:
            self.done.emit(result)
        finally:
            # Hand this object back to the GUI thread, which drops it there: nothing Python-owned
            # is destroyed on the dying worker thread.
            worker = self.thread()
            app = QCoreApplication.instance()
            if app is not None:
                self.moveToThread(app.thread())
            # QThread.quit is thread-safe; calling it here (not through a queued connection)
            # lets the GUI thread wait for the worker without a deadlock.
            if worker is not None:
                worker.quit()


# --- the screen ------------------------------------------------------------------------------


def _default_choose_printer(printer: QPrinter, parent: QWidget, pages: int) -> bool:
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(parent.tr("打印报告"))
    dialog.setMinMax(1, max(pages, 1))
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile, True)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintCollateCopies, True)
    return dialog.exec() == QDialog.DialogCode.Accepted


def _default_choose_save_path(parent: QWidget, suggested: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(
        parent, parent.tr("另存为 PDF"), suggested, parent.tr("PDF 文件 (*.pdf)")
    )
    if not path:
        return None
    return path if path.lower().endswith(".pdf") else path + ".pdf"


class ReportView(QWidget):
    """Pick a report, see its pages, print it or save it. All heavy work runs on a worker."""

    rendered = Signal(int)
    printed = Signal(int)
    saved = Signal(str)
    failed = Signal(str)

    def __init__(
        self,
        make_document: MakeDocument,
        *,
        shifts: Sequence[tuple[int, str]] | None = None,
        choose_printer: ChoosePrinter = _default_choose_printer,
        choose_save_path: ChooseSavePath = _default_choose_save_path,
        preview_dpi: float = PREVIEW_DPI,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._make_document = make_document
        self._choose_printer = choose_printer
        self._choose_save_path = choose_save_path
        self._preview_dpi = preview_dpi
        self._document: ReportDocument | None = None
        self._threads: list[QThread] = []
        self._jobs: dict[int, _Job] = {}
        self._printer: QPrinter | None = None
        self._print_when_ready = False

        self.kind_box = QComboBox()
        self.kind_box.addItem(self.tr("交接班报告"), ReportKind.SHIFT.value)
        self.kind_box.addItem(self.tr("每日一报"), ReportKind.DAY.value)
        self.date_edit = QDateEdit(QDate.currentDate())
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.shift_box = QComboBox()
        for number, name in shifts or [(s.number, s.name_zh) for s in DEFAULT_PLAN.slots]:
            self.shift_box.addItem(self.tr("第{0}班 {1}").format(number, name), number)
        self.generate_button = QPushButton(self.tr("生成"))
        self.print_button = QPushButton(self.tr("打印…"))
        self.save_button = QPushButton(self.tr("另存为 PDF…"))
        self.status_label = QLabel(self.tr("选择报告后点击“生成”。"))
        self.status_label.setWordWrap(True)

        self._pages_widget = QWidget()
        self._pages_widget.setObjectName("reportPages")
        # Its own style sheet wins over the theme's QWidget rule: pages lie on grey in both themes.
        self._pages_widget.setStyleSheet(f"QWidget#reportPages {{ background: {DESK_GREY}; }}")
        self._pages_layout = QVBoxLayout(self._pages_widget)
        self._pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self._pages_layout.setSpacing(12)
        self.preview = QScrollArea()
        self.preview.setWidgetResizable(True)
        self.preview.setWidget(self._pages_widget)

        bar = QHBoxLayout()
        for w in (self.kind_box, self.date_edit, self.shift_box, self.generate_button):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.save_button)
        bar.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.preview, 1)

        self.kind_box.currentIndexChanged.connect(self._kind_changed)
        self.generate_button.clicked.connect(self.generate)
        self.print_button.clicked.connect(self.print_report)
        self.save_button.clicked.connect(self.save_as_pdf)
        self._set_busy(False)

    # state -------------------------------------------------------------------------------

    @property
    def document(self) -> ReportDocument | None:
        """The report on screen, if one has been prepared."""
        return self._document

    @property
    def page_labels(self) -> list[QLabel]:
        """The preview's page widgets, in order."""
        labels = []
        for i in range(self._pages_layout.count()):
            item = self._pages_layout.itemAt(i)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QLabel):
                labels.append(widget)
        return labels

    def busy(self) -> bool:
        """Whether a worker is preparing, printing or saving."""
        return any(t.isRunning() for t in self._threads)

    def request(self) -> ReportRequest:
        """The report the controls describe."""
        kind = ReportKind(self.kind_box.currentData())
        qd = self.date_edit.date()
        number = int(self.shift_box.currentData()) if kind is ReportKind.SHIFT else None
        return ReportRequest(kind, date(qd.year(), qd.month(), qd.day()), number)

    def show_request(self, request: ReportRequest) -> None:
        """Set the controls to ``request``."""
        self.kind_box.setCurrentIndex(self.kind_box.findData(request.kind.value))
        d = request.duty_date
        self.date_edit.setDate(QDate(d.year, d.month, d.day))
        if request.shift_number is not None:
            index = self.shift_box.findData(request.shift_number)
            if index < 0:
                self.shift_box.addItem(self.tr("第{0}班").format(request.shift_number),
                                       request.shift_number)  # fmt: skip
                index = self.shift_box.count() - 1
            self.shift_box.setCurrentIndex(index)

    # actions -----------------------------------------------------------------------------

    @Slot()
    def generate(self, *, then_print: bool = False) -> None:
        """Prepare the report the controls describe; optionally open the print dialog after."""
        if self.busy():
            return
        request = self.request()
        # sharp on a high-density screen: render the pixels the screen has
        make, dpi = self._make_document, self._preview_dpi * self.devicePixelRatioF()
        self._print_when_ready = then_print
        self._set_busy(True, self.tr("正在生成报告…"))

        def work() -> Prepared:
            doc = make(request)
            return Prepared(doc, rasterise(doc.pdf, dpi))

        self._run(work, self._prepared)

    def prepare(self, request: ReportRequest, *, then_print: bool = False) -> None:
        """Show ``request`` in the controls and prepare it."""
        self.show_request(request)
        self.generate(then_print=then_print)

    @Slot()
    def print_report(self) -> None:
        """Open the system print dialog for the report on screen and print in the background."""
        doc = self._document
        if doc is None or self.busy():
            return
        printer = new_printer(doc.title)
        printer.setFromTo(1, doc.pages)
        if not self._choose_printer(printer, self, doc.pages):
            self.status_label.setText(self.tr("已取消打印。"))
            return
        self._printer = printer  # kept alive until the worker is done with it
        self._set_busy(True, self.tr("正在打印…"))
        data = doc.pdf
        self._run(lambda: print_pdf(data, printer), self._printed)

    @Slot()
    def save_as_pdf(self) -> None:
        """Ask where, then write the report's PDF there (in the background)."""
        doc = self._document
        if doc is None or self.busy():
            return
        path = self._choose_save_path(self, doc.request.file_name)
        if not path:
            return
        self._set_busy(True, self.tr("正在保存…"))
        data, target = doc.pdf, Path(path)

        def work() -> str:
            save_pdf(data, target)
            return str(target)

        self._run(work, self._saved)

    # worker plumbing ---------------------------------------------------------------------

    def _run(self, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        thread = QThread(self)
        job = _Job(fn)
        job.moveToThread(thread)
        thread.started.connect(job.run)
        job.done.connect(on_done)
        job.failed.connect(self._failed)
        # A bound slot of this widget: Qt queues the call onto the GUI thread.
        thread.finished.connect(self._thread_finished)
        self._threads.append(thread)
        self._jobs[id(thread)] = job  # the Python wrapper lives until the thread is done
        thread.start()

    @Slot()
    def _thread_finished(self) -> None:
        for thread in [t for t in self._threads if t.isFinished()]:
            self._threads.remove(thread)
            self._jobs.pop(id(thread), None)
            thread.deleteLater()
        if self.busy():
            return
        self._printer = None
        self._set_busy(False)
        if self._print_when_ready and self._document is not None:
            self._print_when_ready = False
            QTimer.singleShot(0, self, self.print_report)

    def wait_idle(self, msecs: int = 30_000) -> bool:
        """Block until every worker is done (for closing and for tests)."""
        return all(t.wait(msecs) for t in list(self._threads))

    def closeEvent(self, event: Any) -> None:
        self.wait_idle()
        super().closeEvent(event)

    # results (GUI thread) ----------------------------------------------------------------

    @Slot(object)
    def _prepared(self, prepared: Prepared) -> None:
        self._document = prepared.document
        while self._pages_layout.count():
            item = self._pages_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for image in prepared.pages:
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(self.devicePixelRatioF())
            label = QLabel()
            label.setPixmap(pixmap)
            # a page keeps its size: the scroll area scrolls, it never squeezes a page
            label.setFixedSize(pixmap.deviceIndependentSize().toSize())
            label.setStyleSheet("QLabel { background: white; border: none; }")
            self._pages_layout.addWidget(label)
        doc = prepared.document
        empty = self.tr("（无车辆，空报告）") if doc.report.vehicles == 0 else ""
        self.status_label.setText(self.tr("{0}：共 {1} 页{2}").format(doc.title, doc.pages, empty))
        self.rendered.emit(doc.pages)

    @Slot(object)
    def _printed(self, sheets: int) -> None:
        self.status_label.setText(self.tr("已发送打印：{0} 页。").format(sheets))
        self.printed.emit(int(sheets))

    @Slot(object)
    def _saved(self, path: str) -> None:
        self.status_label.setText(self.tr("已保存：{0}").format(path))
        self.saved.emit(str(path))

    @Slot(str)
    def _failed(self, message: str) -> None:
        self._print_when_ready = False
        self.status_label.setText(message)
        self.failed.emit(message)

    def _set_busy(self, busy: bool, message: str | None = None) -> None:
        has_doc = self._document is not None
        self.generate_button.setEnabled(not busy)
        self.print_button.setEnabled(not busy and has_doc)
        self.save_button.setEnabled(not busy and has_doc)
        if message:
            self.status_label.setText(message)

    @Slot(int)
    def _kind_changed(self, _index: int) -> None:
        self.shift_box.setEnabled(ReportKind(self.kind_box.currentData()) is ReportKind.SHIFT)


class ReportDialog(QDialog):
    """The report screen as a window of its own (what the desk opens)."""

    def __init__(self, view: ReportView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("报表与打印"))
        self.view = view
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(view)
        self.resize(self._fitting_size(QSize(900, 1000)))

    def _fitting_size(self, wanted: QSize) -> QSize:
        """``wanted``, shrunk to fit the screen the dialog opens on (a 1366×768 lane laptop)."""
        screen = (self.parentWidget() or self).screen()
        if screen is None:
            return wanted
        room = screen.availableGeometry().size() - QSize(40, 60)  # frame and title bar
        return wanted.boundedTo(room)

    def done(self, result: int) -> None:
        self.view.wait_idle()
        super().done(result)


def document_maker(db: Any, settings: Settings) -> MakeDocument:  # db: the site database
    """The function a ReportView calls (on its worker) to make a report from this database."""
    return lambda request: make_report(db, settings, request)


def print_at_shift_close(
    parent: QWidget | None,
    make_document: MakeDocument,
    duty_date: date,
    shift_number: int,
    **view_options: Any,
) -> ReportDialog:
    """Click one of "print at shift close": prepare the shift's report, then open the print
    dialog by itself; the leader's second click is 打印. Returns the (shown) dialog."""
    view = ReportView(make_document, **view_options)
    dialog = ReportDialog(view, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    dialog.show()
    view.prepare(ReportRequest(ReportKind.SHIFT, duty_date, shift_number), then_print=True)
    return dialog
