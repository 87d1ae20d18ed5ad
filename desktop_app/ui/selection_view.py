"""The selection panel: filter box, Select all / none, the checkable tree, a summary line.

``SelectionPanel`` owns a ``SelectionModel`` (``panel.model``) and shows it through
``SelectionFilterProxy`` so typing in the filter box narrows the tree while the
checkboxes keep working (``setData`` goes through the proxy to the model).

Embedding (the shell):

    panel = SelectionPanel()
    panel.model.branchRequested.connect(load_branch_in_background)   # lazy loading
    panel.selectionChanged.connect(update_start_button)
    panel.set_export_type(ExportType.ZIP)
    panel.select_hash()  /  panel.summary()
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.canvas.models import ExportType, SelectKey
from desktop_app.ui.icons import icon
from desktop_app.ui.search_field import FilterOnPause, search_field
from desktop_app.ui.selection_model import BranchStatus, SelectionModel
from desktop_app.ui.style import FocusRingDelegate, use_visible_check_boxes

Index = QModelIndex | QPersistentModelIndex


class SelectionFilterProxy(QSortFilterProxyModel):
    """Shows rows whose title contains every word of the filter (case-insensitive),
    with their ancestors (so matches can be reached) and everything inside a matching
    folder or module (so a folder found by name can be checked as a whole).

    Why not ``setRecursiveFilteringEnabled(True)``: Qt's recursive filtering asks
    ``filterAcceptsRow`` (Python) again for every row below each rejected row, several
    times over for deep trees: over 500 ms for 22,000 rows. Instead the model computes
    the visible rows in one pass (``SelectionModel.visible_keys``) and this proxy only
    looks rows up, for the parents a view actually maps. The set is recomputed lazily
    when the model's tree changes shape (``SelectionModel.generation``).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._words: tuple[str, ...] = ()
        self._visible: set[int] = set()
        self._generation = -1
        self.setRecursiveFilteringEnabled(False)  # see the class docstring
        self.setDynamicSortFilter(True)

    def filter_text(self) -> str:
        return " ".join(self._words)

    def visible_count(self) -> int:
        """How many rows the filter shows (all rows when no filter is set: -1)."""
        return len(self._current_visible()) if self._words else -1

    def set_filter_text(self, text: str) -> None:
        words = tuple(text.casefold().split())
        if words == self._words:
            return
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.10
            self.beginFilterChange()
            self._words = words
            self._generation = -1
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            self._words = words
            self._generation = -1
            self.invalidateRowsFilter()

    def _current_visible(self) -> set[int]:
        model = self.sourceModel()
        if self._generation != model.generation:
            self._visible = model.visible_keys(self._words)
            self._generation = model.generation
        return self._visible

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802 - Qt API
        # Called for every row of every parent a view lays out: kept to a set lookup.
        if not self._words:
            return True
        model = self.sourceModel()
        visible = self._visible if self._generation == model.generation else self._current_visible()
        return model.row_key(source_row, source_parent) in visible


