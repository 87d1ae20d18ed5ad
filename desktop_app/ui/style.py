"""Small look-and-feel helpers shared by the shell's widgets.

Colours are derived from the current palette so the app follows the system's light or
dark theme; nothing here hard-codes a background.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import shiboken6
from PySide6.QtGui import QIcon, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QHeaderView,
    QProxyStyle,
    QStyle,
    QStyleFactory,
    QStyleOptionHeader,
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
