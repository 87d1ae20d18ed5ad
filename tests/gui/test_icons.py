"""SVG icons: every file exists, renders, follows the palette; resources from a bundle."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QImage, QPainter, QPalette
from PySide6.QtSvg import QSvgRenderer

from desktop_app.ui import icons
from desktop_app.ui.icons import ICON_NAMES, icon, icon_path, resource_path


@pytest.mark.parametrize("name", ICON_NAMES)
def test_every_icon_file_is_valid_svg(name: str) -> None:
    path = icon_path(name)
    assert path.is_file(), path
    assert QSvgRenderer(str(path)).isValid()


def _ink(icon_: QIcon, mode: QIcon.Mode = QIcon.Mode.Normal) -> list[QColor]:
    image = icon_.pixmap(QSize(24, 24), mode).toImage()
    return [
        image.pixelColor(x, y)
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).alpha() > 200
    ]


def test_icons_render_in_the_palette_text_colour(qapp) -> None:  # type: ignore[no-untyped-def]
    original = QGuiApplication.palette()
    try:
        palette = QPalette(original)
        palette.setColor(QPalette.ColorGroup.Active, QPalette.ColorRole.Text, QColor("#ff0000"))
        palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#00ff00"))
        QGuiApplication.setPalette(palette)
        ink = _ink(icon("file"))
        assert ink and all(c.red() > 200 and c.green() < 60 for c in ink)  # line art = palette text
        disabled = _ink(icon("file"), QIcon.Mode.Disabled)
        assert disabled and all(c.green() > 200 and c.red() < 60 for c in disabled)
    finally:
        QGuiApplication.setPalette(original)


def test_icons_scale_for_hidpi(qapp) -> None:  # type: ignore[no-untyped-def]
    pixmap = icon("folder").pixmap(QSize(24, 24), 2.0)
    assert pixmap.deviceIndependentSize().toSize() == QSize(24, 24)
    assert pixmap.width() == 48  # rendered from the SVG at device pixels, not upscaled


@pytest.mark.parametrize("ratio", [1.0, 2.0])
def test_icons_painted_by_a_style_use_the_devices_pixels(qapp, ratio: float) -> None:  # type: ignore[no-untyped-def]
    """QIcon.paint (how styles draw item-view icons) renders at the device's pixel ratio:
    on a 2x device the result is the 48-pixel rendering, not the 24-pixel one upscaled."""
    image = QImage(int(24 * ratio), int(24 * ratio), QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(ratio)
    image.fill(0)
    painter = QPainter(image)
    icon("folder").paint(painter, QRect(0, 0, 24, 24))
    painter.end()
    expected = icon("folder").pixmap(QSize(24, 24), ratio).toImage().convertToFormat(image.format())
    assert image.size() == expected.size()
    assert image == expected


def test_missing_icon_is_null_not_an_error(qapp) -> None:  # type: ignore[no-untyped-def]
    assert icon("no-such-icon").isNull()


def test_resource_path_from_source_and_from_a_pyinstaller_bundle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert resource_path("icons/app.svg").is_file()  # the checkout
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_path("icons/folder.svg") == tmp_path / "resources" / "icons" / "folder.svg"
    assert icons.icon_path("stop") == tmp_path / "resources" / "icons" / "stop.svg"
