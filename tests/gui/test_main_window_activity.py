"""The Activity view, the details pane, Resume / Retry and the automatic retry, seen
from the main window against the simulated Canvas; and the smaller fixes of #12."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from desktop_app.app.activity import Backoff
from desktop_app.canvas.errors import ServerError
from desktop_app.canvas.models import Context, ContextKind, ExportType, SelectKey
from desktop_app.engine.events import JobError, JobState, JobStatus
from desktop_app.ui.bridge import Call
from desktop_app.ui.main_window import MainWindow

from .test_main_window import choose, course_ctx, expand_branch, job_row
from .test_main_window_jobs import start


def test_activity_opens_from_the_view_menu_and_the_status_bar(qtbot, window: MainWindow, sim) -> None:  # type: ignore[no-untyped-def]
    assert not window.activity_dock.isVisible()
    assert window.activity_action in window.view_menu.actions()
    assert window.activity_action.shortcut().toString() == "Ctrl+4"
    qtbot.mouseClick(window.activity_label, Qt.MouseButton.LeftButton)  # "Ready", "1 export running", …
    assert window.activity_dock.isVisible()
    window.activity_dock.hide()
    window.activity_action.trigger()
    assert window.activity_dock.isVisible() and window.activity.view.hasFocus()

    choose(qtbot, window, course_ctx(sim))
    job_id = start(qtbot, window, ExportType.ZIP)
    activity = window.activity
    qtbot.waitUntil(lambda: activity.model.row_for_job(job_id) is not None, timeout=5000)
    row = activity.model.row_for_job(job_id)
    assert activity.model.index(row, 0).data() == window._titles[str(course_ctx(sim))]
    qtbot.waitUntil(
        lambda: activity.model.job_at(activity.model.row_for_job(job_id)).saved_path is not None, timeout=30_000
    )
    assert activity.model.index(activity.model.row_for_job(job_id), 2).data() == "Saved"


def test_my_files_jobs_are_never_called_user_self(qtbot, window: MainWindow, sim) -> None:  # type: ignore[no-untyped-def]
    me = Context(ContextKind.USER, "self")
    choose(qtbot, window, me)
    assert window.context_title.text() == "My files"
    job_id = start(qtbot, window, ExportType.ZIP)
    window.show_activity()
    qtbot.waitUntil(lambda: window.activity.model.row_for_job(job_id) is not None, timeout=5000)
    assert window.activity.model.index(window.activity.model.row_for_job(job_id), 0).data() == "My files"
    assert window.activity.select_job(job_id)
    qtbot.waitUntil(lambda: "My files" in window.activity.details.text(), timeout=5000)
    assert "user:self" not in window.activity.details.text()


def test_history_details_pane_names_what_was_exported(qtbot, window: MainWindow, sim) -> None:  # type: ignore[no-untyped-def]
    choose(qtbot, window, course_ctx(sim))
    assert "Select an export" in window.history_details_pane.text()
    expand_branch(qtbot, window, SelectKey.PAGES)
    model = window.selection.model
    pages = model.branch_index(SelectKey.PAGES)
    titles = [model.index(r, 0, pages).data(model.SearchRole) or model.index(r, 0, pages).data() for r in range(2)]
    for row in range(2):
        model.setData(model.index(row, 0, pages), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    job_id = start(qtbot, window, ExportType.COMMON_CARTRIDGE)
    qtbot.waitUntil(lambda: job_row(window, job_id).saved_path is not None, timeout=30_000)
    assert window.history.select_export(job_row(window, job_id).export_id)
    qtbot.waitUntil(lambda: "SHA-256" in window.history_details_pane.text(), timeout=10_000)
    text = window.history_details_pane.text()
    assert "2 pages" in text and all(str(t).split(" (")[0] in text for t in titles)
    assert job_row(window, job_id).saved_path in text
    assert str(job_row(window, job_id).export_id) in text


def test_resume_a_stopped_export_from_the_activity_view(qtbot, window: MainWindow, sim) -> None:  # type: ignore[no-untyped-def]
    sim.export_duration = 3.0
    choose(qtbot, window, course_ctx(sim))
    job_id = start(qtbot, window, ExportType.ZIP)
    qtbot.waitUntil(lambda: job_row(window, job_id).export_id is not None, timeout=10_000)
    window.stop_job(job_id)
    qtbot.waitUntil(lambda: window.bridge.jobs.get(job_id).status is JobStatus.STOPPED, timeout=10_000)
    window.show_activity()
    assert window.activity.select_job(job_id)
    assert window.activity.resume_action.isEnabled()
    window.activity.resume_action.trigger()
    qtbot.waitUntil(lambda: window.bridge.jobs.get(job_id).status is JobStatus.DONE, timeout=30_000)
    assert Path(window.bridge.jobs.get(job_id).saved_path).is_file()


def test_retry_a_failed_export_starts_a_new_one_of_the_same_selection(qtbot, window: MainWindow, sim) -> None:  # type: ignore[no-untyped-def]
    choose(qtbot, window, course_ctx(sim))
    sim.faults.fail_next_export()
    job_id = start(qtbot, window, ExportType.COMMON_CARTRIDGE)
    qtbot.waitUntil(lambda: job_row(window, job_id).job.status is JobStatus.FAILED, timeout=30_000)
    assert window.history.select_export(job_row(window, job_id).export_id)
    assert window.history.retry_action.isEnabled()
    with qtbot.waitSignal(window.exportStarted, timeout=10_000) as again:
        window.history.retry_action.trigger()
    assert again.args[0] != job_id
    qtbot.waitUntil(
        lambda: job_row(window, again.args[0]) is not None and job_row(window, again.args[0]).saved_path is not None,
        timeout=30_000,
    )


def test_interrupted_exports_carry_on_by_themselves_once_canvas_answers(qtbot, window: MainWindow, sim) -> None:  # type: ignore[no-untyped-def]
    """A job interrupted by a 503 is resumed without a click once Canvas answers again."""
    window.auto_retry.backoff = Backoff(first=0.2, cap=1.0)
    sim.export_duration = 2.0
    choose(qtbot, window, course_ctx(sim))
    job_id = start(qtbot, window, ExportType.ZIP)
    qtbot.waitUntil(lambda: job_row(window, job_id).export_id is not None, timeout=10_000)
    window.stop_job(job_id)  # the engine lets go of it …
    qtbot.waitUntil(lambda: window.bridge.jobs.get(job_id).status is JobStatus.STOPPED, timeout=10_000)
    # … and it is as a job that Canvas's 503s interrupted (what the engine reports then)
    jobs = window.bridge.jobs
    with qtbot.waitSignal(window.auto_retry.resumed, timeout=10_000) as resumed:
        jobs.apply(JobState(job_id, JobStatus.INTERRUPTED, JobStatus.INTERRUPTED.label, "Canvas had a problem (503)."))
        jobs.apply(JobError(job_id, ServerError("Canvas had a problem (503).", status=503), "Canvas had a problem."))
    assert resumed.args[0] == [job_id]
    qtbot.waitUntil(lambda: jobs.get(job_id).status is JobStatus.DONE, timeout=30_000)
    assert not window.auto_retry.timer.isActive()


def test_auto_retry_waits_longer_while_canvas_does_not_answer(qtbot, window: MainWindow, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """No answer: 30 s, then 60 s, 120 s … (scaled down here); an AuthError never retries."""
    auto = window.auto_retry
    auto.enabled = False  # driven by hand below
    auto.backoff = Backoff(first=30.0)
    calls: list[Call] = []

    def fake_run(fn, *, label="", site=""):  # type: ignore[no-untyped-def]
        call = Call(len(calls) + 1, label, site)
        calls.append(call)
        return call

    monkeypatch.setattr(auto, "_bridge", type("B", (), {"run": staticmethod(fake_run)})())
    jobs = window.bridge.jobs
    jobs.apply(JobState(991, JobStatus.INTERRUPTED, "Interrupted", "No answer"))
    jobs.apply(JobError(991, ServerError("No answer", status=502), "No answer"))
    view = jobs.get(991)
    jobs._views[991] = dataclasses.replace(view, site=window.site, context="course:101")
    auto.enabled = True
    auto.schedule()
    assert auto.timer.isActive() and auto.timer.interval() == 30_000
    for expected in (60_000, 120_000, 240_000):
        auto.timer.stop()
        call = auto.probe()
        call.done = True
        call.failed.emit(ServerError("still down", status=503))
        call.finished.emit()
        assert auto.timer.interval() == expected
    auto.timer.stop()
    call = auto.probe()
    call.done = True
    call.succeeded.emit(None)
    call.finished.emit()
    assert auto.failures == 0
    assert len(calls) == 5  # 4 pings, then the resume of job 991
    jobs._views[991] = dataclasses.replace(jobs.get(991), error_kind="AuthError")
    auto.schedule()
    assert not auto.timer.isActive()  # a refused token waits for the user, not for a timer


def test_groups_show_their_course(qtbot, window: MainWindow, sim) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.picker.groups.rowCount() > 0, timeout=10_000)
    groups = window.picker.groups
    course_names = {c.id: c.name for c in window.picker.courses.courses()}
    for row in range(groups.rowCount()):
        group = groups.groups()[row]
        assert group.course_id is not None
        assert groups.index(row, groups.COURSE).data() == course_names[group.course_id]


def test_demo_packages_go_to_a_demo_canvas_folder(qtbot, window: MainWindow, sim) -> None:  # type: ignore[no-untyped-def]
    ctx = course_ctx(sim)
    choose(qtbot, window, ctx)
    assert window.download_folder(ctx).parent.name == "127.0.0.1"  # a real site: its host
    window.session = dataclasses.replace(window.session, demo=True)
    assert window.download_folder(ctx).parent.name == "Demo Canvas"


def test_quitting_with_exports_running_asks(qtbot, window: MainWindow, sim) -> None:  # type: ignore[no-untyped-def]
    sim.export_duration = 5.0
    choose(qtbot, window, course_ctx(sim))
    start(qtbot, window, ExportType.ZIP)
    assert window.running_exports() == 1
    with qtbot.waitSignal(window.quitQuestion) as asked:
        window.close()
    box: QMessageBox = asked.args[0]
    assert window.isVisible() and "still running" in box.text() and "next time" in box.informativeText()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert window.isVisible()
    with qtbot.waitSignal(window.quitQuestion) as asked:
        window.quit_action.trigger()
    quit_button = next(b for b in asked.args[0].buttons() if b.text() == "Quit")
    with qtbot.waitSignal(window.closed):
        quit_button.click()
    assert not window.isVisible()


def test_remove_from_list_takes_jobs_off_the_app_and_leaves_files_and_canvas_alone(
    qtbot, window: MainWindow, sim
) -> None:  # type: ignore[no-untyped-def]
    """A saved job goes at once; a stopped one (it could be resumed) after a question.
    Both leave the Activity view and the history's job rows, and the job store; the
    saved file stays, and so does Canvas's row of each export."""
    choose(qtbot, window, course_ctx(sim))
    saved_job = start(qtbot, window, ExportType.ZIP)
    qtbot.waitUntil(lambda: job_row(window, saved_job).saved_path is not None, timeout=30_000)
    package = Path(job_row(window, saved_job).saved_path)
    sim.export_duration = 30.0
    stopped_job = start(qtbot, window, ExportType.COMMON_CARTRIDGE)
    qtbot.waitUntil(lambda: job_row(window, stopped_job).export_id is not None, timeout=10_000)
    window.stop_job(stopped_job)
    qtbot.waitUntil(lambda: window.bridge.jobs.get(stopped_job).status is JobStatus.STOPPED, timeout=10_000)
    exports = {job_id: job_row(window, job_id).export_id for job_id in (saved_job, stopped_job)}
    activity = window.activity
    window.show_activity()

    assert activity.select_job(saved_job)
    activity.forget_action.trigger()
    qtbot.waitUntil(lambda: activity.model.row_for_job(saved_job) is None, timeout=10_000)
    assert activity.select_job(stopped_job)
    activity.forget_action.trigger()
    (remove,) = [b for b in activity.forget_question.buttons() if b.text() == "Remove from list"]
    remove.click()
    qtbot.waitUntil(lambda: activity.model.row_for_job(stopped_job) is None, timeout=10_000)

    for job_id, export_id in exports.items():
        assert job_row(window, job_id) is None and window.bridge.jobs.get(job_id) is None
        row = window.history.model.row_for_export(export_id)
        assert row is not None and window.history.model.row_at(row).job is None  # Canvas's export stays
    assert package.is_file()

    async def stored(services):  # type: ignore[no-untyped-def]
        return [services.store.get(job_id) for job_id in exports]

    with qtbot.waitSignal(window.bridge.run(stored).succeeded, timeout=5000) as got:
        pass
    assert got.args == [[None, None]]


def test_a_job_another_process_removed_leaves_the_window_on_remove_from_list(
    qtbot, window: MainWindow, sim, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """`canvas-exports forget` in a terminal while the window lists the job: Remove from
    list in the window then drops the row, with no error (the job is off the list)."""
    from desktop_app.engine.store import JobStore

    choose(qtbot, window, course_ctx(sim))
    job_id = start(qtbot, window, ExportType.ZIP)
    qtbot.waitUntil(lambda: job_row(window, job_id).saved_path is not None, timeout=30_000)
    other_process = JobStore(tmp_path / "jobs.sqlite3")
    assert other_process.forget(job_id) is None
    other_process.close()
    errors: list[object] = []
    window.presenter.shown.connect(errors.append)
    window.show_activity()
    assert window.activity.select_job(job_id)
    window.activity.forget_action.trigger()
    qtbot.waitUntil(lambda: window.activity.model.row_for_job(job_id) is None, timeout=10_000)
    assert job_row(window, job_id) is None and window.bridge.jobs.get(job_id) is None
    assert errors == []
