"""The Activity view: every job of this Canvas site in one list, with its details.

Across courses, groups and My files, newest first: what (the context's name), type,
state with a progress bar, size, saved file and when it last changed. A state filter
(All / Running / Waiting / Interrupted / Failed / Saved) and a text filter narrow it.
The selected job's details (what was selected, ids, times, SHA-256, the full error and
what to do) show beside the list.

Actions, enabled by the selected jobs' states, the same as the history's. Several rows
can be selected (Ctrl/Shift+click, Shift+arrows): Resume, Retry, Stop watching and Remove
from list act on each selected job that allows it; Open file, Show in folder, Copy path
and Re-export on one job (the details pane shows the current row's):

    Open file        Ctrl+Return   (FileActions: says so when no program opens it)
    Show in folder   Shift+Alt+R
    Copy path        Ctrl+C
    Resume           Ctrl+Shift+R  resumeRequested(job_id)   interrupted or stopped (each)
    Retry            Ctrl+Shift+T  retryRequested(job_id)    failed or expired (each)
    Re-export        Ctrl+E        reexportRequested(JobView)
    Stop watching    Delete        stopRequested(job_id)     (each)
    Remove from list Shift+Del     forgetRequested([job_id, ...])  not running; asks once
                                                                 first when any could be resumed

A bulk export is one row (its jobs are not listed one by one): Enter or a double-click
on it asks for its batch window (`batchOpenRequested(batch_id)`); the job actions do
not apply to it.

The panel never runs anything itself: the window connects the signals to use cases.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop_app.app.activity import StateFilter
from desktop_app.app.batch_views import BatchView
from desktop_app.app.jobs import JobTracker, JobView
from desktop_app.canvas.models import ExportType
from desktop_app.ui.activity_model import ActivityColumn, ActivityFilterProxy, ActivityModel
from desktop_app.ui.details_pane import DetailsPane
from desktop_app.ui.file_actions import FileActions
from desktop_app.ui.job_actions import COPY_PATH, FORGET, RESUME, RETRY, SHOW_IN_FOLDER
from desktop_app.ui.progress_delegate import ProgressDelegate
from desktop_app.ui.search_field import FilterOnPause, search_field
from desktop_app.ui.table_base import row_action, row_table, select_index, select_source_row, size_columns
from desktop_app.ui.table_placeholder import TablePlaceholder

EMPTY_TEXT = "No exports yet on this Canvas site. Start one in the Export area."


class ActivityPanel(QWidget):
    """Filter bar and actions / the jobs table | the details pane."""

    resumeRequested = Signal(int)
    retryRequested = Signal(int)
    stopRequested = Signal(int)
    forgetRequested = Signal(object)  # the job ids to take off the list
    reexportRequested = Signal(object)  # the JobView
    currentJobChanged = Signal(object)  # JobView | None
    batchOpenRequested = Signal(int)  # a batch's row was activated (Enter, double-click)

    def __init__(self, tracker: JobTracker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activityPanel")
        self.model = ActivityModel(tracker, self)
        self.proxy = ActivityFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.files = FileActions(self)

        self.view = row_table(self, self.proxy, "Every export of this Canvas site")
        self.view.setObjectName("activityTable")
        # several rows at once: tidying the list after a term is a job for many of them
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setItemDelegateForColumn(
            ActivityColumn.STATE, ProgressDelegate(ActivityModel.ProgressRole, self.view)
        )
        size_columns(
            self.view,
            {
                ActivityColumn.WHAT: "Introduction to Programming",
                ActivityColumn.TYPE: "Common Cartridge",
                ActivityColumn.STATE: "Downloading 100%  ",
                ActivityColumn.SIZE: "999.9 MB",
                ActivityColumn.SAVED: "course-export.imscc",
                ActivityColumn.UPDATED: "2025-12-31 23:59",
            },
            padding=28,
        )
        # the name takes what is left, so the whole row fits without a horizontal scroll
        self.view.horizontalHeader().setSectionResizeMode(ActivityColumn.WHAT, QHeaderView.ResizeMode.Stretch)

        self.open_action = row_action(self.view, "Open file", "open", "Open the saved package", "Ctrl+Return")
        self.show_in_folder_action = row_action(self.view, *SHOW_IN_FOLDER)
        self.copy_path_action = row_action(self.view, *COPY_PATH)
        self.resume_action = row_action(self.view, *RESUME)
        self.retry_action = row_action(self.view, *RETRY)
        self.reexport_action = row_action(
            self.view, "Re-export", "reexport", "Start a new export of the same type and selection", "Ctrl+E"
        )
        self.stop_action = row_action(
            self.view,
            "Stop watching",
            "stop",
            "Stop following it here; Canvas cannot cancel it and finishes it on its own",
            QKeySequence(QKeySequence.StandardKey.Delete),
        )
        self.forget_action = row_action(self.view, *FORGET)
        self.forget_question: QMessageBox | None = None
        """The confirmation Remove from list asks for a job that could still be resumed."""
        self.open_action.triggered.connect(lambda: self._with_path(self.files.open_file))
        self.show_in_folder_action.triggered.connect(lambda: self._with_path(self.files.show_in_folder))
        self.copy_path_action.triggered.connect(lambda: self._with_path(self.files.copy_path))
        self.resume_action.triggered.connect(lambda: self._with_jobs(lambda v: v.can_resume, self.resumeRequested))
        self.retry_action.triggered.connect(lambda: self._with_jobs(lambda v: v.can_retry, self.retryRequested))
        self.stop_action.triggered.connect(lambda: self._with_jobs(lambda v: v.is_watching, self.stopRequested))
        self.reexport_action.triggered.connect(self._reexport)
        self.forget_action.triggered.connect(self._forget)
        self.row_actions = (
            self.open_action,
            self.show_in_folder_action,
            self.copy_path_action,
            self.resume_action,
            self.retry_action,
            self.reexport_action,
            self.stop_action,
            self.forget_action,
        )

        self.state_combo = QComboBox(self)
        self.state_combo.setAccessibleName("Show exports in this state")
        self.state_combo.setToolTip("Show only exports in this state")
        for state in StateFilter:
            self.state_combo.addItem(state.label, state)
        self.state_combo.currentIndexChanged.connect(lambda _i: self.set_state_filter(self.state_combo.currentData()))
        self.filter_edit = search_field(
            self,
            "Filter",
            "Filter exports",
            "Show only exports whose course, type, state or file name contains this text",
        )
        self.filter_edit.setMaximumWidth(220)
        self._filter_pause = FilterOnPause(self.filter_edit, self.set_filter_text, 150)

        self.toolbar = QToolBar("Activity actions", self)
        self.toolbar.setAccessibleName("Activity actions")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.setIconSize(QSize(18, 18))
        for action in self.row_actions:
            self.toolbar.addAction(action)
        spacer = QWidget(self.toolbar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.toolbar.addWidget(spacer)
        self.toolbar.addWidget(QLabel("Show ", self.toolbar))
        self.toolbar.addWidget(self.state_combo)
        self.toolbar.addWidget(self.filter_edit)

        self.details = DetailsPane(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("activitySplitter")
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.splitter, 1)
        self.setFocusProxy(self.view)

        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.activated.connect(self._activated)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._current_changed())
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._current_changed())
        self.placeholder = TablePlaceholder(self.view, self.proxy, self.model, EMPTY_TEXT, "activityPlaceholder")
        self.model.dataChanged.connect(self._row_data_changed)
        self._update_actions()
        self.placeholder.refresh()

    # ------------------------------------------------------------------ construction
    # ------------------------------------------------------------------ public API
    def set_site(self, site: str) -> None:
        self.model.set_site(site)

    def set_titles(self, titles: dict[str, str]) -> None:
        self.model.set_titles(titles)
        self._current_changed()

    def set_state_filter(self, state: StateFilter) -> None:
        self.proxy.set_state(state)
        index = self.state_combo.findData(state)
        if index >= 0 and index != self.state_combo.currentIndex():
            self.state_combo.setCurrentIndex(index)
        self.placeholder.refresh()
        self._current_changed()

    def set_filter_text(self, text: str) -> None:
        self._filter_pause.show_text(text)
        self.proxy.set_text(text)
        self.placeholder.refresh()
        self._current_changed()

    def current_job(self) -> JobView | None:
        index = self.view.selectionModel().currentIndex()
        if not index.isValid() or not self.view.selectionModel().isRowSelected(index.row(), QModelIndex()):
            return None
        return index.data(ActivityModel.JobRole)

    def selected_jobs(self) -> list[JobView]:
        """The jobs of the selected rows, top to bottom (a batch's row is not a job)."""
        rows = sorted(index.row() for index in self.view.selectionModel().selectedRows())
        jobs = (self.proxy.index(row, 0).data(ActivityModel.JobRole) for row in rows)
        return [job for job in jobs if job is not None]

    def select_job(self, job_id: int) -> bool:
        return select_source_row(self.view, self.proxy, self.model.row_for_job(job_id))

    def visible_jobs(self) -> list[JobView]:
        """The jobs shown, top to bottom (tests, screenshots)."""
        rows = (self.proxy.index(r, 0).data(ActivityModel.JobRole) for r in range(self.proxy.rowCount()))
        return [job for job in rows if job is not None]

    def visible_batches(self) -> list[BatchView]:
        """The batches shown, top to bottom."""
        rows = (self.proxy.index(r, 0).data(ActivityModel.BatchRole) for r in range(self.proxy.rowCount()))
        return [batch for batch in rows if batch is not None]

    def select_batch(self, batch_id: int) -> bool:
        return select_source_row(self.view, self.proxy, self.model.row_for_batch(batch_id))

    def build_context_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for action in self.row_actions[:3]:
            menu.addAction(action)
        menu.addSeparator()
        for action in self.row_actions[3:-1]:
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.forget_action)
        default = self._default_action()
        if default is not None:
            menu.setDefaultAction(default)
        return menu

    # ------------------------------------------------------------------ behaviour
    def _row_data_changed(self, top_left: QModelIndex, _bottom_right: QModelIndex, _roles: object = None) -> None:
        current = self.current_job()
        if current is not None and self.model.row_for_job(current.job_id) == top_left.row():
            self._current_changed()
        if self.proxy.state() is not StateFilter.ALL:
            self.placeholder.refresh()

    def _current_changed(self) -> None:
        self._update_actions()
        self.currentJobChanged.emit(self.current_job())

    def _update_actions(self) -> None:
        jobs = self.selected_jobs()
        job = self.current_job() if len(jobs) == 1 else None  # the actions on one file: one job
        has_file = bool(job and job.saved_path)
        for action in (self.open_action, self.show_in_folder_action, self.copy_path_action):
            action.setEnabled(has_file)
        self.resume_action.setEnabled(any(j.can_resume for j in jobs))
        self.retry_action.setEnabled(any(j.can_retry for j in jobs))
        self.stop_action.setEnabled(any(j.is_watching for j in jobs))
        self.forget_action.setEnabled(any(j.can_forget for j in jobs))
        self.reexport_action.setEnabled(
            bool(job and job.export_id is not None and job.export_type in {t.value for t in ExportType})
        )

    def _activated(self, index: QModelIndex) -> None:
        batch = index.data(ActivityModel.BatchRole)
        if batch is not None:
            self.batchOpenRequested.emit(batch.batch_id)
            return
        default = self._default_action()
        if default is not None:
            default.trigger()

    def _default_action(self) -> QAction | None:
        for action in (self.open_action, self.resume_action, self.retry_action):
            if action.isEnabled():
                return action
        return None

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not self.view.selectionModel().isRowSelected(index.row(), QModelIndex()):
            select_index(self.view, index)  # on a selected row, the menu is for the whole selection
        self.build_context_menu().popup(self.view.viewport().mapToGlobal(pos))

    def _single_job(self) -> JobView | None:
        """The job the actions on one file act on: the selected one, when it is alone."""
        return self.current_job() if len(self.selected_jobs()) == 1 else None

    def _with_path(self, act) -> None:  # type: ignore[no-untyped-def]
        job = self._single_job()
        if job is not None and job.saved_path:
            act(job.saved_path)

    def _with_jobs(self, allowed, signal) -> None:  # type: ignore[no-untyped-def]
        for job in self.selected_jobs():
            if allowed(job):
                signal.emit(job.job_id)

    def _reexport(self) -> None:
        job = self._single_job()
        if job is not None and job.export_id is not None:
            self.reexportRequested.emit(job)

    def _forget(self) -> None:
        """Remove from list, for every selected job that is not running: at once when all
        of them are over; when any could still be resumed (interrupted, stopped), one
        question first, since removing it ends that."""
        jobs = [job for job in self.selected_jobs() if job.can_forget]
        job_ids = [job.job_id for job in jobs]
        resumable = [job for job in jobs if job.can_resume]
        if not resumable:
            if job_ids:
                self.forgetRequested.emit(job_ids)
            return
        if len(jobs) == 1:
            question = f"Remove this unfinished export of {self.model.title_of(jobs[0])} from the list?"
            why = "It can still be resumed; once removed, it cannot."
        else:
            question = f"Remove these {len(jobs)} exports from the list?"
            why = f"{len(resumable)} of them can still be resumed; once removed, {'it' if len(resumable) == 1 else 'they'} cannot."
        box = QMessageBox(
            QMessageBox.Icon.Question, "Remove from list", question, QMessageBox.StandardButton.Cancel, self
        )
        box.setInformativeText(
            f"{why} Nothing is deleted: what was downloaded so far stays in its folder, and the export stays at Canvas."
        )
        remove = box.addButton("Remove from list", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(_result: int) -> None:
            if box.clickedButton() is remove:
                self.forgetRequested.emit(job_ids)
            self.forget_question = None

        box.finished.connect(answered)
        self.forget_question = box
        box.open()
