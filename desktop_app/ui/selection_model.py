"""The selection tree: what to put in an export, as a checkable, lazily filled tree.

One top-level *branch* per kind of content (Files, Modules, Pages, ...). The GUI thread
never fetches: the shell asks the background thread for a branch's items (when the
user expands the branch, the model emits ``branchRequested``; or up front when a
context is chosen) and hands them over with ``set_branch_items``.

Why a hand-written ``QAbstractItemModel`` and not ``QStandardItemModel``: auto-tristate
does not work inside a QStandardItemModel, and a model of 20,000 QStandardItems is slow
to fill. Here every row is a small ``_Node`` with ``__slots__``; check states are kept
consistent with two counters per parent (checked children, partially checked children),
so a click updates its ancestors in O(depth) and checking a branch touches each node
once. ``dataChanged`` is emitted once per parent over the whole child range, for the
check-state role only, so a proxy model does not refilter.

The model turns the checks into the API's ``select`` hash (``select_hash``) with the
rules of each export type (see ``ACCEPTED_KEYS`` in ``desktop_app.canvas.models``).
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from desktop_app.canvas.models import ACCEPTED_KEYS, ContentItem, ExportType, SelectKey
from desktop_app.sizes import human_size
from desktop_app.ui.icons import icon

Index = QModelIndex | QPersistentModelIndex

UNCHECKED, PARTIAL, CHECKED = 0, 1, 2
_QT_STATE = (Qt.CheckState.Unchecked, Qt.CheckState.PartiallyChecked, Qt.CheckState.Checked)


class BranchStatus(enum.Enum):
    NOT_LOADED = "not loaded"
    LOADING = "loading"
    LOADED = "loaded"
    ERROR = "error"


@dataclass(frozen=True)
class BranchState:
    """Where a branch's data stands; ``message`` explains an ERROR."""

    status: BranchStatus
    message: str = ""
    count: int = 0


class NodeKind(enum.IntEnum):
    BRANCH = 0
    FOLDER = 1
    FILE = 2
    MODULE = 3
    MODULE_ITEM = 4
    ITEM = 5  # a page, quiz, assignment, ... (flat branches)


BRANCHES: tuple[SelectKey, ...] = (
    SelectKey.FILES,
    SelectKey.MODULES,
    SelectKey.PAGES,
    SelectKey.ASSIGNMENTS,
    SelectKey.QUIZZES,
    SelectKey.ANNOUNCEMENTS,
    SelectKey.DISCUSSION_TOPICS,
    SelectKey.CALENDAR_EVENTS,
    SelectKey.RUBRICS,
)
"""Branch order in the tree. Folders live in the Files branch, module items in Modules."""

BRANCH_OF: dict[SelectKey, SelectKey] = {key: key for key in BRANCHES} | {
    SelectKey.FOLDERS: SelectKey.FILES,
    SelectKey.MODULE_ITEMS: SelectKey.MODULES,
}
"""Which branch an item of a given key belongs to."""

_BRANCH_KEYS: dict[SelectKey, frozenset[SelectKey]] = {
    branch: frozenset(k for k, b in BRANCH_OF.items() if b is branch) for branch in BRANCHES
}

_DISABLED_REASON = {
    ExportType.ZIP: "Zip exports contain only files and folders",
    ExportType.QTI: "QTI exports contain only quizzes",
    ExportType.COMMON_CARTRIDGE: "Common Cartridge exports do not use this",
}

_ICON_NAME = {
    SelectKey.FILES: "folder",
    SelectKey.MODULES: "module",
    SelectKey.PAGES: "page",
    SelectKey.ASSIGNMENTS: "assignment",
    SelectKey.QUIZZES: "quiz",
    SelectKey.ANNOUNCEMENTS: "announcement",
    SelectKey.DISCUSSION_TOPICS: "discussion",
    SelectKey.CALENDAR_EVENTS: "calendar",
    SelectKey.RUBRICS: "rubric",
}
_KIND_ICON = {
    NodeKind.FOLDER: "folder",
    NodeKind.FILE: "file",
    NodeKind.MODULE: "module",
    NodeKind.MODULE_ITEM: "module-item",
}

