"""File › Bulk export… and the batches of the signed-in site (issue #14), for the main window.

The window makes one `BulkExport` and hands it the session; this controller owns:

- the dialog (`BulkExportDialog`): it answers the dialog's questions with the use cases
  of `app/batches.py` run on the engine thread (My courses; an account's sub-accounts,
  terms and courses, the term filter asking Canvas again; a CSV read off the GUI
  thread), and turns Start into a `BatchPlan` for `start_batch`. Anything that goes
  wrong is said in the dialog (`set_error`), never as a traceback;
- the batch windows (`BatchWindow`), one per batch, reused while open;
- the Activity view's batch rows: read at sign-in (`list_batches`, after
  `resume_running_batches` has carried on the batches a refused token paused), then
  kept current at most once a second, from an open batch window's header or, with
  none open, from a read of the batch's header;
- the notice when a batch finishes (its courses' jobs give none one by one).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from desktop_app.app.batch_views import BatchState, BatchView
from desktop_app.app.jobs import JobView
from desktop_app.ui.bridge import Call
from desktop_app.ui.shown_paths import home_relative

if TYPE_CHECKING:
    from desktop_app.app.batches import BatchPlan
    from desktop_app.batch.csvinput import CsvCourses
    from desktop_app.batch.events import BatchChanged
    from desktop_app.canvas.models import Account
    from desktop_app.ui.batch_window import BatchWindow
    from desktop_app.ui.bulk_export_dialog import BulkExportDialog, BulkRequest, CourseSource
    from desktop_app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

REFRESH_INTERVAL_MS = 1000
"""How often the Activity view's batch rows may be re-read while their batches run."""

BULK_FOLDER = "Bulk exports"
"""The dialog's folder until the user picks one: <download folder>/<site>/Bulk exports."""


