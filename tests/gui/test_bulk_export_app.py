"""Bulk export in the real app (#14), against the simulated Canvas over real HTTP with
the real engine: File › Bulk export… (Ctrl+B), the batch window live to the end, Pause
and Resume with one export per course, a CSV with a bad row, batches in the Activity
view, and a batch paused by a revoked token until the user signs in again."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtCore import Qt

from desktop_app.app.batch_views import BatchState, RowStatus
from desktop_app.simulator import TEACHER_TOKEN
from desktop_app.ui.batch_window import BatchWindow
from desktop_app.ui.bulk_export_dialog import BulkExportDialog, CourseSource
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.signin_dialog import SignInDialog


def exports_posted(sim) -> list[str]:  # type: ignore[no-untyped-def]
    """The paths of every export Canvas created (a POST refused for the token made none)."""
    return [
        r.path
        for r in sim.request_log
        if r.method == "POST" and r.path.endswith("/content_exports") and r.status == 200
    ]


def open_dialog(qtbot, window: MainWindow) -> BulkExportDialog:  # type: ignore[no-untyped-def]
    """Ctrl+B on the window, then My courses loaded."""
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    with qtbot.waitSignal(window.bulk.dialogOpened, timeout=5000) as opened:
        qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    dialog: BulkExportDialog = opened.args[0]
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0 and not dialog.busy_label.isVisible(), timeout=10_000)
    return dialog


def start_all(qtbot, window: MainWindow, dialog: BulkExportDialog) -> BatchWindow:  # type: ignore[no-untyped-def]
    """Select all, Start: the dialog closes and the batch's window shows its rows."""
    qtbot.mouseClick(dialog.select_all_button, Qt.MouseButton.LeftButton)
    assert dialog.start_button.isEnabled(), dialog.why_not.text()
    with qtbot.waitSignal(window.bulk.windowOpened, timeout=10_000) as opened:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    batch_window: BatchWindow = opened.args[0]
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: batch_window.panel.model.rowCount() > 0, timeout=10_000)
    return batch_window


def statuses(batch_window: BatchWindow) -> set[RowStatus]:
    return {row.status for row in batch_window.panel.model.rows()}


def test_ctrl_b_my_courses_start_and_every_row_reaches_saved(qtbot, window: MainWindow, sim) -> None:  # type: ignore[no-untyped-def]
    assert window.bulk_action in window.file_menu.actions()
    assert window.bulk_action.shortcut().toString() == "Ctrl+B"
    dialog = open_dialog(qtbot, window)
    assert dialog.source() is CourseSource.MINE
    mine = {c.id for c in dialog.model.courses()}
    n = dialog.model.rowCount()
    assert not dialog.source_radios[CourseSource.ACCOUNT].isEnabled()  # a teacher administers no account
    before = len(exports_posted(sim))

    batch_window = start_all(qtbot, window, dialog)
    assert batch_window.panel.model.rowCount() == n
    qtbot.waitUntil(lambda: statuses(batch_window) == {RowStatus.SAVED}, timeout=60_000)
    qtbot.waitUntil(lambda: batch_window.batch().state is BatchState.FINISHED, timeout=10_000)
    view = batch_window.batch()
    assert view.totals.saved == n and view.totals.failed == 0
    assert view.report_path.is_file()
    with view.report_path.open(newline="", encoding="utf-8") as f:
        report = list(csv.DictReader(f))
    assert len(report) == n and {r["state"] for r in report} == {"saved"}
    assert all(Path(row.file).is_file() for row in batch_window.panel.model.rows())
    assert len(exports_posted(sim)) - before == n  # one export per course
    assert "Finished" in batch_window.panel.state_label.text()
    assert batch_window.panel.open_report_button.isEnabled()
    assert {r.course_id for r in batch_window.panel.model.rows()} == mine
    qtbot.waitUntil(
        lambda: window.notifier.last is not None and window.notifier.last.title == "Bulk export finished",
        timeout=10_000,
    )
    assert window.notifier.last.ok and f"{n} saved" in window.notifier.last.message


