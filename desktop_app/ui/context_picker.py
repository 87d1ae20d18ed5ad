"""Where to export from: a course, a group, or My files.

``ContextPicker`` shows three tabs. *Courses* has a search box (name and course code,
every word must match, as you type) and a term filter ("All terms" or one term); the
list is grouped by term, most recent term first, and any column header re-sorts it.
*Groups* lists your groups (same search box). *My files* is ``user:self``.

The widget never fetches: the shell calls ``set_courses`` / ``set_groups`` when the
background thread has them, and ``select_context`` to restore the last choice (if the
lists are not there yet, the choice is applied when they arrive). Choosing a row (or
the My files tab) emits ``contextChosen(Context, title)``.

The search box and the term filter only filter the lists: they never choose. The
chosen context stays chosen while a filter hides it (no row looks selected then) and is
selected again when it comes back into view.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.canvas.models import Context, ContextKind, Course, Group
from desktop_app.ui.icons import icon
from desktop_app.ui.search_field import search_field
from desktop_app.ui.style import use_readable_sort_arrows
from desktop_app.ui.table_base import ReadOnlyTableModel, select_source_row

Index = QModelIndex | QPersistentModelIndex

ALL_TERMS = "All terms"
NO_TERM = "No term"
MY_FILES = Context(ContextKind.USER, "self")

_SEASONS = {"winter": 0, "spring": 1, "summer": 2, "fall": 3, "autumn": 3}


def term_order(terms: Sequence[str]) -> list[str]:
    """Most recent first when a term names a year ("Fall 2025" before "Spring 2025"),
    then the others by name; "No term" last."""

    def key(term: str) -> tuple[int, int, int, str]:
        if term == NO_TERM:
            return (2, 0, 0, "")
        year = re.search(r"(19|20)\d\d", term)
        season = next((rank for name, rank in _SEASONS.items() if name in term.casefold()), -1)
        if year:
            return (0, -int(year.group(0)), -season, term.casefold())
        return (1, 0, 0, term.casefold())

    return sorted(set(terms), key=key)


def _row_of(items: Sequence[Course] | Sequence[Group], context: Context) -> int | None:
    return next((row for row, item in enumerate(items) if item.context == context), None)


class CourseListModel(ReadOnlyTableModel):
    """Courses as rows: Name, Code, Term."""

    NAME, CODE, TERM = range(3)
    HEADERS = ("Name", "Code", "Term")

    ContextRole = Qt.ItemDataRole.UserRole + 1
    TermRole = Qt.ItemDataRole.UserRole + 2  # the term's name, or NO_TERM
    SearchRole = Qt.ItemDataRole.UserRole + 3  # "name code", casefolded
    SortRole = Qt.ItemDataRole.UserRole + 4
    CourseRole = Qt.ItemDataRole.UserRole + 5

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Course] = []
        self._search: list[str] = []
        self._term_keys: list[int] = []

    def set_courses(self, courses: Sequence[Course]) -> None:
        self.beginResetModel()
        self._rows = list(courses)
        self._search = [f"{c.name} {c.course_code}".casefold() for c in self._rows]
        # The Term column sorts *descending* by default (most recent term first, names A-Z
        # within a term, "No term" last), so its header arrow says "newest first" like
        # the history's: each course gets the reverse of its place in that order.
        rank = {t: i for i, t in enumerate(term_order(self.terms()))}
        order = sorted(
            range(len(self._rows)), key=lambda r: (rank[self._rows[r].term or NO_TERM], self._rows[r].name.casefold())
        )
        self._term_keys = [0] * len(self._rows)
        for place, row in enumerate(order):
            self._term_keys[row] = len(order) - place
        self.endResetModel()

    def courses(self) -> list[Course]:
        return list(self._rows)

    def terms(self) -> list[str]:
        return term_order([c.term or NO_TERM for c in self._rows])

    def row_of(self, context: Context) -> int | None:
        return _row_of(self._rows, context)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        course = self._rows[index.row()]
        column = index.column()
        term = course.term or NO_TERM
        if role == Qt.ItemDataRole.DisplayRole:
            return (course.name, course.course_code, course.term or "")[column]
        if role == Qt.ItemDataRole.DecorationRole and column == self.NAME:
            return icon("course")
        if role == Qt.ItemDataRole.ToolTipRole:
            who = (
                "You teach this course: every export type is possible."
                if course.is_teacher
                else "You are enrolled as a student: Canvas allows only zip exports of the files you can see."
            )
            state = (
                f" ({course.workflow_state})" if course.workflow_state and course.workflow_state != "available" else ""
            )
            return f"{course.name}{state}\n{course.course_code} · {term} · course {course.id}\n{who}"
        if role == self.SortRole:
            if column == self.TERM:
                return self._term_keys[index.row()]
            return (course.name, course.course_code, term)[column].casefold()
        if role == self.ContextRole:
            return course.context
        if role == self.TermRole:
            return term
        if role == self.SearchRole:
            return self._search[index.row()]
        if role == self.CourseRole:
            return course
        return None


class GroupListModel(ReadOnlyTableModel):
    """Groups as rows: Name, Course (the group's course or account)."""

    NAME, COURSE = range(2)
    HEADERS = ("Name", "Course")
    ContextRole = CourseListModel.ContextRole
    SearchRole = CourseListModel.SearchRole

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Group] = []
        self._course_names: dict[int, str] = {}

    def set_groups(self, groups: Sequence[Group]) -> None:
        self.beginResetModel()
        self._rows = list(groups)
        self.endResetModel()

    def set_course_names(self, names: dict[int, str]) -> None:
        """Course id -> name: Canvas's group lists give a course's id, rarely its name."""
        self._course_names = dict(names)
        if self._rows:
            self.dataChanged.emit(self.index(0, self.COURSE), self.index(len(self._rows) - 1, self.COURSE))

    def course_of(self, group: Group) -> str:
        if group.context_name:
            return group.context_name
        if group.course_id is None:
            return ""
        return self._course_names.get(group.course_id, f"Course {group.course_id}")

    def groups(self) -> list[Group]:
        return list(self._rows)

    def row_of(self, context: Context) -> int | None:
        return _row_of(self._rows, context)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        group = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (group.name, self.course_of(group))[index.column()]
        if role == Qt.ItemDataRole.DecorationRole and index.column() == self.NAME:
            return icon("group")
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{group.name} (group {group.id})\nGroup exports are zip files of the group's files."
        if role == self.ContextRole:
            return group.context
        if role == self.SearchRole:
            return f"{group.name} {self.course_of(group)}".casefold()
        return None


