"""The main window end to end, against the simulated Canvas over real HTTP: pick a
course, tick content, start an export, watch its row, get the verified file."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import Qt

from desktop_app.canvas.models import Context, ContextKind, ExportType, SelectKey, WorkflowState
from desktop_app.engine.events import JobStatus
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.selection_model import BranchStatus


def course_ctx(sim) -> Context:  # type: ignore[no-untyped-def]
    return Context(ContextKind.COURSE, str(sim.data.main_course_id))


def choose(qtbot, window: MainWindow, ctx: Context) -> None:
    with qtbot.waitSignal(window.historyLoaded, timeout=10_000):
        assert window.picker.select_context(ctx)
    assert window.context == ctx


def expand_branch(qtbot, window: MainWindow, key: SelectKey) -> None:
    """Expand a branch as a user would; the tree asks for it and the bridge fills it."""
    model, panel = window.selection.model, window.selection
    index = panel.proxy.mapFromSource(model.branch_index(key))
    panel.view.expand(index)
    qtbot.waitUntil(lambda: model.branch_state(key).status is BranchStatus.LOADED, timeout=10_000)


def job_row(window: MainWindow, job_id: int):  # type: ignore[no-untyped-def]
    row = window.history.model.row_for_job(job_id)
    return None if row is None else window.history.model.row_at(row)


def test_pick_tick_export_and_save(qtbot, window: MainWindow, sim, controller) -> None:
    ctx = course_ctx(sim)
    choose(qtbot, window, ctx)
    assert "Analytical Engines" in window.context_title.text()
    assert "CS 101" in window.context_subtitle.text()
    # the history already shows Canvas's own list (seeded exports of this course)
    assert window.history.model.row_count() >= 3

    expand_branch(qtbot, window, SelectKey.PAGES)
    model = window.selection.model
    pages = model.branch_index(SelectKey.PAGES)
    assert model.rowCount(pages) == len(sim.data.ids("wiki_pages"))
    for row in range(2):
        assert model.setData(model.index(row, 0, pages), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert window.options.summary.full_text() == "Exports: 2 pages"
    assert window.selection.select_hash() == {SelectKey.PAGES: sim.data.ids("wiki_pages")[:2]}

    with qtbot.waitSignal(window.exportStarted, timeout=10_000) as started:
        qtbot.mouseClick(window.options.start_button, Qt.MouseButton.LeftButton)
    job_id = started.args[0]
    qtbot.waitUntil(lambda: job_row(window, job_id) is not None, timeout=5000)
    # JobState(done) then JobDone(path): wait for the path, which comes last
    qtbot.waitUntil(lambda: job_row(window, job_id).saved_path is not None, timeout=30_000)
    row = job_row(window, job_id)
    assert row.job.status is JobStatus.DONE
    saved = Path(row.saved_path)
    # <download folder>/<site host>/<course name (course id)>/, created on demand
    assert saved.is_file() and saved.parent == (
        controller.settings.download_dir
        / "127.0.0.1"
        / f"Analytical Engines - Foundations of Computing (course {ctx.id})"
    )
    assert saved.suffix == ".imscc"
    assert hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(sim.package_bytes(row.export_id)).digest()
    # Canvas's row arrives too (re-read after the phase change): exported, with a size
    qtbot.waitUntil(
        lambda: (
            job_row(window, job_id).export is not None
            and job_row(window, job_id).export.workflow_state is WorkflowState.EXPORTED
        ),
        timeout=10_000,
    )
    assert "Saved" in row.state_text
    assert window.notifier.last is not None and window.notifier.last.title == "Export saved"
    # the create request carried exactly the two pages and skip_notifications
    posts = [r for r in sim.request_log if r.method == "POST" and r.path.endswith("/content_exports")]
    assert len(posts) == 1


def test_groups_and_users_are_zip_only(qtbot, window: MainWindow, sim) -> None:
    choose(qtbot, window, Context(ContextKind.GROUP, str(sim.data.group_id)))
    radios = window.options._radios
    assert not radios[ExportType.COMMON_CARTRIDGE].isEnabled()
    assert not radios[ExportType.QTI].isEnabled()
    assert radios[ExportType.ZIP].isEnabled() and radios[ExportType.ZIP].isChecked()
    assert "zip" in radios[ExportType.QTI].toolTip().lower()
    assert window.selection.model.branch_keys() == [SelectKey.FILES]
    assert not window.options.skip_notifications.isEnabled()

    choose(qtbot, window, Context(ContextKind.USER, "self"))
    assert window.options.export_type() is ExportType.ZIP
    assert not radios[ExportType.COMMON_CARTRIDGE].isEnabled()

    choose(qtbot, window, course_ctx(sim))
    assert all(radio.isEnabled() for radio in radios.values())
    # a course opens with the course's type (Common Cartridge), not the group's zip
    assert window.options.export_type() is ExportType.COMMON_CARTRIDGE
    assert window.options.skip_notifications.isEnabled()
    assert window.selection.model.is_branch_enabled(SelectKey.PAGES)
    radios[ExportType.QTI].setChecked(True)
    assert window.options.skip_notifications.isEnabled()
    assert not window.selection.model.is_branch_enabled(SelectKey.PAGES)  # QTI reads quizzes only


def test_last_context_is_remembered(qtbot, window: MainWindow, sim, controller) -> None:
    ctx = Context(ContextKind.GROUP, str(sim.data.group_id))
    choose(qtbot, window, ctx)
    assert controller.settings.last_context("Test Canvas") == str(ctx)


def test_reexport_repeats_type_and_selection(qtbot, window: MainWindow, sim) -> None:
    choose(qtbot, window, course_ctx(sim))
    expand_branch(qtbot, window, SelectKey.QUIZZES)
    model = window.selection.model
    quizzes = model.branch_index(SelectKey.QUIZZES)
    model.setData(model.index(0, 0, quizzes), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    window.options.set_export_type(ExportType.QTI)
    with qtbot.waitSignal(window.exportStarted, timeout=10_000) as first:
        window.start_action.trigger()
    qtbot.waitUntil(
        lambda: job_row(window, first.args[0]) is not None and job_row(window, first.args[0]).export_id is not None,
        timeout=10_000,
    )
    window.selection.select_none()  # the tree no longer matters: the job remembers
    with qtbot.waitSignal(window.exportStarted, timeout=10_000) as second:
        assert window.history.select_export(job_row(window, first.args[0]).export_id)
        window.history.reexport_action.trigger()

    async def selections(services):
        return [services.store.get(j).selection for j in (first.args[0], second.args[0])]

    with qtbot.waitSignal(window.bridge.run(selections).succeeded, timeout=5000) as got:
        pass
    one, two = got.args[0]
    assert one == two == {"quizzes": [sim.data.ids("quizzes")[0]]}
    assert job_row(window, second.args[0]).export_type == "qti"


def test_typing_in_the_course_search_keeps_the_course_and_its_ticks(qtbot, window: MainWindow, sim) -> None:
    ctx = course_ctx(sim)
    choose(qtbot, window, ctx)
    expand_branch(qtbot, window, SelectKey.PAGES)
    model = window.selection.model
    pages = model.branch_index(SelectKey.PAGES)
    model.setData(model.index(0, 0, pages), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    ticked = window.selection.select_hash()
    with qtbot.assertNotEmitted(window.contextChanged):
        qtbot.keyClicks(window.picker.search_edit, "numer")  # only Numerical Methods in view
        qtbot.waitUntil(lambda: window.picker.course_proxy.rowCount() == 1)
        window.picker.search_edit.clear()
    assert window.context == ctx and window.selection.select_hash() == ticked
