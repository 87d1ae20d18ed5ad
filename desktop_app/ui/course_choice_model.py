"""The bulk export's course chooser (issue #14): a checkable table of courses.

`CourseChoiceModel` holds the courses (My courses, or an account's) and which are
ticked; `CourseChoiceProxy` narrows them to one term and to a search text (every word in
the code, name or SIS id). Select all / Select none act on the rows the filter shows, so
"the Fall term's BIO courses" is a term, a word and one click. Ticks are kept by course
id: they survive filtering and a reload of the list (a course that is no longer listed
is no longer chosen).

Order: newest term first (as the context picker orders terms), then by course code.
No header sorting: the chooser is for ticking, and a 5,000-row Python sort per click is
not worth it here.

Fast for thousands of courses: the search keys are made once per `set_courses`, and the
proxy reads them (and the term ids) straight from the model rather than through
`data()`. Select all emits one `dataChanged` for the whole range.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt, Signal

from desktop_app.canvas.models import Course
from desktop_app.ui.context_picker import NO_TERM, term_order
from desktop_app.ui.table_base import ReadOnlyTableModel

Index = QModelIndex | QPersistentModelIndex


class ChoiceColumn(enum.IntEnum):
    COURSE = 0
    SIS_ID = 1
    TERM = 2
    TEACHERS = 3


def chosen_text(chosen: int, total: int, hidden: int = 0) -> str:
    """ "12 of 340 courses chosen", plus how many chosen ones the filter hides."""
    text = f"{chosen:,} of {total:,} {'course' if total == 1 else 'courses'} chosen"
    return f"{text} ({hidden:,} hidden by the filter)" if hidden else text


class CourseChoiceModel(ReadOnlyTableModel):
    """Courses with a checkbox in the Course column; see the module docstring."""

    CourseRole = Qt.ItemDataRole.UserRole + 1
    HEADERS = ("Course", "SIS id", "Term", "Teachers")
    HEADER_TIPS = (
        "Tick the courses to export",
        "The course's SIS id",
        "The course's enrollment term",
        "The course's teachers",
    )
    checkedChanged = Signal()
    """Ticks changed (one signal per click or per Select all)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Course] = []
        self._search: list[str] = []
        self._checked: set[int] = set()  # course ids

    # ------------------------------------------------------------------ courses
    def set_courses(self, courses: Sequence[Course], *, check_all: bool = False) -> None:
        """The list to choose from; ticks of courses still listed are kept (or, with
        `check_all`, every course is ticked)."""
        rank = {term: i for i, term in enumerate(term_order([c.term or NO_TERM for c in courses]))}
        self.beginResetModel()
        self._rows = sorted(
            courses, key=lambda c: (rank[c.term or NO_TERM], c.course_code.casefold(), c.name.casefold())
        )
        self._search = [f"{c.course_code} {c.name} {c.sis_course_id or ''}".casefold() for c in self._rows]
        ids = {c.id for c in self._rows}
        self._checked = set(ids) if check_all else self._checked & ids
        self.endResetModel()
        self.checkedChanged.emit()

    def courses(self) -> list[Course]:
        return list(self._rows)

    def course_at(self, row: int) -> Course:
        return self._rows[row]

    def search_key(self, row: int) -> str:
        """Code, name and SIS id, casefolded: what the search text is matched against."""
        return self._search[row]

    # ------------------------------------------------------------------ ticks
    def is_checked(self, row: int) -> bool:
        return self._rows[row].id in self._checked

    def checked_courses(self) -> list[Course]:
        """The ticked courses, in the table's order (hidden by a filter or not)."""
        return [c for c in self._rows if c.id in self._checked]

    def checked_count(self) -> int:
        return len(self._checked)

    def set_checked_rows(self, rows: Iterable[int], checked: bool) -> None:
        """Tick (or untick) these model rows at once: one dataChanged, one checkedChanged."""
        rows = list(rows)
        if not rows:
            return
        ids = {self._rows[r].id for r in rows}
        before = len(self._checked)
        if checked:
            self._checked |= ids
        else:
            self._checked -= ids
        if len(self._checked) != before:
            self.dataChanged.emit(
                self.index(min(rows), ChoiceColumn.COURSE),
                self.index(max(rows), ChoiceColumn.COURSE),
                [Qt.ItemDataRole.CheckStateRole],
            )
            self.checkedChanged.emit()

    # ------------------------------------------------------------------ Qt model API
    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == ChoiceColumn.COURSE:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        course, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(course, column)
        if role == Qt.ItemDataRole.CheckStateRole and column == ChoiceColumn.COURSE:
            return Qt.CheckState.Checked if course.id in self._checked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == ChoiceColumn.COURSE:
                return f"{course.name}\n{course.course_code} · {course.term or NO_TERM} · course {course.id}"
            return self._text(course, column) or None
        if role == self.CourseRole:
            return course
        return None

    def setData(self, index: Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole or index.column() != ChoiceColumn.COURSE:
            return False
        self.set_checked_rows([index.row()], Qt.CheckState(value) == Qt.CheckState.Checked)  # type: ignore[call-overload]
        return True

    @staticmethod
    def _text(course: Course, column: int) -> str:
        if column == ChoiceColumn.COURSE:
            return " · ".join(p for p in (course.course_code, course.name) if p)
        if column == ChoiceColumn.SIS_ID:
            return course.sis_course_id or ""
        if column == ChoiceColumn.TERM:
            return course.term or ""
        if column == ChoiceColumn.TEACHERS:
            return ", ".join(course.teachers)
        return ""


class CourseChoiceProxy(QSortFilterProxyModel):
    """One term (by id; None: every term) and every search word in code, name or SIS id."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._term_id: int | None = None
        self._words: tuple[str, ...] = ()

    def set_term(self, term_id: int | None) -> None:
        if term_id != self._term_id:
            self.beginFilterChange()
            self._term_id = term_id
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def term(self) -> int | None:
        return self._term_id

    def set_search(self, text: str) -> None:
        words = tuple(text.casefold().split())
        if words != self._words:
            self.beginFilterChange()
            self._words = words
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def accepts(self, source_row: int) -> bool:
        """Whether the filter shows this model row."""
        model = self.sourceModel()
        if not isinstance(model, CourseChoiceModel):
            return True
        if self._term_id is not None and model.course_at(source_row).term_id != self._term_id:
            return False
        key = model.search_key(source_row)
        return all(word in key for word in self._words)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802 - Qt API
        return source_parent.isValid() or (self._term_id is None and not self._words) or self.accepts(source_row)

    def set_shown_checked(self, checked: bool) -> None:
        """Select all / Select none: tick or untick the rows the filter shows."""
        model = self.sourceModel()
        if isinstance(model, CourseChoiceModel):
            rows = [self.mapToSource(self.index(r, 0)).row() for r in range(self.rowCount())]
            model.set_checked_rows(rows, checked)

    def hidden_checked(self) -> int:
        """Ticked courses the filter hides."""
        model = self.sourceModel()
        if not isinstance(model, CourseChoiceModel) or (self._term_id is None and not self._words):
            return 0
        return sum(1 for r in range(model.rowCount()) if model.is_checked(r) and not self.accepts(r))
