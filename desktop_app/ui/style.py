"""Small look-and-feel helpers shared by the shell's widgets.

Colours are derived from the current palette so the app follows the system's light or
dark theme; nothing here hard-codes a background.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtGui import QIcon, QPalette
from PySide6.QtWidgets import QApplication, QWidget


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
