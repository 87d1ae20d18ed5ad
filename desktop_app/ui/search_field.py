"""The search box the picker, the selection tree and the history share.

One look for every "type to narrow this list" field: a magnifier, a clear button, a
placeholder that says what is searched, and an accessible name for screen readers; and
one way for a long list to follow it (`FilterOnPause`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from desktop_app.ui.icons import icon


def search_field(parent: QWidget, placeholder: str, accessible_name: str, tooltip: str) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setPlaceholderText(placeholder)
    edit.setClearButtonEnabled(True)
    edit.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
    edit.setAccessibleName(accessible_name)
    edit.setToolTip(tooltip)
    edit.installEventFilter(_ClearOnEscape(edit))
    return edit


class _ClearOnEscape(QObject):
    """Escape in a search box that has text empties it (the list shows everything
    again), as in a browser or a file manager; in an empty box Escape goes on to the
    window, so a dialog still closes."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if (
            isinstance(watched, QLineEdit)
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
            and watched.text()
        ):
            watched.clear()
            return True
        return False


class FilterOnPause(QObject):
    """Calls `apply(text)` when typing in `edit` pauses for `delay_ms`, or at once on
    Return. Why a pause: one filter pass over thousands of rows takes tens of
    milliseconds, so filtering on every keystroke would make typing stutter."""

    def __init__(self, edit: QLineEdit, apply: Callable[[str], None], delay_ms: int) -> None:
        super().__init__(edit)
        self._edit = edit
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(lambda: apply(edit.text()))
        edit.textChanged.connect(lambda _text: self._timer.start())
        edit.returnPressed.connect(lambda: apply(edit.text()))

    def show_text(self, text: str) -> None:
        """The filter is being applied now, with `text`: nothing is pending any more, and
        the box shows that text (without starting another pause)."""
        self._timer.stop()
        if self._edit.text() != text:
            self._edit.blockSignals(True)
            self._edit.setText(text)
            self._edit.blockSignals(False)
