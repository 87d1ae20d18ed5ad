"""Jobs seen from the main window: expired and failed exports, and a token revoked
while an export runs (back to the sign-in dialog, the job kept and resumed)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from desktop_app.canvas.models import ExportType, SelectKey, WorkflowState
from desktop_app.engine.events import JobStatus
from desktop_app.simulator import TEACHER_TOKEN
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.signin_dialog import SignInDialog

from .test_main_window import choose, course_ctx, expand_branch, job_row


def start(qtbot, window: MainWindow, export_type: ExportType) -> int:
    window.options.set_export_type(export_type)
    with qtbot.waitSignal(window.exportStarted, timeout=10_000) as started:
        window.start_action.trigger()
    qtbot.waitUntil(lambda: job_row(window, started.args[0]) is not None, timeout=5000)
    return started.args[0]


def test_canvas_shows_expired_exports_as_expired(qtbot, window: MainWindow, sim) -> None:
    choose(qtbot, window, course_ctx(sim))
    model = window.history.model
    expired = [model.row_at(r) for r in range(model.row_count()) if model.row_at(r).is_expired]
    assert expired, "the simulator seeds a 45-day-old export"
    assert not expired[0].can_download
    row = model.row_for_export(expired[0].export_id)
    assert model.index(row, 6).data() == "expired"


def test_an_export_that_expired_before_download_says_so(qtbot, window: MainWindow, sim, controller) -> None:
    controller.settings.auto_download = False  # Canvas only: the user downloads later
    choose(qtbot, window, course_ctx(sim))
    job_id = start(qtbot, window, ExportType.ZIP)
    qtbot.waitUntil(lambda: job_row(window, job_id).job.status is JobStatus.DONE, timeout=30_000)
    assert job_row(window, job_id).saved_path is None
    export_id = job_row(window, job_id).export_id
    sim.age_export(export_id, days=31)

    with qtbot.waitSignal(window.historyLoaded, timeout=10_000):
        window.history.refresh_action.trigger()
    assert window.history.model.row_at(window.history.model.row_for_export(export_id)).is_expired

    # Download anyway (an old list): the engine finds the package gone
    call = window.download_export(export_id)
    with qtbot.waitSignal(call.finished, timeout=10_000):
        pass
    qtbot.waitUntil(
        lambda: window.notifier.last is not None and "expired" in window.notifier.last.title.lower(), timeout=20_000
    )
    assert not list(Path(controller.settings.download_dir).rglob("*.zip"))


def test_a_failing_export_ends_failed_and_is_told(qtbot, window: MainWindow, sim) -> None:
    choose(qtbot, window, course_ctx(sim))
    sim.faults.fail_next_export()
    job_id = start(qtbot, window, ExportType.COMMON_CARTRIDGE)
    qtbot.waitUntil(lambda: job_row(window, job_id).job.status is JobStatus.FAILED, timeout=30_000)
    row = job_row(window, job_id)
    assert row.failed and row.state_text.startswith("Failed")
    assert window.notifier.last is not None and not window.notifier.last.ok
    assert window.presenter.current is None  # job failures go to the row and a notice, not a modal box
    qtbot.waitUntil(
        lambda: (
            job_row(window, job_id).export is not None
            and job_row(window, job_id).export.workflow_state is WorkflowState.FAILED
        ),
        timeout=10_000,
    )


def test_revoked_token_mid_export_asks_again_and_keeps_the_job(qtbot, window: MainWindow, sim, controller) -> None:
    sim.export_duration = 3.0  # long enough to revoke the token while it runs
    choose(qtbot, window, course_ctx(sim))
    job_id = start(qtbot, window, ExportType.COMMON_CARTRIDGE)
    qtbot.waitUntil(lambda: job_row(window, job_id).export_id is not None, timeout=10_000)

    with qtbot.waitSignal(controller.reauthRequested, timeout=20_000) as reauth:
        sim.faults.revoke_token(TEACHER_TOKEN)
    dialog: SignInDialog = reauth.args[0]
    assert dialog.isVisible() and dialog.pages.currentIndex() == SignInDialog.CONNECT
    assert "revoked" in dialog.connect_banner.text()
    assert dialog.url_edit.text() == sim.base_url
    qtbot.waitUntil(lambda: job_row(window, job_id).job.status is JobStatus.INTERRUPTED, timeout=10_000)
    assert window.isVisible()  # the window and its history stay

    new_token = sim.issue_token(sim.data.teacher_id)  # what "+ New Access Token" in Canvas gives
    dialog.token_edit.setText(new_token)
    with qtbot.waitSignal(dialog.busyChanged, timeout=10_000, check_params_cb=lambda busy: not busy):
        dialog.signin_button.click()
    assert "Signed in as Ada Lovelace" in dialog.connect_status.text()
    assert "Sign in again" in window.statusBar().currentMessage()
    with qtbot.waitSignal(dialog.signedIn, timeout=10_000):
        dialog.signin_button.click()
    # signed in again: the request to do so is gone from the status bar (#12)
    qtbot.waitUntil(lambda: "Sign in again" not in window.statusBar().currentMessage(), timeout=10_000)
    # the interrupted job resumes with the new token and finishes
    qtbot.waitUntil(lambda: job_row(window, job_id).saved_path is not None, timeout=30_000)
    assert job_row(window, job_id).job.status is JobStatus.DONE
    assert Path(job_row(window, job_id).saved_path).is_file()
    assert window.context == course_ctx(sim)


def test_exports_started_elsewhere_are_refreshed_while_running(qtbot, window: MainWindow, sim) -> None:
    """An export created outside this app (web UI, a colleague) is re-read by the timer."""
    ctx = course_ctx(sim)
    choose(qtbot, window, ctx)
    assert window.refresh_timer.isActive()
    site = window.site

    async def create_elsewhere(services):  # the same as a click in Canvas's web UI
        return await services.client(site).create_export(ctx, ExportType.ZIP)

    with qtbot.waitSignal(window.bridge.run(create_elsewhere).succeeded, timeout=10_000) as created:
        pass
    export_id = created.args[0].id
    with qtbot.waitSignal(window.historyLoaded, timeout=10_000):
        window.history.refresh_action.trigger()
    model = window.history.model
    assert model.row_at(model.row_for_export(export_id)).export.workflow_state.is_running
    assert export_id in window.unwatched_running_exports()
    qtbot.waitUntil(lambda: sim.export_state(export_id) == "exported", timeout=10_000)
    call = window.refresh_running()  # what the timer does every few seconds
    with qtbot.waitSignal(call.finished, timeout=10_000):
        pass
    assert model.row_at(model.row_for_export(export_id)).export.workflow_state is WorkflowState.EXPORTED
    assert window.unwatched_running_exports() == []


def test_notices_use_the_tray_or_an_alert_only_when_the_window_is_inactive(
    qtbot, window: MainWindow, monkeypatch
) -> None:
    monkeypatch.setattr(window, "isActiveWindow", lambda: True)
    assert window.notifier.notify("Export saved", "x.imscc").via == "none"
    monkeypatch.setattr(window, "isActiveWindow", lambda: False)
    assert window.notifier.notify("Export failed", "CS 101: failed", ok=False).via in ("tray", "alert")


def test_a_refused_token_on_any_call_brings_back_the_dialog(qtbot, window: MainWindow, sim, controller) -> None:
    sim.faults.revoke_token(TEACHER_TOKEN)
    with qtbot.waitSignal(controller.reauthRequested, timeout=10_000) as reauth:
        window.picker.select_context(course_ctx(sim))  # loading its history meets the 401
    assert "revoked" in reauth.args[0].connect_banner.text()
    assert window.presenter.current is None  # the dialog says it; no second, generic error box
    assert "Sign in again" in window.statusBar().currentMessage()


def test_download_stop_and_reexport_from_the_history(qtbot, window: MainWindow, sim, controller) -> None:
    choose(qtbot, window, course_ctx(sim))
    model = window.history.model
    # Download an export this app did not start (Canvas's list has a finished zip)
    seeded = next(
        model.row_at(r)
        for r in range(model.row_count())
        if model.row_at(r).can_download and model.row_at(r).job is None
    )
    assert window.history.select_export(seeded.export_id)
    with qtbot.waitSignal(window.bridge.jobEvent, timeout=10_000):
        window.history.download_action.trigger()
    qtbot.waitUntil(
        lambda: (
            (r := model.row_at(model.row_for_export(seeded.export_id))).job is not None and r.saved_path is not None
        ),
        timeout=30_000,
    )  # JobDone carries the path
    assert Path(model.row_at(model.row_for_export(seeded.export_id)).saved_path).is_file()

    # Re-export it: not started here, so Canvas does not say what it held: the app asks
    with qtbot.waitSignal(window.reexportQuestion, timeout=10_000) as asked:
        assert window.history.select_export(seeded.export_id)
        window.history.reexport_action.trigger()
    box = asked.args[0]
    assert "was not started by this app" in box.text()
    assert box.defaultButton().text() == "Choose in the tree"  # Enter starts nothing at Canvas
    everything = next(b for b in box.buttons() if b.text() == "Export everything")
    with qtbot.waitSignal(window.exportStarted, timeout=10_000) as again:
        everything.click()
    qtbot.waitUntil(lambda: job_row(window, again.args[0]) is not None, timeout=5000)
    assert job_row(window, again.args[0]).export_type == seeded.export_type

    # Stop watching a running one: Canvas goes on, the row says Stopped
    sim.export_duration = 5.0
    job_id = start(qtbot, window, ExportType.QTI)
    qtbot.waitUntil(lambda: job_row(window, job_id).export_id is not None, timeout=10_000)
    assert window.history.select_export(job_row(window, job_id).export_id)
    window.history.stop_action.trigger()
    qtbot.waitUntil(lambda: job_row(window, job_id).job.status is JobStatus.STOPPED, timeout=10_000)
    assert job_row(window, job_id).export_id in window.unwatched_running_exports()


def test_reexport_after_download_uses_the_original_selection(qtbot, window: MainWindow, sim) -> None:
    """Issue 13, defect 1: tick 2 pages, export, Saved; Download again, then Re-export:
    before, Canvas received no `select` (the download's job had an empty selection)."""
    choose(qtbot, window, course_ctx(sim))
    expand_branch(qtbot, window, SelectKey.PAGES)
    model = window.selection.model
    pages = model.branch_index(SelectKey.PAGES)
    for row in range(2):
        model.setData(model.index(row, 0, pages), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    ticked = sim.data.ids("wiki_pages")[:2]
    first = start(qtbot, window, ExportType.COMMON_CARTRIDGE)
    qtbot.waitUntil(lambda: job_row(window, first).saved_path is not None, timeout=30_000)
    export_id = job_row(window, first).export_id

    # Download on a saved row asks before a second copy; this user wants one anyway
    with qtbot.waitSignal(window.history.downloadQuestion, timeout=5000) as asked:
        assert window.history.select_export(export_id)
        window.history.download_action.trigger()
    assert "already saved as" in asked.args[0].text()
    another = next(b for b in asked.args[0].buttons() if b.text() == "Save another copy")
    with qtbot.waitSignal(window.bridge.jobEvent, timeout=10_000):
        another.click()
    qtbot.waitUntil(
        lambda: len(window.bridge.jobs.views()) >= 2 and window.bridge.jobs.views()[0].status is JobStatus.DONE,
        timeout=30_000,
    )

    window.selection.reset()  # nothing ticked now: the recorded selection must be used
    with qtbot.waitSignal(window.exportStarted, timeout=10_000) as again:
        assert window.history.select_export(export_id)
        window.history.reexport_action.trigger()
    qtbot.waitUntil(
        lambda: job_row(window, again.args[0]) is not None and job_row(window, again.args[0]).export_id is not None,
        timeout=10_000,
    )
    record = sim.store.records[job_row(window, again.args[0]).export_id]
    assert not record.selection.everything
    assert record.selection.assets["wiki_pages"] == frozenset(f"wiki_page_{i}" for i in ticked)


def test_another_account_on_the_same_canvas_sees_none_of_the_first_one_s_jobs(
    qtbot, window: MainWindow, sim, controller
) -> None:
    """Issue 13, defect 3: signed in as the student after the teacher exported, the
    teacher's job was listed "By: You" and the tree kept the teacher's ticks."""
    from desktop_app.canvas.models import User
    from desktop_app.profiles import Profile
    from desktop_app.simulator import STUDENT_TOKEN
    from desktop_app.ui.accounts import SignIn

    ctx = course_ctx(sim)
    choose(qtbot, window, ctx)
    expand_branch(qtbot, window, SelectKey.PAGES)
    pages = window.selection.model.branch_index(SelectKey.PAGES)
    window.selection.model.setData(
        window.selection.model.index(0, 0, pages), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole
    )
    job_id = start(qtbot, window, ExportType.COMMON_CARTRIDGE)
    qtbot.waitUntil(lambda: job_row(window, job_id).saved_path is not None, timeout=30_000)

    student = SignIn(
        Profile("Student", sim.base_url, "Alan Turing"), STUDENT_TOKEN, User(sim.data.student_id, "Alan Turing")
    )
    with qtbot.waitSignal(window.contextsLoaded, timeout=10_000):
        controller.begin(student)
    assert window.context is None and window.selection.select_hash() == {}
    assert window.bridge.jobs.views() == [] or all(v.job_id != job_id for v in window.bridge.jobs.views())
    choose(qtbot, window, ctx)
    assert job_row(window, job_id) is None  # the teacher's job is not the student's


def test_download_on_a_saved_row_offers_the_file_instead_of_a_silent_second_copy(
    qtbot, window: MainWindow, sim
) -> None:
    """Issue 13, defect 1: Download on a saved row silently saved `… (2).imscc`."""
    choose(qtbot, window, course_ctx(sim))
    job_id = start(qtbot, window, ExportType.ZIP)
    qtbot.waitUntil(lambda: job_row(window, job_id).saved_path is not None, timeout=30_000)
    opened: list[str] = []
    window.history.set_url_opener(lambda url: opened.append(url.toLocalFile()) or True)
    with qtbot.waitSignal(window.history.downloadQuestion, timeout=5000) as asked:
        assert window.history.select_export(job_row(window, job_id).export_id)
        window.history.download_action.trigger()
    jobs_before = len(window.bridge.jobs.views())
    next(b for b in asked.args[0].buttons() if b.text() == "Open file").click()
    assert opened == [job_row(window, job_id).saved_path]
    assert len(window.bridge.jobs.views()) == jobs_before  # no second download started


def test_jobs_carry_the_context_label_that_names_their_package(qtbot, window: MainWindow, sim) -> None:
    """A course's code, a group's name, "My files": what the saved package's name starts with."""
    from desktop_app.canvas.models import Context, ContextKind

    labels = {}
    for ctx, export_type in (
        (course_ctx(sim), ExportType.COMMON_CARTRIDGE),
        (Context(ContextKind.GROUP, str(sim.data.group_id)), ExportType.ZIP),
        (Context(ContextKind.USER, "self"), ExportType.ZIP),
    ):
        choose(qtbot, window, ctx)
        labels[start(qtbot, window, export_type)] = window.context_label(ctx)
    choose(qtbot, window, course_ctx(sim))
    model = window.history.model
    ready = next(model.row_at(r) for r in range(model.row_count()) if model.row_at(r).can_download)
    call = window.download_export(ready.export_id)
    qtbot.waitUntil(lambda: call.done, timeout=10_000)
    labels[call.result] = "CS 101"
    assert list(labels.values())[:3] == ["CS 101", sim.data.groups[sim.data.group_id].name, "My files"]

    async def recorded(services):
        return {job_id: services.store.get(job_id).context_label for job_id in labels}

    with qtbot.waitSignal(window.bridge.run(recorded).succeeded, timeout=5000) as got:
        pass
    assert got.args[0] == labels