class BulkExport(QObject):
    """See the module docstring."""

    dialogOpened = Signal(object)  # the BulkExportDialog, shown
    batchStarted = Signal(int)  # a batch id
    windowOpened = Signal(object)  # a BatchWindow, shown (new or raised)
    batchesLoaded = Signal()  # the Activity view lists this site's batches

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._bridge = window.bridge
        self.dialog: BulkExportDialog | None = None
        self.windows: dict[int, BatchWindow] = {}
        self._views: dict[int, BatchView] = {}
        self._dirty: set[int] = set()
        self._accounts: dict[int, Account] = {}
        self._csv: tuple[str, CsvCourses] | None = None
        self._calls: dict[str, Call] = {}  # what the dialog waits for, by kind: a newer one cancels the older
        self._refresh_call: Call | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_INTERVAL_MS)
        self.timer.timeout.connect(self._refresh_dirty)
        self._bridge.batchChanged.connect(self._batch_changed)
        self._unsubscribe = self._bridge.jobs.subscribe(self._job_changed)
        window.activity.batchOpenRequested.connect(self.open_batch)

    # ------------------------------------------------------------------ session
    def begin_session(self) -> Call:
        """Signed in (again): batches paused for a refused token carry on, batches left
        running by a quit carry on, and the Activity view lists the site's batches."""
        from desktop_app.app import batches

        site, user_id = self._window.site, self._window.user_id
        self._views.clear()
        self._dirty.clear()

        async def resume_and_list(services: Any) -> list[BatchView]:
            await batches.resume_running_batches(services, site, user_id)
            return await batches.list_batches(services, site, user_id)

        def listed(views: list[BatchView]) -> None:
            if self._window.site != site:
                return
            self._views = {v.batch_id: v for v in views}
            self._window.activity.model.set_batches(views)
            for batch_window in self.windows.values():
                batch_window.reload()
            self.batchesLoaded.emit()

        call = self._bridge.run(resume_and_list, site=site)
        call.then(listed, lambda err: log.info("the batches could not be listed: %s", err))
        self.timer.start()
        return call

    def running_batches(self) -> int:
        """Batches of this site running now (for the quit question)."""
        return sum(1 for v in self._views.values() if v.state is BatchState.RUNNING)

    def detach(self) -> None:
        """The main window closes: stop following, close the batch windows (the batches
        go on in the background until the app quits, and carry on the next time)."""
        self.timer.stop()
        self._unsubscribe()
        for batch_window in list(self.windows.values()):
            batch_window.close()
        if self.dialog is not None:
            self.dialog.close()

    # ------------------------------------------------------------------ the dialog
    def open_dialog(self) -> BulkExportDialog | None:
        """File › Bulk export… (Ctrl+B): the dialog for the signed-in site (raised if open)."""
        if self._window.session is None:
            self._window.statusBar().showMessage("Sign in to a Canvas site first.", 5000)
            return None
        if self.dialog is not None:
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        from desktop_app.ui.bulk_export_dialog import BulkExportDialog

        dialog = BulkExportDialog(self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.set_default_folder(Path(home_relative(self._default_folder())))  # "~/…": expanded on Start
        dialog.sourceChanged.connect(self._source_changed)
        dialog.accountChosen.connect(self._account_chosen)
        dialog.termChosen.connect(self._term_chosen)
        dialog.csvChosen.connect(self._csv_chosen)
        dialog.startRequested.connect(self._start)
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        self.dialog = dialog
        self._csv = None
        self._load_accounts()
        dialog.open()
        self.dialogOpened.emit(dialog)
        return dialog

    def _default_folder(self) -> Path:
        from desktop_app.engine.folders import site_folder_name
        from desktop_app.ui.main_window import DEMO_FOLDER

        session = self._window.session
        site_dir = DEMO_FOLDER if session is not None and session.demo else site_folder_name(self._window.site)
        return self._window.settings.download_dir / site_dir / BULK_FOLDER

    def _dialog_closed(self, dialog: BulkExportDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        for call in self._calls.values():
            call.cancel()
        self._calls.clear()

    def _ask(self, kind: str, fn: Any, busy: str, done: Any) -> Call:
        """Run a use case for the dialog: "busy" shown meanwhile; a failure said in the
        dialog; a newer question of the same kind replaces this one."""
        dialog = self.dialog
        old = self._calls.pop(kind, None)
        if old is not None:
            old.cancel()
        if dialog is not None and busy:
            dialog.set_busy(True, busy)

        def answered(result: Any) -> None:
            if self.dialog is dialog and dialog is not None:
                if busy:
                    dialog.set_busy(False)
                done(dialog, result)

        def failed(error: BaseException) -> None:
            from desktop_app.ui.errors_presenter import describe

            if self.dialog is dialog and dialog is not None:
                dialog.set_busy(False)
                dialog.set_error(describe(error).message)

        call = self._bridge.run(fn, site=self._window.site).then(answered, failed)
        self._calls[kind] = call
        return call

    def _load_accounts(self) -> None:
        """The accounts the user administers: none and "An account" stays off."""
        from desktop_app.app import batches

        site = self._window.site

        def got(accounts: list[Account]) -> None:
            self._accounts = {a.id: a for a in accounts}
            if self.dialog is not None:
                self.dialog.set_accounts(accounts)

        def none(error: BaseException) -> None:
            log.info("no accounts to offer: %s", error)
            if self.dialog is not None:
                self.dialog.set_accounts([])

        # quiet: a teacher is no admin, and this must not say "Loading…" over My courses
        call = self._bridge.run(lambda s: batches.admin_accounts(s, site), site=site).then(got, none)
        self._calls["accounts"] = call

    def _source_changed(self, source: str) -> None:
        from desktop_app.app import batches
        from desktop_app.ui.bulk_export_dialog import CourseSource

        if CourseSource(source) is CourseSource.MINE:
            site = self._window.site
            self._ask(
                "mine",
                lambda s: batches.my_courses(s, site),
                "Loading your courses…",
                lambda d, courses: d.set_courses(courses, source=CourseSource.MINE),
            )

    def _account_chosen(self, account_id: int) -> None:
        from desktop_app.app import batches

        account = self._accounts.get(account_id)
        if account is None:
            return
        site = self._window.site
        self._ask("terms", lambda s: batches.account_terms(s, site, account), "", lambda d, terms: d.set_terms(terms))
        self._load_account_courses(account_id, None)

    def _term_chosen(self, term_id: int | None) -> None:
        from desktop_app.ui.bulk_export_dialog import CourseSource

        dialog = self.dialog
        if dialog is None or dialog.source() is not CourseSource.ACCOUNT:
            return  # my courses are filtered by term in the dialog itself
        account_id = dialog.account_combo.currentData()
        if account_id is not None:
            self._load_account_courses(int(account_id), term_id)

    def _load_account_courses(self, account_id: int, term_id: int | None) -> None:
        from desktop_app.app import batches
        from desktop_app.ui.bulk_export_dialog import CourseSource

        site = self._window.site
        self._ask(
            "account courses",
            lambda s: batches.account_courses(s, site, account_id, term_id=term_id),
            "Loading the account's courses…",
            lambda d, courses: d.set_courses(courses, source=CourseSource.ACCOUNT),
        )

    def _csv_chosen(self, path: str) -> None:
        from desktop_app.app import batches

        async def read(_services: Any) -> CsvCourses:
            import asyncio

            return await asyncio.to_thread(batches.read_course_csv, Path(path))

        def got(dialog: BulkExportDialog, courses: CsvCourses) -> None:
            self._csv = (path, courses)
            dialog.set_csv_count(len(courses.targets), courses.extra_columns)
            dialog.set_csv_problems(courses.problems)

        self._ask("csv", read, "Reading the CSV file…", got)

    # ------------------------------------------------------------------ Start
    def _start(self, request: BulkRequest) -> None:
        """The dialog's Start: the batch is recorded and runs; the dialog closes and
        the batch's window opens."""
        from desktop_app.app import batches

        dialog = self.dialog
        if dialog is None:
            return
        try:
            plan = self._plan(request, dialog.source())
        except ValueError as error:  # BatchOptions' own checks, a CSV not read (the rest: start_batch)
            dialog.set_busy(False)
            dialog.set_error(str(error))
            return

        def started(d: BulkExportDialog, batch_id: int) -> None:
            d.accept()
            self.batchStarted.emit(batch_id)
            self.open_batch(batch_id)
            self._dirty.add(batch_id)
            self._refresh_dirty()

        self._ask("start", lambda s: batches.start_batch(s, plan), "Starting the batch…", started)

    def _plan(self, request: BulkRequest, source: CourseSource) -> BatchPlan:
        """A BatchPlan from what the dialog asked (ValueError says what is wrong)."""
        from desktop_app.app import batches
        from desktop_app.batch.model import BatchOptions
        from desktop_app.ui.bulk_export_dialog import CourseSource

        extra: tuple[str, ...] = ()
        if source is CourseSource.CSV:
            path = str(request.csv_path) if request.csv_path is not None else ""
            if self._csv is None or Path(self._csv[0]).expanduser() != Path(path):
                raise ValueError("Choose the CSV file again: it has not been read yet.")
            courses = self._csv[1]
            if courses.problems:
                raise ValueError("Fix the rows listed, then choose the file again.")
            targets, extra, what = list(courses.targets), courses.extra_columns, Path(path).name
        else:
            targets = [batches.target_of(c) for c in request.courses]
            what = "My courses" if source is CourseSource.MINE else self._account_words()
        options = BatchOptions(
            export_type=request.export_type.value,
            folder=request.folder,
            skip_notifications=request.skip_notifications,
            max_at_canvas=request.max_at_canvas,
            skip_within_days=request.skip_within_days,
            keep=request.keep,
        )
        return batches.BatchPlan(
            site=self._window.site,
            user_id=self._window.user_id,
            name=request.name,
            targets=targets,
            options=options,
            extra_columns=extra,
            source=what,
        )

    def _account_words(self) -> str:
        """ "Fall 2026 of College of Sciences": the account and the term shown."""
        dialog = self.dialog
        if dialog is None:
            return ""
        account = dialog.account_combo.currentText().strip()
        term = dialog.term_combo.currentText() if dialog.term_id() is not None else ""
        return f"{term} of {account}" if term else account

    # ------------------------------------------------------------------ batch windows
    def open_batch(self, batch_id: int) -> BatchWindow:
        """The batch's window: raised when open, else made and shown."""
        batch_window = self.windows.get(batch_id)
        if batch_window is not None:
            batch_window.raise_()
            batch_window.activateWindow()
        else:
            from desktop_app.ui.batch_window import BatchWindow

            batch_window = BatchWindow(self._bridge, batch_id, self._window)
            batch_window.viewChanged.connect(self._view_read)
            batch_window.destroyed.connect(lambda _o=None, b=batch_id: self.windows.pop(b, None))
            self.windows[batch_id] = batch_window
        batch_window.show()
        self.windowOpened.emit(batch_window)
        return batch_window

    # ------------------------------------------------------------------ the Activity's batch rows
    def _job_changed(self, view: JobView) -> None:
        if view.batch_id is not None and view.batch_id not in self.windows:
            self._dirty.add(view.batch_id)

    def _batch_changed(self, event: BatchChanged) -> None:
        if event.batch_id not in self.windows:
            self._dirty.add(event.batch_id)

    def _refresh_dirty(self) -> None:
        """Timer: read the header of the batches that changed (one read at a time)."""
        if not self._dirty or (self._refresh_call is not None and not self._refresh_call.done):
            return
        from desktop_app.app import batches

        ids, self._dirty = sorted(self._dirty), set()

        async def read(services: Any) -> list[BatchView]:
            return [await batches.batch_view(services, batch_id) for batch_id in ids]

        def got(views: list[BatchView]) -> None:
            for view in views:
                self._view_read(view)

        self._refresh_call = self._bridge.run(read).then(got, lambda err: log.info("batch unread: %s", err))

    def _view_read(self, view: BatchView) -> None:
        """A batch's header as just read: its Activity row, and a notice when it ended."""
        if view.site != self._window.site:
            return
        before = self._views.get(view.batch_id)
        self._views[view.batch_id] = view
        self._window.activity.model.update_batch(view)
        if before is not None and before.state is not BatchState.FINISHED and view.state is BatchState.FINISHED:
            from desktop_app.ui.activity_model import batch_totals

            failed = view.totals.failed > 0
            self._window.notifier.notify(
                "Bulk export finished with failures" if failed else "Bulk export finished",
                f"{view.name}: {batch_totals(view)}",
                ok=not failed,
            )
