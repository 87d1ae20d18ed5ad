"""The batch view's table: one row per course of a bulk export (issue #14).

Rows are the application layer's `BatchRowView` snapshots; the model never fetches.
`set_rows` replaces them all (a reset: the views then ask only for the rows they show,
so 5,000 rows fill in a few milliseconds), `update_row` replaces one by its place in the
batch and emits `dataChanged` for that row alone (live progress of the running courses).

Sorting. A header click sorts in the model, with Python's `sorted` over precomputed
keys, as the history does (`history_model.py` says why: `QSortFilterProxyModel` would
call back into Python twice per comparison, about a second for 5,000 rows). Sort column
-1 is the batch's own order (the order the courses were chosen in). A row that changes
is re-sorted only when its key in the sorted column changes (a new state, not a new
percentage), so live progress never reorders the table.

Filtering by `RowGroup` is the proxy's C++ fixed-string match on `GroupRole`: with
"All" it does not call Python at all.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from pathlib import PurePath

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from desktop_app.app.batch_views import BatchRowView, RowGroup, RowStatus
from desktop_app.sizes import human_size
from desktop_app.ui.icons import icon
from desktop_app.ui.style import tone
from desktop_app.ui.table_base import ReadOnlyTableModel, SourceSortedProxy

Index = QModelIndex | QPersistentModelIndex

BATCH_ORDER = -1
"""The sort "column" of the batch's own order (no header shows an arrow)."""


class BatchColumn(enum.IntEnum):
    COURSE = 0
    SIS_ID = 1
    TERM = 2
    STATE = 3
    SIZE = 4
    FILE = 5
    REASON = 6


_RUNNING = frozenset({RowStatus.AT_CANVAS, RowStatus.DOWNLOADING})
_STATE_ORDER = {
    status: rank
    for rank, status in enumerate(
        (
            RowStatus.FAILED,
            RowStatus.DOWNLOADING,
            RowStatus.AT_CANVAS,
            RowStatus.PAUSED,
            RowStatus.WAITING,
            RowStatus.SKIPPED,
            RowStatus.SAVED,
        )
    )
}
"""Sorting by State puts what needs attention first: failed, then running, then the rest."""

_ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def course_text(row: BatchRowView) -> str:
    """ "BIO-101 · Cell Biology"; a course known only by its SIS id (a CSV row not
    resolved yet) shows that id."""
    parts = [p for p in (row.course_code, row.name) if p]
    if parts:
        return " · ".join(parts)
    if row.sis_course_id:
        return row.sis_course_id
    return f"Course {row.course_id}" if row.course_id is not None else ""


def state_text(row: BatchRowView) -> str:
    """The State column: the label, with the percentage while a course runs."""
    if row.status in _RUNNING and row.progress is not None:
        return f"{row.status.label} {row.progress:.0f}%"
    return row.status.label