_NOUNS: dict[SelectKey, tuple[str, str]] = {
    SelectKey.FOLDERS: ("folder", "folders"),
    SelectKey.FILES: ("file", "files"),
    SelectKey.MODULES: ("module", "modules"),
    SelectKey.MODULE_ITEMS: ("module item", "module items"),
    SelectKey.PAGES: ("page", "pages"),
    SelectKey.ASSIGNMENTS: ("assignment", "assignments"),
    SelectKey.QUIZZES: ("quiz", "quizzes"),
    SelectKey.ANNOUNCEMENTS: ("announcement", "announcements"),
    SelectKey.DISCUSSION_TOPICS: ("discussion", "discussions"),
    SelectKey.CALENDAR_EVENTS: ("calendar event", "calendar events"),
    SelectKey.RUBRICS: ("rubric", "rubrics"),
}


def count_text(count: int, key: SelectKey) -> str:
    """``"1 page"``, ``"20,000 files"``."""
    singular, plural = _NOUNS[key]
    return f"{count:,} {singular if count == 1 else plural}"


def branches_for(kind: object) -> tuple[SelectKey, ...]:
    """The branches that exist for a context kind: groups and users only have files.

    (Groups do have pages and discussions, but a group export is always a zip, which
    contains only files, so showing those branches would only show disabled rows.)
    """
    from desktop_app.canvas.models import ContextKind

    return BRANCHES if kind == ContextKind.COURSE else (SelectKey.FILES,)


def _flags(enabled: bool, checkable: bool, leaf: bool) -> Qt.ItemFlag:
    flags = Qt.ItemFlag.ItemIsSelectable
    if enabled:
        flags |= Qt.ItemFlag.ItemIsEnabled
    if checkable:
        flags |= Qt.ItemFlag.ItemIsUserCheckable
    if leaf:
        flags |= Qt.ItemFlag.ItemNeverHasChildren
    return flags


_FLAGS = {(e, c, n): _flags(e, c, n) for e in (False, True) for c in (False, True) for n in (False, True)}
"""Every flag combination, built once: combining Qt enum flags costs ~1 µs per ``|``,
and views ask for flags of every row they lay out."""


class _Node:
    """One row. Internal nodes derive their state from the two child counters."""

    __slots__ = (
        "kind",
        "key",
        "item_id",
        "title",
        "size",
        "parent",
        "children",
        "row",
        "state",
        "n_checked",
        "n_partial",
        "file_total",
        "search_text",
    )

    def __init__(self, kind: NodeKind, key: SelectKey, item_id: int, title: str, size: int | None = None) -> None:
        self.kind = kind
        self.key = key
        self.item_id = item_id
        self.title = title
        self.size = size
        self.parent: _Node | None = None
        self.children: list[_Node] = []
        self.row = 0
        self.state = UNCHECKED
        self.n_checked = 0
        self.n_partial = 0
        self.file_total = 0
        self.search_text = title.casefold()

    def derived_state(self) -> int:
        if not self.children:
            return self.state
        if self.n_checked == len(self.children):
            return CHECKED
        return PARTIAL if (self.n_checked or self.n_partial) else UNCHECKED


class _Branch(_Node):
    __slots__ = ("status", "message", "hoisted_folder_id", "files", "enabled", "reason")

    def __init__(self, key: SelectKey, row: int) -> None:
        super().__init__(NodeKind.BRANCH, key, 0, key.label)
        self.row = row
        self.status = BranchStatus.NOT_LOADED
        self.message = ""
        self.hoisted_folder_id: int | None = None  # the root folder the branch stands for
        self.files: list[_Node] = []  # every file node, for CC's "all checked files"
        self.enabled = True
        self.reason = ""

    @property
    def count(self) -> int:
        if self.key is SelectKey.FILES:
            return len(self.files)
        return len(self.children)