class ContextFilterProxy(QSortFilterProxyModel):
    """Every search word must occur in name or code; optionally one term only."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._words: tuple[str, ...] = ()
        self._term: str | None = None
        self.setSortRole(CourseListModel.SortRole)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def set_search(self, text: str) -> None:
        words = tuple(text.casefold().split())
        if words != self._words:
            self._refilter(lambda: setattr(self, "_words", words))

    def set_term(self, term: str | None) -> None:
        """None (or ALL_TERMS) shows every term."""
        term = None if term in (None, ALL_TERMS) else term
        if term != self._term:
            self._refilter(lambda: setattr(self, "_term", term))

    def _refilter(self, change) -> None:  # type: ignore[no-untyped-def]
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.10
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            change()
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802 - Qt API
        if not self._words and self._term is None:
            return True
        index = self.sourceModel().index(source_row, 0, source_parent)
        if self._term is not None and index.data(CourseListModel.TermRole) != self._term:
            return False
        text = index.data(CourseListModel.SearchRole) or ""
        return all(word in text for word in self._words)


class ContextPicker(QWidget):
    """Courses / Groups / My files. See the module docstring.

    Public API:
        contextChosen(Context, str)   signal: the user (or select_context) chose a context
        set_courses(list[Course]), set_groups(list[Group])
        set_loading(text)             a note while the lists load ("" hides it)
        select_context(Context) -> bool   True if shown now (else applied on arrival)
        current_context() -> Context | None, course_for(Context) -> Course | None
        set_search_text(str), set_term(str)
    """

    contextChosen = Signal(object, str)  # Context, title

    COURSES_TAB, GROUPS_TAB, MY_FILES_TAB = range(3)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pending: Context | None = None
        self._current: Context | None = None
        self._restoring = False

        self.courses = CourseListModel(self)
        self.course_proxy = ContextFilterProxy(self)
        self.course_proxy.setSourceModel(self.courses)
        self.groups = GroupListModel(self)
        self.group_proxy = ContextFilterProxy(self)
        self.group_proxy.setSortRole(Qt.ItemDataRole.DisplayRole)
        self.group_proxy.setSourceModel(self.groups)

        self.search_edit = search_field(
            self, "Search courses and groups", "Search courses and groups", "Type part of a course name or course code"
        )
        self.search_edit.textChanged.connect(self.set_search_text)

        self.term_combo = QComboBox(self)
        self.term_combo.setAccessibleName("Term")
        self.term_combo.setToolTip("Show the courses of one term only")
        self.term_combo.addItem(ALL_TERMS)
        self.term_combo.currentTextChanged.connect(lambda term: self._filter(lambda: self.course_proxy.set_term(term)))

        self.course_view = self._list_view(self.course_proxy, "Courses")
        self.course_view.sortByColumn(CourseListModel.TERM, Qt.SortOrder.DescendingOrder)  # newest term first
        self.group_view = self._list_view(self.group_proxy, "Groups")
        self.group_view.sortByColumn(GroupListModel.NAME, Qt.SortOrder.AscendingOrder)

        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.status_label.setAccessibleName("Course list status")
        self.status_label.hide()

        courses_page = QWidget(self)
        term_row = QHBoxLayout()
        term_row.setContentsMargins(0, 0, 0, 0)
        term_label = QLabel("&Term:", courses_page)
        term_label.setBuddy(self.term_combo)
        term_row.addWidget(term_label)
        term_row.addWidget(self.term_combo, 1)
        courses_layout = QVBoxLayout(courses_page)
        courses_layout.setContentsMargins(4, 4, 4, 4)
        courses_layout.addLayout(term_row)
        courses_layout.addWidget(self.course_view, 1)

        groups_page = QWidget(self)
        groups_layout = QVBoxLayout(groups_page)
        groups_layout.setContentsMargins(4, 4, 4, 4)
        groups_layout.addWidget(self.group_view, 1)

        my_files_page = QWidget(self)
        title = QLabel("<b>My files</b>", my_files_page)
        title.setAccessibleName("My files")
        text = QLabel(
            "Your personal files in Canvas (<code>user:self</code>). "
            "Canvas exports them as a zip file; you can pick folders and files on the right.",
            my_files_page,
        )
        text.setWordWrap(True)
        picture = QLabel(my_files_page)
        picture.setPixmap(icon("my-files").pixmap(48, 48))
        picture.setAccessibleName("My files icon")
        my_layout = QVBoxLayout(my_files_page)
        my_layout.addWidget(picture, 0, Qt.AlignmentFlag.AlignHCenter)
        my_layout.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        my_layout.addWidget(text)
        my_layout.addStretch(1)

        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Export from")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(courses_page, icon("course"), "Courses")
        self.tabs.addTab(groups_page, icon("group"), "Groups")
        self.tabs.addTab(my_files_page, icon("my-files"), "My files")
        self.tabs.setTabToolTip(self.COURSES_TAB, "Courses you are enrolled in")
        self.tabs.setTabToolTip(self.GROUPS_TAB, "Groups you belong to (zip exports only)")
        self.tabs.setTabToolTip(self.MY_FILES_TAB, "Your personal files (zip exports only)")
        self.tabs.currentChanged.connect(self._tab_changed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.status_label)
        layout.addWidget(self.tabs, 1)
        # Tab follows the picker top to bottom: search, the Courses/Groups/My files tabs,
        # then the page's term filter and list (the tab bar, made last, came after them,
        # so Tab went from the list back up to the tabs).
        QWidget.setTabOrder(self.search_edit, self.tabs)
        QWidget.setTabOrder(self.tabs, self.term_combo)

        self.course_view.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._row_chosen(cur))
        self.group_view.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._row_chosen(cur))
        self.course_view.clicked.connect(self._row_chosen)
        self.group_view.clicked.connect(self._row_chosen)

    def _list_view(self, model: QSortFilterProxyModel, name: str) -> QTreeView:
        view = QTreeView(self)
        view.setTabKeyNavigation(False)  # one Tab stop: Tab leaves, arrow keys move inside
        view.setModel(model)
        view.setRootIsDecorated(False)
        view.setUniformRowHeights(True)
        view.setAllColumnsShowFocus(True)
        view.setSortingEnabled(True)
        use_readable_sort_arrows(view.header())
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setAccessibleName(name)
        view.header().setStretchLastSection(False)
        view.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, model.columnCount()):
            view.header().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        return view

    # ------------------------------------------------------------------ public API
    def set_courses(self, courses: Sequence[Course]) -> None:
        keep = self._current if self._current and self._current.kind is ContextKind.COURSE else None
        self._restoring = True
        try:
            self.courses.set_courses(courses)
            self.groups.set_course_names({c.id: c.name for c in courses})
            term = self.term_combo.currentText()
            self.term_combo.blockSignals(True)
            self.term_combo.clear()
            self.term_combo.addItem(ALL_TERMS)
            self.term_combo.addItems(self.courses.terms())
            self.term_combo.setCurrentIndex(max(0, self.term_combo.findText(term)))
            self.term_combo.blockSignals(False)
            self.course_proxy.set_term(self.term_combo.currentText())
            if keep is not None:
                select_source_row(self.course_view, self.course_proxy, self.courses.row_of(keep))
        finally:
            self._restoring = False
        self.set_loading("" if courses else "You are not enrolled in any course.")
        self._apply_pending()

    def set_groups(self, groups: Sequence[Group]) -> None:
        keep = self._current if self._current and self._current.kind is ContextKind.GROUP else None
        self._restoring = True
        try:
            self.groups.set_groups(groups)
            if keep is not None:
                select_source_row(self.group_view, self.group_proxy, self.groups.row_of(keep))
        finally:
            self._restoring = False
        self._apply_pending()

    def set_loading(self, text: str) -> None:
        """Show a short note above the tabs ("Loading your courses…"); "" hides it."""
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))

    def set_search_text(self, text: str) -> None:
        if self.search_edit.text() != text:
            self.search_edit.setText(text)  # comes back here through textChanged
            return
        self._filter(lambda: (self.course_proxy.set_search(text), self.group_proxy.set_search(text)))

    def set_term(self, term: str) -> None:
        index = self.term_combo.findText(term)
        self.term_combo.setCurrentIndex(max(0, index))

    def current_context(self) -> Context | None:
        return self._current

    def course_for(self, context: Context) -> Course | None:
        row = self.courses.row_of(context)
        return self.courses.courses()[row] if row is not None else None

    def select_context(self, context: Context) -> bool:
        """Choose ``context`` as if the user had (``contextChosen`` fires, unless it
        already is the current context).

        Returns False when its list has not arrived yet (or does not hold it); the
        choice is then remembered and applied by ``set_courses``/``set_groups``.
        """
        if context.kind is ContextKind.USER:
            if context != MY_FILES:
                return False  # only your own files can be picked here
            self._pending = None
            if self.tabs.currentIndex() == self.MY_FILES_TAB:
                self._choose(MY_FILES, "My files")
            else:
                self.tabs.setCurrentIndex(self.MY_FILES_TAB)
            return True
        if context.kind is ContextKind.COURSE:
            row = self.courses.row_of(context)
            view, proxy, tab = self.course_view, self.course_proxy, self.COURSES_TAB
        else:
            row = self.groups.row_of(context)
            view, proxy, tab = self.group_view, self.group_proxy, self.GROUPS_TAB
        if row is None:
            self._pending = context
            return False
        self._pending = None
        if not proxy.mapFromSource(proxy.sourceModel().index(row, 0)).isValid():
            self.set_search_text("")  # a filter hides it: show everything
            self.set_term(ALL_TERMS)
        self._restoring = True
        try:
            self.tabs.setCurrentIndex(tab)
        finally:
            self._restoring = False
        select_source_row(view, proxy, row)
        self._row_chosen(view.currentIndex())
        return True

    def forget_choice(self) -> None:
        """Nothing is chosen any more (another account signed in): choosing the same
        course again is a new choice, and ``contextChosen`` fires for it."""
        self._current = None
        self._pending = None
        for view in (self.course_view, self.group_view):
            view.selectionModel().clearSelection()

    # ------------------------------------------------------------------ internals
    def _apply_pending(self) -> None:
        if self._pending is not None:
            self.select_context(self._pending)

    def _filter(self, change) -> None:  # type: ignore[no-untyped-def]
        """Apply a filter change without choosing anything: Qt moves a list's current
        row when the filter hides it, which must not reach ``_row_chosen``. Afterwards
        each list selects what was chosen in it if it is in view, else nothing."""
        views = (
            (self.course_view, self.course_proxy, self.courses, ContextKind.COURSE),
            (self.group_view, self.group_proxy, self.groups, ContextKind.GROUP),
        )
        chosen: list[Context | None] = []
        for view, _proxy, _model, kind in views:
            if self._current is not None and self._current.kind is kind:
                chosen.append(self._current)
                continue
            index = view.currentIndex()
            selected = index.isValid() and view.selectionModel().isRowSelected(index.row(), QModelIndex())
            chosen.append(index.data(CourseListModel.ContextRole) if selected else None)
        restoring, self._restoring = self._restoring, True
        try:
            change()
            for (view, proxy, model, _kind), context in zip(views, chosen, strict=True):
                if context is None:
                    continue
                row = model.row_of(context)
                if row is not None and proxy.mapFromSource(model.index(row, 0)).isValid():
                    select_source_row(view, proxy, row)
                else:
                    view.selectionModel().clearSelection()
                    view.selectionModel().clearCurrentIndex()
        finally:
            self._restoring = restoring

    def _row_chosen(self, index: QModelIndex) -> None:
        if self._restoring or not index.isValid():
            return
        context = index.data(CourseListModel.ContextRole)
        title = index.sibling(index.row(), 0).data(Qt.ItemDataRole.DisplayRole)
        if context is not None:
            self._choose(context, str(title))

    def _tab_changed(self, tab: int) -> None:
        if self._restoring:
            return
        if tab == self.MY_FILES_TAB:
            self._choose(MY_FILES, "My files")
            return
        view = self.course_view if tab == self.COURSES_TAB else self.group_view
        index = view.currentIndex()
        if index.isValid() and view.selectionModel().isRowSelected(index.row(), QModelIndex()):
            self._row_chosen(index)

    def _choose(self, context: Context, title: str) -> None:
        if context == self._current:
            return
        self._current = context
        self.contextChosen.emit(context, title)
