"""Small look-and-feel helpers shared by the shell's widgets.

Colours are derived from the current palette so the app follows the system's light or
dark theme; nothing here hard-codes a background.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import shiboken6
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QProxyStyle,
    QStyle,
    QStyledItemDelegate,
    QStyleFactory,
    QStyleOption,
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


_FUSION_STYLES = frozenset({"fusion"})
"""Styles whose drawing `_FusionFixes` corrects: Fusion, Qt's style on Linux desktops
without a platform theme and offscreen. Platform styles (macOS, Windows, Breeze) draw
their platform's own conventions and are left alone."""

CHECK_FRAME_CONTRAST = 3.0
"""How far a check box's outline stands from the background of its row: 3:1, what WCAG
asks of what identifies a control (1.4.11, non-text contrast)."""


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours (1 = none, 21 = black on white)."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def check_frame_color(palette: QPalette) -> QColor:
    """The outline of a check box in an item view: the palette's Base moved toward its
    Text just far enough to stand `CHECK_FRAME_CONTRAST` from Base (all the way to Text
    when even that does not, as in a disabled group). Base and Text are the two colours
    every palette pairs for reading, light or dark, so no colour is invented."""
    return QColor.fromRgba(
        _check_frame_rgba(palette.color(QPalette.ColorRole.Base).rgba(), palette.color(QPalette.ColorRole.Text).rgba())
    )


@lru_cache(maxsize=16)
def _check_frame_rgba(base_rgba: int, text_rgba: int) -> int:
    base, text = QColor.fromRgba(base_rgba), QColor.fromRgba(text_rgba)
    steps = 20
    for step in range(1, steps):
        t = step / steps
        mixed = QColor.fromRgbF(
            base.redF() + (text.redF() - base.redF()) * t,
            base.greenF() + (text.greenF() - base.greenF()) * t,
            base.blueF() + (text.blueF() - base.blueF()) * t,
        )
        if contrast(mixed, base) >= CHECK_FRAME_CONTRAST:
            return mixed.rgba()
    return text.rgba()


class _FusionFixes(QProxyStyle):
    """Fusion as it is, with two things redrawn so people read them right.

    **Sort arrows point the way the rows run.** QHeaderView passes ``SortUp`` for a
    *descending* sort (an old GTK convention: "down means ascending"), and Fusion draws
    ``SortUp`` as an up arrow. So a history shown newest first carried an up arrow, which
    most people read as "oldest first" (Windows Explorer, macOS Finder and web tables
    point the arrow down for descending). Only the arrow's direction changes.

    **Check boxes in item views have an outline you can see.** Fusion outlines a check box
    in the palette's Window colour darkened (its frame colour for every control) and fills
    it with Base. A tree or a table is painted in Base too, and in a dark palette Window
    darkened is about Base itself (#222225 on #1f1f23 in a plain dark palette: 1.05:1), so
    an unticked box was not drawn at all; in Fusion's light palette it stands 1.9:1. The
    outline is drawn again over Fusion's in `check_frame_color`, from Base and Text, which
    stands 3:1 in any palette. Fusion's fill and tick are kept.
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
        if element == QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck:
            _outline_check_box(option, painter)


def _outline_check_box(option: QStyleOption, painter: QPainter) -> None:
    """A 1-pixel outline on the indicator's rectangle, where Fusion draws its own."""
    palette = QPalette(option.palette)
    if not option.state & QStyle.StateFlag.State_Enabled:
        palette.setCurrentColorGroup(QPalette.ColorGroup.Disabled)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setPen(QPen(check_frame_color(palette), 1))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(option.rect.adjusted(0, 0, -1, -1))
    painter.restore()


_fusion_fixes: _FusionFixes | None = None


def _use_fusion_fixes(widget: QWidget) -> None:
    """Give the widget `_FusionFixes` when it is drawn by Fusion (one proxy for the whole
    application: widgets do not own their style)."""
    global _fusion_fixes
    app = QApplication.instance()
    style = widget.style()
    if app is None or style is None or style.name().lower() not in _FUSION_STYLES:
        return
    proxy = _fusion_fixes
    if proxy is None or not shiboken6.isValid(proxy) or proxy.baseStyle().name() != style.name():
        proxy = _FusionFixes(QStyleFactory.create(style.name()))
        proxy.setParent(app)  # lives as long as the application
        _fusion_fixes = proxy
    widget.setStyle(proxy)


def use_readable_sort_arrows(header: QHeaderView) -> None:
    """Give a sortable header an arrow that points down when the largest or newest rows
    come first (see `_FusionFixes`). A no-op under styles that draw their platform's own
    convention."""
    _use_fusion_fixes(header)


def use_visible_check_boxes(view: QAbstractItemView) -> None:
    """Give an item view with check boxes an outline around each box that stands out from
    the rows in light and dark palettes alike (see `_FusionFixes`). A no-op under
    platform styles."""
    _use_fusion_fixes(view)


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
