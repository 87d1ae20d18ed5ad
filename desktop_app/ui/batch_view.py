"""The batch view: one bulk export (issue #14), its totals, its courses and its actions.

    header     the batch's name, its state ("Running", "Paused: sign in again"), and
               "412 saved · 5 running · 80 waiting · 3 failed · 12.4 GB · about 6 min left"
    filter     All / Saved / Running / Waiting / Failed, each with its count
    table      one row per course (`BatchRowsModel`), a progress bar while it runs
    buttons    Pause            pauseRequested(batch_id)        while the batch runs
               Resume           resumeRequested(batch_id)       paused, or waiting for a sign-in
               Retry failed     retryFailedRequested(batch_id)  when a course failed
               Open folder      the batch's folder (FileActions)
               Open report      report.csv (FileActions), once it is written

The panel never runs anything itself: the window connects the three signals to the
application layer's `pause_batch`, `resume_batch` and `retry_failed`, and feeds it
`show_batch` (a batch chosen), `update_batch` (its header changed) and `update_row` (a
course changed). Another process running the batch (a second window, a scheduled
`batch resume`) disables the three actions: this window cannot steer it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop_app.app.batch_views import BatchRowView, BatchState, BatchTotals, BatchView, RowGroup
from desktop_app.sizes import human_size
from desktop_app.ui.batch_model import BATCH_ORDER, BatchColumn, BatchFilterProxy, BatchRowsModel
from desktop_app.ui.file_actions import FileActions
from desktop_app.ui.icons import icon
from desktop_app.ui.progress_delegate import ProgressDelegate
from desktop_app.ui.shown_paths import home_relative
from desktop_app.ui.style import tone, use_readable_sort_arrows
from desktop_app.ui.table_base import row_table, size_columns
from desktop_app.ui.table_placeholder import TablePlaceholder

EMPTY_TEXT = "This batch has no courses."
NO_MATCH_TEXT = "No course of this batch is in this state."
ELSEWHERE_TIP = "Another window or a scheduled “batch resume” is running this batch; steer it there."

_GROUP_LABELS = {
    None: "All",
    RowGroup.SAVED: "Saved",
    RowGroup.RUNNING: "Running",
    RowGroup.WAITING: "Waiting",
    RowGroup.FAILED: "Failed",
}


def time_left_text(seconds: float) -> str:
    """ "about 6 min left", "about 2 h 10 min left", rounded to whole minutes."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return "less than a minute left"
    if minutes < 60:
        return f"about {minutes} min left"
    hours, minutes = divmod(minutes, 60)
    return f"about {hours} h {minutes} min left" if minutes else f"about {hours} h left"


def totals_text(view: BatchView) -> str:
    """ "412 saved · 5 running · 80 waiting · 3 failed · 12.4 GB · about 6 min left":
    the bytes once something is saved, the estimate while the batch runs and has one."""
    t = view.totals
    parts = [f"{t.saved:,} saved", f"{t.running:,} running", f"{t.waiting:,} waiting", f"{t.failed:,} failed"]
    if t.bytes_saved:
        parts.append(human_size(t.bytes_saved))
    if view.state is BatchState.RUNNING and view.eta_seconds is not None:
        parts.append(time_left_text(view.eta_seconds))
    return " · ".join(parts)


def _group_count(totals: BatchTotals, group: RowGroup | None) -> int:
    if group is None:
        return totals.total
    return {
        RowGroup.SAVED: totals.saved,
        RowGroup.RUNNING: totals.running,
        RowGroup.WAITING: totals.waiting,
        RowGroup.FAILED: totals.failed,
    }[group]


def _group_data(group: RowGroup | None) -> str:
    """The combo's item data: a plain string (Qt turns a str enum into one anyway)."""
    return group.value if group is not None else ""


