"""The main window: composes the picker, the selection tree, the export options and
the history, and wires them to the background thread through the bridge.

It lays out and connects; it does not fetch, parse or decide Canvas rules itself:
- what the user can do is the application layer's (:mod:`desktop_app.app.usecases`),
  run on the background thread through :class:`~desktop_app.ui.bridge.EngineBridge`
  (never I/O here); jobs are read from the bridge's
  :class:`~desktop_app.app.jobs.JobTracker`, which every view shares,
- Canvas's rules come from the models and ``canvas/validation.py``,
- the widgets (ContextPicker, SelectionPanel, HistoryPanel) own their behaviour,
- signing in and re-authenticating belong to :mod:`desktop_app.ui.session`.

The window is built and painted before the background thread exists (see
``AppController.start``), in two steps:
- the frame (menu bar, status bar and a :class:`StartingPage` saying what is happening)
  is what the first frame shows at launch;
- the panels (:meth:`MainWindow.build_panels`) are built right after that frame, or at
  once when the window is made with ``panels=True`` (the default: a window made after
  sign-in, and every test). The panels' modules (models, views, icons, style helpers)
  are imported there, not at the top of this module.

So this module imports only what the frame needs: the use cases (and asyncio with
them) when first run, and the dialogs, the
About box, the error presenter (message boxes), the notifier (tray icon), the engine's
folder layout and its event classes when first used. The window's icon is the
application's (set by the app entry once this window is painted).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QStackedWidget, QToolButton, QWidget

from desktop_app.canvas.models import (
    ContentExport,
    Context,
    ContextKind,
    Course,
    ExportType,
    Group,
    SelectKey,
)
from desktop_app.engine.status import JobStatus
from desktop_app.ui.bridge import Call, EngineBridge, auth_error_of
from desktop_app.ui.settings import AppSettings
from desktop_app.ui.starting_page import StartingPage

if TYPE_CHECKING:
    from PySide6.QtGui import QAction, QCloseEvent, QKeySequence

    from desktop_app.app.jobs import JobView
    from desktop_app.app.usecases import ExportRequest, Forgotten, History
    from desktop_app.engine.events import JobEvent
    from desktop_app.ui.accounts import Accounts, SignIn
    from desktop_app.ui.activity_view import ActivityPanel
    from desktop_app.ui.auto_retry import AutoRetry
    from desktop_app.ui.bulk_export import BulkExport
    from desktop_app.ui.context_picker import ContextPicker
    from desktop_app.ui.errors_presenter import ErrorPresenter
    from desktop_app.ui.export_options import ExportOptions
    from desktop_app.ui.history_view import HistoryPanel
    from desktop_app.ui.notifier import Notifier
    from desktop_app.ui.selection_view import SelectionPanel
    from desktop_app.ui.settings_dialog import SettingsDialog

log = logging.getLogger(__name__)

REFRESH_INTERVAL_MS = 5000
"""How often exports still running at Canvas that no job of ours watches (started in
the web UI, by a colleague, or stopped here) are re-read while their context is shown."""

PICKER_MIN_WIDTH = 300
"""The course list's narrowest (dragged, or in an 800 px window where it keeps its share
of the width): its name column still shows the start of a course name beside its other columns."""

DEMO_FOLDER = "Demo Canvas"
"""The demo's packages go to <download folder>/Demo Canvas/, not to a folder named 127.0.0.1."""

TOKEN_HELP_URL = "https://community.canvaslms.com/t5/Canvas-Basics-Guide/How-do-I-manage-API-access-tokens-in-my-user-account/ta-p/615312"


