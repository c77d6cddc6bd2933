"""The main window: a header that always says where and when, sign-in, the desk and the ledger.

The header shows site, lane, duty date, shift, leader, who is signed in, the camera and the
database state. After sign-in the window holds two tabs: 查验 (the four steps) and 台账 (the
ledger). The camera runs through ``ui.camera_bridge``; with no camera, or in demo mode, the
synthetic camera shows freshly minted DEMO passes for the vehicle being verified.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

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

from checkpoint.auth import Permission, allowed
from checkpoint.config import Settings
from checkpoint.db import Database
from checkpoint.domain import CodeColour, Role, Step, VehicleType
from checkpoint.errors import CheckpointError
from checkpoint.inspection import InspectionDesk, StepEvent
from checkpoint.models import Shift, Site, StaffMember, utcnow
from checkpoint.rota import (
    ShiftWindow,
    active_plan,
    close_shift,
    find_shift,
    locate,
    spec_from_model,
)
from checkpoint.site import ensure_place
from checkpoint.staff import list_staff
from checkpoint.verification import DemoPerson, Verifier, mint_demo_passes
from scanners import CodesDecoded, SourceInfo, SyntheticSource
from ui.db_runner import ThreadedRunner, runner_for
from ui.desk import DeskController, VehicleInfo
from ui.handover import Handover, HandoverDialog
from ui.i18n import install_translators, pick
from ui.inspection_screen import InspectionScreen
from ui.ledger_view import LedgerScreen
from ui.signin import SignedIn, SignInScreen
from ui.sounds import SoundPlayer
from ui.theme import apply_theme, night_by_clock

log = logging.getLogger(__name__)
EARLY_HANDOVER = timedelta(minutes=15)


@dataclass(frozen=True)
class HeaderState:
    """What the header shows; computed in one place from the database and the rota."""

    site: str
    lane: str
    duty_date: date
    shift_name: str
    shift_hours: str
    leader: str | None
    database: str
    slot_number: int = 0
    shift_name_en: str = ""


def header_state(db: Database, settings: Settings) -> HeaderState:
    """The header's facts for now: the rota decides the duty date and shift."""
    with db.session() as s:
        place = ensure_place(s, settings)
        w: ShiftWindow = locate(utcnow(), spec_from_model(active_plan(s, place.site)), settings.tz)
        shift = find_shift(s, place.site, w.duty_date, w.slot.number)
        leader = shift.leader.name if shift is not None and shift.closed_at is None else None
        return HeaderState(
            place.site.name, place.lane.name, w.duty_date, w.slot.name_zh, w.slot.hours_text(),
            leader, db.safe_url, w.slot.number, w.slot.name_en,
        )  # fmt: skip


class SyntheticFeed:
    """Demo mode: the synthetic camera shows fresh DEMO passes for the vehicle being verified.

    Vehicles cycle through green, green, a yellow-coded passenger (test lane) and, for trucks,
    a goods-vehicle pass for the driver.
    """

    def __init__(self, source: SyntheticSource) -> None:
        self.source = source
        self.count = 0

    def people(self, vehicle: VehicleInfo) -> list[DemoPerson]:
        n = min(max(vehicle.people_count, 1), 4)
        truck = vehicle.vehicle_type is VehicleType.TRUCK
        people = [DemoPerson(goods_pass=truck and i == 0) for i in range(n)]
        if self.count % 4 == 2:
            people[-1] = DemoPerson(colour=CodeColour.YELLOW, goods_pass=truck and n == 1)
        return people

    def present(self, vehicle: VehicleInfo, at: datetime) -> None:
        self.source.set_payloads(
            mint_demo_passes(vehicle.plate, self.people(vehicle), at, nonce=self.count)
        )
        self.count += 1

    def clear(self) -> None:
        self.source.set_payloads([])


