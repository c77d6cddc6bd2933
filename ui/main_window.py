"""The main window: a header that always says where and when, sign-in, the desk and the ledger.

The header shows site, lane, duty date, shift, leader, who is signed in, the camera and the
database state. After sign-in the window holds two tabs: 查验 (the four steps) and 台账 (the
ledger). The camera runs through ``ui.camera_bridge``; with no camera, or in demo mode, the
synthetic camera shows freshly minted DEMO passes for the vehicle being verified.
"""

from __future__ import annotations

import gc
import html
import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from checkpoint.config import Settings
from checkpoint.demo.passes import DemoPerson, mint_demo_passes
from checkpoint.domain import CodeColour, Role, Step, VehicleType
from checkpoint.errors import CheckpointError
from checkpoint.lane.events import StepDone
from checkpoint.lane.session import LaneSession
from checkpoint.lane.state import VehicleFacts
from checkpoint.lane.station import Handover as HandoverFacts
from checkpoint.lane.station import HandoverForm, HeaderFacts, LaneStation, ShiftRef
from checkpoint.team.auth import Permission, allowed
from ui.desk import DeskController
from ui.errors import error_text
from ui.handover import Handover, HandoverDialog
from ui.i18n import install_translators
from ui.inspection_screen import InspectionScreen
from ui.jobs import Jobs
from ui.leader_desk import LeaderDesk
from ui.ledger_view import LedgerScreen
from ui.signin import SignedIn, SignInScreen
from ui.sounds import SoundPlayer
from ui.sync_status import SyncStatusFeed, SyncStatusLabel
from ui.theme import apply_theme, night_by_clock

if TYPE_CHECKING:  # the camera code (OpenCV, numpy) loads after the window is shown
    from checkpoint.sync.sender import Sender
    from scanners import CodesDecoded, SourceInfo, SyntheticSource
    from ui.report_view import ReportDialog

log = logging.getLogger(__name__)


