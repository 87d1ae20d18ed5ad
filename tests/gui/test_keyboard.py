"""The keyboard on the real window: each list or table is one Tab stop, and Ctrl+3
lands on a row of the history so Enter and Ctrl+D act at once."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_app.ui.main_window import MainWindow

from .test_main_window import choose, course_ctx


def activate(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def test_tab_leaves_each_view_at_once(qtbot, window: MainWindow, sim) -> None:  # type: ignore[no-untyped-def]
    choose(qtbot, window, course_ctx(sim))
    activate(qtbot, window)
    qtbot.waitUntil(lambda: window.history.proxy.rowCount() >= 3)
    window.show_activity()
    views = [
        window.picker.course_view,
        window.picker.group_view,
        window.selection.view,
        window.history.view,
        window.activity.view,
    ]
    for view in views:
        assert not view.tabKeyNavigation(), view.accessibleName()
    for view in (window.history.view, window.picker.course_view, window.selection.view):
        view.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(view.hasFocus)
        view.setCurrentIndex(view.model().index(0, 0))
        qtbot.keyClick(view, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is not view, view.accessibleName()


def test_tab_walks_from_the_history_round_to_start_export(qtbot, window: MainWindow, sim) -> None:  # type: ignore[no-untyped-def]
    """Not cell by cell through every row of the history first."""
    choose(qtbot, window, course_ctx(sim))
    activate(qtbot, window)
    qtbot.waitUntil(lambda: window.history.proxy.rowCount() >= 3)
    view = window.history.view
    view.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(view.hasFocus)
    view.setCurrentIndex(view.model().index(0, 0))
    seen = []
    for _ in range(20):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
        if seen[-1] is window.options.start_button:
            break
    assert window.options.start_button in seen, [w.objectName() or w.accessibleName() for w in seen]


def test_ctrl_3_lands_on_the_first_history_row(qtbot, window: MainWindow, sim) -> None:  # type: ignore[no-untyped-def]
    choose(qtbot, window, course_ctx(sim))
    activate(qtbot, window)
    history = window.history
    qtbot.waitUntil(lambda: history.proxy.rowCount() >= 3)
    assert history.current_row() is None
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert history.view.hasFocus()
    first = history.proxy.index(0, 0).data(history.model.RowRole)
    assert history.current_row() == first
    assert first.can_download  # a finished export of Canvas's, not saved here yet
    with qtbot.waitSignal(history.downloadRequested) as blocker:
        qtbot.keyClick(history.view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == [first.export_id]
    with qtbot.waitSignal(history.view.activated):  # Enter runs the row's default action
        qtbot.keyClick(history.view, Qt.Key.Key_Return)

    history.view.setFocus(Qt.FocusReason.OtherFocusReason)
    history.select_export(history.proxy.index(1, 0).data(history.model.RowRole).export_id)
    window.picker.search_edit.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)  # a current row stays
    assert history.current_row() == history.proxy.index(1, 0).data(history.model.RowRole)


def test_ctrl_q_quits_on_every_platform(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """The README's Ctrl+Q: Qt's standard Quit key is empty on Windows (and offscreen)."""
    activate(qtbot, window)
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible())


def test_tab_walks_the_picker_top_to_bottom(qtbot, window: MainWindow, sim) -> None:  # type: ignore[no-untyped-def]
    """Search, the Courses/Groups/My files tabs, the term, the list, then on to the tree
    (Tab used to go from the course list up to the tabs above it); Shift+Tab goes back."""
    choose(qtbot, window, course_ctx(sim))
    activate(qtbot, window)
    picker = window.picker
    picker.search_edit.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(picker.search_edit.hasFocus)
    expected = [picker.tabs.tabBar(), picker.term_combo, picker.course_view, window.selection.filter_edit]
    forwards = []
    for _ in expected:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        forwards.append(QApplication.focusWidget())
    assert forwards == expected
    backwards = []
    for _ in expected[:-1]:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        backwards.append(QApplication.focusWidget())
    assert backwards == [picker.course_view, picker.term_combo, picker.tabs.tabBar()]

    picker.tabs.setCurrentIndex(picker.GROUPS_TAB)  # the Groups page: tabs, then its list
    picker.tabs.tabBar().setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(picker.tabs.tabBar().hasFocus)
    qtbot.keyClick(picker.tabs.tabBar(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is picker.group_view
