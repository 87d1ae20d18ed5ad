"""Export history: Canvas's export list merged with what this app's jobs know.

One row per export (or per local job that has no export id yet). Canvas tells us the
export's id, type, creator, state and attachment; the local job store adds live
progress, download bytes, the saved file and errors. ``upsert_exports`` /
``set_exports`` take ``ContentExport`` lists from the background thread and
``update_job`` takes ``JobView`` snapshots from the application layer's
``JobTracker``; each change emits ``dataChanged`` for that row only, over
the columns that changed.

Sorting. ``SortRole`` gives typed values (ints for ids and sizes, timestamps for
dates), so numbers and dates sort by value. But sorting 5,000 rows through
``QSortFilterProxyModel::lessThan`` calls back into Python twice per comparison
(~65,000 comparisons): measured 450-1,200 ms. So ``HistoryProxyModel.sort`` hands the
sort to ``HistoryModel.sort``, which sorts the very same ``SortRole`` values with
Python's ``sorted`` (a few milliseconds) and keeps the order as rows change. The proxy
still filters (C++ fixed-string match on ``SearchRole``).
"""

from __future__ import annotations

import dataclasses
import enum
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import PurePath

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QGuiApplication, QPalette

from desktop_app.app.activity import long_label, short_label
from desktop_app.app.details import type_label
from desktop_app.app.jobs import JobView
from desktop_app.canvas.models import DEFAULT_EXPIRE_DAYS, ContentExport, ExportType, WorkflowState
from desktop_app.engine.status import JobStatus
from desktop_app.sizes import human_size
from desktop_app.ui.icons import icon
from desktop_app.ui.table_base import ReadOnlyTableModel, SourceSortedProxy

Index = QModelIndex | QPersistentModelIndex


class Column(enum.IntEnum):
    # State before By: in a window 800 pixels wide the history shows ID, Started, Type
    # and State without scrolling (By, the same name on most rows, had pushed State off).
    ID = 0
    STARTED = 1
    TYPE = 2
    STATE = 3
    BY = 4
    SIZE = 5
    EXPIRES = 6
    SAVED = 7

    @property
    def title(self) -> str:
        return _TITLES[self]


N_COLUMNS = len(Column)

_TITLES = {
    Column.ID: "ID",
    Column.STARTED: "Started",
    Column.BY: "By",
    Column.TYPE: "Type",
    Column.STATE: "State",
    Column.SIZE: "Size",
    Column.EXPIRES: "Expires",
    Column.SAVED: "Saved file",
}
_HEADER_TIPS = {
    Column.ID: "The export's id at Canvas",
    Column.STARTED: "When the export was created (your local time)",
    Column.BY: "Who started the export",
    Column.TYPE: "Common Cartridge, QTI or Zip",
    Column.STATE: "Canvas's state, or what this app is doing with it",
    Column.SIZE: "Size of the package",
    Column.EXPIRES: "Canvas deletes packages a number of days after they were created",
    Column.SAVED: "Where this app saved the package",
}

_SHORT_WORKFLOW = {WorkflowState.CREATED: "Queued", WorkflowState.WAITING_FOR_EXTERNAL_TOOL: "New Quizzes…"}
"""Canvas's states that do not fit a cell; the tooltip says them in full."""


def _short_workflow(state: WorkflowState) -> str:
    return _SHORT_WORKFLOW.get(state, state.label)