def test_pause_then_resume_ends_with_one_export_per_course(qtbot, window: MainWindow, sim) -> None:  # type: ignore[no-untyped-def]
    sim.export_duration = 2.0  # long enough to pause while the first courses run
    dialog = open_dialog(qtbot, window)
    dialog.max_at_canvas.setValue(1)
    n = dialog.model.rowCount()
    before = len(exports_posted(sim))
    batch_window = start_all(qtbot, window, dialog)
    panel = batch_window.panel
    qtbot.waitUntil(lambda: RowStatus.AT_CANVAS in statuses(batch_window), timeout=10_000)
    qtbot.waitUntil(panel.pause_button.isEnabled, timeout=5000)

    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: batch_window.batch().state is BatchState.PAUSED, timeout=10_000)
    qtbot.waitUntil(lambda: RowStatus.AT_CANVAS not in statuses(batch_window), timeout=10_000)
    assert RowStatus.PAUSED in statuses(batch_window) or RowStatus.WAITING in statuses(batch_window)
    assert panel.resume_button.isEnabled() and not panel.pause_button.isEnabled()
    assert "Paused" in panel.state_label.text()

    sim.export_duration = 0.3
    qtbot.mouseClick(panel.resume_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: batch_window.batch().state is BatchState.FINISHED, timeout=60_000)
    qtbot.waitUntil(lambda: statuses(batch_window) == {RowStatus.SAVED}, timeout=10_000)
    assert len(exports_posted(sim)) - before == n  # the paused course's export was carried on, not made again


def test_a_csv_with_a_bad_row_names_its_line_and_blocks_start(qtbot, window: MainWindow, sim, tmp_path) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, window)
    path = tmp_path / "fall.csv"
    path.write_text(f"course_id,box\n{sim.data.main_course_id},A1\nnot-a-course,A2\n", encoding="utf-8")
    dialog.source_radios[CourseSource.CSV].click()
    dialog.csv_edit.setText(str(path))
    dialog.csv_edit.editingFinished.emit()
    qtbot.waitUntil(lambda: dialog.csv_problems.count() > 0, timeout=10_000)
    assert dialog.csv_problems.item(0).text().startswith("line 3")
    assert not dialog.start_button.isEnabled()

    path.write_text(f"course_id,box\n{sim.data.main_course_id},A1\n", encoding="utf-8")  # fixed
    dialog._csv_asked = None  # the same file again, as Choose file… does
    dialog.csv_edit.editingFinished.emit()
    qtbot.waitUntil(dialog.start_button.isEnabled, timeout=10_000)
    assert "box" in dialog.csv_summary.text()
    with qtbot.waitSignal(window.bulk.windowOpened, timeout=10_000) as opened:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    batch_window: BatchWindow = opened.args[0]
    qtbot.waitUntil(
        lambda: batch_window.batch() is not None and batch_window.batch().state is BatchState.FINISHED, timeout=30_000
    )
    with batch_window.batch().report_path.open(newline="", encoding="utf-8") as f:
        report = list(csv.DictReader(f))
    assert [(r["course_id"], r["box"], r["state"]) for r in report] == [(str(sim.data.main_course_id), "A1", "saved")]


def test_start_problems_are_said_in_the_dialog(qtbot, window: MainWindow, sim, tmp_path) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, window)
    dialog.model.set_checked_rows([0], True)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    dialog.folder_edit.setText(str(blocked / "inside"))
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.folder_error.isVisible()  # the dialog's own check
    assert window.presenter.current is None


def test_activity_lists_the_batch_not_its_jobs_and_opens_its_window(qtbot, window: MainWindow, sim) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, window)
    batch_window = start_all(qtbot, window, dialog)
    batch_id = batch_window.batch_id
    qtbot.waitUntil(
        lambda: batch_window.batch() is not None and batch_window.batch().state is BatchState.FINISHED, timeout=60_000
    )
    window.show_activity()
    activity = window.activity
    qtbot.waitUntil(lambda: [b.batch_id for b in activity.visible_batches()] == [batch_id], timeout=5000)
    assert not [j for j in activity.visible_jobs() if j.batch_id is not None]  # no course one by one
    row = activity.model.row_for_batch(batch_id)
    assert activity.model.index(row, 2).data() == "Finished"
    assert activity.model.index(row, 0).data().endswith(batch_window.batch().name)
    assert f"{batch_window.panel.model.rowCount()} saved" in activity.model.index(row, 4).data()

    batch_window.close()
    qtbot.waitUntil(lambda: batch_id not in window.bulk.windows, timeout=5000)
    assert activity.select_batch(batch_id)
    with qtbot.waitSignal(window.bulk.windowOpened, timeout=5000) as opened:
        qtbot.keyClick(activity.view, Qt.Key.Key_Return)
    reopened: BatchWindow = opened.args[0]
    assert reopened.batch_id == batch_id and reopened.isVisible()
    qtbot.waitUntil(lambda: reopened.panel.model.rowCount() == batch_window.panel.model.rowCount(), timeout=10_000)
    assert window.bulk.open_batch(batch_id) is reopened  # one window per batch