def settle_garbage() -> None:
    """Once the desk is up (after each sign-in): collect what start-up left, then move every
    object alive now out of the collector's sight (``gc.freeze``). The desk's ~120,000
    start-up objects (modules, Qt wrappers, the ORM's mappers) otherwise get traversed by every
    full collection, which then stopped all threads for ~70 ms a few times per hundred cars:
    the slowest frame → verdict and the slowest decodes (bench_desk, issue 14). Objects frozen
    at an earlier sign-in are unfrozen first, so what the last session left is collected."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class SyntheticFeed:
    """Demo mode: the synthetic camera shows fresh DEMO passes for the vehicle being verified.

    Vehicles cycle through green, green, a yellow-coded passenger (test lane) and, for trucks,
    a goods-vehicle pass for the driver.
    """

    def __init__(self, source: SyntheticSource) -> None:
        self.source = source
        self.count = 0
        self.shown: int | None = None  # how many passes the next vehicle shows (default ≤ 4)

    def people(self, vehicle: VehicleFacts) -> list[DemoPerson]:
        n = min(max(vehicle.people_count, 1), 4 if self.shown is None else self.shown)
        truck = vehicle.vehicle_type is VehicleType.TRUCK
        people = [DemoPerson(goods_pass=truck and i == 0) for i in range(n)]
        if self.count % 4 == 2 and people:
            people[-1] = DemoPerson(colour=CodeColour.YELLOW, goods_pass=truck and n == 1)
        return people

    def present(self, vehicle: VehicleFacts, at: datetime) -> None:
        self.source.set_payloads(
            mint_demo_passes(vehicle.plate, self.people(vehicle), at, nonce=self.count)
        )
        self.count += 1
        self.shown = None

    def clear(self) -> None:
        self.source.set_payloads([])


class MainWindow(QMainWindow):
    """Checkpoint Desk's window."""

    stepSaved = Signal(object)  # a StepDone after its commit
    languageRequested = Signal(str)

    def __init__(self, db: Any, settings: Settings, *, lang: str = "zh_CN",  # db: the site database
                 demo: bool = False, camera: bool = True, muted: bool = False,
                 dark: bool | None = None,
                 camera_source: Callable[[], object] | None = None) -> None:  # fmt: skip
        super().__init__()
        # the production camera (tests give a fake one); never used in demo mode
        self.camera_source = camera_source
        self.db = db
        self.settings = settings
        self.lang = lang
        self.demo = demo or settings.demo
        self.use_camera = camera
        # All database work of this window runs here, off the GUI thread.
        self.jobs = Jobs(self)
        self.station = LaneStation(db, settings, demo=self.demo)
        self.header_facts: HeaderFacts | None = None
        self.sounds = SoundPlayer(muted=muted, parent=self)
        self.bridge: object | None = None
        self.source: object | None = None
        self.feed: SyntheticFeed | None = None
        self.session: SignedIn | None = None
        self.controller: DeskController | None = None
        self.screen_: InspectionScreen | None = None
        self.ledger: LedgerScreen | None = None
        self.camera_text = self.tr("摄像头: 未启动")
        self.camera_ok = False
        # "off", "connecting", "absent" (never opened), "lost" (unplugged), "ok"
        self.camera_state = "off"
        self._never_opened = False
        self.db_ok = True
        self.setWindowTitle(self.tr("卡口查验台") + (" — DEMO" if self.demo else ""))
        self.resize(1366, 860)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        head = QFrame()
        head.setObjectName("header")
        # the header's two lines on the left; the 136 banner on their right, as high as both
        # together, so it never makes the window taller (1366×768 keeps the desk on screen)
        row = QHBoxLayout(head)
        row.setContentsMargins(12, 6, 12, 6)
        hl = QVBoxLayout()
        row.addLayout(hl, 3)
        self.header = QLabel()
        self.header.setObjectName("headerMain")
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        f = self.header.font()
        f.setPointSize(17)
        f.setBold(True)
        self.header.setFont(f)
        status = QHBoxLayout()
        self.staff_label = QLabel()
        self.camera_label = QLabel()
        self.camera_label.linkActivated.connect(lambda _link: self.open_camera_dialog())
        self.data_label = QLabel()
        self.data_label.setObjectName("dataLocation")
        for lab in (self.staff_label, self.camera_label, self.data_label):
            status.addWidget(lab)
        status.addStretch(1)
        self.sync_status_row = status
        self.sync_sender: Sender | None = None
        self.sync_label: SyncStatusLabel | None = None
        self._sync_asked = False
        self.banner_slot = QHBoxLayout()  # the 136 overdue banner (ui.leader_desk)
        row.addLayout(self.banner_slot, 2)
        hl.addWidget(self.header)
        hl.addLayout(status)
        layout.addWidget(head)
        self.leader_desk: LeaderDesk | None = None
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        hint = self.tr("演示模式: 任选一人, PIN 0000") if self.demo else None
        self.signin = SignInScreen(db, settings, self.jobs, lang=lang,
                                   on_signed_in=self.signed_in, demo_hint=hint)  # fmt: skip
        self.stack.addWidget(self.signin)
        self.tabs = QTabWidget()
        self.tabs.currentChanged.connect(self._tab_shown)
        self._ledger_stale = False
        self.stack.addWidget(self.tabs)
        self._menus()
        self.dark = night_by_clock(datetime.now(settings.tz)) if dark is None else dark
        # the menu's tick says what is shown: the first Ctrl+D switches (not only the tick)
        self.dark_action.blockSignals(True)
        self.dark_action.setChecked(self.dark)
        self.dark_action.blockSignals(False)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, self.dark)
        self.stepSaved.connect(self._step_saved)
        self._closing = False
        # Extra options for the report screen (tests give it a printer that needs no dialog).
        self.report_options: dict[str, Any] = {}
        self.handover_dialog: HandoverDialog | None = None
        self.report_dialog: QWidget | None = None
        self.refresh()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(30_000)

    def _menus(self) -> None:
        bar = self.menuBar()
        desk = bar.addMenu(self.tr("查验台"))
        self.inspect_action = QAction(self.tr("查验"), self, shortcut=QKeySequence("Ctrl+1"))
        self.inspect_action.triggered.connect(lambda: self.tabs.setCurrentIndex(0))
        self.ledger_action = QAction(self.tr("台账"), self, shortcut=QKeySequence("Ctrl+2"))
        self.ledger_action.triggered.connect(lambda: self.tabs.setCurrentIndex(1))
        self.report_action = QAction(self.tr("交班打印"), self, shortcut=QKeySequence("Ctrl+P"))
        self.report_action.triggered.connect(self.print_handover)
        self.handover_action = QAction(self.tr("交班…"), self, shortcut=QKeySequence("Ctrl+H"))
        self.handover_action.triggered.connect(self.open_handover)
        self.sign_out_action = QAction(self.tr("退出登录"), self)
        self.sign_out_action.triggered.connect(self.sign_out)
        for a in (self.inspect_action, self.ledger_action, self.report_action,
                  self.handover_action, self.sign_out_action):  # fmt: skip
            desk.addAction(a)
            self.addAction(a)
        view = bar.addMenu(self.tr("显示"))
        self.dark_action = QAction(self.tr("夜间模式"), self, shortcut=QKeySequence("Ctrl+D"))
        self.dark_action.setCheckable(True)
        self.dark_action.toggled.connect(self.set_dark)
        view.addAction(self.dark_action)
        self.addAction(self.dark_action)
        self.camera_action = QAction(self.tr("摄像头设置…"), self, shortcut=QKeySequence("Ctrl+K"))
        self.camera_action.triggered.connect(self.open_camera_dialog)
        view.addAction(self.camera_action)
        self.addAction(self.camera_action)
        lang = view.addMenu(self.tr("语言 Language"))
        for code, name in (("zh_CN", "简体中文"), ("en", "English")):
            a = QAction(name, self)
            a.triggered.connect(lambda _=False, c=code: self.languageRequested.emit(c))
            lang.addAction(a)

    # -- header ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the header facts (the shift changes at its boundary), on the worker."""
        self.jobs.submit(self.station.header, self._show_header, self._header_failed)

    def _header_failed(self, exc: CheckpointError) -> None:
        self.db_ok = False
        self.data_label.setText(self.tr("数据库异常: ") + error_text(exc, self.lang))

    def _show_header(self, st: HeaderFacts) -> None:
        self.db_ok = True
        shift_name = st.shift_name if self.lang.startswith("zh") else st.shift_name_en
        leader = st.leader or self.tr("未开班")
        T = {"组长": self.tr("组长")}
        self.header.setText(
            f"{st.site} · {st.lane} · {st.duty_date.isoformat()} {shift_name} "
            f"({st.shift_hours}) · {T['组长']}: {leader}"
        )
        self.data_label.setText(self.tr("数据位置: ") + st.database)
        self._status_labels()
        self.header_facts = st
        if not self._sync_asked:
            # the sender to the checkpoint's server (local first), once this lane's site and
            # lane rows exist; prepared off the GUI thread
            self._sync_asked = True
            self.jobs.submit(self.station.sync_sender, self._start_sync, self._sync_failed)

    def _status_labels(self) -> None:
        if self.session is not None:
            s = self.session.staff
            self.staff_label.setText(
                self.tr("值班: ") + f"{s.name} ({Role(s.role).label(self.lang)})  |"
            )
        else:
            self.staff_label.setText(self.tr("未登录") + "  |")
        colour = "#a5d6a7" if self.camera_ok else "#ef9a9a"
        link = f'<a href="camera" style="color: {colour}; text-decoration: none;">'
        self.camera_label.setText(f"{link}{html.escape(self.camera_text)}</a>  |")
        self.camera_label.setStyleSheet(f"color: {colour};")

    def set_dark(self, dark: bool) -> None:
        """Night theme on or off."""
        self.dark = dark
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, dark)

    # -- sign-in --------------------------------------------------------------------------------

    def demo_sign_in(self) -> None:
        """Demo mode: the demo team exists, the first leader is signed in, the shift is open."""

        def ready(result: tuple[Any, Any]) -> None:
            self.signin.reload()
            self.signed_in(SignedIn(*result))

        self.jobs.submit(self.station.demo_team, ready, self._failed)

    def signed_in(self, session: SignedIn) -> None:
        """Build the desk for ``session`` and show it; the lane (resuming an unfinished
        vehicle) is opened on the worker and attached when ready."""
        self.session = session
        self.controller = None
        self.tabs.clear()
        screen = InspectionScreen(lang=self.lang, home_province=self.settings.home_province,
                                  sounds=self.sounds)  # fmt: skip
        self.ledger = LedgerScreen(self.db, self.settings, lang=self.lang, jobs=self.jobs)
        self.ledger.set_shift(session.shift_id)
        self.ledger.set_staff(session.staff)
        self.screen_ = screen
        self._start_camera(screen)
        self.tabs.addTab(screen, self.tr("查验  Ctrl+1"))
        self.tabs.addTab(self.ledger, self.tr("台账  Ctrl+2"))
        self.leader_desk = LeaderDesk.attach(self, session, self.banner_slot, self.leader_desk)
        self.stack.setCurrentIndex(1)
        station, staff, shift_id = self.station, session.staff, session.shift_id
        self.jobs.submit(lambda: station.open_lane(staff, shift_id),
                         lambda lane: self._lane_ready(screen, lane), self._failed)  # fmt: skip
        self.refresh()

    def _lane_ready(self, screen: InspectionScreen, lane: LaneSession) -> None:
        if screen is not self.screen_ or self.session is None:
            return  # signed out (or rebuilt) meanwhile
        self.controller = DeskController(lane, screen, self.jobs, feed=self.feed,
                                         on_step=self.stepSaved.emit)  # fmt: skip
        screen.attach(self.controller)
        self.controller._show(lane.state)
        settle_garbage()

    def _failed(self, exc: CheckpointError) -> None:
        self._notify(error_text(exc, self.lang))

    def sign_out(self) -> None:
        """Back to the sign-in screen; the unfinished vehicle stays saved where it was."""
        self.stop_camera()
        self.session = None
        self.controller = None
        self.tabs.clear()
        self.signin.reload()
        self.stack.setCurrentIndex(0)
        self.refresh()

    # -- camera ---------------------------------------------------------------------------------

    def _start_camera(self, screen: InspectionScreen) -> None:
        self.stop_camera()
        if not self.use_camera:
            screen.set_camera_status(self.tr("摄像头未启用"), False)
            return
        from scanners import CameraSource
        from ui.camera_bridge import CameraBridge

        bridge = CameraBridge(parent=self)
        bridge.frameReady.connect(screen.camera.set_frame)
        bridge.codesDecoded.connect(self.deliver_codes)
        bridge.sourceLost.connect(self._camera_lost)
        bridge.sourceOpened.connect(self._camera_back)
        self.bridge = bridge
        if self.demo:
            self._use_synthetic(bridge)
        else:
            self.source = self.camera_source() if self.camera_source else CameraSource(0)
            self._never_opened = True
            self.camera_ok = False
            self.camera_state = "connecting"
            self.camera_text = self.tr("摄像头: 正在连接…")
            bridge.start(self.source)
        self._camera_changed()

    def _use_synthetic(self, bridge: object) -> None:
        from scanners import SyntheticSource

        source = SyntheticSource([], fps=15.0)
        self.source = source
        self.feed = SyntheticFeed(source)
        if self.controller is not None:
            self.controller.feed = self.feed
        bridge.start(source)  # type: ignore[attr-defined]
        self.camera_text = self.tr("摄像头: 演示摄像头(DEMO)")
        self.camera_ok = True
        self.camera_state = "ok"

    def _camera_lost(self, reason: str) -> None:
        """No camera (never opened, or unplugged): the inspector checks by eye meanwhile; the
        pipeline keeps reopening it, so plugging it in picks it up (``_camera_back``)."""
        log.info("camera unavailable: %s", reason)
        self.camera_ok = False
        self.camera_state = "absent" if self._never_opened else "lost"
        if self._never_opened:
            self.camera_text = self.tr("未连接摄像头 — 可人工核验")
        else:
            self.camera_text = self.tr("摄像头断开,正在重连… — 可人工核验")
        self._camera_changed()

    def _camera_back(self, info: SourceInfo) -> None:
        self._never_opened = False
        self.camera_ok = True
        self.camera_state = "ok"
        name = self.tr("演示摄像头(DEMO)") if self.demo else self.tr("USB 摄像头")
        mode = f"{info.width}×{info.height}"
        if info.fourcc:
            mode += f" {info.fourcc}"
        if info.fps:
            mode += f" {info.fps:.0f} fps"
        self.camera_text = self.tr("摄像头: ") + f"{name} {mode}"
        self._camera_changed()

    def _camera_changed(self) -> None:
        self._status_labels()
        if self.screen_ is not None:
            self.screen_.set_camera_status(self.camera_text, self.camera_ok)
            if not self.camera_ok:
                self.screen_.camera.show_absent(self.camera_text)

    def open_camera_dialog(self) -> None:
        """The camera dialog (the header's camera state, 显示 → 摄像头设置…, Ctrl+K)."""
        from ui.camera_dialog import open_for_window

        self.camera_dialog = open_for_window(self)

    def switch_camera(self, index: int) -> None:
        """Scan with USB camera ``index`` from now on (picked in the camera dialog)."""
        from scanners import CameraSource

        self.camera_source = lambda: CameraSource(index)
        if self.screen_ is not None and not self.demo:
            self._start_camera(self.screen_)

    def deliver_codes(self, event: CodesDecoded) -> None:
        """Codes from the pipeline (on the GUI thread) go to the controller; while a step is
        being saved they queue behind it (the pipeline reports a code once)."""
        if self.controller is None:
            return
        self.controller.scanned([c.text for c in event.codes], event.captured_at)

    def stop_camera(self) -> None:
        """Stop the pipeline and its threads (idempotent)."""
        bridge, self.bridge = self.bridge, None
        if bridge is not None:
            bridge.stop()  # type: ignore[attr-defined]
            bridge.deleteLater()  # type: ignore[attr-defined]
        self.feed = None

    def _next_vehicle(self) -> None:
        if self.bridge is not None:
            self.bridge.reset_dedupe()  # type: ignore[attr-defined]

    def _step_saved(self, event: StepDone) -> None:
        if event.step is Step.DIVERT:
            self._next_vehicle()
        # The ledger re-reads only when someone looks at it, not on every step of every vehicle.
        self._ledger_stale = True
        self._tab_shown()

    def _tab_shown(self, _index: int = -1) -> None:
        ledger = self.ledger
        if self._ledger_stale and ledger is not None and self.tabs.currentWidget() is ledger:
            self._ledger_stale = False
            ledger.refresh()

    # -- report ---------------------------------------------------------------------------------

    def print_handover(self) -> None:
        """交班打印: the shift report, prepared and sent to the print dialog (report screen)."""
        if self.session is None:
            return
        shift_id = self.session.shift_id
        self.jobs.submit(lambda: self.station.shift(shift_id),
                         lambda ref: self._print_shift(ref.duty_date, ref.number),
                         self._failed)  # fmt: skip

    def _print_shift(self, duty_date: date, number: int) -> None:
        try:
            from ui.report_view import document_maker, print_at_shift_close
        except ImportError:  # the report screen is optional
            return
        self.report_dialog = print_at_shift_close(
            self, document_maker(self.db, self.settings), duty_date, number,
            **self.report_options,
        )  # fmt: skip

    def preview_report(self) -> ReportDialog | None:
        """The shift's report in the preview (no print dialog); the dialog, or None."""
        session = self.session
        if session is None:
            return None
        from checkpoint.reports.service import ReportKind, ReportRequest
        from ui.report_view import ReportDialog, ReportView, document_maker

        view = ReportView(document_maker(self.db, self.settings), **self.report_options)
        dialog = ReportDialog(view, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.show()
        shift_id = session.shift_id

        def show(ref: ShiftRef) -> None:
            view.prepare(ReportRequest(ReportKind.SHIFT, ref.duty_date, ref.number))

        self.jobs.submit(lambda: self.station.shift(shift_id), show, self._failed)
        self.report_dialog = dialog
        return dialog

    def open_handover(self) -> HandoverDialog | None:
        """交班: the outgoing leader's form, prepared on the worker and then opened (not exec'd)
        as ``handover_dialog``; None (and a message) if a handover is not allowed now."""
        session = self.session
        if session is None:
            return None
        if not allowed(Role(session.staff.role), Permission.OPEN_CLOSE_SHIFT):
            self._notify(self.tr("交班需要组长或点长"))
            return None
        if self.controller is not None and self.controller.state.step is not Step.GUIDE:
            self._notify(self.tr("请先完成当前车辆,再交班"))
            return None
        staff, shift_id, lang = session.staff, session.shift_id, self.lang
        self.jobs.submit(lambda: self.station.handover_form(staff, shift_id, lang),
                         self._show_handover, self._failed)  # fmt: skip
        return self.handover_dialog

    def _show_handover(self, form: HandoverForm) -> None:
        warning = None
        if form.early:
            # an inspection must fall inside its shift: the incoming leader opens the next one
            warning = self.tr(
                "本班还有 {n} 分钟结束;交班后请接班组长登录并提前开班(记为提前开班),"
                "否则到 {end} 前本车道无法登记车辆。"
            ).format(n=form.minutes_left, end=form.end_text)
        dialog = HandoverDialog(form.title, list(form.leaders), self, warning=warning)
        dialog.accepted.connect(lambda: self._hand_over(dialog.values()))
        self.handover_dialog = dialog
        dialog.open()

    def _hand_over(self, handover: Handover) -> None:
        session = self.session
        if session is None:
            return
        facts = HandoverFacts(handover.incoming_id, handover.note, handover.open_issues)

        def closed(ref: ShiftRef) -> None:
            self.sign_out()
            self.activateWindow()  # the form is gone: the incoming leader types here at once
            if handover.print_report:
                self._print_shift(ref.duty_date, ref.number)

        self.jobs.submit(lambda: self.station.hand_over(session.staff, session.shift_id, facts),
                         closed, self._failed)  # fmt: skip

    def _notify(self, text: str) -> None:
        """A problem in the desk's red bar, or a (non-blocking) message box elsewhere."""
        if self.screen_ is not None and self.session is not None:
            self.screen_.show_error(text)
            return
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("卡口查验台"), text, parent=self)
        box.open()

    def closeEvent(self, event: object) -> None:
        self.shutdown()
        super().closeEvent(event)  # type: ignore[arg-type]

    def _start_sync(self, sender: Sender | None) -> None:
        """Show the server's state in the header and start sending (when one is configured)."""
        if sender is None or self.sync_sender is not None:
            return
        self.sync_sender = sender
        feed = SyncStatusFeed(self)
        self.sync_label = SyncStatusLabel(self.settings.tz, self)
        self.sync_status_row.addWidget(self.sync_label)
        feed.statusChanged.connect(self.sync_label.show_status)
        sender.subscribe(feed.publish)
        sender.start()

    def _sync_failed(self, exc: BaseException) -> None:
        log.warning("the sender to the server could not start: %s", exc)
        self.data_label.setText(self.data_label.text() + "  |  " + self.tr("不能发送到服务器"))

    def shutdown(self) -> None:
        """Stop the camera, the sender and timers (on close, and in tests)."""
        self.stop_camera()
        self._timer.stop()
        sender, self.sync_sender = self.sync_sender, None
        if sender is not None:
            sender.stop()
        self.jobs.shutdown()