class BatchRowsModel(ReadOnlyTableModel):
    """Rows of `BatchRowView`; see the module docstring."""

    ProgressRole = Qt.ItemDataRole.UserRole + 2  # float 0..100 in the State column while running, or None
    RowRole = Qt.ItemDataRole.UserRole + 3  # the BatchRowView
    GroupRole = Qt.ItemDataRole.UserRole + 4  # the row's RowGroup value ("saved", "failed", ...)
    HEADERS = ("Course", "SIS id", "Term", "State", "Size", "File", "Reason")
    HEADER_TIPS = (
        "Course code and name",
        "The course's SIS id (as in a CSV of course_id values)",
        "The course's enrollment term",
        "Where this course's export stands",
        "Size of the saved package",
        "The saved package (its full path in the tooltip)",
        "Why a course failed or was skipped, or what it waits for",
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[BatchRowView] = []
        self._place: dict[int, int] = {}  # BatchRowView.position -> row in the model
        self._sort_column = BATCH_ORDER
        self._sort_order = Qt.SortOrder.AscendingOrder

    # ------------------------------------------------------------------ rows
    def set_rows(self, rows: Sequence[BatchRowView]) -> None:
        """All the rows of a batch (or of another batch): a full reset, in the current sort."""
        self.beginResetModel()
        self._rows = self._sorted(list(rows))
        self._index_places()
        self.endResetModel()

    def update_row(self, row: BatchRowView) -> bool:
        """Replace the row at `row.position`; False when the model has no such row (a row
        of another batch, or one that came before `set_rows`)."""
        at = self._place.get(row.position)
        if at is None or self._rows[at].batch_id != row.batch_id:
            return False
        old = self._rows[at]
        self._rows[at] = row
        self.dataChanged.emit(self.index(at, 0), self.index(at, len(self.HEADERS) - 1))
        if self._sort_column != BATCH_ORDER and self._key(old, self._sort_column) != self._key(row, self._sort_column):
            self._resort()
        return True

    def row_at(self, row: int) -> BatchRowView:
        """The row shown at model row `row` (map a proxy index with `mapToSource` first)."""
        return self._rows[row]

    def model_row_of(self, position: int) -> int | None:
        """The model row of the course at `position` in the batch."""
        return self._place.get(position)

    def rows(self) -> list[BatchRowView]:
        return list(self._rows)

    # ------------------------------------------------------------------ sorting
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (BATCH_ORDER: the batch's own order); stable, ties in batch order."""
        if not BATCH_ORDER <= column < len(self.HEADERS):
            return
        if (column, order) == (self._sort_column, self._sort_order):
            return  # already in this order (views ask twice per click)
        self._sort_column, self._sort_order = column, order
        self._resort()

    def sort_column(self) -> int:
        return self._sort_column

    def _key(self, row: BatchRowView, column: int) -> tuple[object, ...]:
        if column == BatchColumn.COURSE:
            return (course_text(row).casefold(),)
        if column == BatchColumn.SIS_ID:
            return ((row.sis_course_id or "").casefold(),)
        if column == BatchColumn.TERM:
            return (row.term.casefold(),)
        if column == BatchColumn.STATE:
            return (_STATE_ORDER[row.status],)
        if column == BatchColumn.SIZE:
            return (row.size if row.size is not None else -1,)
        if column == BatchColumn.FILE:
            return (PurePath(row.file).name.casefold() if row.file else "",)
        if column == BatchColumn.REASON:
            return ((row.reason or "").casefold(),)
        return ()

    def _sorted(self, rows: list[BatchRowView]) -> list[BatchRowView]:
        column = self._sort_column
        by_position = sorted(rows, key=lambda r: r.position)
        if column == BATCH_ORDER:
            return by_position if self._sort_order == Qt.SortOrder.AscendingOrder else by_position[::-1]
        reverse = self._sort_order == Qt.SortOrder.DescendingOrder
        return sorted(by_position, key=lambda r: self._key(r, column), reverse=reverse)

    def _resort(self) -> None:
        ordered = self._sorted(self._rows)
        if [r.position for r in ordered] == [r.position for r in self._rows]:
            return
        self.layoutAboutToBeChanged.emit()
        self._rows = ordered
        old_place = self._place
        self._index_places()
        persistent = self.persistentIndexList()
        if persistent:
            # a model row's new place: the row that was at p.row() is the course at some position
            position_at = {row: position for position, row in old_place.items()}
            self.changePersistentIndexList(
                persistent,
                [self.index(self._place[position_at[p.row()]], p.column()) for p in persistent],
            )
        self.layoutChanged.emit()

    def _index_places(self) -> None:
        self._place = {row.position: at for at, row in enumerate(self._rows)}

    # ------------------------------------------------------------------ Qt model API
    def _text(self, row: BatchRowView, column: int) -> str:
        if column == BatchColumn.COURSE:
            return course_text(row)
        if column == BatchColumn.SIS_ID:
            return row.sis_course_id or ""
        if column == BatchColumn.TERM:
            return row.term
        if column == BatchColumn.STATE:
            return state_text(row)
        if column == BatchColumn.SIZE:
            return human_size(row.size)
        if column == BatchColumn.FILE:
            return PurePath(row.file).name if row.file else ""
        if column == BatchColumn.REASON:
            return row.reason or ""
        return ""

    def _tooltip(self, row: BatchRowView, column: int) -> str | None:
        if column == BatchColumn.COURSE:
            ident = f"course {row.course_id}" if row.course_id is not None else "not found in Canvas yet"
            return "\n".join(p for p in (row.name, f"{row.course_code} · {row.term} · {ident}") if p)
        if column == BatchColumn.STATE:
            return "\n".join(p for p in (state_text(row), row.reason) if p)
        if column == BatchColumn.FILE:
            return row.file
        if column == BatchColumn.SIZE and row.size is not None:
            return f"{row.size:,} bytes"
        return self._text(row, column) or None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == self.ProgressRole:
            if column == BatchColumn.STATE and row.status in _RUNNING and row.progress is not None:
                return max(0.0, min(100.0, row.progress))
            return None
        if role == self.GroupRole:
            return row.status.group.value
        if role == self.RowRole:
            return row
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.DecorationRole and column == BatchColumn.STATE:
            return _status_icon(row.status)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == BatchColumn.SIZE:
            return _ALIGN_RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and column == BatchColumn.REASON and row.status is RowStatus.FAILED:
            return QColor(tone(None, ok=False))
        return None


def _status_icon(status: RowStatus) -> object:
    if status is RowStatus.FAILED:
        return icon("error")
    if status is RowStatus.PAUSED:
        return icon("warning")
    if status in (RowStatus.SAVED, RowStatus.SKIPPED):
        return icon("success")
    if status in _RUNNING:
        return icon("loading")
    return None


class BatchFilterProxy(SourceSortedProxy):
    """Shows the rows of one `RowGroup` (None: all); sorting is the model's own."""

    SORTED_BY = BatchRowsModel

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setFilterRole(BatchRowsModel.GroupRole)
        self.setFilterKeyColumn(0)
        self._group: RowGroup | None = None

    def set_group(self, group: RowGroup | None) -> None:
        if group is not self._group:
            self._group = group
            self.setFilterFixedString(group.value if group is not None else "")

    def group(self) -> RowGroup | None:
        return self._group