class SelectionPanel(QWidget):
    """Filter + Select all/none + tree + summary. Emits ``selectionChanged()``.

    Public API:
        model: SelectionModel              the data (fill it with set_branch_items & co)
        proxy: SelectionFilterProxy        what the tree shows
        view: QTreeView
        selectionChanged()                 signal: checks or export type changed
        set_export_type(ExportType | None)
        select_hash() -> dict[SelectKey, list[int]]   for the current export type
        summary() -> str                   "Everything" / "3 pages, 42 files"
        set_filter_text(str)               filter immediately (typing is debounced)
        select_all() / select_none()       on the rows the filter shows, or everything
        reset(branches)                    new context
    """

    selectionChanged = Signal()

    FILTER_DELAY_MS = 150
    """Typing waits this long before refiltering: one filter pass over 20,000 rows
    costs tens of milliseconds, so per keystroke would make typing stutter."""

    def __init__(self, parent: QWidget | None = None, model: SelectionModel | None = None) -> None:
        super().__init__(parent)
        self.model = model or SelectionModel(self)
        self._expanded_before: list[QPersistentModelIndex] = []
        self.proxy = SelectionFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.filter_edit = search_field(
            self, "Filter by name", "Filter content", "Show only items whose name contains all of these words"
        )

        self.select_all_button = self._button(
            "Select all", "Check every item shown (only the filtered rows when a filter is set)"
        )
        self.select_none_button = self._button(
            "Select none", "Uncheck every item shown (only the filtered rows when a filter is set)"
        )
        self.select_all_button.clicked.connect(self.select_all)
        self.select_none_button.clicked.connect(self.select_none)

        self.view = QTreeView(self)
        self.view.setTabKeyNavigation(False)  # one Tab stop: Tab leaves, arrow keys move inside
        self.view.setModel(self.proxy)
        self.view.setHeaderHidden(True)
        self.view.setUniformRowHeights(True)  # lets Qt lay out 20,000 rows without measuring each
        self.view.setAnimated(False)
        self.view.setItemDelegate(FocusRingDelegate(self.view))  # a focus ring keyboard users can see
        use_visible_check_boxes(self.view)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAccessibleName("Content to export")
        self.view.setAccessibleDescription("Check what to include; Space toggles the current row")
        self.view.setToolTip("")
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(
            lambda pos: self.build_context_menu(self.view.indexAt(pos)).popup(self.view.viewport().mapToGlobal(pos))
        )

        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        self.summary_label.setAccessibleName("Selection summary")
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary_label.setContentsMargins(4, 2, 4, 2)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.select_all_button)
        top.addWidget(self.select_none_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.summary_label)

        self._filter_pause = FilterOnPause(self.filter_edit, self.set_filter_text, self.FILTER_DELAY_MS)

        self.model.checksChanged.connect(self._on_checks_changed)
        self.model.modelReset.connect(self._update_summary)
        self._update_summary()

    def _button(self, text: str, tip: str) -> QPushButton:
        """A plain push button: with a checkbox icon and no frame (an auto-raise tool
        button) it read as one more checkbox next to the tree's own."""
        button = QPushButton(text, self)
        button.setToolTip(tip)
        button.setAccessibleName(text)
        button.setAutoDefault(False)  # Enter in the filter box filters; it never checks everything
        return button

    # ------------------------------------------------------------------ public API
    def reset(self, branches: tuple[SelectKey, ...] | list[SelectKey] | None = None) -> None:
        """A new context: forget content and checks, clear the filter."""
        self.filter_edit.clear()
        self.set_filter_text("")
        if branches is None:
            self.model.reset()
        else:
            self.model.reset(branches)

    def set_export_type(self, export_type: ExportType | None) -> None:
        self.model.set_export_type(export_type)
        self._update_summary()

    def select_hash(self) -> dict[SelectKey, list[int]]:
        return self.model.select_hash() if self.model.export_type() else {}

    def summary(self) -> str:
        return self.model.summary() if self.model.export_type() else "Everything"

    EXPAND_ALL_LIMIT = 3000
    """Filter results up to this many rows are fully expanded; beyond, only the branches
    (laying out tens of thousands of expanded rows takes seconds)."""

    def set_filter_text(self, text: str) -> None:
        """Filter now (the line edit calls this after a short pause in typing).

        The rows expanded before filtering are expanded again when the filter is cleared.
        """
        self._filter_pause.show_text(text)
        was_filtered = bool(self.proxy.filter_text())
        if not was_filtered and text.strip():
            self._expanded_before = self._expanded_source_indexes()
        if was_filtered:
            self.view.collapseAll()  # before refiltering: never lay out a huge expanded tree
        self.proxy.set_filter_text(text)
        if self.proxy.filter_text():
            if self.proxy.visible_count() <= self.EXPAND_ALL_LIMIT:
                self.view.expandAll()
            else:
                self.view.expandToDepth(0)
        elif was_filtered:
            for source in self._expanded_before:
                if source.isValid():
                    self.view.expand(self.proxy.mapFromSource(QModelIndex(source)))
            self._expanded_before = []

    def _expanded_source_indexes(self) -> list[QPersistentModelIndex]:
        """Expanded rows (as persistent source indexes), walking only expanded parents."""
        expanded: list[QPersistentModelIndex] = []
        stack = [QModelIndex()]
        while stack:
            parent = stack.pop()
            for row in range(self.proxy.rowCount(parent)):
                child = self.proxy.index(row, 0, parent)
                if self.view.isExpanded(child):
                    expanded.append(QPersistentModelIndex(self.proxy.mapToSource(child)))
                    stack.append(child)
        return expanded

    def select_all(self) -> None:
        self._set_shown(True)

    def select_none(self) -> None:
        self._set_shown(False)

    def build_context_menu(self, index: QModelIndex) -> QMenu:
        """Check / uncheck a row with everything below it; reload a branch from Canvas
        (the way to retry after "could not load"). Public so tests can drive it."""
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if not index.isValid():
            menu.addAction(icon("select-all"), "Select all", self.select_all)
            menu.addAction(icon("select-none"), "Select none", self.select_none)
            return menu
        source = QPersistentModelIndex(self.proxy.mapToSource(index))
        title = str(index.data(SelectionModel.SearchRole))
        flags = index.flags()
        usable = bool(flags & Qt.ItemFlag.ItemIsEnabled and flags & Qt.ItemFlag.ItemIsUserCheckable)
        check = menu.addAction(
            icon("select-all"), f"Check “{title}”", lambda: self.model.set_checked([QModelIndex(source)], True)
        )
        uncheck = menu.addAction(
            icon("select-none"), f"Uncheck “{title}”", lambda: self.model.set_checked([QModelIndex(source)], False)
        )
        check.setEnabled(usable)
        uncheck.setEnabled(usable)
        if not index.parent().isValid():  # a branch row
            key = index.data(SelectionModel.KeyRole)
            status = self.model.branch_state(key).status
            menu.addSeparator()
            reload = menu.addAction(
                icon("refresh"), f"Reload {title.lower()} from Canvas", lambda: self.model.request_branch(key)
            )
            reload.setEnabled(status is not BranchStatus.LOADING)
        return menu

    # ------------------------------------------------------------------ internals
    def _set_shown(self, checked: bool) -> None:
        if not self.proxy.filter_text():
            self.model.set_all(checked)
            return
        # With a filter, act on the shown leaves only: a folder that merely contains a
        # match must not pull in its other files.
        leaves = []
        stack = [QModelIndex()]
        while stack:
            parent = stack.pop()
            rows = self.proxy.rowCount(parent)
            if rows == 0 and parent.isValid():
                leaves.append(self.proxy.mapToSource(parent))
                continue
            stack.extend(self.proxy.index(row, 0, parent) for row in range(rows))
        self.model.set_checked(leaves, checked)

    def _on_checks_changed(self) -> None:
        self._update_summary()
        self.selectionChanged.emit()

    def _update_summary(self) -> None:
        export_type = self.model.export_type()
        if export_type is None:
            text = "Choose an export type to see what will be exported."
        else:
            summary = self.model.summary()
            if summary == "Everything":
                what = {
                    ExportType.ZIP: "all files",
                    ExportType.QTI: "all quizzes",
                    ExportType.COMMON_CARTRIDGE: "the whole course",
                }[export_type]
                text = f"Nothing checked: the export will contain {what}."
            else:
                text = f"Selected: {summary}"
        self.summary_label.setText(text)
