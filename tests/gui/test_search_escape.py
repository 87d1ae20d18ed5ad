"""Escape in a search box empties it when it has text, and only then reaches the
window: a dialog closes on the next Escape."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from desktop_app.ui.bulk_export_dialog import BulkExportDialog
from desktop_app.ui.main_window import MainWindow
from tests.gui.batch_factories import term_courses


def test_escape_clears_the_course_search(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.show()
    picker = window.picker
    everything = picker.course_proxy.rowCount()
    picker.search_edit.setFocus()
    qtbot.keyClicks(picker.search_edit, "Numerical")
    assert picker.course_proxy.rowCount() == 1
    qtbot.keyClick(picker.search_edit, Qt.Key.Key_Escape)
    assert picker.search_edit.text() == ""
    assert picker.course_proxy.rowCount() == everything
    assert picker.search_edit.hasFocus()  # still there to type again


def test_escape_clears_the_dialog_search_first_then_closes(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = BulkExportDialog()
    qtbot.addWidget(dialog)
    dialog.set_default_folder(tmp_path / "exports")
    dialog.show()
    dialog.set_courses(term_courses(5))
    dialog.search_edit.setFocus()
    qtbot.keyClicks(dialog.search_edit, "zz-no-such-course")
    qtbot.waitUntil(lambda: dialog.proxy.rowCount() == 0)  # filtered after a pause in typing
    qtbot.keyClick(dialog.search_edit, Qt.Key.Key_Escape)
    assert dialog.isVisible() and dialog.search_edit.text() == ""
    qtbot.waitUntil(lambda: dialog.proxy.rowCount() == 5)
    qtbot.keyClick(dialog.search_edit, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
