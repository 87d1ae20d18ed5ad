"""FilterOnPause: what the picker's, the tree's and the history's filter boxes share."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QWidget

from desktop_app.ui.search_field import FilterOnPause, search_field


def make(qtbot, delay_ms: int = 10_000):  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    edit = search_field(parent, "Search", "Search the list", "Type to narrow the list")
    applied: list[str] = []
    pause = FilterOnPause(edit, applied.append, delay_ms)
    return parent, edit, pause, applied


def test_typing_applies_once_after_the_pause(qtbot) -> None:  # type: ignore[no-untyped-def]
    _parent, edit, _pause, applied = make(qtbot, delay_ms=30)
    qtbot.keyClicks(edit, "quiz")
    assert applied == []  # not per keystroke
    qtbot.waitUntil(lambda: applied == ["quiz"])


def test_return_applies_at_once(qtbot) -> None:  # type: ignore[no-untyped-def]
    _parent, edit, _pause, applied = make(qtbot)
    qtbot.keyClicks(edit, "week")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert applied == ["week"]


def test_show_text_cancels_the_pending_pause_and_fills_the_box(qtbot) -> None:  # type: ignore[no-untyped-def]
    _parent, edit, pause, applied = make(qtbot, delay_ms=30)
    qtbot.keyClicks(edit, "wee")
    pause.show_text("week 2")  # the panel filters now, with this text
    assert edit.text() == "week 2"
    later = QTimer()  # Qt fires timers in order: this one comes well after the pause would
    later.setSingleShot(True)
    with qtbot.waitSignal(later.timeout):
        later.start(150)
    assert applied == []  # neither the typing nor the new text started another pass
