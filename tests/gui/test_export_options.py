"""The export options panel on real widgets: only the types this person may create are
offered, with the reason visible, and a failure to start is shown under Start export."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import Qt

from desktop_app.canvas.client import CanvasClient
from desktop_app.canvas.models import Context, ContextKind, ExportType
from desktop_app.canvas.validation import allowed_export_types
from desktop_app.simulator import STUDENT_TOKEN
from desktop_app.ui.export_options import ExportOptions

CC, QTI, ZIP = ExportType.COMMON_CARTRIDGE, ExportType.QTI, ExportType.ZIP


@pytest.fixture
def options(qtbot) -> ExportOptions:  # type: ignore[no-untyped-def]
    widget = ExportOptions()
    qtbot.addWidget(widget)
    widget.resize(640, 140)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def radio(options: ExportOptions, export_type: ExportType):  # type: ignore[no-untyped-def]
    return options.findChild(type(options._radios[ZIP]), f"type_{export_type.value}")


def student_types(sim) -> dict[ExportType, str | None]:  # type: ignore[no-untyped-def]
    async def ask() -> dict[ExportType, str | None]:
        async with CanvasClient(sim.base_url, STUDENT_TOKEN) as api:
            return await api.allowed_export_types(Context.parse("course:101"))

    return asyncio.run(ask())


def test_a_student_is_offered_only_zip_with_the_reason_shown(qtbot, options, sim) -> None:
    options.set_context_kind(ContextKind.COURSE)
    assert options.export_type() is CC and radio(options, CC).isEnabled()
    allowed = student_types(sim)  # what Canvas says Alan may do in course 101
    options.set_allowed(allowed)

    assert options.export_type() is ZIP  # Common Cartridge was chosen; it is not possible here
    reason = allowed[CC]
    assert reason and "Only teachers, TAs and designers" in reason
    for export_type in (CC, QTI):
        assert not radio(options, export_type).isEnabled()
        assert reason in radio(options, export_type).toolTip()
        assert options.refusal(export_type) == reason
    assert radio(options, ZIP).isEnabled() and options.refusal(ZIP) is None
    assert options.types_reason.isVisible() and options.types_reason.text() == reason

    qtbot.mouseClick(radio(options, CC), Qt.MouseButton.LeftButton)  # a greyed radio does nothing
    assert options.export_type() is ZIP


def test_a_teacher_gets_every_type_and_no_reason(options) -> None:
    options.set_context_kind(ContextKind.COURSE)
    options.set_allowed(allowed_export_types(ContextKind.COURSE, False))
    options.set_allowed(allowed_export_types(ContextKind.COURSE, True))
    assert all(radio(options, t).isEnabled() for t in ExportType)
    assert not options.types_reason.isVisible()
    options.set_export_type(QTI)
    assert options.export_type() is QTI


@pytest.mark.parametrize("kind", [ContextKind.GROUP, ContextKind.USER])
def test_groups_and_my_files_say_why_they_are_zip_only(options, kind: ContextKind) -> None:
    options.set_context_kind(kind)
    assert options.export_type() is ZIP
    assert not radio(options, CC).isEnabled() and not radio(options, QTI).isEnabled()
    assert options.types_reason.isVisible()
    assert options.types_reason.text() == allowed_export_types(kind)[CC]


def test_a_start_problem_shows_under_the_button_until_something_changes(qtbot, options) -> None:
    options.set_context_kind(ContextKind.COURSE)
    options.set_summary_text("Everything")
    text = "Your Canvas account is not allowed to create a Common Cartridge export of course 103."
    options.show_start_problem(text)
    assert options.start_problem.isVisible() and options.start_problem_text() == text
    problem, button = options.start_problem.geometry(), options.start_button.geometry()
    assert problem.top() >= button.bottom() and problem.height() > 0  # under Start export, not hidden

    qtbot.mouseClick(radio(options, ZIP), Qt.MouseButton.LeftButton)  # another type: cleared
    assert not options.start_problem.isVisible() and options.start_problem_text() == ""

    options.show_start_problem(text)
    options.set_summary_text("Everything")  # the same selection: still shown
    assert options.start_problem.isVisible()
    options.set_summary_text("3 files")  # the selection changed
    assert not options.start_problem.isVisible()

    options.show_start_problem(text)
    options.set_context_kind(ContextKind.GROUP)
    assert not options.start_problem.isVisible()


def test_the_main_window_offers_a_student_only_zip(qtbot, window, sim) -> None:
    """Ada is a student in course 103: the window asks Canvas (allowed_export_types) and
    passes the answer to set_allowed, so only zip is offered there."""
    from .test_main_window import choose

    choose(qtbot, window, Context(ContextKind.COURSE, "103"))
    qtbot.waitUntil(lambda: window.options.refusal(CC) is not None, timeout=2000)
    assert window.options.export_type() is ZIP and window.options.types_reason.isVisible()


def test_the_chosen_type_is_remembered_per_kind_of_context(qtbot, options) -> None:
    """A group's zip (Canvas's rule there) does not carry over to the next course."""
    options.set_context_kind(ContextKind.COURSE)
    assert options.export_type() is CC
    options.set_context_kind(ContextKind.GROUP)
    assert options.export_type() is ZIP
    options.set_context_kind(ContextKind.COURSE)
    assert options.export_type() is CC and all(radio(options, t).isEnabled() for t in ExportType)

    qtbot.mouseClick(radio(options, QTI), Qt.MouseButton.LeftButton)  # the person's choice for courses
    options.set_context_kind(ContextKind.USER)
    assert options.export_type() is ZIP
    options.set_context_kind(ContextKind.COURSE)
    assert options.export_type() is QTI
    options.set_allowed(allowed_export_types(ContextKind.COURSE, False))  # a student here: zip only
    assert options.export_type() is ZIP
    options.set_context_kind(ContextKind.COURSE)  # the next course, as a teacher: QTI again
    assert options.export_type() is QTI


def test_a_course_after_a_group_opens_with_its_own_type_in_the_window(qtbot, window, sim) -> None:
    from .test_main_window import choose

    choose(qtbot, window, Context(ContextKind.COURSE, "101"))
    qtbot.mouseClick(radio(window.options, QTI), Qt.MouseButton.LeftButton)
    choose(qtbot, window, Context(ContextKind.GROUP, str(sim.data.group_id)))
    assert window.options.export_type() is ZIP
    choose(qtbot, window, Context(ContextKind.USER, "self"))
    choose(qtbot, window, Context(ContextKind.COURSE, "102"))
    qtbot.waitUntil(lambda: window.options.allowed(QTI), timeout=2000)
    assert window.options.export_type() is QTI
    assert window.selection.model.export_type() is QTI  # the tree greys what QTI cannot hold, not zip's


def test_the_summary_never_touches_start_export(options) -> None:
    """Issue 13, #9: "Exports: 1 module, 3 pages, 4 quizzes" ran into the button."""
    options.set_context_kind(ContextKind.COURSE)
    options.set_summary_text("1 module, 3 pages, 4 quizzes, 12 files, 2 rubrics, 5 discussions, 7 assignments")
    summary, button = options.summary.geometry(), options.start_button.geometry()
    assert summary.right() + 8 < button.left()
