"""The export history panel: a sortable table of exports with actions.

Actions (buttons, context menu, keyboard; enabled by the selected row's state):

    Download             Ctrl+D        downloadRequested(export_id) (asks first when saved already)
    Open file            Ctrl+Return   openFileRequested(path), then opens it
    Show in folder       Shift+Alt+R   showInFolderRequested(path), then opens the folder
    Copy path            Ctrl+C        copies the saved path; pathCopied(path)
    Re-export            Ctrl+E        reexportRequested(export_id)
    Resume               Ctrl+Shift+R  resumeRequested(job_id)   interrupted or stopped
    Retry                Ctrl+Shift+T  retryRequested(job_id)    failed or expired
    Stop watching        Delete        stopRequested(job_id)
    Refresh              F5            refreshRequested()

Enter or a double-click runs the row's default action: Open file when the package is
saved, else Download. Shortcuts are bound to the table (``WidgetWithChildrenShortcut``),
so they cannot clash with the window's own shortcuts.

Opening files and folders goes through an injectable ``url_opener`` (default
``QDesktopServices.openUrl``) so tests and the shell can replace it; when it fails (no
program opens ``.imscc`` files) :class:`~desktop_app.ui.file_actions.FileActions` says so
and offers Show in folder and Copy path. An empty history says how to fill it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QMenu,
    QSizePolicy,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.file_actions import FileActions, UrlOpener
from desktop_app.ui.history_model import Column, HistoryModel, HistoryProxyModel, HistoryRow
from desktop_app.ui.job_actions import COPY_PATH, RESUME, RETRY, SHOW_IN_FOLDER
from desktop_app.ui.progress_delegate import ProgressDelegate
from desktop_app.ui.search_field import FilterOnPause, search_field
from desktop_app.ui.style import use_readable_sort_arrows
from desktop_app.ui.table_base import row_action, row_table, select_index, select_source_row, size_columns
from desktop_app.ui.table_placeholder import TablePlaceholder

EMPTY_TEXT = "No exports yet — start one above."
NOTHING_CHOSEN_TEXT = "Choose a course, a group or My files to see its exports."


class HistoryPanel(QWidget):
    """Table + actions. See the module docstring for signals and shortcuts.

    Public API:
        model: HistoryModel, proxy: HistoryProxyModel, view: QTableView
        actions: download_action, open_action, show_in_folder_action, copy_path_action,
                 reexport_action, stop_action, refresh_action (add them to menus freely)
        current_row() -> HistoryRow | None
        focus_table()                 the keyboard in the table, on a row (Ctrl+3)
        select_export(export_id) -> bool
        set_url_opener(callable(QUrl) -> bool)
        set_filter_text(str)
    Signals: downloadRequested(int), openFileRequested(str), showInFolderRequested(str),
        pathCopied(str), reexportRequested(int), stopRequested(int), refreshRequested(),
        currentRowChanged()
    """

    downloadRequested = Signal(int)
    downloadQuestion = Signal(object)  # the box asking before a second copy of a saved export (shown)
    openFileRequested = Signal(str)
    viewContentsRequested = Signal(str)  # the saved package's path: the window opens the package viewer
    showInFolderRequested = Signal(str)
    pathCopied = Signal(str)
    reexportRequested = Signal(int)
    resumeRequested = Signal(int)
    retryRequested = Signal(int)
    stopRequested = Signal(int)
    refreshRequested = Signal()
    currentRowChanged = Signal()

    FILTER_DELAY_MS = 150
    """Typing refilters after this pause: one pass over 5,000 rows is ~25 ms."""

    RELATIVE_TIME_REFRESH_MS = 10 * 60 * 1000
    """"in N days" changes at midnight; a ten-minute timer keeps it right cheaply."""

    def __init__(self, parent: QWidget | None = None, model: HistoryModel | None = None) -> None:
        super().__init__(parent)
        self.model = model or HistoryModel(self)
        self.proxy = HistoryProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.files = FileActions(self)

        self.view = row_table(self, self.proxy, "Export history")
        self.view.setItemDelegateForColumn(Column.STATE, ProgressDelegate(HistoryModel.ProgressRole, self.view))
        header = self.view.horizontalHeader()
        use_readable_sort_arrows(header)  # newest first shows a down arrow
        header.setSectionsMovable(True)
        header.setStretchLastSection(True)
        self._set_initial_widths()
        # The indicator first: enabling sorting sorts by whatever the indicator shows.
        header.setSortIndicator(self.model.sort_column(), self.model.sort_order())
        self.view.setSortingEnabled(True)

        self.download_action = row_action(
            self.view, "Download", "download", "Download this export's package", QKeySequence("Ctrl+D")
        )
        self.open_action = row_action(
            self.view, "Open file", "open", "Open the saved package (Enter)", QKeySequence("Ctrl+Return")
        )
        self.show_in_folder_action = row_action(self.view, *SHOW_IN_FOLDER)
        self.copy_path_action = row_action(self.view, *COPY_PATH)
        self.reexport_action = row_action(
            self.view,
            "Re-export",
            "reexport",
            "Start a new export of the same type (with the same selection when this app started it)",
            QKeySequence("Ctrl+E"),
        )
        self.resume_action = row_action(self.view, *RESUME)
        self.retry_action = row_action(self.view, *RETRY)
        self.stop_action = row_action(
            self.view,
            "Stop watching",
            "stop",
            "Stop following this export here; Canvas cannot cancel it and will finish it on its own",
            QKeySequence(QKeySequence.StandardKey.Delete),
        )
        self.view_contents_action = row_action(
            self.view,
            "View contents",
            "archive",
            "Read what the saved package holds, offline, and check the selection landed",
            QKeySequence("Ctrl+Shift+V"),
        )
        self.refresh_action = row_action(
            self.view,
            "Refresh",
            "refresh",
            "Reload the list of exports from Canvas",
            QKeySequence(QKeySequence.StandardKey.Refresh),
        )
        self.download_action.triggered.connect(self._download)
        self.open_action.triggered.connect(self._open_file)
        self.view_contents_action.triggered.connect(self._view_contents)
        self.show_in_folder_action.triggered.connect(self._show_in_folder)
        self.copy_path_action.triggered.connect(self._copy_path)
        self.reexport_action.triggered.connect(self._reexport)
        self.stop_action.triggered.connect(self._stop)
        self.resume_action.triggered.connect(self._resume)
        self.retry_action.triggered.connect(self._retry)
        self.refresh_action.triggered.connect(self.refreshRequested.emit)
        self._row_actions = (
            self.download_action,
            self.open_action,
            self.show_in_folder_action,
            self.copy_path_action,
            self.reexport_action,
            self.resume_action,
            self.retry_action,
            self.stop_action,
        )
        self.toolbar_extra = (self.view_contents_action,)

        self.filter_edit = search_field(
            self,
            "Filter exports",
            "Filter exports",
            "Show only exports whose id, type, state, creator or file name contains this text",
        )
        self.filter_edit.setMaximumWidth(260)
        self._filter_pause = FilterOnPause(self.filter_edit, self.set_filter_text, self.FILTER_DELAY_MS)

        # A toolbar, not a row of buttons: when the panel is narrow, the actions that do
        # not fit move into the toolbar's overflow menu instead of squeezing the table.
        self.toolbar = QToolBar("Export actions", self)
        self.toolbar.setAccessibleName("Export actions")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.setIconSize(QSize(18, 18))
        for action in (*self._row_actions[:2], self.view_contents_action, *self._row_actions[2:]):
            self.toolbar.addAction(action)
        for action in (
            self.show_in_folder_action,
            self.copy_path_action,
            self.view_contents_action,
            self.resume_action,
            self.retry_action,
            self.stop_action,
        ):
            button = self.toolbar.widgetForAction(action)
            if isinstance(button, QToolButton):  # the tooltip names it; the row stays short enough to show the filter
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        spacer = QWidget(self.toolbar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.toolbar.addWidget(spacer)
        self.toolbar.addWidget(self.filter_edit)
        self.toolbar.addAction(self.refresh_action)
        refresh_button = self.toolbar.widgetForAction(self.refresh_action)
        if isinstance(refresh_button, QToolButton):
            refresh_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.view, 1)

        self.placeholder = TablePlaceholder(
            self.view, self.proxy, self.model, NOTHING_CHOSEN_TEXT, "historyPlaceholder"
        )

        self.setFocusProxy(self.view)  # keyboard users land in the table, where the shortcuts live
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.activated.connect(self._activated)
        self.view.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.view.selectionModel().selectionChanged.connect(self._on_current_changed)
        for signal in (
            self.model.dataChanged,
            self.model.layoutChanged,
            self.model.modelReset,
            self.model.rowsInserted,
            self.model.rowsRemoved,
        ):
            signal.connect(self._update_actions)

        self._clock = QTimer(self)
        self._clock.setInterval(self.RELATIVE_TIME_REFRESH_MS)
        self._clock.timeout.connect(self.model.refresh_relative_times)
        self._clock.start()
        self._update_actions()
        self.placeholder.refresh()

    # ------------------------------------------------------------------ construction
    def _set_initial_widths(self) -> None:
        """Widths from the font, not from the data: measuring 5,000 rows would stall."""
        size_columns(
            self.view,
            {
                Column.ID: "0000000",
                Column.STARTED: "2025-12-31 23:59",
                Column.BY: "Firstname Lastname",
                Column.TYPE: "Common Cartridge",
                Column.STATE: "Downloading 100%  ",
                Column.SIZE: "999.9 MB",
                Column.EXPIRES: "in 30 days",
                Column.SAVED: "course-export.imscc",
            },
            padding=28,
        )

    # ------------------------------------------------------------------ public API
    def set_url_opener(self, opener: UrlOpener | None) -> None:
        """Replace ``QDesktopServices.openUrl`` (tests, sandboxes); None restores it."""
        self.files.set_opener(opener)

    def set_filter_text(self, text: str) -> None:
        """Filter now (typing in the box filters after a short pause)."""
        self._filter_pause.show_text(text)
        self.proxy.set_text_filter(text)
        self._update_actions()
        self.placeholder.refresh()

    def current_row(self) -> HistoryRow | None:
        index = self.view.selectionModel().currentIndex()
        if not index.isValid() or not self.view.selectionModel().isRowSelected(index.row(), QModelIndex()):
            return None
        return index.data(HistoryModel.RowRole)

    def set_context_chosen(self, chosen: bool) -> None:
        """An empty table says what to do next: choose a context first, or start an export."""
        self.placeholder.set_empty_text(EMPTY_TEXT if chosen else NOTHING_CHOSEN_TEXT)

    def focus_table(self) -> None:
        """Put the keyboard in the table (Ctrl+3) on a row: the current one, or the
        first when none is current, so Enter and the row shortcuts act at once."""
        self.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if self.current_row() is None and self.proxy.rowCount() > 0:
            select_index(self.view, self.proxy.index(0, 0))

    def select_export(self, export_id: int) -> bool:
        """Select (and scroll to) the row of ``export_id``; False if it is not shown."""
        return select_source_row(self.view, self.proxy, self.model.row_for_export(export_id))

    # ------------------------------------------------------------------ behaviour
    def _on_current_changed(self) -> None:
        self._update_actions()
        self.currentRowChanged.emit()

    def _update_actions(self) -> None:
        row = self.current_row()
        self.download_action.setEnabled(bool(row and row.can_download))
        has_file = bool(row and row.saved_path)
        for action in (self.open_action, self.show_in_folder_action, self.copy_path_action, self.view_contents_action):
            action.setEnabled(has_file)
        self.reexport_action.setEnabled(bool(row and row.can_reexport and row.export_id is not None))
        self.resume_action.setEnabled(bool(row and row.can_resume))
        self.retry_action.setEnabled(bool(row and row.can_retry))
        self.stop_action.setEnabled(bool(row and row.can_stop))

    def _context_menu(self, pos: QPoint) -> None:
        select_index(self.view, self.view.indexAt(pos))
        menu = self.build_context_menu()
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def build_context_menu(self) -> QMenu:
        """The context menu for the current row (public so tests can inspect it)."""
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for action in self._row_actions[:4]:
            menu.addAction(action)
        menu.addAction(self.view_contents_action)
        menu.addSeparator()
        menu.addAction(self.reexport_action)
        menu.addAction(self.resume_action)
        menu.addAction(self.retry_action)
        menu.addAction(self.stop_action)
        menu.addSeparator()
        menu.addAction(self.refresh_action)
        default = self._default_action()
        if default is not None:
            menu.setDefaultAction(default)
        return menu

    def _default_action(self) -> QAction | None:
        if self.open_action.isEnabled():
            return self.open_action
        if self.download_action.isEnabled():
            return self.download_action
        return None

    def _activated(self, _index: QModelIndex) -> None:
        self._update_actions()
        action = self._default_action()
        if action is not None:
            action.trigger()

    def _download(self) -> None:
        """Download; for an export already saved here, ask first: most people want the
        file they have, not a second copy named `… (2)`."""
        row = self.current_row()
        if not (row and row.can_download and row.export_id is not None):
            return
        if row.saved_path and Path(row.saved_path).is_file():
            self._ask_before_another_copy(row.export_id, row.saved_path)
        else:
            self.downloadRequested.emit(row.export_id)

    def _ask_before_another_copy(self, export_id: int, saved: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Download",
            f"Export {export_id} is already saved as {Path(saved).name}.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("downloadAgainQuestion")
        box.setInformativeText("Open that file, or save another copy beside it?")
        open_it = box.addButton("Open file", QMessageBox.ButtonRole.AcceptRole)
        another = box.addButton("Save another copy", QMessageBox.ButtonRole.ActionRole)
        box.setDefaultButton(open_it)

        def answered() -> None:
            if box.clickedButton() is open_it:
                self._open_file()
            elif box.clickedButton() is another:
                self.downloadRequested.emit(export_id)

        box.finished.connect(answered)
        box.open()
        self.downloadQuestion.emit(box)

    def _open_file(self) -> None:
        row = self.current_row()
        if row and row.saved_path:
            self.openFileRequested.emit(row.saved_path)
            self.files.open_file(row.saved_path)

    def _view_contents(self) -> None:
        row = self.current_row()
        if row and row.saved_path:
            self.viewContentsRequested.emit(row.saved_path)

    def _show_in_folder(self) -> None:
        row = self.current_row()
        if row and row.saved_path:
            self.showInFolderRequested.emit(row.saved_path)
            self.files.show_in_folder(row.saved_path)

    def _copy_path(self) -> None:
        row = self.current_row()
        if row and row.saved_path:
            QGuiApplication.clipboard().setText(row.saved_path)
            self.pathCopied.emit(row.saved_path)

    def _reexport(self) -> None:
        row = self.current_row()
        if row and row.can_reexport and row.export_id is not None:
            self.reexportRequested.emit(row.export_id)

    def _resume(self) -> None:
        row = self.current_row()
        if row and row.can_resume and row.job is not None:
            self.resumeRequested.emit(row.job.job_id)

    def _retry(self) -> None:
        row = self.current_row()
        if row and row.can_retry and row.job is not None:
            self.retryRequested.emit(row.job.job_id)

    def _stop(self) -> None:
        row = self.current_row()
        if row and row.can_stop and row.job is not None:
            self.stopRequested.emit(row.job.job_id)