class BatchPanel(QWidget):
    """Header, filter, the courses' table and the batch's actions; see the module docstring.

    Public API:
        model: BatchRowsModel, proxy: BatchFilterProxy, view: QTableView, files: FileActions
        show_batch(BatchView, list[BatchRowView]), update_batch(BatchView), update_row(BatchRowView)
        batch() -> BatchView | None, set_group_filter(RowGroup | None), visible_rows()
    Signals: pauseRequested(int), resumeRequested(int), retryFailedRequested(int)
    """

    pauseRequested = Signal(int)
    resumeRequested = Signal(int)
    retryFailedRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("batchPanel")
        self._batch: BatchView | None = None
        self.model = BatchRowsModel(self)
        self.proxy = BatchFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.files = FileActions(self)

        self.name_label = QLabel(self)
        self.name_label.setObjectName("batchName")
        self.name_label.setTextFormat(Qt.TextFormat.PlainText)
        font = QFont(self.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.name_label.setFont(font)
        self.name_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.state_label = QLabel(self)
        self.state_label.setObjectName("batchState")
        self.state_label.setAccessibleName("Batch state")
        self.state_label.setTextFormat(Qt.TextFormat.RichText)
        self.totals_label = QLabel(self)
        self.totals_label.setObjectName("batchTotals")
        self.totals_label.setAccessibleName("Batch totals")
        self.totals_label.setTextFormat(Qt.TextFormat.PlainText)
        self.totals_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_label = QLabel(self)
        self.folder_label.setObjectName("batchFolder")
        self.folder_label.setTextFormat(Qt.TextFormat.PlainText)
        self.folder_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.folder_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.group_combo = QComboBox(self)
        self.group_combo.setAccessibleName("Show courses in this state")
        self.group_combo.setToolTip("Show only the courses in this state")
        self.group_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for group, label in _GROUP_LABELS.items():
            self.group_combo.addItem(label, _group_data(group))
        self.group_combo.currentIndexChanged.connect(lambda _i: self.set_group_filter(self.group_filter()))

        self.pause_button = self._button("Pause", "stop", "Start no new export; the running ones stop and wait")
        self.resume_button = self._button("Resume", "download", "Carry on with the courses not saved yet")
        self.retry_button = self._button("Retry failed", "refresh", "Export the failed courses again")
        self.open_folder_button = self._button("Open folder", "show-in-folder", "Open the batch's folder")
        self.open_report_button = self._button("Open report", "open", "Open report.csv: one line per course")
        self.pause_button.clicked.connect(lambda: self._emit(self.pauseRequested))
        self.resume_button.clicked.connect(lambda: self._emit(self.resumeRequested))
        self.retry_button.clicked.connect(lambda: self._emit(self.retryFailedRequested))
        self.open_folder_button.clicked.connect(self._open_folder)
        self.open_report_button.clicked.connect(self._open_report)

        self.view = row_table(self, self.proxy, "The courses of this batch")
        self.view.setObjectName("batchTable")
        self.view.setItemDelegateForColumn(BatchColumn.STATE, ProgressDelegate(BatchRowsModel.ProgressRole, self.view))
        header = self.view.horizontalHeader()
        use_readable_sort_arrows(header)
        size_columns(
            self.view,
            {
                BatchColumn.COURSE: "ECON 191 · Principles of Microeconomics",
                BatchColumn.SIS_ID: "ECON-2026FA-0042",
                BatchColumn.TERM: "Spring 2026",
                BatchColumn.STATE: "Exporting at Canvas 100%",
                BatchColumn.SIZE: "999.9 MB",
                BatchColumn.FILE: "cell-biology-export.imscc",
            },
        )
        header.setStretchLastSection(True)  # the reason takes what is left
        header.setSortIndicator(BATCH_ORDER, Qt.SortOrder.AscendingOrder)  # the batch's order, no arrow
        self.view.setSortingEnabled(True)
        header.setSortIndicatorClearable(True)  # a third click goes back to the batch's order

        self.placeholder = TablePlaceholder(
            self.view, self.proxy, self.model, EMPTY_TEXT, "batchPlaceholder", no_match_text=NO_MATCH_TEXT
        )
        self.model.dataChanged.connect(self._rows_changed)

        title_row = QHBoxLayout()
        title_row.addWidget(self.name_label, 1)
        title_row.addWidget(self.state_label)
        tools = QHBoxLayout()
        tools.setSpacing(6)
        for button in (self.pause_button, self.resume_button, self.retry_button):
            tools.addWidget(button)
        tools.addSpacing(12)
        tools.addWidget(self.open_folder_button)
        tools.addWidget(self.open_report_button)
        tools.addStretch(1)
        show = QLabel("Show", self)
        show.setBuddy(self.group_combo)
        tools.addWidget(show)
        tools.addWidget(self.group_combo)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addLayout(title_row)
        layout.addWidget(self.totals_label)
        layout.addWidget(self.folder_label)
        layout.addSpacing(2)
        layout.addLayout(tools)
        layout.addWidget(self.view, 1)
        self._update_header()

    def _button(self, text: str, icon_name: str, tip: str) -> QPushButton:
        button = QPushButton(icon(icon_name), text, self)
        button.setObjectName(text.lower().replace(" ", "_") + "_button")
        button.setAccessibleName(text)
        button.setToolTip(tip)
        button.setProperty("enabledTip", tip)
        button.setAutoDefault(False)
        return button

    # ------------------------------------------------------------------ public API
    def batch(self) -> BatchView | None:
        return self._batch

    def show_batch(self, view: BatchView, rows: list[BatchRowView]) -> None:
        """Show another batch (or the same one read again): header and every row."""
        self._batch = view
        self.model.set_rows(rows)
        self._update_header()

    def update_batch(self, view: BatchView) -> None:
        """The shown batch's header changed (state, totals, estimate); another batch's
        view is ignored."""
        if self._batch is not None and view.batch_id == self._batch.batch_id:
            self._batch = view
            self._update_header()

    def update_row(self, row: BatchRowView) -> bool:
        """A course of the shown batch changed; False when it is not one of its rows."""
        return self._batch is not None and row.batch_id == self._batch.batch_id and self.model.update_row(row)

    def set_group_filter(self, group: RowGroup | None) -> None:
        self.proxy.set_group(group)
        index = self.group_combo.findData(_group_data(group))
        if index >= 0 and index != self.group_combo.currentIndex():
            self.group_combo.setCurrentIndex(index)
        self.placeholder.refresh()

    def group_filter(self) -> RowGroup | None:
        data = self.group_combo.currentData()
        return RowGroup(data) if data else None

    def visible_rows(self) -> list[BatchRowView]:
        """The rows shown, top to bottom (tests, screenshots)."""
        return [self.proxy.index(r, 0).data(BatchRowsModel.RowRole) for r in range(self.proxy.rowCount())]

    # ------------------------------------------------------------------ behaviour
    def _update_header(self) -> None:
        view = self._batch
        if view is None:
            self.name_label.setText("No batch chosen")
            self.state_label.clear()
            self.totals_label.clear()
            self.folder_label.clear()
            for button in self._buttons():
                button.setEnabled(False)
            return
        self.name_label.setText(view.name)
        self.name_label.setToolTip(f"{view.name}\n{view.site}")
        state = view.state.label + (" elsewhere" if view.running_elsewhere else "")
        if view.state is BatchState.SIGN_IN:
            self.state_label.setText(f'<b style="color:{tone(self, ok=False)}">{state}</b>')
        else:
            self.state_label.setText(f"<b>{state}</b>")
        self.state_label.setToolTip(ELSEWHERE_TIP if view.running_elsewhere else "")
        self.totals_label.setText(totals_text(view))
        self.folder_label.setText(home_relative(view.folder))
        self.folder_label.setToolTip(str(view.folder))
        for group, label in _GROUP_LABELS.items():
            index = self.group_combo.findData(_group_data(group))
            self.group_combo.setItemText(index, f"{label} ({_group_count(view.totals, group):,})")

        steerable = not view.running_elsewhere
        self._enable(self.pause_button, steerable and view.state is BatchState.RUNNING)
        self._enable(self.resume_button, steerable and view.state in (BatchState.PAUSED, BatchState.SIGN_IN))
        self._enable(self.retry_button, steerable and view.totals.failed > 0)
        self._enable(self.open_folder_button, view.folder.is_dir())
        self._enable(self.open_report_button, view.report_path.is_file())
        if not steerable:
            for button in (self.pause_button, self.resume_button, self.retry_button):
                button.setToolTip(ELSEWHERE_TIP)

    def _rows_changed(self) -> None:
        """A course may have left (or joined) the state the filter shows."""
        if self.proxy.group() is not None:
            self.placeholder.refresh()

    def _buttons(self) -> tuple[QPushButton, ...]:
        return (
            self.pause_button,
            self.resume_button,
            self.retry_button,
            self.open_folder_button,
            self.open_report_button,
        )

    @staticmethod
    def _enable(button: QPushButton, enabled: bool) -> None:
        button.setEnabled(enabled)
        button.setToolTip(button.property("enabledTip"))

    def _emit(self, signal: SignalInstance) -> None:
        if self._batch is not None:
            signal.emit(self._batch.batch_id)

    def _open_folder(self) -> None:
        if self._batch is not None:
            # Show in folder opens the folder that holds a file: the report's is the batch's
            self.files.show_in_folder(str(self._batch.report_path))

    def _open_report(self) -> None:
        if self._batch is not None:
            self.files.open_file(str(self._batch.report_path))
