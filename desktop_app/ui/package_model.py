"""The package viewer's tree: a read-only QAbstractItemModel over `package.cartridge.Contents`.

Top level, as Canvas organises a course: Modules (each with its items in order), then one
branch per kind with its count (Pages, Assignments, …), Files as a folder tree with sizes.
Nodes are plain Python objects built once from the contents (20,000 files: tens of ms);
titles read later by the background indexer arrive through `update_titles`.
`PackageFilter` narrows the tree to a search's matches, keeping their branches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt

from desktop_app.package.cartridge import KINDS, Contents, Folder, Item
from desktop_app.sizes import human_size
from desktop_app.ui.icons import icon

Index = QModelIndex | QPersistentModelIndex

KIND_ICONS = {
    "pages": "page",
    "assignments": "assignment",
    "quizzes": "quiz",
    "question_banks": "quiz",
    "discussion_topics": "discussion",
    "announcements": "announcement",
    "calendar_events": "calendar",
    "rubrics": "rubric",
    "files": "file",
    "web_links": "module-item",
    "external_tools": "module-item",
    "other": "file",
}


@dataclass(eq=False)
class Node:
    label: str
    role: str  # "modules" | "module" | "entry" | "kind" | "folder" | "item"
    item_key: str | None = None
    size: int | None = None
    icon: str = ""
    kind: str = ""  # for a kind branch / item
    folder: Folder | None = None
    missing: bool = False
    parent: "Node | None" = None
    children: list["Node"] = field(default_factory=list)
    row: int = 0

    def add(self, child: "Node") -> "Node":
        child.parent, child.row = self, len(self.children)
        self.children.append(child)
        return child


def prepare_tree(contents: Contents) -> tuple[Node, dict[str, list[Node]]]:
    """The tree of `contents` and its nodes by item key; no Qt, any thread."""
    root = build_tree(contents)
    by_key: dict[str, list[Node]] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if node.item_key:
            by_key.setdefault(node.item_key, []).append(node)
        stack.extend(node.children)
    return root, by_key


def build_tree(contents: Contents) -> Node:
    root = Node("", "root")
    if contents.modules:
        modules = root.add(Node(f"Modules ({len(contents.modules)})", "modules", icon="module"))
        for module in contents.modules:
            m = modules.add(Node(f"{module.title} ({len(module.entries)})", "module", icon="module"))
            for entry in module.entries:
                item = contents.items.get(entry.item_key) if entry.item_key else None
                label = ("    " * entry.depth) + (entry.title or (item.title if item else "Untitled"))
                if entry.ref and item is None:
                    label += " (not in the package)"
                m.add(
                    Node(
                        label,
                        "entry",
                        entry.item_key,
                        icon=KIND_ICONS.get(item.kind, "file") if item else ("warning" if entry.ref else "module-item"),
                        kind=item.kind if item else "",
                        missing=bool(entry.ref) and item is None,
                    )
                )
    counts = contents.counts()
    for kind, label in KINDS:
        if not counts.get(kind):
            continue
        branch = root.add(Node(f"{label} ({counts[kind]})", "kind", icon=KIND_ICONS.get(kind, "file"), kind=kind))
        if kind == "files":
            branch.size = contents.files_root.size
            branch.folder = contents.files_root
            _folder(branch, contents.files_root)
            continue
        for item in contents.items.values():
            if item.kind == kind:
                branch.add(_item_node(item))
    return root


def _item_node(item: Item) -> Node:
    return Node(
        item.title + (" (missing)" if item.missing else ""),
        "item",
        item.key,
        item.size if item.kind == "files" else None,
        KIND_ICONS.get(item.kind, "file"),
        item.kind,
        missing=item.missing,
    )


def _folder(node: Node, folder: Folder) -> None:
    for sub in folder.folders.values():
        child = node.add(Node(f"{sub.name} ({sub.count})", "folder", size=sub.size, icon="folder", folder=sub))
        _folder(child, sub)
    for item in folder.files:
        node.add(_item_node(item))


class PackageModel(QAbstractItemModel):
    """Columns: Name, Size."""

    KeyRole = Qt.ItemDataRole.UserRole + 1
    NodeRole = Qt.ItemDataRole.UserRole + 2
    HEADERS = ("Name", "Size")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root = Node("", "root")
        self._by_key: dict[str, list[Node]] = {}

    def set_contents(self, contents: Contents) -> None:
        self.set_tree(*prepare_tree(contents))

    def set_tree(self, root: "Node", by_key: dict[str, list["Node"]]) -> None:
        """Show a tree made by `prepare_tree` (plain Python: the viewer makes it on its
        worker thread, so the GUI thread only resets the model)."""
        self.beginResetModel()
        self._root, self._by_key = root, by_key
        self.endResetModel()

    def update_titles(self, titles: dict[str, str]) -> None:
        """Real titles from the indexer, for items shown with a guessed one."""
        for key, title in titles.items():
            for node in self._by_key.get(key, ()):
                if node.role == "item" and node.label != title and not node.missing:
                    node.label = title
                    index = self.createIndex(node.row, 0, node)
                    self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])

    def node(self, index: Index) -> Node | None:
        return index.internalPointer() if index.isValid() else None  # type: ignore[no-any-return]

    def index_for_key(self, key: str) -> QModelIndex:
        """The item's row in its kind branch (its first row anywhere otherwise)."""
        nodes = self._by_key.get(key, [])
        node = next((n for n in nodes if n.role == "item"), nodes[0] if nodes else None)
        return self.createIndex(node.row, 0, node) if node else QModelIndex()

    # -- QAbstractItemModel
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        owner = self.node(parent) or self._root
        if not (0 <= row < len(owner.children) and 0 <= column < len(self.HEADERS)):
            return QModelIndex()
        return self.createIndex(row, column, owner.children[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        node = self.node(index)
        if node is None or node.parent is None or node.parent is self._root:
            return QModelIndex()
        return self.createIndex(node.parent.row, 0, node.parent)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        owner = self.node(parent) or self._root
        return len(owner.children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.HEADERS)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return self.rowCount(parent) > 0

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < 2:
            return self.HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        node = self.node(index)
        if node is not None and not node.children:
            flags |= Qt.ItemFlag.ItemNeverHasChildren
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self.node(index)
        if node is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return node.label
            return human_size(node.size) if node.size is not None else ""
        if role == Qt.ItemDataRole.DecorationRole and column == 0 and node.icon:
            return icon(node.icon)
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return node.label.strip()
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == self.KeyRole:
            return node.item_key
        return None


class PackageFilter(QSortFilterProxyModel):
    """Shows the rows whose item matched the search (and the branches that lead to them)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._matches: set[str] | None = None
        self.setRecursiveFilteringEnabled(True)

    def set_matches(self, matches: set[str] | None) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.10
            self.beginFilterChange()
            self._matches = matches
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._matches = matches
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if self._matches is None:
            return True
        # Straight to the node, not through index()/data(): this runs once per row
        # (20,000 files), and the round trip through Qt was most of a search's time.
        parent = source_parent.internalPointer() if source_parent.isValid() else self.sourceModel()._root
        node = parent.children[source_row]
        return node.item_key is not None and node.item_key in self._matches
