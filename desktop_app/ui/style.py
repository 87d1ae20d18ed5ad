"""Small look-and-feel helpers shared by the shell's widgets.

Colours are derived from the current palette so the app follows the system's light or
dark theme; nothing here hard-codes a background.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import shiboken6
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, Qt
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


def check_frame_color(
    palette: QPalette,
    background: QPalette.ColorRole = QPalette.ColorRole.Base,
    *,
    at_least: float = CHECK_FRAME_CONTRAST,
) -> QColor:
    """The outline of a check box or radio button drawn on `background` (Base in an item
    view's rows, Window in a dialog): that colour moved toward the text drawn on it (Text
    on Base, WindowText on Window) just far enough to stand `at_least` from it
    (all the way to the text colour when even that does not, as in a disabled group). Every
    palette pairs these two for reading, light or dark, so no colour is invented."""
    text = _TEXT_ON.get(background, QPalette.ColorRole.Text)
    return QColor.fromRgba(_check_frame_rgba(palette.color(background).rgba(), palette.color(text).rgba(), at_least))


_TEXT_ON = {
    QPalette.ColorRole.Base: QPalette.ColorRole.Text,
    QPalette.ColorRole.Window: QPalette.ColorRole.WindowText,
    QPalette.ColorRole.Button: QPalette.ColorRole.ButtonText,
}
"""The colour a palette draws text in on each background role."""


@lru_cache(maxsize=16)
def _check_frame_rgba(base_rgba: int, text_rgba: int, at_least: float) -> int:
    base, text = QColor.fromRgba(base_rgba), QColor.fromRgba(text_rgba)
    steps = 20
    for step in range(1, steps):
        t = step / steps
        mixed = QColor.fromRgbF(
            base.redF() + (text.redF() - base.redF()) * t,
            base.greenF() + (text.greenF() - base.greenF()) * t,
            base.blueF() + (text.blueF() - base.blueF()) * t,
        )
        if contrast(mixed, base) >= at_least:
            return mixed.rgba()
    return text.rgba()


class _FusionFixes(QProxyStyle):
    """Fusion as it is, with two things redrawn so people read them right.

    **Sort arrows point the way the rows run.** QHeaderView passes ``SortUp`` for a
    *descending* sort (an old GTK convention: "down means ascending"), and Fusion draws
    ``SortUp`` as an up arrow. So a history shown newest first carried an up arrow, which
    most people read as "oldest first" (Windows Explorer, macOS Finder and web tables
    point the arrow down for descending). Only the arrow's direction changes.

    **Check boxes and radio buttons have an outline you can see.** Fusion outlines them in
    the palette's Window colour darkened (its frame colour for every control) and fills
    them with Base. In a dark palette that outline is about the colour of everything
    around it: in a tree or a table, painted in Base, #222225 on #1f1f23 in a plain dark
    palette (1.05:1), so an unticked box was not drawn at all; in a dialog, painted in
    Window, about 1.1:1 for a check box and a radio button alike. The outline is drawn
    again over Fusion's in `check_frame_color`, from the background it sits on and the
    text drawn there, which stands 3:1 in any palette. Fusion's fill and tick are kept, and
    so is its highlighted outline on the control that has the keyboard focus. (Fusion
    draws an item view's check box as a check box, so both pass here.)
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
        if element in _OUTLINED and not _shows_keyboard_focus(option):
            _outline_indicator(element, option, painter, widget)


_CIRCLE_CONTRAST = 4.5
"""A circle is drawn antialiased (a jagged one looks broken): its slanted edges fall
between pixels and show lighter than the pen, so its pen stands further out for the edge
as painted to stand `CHECK_FRAME_CONTRAST` all round."""

_OUTLINED = frozenset({QStyle.PrimitiveElement.PE_IndicatorCheckBox, QStyle.PrimitiveElement.PE_IndicatorRadioButton})


def _shows_keyboard_focus(option: QStyleOption) -> bool:
    """Fusion draws the focused control's outline in the highlight colour: keep that cue."""
    focus = QStyle.StateFlag.State_HasFocus | QStyle.StateFlag.State_KeyboardFocusChange
    return option.state & focus == focus


def _outline_indicator(
    element: QStyle.PrimitiveElement, option: QStyleOption, painter: QPainter, widget: QWidget | None
) -> None:
    """A 1-pixel outline where Fusion draws its own: the check box's square, the radio
    button's circle (Fusion's centre and radius)."""
    palette = QPalette(option.palette)
    if not option.state & QStyle.StateFlag.State_Enabled:
        palette.setCurrentColorGroup(QPalette.ColorGroup.Disabled)
    if isinstance(widget, QAbstractItemView):
        background = QPalette.ColorRole.Base  # the rows
    else:
        background = widget.backgroundRole() if widget is not None else QPalette.ColorRole.Window
    round_one = element == QStyle.PrimitiveElement.PE_IndicatorRadioButton
    painter.save()
    painter.setPen(
        QPen(
            check_frame_color(palette, background, at_least=_CIRCLE_CONTRAST if round_one else CHECK_FRAME_CONTRAST), 1
        )
    )
    painter.setBrush(Qt.BrushStyle.NoBrush)
    rect = option.rect
    if round_one:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        radius = (rect.width() + (rect.width() + 1) % 2) / 2.0 - 1
        painter.drawEllipse(QPointF(rect.center()) + QPointF(1, 1), radius, radius)
    else:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.drawRect(rect.adjusted(0, 0, -1, -1))
    painter.restore()


_fusion_fixes: _FusionFixes | None = None


def _use_fusion_fixes(widget: QWidget) -> None:
    """Give the widget `_FusionFixes` when it is drawn by Fusion (one proxy for the whole
    application: widgets do not own their style)."""
    global _fusion_fixes
    app = QApplication.instance()
    style = widget.style()
    if app is None or style is None or isinstance(style, _FusionFixes) or style.name().lower() not in _FUSION_STYLES:
        return  # no Fusion here, or its fixes already (`use_fusion_fixes_everywhere`)
    proxy = _fusion_fixes
    if proxy is None or not shiboken6.isValid(proxy) or proxy.baseStyle().name() != style.name():
        proxy = _FusionFixes(QStyleFactory.create(style.name()))
        proxy.setParent(app)  # lives as long as the application
        _fusion_fixes = proxy
    widget.setStyle(proxy)


def use_fusion_fixes_everywhere(app: QApplication) -> None:
    """Draw every widget of the app with `_FusionFixes` when the app's style is Fusion:
    ordinary check boxes and radio buttons (dialogs, the export options) need the visible
    outline too, not only the item views that ask for it. Called once at start-up
    (`make_application`), before any widget exists; platform styles are left alone."""
    style = app.style()
    if style is None or isinstance(style, _FusionFixes) or style.name().lower() not in _FUSION_STYLES:
        return
    app.setStyle(_FusionFixes(QStyleFactory.create(style.name())))  # the application owns it


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
