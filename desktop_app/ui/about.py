"""The About box: what this is, its version and licence, and what it runs on."""

from __future__ import annotations

import platform

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

import desktop_app

LICENCE = "MIT"


def about_text() -> str:
    return (
        f"<h3>Canvas Export Manager {desktop_app.__version__}</h3>"
        "<p>Export Canvas courses, groups and files as Common Cartridge, QTI or zip packages, "
        "watch them progress, and keep verified copies on your computer.</p>"
        f"<p>Licence: {LICENCE}. Your access token stays in your system keyring.</p>"
        f"<p><small>Python {platform.python_version()} · Qt {qVersion()} · PySide6 {PySide6.__version__}</small></p>"
    )


def show_about(parent: QWidget | None) -> QMessageBox:
    """Non-blocking About box (returned so tests can close it)."""
    box = QMessageBox(parent)
    box.setWindowTitle("About Canvas Export Manager")
    box.setText(about_text())
    box.setIconPixmap(parent.windowIcon().pixmap(64, 64) if parent is not None else box.iconPixmap())
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setObjectName("aboutBox")
    box.open()
    return box
