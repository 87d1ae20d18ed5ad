"""File › Bulk export…: the dialog asks with signals, is filled with slots, and emits a
BulkRequest on Start only when the choice is valid."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QRadioButton, QWidget

from desktop_app.canvas.models import ExportType
from desktop_app.ui.bulk_export_dialog import BulkExportDialog, BulkRequest, CourseSource, account_tree
from desktop_app.ui.course_choice_model import ChoiceColumn
from tests.gui.batch_factories import FALL, SPRING, accounts, term_courses
from tests.gui.palettes import dark_palette
from tests.gui.pixels import check_box_outline_contrast

TODAY = date(2026, 12, 6)


@pytest.fixture
def dialog(qtbot, tmp_path: Path) -> BulkExportDialog:  # type: ignore[no-untyped-def]
    d = BulkExportDialog(today=TODAY)
    qtbot.addWidget(d)
    d.set_default_folder(tmp_path / "exports")
    with qtbot.waitSignal(d.sourceChanged) as asked:  # the window loads the first source now
        d.show()
    assert asked.args == ["mine"]
    assert d.table.isColumnHidden(ChoiceColumn.TEACHERS)  # your own courses: Canvas lists no teachers
    return d


def tick_first(dialog: BulkExportDialog, n: int) -> None:
    rows = [dialog.proxy.mapToSource(dialog.proxy.index(r, 0)).row() for r in range(n)]
    dialog.model.set_checked_rows(rows, True)


def test_start_waits_for_a_course_and_emits_the_request(qtbot, dialog: BulkExportDialog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert not dialog.start_button.isEnabled()
    dialog.set_courses(term_courses(40))
    assert dialog.why_not.text() == "Tick at least one course."
    tick_first(dialog, 3)
    assert dialog.count_label.text() == "3 of 40 courses chosen"
    assert dialog.start_button.isEnabled() and dialog.why_not.text() == ""
    dialog.max_at_canvas.setValue(8)
    dialog.keep_newest.setChecked(True)
    with qtbot.waitSignal(dialog.startRequested) as started:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    request: BulkRequest = started.args[0]
    assert request.courses == tuple(dialog.checked_courses()) and len(request.courses) == 3
    assert request.export_type is ExportType.COMMON_CARTRIDGE
    assert request.folder == tmp_path / "exports" and request.folder.is_dir()  # created, as Settings does
    assert request.skip_notifications is True
    assert (request.max_at_canvas, request.skip_within_days, request.keep) == (8, None, 3)
    assert request.csv_path is None
    assert request.name == "Spring 2027 Common Cartridge 2026-12-06"  # the ticked courses' one term
    # the dialog says it is starting until the window accepts it or reports a failure
    assert not dialog.start_button.isEnabled() and dialog.busy_label.text() == "Starting the batch…"
    dialog.set_busy(False)
    dialog.set_error("Canvas is unreachable.")
    assert "Canvas is unreachable." in dialog.error_text()
    assert dialog.start_button.isEnabled()


def test_a_relative_folder_is_refused_under_the_folder(qtbot, dialog: BulkExportDialog) -> None:  # type: ignore[no-untyped-def]
    dialog.set_courses(term_courses(4))
    tick_first(dialog, 1)
    dialog.folder_edit.setText("exports")
    with qtbot.assertNotEmitted(dialog.startRequested):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert "not a full path" in dialog.folder_error.text()
    assert dialog.isVisible()


def test_the_options_reach_the_request(qtbot, dialog: BulkExportDialog) -> None:  # type: ignore[no-untyped-def]
    dialog.set_courses(term_courses(4))
    tick_first(dialog, 2)
    assert not dialog.skip_days.isEnabled()
    dialog.skip_recent.setChecked(True)
    dialog.skip_days.setValue(30)
    dialog.type_radios[ExportType.ZIP].setChecked(True)
    assert not dialog.skip_notifications.isEnabled()  # Canvas sends no e-mail for zip exports
    dialog.name_edit.setText("Archive")
    dialog.name_edit.textEdited.emit("Archive")
    dialog.type_radios[ExportType.QTI].setChecked(True)
    assert dialog.name_edit.text() == "Archive"  # typed names are kept
    request = dialog.request()
    assert (request.export_type, request.skip_within_days, request.name) == (ExportType.QTI, 30, "Archive")
    assert dialog.max_at_canvas.minimum() == 1 and dialog.max_at_canvas.maximum() == 20
    assert dialog.max_at_canvas.value() == 5


def test_my_courses_filter_by_their_own_terms_and_the_name_follows(dialog: BulkExportDialog) -> None:
    dialog.set_courses(term_courses(40))
    terms = [dialog.term_combo.itemText(i) for i in range(dialog.term_combo.count())]
    assert terms == ["All terms", SPRING.name, FALL.name]
    dialog.term_combo.setCurrentIndex(dialog.term_combo.findData(FALL.id))
    dialog.term_combo.activated.emit(dialog.term_combo.currentIndex())
    assert dialog.proxy.rowCount() == 20
    assert dialog.name_edit.text() == "Fall 2026 Common Cartridge 2026-12-06"
    dialog.select_all_button.click()
    assert dialog.count_label.text() == "20 of 40 courses chosen"
    dialog.search_edit.setText("linear")
    dialog.search_edit.returnPressed.emit()
    assert 0 < dialog.proxy.rowCount() < 20
    dialog.select_none_button.click()
    assert dialog.model.checked_count() == 20 - dialog.proxy.rowCount()


def test_accounts_are_a_tree_and_choosing_one_asks_for_its_terms_and_courses(qtbot, dialog: BulkExportDialog) -> None:  # type: ignore[no-untyped-def]
    assert [(a.name, depth) for a, depth in account_tree(accounts())] == [
        ("State University", 0),
        ("College of Arts and Sciences", 1),
        ("Department of Biology", 2),
        ("College of Engineering", 1),
    ]
    dialog.set_accounts(accounts())
    with qtbot.waitSignal(dialog.sourceChanged) as source, qtbot.waitSignal(dialog.accountChosen) as first:
        dialog.source_radios[CourseSource.ACCOUNT].click()
    assert (source.args, first.args) == (["account"], [1])  # the first account, at once
    assert dialog.source() is CourseSource.ACCOUNT and dialog.account_combo.isVisible()
    assert not dialog.table.isColumnHidden(ChoiceColumn.TEACHERS)  # an account's courses name their teachers
    assert dialog.model.rowCount() == 0  # my courses are not the account's
    assert dialog.account_combo.itemText(2).strip() == "Department of Biology"
    assert dialog.account_combo.itemText(2) != "Department of Biology"  # indented
    dialog.set_terms([FALL, SPRING])
    with qtbot.waitSignal(dialog.termChosen) as term:
        dialog.term_combo.setCurrentIndex(dialog.term_combo.findData(FALL.id))
        dialog.term_combo.activated.emit(dialog.term_combo.currentIndex())
    assert term.args == [FALL.id]
    dialog.set_courses(term_courses(6, (FALL,)))
    with qtbot.waitSignal(dialog.accountChosen) as chosen:
        dialog.account_combo.setCurrentIndex(2)
        dialog.account_combo.activated.emit(2)
    assert chosen.args == [4]


def test_courses_of_another_source_wait_for_it(dialog: BulkExportDialog) -> None:
    dialog.set_accounts(accounts())
    dialog.set_courses(term_courses(5), source=CourseSource.ACCOUNT)
    assert dialog.model.rowCount() == 0
    dialog.set_source(CourseSource.ACCOUNT)
    assert dialog.model.rowCount() == 5


def test_no_account_means_no_account_source(dialog: BulkExportDialog) -> None:
    dialog.set_accounts([])
    assert not dialog.source_radios[CourseSource.ACCOUNT].isEnabled()
    assert "no account" in dialog.source_radios[CourseSource.ACCOUNT].toolTip()


def test_a_csv_with_bad_rows_blocks_start_until_read_again_clean(qtbot, dialog: BulkExportDialog, tmp_path) -> None:  # type: ignore[no-untyped-def]
    dialog.set_source(CourseSource.CSV)
    assert dialog.why_not.text() == "Choose a CSV file."
    path = tmp_path / "fall.csv"
    with qtbot.waitSignal(dialog.csvChosen) as chosen:
        dialog.csv_edit.setText(str(path))
        dialog.csv_edit.editingFinished.emit()
    assert chosen.args == [str(path)]
    assert not dialog.start_button.isEnabled()  # not read yet
    dialog.set_csv_count(2, ["department"])
    dialog.set_csv_problems(["line 7: 'abc' is not a course id", "line 9: no course_id"])
    items = [dialog.csv_problems.item(i).text() for i in range(dialog.csv_problems.count())]
    assert items == ["line 7: 'abc' is not a course id", "line 9: no course_id"]
    assert dialog.csv_problems.isVisible()
    assert "2 rows need fixing" in dialog.csv_summary.text()
    assert not dialog.start_button.isEnabled()
    dialog._csv_asked = None  # as Choose file… does for the same file again
    with qtbot.waitSignal(dialog.csvChosen):
        dialog.csv_edit.editingFinished.emit()
    dialog.set_csv_count(3, ["department"])
    dialog.set_csv_problems([])
    assert "The file names 3 courses." in dialog.csv_summary.text() and "department" in dialog.csv_summary.text()
    assert dialog.start_button.isEnabled()
    with qtbot.waitSignal(dialog.startRequested) as started:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    request = started.args[0]
    assert request.csv_path == path and request.courses == ()
    assert request.name == "fall Common Cartridge 2026-12-06"


def test_enter_starts_only_when_valid_and_never_from_the_search_box(qtbot, dialog: BulkExportDialog) -> None:  # type: ignore[no-untyped-def]
    dialog.set_courses(term_courses(4))
    dialog.table.setFocus()
    with qtbot.assertNotEmitted(dialog.startRequested):
        qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    dialog.table.setCurrentIndex(dialog.proxy.index(1, ChoiceColumn.TERM))
    qtbot.keyClick(dialog.table, Qt.Key.Key_Space)  # ticks the row, whatever the column
    assert dialog.model.checked_courses() == [dialog.model.course_at(1)]
    dialog.search_edit.setFocus()
    with qtbot.assertNotEmitted(dialog.startRequested):
        qtbot.keyClick(dialog.search_edit, Qt.Key.Key_Return)
    dialog.name_edit.setFocus()
    with qtbot.waitSignal(dialog.startRequested):
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)


def test_escape_closes(qtbot, dialog: BulkExportDialog) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_every_control_is_reachable_with_tab(qtbot, dialog: BulkExportDialog) -> None:  # type: ignore[no-untyped-def]
    dialog.set_courses(term_courses(4))
    tick_first(dialog, 1)
    dialog.skip_recent.setChecked(True)
    dialog.keep_newest.setChecked(True)
    dialog.activateWindow()
    dialog.search_edit.setFocus()
    reached: set[QWidget] = set()
    for _ in range(60):
        widget = QApplication.focusWidget()
        if widget is not None:
            reached.add(widget)
        dialog.focusNextChild()
    wanted = [
        w
        for w in dialog.findChildren(QWidget)
        if w.isVisible() and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.window() is dialog
    ]
    # a radio group is one Tab stop (arrows move inside it): its checked radio must be reached
    missing = [
        w
        for w in wanted
        if w not in reached
        and not (isinstance(w, QRadioButton) and not w.isChecked())
        and not any(w is child for r in reached for child in r.findChildren(QWidget))  # e.g. a spin box's editor
    ]
    assert not missing, [w.objectName() or w.accessibleName() or type(w).__name__ for w in missing]
    assert any(isinstance(w, QAbstractButton) and w is dialog.start_button for w in reached)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_an_unticked_course_has_a_box_that_stands_out_in_a_light_and_a_dark_palette(
    dialog: BulkExportDialog, dark: bool
) -> None:
    dialog.set_courses(term_courses(4))
    if dark:
        dialog.setPalette(dark_palette())
    first = dialog.proxy.index(0, ChoiceColumn.COURSE)
    assert first.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert check_box_outline_contrast(dialog.table, first) >= 3.0  # WCAG's 3:1 for what shows a control
