"""Context picker: course search as you type, term filter, groups, My files, restore."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt

from desktop_app.canvas.models import Context
from desktop_app.ui.context_picker import (
    ALL_TERMS,
    NO_TERM,
    ContextPicker,
    CourseListModel,
    GroupListModel,
    term_order,
)
from tests.gui.factories import courses, groups
from tests.gui.pixels import arrow_direction


def shown(view) -> list[str]:  # type: ignore[no-untyped-def]
    model = view.model()
    return [model.index(r, 0).data() for r in range(model.rowCount())]


@pytest.fixture
def picker(qtbot, qtmodeltester) -> ContextPicker:  # type: ignore[no-untyped-def]
    p = ContextPicker()
    qtbot.addWidget(p)
    qtmodeltester.check(p.course_proxy)
    qtmodeltester.check(p.group_proxy)
    p.set_courses(courses())
    p.set_groups(groups())
    p.resize(420, 480)
    p.show()
    qtbot.waitExposed(p)
    return p


def test_models_pass_the_model_tester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    c = CourseListModel()
    qtmodeltester.check(c)
    c.set_courses(courses())
    g = GroupListModel()
    qtmodeltester.check(g)
    g.set_groups(groups())
    assert c.rowCount() == 6 and g.rowCount() == 2


def test_terms_most_recent_first() -> None:
    assert term_order(["Fall 2024", "Spring 2026", NO_TERM, "Fall 2025", "Spring 2025", "Default Term"]) == [
        "Spring 2026",
        "Fall 2025",
        "Spring 2025",
        "Fall 2024",
        "Default Term",
        NO_TERM,
    ]


def test_courses_are_grouped_by_term_newest_first(picker: ContextPicker) -> None:
    assert shown(picker.course_view) == [
        "Academic Writing",
        "Linear Algebra",  # Spring 2026
        "Data Structures",
        "Introduction to Programming",  # Fall 2025
        "Organic Chemistry I",  # Fall 2024
        "Sandbox: Jane Doe",  # no term
    ]
    combo = [picker.term_combo.itemText(i) for i in range(picker.term_combo.count())]
    assert combo == [ALL_TERMS, "Spring 2026", "Fall 2025", "Fall 2024", NO_TERM]
    # newest term first is a descending sort on Term, and its arrow says so
    header = picker.course_view.header()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        CourseListModel.TERM,
        Qt.SortOrder.DescendingOrder,
    )
    if picker.style().name().lower() == "fusion":
        assert arrow_direction(header, CourseListModel.TERM) == "down"
    picker.course_view.sortByColumn(CourseListModel.TERM, Qt.SortOrder.AscendingOrder)
    assert shown(picker.course_view)[0] == "Sandbox: Jane Doe"  # the exact reverse


def test_search_as_you_type_matches_name_and_code(picker: ContextPicker, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(picker.search_edit, "cs")
    assert shown(picker.course_view) == ["Data Structures", "Introduction to Programming"]
    qtbot.keyClicks(picker.search_edit, " 2")  # every word must match: "cs" and "2"
    assert shown(picker.course_view) == ["Data Structures"]
    picker.search_edit.clear()
    qtbot.keyClicks(picker.search_edit, "ALGEBRA")
    assert shown(picker.course_view) == ["Linear Algebra"]
    qtbot.keyClicks(picker.search_edit, "zzz")
    assert shown(picker.course_view) == []


def test_term_filter_combines_with_search(picker: ContextPicker, qtbot) -> None:  # type: ignore[no-untyped-def]
    picker.term_combo.setCurrentText("Fall 2025")
    assert shown(picker.course_view) == ["Data Structures", "Introduction to Programming"]
    qtbot.keyClicks(picker.search_edit, "intro")
    assert shown(picker.course_view) == ["Introduction to Programming"]
    picker.set_term(NO_TERM)
    picker.set_search_text("")
    assert shown(picker.course_view) == ["Sandbox: Jane Doe"]
    picker.set_term(ALL_TERMS)
    assert len(shown(picker.course_view)) == 6


def test_search_also_filters_groups(picker: ContextPicker) -> None:
    picker.set_search_text("proofs")
    assert shown(picker.group_view) == ["Study group: proofs"]
    picker.set_search_text("programming")  # the group's course name counts too
    assert shown(picker.group_view) == ["Project team Alpha"]


def test_clicking_a_course_chooses_it(picker: ContextPicker, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = picker.course_view
    index = view.model().index(2, 0)  # Data Structures
    with qtbot.waitSignal(picker.contextChosen) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    assert blocker.args == [Context.parse("course:13"), "Data Structures"]
    assert picker.current_context() == Context.parse("course:13")
    with qtbot.assertNotEmitted(picker.contextChosen):  # the same one again: nothing to reload
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    with qtbot.waitSignal(picker.contextChosen) as blocker:  # arrow keys move the choice
        view.setFocus()
        qtbot.keyClick(view, Qt.Key.Key_Down)
    assert blocker.args[0] == Context.parse("course:12")


def test_groups_and_my_files(picker: ContextPicker, qtbot) -> None:  # type: ignore[no-untyped-def]
    picker.tabs.setCurrentIndex(ContextPicker.GROUPS_TAB)
    view = picker.group_view
    with qtbot.waitSignal(picker.contextChosen) as blocker:
        qtbot.mouseClick(
            view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(view.model().index(0, 0)).center()
        )
    assert blocker.args == [Context.parse("group:301"), "Project team Alpha"]
    with qtbot.waitSignal(picker.contextChosen) as blocker:
        picker.tabs.setCurrentIndex(ContextPicker.MY_FILES_TAB)
    assert blocker.args == [Context.parse("user:self"), "My files"]
    with qtbot.waitSignal(picker.contextChosen) as blocker:  # back to Groups: its choice again
        picker.tabs.setCurrentIndex(ContextPicker.GROUPS_TAB)
    assert blocker.args[0] == Context.parse("group:301")


def test_select_context_before_the_list_arrives(qtbot) -> None:  # type: ignore[no-untyped-def]
    p = ContextPicker()
    qtbot.addWidget(p)
    p.set_loading("Loading your courses…")
    assert p.status_label.isVisibleTo(p)
    assert not p.select_context(Context.parse("course:15"))
    with qtbot.waitSignal(p.contextChosen) as blocker:
        p.set_courses(courses())
    assert blocker.args == [Context.parse("course:15"), "Linear Algebra"]
    assert not p.status_label.isVisibleTo(p)
    assert p.tabs.currentIndex() == ContextPicker.COURSES_TAB
    assert p.course_view.currentIndex().data() == "Linear Algebra"


def test_select_context_clears_a_filter_that_hides_it(picker: ContextPicker, qtbot) -> None:  # type: ignore[no-untyped-def]
    picker.set_search_text("chem")
    with qtbot.waitSignal(picker.contextChosen):
        assert picker.select_context(Context.parse("course:12"))
    assert picker.search_edit.text() == ""
    assert picker.course_view.currentIndex().data() == "Introduction to Programming"
    with qtbot.waitSignal(picker.contextChosen) as blocker:
        assert picker.select_context(Context.parse("group:302"))
    assert picker.tabs.currentIndex() == ContextPicker.GROUPS_TAB
    assert blocker.args[1] == "Study group: proofs"
    with qtbot.waitSignal(picker.contextChosen):
        assert picker.select_context(Context.parse("user:self"))
    assert not picker.select_context(Context.parse("user:77"))


def test_refreshing_courses_keeps_the_choice_quietly(picker: ContextPicker, qtbot) -> None:  # type: ignore[no-untyped-def]
    picker.select_context(Context.parse("course:14"))
    with qtbot.assertNotEmitted(picker.contextChosen):
        picker.set_courses(courses())
    assert picker.course_view.currentIndex().data() == "Academic Writing"


def test_student_courses_explain_the_zip_only_rule(picker: ContextPicker) -> None:
    model = picker.courses
    row = model.row_of(Context.parse("course:14"))
    assert "only zip" in model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert picker.course_for(Context.parse("course:12")).is_teacher


def test_accessible_names(picker: ContextPicker) -> None:
    for widget in (picker.search_edit, picker.term_combo, picker.course_view, picker.group_view, picker.tabs):
        assert widget.accessibleName()
    assert picker.search_edit.toolTip() and picker.term_combo.toolTip()
    assert picker.course_view.model().index(0, 0, QModelIndex()).data(Qt.ItemDataRole.DecorationRole) is not None


def test_searching_never_changes_the_chosen_course(picker: ContextPicker, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The search filters the list; the chosen course stays chosen, even out of view."""
    chosen = Context.parse("course:12")
    with qtbot.waitSignal(picker.contextChosen):
        picker.select_context(chosen)
    with qtbot.assertNotEmitted(picker.contextChosen):
        qtbot.keyClicks(picker.search_edit, "chem")  # hides Introduction to Programming
        assert shown(picker.course_view) == ["Organic Chemistry I"]
        assert picker.current_context() == chosen
        assert not picker.course_view.selectionModel().hasSelection()  # nothing else looks chosen
        picker.search_edit.clear()
        picker.set_term("Spring 2026")  # the term filter hides it too
        picker.set_term(ALL_TERMS)
        qtbot.keyClicks(picker.search_edit, "a")  # and one that keeps it in view
    assert picker.current_context() == chosen
    assert picker.course_view.currentIndex().data() == "Introduction to Programming"
    assert picker.course_view.selectionModel().isRowSelected(picker.course_view.currentIndex().row())
    with qtbot.assertNotEmitted(picker.contextChosen):  # switching tabs back and forth keeps it too
        qtbot.keyClicks(picker.search_edit, "lgebra")
        picker.tabs.setCurrentIndex(ContextPicker.GROUPS_TAB)
        picker.tabs.setCurrentIndex(ContextPicker.COURSES_TAB)
    assert picker.current_context() == chosen


def test_searching_with_a_group_chosen_keeps_the_group(picker: ContextPicker, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(picker.contextChosen):
        picker.select_context(Context.parse("group:302"))
    with qtbot.assertNotEmitted(picker.contextChosen):
        picker.set_search_text("alpha")
        picker.set_search_text("")
    assert picker.current_context() == Context.parse("group:302")
    assert picker.group_view.currentIndex().data() == "Study group: proofs"


def test_tabbing_into_a_filtered_list_does_not_choose(picker: ContextPicker, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Qt gives a list without a current row the first one on keyboard focus; that is
    not a choice. Arrow keys are."""
    with qtbot.waitSignal(picker.contextChosen):
        picker.select_context(Context.parse("course:12"))
    picker.set_search_text("2")  # hides Introduction to Programming
    with qtbot.assertNotEmitted(picker.contextChosen):
        picker.course_view.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(picker.course_view.hasFocus)
    assert picker.current_context() == Context.parse("course:12")
    with qtbot.waitSignal(picker.contextChosen) as blocker:
        qtbot.keyClick(picker.course_view, Qt.Key.Key_Down)
    assert blocker.args[0] != Context.parse("course:12")
