"""Finding a row of the selection tree by the titles on the way to it, in the model or
in a view's proxy: what a person reads, so tests do not depend on row numbers."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex

from desktop_app.ui.selection_model import SelectionModel


def find(model: QAbstractItemModel, *titles: str, parent: QModelIndex | None = None) -> QModelIndex:
    """The row reached by following titles (branch rows match their plain title)."""
    index = parent or QModelIndex()
    for title in titles:
        for row in range(model.rowCount(index)):
            child = model.index(row, 0, index)
            if child.data(SelectionModel.SearchRole) == title:
                index = child
                break
        else:
            raise AssertionError(f"no row {title!r} under {index.data()!r}")
    return index