class WindowHost:
    """The app's one main window. Choosing a language rebuilds it with the new translations and
    keeps who is signed in; the unfinished vehicle comes back from the database."""

    def __init__(
        self,
        db: Any,
        settings: Settings,
        *,
        demo: bool = False,
        camera: bool = True,
        dark: bool | None = None,
        muted: bool = False,
        camera_source: Callable[[], object] | None = None,
    ) -> None:
        self.db = db
        self.camera_source = camera_source
        self.settings = settings
        self.demo, self.camera, self.dark, self.muted = demo, camera, dark, muted
        self.window: MainWindow | None = None

    def build(self, lang: str) -> MainWindow:
        """Show the window in ``lang`` (replacing the one shown, keeping its session)."""
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        old = self.window
        session = old.session if old is not None else None
        install_translators(app, lang)
        window = MainWindow(
            self.db, self.settings, lang=lang, demo=self.demo, camera=self.camera,
            muted=self.muted, dark=self.dark, camera_source=self.camera_source,
        )  # fmt: skip
        window.languageRequested.connect(self.build)
        if old is not None:
            old.shutdown()
            old.hide()
            old.deleteLater()
        self.window = window
        window.show()
        if session is not None:
            window.signed_in(session)
        elif self.demo:
            window.demo_sign_in()
        return window

    def shutdown(self) -> None:
        """Stop the shown window's camera, timers and database thread."""
        if self.window is not None:
            self.window.shutdown()