def test_the_quit_question_counts_running_batches(qtbot, window: MainWindow, sim) -> None:  # type: ignore[no-untyped-def]
    sim.export_duration = 5.0
    dialog = open_dialog(qtbot, window)
    start_all(qtbot, window, dialog)
    qtbot.waitUntil(lambda: window.running_batches() == 1, timeout=10_000)
    with qtbot.waitSignal(window.quitQuestion, timeout=5000) as asked:
        window.close()
    box = asked.args[0]
    assert "1 bulk export" in box.text()
    box.reject()


def test_a_revoked_token_pauses_the_batch_until_the_user_signs_in_again(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, sim, controller
) -> None:
    sim.export_duration = 2.0
    dialog = open_dialog(qtbot, window)
    n = dialog.model.rowCount()
    before = len(exports_posted(sim))
    batch_window = start_all(qtbot, window, dialog)
    qtbot.waitUntil(lambda: RowStatus.AT_CANVAS in statuses(batch_window), timeout=10_000)

    with qtbot.waitSignal(controller.reauthRequested, timeout=30_000) as reauth:
        sim.faults.revoke_token(TEACHER_TOKEN)
    signin: SignInDialog = reauth.args[0]
    qtbot.waitUntil(lambda: batch_window.batch().state is BatchState.SIGN_IN, timeout=30_000)
    assert "Paused: sign in again" in batch_window.panel.state_label.text()

    sim.export_duration = 0.3
    signin.token_edit.setText(sim.issue_token(sim.data.teacher_id))
    with qtbot.waitSignal(signin.busyChanged, timeout=10_000, check_params_cb=lambda busy: not busy):
        signin.signin_button.click()
    with qtbot.waitSignal(signin.signedIn, timeout=10_000):
        signin.signin_button.click()
    qtbot.waitUntil(lambda: batch_window.batch().state is BatchState.FINISHED, timeout=60_000)
    qtbot.waitUntil(lambda: statuses(batch_window) == {RowStatus.SAVED}, timeout=10_000)
    assert len(exports_posted(sim)) - before == n  # the paused exports carried on, none made twice


def test_a_course_named_twice_follows_its_job_on_both_rows_to_its_file(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, sim, tmp_path
) -> None:
    # rows 1 and 2 name one course (by id, by SIS id): row 2 follows row 1's job live, as
    # row 1 does (its 6.7 MB package downloads slowly), and names the file the moment
    # row 1 does, not once the batch has finished
    from desktop_app.app import batches
    from desktop_app.batch.model import BatchOptions, BatchTarget

    sim.faults.slow_files(2_000_000)
    plan = batches.BatchPlan(
        site=window.site,
        user_id=sim.data.teacher_id,
        name="twice",
        targets=[BatchTarget(101), BatchTarget(None, sim.data.courses[101].sis_course_id)],
        options=BatchOptions(export_type="zip", folder=tmp_path / "twice"),
    )
    with qtbot.waitSignal(window.bridge.run(lambda s: batches.start_batch(s, plan)).succeeded, timeout=10_000) as got:
        pass
    batch_window = window.bulk.open_batch(got.args[0])
    rows = batch_window.panel.model.rows
    qtbot.waitUntil(lambda: len(rows()) == 2 and rows()[0].status is RowStatus.DOWNLOADING, timeout=10_000)
    qtbot.waitUntil(lambda: rows()[1].status is RowStatus.DOWNLOADING, timeout=5_000)
    assert "row 1" in (rows()[1].reason or "")
    qtbot.waitUntil(lambda: rows()[0].file is not None, timeout=30_000)
    first, second = rows()
    assert second.file == first.file and second.status is RowStatus.SKIPPED  # the same update, no read
    qtbot.waitUntil(lambda: batch_window.batch().state is BatchState.FINISHED, timeout=10_000)
    assert batch_window.batch().totals.saved == 2 and batch_window.batch().totals.bytes_saved == first.size


def test_ctrl_w_closes_the_batch_window(qtbot, window: MainWindow, sim) -> None:  # type: ignore[no-untyped-def]
    """A window without a menu closes from the keyboard too (the platform's Close key)."""
    batch_window = start_all(qtbot, window, open_dialog(qtbot, window))
    batch_id = batch_window.batch_id
    batch_window.activateWindow()
    qtbot.waitUntil(batch_window.isActiveWindow)
    closed: list[bool] = []
    batch_window.destroyed.connect(lambda *_: closed.append(True))
    qtbot.keyClick(batch_window.panel.view, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(closed), timeout=5000)
    assert window.isVisible()
    assert batch_id not in window.bulk.windows
