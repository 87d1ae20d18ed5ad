"""A bulk export's own window: the batch panel, kept live while the batch runs.

One non-modal top-level window per batch (the bulk-export controller reuses an open
one). It fills itself with `batch_rows` + `batch_view`, then follows the batch without
ever re-reading it whole for a course that changed:

- a job of the batch changes in the tracker (engine events): its course's row, and
  any row skipped as the same course (it follows that job), is brought up to date
  with `row_with_job`, no read at all;
- the runner says rows changed (`BatchChanged` with positions: skipped, could not
  start, a job started): only those rows are read again (`batch_rows_at`);
- the runner says the batch's state changed (`BatchChanged` without positions, or
  Pause/Resume/Retry answered): the rows and the header are read again, rows that did
  not change are left alone (the selection and the scroll stay).

Both kinds of change are coalesced: rows at most every `ROWS_INTERVAL_MS`, the header
(totals, time left) at most every `HEADER_INTERVAL_MS`, computed on the engine thread
from the rows shown. With 20 exports running and 5,000 rows the GUI thread does a few
`dataChanged` per tick. A read answers with the state of when it was asked: job views
that came after that are applied on top of it, so a late answer never takes a row back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop_app.app.batch_views import BatchRowView, BatchView
from desktop_app.app.jobs import JobView
from desktop_app.ui.batch_view import BatchPanel
from desktop_app.ui.bridge import Call, EngineBridge
from desktop_app.ui.window_keys import add_close_shortcut

if TYPE_CHECKING:
    from desktop_app.batch.events import BatchChanged
    from desktop_app.ui.errors_presenter import ErrorPresenter

log = logging.getLogger(__name__)

ROWS_INTERVAL_MS = 100
HEADER_INTERVAL_MS = 1000


class BatchWindow(QWidget):
    """See the module docstring. Signals: `viewChanged(BatchView)` after every header
    read (the Activity row follows it), `loaded()` once the rows are shown."""

    viewChanged = Signal(object)
    loaded = Signal()

    def __init__(self, bridge: EngineBridge, batch_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName(f"batchWindow{batch_id}")
        self.setWindowTitle("Bulk export")
        self.bridge = bridge
        self.batch_id = batch_id
        self.panel = BatchPanel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.panel)
        self.setFocusProxy(self.panel.view)
        self.close_action = add_close_shortcut(self)

        self._job_positions: dict[int, set[int]] = {}  # job id -> positions of the rows showing it
        self._live: dict[int, tuple[float, JobView]] = {}  # job id -> (when it came, its latest view)
        self._pending_jobs: dict[int, JobView] = {}
        self._pending_positions: set[int] = set()
        self._whole_due = True
        self._header_due = False
        self._rows_call: Call | None = None
        self._header_call: Call | None = None
        self._closed = False
        self.presenter: ErrorPresenter | None = None  # message boxes of this window, made on first use

        self.rows_timer = QTimer(self)
        self.rows_timer.setSingleShot(True)
        self.rows_timer.setInterval(ROWS_INTERVAL_MS)
        self.rows_timer.timeout.connect(self._flush_rows)
        self.header_timer = QTimer(self)
        self.header_timer.setInterval(HEADER_INTERVAL_MS)
        self.header_timer.timeout.connect(self._refresh_header)
        self.header_timer.start()

        self._unsubscribe = bridge.jobs.subscribe(self._job_changed)
        bridge.batchChanged.connect(self._batch_changed)
        self.panel.pauseRequested.connect(lambda b: self._steer(b, "pause"))
        self.panel.resumeRequested.connect(lambda b: self._steer(b, "resume"))
        self.panel.retryFailedRequested.connect(lambda b: self._steer(b, "retry"))
        self.resize(QSize(1100, 640))
        self._flush_rows()

    # ------------------------------------------------------------------ public
    def batch(self) -> BatchView | None:
        return self.panel.batch()

    def reload(self) -> None:
        """Read the rows and the header again (the rows that did not change stay)."""
        self._whole_due = True
        self._schedule_rows()

    # ------------------------------------------------------------------ changes coming in
    def _job_changed(self, view: JobView) -> None:
        """The tracker's observer: every job's change, so keep it cheap."""
        if view.batch_id != self.batch_id:
            return
        self._live[view.job_id] = (time.monotonic(), view)
        self._pending_jobs[view.job_id] = view
        self._header_due = True
        self._schedule_rows()

    def _batch_changed(self, event: BatchChanged) -> None:
        if event.batch_id != self.batch_id:
            return
        if event.positions:
            self._pending_positions.update(event.positions)
        else:
            self._whole_due = True
        self._header_due = True
        self._schedule_rows()

    def _schedule_rows(self) -> None:
        if not self.rows_timer.isActive() and not self._closed:
            self.rows_timer.start()

    # ------------------------------------------------------------------ rows
    def _flush_rows(self) -> None:
        """Apply the job views that came, and read the rows the runner named (one read
        at a time; what comes meanwhile waits for the next tick)."""
        from desktop_app.app.batches import row_with_job

        jobs, self._pending_jobs = self._pending_jobs, {}
        for view in jobs.values():
            for position in sorted(self._job_positions.get(view.job_id, ())):
                row = self._row(position)
                if row is not None and row.package_job_id == view.job_id:
                    updated = row_with_job(row, view)
                    if updated != row:
                        self.panel.update_row(updated)
        if self._rows_call is not None and not self._rows_call.done:
            return  # read again when it has answered (see _read_rows)
        if self._whole_due:
            self._whole_due = False
            self._pending_positions.clear()
            self._read_whole()
        elif self._pending_positions:
            positions, self._pending_positions = sorted(self._pending_positions), set()
            self._read_rows(positions)

    def _read_whole(self) -> None:
        from desktop_app.app import batches

        batch_id, asked = self.batch_id, time.monotonic()

        async def read(services: Any) -> tuple[BatchView, list[BatchRowView]]:
            rows = await batches.batch_rows(services, batch_id)
            return await batches.batch_view(services, batch_id, rows), rows

        def got(result: tuple[BatchView, list[BatchRowView]]) -> None:
            view, rows = result
            rows = [self._with_live(r, asked) for r in rows]
            first = self.panel.batch() is None or len(rows) != self.panel.model.rowCount()
            if first:
                self.panel.show_batch(view, rows)
            else:
                self._replace_rows(rows)
                self.panel.update_batch(view)
            self._job_positions = {}
            self._note_jobs(rows)
            self._show_view(view)
            if first:
                self.loaded.emit()

        self._rows_call = self.bridge.run(read).then(got, self._read_failed)
        self._rows_call.finished.connect(self._after_read)

    def _read_rows(self, positions: list[int]) -> None:
        from desktop_app.app import batches

        batch_id, asked = self.batch_id, time.monotonic()

        def got(rows: list[BatchRowView]) -> None:
            self._replace_rows(self._with_live(r, asked) for r in rows)

        self._rows_call = self.bridge.run(lambda s: batches.batch_rows_at(s, batch_id, positions))
        self._rows_call.then(got, self._read_failed)
        self._rows_call.finished.connect(self._after_read)

    def _after_read(self) -> None:
        if self._whole_due or self._pending_positions or self._pending_jobs:
            self._schedule_rows()

    def _replace_rows(self, rows: Iterable[BatchRowView]) -> None:
        rows = list(rows)
        self._note_jobs(rows)
        for row in rows:
            if self._row(row.position) != row:
                self.panel.update_row(row)

    def _note_jobs(self, rows: Iterable[BatchRowView]) -> None:
        """Remember which rows show which job (a row left for another job is skipped by
        the check in `_flush_rows`)."""
        for row in rows:
            if row.package_job_id is not None:
                self._job_positions.setdefault(row.package_job_id, set()).add(row.position)

    def _with_live(self, row: BatchRowView, asked: float) -> BatchRowView:
        """A row as read, with its job's view applied when that came after the read was asked."""
        from desktop_app.app.batches import row_with_job

        live = self._live.get(row.package_job_id) if row.package_job_id is not None else None
        return row_with_job(row, live[1]) if live is not None and live[0] > asked else row

    def _row(self, position: int) -> BatchRowView | None:
        at = self.panel.model.model_row_of(position)
        return self.panel.model.row_at(at) if at is not None else None

    def _read_failed(self, error: BaseException) -> None:
        from desktop_app.ui.errors_presenter import describe

        log.info("batch %s could not be read: %s", self.batch_id, error)
        if self.panel.batch() is None:
            self.panel.name_label.setText(describe(error).message)

    # ------------------------------------------------------------------ header
    def _refresh_header(self) -> None:
        """Timer: the totals and the time left, from the rows shown, once something changed."""
        if not self._header_due or self.panel.batch() is None:
            return
        if self._header_call is not None and not self._header_call.done:
            return
        from desktop_app.app import batches

        self._header_due = False
        batch_id, rows = self.batch_id, self.panel.model.rows()
        self._header_call = self.bridge.run(lambda s: batches.batch_view(s, batch_id, rows))
        self._header_call.then(self._header_read, lambda err: log.info("batch header unread: %s", err))

    def _header_read(self, view: BatchView) -> None:
        self.panel.update_batch(view)
        self._show_view(view)

    def _show_view(self, view: BatchView) -> None:
        self.setWindowTitle(f"{view.name} — Bulk export")
        self.viewChanged.emit(view)

    # ------------------------------------------------------------------ actions
    def _steer(self, batch_id: int, what: str) -> Call:
        """Pause, Resume or Retry failed; then the batch is read again (a pause changes
        its state without a runner event)."""
        from desktop_app.app import batches

        actions = {
            "pause": (batches.pause_batch, "Pausing the bulk export…", "Could not pause the bulk export"),
            "resume": (batches.resume_batch, "Resuming the bulk export…", "Could not resume the bulk export"),
            "retry": (batches.retry_failed, "Trying the failed courses again…", "Could not retry the failed courses"),
        }
        use_case, label, failure = actions[what]
        call = self.bridge.run(lambda s: use_case(s, batch_id), label=label, site=self._site())
        call.then(lambda _r: self.reload(), lambda err: self._present(err, failure))
        return call

    def _site(self) -> str:
        view = self.panel.batch()
        return view.site if view is not None else ""

    def _present(self, error: BaseException, title: str) -> None:
        from desktop_app.ui.errors_presenter import ErrorPresenter

        if self.presenter is None:
            self.presenter = ErrorPresenter(self)
        self.presenter.present(error, title)

    # ------------------------------------------------------------------ closing
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.detach()
        super().closeEvent(event)

    def detach(self) -> None:
        """Stop following the batch (the window closes; the batch goes on)."""
        if self._closed:
            return
        self._closed = True
        self._unsubscribe()
        self.bridge.batchChanged.disconnect(self._batch_changed)
        self.rows_timer.stop()
        self.header_timer.stop()
        for call in (self._rows_call, self._header_call):
            if call is not None:
                call.cancel()
