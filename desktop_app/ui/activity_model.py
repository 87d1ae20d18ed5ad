"""The Activity view's model: every job of one Canvas site, newest first, as a table.

It adapts the application layer's :class:`~desktop_app.app.jobs.JobTracker` (the one
source of truth the history and the status bar read too): it subscribes to it, and a
changed job becomes ``dataChanged`` on its row, a new one ``beginInsertRows`` at its
place (newest first: job ids grow), a job of another site, one taken off the list or a
cleared tracker a removal or a reset. It never fetches anything.

Columns: What (the course, group or My files), Type, State (with a progress bar:
``ProgressRole``), Size, Saved file, Updated. ``ActivityFilterProxy`` filters by state
(:class:`~desktop_app.app.activity.StateFilter`) and by text.

A bulk export is one row, not one per course: the batches (`BatchView`, given with
`set_batches` / `update_batch`) come first, newest first, and the tracker's jobs that
belong to a batch (`JobView.batch_id`) are left out. A batch's row says its name, its
state with the share of courses done as the bar, the bytes saved and its totals
("12 saved · 3 running · 5 waiting · 0 failed") where a job shows its file.
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Callable, Mapping
from pathlib import PurePath

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt

from desktop_app.app.activity import StateFilter, accepts, accepts_batch, context_title, long_label, short_label
from desktop_app.app.batch_views import BatchState, BatchView
from desktop_app.app.details import type_label
from desktop_app.app.jobs import JobTracker, JobView
from desktop_app.engine.status import JobStatus
from desktop_app.sizes import human_size
from desktop_app.ui.icons import icon
from desktop_app.ui.table_base import ReadOnlyTableModel

Index = QModelIndex | QPersistentModelIndex
Row = JobView | BatchView


def _key(row: Row) -> tuple[int, int]:
    """Sort key of a row: batches first, then jobs, each newest (highest id) first."""
    return (0, -row.batch_id) if isinstance(row, BatchView) else (1, -row.job_id)


def batch_totals(view: BatchView) -> str:
    """ "12 saved · 3 running · 5 waiting · 1 failed" (the estimate is the batch window's)."""
    t = view.totals
    return f"{t.saved:,} saved · {t.running:,} running · {t.waiting:,} waiting · {t.failed:,} failed"


class ActivityColumn(enum.IntEnum):
    WHAT = 0
    TYPE = 1
    STATE = 2
    SIZE = 3
    SAVED = 4
    UPDATED = 5


class ActivityModel(ReadOnlyTableModel):
    """Rows of :class:`JobView` for one site; see the module docstring."""

    ProgressRole = Qt.ItemDataRole.UserRole + 2  # float 0..100 in the State column, or None
    JobRole = Qt.ItemDataRole.UserRole + 3  # the JobView (None on a batch's row)
    SearchRole = Qt.ItemDataRole.UserRole + 4  # the text the filter matches
    BatchRole = Qt.ItemDataRole.UserRole + 5  # the BatchView (None on a job's row)
    HEADERS = ("What", "Type", "State", "Size", "Saved file", "Updated")
    HEADER_TIPS = (
        "The course, group or My files the export is of",
        "Common Cartridge, QTI or Zip",
        "What the app is doing with it (details in the tooltip and the details pane)",
        "Size of the package",
        "Where the app saved the package",
        "When the job last changed (your local time)",
    )

    def __init__(self, tracker: JobTracker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tracker = tracker
        self._rows: list[Row] = []
        self._keys: list[tuple[int, int]] = []  # `_key` per row, ascending: batches, then jobs, newest first
        self._batches: dict[int, BatchView] = {}
        self._site = ""
        self._titles: Mapping[str, str] = {}
        self._unsubscribe: tuple[Callable[[], None], ...] = (
            tracker.subscribe(self._changed),
            tracker.subscribe_removals(self._removed),
        )

    # ------------------------------------------------------------------ shell API
    def set_site(self, site: str) -> None:
        """Show the jobs of this site (the tracker's others are left out)."""
        self._site = site
        self.reload()

    def reload(self) -> None:
        """Read every job from the tracker again (after `JobTracker.clear`, a new site)."""
        self.beginResetModel()
        batches = sorted((b for b in self._batches.values() if b.site == self._site), key=_key)
        self._rows = [*batches, *(v for v in self._tracker.views() if self._belongs(v))]
        self._keys = [_key(r) for r in self._rows]
        self.endResetModel()

    def set_batches(self, views: list[BatchView]) -> None:
        """This site's batches (all of them: the ones not listed go)."""
        self._batches = {v.batch_id: v for v in views}
        self.reload()

    def update_batch(self, view: BatchView) -> None:
        """One batch changed (its state or totals), or a new one started."""
        if view.site != self._site:
            return
        self._batches[view.batch_id] = view
        self._put(view)

    def batch_at(self, row: int) -> BatchView | None:
        item = self._rows[row]
        return item if isinstance(item, BatchView) else None

    def row_for_batch(self, batch_id: int) -> int | None:
        return self._row_of((0, -batch_id))

    def batches(self) -> list[BatchView]:
        return [r for r in self._rows if isinstance(r, BatchView)]

    def set_titles(self, titles: Mapping[str, str]) -> None:
        """Context -> name ("course:12" -> "Data Structures"); the What column uses it."""
        self._titles = titles
        if self._rows:
            self.dataChanged.emit(
                self.index(0, ActivityColumn.WHAT), self.index(len(self._rows) - 1, ActivityColumn.WHAT)
            )

    def detach(self) -> None:
        """Stop following the tracker (the window closes)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = ()

    def job_at(self, row: int) -> JobView | None:
        item = self._rows[row]
        return item if isinstance(item, JobView) else None

    def row_for_job(self, job_id: int) -> int | None:
        return self._row_of((1, -job_id))

    def _row_of(self, key: tuple[int, int]) -> int | None:
        i = bisect.bisect_left(self._keys, key)
        return i if i < len(self._keys) and self._keys[i] == key else None

    def title_of(self, view: JobView) -> str:
        return context_title(view.context, self._titles)

    # ------------------------------------------------------------------ tracker
    def _belongs(self, view: JobView) -> bool:
        """This site's single exports (a batch's jobs show as their batch's row)."""
        return bool(self._site) and view.site == self._site and view.batch_id is None

    def _changed(self, view: JobView) -> None:
        row = self.row_for_job(view.job_id)
        if not self._belongs(view):
            if row is not None and view.site:  # joined a batch, or another site: not shown
                self._remove_row(row)
            return
        self._put(view)

    def _removed(self, view: JobView) -> None:
        """A job taken off the local list (Remove from list)."""
        row = self.row_for_job(view.job_id)
        if row is not None:
            self._remove_row(row)

    def _remove_row(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row], self._keys[row]
        self.endRemoveRows()

    def _put(self, item: Row) -> None:
        """Replace the row with the same key, or insert it at its place."""
        key = _key(item)
        row = self._row_of(key)
        if row is not None:
            self._rows[row] = item
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))
            return
        row = bisect.bisect_left(self._keys, key)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.insert(row, item)
        self._keys.insert(row, key)
        self.endInsertRows()

    # ------------------------------------------------------------------ Qt model API
    def _text(self, view: JobView, column: int) -> str:
        if column == ActivityColumn.WHAT:
            return self.title_of(view)
        if column == ActivityColumn.TYPE:
            return type_label(view.export_type)
        if column == ActivityColumn.STATE:
            text = short_label(view)
            if view.progress is not None and view.is_watching:
                text = f"{text} {view.progress:.0f}%"
            return text
        if column == ActivityColumn.SIZE:
            return human_size(view.bytes_total)
        if column == ActivityColumn.SAVED:
            return PurePath(view.saved_path).name if view.saved_path else ""
        if column == ActivityColumn.UPDATED:
            when = view.updated_at or view.created_at
            return f"{when.astimezone():%Y-%m-%d %H:%M}" if when is not None else ""
        return ""

    def _tooltip(self, view: JobView, column: int) -> str | None:
        if column == ActivityColumn.STATE:
            parts = [long_label(view)]
            if view.error and view.status is not JobStatus.DONE:
                parts.append(view.error)
            if view.is_transferring and view.bytes_total:
                parts.append(f"{human_size(view.bytes_done)} of {human_size(view.bytes_total)}")
            return "\n".join(parts)
        if column == ActivityColumn.SAVED:
            return view.saved_path
        if column == ActivityColumn.SIZE and view.bytes_total is not None:
            return f"{view.bytes_total:,} bytes"
        if column == ActivityColumn.WHAT:
            return f"{self.title_of(view)} ({view.context})" if view.context else None
        return self._text(view, column) or None

    def _icon(self, view: JobView) -> object:
        status = view.status
        if status is JobStatus.FAILED:
            return icon("error")
        if status in (JobStatus.INTERRUPTED, JobStatus.EXPIRED, JobStatus.STOPPED):
            return icon("warning")
        if status is JobStatus.DONE:
            return icon("success")
        return icon("loading")

    def _batch_text(self, view: BatchView, column: int) -> str:
        if column == ActivityColumn.WHAT:
            return f"Bulk export: {view.name}"
        if column == ActivityColumn.TYPE:
            return type_label(view.export_type)
        if column == ActivityColumn.STATE:
            return view.state.label
        if column == ActivityColumn.SIZE:
            return human_size(view.totals.bytes_saved) if view.totals.bytes_saved else ""
        if column == ActivityColumn.SAVED:
            return batch_totals(view)
        if column == ActivityColumn.UPDATED:
            when = view.finished_at or view.created_at
            return f"{when.astimezone():%Y-%m-%d %H:%M}" if when is not None else ""
        return ""

    def _batch_data(self, view: BatchView, column: int, role: int) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._batch_text(view, column)
        if role == self.ProgressRole:
            total = view.totals.total
            if column == ActivityColumn.STATE and view.state is BatchState.RUNNING and total:
                return 100.0 * (view.totals.saved + view.totals.failed) / total
            return None
        if role == self.BatchRole:
            return view
        if role == self.SearchRole:
            return " ".join(self._batch_text(view, c) for c in ActivityColumn).casefold()
        if role == Qt.ItemDataRole.ToolTipRole:
            if column in (ActivityColumn.WHAT, ActivityColumn.SAVED):
                return f"{view.name}\n{batch_totals(view)}\nEnter or double-click: the batch's window"
            return self._batch_text(view, column) or None
        if role == Qt.ItemDataRole.DecorationRole:
            if column == ActivityColumn.WHAT:
                return icon("archive")
            if column == ActivityColumn.STATE:
                return self._batch_icon(view)
        return None

    @staticmethod
    def _batch_icon(view: BatchView) -> object:
        if view.state is BatchState.SIGN_IN or (view.state is BatchState.FINISHED and view.totals.failed):
            return icon("warning")
        if view.state is BatchState.FINISHED:
            return icon("success")
        return icon("loading") if view.state is BatchState.RUNNING else icon("warning")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        view, column = self._rows[index.row()], index.column()
        if isinstance(view, BatchView):
            return self._batch_data(view, column, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(view, column)
        if role == self.ProgressRole:
            if column == ActivityColumn.STATE and view.progress is not None and view.is_watching:
                return max(0.0, min(100.0, view.progress))
            return None
        if role == self.JobRole:
            return view
        if role == self.SearchRole:
            return " ".join(self._text(view, c) for c in ActivityColumn).casefold() + " " + view.context
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(view, column)
        if role == Qt.ItemDataRole.DecorationRole and column == ActivityColumn.STATE:
            return self._icon(view)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == ActivityColumn.SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class ActivityFilterProxy(QSortFilterProxyModel):
    """Shows the rows of one state (or all) whose text contains the filter's words."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = StateFilter.ALL
        self._words: list[str] = []

    def set_state(self, state: StateFilter) -> None:
        if state is not self._state:
            self.beginFilterChange()
            self._state = state
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def state(self) -> StateFilter:
        return self._state

    def set_text(self, text: str) -> None:
        words = text.casefold().split()
        if words != self._words:
            self.beginFilterChange()
            self._words = words
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802 - Qt API
        model = self.sourceModel()
        if not isinstance(model, ActivityModel) or source_parent.isValid():
            return True
        job = model.job_at(source_row)
        batch = model.batch_at(source_row)
        if job is not None and not accepts(job, self._state):
            return False
        if batch is not None and not accepts_batch(batch, self._state):
            return False
        if self._words:
            text = model.index(source_row, 0).data(ActivityModel.SearchRole)
            return all(word in text for word in self._words)
        return True