@dataclass(frozen=True)
class HistoryRow:
    """One row: Canvas's view (``export``) and/or the app's job (``job``)."""

    export: ContentExport | None = None
    job: JobView | None = None

    @property
    def export_id(self) -> int | None:
        if self.export is not None:
            return self.export.id
        return self.job.export_id if self.job else None

    @property
    def created_at(self) -> datetime | None:
        if self.export is not None and self.export.created_at is not None:
            return self.export.created_at
        return self.job.created_at if self.job else None

    @property
    def export_type(self) -> str | None:
        if self.export is not None and self.export.export_type:
            return self.export.export_type
        return self.job.export_type if self.job else None

    @property
    def saved_path(self) -> str | None:
        return self.job.saved_path if self.job and self.job.saved_path else None

    @property
    def is_expired(self) -> bool:
        if self.job is not None and self.job.status is JobStatus.EXPIRED:
            return True
        return self.export is not None and self.export.workflow_state is WorkflowState.EXPIRED

    @property
    def can_download(self) -> bool:
        """Canvas still offers the package and no download of it is running."""
        if self.export is None or self.export.attachment is None or self.is_expired:
            return False
        return not (self.job is not None and self.job.is_transferring)

    @property
    def can_stop(self) -> bool:
        return self.job is not None and self.job.is_watching

    @property
    def can_resume(self) -> bool:
        """Interrupted or stopped here: Resume carries it on where it stood."""
        return self.job is not None and self.job.can_resume

    @property
    def can_retry(self) -> bool:
        """Failed or expired: Retry resumes it, or starts a new export of the same selection."""
        return self.job is not None and self.job.can_retry

    @property
    def can_reexport(self) -> bool:
        return self.export_type in {t.value for t in ExportType}

    def _uses_job_state(self) -> bool:
        # A stopped job no longer follows the export: Canvas's own state is the truth.
        return self.job is not None and self.job.status is not JobStatus.STOPPED

    @property
    def state_text(self) -> str:
        if self._uses_job_state():
            assert self.job is not None
            text = short_label(self.job)  # a word or two: a table cell never cuts it (details in the tooltip)
            if self.job.progress is not None and self.job.is_watching:
                text = f"{text} {self.job.progress:.0f}%"
            return text
        if self.export is not None:
            return _short_workflow(self.export.workflow_state)
        return ""

    @property
    def progress(self) -> float | None:
        """Percent for the progress bar while exporting or downloading, else None."""
        if self._uses_job_state() and self.job is not None and self.job.is_watching:
            if self.job.progress is not None:
                return max(0.0, min(100.0, self.job.progress))
        return None

    @property
    def size(self) -> int | None:
        if self.export is not None and self.export.attachment is not None:
            return self.export.attachment.size
        if self.job is not None:
            return self.job.bytes_total
        return None

    @property
    def was_exported(self) -> bool:
        if self.export is not None and self.export.workflow_state in (WorkflowState.EXPORTED, WorkflowState.EXPIRED):
            return True
        return self.job is not None and self.job.status in (
            JobStatus.DOWNLOADING,
            JobStatus.VERIFYING,
            JobStatus.DONE,
            JobStatus.EXPIRED,
        )

    @property
    def failed(self) -> bool:
        if self._uses_job_state() and self.job is not None:
            return self.job.status is JobStatus.FAILED
        return self.export is not None and self.export.workflow_state is WorkflowState.FAILED

    @property
    def interrupted(self) -> bool:
        return self._uses_job_state() and self.job is not None and self.job.status is JobStatus.INTERRUPTED

    @property
    def state_sort_text(self) -> str:
        """The state without its percentage, so progress ticks do not reorder rows."""
        if self._uses_job_state():
            assert self.job is not None
            return short_label(self.job)
        return _short_workflow(self.export.workflow_state) if self.export is not None else ""


_UNSET = object()


@dataclass(slots=True)
class _Cached:
    """What a row shows and sorts by, each part computed when first asked for."""

    texts: list[str | None]
    search: str | None
    progress: object  # float | None, or _UNSET
    troubled: object  # bool, or _UNSET


_SEARCH_COLUMNS = (Column.ID, Column.BY, Column.TYPE, Column.STATE, Column.SAVED)


_UNUSED_ROLES = frozenset(
    {
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.CheckStateRole,
        Qt.ItemDataRole.SizeHintRole,
        Qt.ItemDataRole.EditRole,
        Qt.ItemDataRole.StatusTipRole,
        Qt.ItemDataRole.WhatsThisRole,
    }
)
"""Roles every paint asks for and we never set: answered before any other work."""


def expiry_text(expires_at: datetime | None, now: datetime, expired: bool = False) -> str:
    """ "in 12 days", "tomorrow", "today", "expired" (by calendar days, local time)."""
    if expired:
        return "expired"
    if expires_at is None:
        return ""
    if expires_at <= now:
        return "expired"
    days = (expires_at.astimezone().date() - now.astimezone().date()).days
    if days <= 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days"


def _ts(value: datetime | None) -> float:
    return value.timestamp() if value is not None else float("-inf")


