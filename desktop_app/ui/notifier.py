"""Completion and failure reach the user even when the window is in the background.

A system tray message where the platform has a tray; otherwise ``QApplication.alert``
(a flashing taskbar entry or bouncing dock icon). When the window is active nothing
pops up: the history row already says it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon, QWidget

from desktop_app.ui.style import app_icon


@dataclass(frozen=True)
class Notice:
    title: str
    message: str
    ok: bool
    via: str  # "tray", "alert" or "none" (window active)


class Notifier(QObject):
    """Tells the user about finished and failed exports, the way the platform allows."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._tray: QSystemTrayIcon | None = None
        self.last: Notice | None = None

    def _ensure_tray(self) -> QSystemTrayIcon | None:
        if self._tray is None and QSystemTrayIcon.isSystemTrayAvailable():
            tray = QSystemTrayIcon(app_icon(), self)
            tray.setToolTip("Canvas Export Manager")
            menu = QMenu(self._window)
            menu.addAction("Show window", self._raise)
            tray.setContextMenu(menu)
            tray.activated.connect(lambda _reason: self._raise())
            tray.messageClicked.connect(self._raise)
            tray.show()
            self._tray = tray
        return self._tray

    def _raise(self) -> None:
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()

    def notify(self, title: str, message: str, *, ok: bool = True) -> Notice:
        if self._window.isActiveWindow():
            notice = Notice(title, message, ok, "none")
        else:
            tray = self._ensure_tray()
            if tray is not None and QSystemTrayIcon.supportsMessages():
                icon = QSystemTrayIcon.MessageIcon.Information if ok else QSystemTrayIcon.MessageIcon.Warning
                tray.showMessage(title, message, icon, 8000)
                notice = Notice(title, message, ok, "tray")
            else:
                QApplication.alert(self._window)
                notice = Notice(title, message, ok, "alert")
        self.last = notice
        return notice

    def close(self) -> None:
        if self._tray is not None:
            self._tray.hide()