class MainWindow(QMainWindow):
    """Picker (left) | context title, tree and export options (centre) / history (bottom).

    `panels=False` builds only the frame and shows the starting page; the caller then
    calls :meth:`build_panels` (after the first frame), and the panels replace the
    starting page when the session begins (:meth:`show_session_pending`).
    """

    picker: ContextPicker
    selection: SelectionPanel
    options: ExportOptions
    history: HistoryPanel

    switchSiteRequested = Signal()
    closed = Signal()
    contextsLoaded = Signal()  # courses and groups are in the picker
    contextChanged = Signal(object)  # Context
    historyLoaded = Signal(object)  # Context: Canvas's list and the local jobs are shown
    exportStarted = Signal(int)  # job id
    reexportQuestion = Signal(object)  # the QMessageBox asking what to re-export (shown)
    quitQuestion = Signal(object)  # the QMessageBox asking whether to quit with exports running (shown)

    ask_before_quitting = True
    """Quitting while exports run asks first (they resume next time); tests turn it off."""

    def __init__(
        self,
        bridge: EngineBridge,
        settings: AppSettings,
        accounts: Accounts | None = None,
        parent: QWidget | None = None,
        *,
        panels: bool = True,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.settings = settings
        self.accounts = accounts
        self.session: SignIn | None = None
        self.session_ready = False
        self.context: Context | None = None
        self._context_calls: list[Call] = []
        self._refresh_call: Call | None = None
        self._titles: dict[str, str] = {"user:self": "My files"}  # context -> title, for notices
        self._unsubscribe_jobs: tuple[
            Callable[[], None], ...
        ] = ()  # from the bridge's JobTracker, once the panels exist
        self.setObjectName("mainWindow")
        self.setWindowTitle("Canvas Export Manager")
        self._presenter: ErrorPresenter | None = None
        self._notifier: Notifier | None = None
        self._connecting_text = ""
        self._token_message = ""  # "Sign in again: …" while it is in the status bar
        self._quit_confirmed = False
        self.panels_built = False

        self._build_frame()
        self.setAcceptDrops(True)  # a dropped package opens in the package viewer
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_INTERVAL_MS)
        self.refresh_timer.timeout.connect(self.refresh_running)
        self._restore_geometry()
        if panels:
            self.build_panels()
            self.show_panels()

    def build_panels(self) -> None:
        """Build the picker, the tree, the export options and the history, fill the
        menus and connect it all (once; later calls do nothing). They stay behind the
        starting page until :meth:`show_panels`."""
        if self.panels_built:
            return
        self.panels_built = True
        self._build_widgets()
        self._build_actions()
        self._fill_menus()
        self._connect()
        self._restore_splitters()
        if self._connecting_text and self.session is None:
            self.picker.set_loading(self._connecting_text)
        self.pages.addWidget(self.main_splitter)

    def show_panels(self) -> None:
        """Put the panels in the starting page's place (building them first if needed)."""
        self.build_panels()
        if self.pages.currentWidget() is self.main_splitter:
            return
        self.pages.setCurrentWidget(self.main_splitter)
        if self.isVisible() and self.focusWidget() in (None, self.activity_label):
            self.picker.search_edit.setFocus()  # where a new user starts: finding a course

    @property
    def presenter(self) -> ErrorPresenter:
        """Shows errors (message boxes); made when the first one comes."""
        if self._presenter is None:
            from desktop_app.ui.errors_presenter import ErrorPresenter

            self._presenter = ErrorPresenter(self)
        return self._presenter

    @property
    def notifier(self) -> Notifier:
        """Tells about finished and failed exports (tray or taskbar); made on first use."""
        if self._notifier is None:
            from desktop_app.ui.notifier import Notifier

            self._notifier = Notifier(self)
        return self._notifier

    # ------------------------------------------------------------------ layout
    def _build_frame(self) -> None:
        """What the first frame shows: the menu titles, the status bar and the
        starting page (the menus are filled with the panels' actions by build_panels)."""
        bar = self.menuBar()
        self.file_menu: QMenu = bar.addMenu("&File")
        self.export_menu: QMenu = bar.addMenu("&Export")
        self.view_menu: QMenu = bar.addMenu("&View")
        self.help_menu: QMenu = bar.addMenu("&Help")
        self._build_status_bar()
        self.bridge.activityChanged.connect(self.activity_label.setText)
        self.starting_page = StartingPage(self)
        self.pages = QStackedWidget(self)
        self.pages.setObjectName("pages")
        self.pages.addWidget(self.starting_page)
        self.setCentralWidget(self.pages)

    def _build_widgets(self) -> None:
        # The panels' modules and the Qt classes only they use, loaded once the first
        # frame is painted (see the module doc). `Qt` above all: its first import in a
        # run creates its ~90 enums (15 ms).
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QFont
        from PySide6.QtWidgets import QSplitter, QVBoxLayout

        from desktop_app.ui.context_picker import ContextPicker
        from desktop_app.ui.export_options import ExportOptions
        from desktop_app.ui.history_view import HistoryPanel
        from desktop_app.ui.selection_view import SelectionPanel

        self.picker = ContextPicker(self)
        self.picker.setMinimumWidth(PICKER_MIN_WIDTH)

        self.context_title = QLabel("Choose a course, a group or My files")
        self.context_title.setObjectName("contextTitle")
        font = QFont(self.context_title.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.context_title.setFont(font)
        self.context_title.setAccessibleName("Chosen context")
        self.context_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.context_subtitle = QLabel("Then tick what to export, or nothing to export everything.")
        self.context_subtitle.setObjectName("contextSubtitle")
        self.context_subtitle.setAccessibleName("About the chosen context")

        self.selection = SelectionPanel(self)
        # the options bar says what will be exported right next to the Start button; the
        # panel's own summary line would repeat it
        self.selection.summary_label.hide()
        self.selection.setEnabled(False)  # nothing to load before a context is chosen
        self.options = ExportOptions(self)

        centre = QWidget(self)
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(8, 4, 4, 4)
        centre_layout.setSpacing(4)
        centre_layout.addWidget(self.context_title)
        centre_layout.addWidget(self.context_subtitle)
        centre_layout.addWidget(self.selection, 1)
        centre_layout.addWidget(self.options)

        self.history = HistoryPanel(self)
        self._build_activity()
        # the status bar's activity is a mouse shortcut to the Activity view (keyboard:
        # Ctrl+4); it must not take the focus the picker's search box should get
        self.activity_label.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.top_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.top_splitter.setObjectName("topSplitter")
        self.top_splitter.addWidget(self.picker)
        self.top_splitter.addWidget(centre)
        # every pane stretches, so both keep their share as the window grows or shrinks
        # (QSplitter scales the sizes it has): a course list of fixed width cut course
        # names at 1920 px while the content tree got 1,500; the picker's minimum width
        # keeps the list readable at 800 px
        self.top_splitter.setStretchFactor(0, 1)
        self.top_splitter.setStretchFactor(1, 1)
        self.top_splitter.setSizes([390, 810])
        self.top_splitter.setChildrenCollapsible(False)

        self.main_splitter = QSplitter(Qt.Orientation.Vertical)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(self.top_splitter)
        self.main_splitter.addWidget(self.history_splitter)
        self.main_splitter.setStretchFactor(0, 2)
        self.main_splitter.setStretchFactor(1, 3)
        self.main_splitter.setSizes([470, 280])
        self.main_splitter.setChildrenCollapsible(False)

    def _build_activity(self) -> None:
        """The Activity view (a dock: every job of the site) and the history's details
        pane beside it; the automatic retry of jobs waiting for Canvas."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QDockWidget, QSplitter

        from desktop_app.ui.activity_view import ActivityPanel
        from desktop_app.ui.auto_retry import AutoRetry
        from desktop_app.ui.details_pane import DetailsPane
        from desktop_app.ui.job_details import JobDetails

        self.activity: ActivityPanel = ActivityPanel(self.bridge.jobs, self)
        self.activity.set_titles(self._titles)
        self.activity_dock = QDockWidget("Activity", self)
        self.activity_dock.setObjectName("activityDock")
        self.activity_dock.setWidget(self.activity)
        self.activity_dock.setAllowedAreas(
            Qt.DockWidgetArea.BottomDockWidgetArea
            | Qt.DockWidgetArea.RightDockWidgetArea
            | Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.activity_dock)
        self.activity_dock.hide()
        self.activity_details = JobDetails(
            self.bridge,
            self.activity.details,
            titles=lambda: self._titles,
            user_names=self._user_names,
            name_of=self._item_names,
        )

        self.history_details_pane = DetailsPane(self)
        self.history_details = JobDetails(
            self.bridge,
            self.history_details_pane,
            titles=lambda: self._titles,
            user_names=self._user_names,
            name_of=self._item_names,
        )
        self.history_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.history_splitter.setObjectName("historySplitter")
        self.history_splitter.addWidget(self.history)
        self.history_splitter.addWidget(self.history_details_pane)
        self.history_splitter.setStretchFactor(0, 2)
        self.history_splitter.setStretchFactor(1, 3)
        self.history_splitter.setSizes([930, 270])
        self.history_splitter.setChildrenCollapsible(True)

        self.auto_retry: AutoRetry = AutoRetry(self.bridge, self.bridge.jobs, lambda: self.site, parent=self)
        self.auto_retry.resumed.connect(self._auto_resumed)

        from desktop_app.ui.bulk_export import BulkExport

        self.bulk: BulkExport = BulkExport(self)  # File › Bulk export…, the batch windows, batches in Activity

    def _action(
        self, text: str, slot: Any, *, shortcut: QKeySequence | str | None = None, tip: str = "", icon_name: str = ""
    ) -> QAction:
        from PySide6.QtGui import QAction, QKeySequence

        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        if icon_name:
            from desktop_app.ui.icons import icon

            action.setIcon(icon(icon_name))
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        from PySide6.QtGui import QKeySequence

        # Window-wide shortcuts avoid the history table's own (Ctrl+D, Ctrl+E, Delete, F5,
        # Ctrl+C, Ctrl+Return are bound there, to the selected row).
        self.switch_action = self._action(
            "&Switch Canvas site…",
            self.switchSiteRequested.emit,
            shortcut="Ctrl+Shift+O",
            tip="Sign in to another Canvas site, or rename and forget saved sites",
        )
        self.open_package_action = self._action(
            "&Open package…",
            self.choose_package,
            shortcut=QKeySequence.StandardKey.Open,
            tip="Read a saved .imscc, QTI zip or files zip offline",
            icon_name="archive",
        )
        self.bulk_action = self._action(
            "&Bulk export…",
            lambda: self.bulk.open_dialog(),
            shortcut="Ctrl+B",
            tip="Export many courses at once: yours, an account's or a CSV file's",
            icon_name="export",
        )
        self.settings_action = self._action(
            "S&ettings…", self.open_settings, shortcut="Ctrl+,", tip="Download folder, exports at once, auto-download"
        )
        self.quit_action = self._action(
            "&Quit",
            self.close,
            shortcut="Ctrl+Q",  # not StandardKey.Quit: Qt has none on Windows
            tip="Quit; unfinished exports carry on the next time you start the app",
        )
        self.start_action = self._action(
            "&Start export",
            self.start_export,
            shortcut="Ctrl+Shift+E",
            tip="Export the chosen context with the ticked content",
            icon_name="export",
        )
        self.reload_action = self._action(
            "&Reload everything",
            self.refresh_context,
            shortcut="Ctrl+R",
            tip="Reload the courses, the tree and the history from Canvas",
            icon_name="refresh",
        )
        self.focus_picker_action = self._action(
            "Go to &courses and groups", self.picker.search_edit.setFocus, shortcut="Ctrl+1"
        )
        self.focus_tree_action = self._action(
            "Go to the content &tree", self.selection.view.setFocus, shortcut="Ctrl+2"
        )
        self.focus_history_action = self._action(
            "Go to the export &history", self.history.focus_table, shortcut="Ctrl+3"
        )
        self.activity_action = self._action(
            "&Activity",
            self.show_activity,
            shortcut="Ctrl+4",
            tip="Every export of this Canvas site: courses, groups and My files",
        )
        self.filter_action = self._action(
            "&Filter the tree", self.selection.filter_edit.setFocus, shortcut=QKeySequence.StandardKey.Find
        )
        self.about_action = self._action("&About Canvas Export Manager", self._show_about)
        self.help_token_action = self._action("Where do I get an access &token?", self._open_token_help)
        self.start_action.setEnabled(False)

    def _fill_menus(self) -> None:
        file_menu = self.file_menu
        file_menu.addAction(self.bulk_action)
        file_menu.addAction(self.open_package_action)
        file_menu.addAction(self.switch_action)
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        export_menu = self.export_menu
        export_menu.addAction(self.start_action)
        export_menu.addSeparator()
        h = self.history
        for action in (
            h.download_action,
            h.open_action,
            h.view_contents_action,
            h.show_in_folder_action,
            h.copy_path_action,
        ):
            export_menu.addAction(action)
        export_menu.addSeparator()
        export_menu.addAction(h.reexport_action)
        export_menu.addAction(h.resume_action)
        export_menu.addAction(h.retry_action)
        export_menu.addAction(h.stop_action)
        view_menu = self.view_menu
        for action in (self.reload_action, h.refresh_action):
            view_menu.addAction(action)
        view_menu.addSeparator()
        for action in (
            self.focus_picker_action,
            self.focus_tree_action,
            self.focus_history_action,
            self.activity_action,
            self.filter_action,
        ):
            view_menu.addAction(action)
        help_menu = self.help_menu
        help_menu.addAction(self.help_token_action)
        help_menu.addAction(self.about_action)

    def _build_status_bar(self) -> None:
        # A flat button, not a label: clicking "2 exports running" opens the Activity view.
        self.activity_label = QToolButton()
        self.activity_label.setText("Ready")
        self.activity_label.setAutoRaise(True)
        self.activity_label.setObjectName("activityLabel")
        self.activity_label.setAccessibleName("What the app is doing")
        self.activity_label.setToolTip("Show every export of this Canvas site (View › Activity, Ctrl+4)")
        self.activity_label.clicked.connect(self.show_activity)
        self.user_label = QLabel("")
        self.user_label.setObjectName("userLabel")
        self.user_label.setAccessibleName("Signed-in user")
        self.statusBar().addWidget(self.activity_label)
        self.statusBar().addPermanentWidget(self.user_label)

    def _connect(self) -> None:
        from desktop_app.ui.file_actions import copied_text  # loaded with the panels

        self.bridge.jobEvent.connect(self._on_job_event)
        self._unsubscribe_jobs = (
            self.bridge.jobs.subscribe(self._job_changed),
            self.bridge.jobs.subscribe_removals(lambda view: self.history.model.remove_job(view.job_id)),
        )
        self.picker.contextChosen.connect(self.set_context)
        self.selection.model.branchRequested.connect(self.load_branch)
        self.selection.selectionChanged.connect(self._update_summary)
        self.options.typeChanged.connect(self._type_changed)
        self.options.startRequested.connect(self.start_export)
        self.history.downloadRequested.connect(self.download_export)
        self.history.reexportRequested.connect(self.reexport)
        self.history.stopRequested.connect(self.stop_job)
        self.history.resumeRequested.connect(self.resume_job)
        self.history.retryRequested.connect(self.retry_job)
        self.history.refreshRequested.connect(self.load_history)
        self.history.viewContentsRequested.connect(self.view_package)
        self.history.pathCopied.connect(lambda path: self.statusBar().showMessage(copied_text(path), 4000))
        self.history.currentRowChanged.connect(self._history_row_changed)
        a = self.activity
        a.resumeRequested.connect(self.resume_job)
        a.retryRequested.connect(self.retry_job)
        a.stopRequested.connect(self.stop_job)
        a.forgetRequested.connect(self.forget_jobs)
        a.reexportRequested.connect(self.reexport_job)
        a.currentJobChanged.connect(lambda view: self.activity_details.show(view))
        for files in (self.history.files, a.files):
            files.message.connect(lambda text: self.statusBar().showMessage(text, 15000))

    # ------------------------------------------------------------------ session
    @property
    def site(self) -> str:
        return self.session.site if self.session is not None else ""

    @property
    def user_id(self) -> int | None:
        return self.session.user.id if self.session is not None else None

    def show_session_pending(self, signin: SignIn) -> None:
        """Right after sign-in, before the loop has the client: say who and where, and
        show the panels."""
        self.show_panels()
        self.user_label.setText(f"Signed in as {signin.user.name} · {signin.profile.name}")
        self.user_label.setToolTip(signin.profile.base_url)
        self.setWindowTitle(f"{signin.profile.name} — Canvas Export Manager")

    def begin_session(self, signin: SignIn) -> None:
        """The client is on the loop: load the contexts (again, after a new token). Another
        site or another user of the same site starts afresh: their jobs, history and tree
        are not this user's."""
        same_account = (
            self.session is not None and self.session.site == signin.site and self.session.user.id == signin.user.id
        )
        self.session = signin
        self.show_session_pending(signin)
        self._clear_token_message()
        self.history.model.set_user_names({signin.user.id: signin.user.name})
        if not same_account:
            self._titles = {"user:self": "My files"}
            for call in self._context_calls:
                call.cancel()
            self._context_calls = []
            self.context = None
            self.picker.forget_choice()
            self.bridge.jobs.clear()
            self.history.model.clear()
            self.selection.reset()
            self.selection.setEnabled(False)
            self.options.set_context_kind(None)
            self.start_action.setEnabled(False)
            self.context_title.setText("Choose a course, a group or My files")
            self.history.set_context_chosen(False)
            self.context_subtitle.setText("Then tick what to export, or nothing to export everything.")
            self.activity.set_site(signin.site)
            self._load_site_jobs()
        elif self.context is not None:
            self.load_history()
            self.refresh_timer.start()
        self.load_contexts()
        self.bulk.begin_session()
        self.session_ready = True

    def show_connecting(self, text: str) -> None:
        """Before any sign-in (the window is shown first, see AppController.start): say
        what is happening on the starting page, where the courses will appear, and in
        the status bar."""
        self._connecting_text = text
        self.activity_label.setText(text)
        self.starting_page.set_text(text)
        if self.panels_built:
            self.picker.set_loading(text)
        self.user_label.setText("Not signed in yet")

    def show_keyring_warning(self) -> None:
        from desktop_app.ui.signin_dialog import NO_KEYRING_MESSAGE

        self.statusBar().showMessage(NO_KEYRING_MESSAGE, 20000)

    def show_token_refused(self, reason: str) -> None:
        self.refresh_timer.stop()
        self._token_message = f"Sign in again: {reason}"
        self.statusBar().showMessage(self._token_message, 20000)

    def _clear_token_message(self) -> None:
        """Signed in again: the "Sign in again" request is answered; take it away."""
        if self._token_message and self.statusBar().currentMessage() == self._token_message:
            self.statusBar().clearMessage()
        self._token_message = ""

    def _load_site_jobs(self) -> None:
        """This site's jobs into the tracker (their contexts name them in notifications)."""
        from desktop_app.app import usecases

        site, user_id = self.site, self.user_id
        self.bridge.run(lambda services: usecases.site_jobs(services, site, user_id)).then(
            self.bridge.jobs.merge, lambda err: log.info("job list unreadable: %s", err)
        )

    # ------------------------------------------------------------------ contexts
    def load_contexts(self) -> None:
        """Courses and groups, in the background; the last context is chosen again."""
        from desktop_app.app import usecases

        site = self.site
        self.picker.set_loading("Loading your courses and groups…")
        self.bridge.run(
            lambda services: usecases.load_contexts(services, site), label="Loading courses…", site=site
        ).then(self._contexts_loaded, self._contexts_failed)

    def _contexts_loaded(self, result: tuple[list[Course], list[Group]]) -> None:
        courses, groups = result
        for course in courses:
            self._titles[str(course.context)] = course.name
        for group in groups:
            self._titles[str(group.context)] = group.name
        self.activity.set_titles(self._titles)
        self.picker.set_courses(courses)
        self.picker.set_groups(groups)
        self.contextsLoaded.emit()
        if self.context is None and self.session is not None:
            last = self.settings.last_context(self.session.profile.name)
            if last:
                try:
                    self.picker.select_context(Context.parse(last))
                except ValueError:
                    pass

    def _contexts_failed(self, error: BaseException) -> None:
        from desktop_app.ui.errors_presenter import describe

        self.picker.set_loading(describe(error).message)
        if auth_error_of(error) is None:
            self.presenter.present(error, "Could not load your courses")

    def set_context(self, ctx: Context, title: str = "") -> None:
        """A course, group or My files was chosen: reset the tree, load the history."""
        from desktop_app.ui.selection_model import branches_for  # loaded with the panels

        if ctx == self.context:
            return
        for call in self._context_calls:
            call.cancel()
        self._context_calls = []
        if self._refresh_call is not None:
            self._refresh_call.cancel()
            self._refresh_call = None
        self.context = ctx
        if title and self._titles.get(str(ctx)) != title:
            self._titles[str(ctx)] = title
            self.activity.set_titles(self._titles)
        if self.session is not None:
            self.settings.set_last_context(self.session.profile.name, str(ctx))
        self.options.set_context_kind(ctx.kind)
        self._ask_allowed_types(ctx)
        self.start_action.setEnabled(True)
        self.selection.reset(branches_for(ctx.kind))
        self.selection.setEnabled(True)
        self.selection.set_export_type(self.options.export_type())
        self._show_context_title(ctx)
        self._update_summary()
        self.history.set_context_chosen(True)
        self.history.model.clear()
        self.load_history()
        self.refresh_timer.start()
        self.contextChanged.emit(ctx)

    def _ask_allowed_types(self, ctx: Context) -> None:
        """Offer only the export types Canvas lets this user start here (a student: zip)."""
        from desktop_app.app import usecases

        site = self.site

        def answered(allowed: dict[ExportType, str | None]) -> None:
            if self.context == ctx:
                self.options.set_allowed(allowed)

        call = self.bridge.run(lambda services: usecases.allowed_export_types(services, site, ctx), site=site)
        call.then(answered, lambda err: log.info("could not ask Canvas what may be exported: %s", err))
        self._context_calls.append(call)

    def _show_context_title(self, ctx: Context) -> None:
        self.context_title.setText(self._titles.get(str(ctx)) or str(ctx))
        if ctx.kind is ContextKind.COURSE:
            course = self.picker.course_for(ctx)
            facts = [f for f in ((course.course_code, course.term) if course else ()) if f]
            self.context_subtitle.setText(" · ".join(["Course", *facts]))
        elif ctx.kind is ContextKind.GROUP:
            self.context_subtitle.setText("Group · exported as a zip of its files")
        else:
            self.context_subtitle.setText("Your personal files · exported as a zip")

    def refresh_context(self) -> None:
        """Reload courses, groups, the tree and the history (View › Reload everything)."""
        if self.session is None:
            return
        self.load_contexts()
        if self.context is not None:
            ctx, self.context = self.context, None
            self.set_context(ctx)

    # ------------------------------------------------------------------ the tree
    def load_branch(self, key: SelectKey) -> Call | None:
        """Fill one tree branch in the background."""
        from desktop_app.app import usecases

        ctx, site = self.context, self.site
        if ctx is None:
            return None
        self.selection.model.set_branch_loading(key)

        def loaded(items: list[Any]) -> None:
            if self.context == ctx:
                self.selection.model.set_branch_items(key, items)

        def failed(error: BaseException) -> None:
            from desktop_app.ui.errors_presenter import describe

            if self.context == ctx:
                self.selection.model.set_branch_error(key, describe(error).message)

        call = self.bridge.run(
            lambda services: usecases.load_branch(services, site, ctx, key),
            label=f"Loading {key.label.lower()}…",
            site=site,
        ).then(loaded, failed)
        self._context_calls.append(call)
        return call

    def _type_changed(self, export_type: ExportType) -> None:
        self.selection.set_export_type(export_type)
        self._update_summary()

    def _update_summary(self) -> None:
        self.options.set_summary_text(self.selection.summary() if self.context is not None else "")

    # ------------------------------------------------------------------ history
    def load_history(self) -> Call | None:
        """Canvas's list of the context's exports plus this app's jobs for it."""
        from desktop_app.app import usecases

        ctx, site, user_id = self.context, self.site, self.user_id
        if ctx is None:
            return None

        def loaded(history: History) -> None:
            if self.context != ctx:
                return
            self.history.model.set_exports(history.exports)
            self.bridge.jobs.merge(history.jobs)
            for view in self.bridge.jobs.for_context(site, str(ctx)):
                self.history.model.update_job(view)
            self.historyLoaded.emit(ctx)

        def failed(error: BaseException) -> None:
            if self.context == ctx and auth_error_of(error) is None:
                self.presenter.present(error, "Could not load the export history")

        call = self.bridge.run(
            lambda services: usecases.load_history(services, site, ctx, user_id),
            label="Loading the export history…",
            site=site,
        ).then(loaded, failed)
        self._context_calls.append(call)
        return call

    def unwatched_running_exports(self) -> list[int]:
        """Ids of exports running at Canvas that no job of ours is following."""
        model = self.history.model
        ids = []
        for row in range(model.row_count()):
            item = model.row_at(row)
            export = item.export
            if (
                export is not None
                and export.workflow_state.is_running
                and (item.job is None or not item.job.is_watching)
            ):
                ids.append(export.id)
        return ids

    def refresh_running(self) -> Call | None:
        """Timer: re-read the running exports nobody watches (the engine reports its own)."""
        ctx = self.context
        if ctx is None or self.session is None or (self._refresh_call is not None and not self._refresh_call.done):
            return None
        ids = self.unwatched_running_exports()
        if not ids:
            return None
        self._refresh_call = self._read_exports(ctx, ids)
        return self._refresh_call

    def _read_exports(self, ctx: Context, ids: list[int]) -> Call:
        """Read exports again and show what Canvas says now (attachment, size, state)."""
        from desktop_app.app import usecases

        site = self.site

        def got(exports: list[ContentExport]) -> None:
            if self.context == ctx:
                self.history.model.upsert_exports(exports)

        return self.bridge.run(lambda services: usecases.read_exports(services, site, ctx, ids), site=site).then(
            got, lambda err: log.info("re-reading exports failed: %s", err)
        )

    # ------------------------------------------------------------------ engine events
    def _job_changed(self, view: JobView) -> None:
        """The tracker's observer: a job of the context shown changed."""
        if self.context is not None and view.site == self.site and view.context == str(self.context):
            self.history.model.update_job(view)
            row = self.history.current_row()
            if row is not None and row.job is not None and row.job.job_id == view.job_id:
                self._history_row_changed()

    def _on_job_event(self, event: JobEvent) -> None:
        """What an event means beyond the job's row (the tracker has applied it already):
        Canvas's row comes with the phase that read it, warnings go to the status bar,
        and endings are notified."""
        from desktop_app.engine.events import JobDone, JobError, JobState, JobWarning  # loaded with the engine

        view = self.bridge.jobs.get(event.job_id)
        if view is not None and view.site and view.site != self.site:
            return  # another site's job (its own window will say)
        shown = view is not None and self.context is not None and view.context == str(self.context)
        if shown and isinstance(event, (JobDone, JobState)) and event.export is not None:
            self.history.model.upsert_exports([event.export])  # Canvas's row as the engine read it
        if isinstance(event, JobWarning):
            self.statusBar().showMessage(event.message, 15000)
        if view is not None and view.batch_id is not None:
            return  # a course of a bulk export: its batch window shows it, its batch's end is notified
        if shown and isinstance(event, JobError) and view is not None and view.export_id is None:
            self.options.show_start_problem(event.message)  # refused before Canvas made an export
        self._notify(event)

    def _notify(self, event: JobEvent) -> None:
        """Finished and failed jobs reach the user even with the window in the background.

        A failure arrives as JobState (failed, expired, interrupted) then JobError; the
        notice is given once: from the state for failed/expired, from the error for an
        interruption (whose cause, e.g. a refused token, decides whether to tell).
        """
        from desktop_app.engine.errors import StoreError
        from desktop_app.engine.events import JobDone, JobError, JobState

        view = self.bridge.jobs.get(event.job_id)
        what = self._titles.get(view.context if view is not None else "", "An export")
        if isinstance(event, JobDone):
            if event.path is not None:
                self.notifier.notify("Export saved", f"{what}: {Path(event.path).name}", ok=True)
            else:
                self.notifier.notify("Export ready", f"{what} is ready to download.", ok=True)
        elif isinstance(event, JobState):
            if event.state in (JobStatus.FAILED, JobStatus.EXPIRED):
                self.notifier.notify(
                    f"Export {event.state.label.lower()}", f"{what}: {event.message or event.label}", ok=False
                )
        elif isinstance(event, JobError):
            if isinstance(event.error, StoreError):  # nothing could be recorded: no state tells it
                self.presenter.present(event.error, "Could not record the export job")
            elif view is not None and view.status is JobStatus.INTERRUPTED and auth_error_of(event.error) is None:
                self.notifier.notify("Export interrupted", f"{what}: {event.message}", ok=False)

    # ------------------------------------------------------------------ actions
    # ------------------------------------------------------------------ package viewer (ui/package_viewer.py)
    def choose_package(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(
            self, "Open package", str(self.settings.download_dir), "Canvas packages (*.imscc *.zip);;All files (*)"
        )
        if path:
            self.view_package(path)

    def view_package(self, path: str) -> None:
        from desktop_app.ui.package_viewer import open_package_viewer

        open_package_viewer(path, self, titles=self.selection.model.item_title, settings=self.settings)

    def dragEnterEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        from desktop_app.ui.package_viewer import dropped_packages

        if dropped_packages(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: Any) -> None:  # noqa: N802
        from desktop_app.ui.package_viewer import dropped_packages

        for path in dropped_packages(event.mimeData()):
            self.view_package(path)
        event.acceptProposedAction()

    def download_folder(self, ctx: Context) -> Path:
        """Where packages of `ctx` are saved: <download folder>/<site host>/<course or
        group name (course ID)>/, created when the first package arrives (see
        desktop_app.engine.folders)."""
        from desktop_app.engine.folders import default_dest_dir  # loaded by the engine by now

        demo = self.session is not None and self.session.demo
        return default_dest_dir(
            self.settings.download_dir,
            self.site,
            ctx,
            self._titles.get(str(ctx)),
            site_name=DEMO_FOLDER if demo else None,
        )

    def _dest_dir(self, ctx: Context) -> Path | None:
        """Where a new export's package goes; None (Canvas only, no download) when
        auto-download is off."""
        return self.download_folder(ctx) if self.settings.auto_download else None

    def start_export(self) -> Call | None:
        ctx = self.context
        if ctx is None or self.session is None:
            self.statusBar().showMessage("Choose a course, a group or My files first.", 5000)
            return None
        return self._start(self._request(ctx, self.options.export_type(), self.selection.select_hash()))

    def _request(self, ctx: Context, export_type: ExportType, select: dict[SelectKey, list[int]]) -> ExportRequest:
        from desktop_app.app.usecases import ExportRequest

        return ExportRequest(
            self.site,
            ctx,
            export_type,
            select,
            self.options.skip_notifications.isChecked(),
            self._dest_dir(ctx),
            user_id=self.user_id,
            context_label=self.context_label(ctx),
        )

    def context_label(self, ctx: Context) -> str | None:
        """What a saved package's name starts with: a course's code, a group's name, "My
        files" (None when not known: the engine names it by kind and id)."""
        if ctx.kind is ContextKind.COURSE:
            course = self.picker.course_for(ctx)
            if course is not None and course.course_code:
                return course.course_code
        elif ctx.kind is ContextKind.USER and ctx.id == "self":
            return "My files"
        return self._titles.get(str(ctx)) or None

    def _start(self, request: ExportRequest) -> Call:
        from desktop_app.app import usecases

        call = self.bridge.run(
            lambda services: usecases.start_export(services, request),
            label=f"Starting a {request.export_type.label} export…",
            site=request.site,
        )
        call.then(self.exportStarted.emit, self._start_failed)
        return call

    def _start_failed(self, error: BaseException) -> None:
        """Said where the user looks (under Start export) and in a message box."""
        from desktop_app.ui.errors_presenter import describe

        self.options.show_start_problem(describe(error).message)
        self.presenter.present(error, "Could not start the export")

    def download_export(self, export_id: int) -> Call | None:
        """Take an export (ours or not) to a saved, verified file in the download folder."""
        from desktop_app.app import usecases

        ctx, site, user_id = self.context, self.site, self.user_id
        if ctx is None:
            return None
        dest, label = self.download_folder(ctx), self.context_label(ctx)
        call = self.bridge.run(
            lambda services: usecases.download_export(
                services, site, ctx, export_id, dest, user_id, context_label=label
            ),
            label="Starting the download…",
            site=site,
        )
        call.then(None, lambda err: self.presenter.present(err, "Could not download the export"))
        return call

    def reexport(self, export_id: int, *, everything: bool = False) -> Call | None:
        """Start the same type again, with the selection of the job that created it; for
        an export made elsewhere, ask first (Canvas does not tell what it held)."""
        from desktop_app.app import usecases

        ctx = self.context
        row = self.history.model.row_for_export(export_id)
        if ctx is None or row is None:
            return None
        item = self.history.model.row_at(row)
        try:
            export_type = ExportType(item.export_type or "")
        except ValueError:
            self.presenter.present(
                ValueError(f"{item.export_type} exports cannot be started from here"), "Could not re-export"
            )
            return None
        request = self._request(ctx, export_type, {})

        def failed(error: BaseException) -> None:
            if isinstance(error, usecases.SelectionUnknownError):
                self._ask_what_to_reexport(export_id, export_type, error.message)
            else:
                self.presenter.present(error, "Could not re-export")

        call = self.bridge.run(
            lambda services: usecases.reexport(services, request, export_id, everything=everything),
            label=f"Starting a {export_type.label} export…",
            site=request.site,
        )
        call.then(self.exportStarted.emit, failed)
        return call

    def _ask_what_to_reexport(self, export_id: int, export_type: ExportType, message: str) -> None:
        """Export everything, or choose in the tree (with the export's type set)."""
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Question, "Re-export", message, QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("reexportQuestion")
        everything = box.addButton("Export everything", QMessageBox.ButtonRole.AcceptRole)
        choose = box.addButton("Choose in the tree", QMessageBox.ButtonRole.ActionRole)
        box.setDefaultButton(choose)  # Enter starts nothing at Canvas; exporting everything is a click

        def answered() -> None:
            if box.clickedButton() is everything:
                self.reexport(export_id, everything=True)
            elif box.clickedButton() is choose:
                self.options.set_export_type(export_type)
                self.selection.setFocus()

        box.finished.connect(answered)
        box.open()
        self.reexportQuestion.emit(box)

    def stop_job(self, job_id: int) -> Call:
        from desktop_app.app import usecases

        call = self.bridge.run(lambda services: usecases.stop_job(services, job_id), label="Stopping…")
        call.then(None, lambda err: self.presenter.present(err, "Could not stop watching the export"))
        return call

    def forget_jobs(self, job_ids: list[int]) -> Call:
        """Take jobs off the local list (Activity › Remove from list); files and Canvas stay
        as they are. A job the store keeps (another process runs it) is said why."""
        from desktop_app.app import usecases

        call = self.bridge.run(lambda services: usecases.forget_jobs(services, job_ids), label="Removing…")
        call.then(
            self._jobs_forgotten,
            lambda err: self.presenter.present(err, "Could not remove the export from the list"),
        )
        return call

    def _jobs_forgotten(self, done: Forgotten) -> None:
        from desktop_app.canvas.errors import ValidationError

        self.bridge.jobs.remove(done.removed + done.missing)  # missing: another process took it off the list
        if done.kept:
            self.presenter.present(ValidationError(" ".join(done.kept)), "Could not remove the export from the list")

    def resume_job(self, job_id: int) -> Call:
        """Carry on an interrupted or stopped job (History or Activity › Resume)."""
        from desktop_app.app import usecases

        call = self.bridge.run(lambda services: usecases.resume_job(services, job_id), label="Resuming…")
        call.then(None, lambda err: self.presenter.present(err, "Could not resume the export"))
        return call

    def retry_job(self, job_id: int) -> Call:
        """Try a failed or expired job again: it carries on, or a new export of the same
        selection starts when Canvas's export is over (History or Activity › Retry)."""
        from desktop_app.app import usecases

        call = self.bridge.run(lambda services: usecases.retry_job(services, job_id), label="Trying again…")
        call.then(
            lambda new_id: self.exportStarted.emit(new_id) if new_id != job_id else None,
            lambda err: self.presenter.present(err, "Could not try the export again"),
        )
        return call

    def reexport_job(self, view: JobView) -> Call | None:
        """Re-export from the Activity view: the job's context (not necessarily the one
        shown), its type and the selection of the job that created the export."""
        from desktop_app.app import usecases
        from desktop_app.app.usecases import ExportRequest

        if view.export_id is None or not view.context:
            return None
        try:
            ctx, export_type = Context.parse(view.context), ExportType(view.export_type or "")
        except ValueError:
            return None
        request = ExportRequest(
            view.site or self.site,
            ctx,
            export_type,
            {},
            self.options.skip_notifications.isChecked(),
            self._dest_dir(ctx),
            user_id=self.user_id,
            context_label=self.context_label(ctx),
        )
        export_id = view.export_id

        def failed(error: BaseException) -> None:
            if isinstance(error, usecases.SelectionUnknownError) and ctx == self.context:
                self._ask_what_to_reexport(export_id, export_type, error.message)
            else:
                self.presenter.present(error, "Could not re-export")

        call = self.bridge.run(
            lambda services: usecases.reexport(services, request, export_id),
            label=f"Starting a {export_type.label} export…",
            site=request.site,
        )
        call.then(self.exportStarted.emit, failed)
        return call

    def show_activity(self) -> None:
        """View › Activity (Ctrl+4), or a click on the status bar's activity."""
        if not self.panels_built:
            return
        self.activity_dock.show()
        self.activity_dock.raise_()
        self.activity.view.setFocus()

    def _auto_resumed(self, job_ids: list[int]) -> None:
        if job_ids:
            n = len(job_ids)
            self.statusBar().showMessage(
                f"Canvas answers again: {n} interrupted export{'s' if n != 1 else ''} carr{'y' if n != 1 else 'ies'} on.",
                8000,
            )

    def _history_row_changed(self) -> None:
        row = self.history.current_row()
        self.history_details.show(row.job if row is not None else None, row.export if row is not None else None)

    def _user_names(self) -> dict[int, str]:
        return {self.session.user.id: self.session.user.name} if self.session is not None else {}

    def _item_names(self) -> Any:
        """(select key, id) -> title, from the content tree of the context shown."""
        model = self.selection.model
        return lambda key, item_id: model.item_title(key, item_id)

    # ------------------------------------------------------------------ dialogs
    def open_settings(self) -> SettingsDialog:
        from PySide6.QtCore import Qt

        from desktop_app.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def accepted() -> None:
            before = self.settings.max_concurrent, self.settings.max_unannounced_size
            dialog.apply()
            if self.settings.max_concurrent != before[0]:
                self.apply_max_concurrent(self.settings.max_concurrent)
            if self.settings.max_unannounced_size != before[1]:
                size = self.settings.max_unannounced_size
                self.bridge.run(lambda services: services.set_max_unannounced_size(size)).then(
                    None, lambda err: self.presenter.present(err, "Could not change the download limit")
                )

        dialog.accepted.connect(accepted)
        dialog.open()
        return dialog

    def apply_max_concurrent(self, n: int) -> Call:
        """Hand Settings' "Exports at once" to the running engine (no restart needed)."""
        call = self.bridge.run(lambda services: services.set_max_concurrent(n))
        call.then(
            lambda _r: self.statusBar().showMessage(
                f"Up to {n} export{'s' if n != 1 else ''} per Canvas site now run at once.", 8000
            ),
            lambda err: self.presenter.present(err, "Could not change the number of exports at once"),
        )
        return call

    def _show_about(self) -> None:
        from desktop_app.ui.about import show_about

        show_about(self)

    def _open_token_help(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        if self.session is not None and not self.session.demo:
            QDesktopServices.openUrl(QUrl(self.session.profile.base_url + "/profile/settings"))
        else:
            QDesktopServices.openUrl(QUrl(TOKEN_HELP_URL))

    # ------------------------------------------------------------------ state
    def _restore_geometry(self) -> None:
        geometry = self.settings.geometry("main")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(QSize(1200, 800))

    def _restore_splitters(self) -> None:
        for name, splitter in (("top", self.top_splitter), ("main", self.main_splitter)):
            state = self.settings.geometry(f"splitter-{name}")
            if state is not None:
                splitter.restoreState(state)

    def save_state(self) -> None:
        self.settings.set_geometry("main", self.saveGeometry())
        if self.panels_built:
            self.settings.set_geometry("splitter-top", self.top_splitter.saveState())
            self.settings.set_geometry("splitter-main", self.main_splitter.saveState())
        self.settings.sync()

    def running_exports(self) -> int:
        """Jobs the app is working on now (at Canvas or downloading)."""
        running, downloading = self.bridge.jobs.counts() if self.panels_built else (0, 0)
        return running + downloading

    def running_batches(self) -> int:
        """Bulk exports running now (between two courses too)."""
        return self.bulk.running_batches() if self.panels_built else 0

    def _ask_to_quit(self) -> None:
        """Quit with exports running? They carry on the next time (non-blocking box)."""
        from PySide6.QtWidgets import QMessageBox

        n, batches = self.running_exports(), self.running_batches()
        running = [f"{n} export{'s' if n != 1 else ''}"] if n else []
        if batches:
            running.append(f"{batches} bulk export{'s' if batches != 1 else ''}")
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Quit Canvas Export Manager",
            f"{' and '.join(running)} {'are' if n + batches != 1 else 'is'} still running.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("quitQuestion")
        box.setInformativeText(
            "Quit now and they carry on the next time you start the app (Canvas goes on exporting meanwhile)."
        )
        quit_button = box.addButton("Quit", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(quit_button)

        def answered() -> None:
            if box.clickedButton() is quit_button:
                self._quit_confirmed = True
                self.close()

        box.finished.connect(answered)
        box.open()
        self.quitQuestion.emit(box)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        busy = self.running_exports() or self.running_batches()
        if self.ask_before_quitting and not self._quit_confirmed and self.isVisible() and busy:
            event.ignore()
            self._ask_to_quit()
            return
        self.save_state()
        self.refresh_timer.stop()
        for unsubscribe in self._unsubscribe_jobs:
            unsubscribe()
        self._unsubscribe_jobs = ()
        if self.panels_built:
            self.auto_retry.detach()
            self.bulk.detach()
            self.activity.model.detach()
        if self._notifier is not None:
            self._notifier.close()
        super().closeEvent(event)
        self.closed.emit()
