"""The bulk export's course chooser model: ticks, term and search filters, Select all on
the rows shown, the count, and speed with 5,000 courses."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop_app.ui.course_choice_model import ChoiceColumn, CourseChoiceModel, CourseChoiceProxy, chosen_text
from tests.gui.batch_factories import FALL, SPRING, term_courses

CHECK = Qt.ItemDataRole.CheckStateRole


@pytest.fixture
def model(qapp, qtmodeltester) -> CourseChoiceModel:  # type: ignore[no-untyped-def]
    m = CourseChoiceModel()
    m.set_courses(term_courses(40))
    qtmodeltester.check(m)
    return m


@pytest.fixture
def proxy(model: CourseChoiceModel, qtmodeltester) -> CourseChoiceProxy:  # type: ignore[no-untyped-def]
    p = CourseChoiceProxy()
    p.setSourceModel(model)
    qtmodeltester.check(p)
    return p


def shown(proxy: CourseChoiceProxy) -> list[int]:
    return [proxy.index(r, 0).data(CourseChoiceModel.CourseRole).id for r in range(proxy.rowCount())]


def test_rows_show_code_name_sis_id_term_and_teachers_newest_term_first(model: CourseChoiceModel) -> None:
    first = model.course_at(0)
    assert first.term == SPRING.name  # Spring 2027 before Fall 2026
    assert model.index(0, ChoiceColumn.COURSE).data() == f"{first.course_code} · {first.name}"
    assert model.index(0, ChoiceColumn.SIS_ID).data() == first.sis_course_id
    assert model.index(0, ChoiceColumn.TEACHERS).data() == ", ".join(first.teachers)
    assert model.index(0, ChoiceColumn.COURSE).data(CHECK) == Qt.CheckState.Unchecked
    assert model.flags(model.index(0, ChoiceColumn.COURSE)) & Qt.ItemFlag.ItemIsUserCheckable
    assert not model.flags(model.index(0, ChoiceColumn.TERM)) & Qt.ItemFlag.ItemIsUserCheckable


def test_ticking_a_course_chooses_it(qtbot, model: CourseChoiceModel) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(model.checkedChanged):
        assert model.setData(model.index(3, ChoiceColumn.COURSE), Qt.CheckState.Checked.value, CHECK)
    assert model.checked_courses() == [model.course_at(3)]
    assert model.index(3, ChoiceColumn.COURSE).data(CHECK) == Qt.CheckState.Checked
    model.setData(model.index(3, ChoiceColumn.COURSE), Qt.CheckState.Unchecked, CHECK)
    assert model.checked_count() == 0
    assert not model.setData(model.index(3, ChoiceColumn.TERM), Qt.CheckState.Checked, CHECK)


def test_term_and_search_filter_and_select_all_ticks_only_the_rows_shown(model, proxy) -> None:  # type: ignore[no-untyped-def]
    proxy.set_term(FALL.id)
    assert proxy.rowCount() == 20
    proxy.set_search("bio")  # the code
    by_id = {c.id: c for c in model.courses()}
    assert shown(proxy) and {by_id[i].course_code[:3] for i in shown(proxy)} == {"BIO"}
    proxy.set_search("2026FA-0010")  # part of the SIS id
    assert len(shown(proxy)) == 1
    proxy.set_search("cell biology")  # every word, in the name
    bio = shown(proxy)
    assert bio and all(by_id[i].term_id == FALL.id and "Cell Biology" in by_id[i].name for i in bio)
    proxy.set_shown_checked(True)
    assert sorted(c.id for c in model.checked_courses()) == sorted(bio)
    proxy.set_search("")
    assert proxy.hidden_checked() == 0  # every ticked one is a Fall course, shown again
    proxy.set_term(SPRING.id)
    assert proxy.hidden_checked() == len(bio)
    proxy.set_shown_checked(False)  # unticks nothing hidden
    assert model.checked_count() == len(bio)
    proxy.set_term(None)
    proxy.set_shown_checked(False)
    assert model.checked_count() == 0


def test_ticks_survive_a_reload_of_the_courses_still_listed(model: CourseChoiceModel) -> None:
    courses = model.courses()
    model.set_checked_rows(range(4), True)
    kept = {c.id for c in model.checked_courses()}
    model.set_courses([c for c in courses if c.id != min(kept)])
    assert {c.id for c in model.checked_courses()} == kept - {min(kept)}
    model.set_courses(courses, check_all=True)
    assert model.checked_count() == 40


def test_the_count_says_how_many_of_how_many_and_how_many_hidden() -> None:
    assert chosen_text(12, 340) == "12 of 340 courses chosen"
    assert chosen_text(0, 1) == "0 of 1 course chosen"
    assert chosen_text(3, 5_000, hidden=2) == "3 of 5,000 courses chosen (2 hidden by the filter)"


def test_five_thousand_courses_fill_filter_and_select_all(qapp) -> None:  # type: ignore[no-untyped-def]
    """Its speed is measured in tests/benchmarks/bench_batch_view.py, not here."""
    courses = term_courses(5_000)
    model, proxy = CourseChoiceModel(), CourseChoiceProxy()
    proxy.setSourceModel(model)
    model.set_courses(courses)
    proxy.set_term(FALL.id)
    proxy.set_search("linear")
    proxy.set_shown_checked(True)
    proxy.set_search("")
    proxy.set_shown_checked(True)
    assert model.checked_count() == 2_500