class MainWindow(QMainWindow):
    """Checkpoint Desk's window."""

    stepSaved = Signal(object)  # a StepEvent after its commit
    languageRequested = Signal(str)

    def __init__(self, db: Database, settings: Settings, *, lang: str = "zh_CN",
                 demo: bool = False, camera: bool = True, muted: bool = False,
                 dark: bool | None = None) -> None:  # fmt: skip
        super().__init__()
        self.db = db
        self.db_runner = runner_for(db)
        self.settings = settings
        self.lang = lang
        self.demo = demo or settings.demo
        self.use_camera = camera
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
        self.db_ok = True
        self.setWindowTitle(self.tr("卡口查验台") + (" — DEMO" if self.demo else ""))
        self.resize(1366, 860)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        head = QFrame()
        head.setObjectName("header")
        hl = QVBoxLayout(head)
        hl.setContentsMargins(12, 6, 12, 6)
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
        self.data_label = QLabel()
        self.data_label.setObjectName("dataLocation")
        for lab in (self.staff_label, self.camera_label, self.data_label):
            status.addWidget(lab)
        status.addStretch(1)
        hl.addWidget(self.header)
        hl.addLayout(status)
        layout.addWidget(head)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        hint = self.tr("演示模式: 任选一人, PIN 0000") if self.demo else None
        self.signin = SignInScreen(db, settings, lang=lang, on_signed_in=self.signed_in,
                                   demo_hint=hint)  # fmt: skip
        self.stack.addWidget(self.signin)
        self.tabs = QTabWidget()
        self.tabs.currentChanged.connect(self._tab_shown)
        self._ledger_stale = False
        self.stack.addWidget(self.tabs)
        self._menus()
        self.dark = night_by_clock(utcnow().astimezone(settings.tz)) if dark is None else dark
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, self.dark)
        self.stepSaved.connect(self._step_saved)
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
        lang = view.addMenu(self.tr("语言 Language"))
        for code, name in (("zh_CN", "简体中文"), ("en", "English")):
            a = QAction(name, self)
            a.triggered.connect(lambda _=False, c=code: self.languageRequested.emit(c))
            lang.addAction(a)

    # -- header ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the header facts (the shift changes at its boundary)."""
        try:
            st = self.db_runner(lambda: header_state(self.db, self.settings))
            self.db_ok = True
        except CheckpointError as exc:
            self.db_ok = False
            self.data_label.setText(self.tr("数据库异常: ") + str(exc))
            return
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

    def _status_labels(self) -> None:
        if self.session is not None:
            s = self.session.staff
            self.staff_label.setText(
                self.tr("值班: ") + f"{s.name} ({Role(s.role).label(self.lang)})  |"
            )
        else:
            self.staff_label.setText(self.tr("未登录") + "  |")
        colour = "#a5d6a7" if self.camera_ok else "#ef9a9a"
        self.camera_label.setText(self.camera_text + "  |")
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
        from checkpoint import auth
        from checkpoint.demo import TEAM
        from checkpoint.rota import RosterMember, current_open_shift, open_shift
        from checkpoint.staff import find_staff

        with self.db.session() as s:
            place = ensure_place(s, self.settings)
            members: dict[str, StaffMember] = {}
            demo_hash: str | None = None
            for name, role in TEAM:
                m = find_staff(s, place.site, name)
                if m is None:
                    m = StaffMember(site_id=place.site.id, name=name, role=role.value)
                    s.add(m)
                    s.flush()
                if m.secret_hash is None:
                    if demo_hash is None:
                        auth.set_secret(s, m, "0000")
                        demo_hash = m.secret_hash
                    else:  # one argon2 hash for the whole demo team: start-up stays fast
                        m.secret_hash = demo_hash
                members[name] = m
            leader = members["王建国"]
            shift = current_open_shift(s, place.site)
            if shift is None:
                roster = [RosterMember(m.id, Role(m.role)) for m in members.values()
                          if Role(m.role) in (Role.GUIDE, Role.INSPECTOR, Role.RECORDER)][:3]
                shift = open_shift(s, place.site, leader=leader, roster=roster,
                                   tz=self.settings.tz)  # fmt: skip
            session = SignedIn(leader, shift.id)
        self.signin.reload()
        self.signed_in(session)

    def signed_in(self, session: SignedIn) -> None:
        """Build the desk for ``session`` and show it (resuming an unfinished vehicle)."""
        self.session = session
        with self.db.session() as s:
            place = ensure_place(s, self.settings)
            lane_id = place.lane.id
            shift = s.get(Shift, session.shift_id)
            assert shift is not None
        verifier = Verifier.from_settings(self.settings)
        if self.demo:
            verifier.demo = True
        desk = InspectionDesk(self.db, lane_id, demo=self.demo)
        desk.subscribe(self.stepSaved.emit)
        self.tabs.clear()
        screen = InspectionScreen(lang=self.lang, home_province=self.settings.home_province,
                                  sounds=self.sounds)  # fmt: skip
        self.ledger = LedgerScreen(self.db, self.settings, lang=self.lang, run=self.db_runner)
        self.ledger.set_shift(session.shift_id)
        self._start_camera(screen)
        self.controller = DeskController(
            self.db, desk, verifier, staff=session.staff, shift_id=session.shift_id,
            view=screen, feed=self.feed, on_next_vehicle=self._next_vehicle, run=self.db_runner,
        )  # fmt: skip
        screen.attach(self.controller)
        self.screen_ = screen
        self.tabs.addTab(screen, self.tr("查验  Ctrl+1"))
        self.tabs.addTab(self.ledger, self.tr("台账  Ctrl+2"))
        self.stack.setCurrentIndex(1)
        self.controller.start()
        self.refresh()
        screen.setFocus()

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
            self.source = CameraSource(0)
            self._never_opened = True
            bridge.start(self.source)
        screen.set_camera_status(self.camera_text, self.camera_ok)

    def _use_synthetic(self, bridge: object) -> None:
        source = SyntheticSource([], fps=15.0)
        self.source = source
        self.feed = SyntheticFeed(source)
        if self.controller is not None:
            self.controller.feed = self.feed
        bridge.start(source)  # type: ignore[attr-defined]
        self.camera_text = self.tr("摄像头: 演示摄像头(DEMO)")
        self.camera_ok = True

    def _camera_lost(self, reason: str) -> None:
        if getattr(self, "_never_opened", False) and self.bridge is not None:
            # no camera at all: the demo camera stands in, its passes marked DEMO
            self._never_opened = False
            QTimer.singleShot(0, lambda: self._use_synthetic(self.bridge))
            return
        self.camera_ok = False
        self.camera_text = self.tr("摄像头断开,正在重连…(可人工核验)")
        self._camera_changed()

    def _camera_back(self, info: SourceInfo) -> None:
        self._never_opened = False
        self.camera_ok = True
        name = (
            self.tr("演示摄像头(DEMO)")
            if isinstance(self.source, SyntheticSource)
            else self.tr("USB 摄像头")
        )
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

    def deliver_codes(self, event: CodesDecoded) -> None:
        """Codes from the pipeline (on the GUI thread) go to the controller.

        While a step is being saved they wait and come again in a moment: the pipeline reports
        a code once, so dropping it would hide it for the dedupe window.
        """
        if self.controller is None:
            return
        if self.controller.busy:
            QTimer.singleShot(50, lambda: self.deliver_codes(event))
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

    def _step_saved(self, event: StepEvent) -> None:
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
        with self.db.session() as s:
            shift = s.get(Shift, self.session.shift_id)
            assert shift is not None
            duty_date, number = shift.duty_date, shift.slot_number
        self._print_shift(duty_date, number)

    def _print_shift(self, duty_date: date, number: int) -> None:
        try:
            from ui.report_view import document_maker, print_at_shift_close
        except ImportError:  # the report screen is optional
            return
        self.report_dialog = print_at_shift_close(
            self, document_maker(self.db, self.settings), duty_date, number,
            **self.report_options,
        )  # fmt: skip

    def open_handover(self) -> HandoverDialog | None:
        """交班: the outgoing leader's form (opened, not exec'd); None if not allowed now."""
        session = self.session
        if session is None:
            return None
        if not allowed(Role(session.staff.role), Permission.OPEN_CLOSE_SHIFT):
            self._notify(self.tr("交班需要组长或点长"))
            return None
        if self.controller is not None and self.controller.state.step is not Step.GUIDE:
            self._notify(self.tr("请先完成当前车辆,再交班"))
            return None
        with self.db.session() as s:
            shift = s.get(Shift, session.shift_id)
            assert shift is not None
            site = s.get(Site, shift.site_id)
            assert site is not None
            slot = spec_from_model(active_plan(s, site)).slot(shift.slot_number)
            title = f"{shift.duty_date.isoformat()} {slot.label(self.lang)} ({slot.hours_text()})"
            # shift leaders first: the incoming leader is usually one of them, not the chief
            candidates = sorted(
                (m for m in list_staff(s, site) if m.active and m.id != session.staff.id
                 and allowed(Role(m.role), Permission.OPEN_CLOSE_SHIFT)),
                key=lambda m: (m.role != Role.LEADER.value, m.name),
            )  # fmt: skip
            leaders = [(m.id, m.name) for m in candidates]
            left = shift.ends_at - utcnow()
            end_text = shift.ends_at.astimezone(self.settings.tz).strftime("%H:%M")
        warning = None
        if left > EARLY_HANDOVER:
            # an inspection must fall inside its shift: between now and the end, no shift is open
            warning = self.tr("本班还有 {n} 分钟结束;交班后到 {end} 前本车道无法登记车辆。").format(
                n=int(left.total_seconds() // 60), end=end_text
            )
        dialog = HandoverDialog(title, leaders, self, warning=warning)
        dialog.accepted.connect(lambda: self._hand_over(dialog.values()))
        self.handover_dialog = dialog
        dialog.open()
        return dialog

    def _hand_over(self, handover: Handover) -> None:
        session = self.session
        if session is None:
            return

        def act() -> tuple[date, int]:
            with self.db.session() as s:
                shift = s.get(Shift, session.shift_id)
                me = s.get(StaffMember, session.staff.id)
                assert shift is not None and me is not None
                wanted = handover.incoming_id
                incoming = s.get(StaffMember, wanted) if wanted is not None else None
                close_shift(
                    s, shift, closed_by=me, handover_to=incoming,
                    note=handover.note or None, open_issues=handover.open_issues or None,
                )  # fmt: skip
                return shift.duty_date, shift.slot_number

        try:
            duty_date, number = self.db_runner(act)
        except CheckpointError as exc:
            self._notify(pick(str(exc), self.lang))
            return
        self.sign_out()
        if handover.print_report:
            self._print_shift(duty_date, number)

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

    def shutdown(self) -> None:
        """Stop the camera and timers (on close, and in tests)."""
        self.stop_camera()
        self._timer.stop()
        if isinstance(self.db_runner, ThreadedRunner):
            self.db_runner.shutdown()


class WindowHost:
    """The app's one main window. Choosing a language rebuilds it with the new translations and
    keeps who is signed in; the unfinished vehicle comes back from the database."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        demo: bool = False,
        camera: bool = True,
        dark: bool | None = None,
        muted: bool = False,
    ) -> None:
        self.db = db
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
            muted=self.muted, dark=self.dark,
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
