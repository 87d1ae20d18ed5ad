"""The Activity view: its model over the JobTracker, the panel's filters and actions,
and the details pane (issue "One job model for every view")."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QMessageBox

from desktop_app.app.activity import StateFilter
from desktop_app.app.details import describe_job
from desktop_app.app.jobs import JobTracker
from desktop_app.canvas.errors import ServerError
from desktop_app.engine.events import JobCreated, JobDone, JobDownload, JobError, JobProgress, JobState
from desktop_app.engine.status import JobStatus
from desktop_app.engine.store import Job
from desktop_app.ui.activity_model import ActivityColumn, ActivityModel
from desktop_app.ui.activity_view import EMPTY_TEXT, ActivityPanel

SITE = "https://canvas.school.edu"
TITLES = {"course:12": "Data Structures", "group:7": "Project team Alpha"}


def column(model, col: ActivityColumn) -> list[str]:  # type: ignore[no-untyped-def]
    return [model.index(r, col).data() for r in range(model.rowCount())]


def seed(tracker: JobTracker, tmp_path: Path) -> None:
    """Six jobs across a course, a group and My files, one of another site."""
    tracker.apply(JobCreated(1, SITE, "course:12", "common_cartridge", 501))
    tracker.apply(JobDone(1, tmp_path / "data-structures-export.imscc", "ab" * 32, 48_200_000))
    tracker.apply(JobCreated(2, SITE, "user:self", "zip", 502))
    tracker.apply(JobState(2, JobStatus.INTERRUPTED, "Interrupted (can resume)", "No answer from Canvas.", 502))
    tracker.apply(JobError(2, ServerError("Canvas had a problem", status=503), "Canvas had a problem (503)."))
    tracker.apply(JobCreated(3, SITE, "group:7", "zip", 503))
    tracker.apply(JobState(3, JobStatus.FAILED, "Failed", "Canvas says the export failed.", 503))
    tracker.apply(JobCreated(4, "https://other.school.edu", "course:1", "qti", 9))
    tracker.apply(JobCreated(5, SITE, "course:12", "qti", 505))
    tracker.apply(JobState(5, JobStatus.WAITING_FOR_EXTERNAL_TOOL, "Waiting for New Quizzes", "", 505))
    tracker.apply(JobCreated(6, SITE, "course:12", "common_cartridge", 506))
    tracker.apply(JobState(6, JobStatus.DOWNLOADING, "Downloading", "", 506))
    tracker.apply(JobDownload(6, 30_000_000, 120_000_000))


@pytest.fixture
def tracker() -> JobTracker:
    return JobTracker()


@pytest.fixture
def model(qapp, qtmodeltester, tracker: JobTracker) -> ActivityModel:  # type: ignore[no-untyped-def]
    m = ActivityModel(tracker)
    m.set_site(SITE)
    m.set_titles(TITLES)
    qtmodeltester.check(m)
    return m


def test_every_job_of_the_site_newest_first_named_as_people_say(model: ActivityModel, tracker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seed(tracker, tmp_path)
    assert column(model, ActivityColumn.WHAT) == [
        "Data Structures",
        "Data Structures",
        "Project team Alpha",
        "My files",
        "Data Structures",
    ]
    assert column(model, ActivityColumn.TYPE) == ["Common Cartridge", "QTI", "Zip", "Zip", "Common Cartridge"]
    assert column(model, ActivityColumn.STATE) == ["Downloading 25%", "New Quizzes…", "Failed", "Interrupted", "Saved"]
    assert model.index(0, ActivityColumn.STATE).data(ActivityModel.ProgressRole) == 25.0
    assert model.index(4, ActivityColumn.SAVED).data() == "data-structures-export.imscc"
    assert model.index(4, ActivityColumn.SIZE).data() == "48.2 MB"
    assert all(model.index(r, ActivityColumn.UPDATED).data() for r in range(model.rowCount()))
    assert "user:self" not in " ".join(column(model, ActivityColumn.WHAT))
    tip = model.index(1, ActivityColumn.STATE).data(0x03)  # ToolTipRole
    assert "Waiting for New Quizzes" in tip


def test_changes_reach_only_their_row_and_new_jobs_are_inserted_at_the_top(
    model: ActivityModel, tracker, tmp_path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    seed(tracker, tmp_path)
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda tl, br, roles=(): changed.append((tl.row(), br.row())))
    with qtbot.assertNotEmitted(model.modelReset), qtbot.assertNotEmitted(model.layoutChanged):
        tracker.apply(JobProgress(5, 40.0, "Waiting for New Quizzes"))
    assert changed == [(1, 1)]
    with qtbot.waitSignal(model.rowsInserted) as inserted:
        tracker.apply(JobCreated(9, SITE, "course:12", "zip"))
    assert inserted.args[1:] == [0, 0] and model.job_at(0).job_id == 9
    with qtbot.assertNotEmitted(model.rowsInserted):
        tracker.apply(JobCreated(10, "https://other.school.edu", "course:1", "zip"))  # another site's
    # a job read from the store, older than those shown, goes to its place
    tracker.merge([Job(id=0, site=SITE, context="course:12", export_type="zip", state=JobStatus.DONE)])
    assert model.job_at(model.rowCount() - 1).job_id == 0
    tracker.clear()
    model.reload()
    assert model.rowCount() == 0


def panel_with_jobs(qtbot, tracker: JobTracker, tmp_path: Path) -> ActivityPanel:  # type: ignore[no-untyped-def]
    panel = ActivityPanel(tracker)
    qtbot.addWidget(panel)
    panel.set_site(SITE)
    panel.set_titles(TITLES)
    seed(tracker, tmp_path)
    panel.resize(1100, 320)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_filters_by_state_and_by_text(qtbot, tracker, tmp_path, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    panel = panel_with_jobs(qtbot, tracker, tmp_path)
    qtmodeltester.check(panel.proxy)
    ids = lambda: [v.job_id for v in panel.visible_jobs()]  # noqa: E731
    assert ids() == [6, 5, 3, 2, 1]
    expected = {
        StateFilter.RUNNING: [6],
        StateFilter.WAITING: [5],
        StateFilter.INTERRUPTED: [2],
        StateFilter.FAILED: [3],
        StateFilter.SAVED: [1],
        StateFilter.ALL: [6, 5, 3, 2, 1],
    }
    for state, jobs in expected.items():
        panel.state_combo.setCurrentIndex(panel.state_combo.findData(state))  # as a user picks it
        assert ids() == jobs, state
    panel.set_filter_text("my files")
    assert ids() == [2]
    panel.set_filter_text("data qti")
    assert ids() == [5]
    panel.set_state_filter(StateFilter.SAVED)
    assert ids() == [] and panel.placeholder.isVisible() and "filter" in panel.placeholder.text()
    # a job changing state moves in or out of the filtered list by itself
    panel.set_filter_text("")
    panel.set_state_filter(StateFilter.RUNNING)
    tracker.apply(JobDone(6, tmp_path / "b.imscc", None, 120_000_000))
    assert ids() == [] and panel.placeholder.isVisible()


def test_an_empty_site_says_so(qtbot, tracker) -> None:  # type: ignore[no-untyped-def]
    panel = ActivityPanel(tracker)
    qtbot.addWidget(panel)
    panel.set_site(SITE)
    panel.resize(700, 250)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.placeholder.isVisible() and panel.placeholder.text() == EMPTY_TEXT


def test_actions_follow_the_selected_job(qtbot, tracker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    panel = panel_with_jobs(qtbot, tracker, tmp_path)
    opened: list[QUrl] = []
    panel.files.set_opener(lambda url: opened.append(url) or True)

    def enabled() -> set[str]:
        return {a.text() for a in panel.row_actions if a.isEnabled()}

    assert enabled() == set()
    assert panel.select_job(1)
    assert enabled() == {"Open file", "Show in folder", "Copy path", "Re-export", "Remove from list"}
    panel.open_action.trigger()
    assert opened[-1] == QUrl.fromLocalFile(str(tmp_path / "data-structures-export.imscc"))
    assert panel.select_job(2)
    assert enabled() == {"Resume", "Re-export", "Stop watching", "Remove from list"}  # interrupted: resumes by itself
    with qtbot.waitSignal(panel.resumeRequested) as resumed:
        panel.resume_action.trigger()
    assert resumed.args == [2]
    assert panel.select_job(3)
    assert enabled() == {"Retry", "Re-export", "Remove from list"}
    with qtbot.waitSignal(panel.retryRequested) as retried:
        panel.retry_action.trigger()
    assert retried.args == [3]
    assert panel.select_job(6)
    assert enabled() == {"Stop watching", "Re-export"}
    with qtbot.waitSignal(panel.stopRequested) as stopped:
        panel.stop_action.trigger()
    assert stopped.args == [6]
    with qtbot.waitSignal(panel.reexportRequested) as again:
        panel.reexport_action.trigger()
    assert again.args[0].job_id == 6


def test_remove_from_list_asks_only_for_a_job_that_could_still_be_resumed(qtbot, tracker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Saved or failed: asked for at once. Interrupted (or stopped): a question first,
    Cancel by default, since a removed job can never be resumed. Running: not offered."""
    panel = panel_with_jobs(qtbot, tracker, tmp_path)
    assert panel.forget_action in panel.build_context_menu().actions()
    assert panel.forget_action.shortcut().toString() == "Shift+Del"
    for done in (1, 3):
        assert panel.select_job(done)
        with qtbot.waitSignal(panel.forgetRequested) as forgotten:
            panel.forget_action.trigger()
        assert forgotten.args == [[done]] and panel.forget_question is None

    assert panel.select_job(2)
    with qtbot.assertNotEmitted(panel.forgetRequested):
        panel.forget_action.trigger()
        box = panel.forget_question
        assert box is not None and "My files" in box.text() and "can still be resumed" in box.informativeText()
        assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Cancel).click()
    panel.forget_action.trigger()
    box = panel.forget_question
    (remove,) = [b for b in box.buttons() if b.text() == "Remove from list"]
    with qtbot.waitSignal(panel.forgetRequested) as forgotten:
        remove.click()
    assert forgotten.args == [[2]]

    assert panel.select_job(6)  # downloading
    assert not panel.forget_action.isEnabled()


