"""A quiet sentence over an empty table: what to do when nothing is there yet, or that
the filter hides everything. One widget for the history and the Activity view."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel

NO_MATCH_TEXT = "No export matches the filter."
MARGIN = 12


class TablePlaceholder(QLabel):
    """Shown over `view`'s viewport while `proxy` has no row: `empty_text` when `source`
    has none either, else `no_match_text`. Follows the rows and the viewport's size itself."""

    def __init__(
        self,
        view: QAbstractItemView,
        proxy: QAbstractItemModel,
        source: QAbstractItemModel,
        empty_text: str,
        name: str,
        no_match_text: str = NO_MATCH_TEXT,
    ) -> None:
        super().__init__(empty_text, view.viewport())
        self.setObjectName(name)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setEnabled(False)  # drawn in the palette's quiet text colour
        self._view, self._proxy, self._source, self._empty_text = view, proxy, source, empty_text
        self._no_match_text = no_match_text
        for signal in (proxy.rowsInserted, proxy.rowsRemoved, proxy.modelReset, proxy.layoutChanged):
            signal.connect(self.refresh)
        view.viewport().installEventFilter(self)
        self.refresh()

    def set_empty_text(self, text: str) -> None:
        """What to say while there is nothing at all (e.g. before anything is chosen)."""
        self._empty_text = text
        self.refresh()

    def refresh(self) -> None:
        empty = self._proxy.rowCount() == 0
        self.setText(self._empty_text if self._source.rowCount() == 0 else self._no_match_text)
        self.setVisible(empty)
        if empty:
            self.setGeometry(self._view.viewport().rect().adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.refresh()
        return False
