"""Small look-and-feel helpers shared by the shell's widgets.

Colours are derived from the current palette so the app follows the system's light or
dark theme; nothing here hard-codes a background.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import shiboken6
from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QApplication,
    QHeaderView,
    QProxyStyle,
    QStyle,
    QStyledItemDelegate,
    QStyleFactory,
    QStyleOptionHeader,
    QStyleOptionViewItem,
    QWidget,
)


def _resource(relative: str) -> Path:
    try:  # ui-models' helper knows the frozen (PyInstaller) layout
        from desktop_app.ui.icons import resource_path

        return Path(resource_path(relative))
    except ImportError:
        return Path(__file__).resolve().parents[2] / "resources" / relative


@lru_cache(maxsize=1)
def app_icon() -> QIcon:
    """The app's SVG icon (crisp at any scale); an empty icon if the file is missing."""
    path = _resource("icons/app.svg")
    return QIcon(str(path)) if path.exists() else QIcon()


def is_dark(widget: QWidget | None = None) -> bool:
    palette = widget.palette() if widget is not None else QApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def tone(widget: QWidget | None, ok: bool) -> str:
    """A green or red readable on the current palette."""
    if is_dark(widget):
        return "#81c784" if ok else "#ef9a9a"
    return "#1b6e20" if ok else "#b3261e"


def tone_html(widget: QWidget | None, text: str, *, ok: bool) -> str:
    mark = "✔" if ok else "✖"
    safe = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<span style="color:{tone(widget, ok)}">{mark} {safe}</span>'


_LITERAL_ARROW_STYLES = frozenset({"fusion"})
"""Styles known to draw QStyleOptionHeader.SortUp as an up arrow and SortDown as a down
arrow. Platform styles (macOS, Windows, Breeze) draw their platform's own convention
and are left alone."""


class _SortArrowStyle(QProxyStyle):
    """Makes a header's sort arrow point the way the rows run under Fusion.

    QHeaderView passes ``SortUp`` for a *descending* sort (an old GTK convention: "down
    means ascending"), and Fusion, Qt's style on Linux desktops without a platform
    theme and offscreen, draws ``SortUp`` as an up arrow. So a history shown newest first
    carried an up arrow, which most people read as "oldest first" (Windows Explorer,
    macOS Finder and web tables point the arrow down for descending). Only the arrow's
    direction changes; the style still draws it.
    """

    def drawPrimitive(self, element, option, painter, widget=None):  # type: ignore[no-untyped-def] # noqa: N802
        if element == QStyle.PrimitiveElement.PE_IndicatorHeaderArrow and isinstance(option, QStyleOptionHeader):
            flipped = QStyleOptionHeader(option)
            if option.sortIndicator == QStyleOptionHeader.SortIndicator.SortUp:
                flipped.sortIndicator = QStyleOptionHeader.SortIndicator.SortDown
            elif option.sortIndicator == QStyleOptionHeader.SortIndicator.SortDown:
                flipped.sortIndicator = QStyleOptionHeader.SortIndicator.SortUp
            option = flipped
        super().drawPrimitive(element, option, painter, widget)


_sort_arrow_style: _SortArrowStyle | None = None


def use_readable_sort_arrows(header: QHeaderView) -> None:
    """Give a sortable header an arrow that points down when the largest or newest rows
    come first (see `_SortArrowStyle`). A no-op under styles that draw their platform's
    own convention."""
    global _sort_arrow_style
    app = QApplication.instance()
    style = header.style()
    if app is None or style is None or style.name().lower() not in _LITERAL_ARROW_STYLES:
        return
    proxy = _sort_arrow_style
    if proxy is None or not shiboken6.isValid(proxy) or proxy.baseStyle().name() != style.name():
        proxy = _SortArrowStyle(QStyleFactory.create(style.name()))
        proxy.setParent(app)  # lives as long as the application: widgets do not own their style
        _sort_arrow_style = proxy
    header.setStyle(proxy)


FOCUS_RING_WIDTH = 2


def focus_ring_color(palette: QPalette, selected: bool) -> QColor:
    """The keyboard focus ring's colour: the highlight colour on a plain row; on a
    selected row, which is filled with that colour, a much darker shade of it, so the
    ring stands out from the fill and from the rows around it."""
    highlight = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight)
    return highlight.darker(200) if selected else highlight


class FocusRingDelegate(QStyledItemDelegate):
    """Draws the current row of a focused item view with a clear 2-pixel ring around the
    whole item, checkbox included.

    Why: Fusion (Linux, offscreen) marks the focused row of a checkable tree with a
    1-pixel, pale line around the text only, which is hard to see when the current row
    is not selected, e.g. after moving with Ctrl+arrows or ticking boxes with Space.
    Keyboard users need to see which checkbox Space will toggle (WCAG 2.4.7).
    """

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        if not focused:
            super().paint(painter, option, index)
            return
        plain = QStyleOptionViewItem(option)
        plain.state &= ~QStyle.StateFlag.State_HasFocus  # no faint style ring under ours
        super().paint(painter, plain, index)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pen = QPen(focus_ring_color(option.palette, selected), FOCUS_RING_WIDTH)
        painter.setPen(pen)
        half = FOCUS_RING_WIDTH / 2
        painter.drawRoundedRect(option.rect.toRectF().adjusted(half, half, -half, -half), 3, 3)
        painter.restore()