class SelectionModel(QAbstractItemModel):
    """Checkable tree of a context's content, one branch per ``SelectKey``.

    Signals:
        checksChanged(): the set of checked items changed (once per user action).
        branchRequested(SelectKey): the view expanded a branch that has no data yet;
            the shell should load it in the background and call ``set_branch_loading``
            (done for you here) then ``set_branch_items`` or ``set_branch_error``.

    Filling: ``reset(branches)`` when the context changes, then per branch
    ``set_branch_loading(key)`` / ``set_branch_items(key, items)`` /
    ``set_branch_error(key, message)``. For the Files branch pass the folders
    (``SelectKey.FOLDERS``) and files (``SelectKey.FILES``) together in one call; for
    Modules the modules and their module items together.
    """

    checksChanged = Signal()
    branchRequested = Signal(object)  # SelectKey

    KeyRole = Qt.ItemDataRole.UserRole + 1  # SelectKey of the row (FOLDERS/FILES/... for items)
    IdRole = Qt.ItemDataRole.UserRole + 2  # the Canvas id (items), 0 for branches
    KindRole = Qt.ItemDataRole.UserRole + 3  # NodeKind as int
    SearchRole = Qt.ItemDataRole.UserRole + 4  # plain title, for filtering

    def __init__(self, parent: QObject | None = None, branches: Sequence[SelectKey] = BRANCHES) -> None:
        super().__init__(parent)
        self._export_type: ExportType | None = None
        # Rows removed lately stay referenced for a while: model indexes point at nodes
        # through a raw pointer (createIndex), so a view or proxy still holding a stale
        # index while it catches up must never find a freed object.
        self._retired: deque[list[_Node]] = deque(maxlen=3)
        self.generation = 0  # bumped on every change of the tree's shape (filters cache on it)
        self._branches: list[_Branch] = []
        self._by_key: dict[SelectKey, _Branch] = {}
        self._build_branches(branches)

    # ------------------------------------------------------------------ structure
    def _build_branches(self, branches: Sequence[SelectKey]) -> None:
        keys = [BRANCH_OF[k] for k in branches]
        self.generation += 1
        if getattr(self, "_branches", None):
            self._retired.append(list(self._branches))
        if len(set(keys)) != len(keys):
            raise ValueError("each branch may appear only once")
        self._branches = [_Branch(key, row) for row, key in enumerate(keys)]
        self._by_key = {b.key: b for b in self._branches}
        self._apply_type_rules()

    def reset(self, branches: Sequence[SelectKey] = BRANCHES) -> None:
        """Forget all content (a new context was chosen) and show ``branches`` unloaded."""
        self.beginResetModel()
        self._build_branches(branches)
        self.endResetModel()
        self.checksChanged.emit()

    def branch_keys(self) -> list[SelectKey]:
        return [b.key for b in self._branches]

    def item_title(self, key: SelectKey | str, item_id: int) -> str | None:
        """The title of a loaded item (the details pane names what a job selected);
        None when its branch is not loaded or it is not there."""
        try:
            key = SelectKey(key)
        except ValueError:
            return None
        branch = self._by_key.get(key) or self._by_key.get(BRANCH_OF.get(key, key))
        if branch is None:
            return None
        stack = list(branch.children)
        while stack:
            node = stack.pop()
            if node.key is key and node.item_id == item_id and node.kind is not NodeKind.BRANCH:
                return node.title
            stack.extend(node.children)
        return None

    def branch_index(self, key: SelectKey) -> QModelIndex:
        """The model index of a branch row (invalid if the branch is not shown)."""
        branch = self._by_key.get(BRANCH_OF[key])
        return self.createIndex(branch.row, 0, branch) if branch else QModelIndex()

    def _branch(self, key: SelectKey) -> _Branch:
        try:
            return self._by_key[BRANCH_OF[key]]
        except KeyError:
            raise KeyError(f"the tree has no {key.label} branch") from None

    # ------------------------------------------------------------------ loading
    def branch_state(self, key: SelectKey) -> BranchState:
        branch = self._branch(key)
        return BranchState(branch.status, branch.message, branch.count)

    def set_branch_loading(self, key: SelectKey) -> None:
        branch = self._branch(key)
        branch.status, branch.message = BranchStatus.LOADING, ""
        self._branch_changed(branch)

    def set_branch_error(self, key: SelectKey, message: str) -> None:
        """The background load failed; existing rows (if any) stay, the title says so."""
        branch = self._branch(key)
        branch.status, branch.message = BranchStatus.ERROR, message
        self._branch_changed(branch)

    def set_branch_items(self, key: SelectKey, items: Iterable[ContentItem]) -> None:
        """Replace a branch's rows with ``items`` (they all start unchecked).

        Folders and files build a tree by ``parent_id``: a single root folder (Canvas's
        "course files") is hoisted into the branch row itself, so checking "Files"
        means that folder. Folders whose parent is unknown, and files whose folder is
        unknown, appear at the top of the branch. Folders come before files, each
        sorted by name; other branches keep Canvas's order.
        """
        branch = self._branch(key)
        allowed = _BRANCH_KEYS[branch.key]
        items = list(items)
        for item in items:
            if item.key not in allowed:
                raise ValueError(f"{item.key.label} items do not belong in the {branch.key.label} branch")
        was_checked = branch.derived_state() != UNCHECKED
        self.generation += 1
        index = self.createIndex(branch.row, 0, branch)
        if branch.children:
            self.beginRemoveRows(index, 0, len(branch.children) - 1)
            self._retired.append(branch.children)
            branch.children = []
            branch.files = []
            branch.n_checked = branch.n_partial = 0
            branch.state = UNCHECKED
            self.endRemoveRows()
        if branch.key is SelectKey.FILES:
            children = self._build_files(branch, items)
        elif branch.key is SelectKey.MODULES:
            children = self._build_modules(items)
        else:
            children = [_Node(NodeKind.ITEM, item.key, item.id, item.title) for item in items]
        branch.status, branch.message = BranchStatus.LOADED, ""
        if children:
            self.beginInsertRows(index, 0, len(children) - 1)
            for row, child in enumerate(children):
                child.parent = branch
                child.row = row
            branch.children = children
            self.endInsertRows()
        self._branch_changed(branch)
        if was_checked:
            self.checksChanged.emit()

    def _build_files(self, branch: _Branch, items: list[ContentItem]) -> list[_Node]:
        folders: dict[int, _Node] = {}
        folder_parent: dict[int, int | None] = {}
        files: list[tuple[ContentItem, _Node]] = []
        for item in items:
            if item.key is SelectKey.FOLDERS:
                folders[item.id] = _Node(NodeKind.FOLDER, SelectKey.FOLDERS, item.id, item.title)
                folder_parent[item.id] = item.parent_id
            else:
                files.append((item, _Node(NodeKind.FILE, SelectKey.FILES, item.id, item.title, item.size)))
        roots = [fid for fid, pid in folder_parent.items() if pid is None or pid not in folders]
        branch.hoisted_folder_id = roots[0] if len(roots) == 1 else None
        top: list[_Node] = []
        children_of: dict[int, list[_Node]] = {fid: [] for fid in folders}

        def container(parent_id: int | None) -> list[_Node]:
            if parent_id is None or parent_id == branch.hoisted_folder_id or parent_id not in children_of:
                return top
            return children_of[parent_id]

        for fid, pid in folder_parent.items():
            if fid != branch.hoisted_folder_id:
                container(pid).append(folders[fid])
        # Malformed data (a parent cycle) would make folders unreachable: hang them on top.
        reachable: set[int] = set()
        stack = [n for n in top if n.kind is NodeKind.FOLDER]
        while stack:
            node = stack.pop()
            reachable.add(node.item_id)
            stack.extend(children_of[node.item_id])
        for fid, node in folders.items():
            if fid not in reachable and fid != branch.hoisted_folder_id:
                parent_list = container(folder_parent[fid])
                parent_list[:] = [n for n in parent_list if n is not node]
                top.append(node)
                stack = [node]
                while stack:
                    current = stack.pop()
                    reachable.add(current.item_id)
                    stack.extend(c for c in children_of[current.item_id] if c.item_id not in reachable)
        file_nodes = []
        for item, node in files:
            container(item.parent_id).append(node)
            file_nodes.append(node)
        branch.files = file_nodes

        def sort_key(node: _Node) -> tuple[int, str]:
            return (0 if node.kind is NodeKind.FOLDER else 1, node.search_text)

        def attach(parent: _Node, kids: list[_Node]) -> None:
            kids.sort(key=sort_key)
            parent.children = kids
            for row, kid in enumerate(kids):
                kid.parent = parent
                kid.row = row

        for fid, node in folders.items():
            if fid != branch.hoisted_folder_id:
                attach(node, children_of[fid])
        top.sort(key=sort_key)
        # file totals, children before parents (iterative post-order)
        order: list[_Node] = []
        stack = list(top)
        while stack:
            node = stack.pop()
            order.append(node)
            stack.extend(node.children)
        for node in reversed(order):
            node.file_total = 1 if node.kind is NodeKind.FILE else sum(c.file_total for c in node.children)
        return top

    def _build_modules(self, items: list[ContentItem]) -> list[_Node]:
        modules: dict[int, _Node] = {}
        top: list[_Node] = []
        for item in items:
            if item.key is SelectKey.MODULES:
                node = _Node(NodeKind.MODULE, SelectKey.MODULES, item.id, item.title)
                modules[item.id] = node
                top.append(node)
        for item in items:
            if item.key is SelectKey.MODULE_ITEMS:
                node = _Node(NodeKind.MODULE_ITEM, SelectKey.MODULE_ITEMS, item.id, item.title)
                parent = modules.get(item.parent_id) if item.parent_id is not None else None
                if parent is None:
                    top.append(node)  # an item whose module we were not given
                else:
                    node.parent = parent
                    node.row = len(parent.children)
                    parent.children.append(node)
        return top

    def _branch_changed(self, branch: _Branch) -> None:
        index = self.createIndex(branch.row, 0, branch)
        self.dataChanged.emit(index, index)

    # ------------------------------------------------------------------ filtering support
    def row_key(self, row: int, parent: Index) -> int:
        """An opaque, stable key of the row (for ``visible_keys``); cheap to compute."""
        node = parent.internalPointer().children[row] if parent.isValid() else self._branches[row]
        return id(node)

    def visible_keys(self, words: Sequence[str]) -> set[int]:
        """Keys of the rows a filter shows: rows whose title contains every word, their
        ancestors (to reach them) and their descendants (a matching folder shows its
        files). One pass over the tree, instead of Qt's recursive filtering asking Python
        again for every row below every rejected row.
        """
        words = [w.casefold() for w in words]
        visible: set[int] = set()

        def mark(node: _Node, inherited: bool) -> bool:
            matched = inherited or all(word in node.search_text for word in words)
            shown_child = False
            for child in node.children:
                if mark(child, matched):
                    shown_child = True
            if matched or shown_child:
                visible.add(id(node))
                return True
            return False

        for branch in self._branches:
            mark(branch, False)
        return visible

    # ------------------------------------------------------------------ export type
    def export_type(self) -> ExportType | None:
        return self._export_type

    def set_export_type(self, export_type: ExportType | None) -> None:
        """Grey out the branches ``export_type`` ignores (None: everything enabled)."""
        if export_type == self._export_type:
            return
        self._export_type = export_type
        self._apply_type_rules()
        if self._branches:
            self._emit_subtrees_changed(self._branches, roles=None)
        self.checksChanged.emit()

    def _apply_type_rules(self) -> None:
        for branch in self._branches:
            if self._export_type is None:
                branch.enabled, branch.reason = True, ""
            else:
                accepted = ACCEPTED_KEYS[self._export_type]
                branch.enabled = bool(_BRANCH_KEYS[branch.key] & accepted)
                branch.reason = "" if branch.enabled else _DISABLED_REASON[self._export_type]

    def is_branch_enabled(self, key: SelectKey) -> bool:
        return self._branch(key).enabled

    # ------------------------------------------------------------------ Qt model API
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column != 0 or row < 0:
            return QModelIndex()
        if not parent.isValid():
            if row < len(self._branches):
                return self.createIndex(row, 0, self._branches[row])
            return QModelIndex()
        node: _Node = parent.internalPointer()
        if row < len(node.children):
            return self.createIndex(row, 0, node.children[row])
        return QModelIndex()

    def parent(self, index: Index | None = None) -> QModelIndex:  # type: ignore[override]
        if index is None:  # QObject.parent()
            return super().parent()  # type: ignore[return-value]
        if not index.isValid():
            return QModelIndex()
        node: _Node = index.internalPointer()
        up = node.parent
        if up is None:
            return QModelIndex()
        return self.createIndex(up.row, 0, up)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._branches)
        if parent.column() != 0:
            return 0
        return len(parent.internalPointer().children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 1

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        if not parent.isValid():
            return bool(self._branches)
        node: _Node = parent.internalPointer()
        if isinstance(node, _Branch) and node.status in (BranchStatus.NOT_LOADED, BranchStatus.LOADING):
            return True  # show the expand arrow; expanding fetches
        return bool(node.children)

    def canFetchMore(self, parent: Index) -> bool:
        if not parent.isValid():
            return False
        node = parent.internalPointer()
        # Not after an ERROR: views call fetchMore on their own, which would retry in a loop.
        return isinstance(node, _Branch) and node.status is BranchStatus.NOT_LOADED

    def fetchMore(self, parent: Index) -> None:
        if not self.canFetchMore(parent):
            return
        branch: _Branch = parent.internalPointer()
        self.request_branch(branch.key)

    def request_branch(self, key: SelectKey) -> None:
        """Ask the shell to (re)load a branch: marks it loading, emits ``branchRequested``."""
        self.set_branch_loading(key)
        self.branchRequested.emit(self._branch(key).key)

    def _enabled(self, node: _Node) -> tuple[bool, str]:
        while node.parent is not None:
            node = node.parent
        assert isinstance(node, _Branch)
        return node.enabled, node.reason

    def _checkable(self, node: _Node) -> bool:
        if isinstance(node, _Branch):
            return bool(node.children)
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        node: _Node = index.internalPointer()
        enabled, _ = self._enabled(node)
        leaf = not node.children and not isinstance(node, _Branch)
        return _FLAGS[(enabled, self._checkable(node), leaf)]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        node: _Node = index.internalPointer()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._title(node)
        if role == Qt.ItemDataRole.CheckStateRole:
            return _QT_STATE[node.state] if self._checkable(node) else None
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icon(node)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(node)
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return self._tooltip(node) or None
        if role == self.SearchRole:
            return node.title
        if role == self.KeyRole:
            return node.key
        if role == self.IdRole:
            return node.item_id
        if role == self.KindRole:
            return int(node.kind)
        return None

    def _title(self, node: _Node) -> str:
        if not isinstance(node, _Branch):
            return node.title
        if node.status is BranchStatus.LOADING:
            return f"{node.title} (loading…)"
        if node.status is BranchStatus.ERROR:
            return f"{node.title} (could not load)"
        if node.status is BranchStatus.LOADED:
            return f"{node.title} ({node.count:,})"
        return node.title

    def _icon(self, node: _Node) -> object:
        if isinstance(node, _Branch):
            if node.status is BranchStatus.ERROR:
                return icon("error")
            if node.status is BranchStatus.LOADING:
                return icon("loading")
            return icon(_ICON_NAME[node.key])
        name = _KIND_ICON.get(node.kind)
        return icon(name or _ICON_NAME[BRANCH_OF[node.key]])

    def _tooltip(self, node: _Node) -> str:
        enabled, reason = self._enabled(node)
        if not enabled:
            return reason
        if isinstance(node, _Branch):
            if node.status is BranchStatus.ERROR:
                return f"{node.title} could not be loaded: {node.message}"
            if node.status is BranchStatus.LOADING:
                return f"Loading {node.title.lower()} from Canvas…"
            if node.status is BranchStatus.NOT_LOADED:
                return f"Expand to load {node.title.lower()} from Canvas"
            if not node.children:
                return f"This context has no {node.title.lower()}"
            if node.key is SelectKey.FILES:
                return f"{count_text(len(node.files), SelectKey.FILES)}; check to include them all"
            return f"Check to include all {node.title.lower()}"
        if node.kind is NodeKind.FILE:
            return f"{node.title} — {human_size(node.size)}" if node.size is not None else node.title
        if node.kind is NodeKind.FOLDER:
            return f"{node.title} — {count_text(node.file_total, SelectKey.FILES)}"
        return node.title

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and section == 0 and role == Qt.ItemDataRole.DisplayRole:
            return "Content"
        return None

    def setData(self, index: Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        node: _Node = index.internalPointer()
        if not self._checkable(node) or not self._enabled(node)[0]:
            return False
        state = Qt.CheckState(value).value if not isinstance(value, Qt.CheckState) else value.value
        # A click on a partially checked parent checks it; a parent is never set to partial.
        target = UNCHECKED if state == UNCHECKED else CHECKED
        if self._set_many([node], target):
            self.checksChanged.emit()
        return True

    # ------------------------------------------------------------------ checking
    def _set_many(self, nodes: Iterable[_Node], target: int) -> bool:
        """Set each node and its descendants to ``target`` and fix the ancestors' counters.

        Everything is updated silently first; then one ``dataChanged`` goes out per
        parent whose children changed (over its whole child range), so checking a
        branch of 20,000 files emits one signal per folder, not per file.
        """
        touched: dict[int, _Node] = {}
        root_touched = False
        for node in nodes:
            if node.state == target:  # CHECKED/UNCHECKED hold for the whole subtree
                continue
            old = node.state
            stack = [node]
            while stack:
                current = stack.pop()
                current.state = target
                if current.children:
                    current.n_checked = len(current.children) if target == CHECKED else 0
                    current.n_partial = 0
                    touched[id(current)] = current
                    for child in current.children:
                        if child.children:
                            stack.append(child)
                        else:
                            child.state = target
            old_state, new_state = old, target
            parent = node.parent
            if parent is None:
                root_touched = True
            while parent is not None and old_state != new_state:
                touched[id(parent)] = parent
                parent.n_checked += (new_state == CHECKED) - (old_state == CHECKED)
                parent.n_partial += (new_state == PARTIAL) - (old_state == PARTIAL)
                old_state, new_state = parent.state, parent.derived_state()
                parent.state = new_state
                if parent.parent is None and old_state != new_state:
                    root_touched = True
                parent = parent.parent
        self._notify_changed(list(touched.values()), root_touched, [Qt.ItemDataRole.CheckStateRole])
        return bool(touched) or root_touched

    BULK_ROWS = 2000
    """Above this many changed rows, one layout change replaces the per-range dataChanged.

    Why: QTreeView handles a multi-row dataChanged by asking the model for every row of
    the range (``QTreeViewPrivate::intersectedRect``), i.e. three Python calls per row
    even for collapsed rows: checking a branch of 22,000 rows took ~250 ms that way.
    ``layoutChanged`` (nothing moves, persistent indexes stay valid) makes views and
    proxies re-read only what they show: a few milliseconds.
    """

    def _notify_changed(self, parents: list[_Node], top_level: bool, roles: list[int]) -> None:
        """Tell views that the children of ``parents`` (and the branch rows) changed."""
        if sum(len(p.children) for p in parents) > self.BULK_ROWS:
            self.layoutAboutToBeChanged.emit()
            self.layoutChanged.emit()
            return
        for parent in parents:
            first, last = parent.children[0], parent.children[-1]
            self.dataChanged.emit(self.createIndex(0, 0, first), self.createIndex(last.row, 0, last), roles)
        if top_level and self._branches:
            first_b, last_b = self._branches[0], self._branches[-1]
            self.dataChanged.emit(self.createIndex(0, 0, first_b), self.createIndex(last_b.row, 0, last_b), roles)

    def _emit_subtrees_changed(self, roots: Sequence[_Node], roles: list[int] | None) -> None:
        """Every role of ``roots`` (top-level rows) and of everything below them changed."""
        parents = []
        stack = [r for r in roots if r.children]
        while stack:
            node = stack.pop()
            parents.append(node)
            stack.extend(c for c in node.children if c.children)
        self._notify_changed(parents, True, roles or [])

    def set_all(self, checked: bool) -> None:
        """Select all (enabled, loaded branches) or none (every branch)."""
        target = CHECKED if checked else UNCHECKED
        branches = [b for b in self._branches if b.children and (b.enabled or not checked)]
        if self._set_many(branches, target):
            self.checksChanged.emit()

    def select_all(self) -> None:
        self.set_all(True)

    def select_none(self) -> None:
        self.set_all(False)

    def set_checked(self, indexes: Iterable[Index], checked: bool) -> None:
        """Check or uncheck many rows at once (e.g. every row a filter shows).

        Disabled and uncheckable rows are skipped. Emits ``checksChanged`` once.
        """
        nodes = []
        for index in indexes:
            if index.isValid():
                node: _Node = index.internalPointer()
                if self._checkable(node) and self._enabled(node)[0]:
                    nodes.append(node)
        if self._set_many(nodes, CHECKED if checked else UNCHECKED):
            self.checksChanged.emit()

    def check_state(self, index: Index) -> Qt.CheckState:
        return _QT_STATE[index.internalPointer().state]

    def has_checks(self) -> bool:
        """True if anything is checked, in any branch (enabled or not)."""
        return any(b.state != UNCHECKED for b in self._branches)

    # ------------------------------------------------------------------ the select hash
    def select_hash(self, export_type: ExportType | None = None) -> dict[SelectKey, list[int]]:
        """The API's ``select`` for ``export_type`` (default: the current type).

        An empty dict means "everything" (no ``select`` sent). Only enabled branches
        for that type count. Zip: a fully checked folder is sent as its folder id
        (compact); a partly checked folder sends its checked files and fully checked
        subfolders. Common Cartridge: files by id (folders mean nothing to CC), checked
        modules by id, and module items only for modules not fully checked; pages,
        assignments, quizzes, announcements, discussions, events, rubrics by id. QTI:
        quizzes.
        """
        export_type = export_type or self._export_type
        if export_type is None:
            raise ValueError("select_hash needs an export type")
        accepted = ACCEPTED_KEYS[export_type]
        result: dict[SelectKey, list[int]] = {}

        def add(key: SelectKey, item_id: int) -> None:
            result.setdefault(key, []).append(item_id)

        for branch in self._branches:
            if branch.state == UNCHECKED or not (_BRANCH_KEYS[branch.key] & accepted):
                continue
            if branch.key is SelectKey.FILES:
                if export_type is ExportType.ZIP:
                    self._zip_select(branch, add)
                else:
                    ids = [f.item_id for f in branch.files if f.state == CHECKED]
                    if ids:
                        result[SelectKey.FILES] = ids
            elif branch.key is SelectKey.MODULES:
                for node in branch.children:
                    if node.kind is NodeKind.MODULE:
                        if node.state == CHECKED:
                            add(SelectKey.MODULES, node.item_id)
                        elif node.state == PARTIAL:
                            for item in node.children:
                                if item.state == CHECKED:
                                    add(SelectKey.MODULE_ITEMS, item.item_id)
                    elif node.state == CHECKED:  # an orphan module item
                        add(SelectKey.MODULE_ITEMS, node.item_id)
            else:
                for node in branch.children:
                    if node.state == CHECKED:
                        add(node.key, node.item_id)
        return {key: ids for key, ids in result.items() if key in accepted}

    def _zip_select(self, branch: _Branch, add) -> None:  # type: ignore[no-untyped-def]
        if branch.state == CHECKED and branch.hoisted_folder_id is not None:
            add(SelectKey.FOLDERS, branch.hoisted_folder_id)
            return
        stack = list(reversed(branch.children))
        while stack:
            node = stack.pop()
            if node.state == UNCHECKED:
                continue
            if node.kind is NodeKind.FILE:
                add(SelectKey.FILES, node.item_id)
            elif node.state == CHECKED:
                add(SelectKey.FOLDERS, node.item_id)
            else:
                stack.extend(reversed(node.children))

    def summary(self, export_type: ExportType | None = None) -> str:
        """What will be exported, for the Start button: "Everything" or "3 pages, 42 files".

        Counts what the user checked (files inside checked folders count as files),
        in branch order; only what ``export_type`` includes.
        """
        export_type = export_type or self._export_type
        if export_type is None:
            raise ValueError("summary needs an export type")
        select = self.select_hash(export_type)
        if not select:
            return "Everything"
        parts: list[str] = []
        for branch in self._branches:
            if branch.key is SelectKey.FILES:
                if SelectKey.FILES not in select and SelectKey.FOLDERS not in select:
                    continue
                files, empty_folders = self._checked_file_count(branch)
                if files:
                    parts.append(count_text(files, SelectKey.FILES))
                if empty_folders and export_type is ExportType.ZIP:
                    parts.append(f"{empty_folders:,} empty folder" + ("" if empty_folders == 1 else "s"))
            else:
                for key in sorted(_BRANCH_KEYS[branch.key], key=lambda k: k is not branch.key):
                    if key in select:
                        parts.append(count_text(len(select[key]), key))
        return ", ".join(parts) if parts else "Everything"

    def _checked_file_count(self, branch: _Branch) -> tuple[int, int]:
        """(checked files, checked folders with no file anywhere below) in one walk."""
        files = empty = 0
        stack = list(branch.children)
        while stack:
            node = stack.pop()
            if node.state == CHECKED:
                files += node.file_total
                if node.kind is NodeKind.FOLDER and node.file_total == 0:
                    empty += 1
            elif node.state == PARTIAL:
                stack.extend(node.children)
        return files, empty