def test_a_job_taken_off_the_list_leaves_the_view(qtbot, tracker, model, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seed(tracker, tmp_path)
    tracker.remove([3, 4, 42])  # 4: another site's, 42: unknown
    assert model.row_for_job(3) is None and tracker.get(3) is None
    assert [model.job_at(r).job_id for r in range(model.rowCount())] == [6, 5, 2, 1]


def test_details_pane_shows_the_selection_and_the_whole_error_with_what_to_do(qtbot, tracker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    panel = panel_with_jobs(qtbot, tracker, tmp_path)
    view = tracker.get(2)
    job = Job(
        id=2,
        site=SITE,
        context="user:self",
        export_type="zip",
        state=JobStatus.INTERRUPTED,
        selection={"folders": [4], "files": [10, 11]},
        export_id=502,
        last_error=view.error,
        error_kind="ServerError",
        created_at=datetime(2025, 3, 1, 9, 30, tzinfo=timezone.utc),
    )
    names = {("folders", 4): "Readings"}
    panel.details.set_details(describe_job(view, job, titles=TITLES, name_of=lambda k, i: names.get((k, i))))
    text = panel.details.text()
    assert "My files" in text and "user:self" not in text
    assert "1 folder: Readings" in text and "2 files" in text
    assert "502" in text
    assert "Canvas had a problem (503)." in text
    assert "Try again in a few minutes" in text  # the presenter's hint for a ServerError
    assert panel.details.isReadOnly()


def ctrl_click_jobs(qtbot, panel: ActivityPanel, *job_ids: int) -> None:  # type: ignore[no-untyped-def]
    """Click the first job's row, then Ctrl+click the others', as a person picks several."""
    from PySide6.QtCore import Qt

    for n, job_id in enumerate(job_ids):
        index = panel.proxy.mapFromSource(panel.model.index(panel.model.row_for_job(job_id), ActivityColumn.WHAT))
        modifier = Qt.KeyboardModifier.ControlModifier if n else Qt.KeyboardModifier.NoModifier
        qtbot.mouseClick(
            panel.view.viewport(), Qt.MouseButton.LeftButton, modifier, panel.view.visualRect(index).center()
        )
    assert {job.job_id for job in panel.selected_jobs()} == set(job_ids)


def test_several_jobs_are_removed_from_the_list_at_once(qtbot, tracker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Tidying the list after a term is a job for many rows: select them (Ctrl/Shift+click)
    and Remove from list takes every one that is not running, asking once when any of them
    could still be resumed; a running one among them stays."""
    panel = panel_with_jobs(qtbot, tracker, tmp_path)
    ctrl_click_jobs(qtbot, panel, 1, 3)  # saved, failed
    with qtbot.waitSignal(panel.forgetRequested) as forgotten:
        panel.forget_action.trigger()
    assert sorted(forgotten.args[0]) == [1, 3] and panel.forget_question is None

    ctrl_click_jobs(qtbot, panel, 1, 2, 3, 6)  # 2 interrupted, 6 downloading
    assert panel.forget_action.isEnabled()
    panel.forget_action.trigger()
    box = panel.forget_question
    assert box is not None and "3 exports" in box.text()
    assert "1 of them can still be resumed" in box.informativeText()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    (remove,) = [b for b in box.buttons() if b.text() == "Remove from list"]
    with qtbot.waitSignal(panel.forgetRequested) as forgotten:
        remove.click()
    assert sorted(forgotten.args[0]) == [1, 2, 3]  # not the download under way


def test_with_several_jobs_selected_the_state_actions_apply_to_each(qtbot, tracker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Stop watching, Resume and Retry act on every selected job that allows it; the
    actions on one file (Open file, Show in folder, Copy path, Re-export) wait for one."""
    panel = panel_with_jobs(qtbot, tracker, tmp_path)
    ctrl_click_jobs(qtbot, panel, 5, 6, 1)
    stopped: list[int] = []
    panel.stopRequested.connect(stopped.append)
    panel.stop_action.trigger()
    assert sorted(stopped) == [5, 6]
    for action in (panel.open_action, panel.show_in_folder_action, panel.copy_path_action, panel.reexport_action):
        assert not action.isEnabled(), action.text()
    ctrl_click_jobs(qtbot, panel, 2, 3)
    resumed: list[int] = []
    retried: list[int] = []
    panel.resumeRequested.connect(resumed.append)
    panel.retryRequested.connect(retried.append)
    panel.resume_action.trigger()
    panel.retry_action.trigger()
    assert (resumed, retried) == ([2], [3])
