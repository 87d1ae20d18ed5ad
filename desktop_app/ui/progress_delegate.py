"""Paints a progress bar in a cell while an export runs or downloads.

The bar is drawn by the current QStyle (``CE_ProgressBar``), so it looks like the
platform's own progress bars and follows the palette; no widget per row. Cells
whose ``progress_role`` is None are painted by the ordinary delegate.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QWidget,
)

from desktop_app.ui.style import contrast

Index = QModelIndex | QPersistentModelIndex


def label_palette(palette: QPalette) -> QPalette:
    """The palette for a bar whose label ("Exporting 51%") runs over the chunk.

    Styles draw the part of the label over the chunk in HighlightedText (over the
    groove in Text). Fusion's light palette pairs white with a mid blue: 3.7:1, hard
    to read at table size, while its Text (black) gives 5.7:1 there. So the chunk side
    gets whichever of the palette's own two text colours stands out more from
    Highlight; dark palettes keep their light HighlightedText. No colour is invented.
    """
    chunk = palette.color(QPalette.ColorRole.Highlight)
    text = palette.color(QPalette.ColorRole.Text)
    highlighted = palette.color(QPalette.ColorRole.HighlightedText)
    if contrast(text, chunk) <= contrast(highlighted, chunk):
        return palette
    adjusted = QPalette(palette)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        adjusted.setColor(group, QPalette.ColorRole.HighlightedText, palette.color(group, QPalette.ColorRole.Text))
    return adjusted


class ProgressDelegate(QStyledItemDelegate):
    """Progress bar for cells with a percentage (0..100) in ``progress_role``."""

    MARGIN = 2

    def __init__(self, progress_role: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._role = progress_role

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:  # noqa: D102
        progress = index.data(self._role)
        if progress is None:
            super().paint(painter, option, index)
            return
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        # Selection and hover background first, like any other cell of the row.
        background = QStyleOptionViewItem(option)
        self.initStyleOption(background, index)
        background.text = ""
        background.icon = QIcon()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, background, painter, widget)

        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(self.MARGIN, self.MARGIN, -self.MARGIN, -self.MARGIN)
        bar.palette = label_palette(option.palette)
        bar.fontMetrics = option.fontMetrics
        bar.direction = option.direction
        bar.state = (option.state & QStyle.StateFlag.State_Enabled) | QStyle.StateFlag.State_Horizontal
        bar.minimum = 0
        bar.maximum = 100
        bar.progress = int(round(float(progress)))
        bar.text = str(index.data(Qt.ItemDataRole.DisplayRole) or f"{bar.progress}%")
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, widget)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: D102
        hint = super().sizeHint(option, index)
        if index.data(self._role) is not None:
            hint.setWidth(max(hint.width(), option.fontMetrics.horizontalAdvance("Downloading 100%") + 24))
        return hint
