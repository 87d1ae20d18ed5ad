"""SVG icons that follow the system palette, and where the resources live.

Why not ``QIcon("x.svg")``: Qt's SVG icon engine renders the file as drawn, so a
black line icon disappears on a dark palette. Our icons (``resources/icons/*.svg``) are
drawn with ``currentColor`` strokes plus one accent colour (``#3584e4``); the engine
below substitutes the palette's text colour and Highlight colour at render time, per
icon mode (Normal, Disabled, Selected), so the same file is crisp at any size and
readable in light and dark themes. Rendered pixmaps are cached by size, mode and colour,
so a tree with thousands of rows renders each icon size once.

``resource_path`` is the single place that knows where ``resources/`` is: next to the
source tree when running from a checkout, under ``sys._MEIPASS/resources`` in a
PyInstaller bundle (build.spec copies ``resources/icons/*.svg`` there).
"""

from __future__ import annotations

import math
import sys
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

ACCENT_PLACEHOLDER = b"#3584e4"
"""The accent colour as written in the SVG files; replaced by the palette's Highlight."""

_SOURCE_ROOT = Path(__file__).resolve().parents[2]


def resource_path(relative: str | Path) -> Path:
    """Absolute path of ``resources/<relative>`` from a checkout or a PyInstaller bundle.

    The path is returned whether or not it exists, so callers can report a clear
    "missing resource" instead of us guessing a fallback.
    """
    bundle = getattr(sys, "_MEIPASS", None)
    base = Path(bundle) if bundle else _SOURCE_ROOT
    return base / "resources" / Path(relative)


def icon_path(name: str) -> Path:
    """Path of the SVG for icon ``name`` (``"folder"`` -> ``resources/icons/folder.svg``)."""
    return resource_path(Path("icons") / f"{name}.svg")


@lru_cache(maxsize=None)
def _svg_template(name: str) -> bytes:
    """The SVG bytes, read once per process (a few hundred bytes from a local file)."""
    try:
        return icon_path(name).read_bytes()
    except OSError:
        return b""


def _colors_for(mode: QIcon.Mode) -> tuple[QColor, QColor]:
    """(line colour, accent colour) from the application palette for an icon mode."""
    palette = QGuiApplication.palette()
    if mode == QIcon.Mode.Disabled:
        line = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        return line, line
    if mode == QIcon.Mode.Selected:
        text = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.HighlightedText)
        return text, text
    return (
        palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text),
        palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight),
    )


class PaletteSvgIconEngine(QIconEngine):
    """Renders one template SVG in the palette's colours, caching pixmaps."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name
        self._cache: dict[tuple[int, int, int, str, str], QPixmap] = {}

    def clone(self) -> QIconEngine:  # noqa: D102 - Qt API
        return PaletteSvgIconEngine(self._name)

    def key(self) -> str:  # noqa: D102 - Qt API
        return "PaletteSvgIconEngine"

    def isNull(self) -> bool:  # noqa: D102 - Qt API
        return not _svg_template(self._name)

    def _renderer(self, mode: QIcon.Mode) -> tuple[QSvgRenderer, str, str]:
        line, accent = _colors_for(mode)
        data = _svg_template(self._name)
        data = data.replace(b"currentColor", line.name().encode()).replace(ACCENT_PLACEHOLDER, accent.name().encode())
        return QSvgRenderer(QByteArray(data)), line.name(), accent.name()

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:  # noqa: D102
        # Styles paint item-view icons through here (QIcon::paint), once per visible row
        # per repaint: draw the cached pixmap instead of rendering the SVG every time.
        side = min(rect.width(), rect.height())
        if side <= 0:
            return
        # The device's pixel ratio, read from the painter's device transform (it includes
        # it) rather than from painter.device(): converting that QPaintDevice* makes
        # PySide look the object's class up among all its classes, creating every class
        # of QtWidgets and their enums on first use (measured: 8 ms in the first frame).
        to_device = painter.deviceTransform()
        scale = math.hypot(to_device.m11(), to_device.m12()) or 1.0
        pixmap = self.scaledPixmap(QSize(side, side), mode, state, scale)
        target = QRect(0, 0, side, side)
        target.moveCenter(rect.center())
        painter.drawPixmap(target, pixmap)

    def _render_into(self, pixmap: QPixmap, mode: QIcon.Mode) -> None:
        renderer, _, _ = self._renderer(mode)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(pixmap.width(), pixmap.height())
        target = QRect(0, 0, side, side)
        target.moveCenter(QRect(0, 0, pixmap.width(), pixmap.height()).center())
        renderer.render(painter, target)
        painter.end()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:  # noqa: D102
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:  # noqa: D102
        line, accent = _colors_for(mode)
        width = max(1, round(size.width() * scale))
        height = max(1, round(size.height() * scale))
        cache_key = (
            width,
            height,
            int(mode.value),
            line.name(QColor.NameFormat.HexArgb),
            accent.name(QColor.NameFormat.HexArgb),
        )
        cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        pixmap = QPixmap(width, height)
        pixmap.fill(Qt.GlobalColor.transparent)
        if not self.isNull():
            self._render_into(pixmap, mode)
        pixmap.setDevicePixelRatio(scale)
        self._cache[cache_key] = pixmap
        return pixmap

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:  # noqa: D102
        side = min(size.width(), size.height())
        return QSize(side, side)


_icons: dict[str, QIcon] = {}


def icon(name: str) -> QIcon:
    """A palette-following QIcon for ``resources/icons/<name>.svg`` (null if missing).

    Needs a QGuiApplication (icons are rendered lazily, when first painted).
    """
    cached = _icons.get(name)
    if cached is None:
        cached = QIcon(PaletteSvgIconEngine(name)) if _svg_template(name) else QIcon()
        _icons[name] = cached
    return cached


ICON_NAMES = (
    "announcement",
    "archive",
    "assignment",
    "calendar",
    "copy",
    "course",
    "discussion",
    "download",
    "error",
    "export",
    "file",
    "folder",
    "group",
    "loading",
    "module",
    "module-item",
    "my-files",
    "open",
    "page",
    "quiz",
    "reexport",
    "refresh",
    "remove-from-list",
    "rubric",
    "search",
    "select-all",
    "select-none",
    "show-in-folder",
    "stop",
    "success",
    "user",
    "warning",
)
"""Every UI icon the widgets use; a test checks each file exists and renders."""