class HistoryModel(ReadOnlyTableModel):
    """Rows of ``HistoryRow``; see the module docstring. Columns: ``Column``.

    Methods for the shell:
        set_exports(exports)      the complete Canvas list of the context (rows gone from
                                  Canvas and without a local job are dropped)
        upsert_exports(exports)   add or update some exports
        update_job(info)          a JobView snapshot (adds the row if new)
        set_user_names({id: name}), set_expire_days(n), clear()
        row_at(row) -> HistoryRow, row_for_export(id), refresh_relative_times()
    """

    SortRole = Qt.ItemDataRole.UserRole + 1
    ProgressRole = Qt.ItemDataRole.UserRole + 2  # float 0..100 (State column) or None
    RowRole = Qt.ItemDataRole.UserRole + 3  # the HistoryRow
    SearchRole = Qt.ItemDataRole.UserRole + 4  # text the filter matches (column 0)
    HEADERS = tuple(column.title for column in Column)
    HEADER_TIPS = tuple(_HEADER_TIPS[column] for column in Column)

    def __init__(self, parent: QObject | None = None, *, now: Callable[[], datetime] | None = None) -> None:
        super().__init__(parent)
        self._rows: list[HistoryRow] = []
        # Per-row cache of what the row shows and sorts by (parallel to _rows). Painting
        # asks data() ~10 roles per cell, and sorting/filtering touches every row: formatting
        # dates and sizes each time made a 5,000-row sort or filter cost over 100 ms.
        self._cache: list[_Cached | None] = []
        # Sort keys per column, aligned with _rows, built for a column when first sorted by.
        self._keys: list[list[object] | None] = [None] * N_COLUMNS
        self._by_export: dict[int, int] = {}
        self._by_job: dict[int, int] = {}
        self._names: dict[int, str] = {}
        self._expire_days = DEFAULT_EXPIRE_DAYS
        self._now = now or (lambda: datetime.now(timezone.utc))
        self._sort_column = Column.STARTED
        self._sort_order = Qt.SortOrder.DescendingOrder  # newest first
        # Idle-time warm-up: after rows arrive, sort keys and filter texts are computed in
        # slices of a few milliseconds whenever the event loop is idle, so the first
        # header click or filter does not pay for 5,000 rows at once.
        self._warm_row = 0
        self._warm_timer = QTimer(self)
        self._warm_timer.setSingleShot(True)
        self._warm_timer.setInterval(0)
        self._warm_timer.timeout.connect(self._warm_up)

    # ------------------------------------------------------------------ shell API
    def clear(self) -> None:
        self.beginResetModel()
        self._rows, self._cache, self._by_export, self._by_job = [], [], {}, {}
        self._keys = [None] * N_COLUMNS
        self.endResetModel()

    def set_user_names(self, names: Mapping[int, str]) -> None:
        self._names = dict(names)
        self._cache = [None] * len(self._rows)
        self._keys[Column.BY] = None
        self._column_changed(Column.BY)
        if self._sort_column is Column.BY:
            self._resort()

    def set_expire_days(self, days: int) -> None:
        """The site's ``content_exports_expire_after_days`` (30 unless the admin changed it)."""
        self._expire_days = days
        self._keys[Column.EXPIRES] = None
        self.refresh_relative_times()

    def refresh_relative_times(self) -> None:
        """Recompute "in N days" (call it now and then: days pass while the app runs)."""
        self._cache = [None] * len(self._rows)
        self._column_changed(Column.EXPIRES)

    def row_count(self) -> int:
        return len(self._rows)

    def row_at(self, row: int) -> HistoryRow:
        return self._rows[row]

    def row_for_export(self, export_id: int) -> int | None:
        return self._by_export.get(export_id)

    def row_for_job(self, job_id: int) -> int | None:
        return self._by_job.get(job_id)

    def upsert_exports(self, exports: Iterable[ContentExport]) -> None:
        new_rows: list[HistoryRow] = []
        changed: list[tuple[int, tuple[object, ...]]] = []
        pending: dict[int, int] = {}
        for export in exports:
            row = self._by_export.get(export.id)
            if row is None:
                if export.id in pending:  # the same export twice in one call
                    new_rows[pending[export.id]] = HistoryRow(export, None)
                else:
                    pending[export.id] = len(new_rows)
                    new_rows.append(HistoryRow(export, None))
                continue
            old = self._rows[row]
            if old.export == export:
                continue
            changed.append((row, self._signature(row)))
            self._set_row(row, dataclasses.replace(old, export=export))
        for row, before in changed:
            self._emit_row_changed(row, before)
        if not self._rows and new_rows:
            # The first fill: insert in sorted order, so no layout change follows.
            self._append(self._sorted(new_rows))
            return
        self._append(new_rows)
        if new_rows or changed:
            self._resort()

    def set_exports(self, exports: Sequence[ContentExport]) -> None:
        """Replace Canvas's side: exports no longer listed lose their row unless a job has it."""
        keep_ids = {e.id for e in exports}
        doomed = [
            row
            for row, item in enumerate(self._rows)
            if item.export is not None and item.export.id not in keep_ids and item.job is None
        ]
        for row in reversed(doomed):  # contiguous runs would be nicer; deletions are rare
            self._remove_row(row)
        for row, item in enumerate(self._rows):
            if item.export is not None and item.export.id not in keep_ids:
                self._set_row(row, dataclasses.replace(item, export=None))
        self.upsert_exports(exports)

    def update_job(self, info: JobView) -> None:
        row = self._by_job.get(info.job_id)
        if row is None and info.export_id is not None:
            row = self._by_export.get(info.export_id)
        if row is None:
            self._append([HistoryRow(None, info)])
            self._resort()
            return
        current = self._rows[row]
        before = self._signature(row)
        before_key = self._key(row, self._sort_column)
        if current.job is not None and current.job.job_id != info.job_id:
            self._by_job.pop(current.job.job_id, None)  # a newer job took this export over
        merged_export = current.export
        if info.export_id is not None and current.export is None:
            other = self._by_export.get(info.export_id)
            if other is not None and other != row and self._rows[other].job is None:
                # Canvas listed the export before the job learnt its id: one row, not two.
                merged_export = self._rows[other].export
                self._remove_row(other)
                row = self._by_job[info.job_id] if info.job_id in self._by_job else self._by_export.get(info.export_id)
                assert row is not None
        self._set_row(row, HistoryRow(merged_export, info))
        self._reindex_row(row)
        self._emit_row_changed(row, before)
        if self._key(row, self._sort_column) != before_key:
            self._resort()

    def remove_job(self, job_id: int) -> None:
        """A job taken off the local list: its row goes, or keeps only Canvas's export."""
        row = self._by_job.pop(job_id, None)
        if row is None:
            return
        item = self._rows[row]
        if item.export is None:
            self._remove_row(row)
            return
        before = self._signature(row)
        self._set_row(row, HistoryRow(item.export, None))
        self._emit_row_changed(row, before)
        self._resort()

    # ------------------------------------------------------------------ internals
    def _append(self, rows: list[HistoryRow]) -> None:
        if not rows:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self._cache.extend([None] * len(rows))
        self._warm_row = 0
        self._warm_timer.start()
        for column, keys in enumerate(self._keys):
            if keys is not None:
                keys.extend(self._sort_value(item, column, None) for item in rows)
        for row in range(first, len(self._rows)):
            self._reindex_row(row)
        self.endInsertRows()

    def _remove_row(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        del self._cache[row]
        for keys in self._keys:
            if keys is not None:
                del keys[row]
        self._rebuild_index()
        self.endRemoveRows()

    def _reindex_row(self, row: int) -> None:
        item = self._rows[row]
        if item.export_id is not None:
            self._by_export[item.export_id] = row
        if item.job is not None:
            self._by_job[item.job.job_id] = row

    def _rebuild_index(self) -> None:
        rows = self._rows
        self._by_export = {r.export_id: i for i, r in enumerate(rows) if r.export_id is not None}
        self._by_job = {r.job.job_id: i for i, r in enumerate(rows) if r.job is not None}

    def _set_row(self, row: int, item: HistoryRow) -> None:
        self._rows[row] = item
        self._cache[row] = None
        for column, keys in enumerate(self._keys):
            if keys is not None:
                keys[row] = self._sort_value(item, column, None)

    def _cached(self, row: int) -> "_Cached":
        cached = self._cache[row]
        if cached is None:
            cached = _Cached([None] * N_COLUMNS, None, _UNSET, _UNSET)
            self._cache[row] = cached
        return cached

    def _progress(self, row: int) -> float | None:
        cached = self._cached(row)
        if cached.progress is _UNSET:
            cached.progress = self._rows[row].progress
        return cached.progress  # type: ignore[return-value]

    def _troubled(self, row: int) -> bool:
        cached = self._cached(row)
        if cached.troubled is _UNSET:
            item = self._rows[row]
            cached.troubled = item.failed or item.interrupted
        return bool(cached.troubled)

    def _text(self, row: int, column: int) -> str:
        """Display text, formatted once per row and column, and only when asked for
        (formatting every date of 5,000 rows alone takes ~30 ms)."""
        cached = self._cached(row)
        text = cached.texts[column]
        if text is None:
            text = cached.texts[column] = self._display(self._rows[row], column)
        return text

    def _column_keys(self, column: int) -> list[object]:
        keys = self._keys[column]
        if keys is None:
            value = self._sort_value
            keys = self._keys[column] = [value(item, column, None) for item in self._rows]
        return keys

    def _key(self, row: int, column: int) -> object:
        return self._column_keys(column)[row]

    WARM_SLICE_S = 0.006

    def warming_up(self) -> bool:
        """True while idle-time precomputation is still pending (benchmarks wait for it)."""
        return self._warm_timer.isActive()

    def _warm_up(self) -> None:
        deadline = time.perf_counter() + self.WARM_SLICE_S
        for column in range(N_COLUMNS):
            if self._keys[column] is None:
                self._column_keys(column)  # one column per slice: ~5 ms for 5,000 rows
                self._warm_timer.start()
                return
        rows = len(self._rows)
        while self._warm_row < rows:
            self._search(self._warm_row)
            self._warm_row += 1
            if self._warm_row % 64 == 0 and time.perf_counter() > deadline:
                self._warm_timer.start()
                return

    def _search(self, row: int) -> str:
        cached = self._cached(row)
        if cached.search is None:
            item, display = self._rows[row], self._display
            cached.search = " ".join([display(item, c) for c in _SEARCH_COLUMNS])
        return cached.search

    def _signature(self, row: int) -> tuple[object, ...]:
        """What each column shows (the State column also its progress), for diffing."""
        return tuple(self._text(row, c) for c in range(N_COLUMNS)) + (self._progress(row), self._troubled(row))

    def _emit_row_changed(self, row: int, before: tuple[object, ...]) -> None:
        after = self._signature(row)
        columns = [c for c in Column if before[c] != after[c]]
        if before[N_COLUMNS] != after[N_COLUMNS]:
            columns.append(Column.STATE)
        if before[N_COLUMNS + 1] != after[N_COLUMNS + 1]:
            columns.extend(Column)  # failed rows change colour in every column
        if not columns:
            return
        self.dataChanged.emit(self.index(row, min(columns)), self.index(row, max(columns)))

    def _column_changed(self, column: Column) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))

    def _sort_value(self, item: HistoryRow, column: Column, texts: tuple[str, ...] | None) -> object:
        if column == Column.ID:
            return item.export_id if item.export_id is not None else 0
        if column == Column.STARTED:
            return _ts(item.created_at)
        if column == Column.SIZE:
            size = item.size
            return size if size is not None else -1
        if column == Column.EXPIRES:
            if item.is_expired:
                return float("-inf")
            return _ts(self._expires_at(item)) if item.was_exported else float("-inf")
        if column == Column.STATE:
            return item.state_sort_text.casefold()
        return (texts[column] if texts is not None else self._display(item, column)).casefold()

    def _expires_at(self, item: HistoryRow) -> datetime | None:
        created = item.created_at
        if created is None or self._expire_days <= 0:
            return None
        return created + timedelta(days=self._expire_days)

    def _display(self, item: HistoryRow, column: Column) -> str:
        if column == Column.ID:
            return str(item.export_id) if item.export_id is not None else "—"
        if column == Column.STARTED:
            created = item.created_at
            return f"{created.astimezone():%Y-%m-%d %H:%M}" if created else ""
        if column == Column.BY:
            user_id = item.export.user_id if item.export is not None else None
            if user_id is None:
                return "You" if item.export is None and item.job is not None else ""
            return self._names.get(user_id, f"User {user_id}")
        if column == Column.TYPE:
            return type_label(item.export_type)
        if column == Column.STATE:
            return item.state_text
        if column == Column.SIZE:
            return human_size(item.size)
        if column == Column.EXPIRES:
            if not item.was_exported:
                return ""
            return expiry_text(self._expires_at(item), self._now(), item.is_expired)
        if column == Column.SAVED:
            return PurePath(item.saved_path).name if item.saved_path else ""  # any OS's separators
        return ""

    def _tooltip(self, item: HistoryRow, column: Column) -> str | None:
        if column == Column.STATE:
            if item._uses_job_state() and item.job is not None:
                parts = [long_label(item.job)]
            else:
                parts = [item.export.workflow_state.label if item.export is not None else item.state_text]
            if item.job is not None and item.job.error:
                parts.append(item.job.error)
            if item.job is not None and item.job.status is JobStatus.STOPPED and item.export is not None:
                parts.append("Not watched any more: Canvas finishes the export on its own.")
            if item.export is not None and item.export.workflow_state is WorkflowState.FAILED:
                parts.append("Canvas does not say why an export failed; try again or export less.")
            if item.job is not None and item.job.is_transferring and item.job.bytes_total:
                parts.append(f"{human_size(item.job.bytes_done)} of {human_size(item.job.bytes_total)}")
            return "\n".join(p for p in parts if p)
        if column == Column.STARTED and item.created_at is not None:
            return f"{item.created_at.astimezone():%A %d %B %Y, %H:%M:%S %Z}"
        if column == Column.EXPIRES:
            expires = self._expires_at(item)
            if item.is_expired:
                return "Canvas no longer offers this package; export again to get a new one."
            if expires is not None and item.was_exported:
                return f"Canvas deletes the package on {expires.astimezone():%d %B %Y, %H:%M}"
            return None
        if column == Column.SAVED:
            return item.saved_path
        if column == Column.SIZE and item.size is not None:
            return f"{item.size:,} bytes"
        return self._display(item, column) or None

    def _state_icon(self, item: HistoryRow) -> object:
        if item.failed:
            return icon("error")
        if item.is_expired or item.interrupted:
            return icon("warning")
        if item.job is not None and item.job.status is JobStatus.DONE:
            return icon("success")
        if item.progress is not None or (item.job is not None and item.job.is_watching):
            return icon("loading")
        if item.export is not None and item.export.workflow_state.is_running:
            return icon("loading")
        if item.export is not None and item.export.workflow_state is WorkflowState.EXPORTED:
            return icon("archive")
        return None

    # ------------------------------------------------------------------ Qt model API
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == self.SortRole:
            return self._key(row, column)
        if role == self.ProgressRole:
            return self._progress(row) if column == Column.STATE else None
        if role == self.SearchRole:
            return self._search(row)
        if role in _UNUSED_ROLES:
            return None
        item = self._rows[row]
        column = Column(column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item, column)
        if role == Qt.ItemDataRole.DecorationRole and column is Column.STATE:
            return self._state_icon(item)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (Column.ID, Column.SIZE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and item.is_expired:
            return QGuiApplication.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        if role == self.RowRole:
            return item
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column's ``SortRole`` values (stable; ties keep the newest first)."""
        if not 0 <= column < N_COLUMNS:
            return
        if column == self._sort_column and order == self._sort_order:
            return  # the rows are kept in this order already (views ask twice per click)
        self._sort_column = Column(column)
        self._sort_order = order
        self._resort()

    def sort_column(self) -> Column:
        return self._sort_column

    def sort_order(self) -> Qt.SortOrder:
        return self._sort_order

    def _sorted(self, items: list[HistoryRow]) -> list[HistoryRow]:
        column, value = self._sort_column, self._sort_value
        keys = [(value(i, column, None), value(i, Column.STARTED, None), value(i, Column.ID, None)) for i in items]
        order = sorted(
            range(len(items)), key=keys.__getitem__, reverse=self._sort_order == Qt.SortOrder.DescendingOrder
        )
        return [items[i] for i in order]

    def _resort(self) -> None:
        column = self._sort_column
        reverse = self._sort_order == Qt.SortOrder.DescendingOrder
        keys = list(
            zip(self._column_keys(column), self._column_keys(Column.STARTED), self._column_keys(Column.ID), strict=True)
        )
        order = sorted(range(len(self._rows)), key=keys.__getitem__, reverse=reverse)
        if order == list(range(len(order))):
            return
        self.layoutAboutToBeChanged.emit()
        new_row_of = [0] * len(order)
        for new_row, old_row in enumerate(order):
            new_row_of[old_row] = new_row
        self._rows = [self._rows[old_row] for old_row in order]
        self._cache = [self._cache[old_row] for old_row in order]
        self._keys = [None if keys is None else [keys[old_row] for old_row in order] for keys in self._keys]
        self._rebuild_index()
        persistent = self.persistentIndexList()
        if persistent:
            self.changePersistentIndexList(
                persistent, [self.index(new_row_of[p.row()], p.column()) for p in persistent]
            )
        self.layoutChanged.emit()


class HistoryProxyModel(SourceSortedProxy):
    """Filters history rows by text; sorting is delegated to ``HistoryModel.sort``.

    Why delegate: see the module docstring (Python callbacks per comparison are far too
    slow for 5,000 rows). ``sortRole`` is still ``SortRole``, so a plain
    QSortFilterProxyModel over the same model would give the same order.
    """

    SORTED_BY = HistoryModel

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(HistoryModel.SortRole)
        self.setFilterRole(HistoryModel.SearchRole)
        self.setFilterKeyColumn(0)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def set_text_filter(self, text: str) -> None:
        self.setFilterFixedString(text.strip())
