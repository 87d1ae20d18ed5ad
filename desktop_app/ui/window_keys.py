"""Keys every secondary window shares.

The package viewer and a batch's window are windows of their own, without a menu: the
platform's Close key (Ctrl+W; Cmd+W on macOS) closes them, as it closes a document or a
tab elsewhere, so they need no mouse and no window manager's Alt+F4.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


def add_close_shortcut(window: QWidget) -> QAction:
    """Close `window` on the platform's Close key while it is the active window."""
    action = QAction("Close window", window)
    action.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Close))
    action.triggered.connect(window.close)
    window.addAction(action)
    return action
