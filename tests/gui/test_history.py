"""Export history: merging Canvas and job data, minimal updates, sorting, actions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, QUrl
from PySide6.QtGui import QAction, QColor, QGuiApplication, QPalette

from desktop_app.app.jobs import JobView
from desktop_app.canvas.errors import ServerError
from desktop_app.canvas.models import WorkflowState
from desktop_app.engine.events import JobCreated, JobDone, JobDownload, JobError, JobProgress, JobState, JobStatus
from desktop_app.ui.history_model import (
    Column,
    HistoryModel,
    HistoryProxyModel,
    expiry_text,
)
from desktop_app.ui.history_view import HistoryPanel
from tests.gui.factories import NOW, export, many_exports
from tests.gui.pixels import arrow_direction


def texts(model, column: Column) -> list[str]:  # type: ignore[no-untyped-def]
    return [model.index(r, column).data() for r in range(model.rowCount())]


@pytest.fixture
def model(qapp, qtmodeltester) -> HistoryModel:  # type: ignore[no-untyped-def]
    m = HistoryModel(now=lambda: NOW)
    qtmodeltester.check(m)
    return m


# ---------------------------------------------------------------- model
def test_rows_merge_canvas_and_jobs_newest_first(model: HistoryModel) -> None:
    model.set_exports(
        [export(3, age=timedelta(hours=1)), export(1, age=timedelta(days=2)), export(2, age=timedelta(days=1))]
    )
    assert texts(model, Column.ID) == ["3", "2", "1"]
    model.update_job(JobView(7, export_id=2, status=JobStatus.DONE, saved_path="/tmp/x/export-2.imscc"))
    assert model.rowCount() == 3
    assert model.index(1, Column.SAVED).data() == "export-2.imscc"
    assert model.index(1, Column.SAVED).data(Qt.ItemDataRole.ToolTipRole) == "/tmp/x/export-2.imscc"
    assert model.index(1, Column.STATE).data() == "Saved"


def test_a_new_job_gets_a_row_then_merges_with_canvas_row(model: HistoryModel, qtbot) -> None:  # type: ignore[no-untyped-def]
    model.set_exports([export(1)])
    model.update_job(
        JobView(9, status=JobStatus.CREATING, state_text="Starting export", export_type="zip", created_at=NOW)
    )
    assert model.rowCount() == 2
    assert model.index(0, Column.ID).data() == "—"
    assert model.index(0, Column.BY).data() == "You"
    # Canvas's list shows the new export before the job hears back its id...
    model.upsert_exports([export(2, state=WorkflowState.EXPORTING, export_type="zip", age=timedelta(0))])
    assert model.rowCount() == 3
    # ... and when it does, the two rows become one.
    with qtbot.waitSignal(model.rowsRemoved):
        model.update_job(JobView(9, export_id=2, status=JobStatus.EXPORTING, state_text="Exporting", progress=40.0))
    assert model.rowCount() == 2
    row = model.row_for_job(9)
    assert row is not None and model.row_for_export(2) == row
    assert model.index(row, Column.STATE).data() == "Exporting 40%"
    assert model.index(row, Column.STATE).data(HistoryModel.ProgressRole) == 40.0


def test_progress_update_emits_datachanged_for_that_row_only(model: HistoryModel, qtbot) -> None:  # type: ignore[no-untyped-def]
    model.set_exports(many_exports(50))
    running = many_exports(50)[0]
    model.update_job(
        JobView(1, export_id=running.id, status=JobStatus.EXPORTING, state_text="Exporting", progress=10.0)
    )
    row = model.row_for_export(running.id)
    changes: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(lambda tl, br, roles=(): changes.append((tl.row(), tl.column(), br.row(), br.column())))
    with qtbot.assertNotEmitted(model.layoutChanged):
        model.update_job(
            JobView(1, export_id=running.id, status=JobStatus.EXPORTING, state_text="Exporting", progress=55.0)
        )
    assert changes == [(row, Column.STATE, row, Column.STATE)]
    changes.clear()
    model.update_job(
        JobView(1, export_id=running.id, status=JobStatus.EXPORTING, state_text="Exporting", progress=55.0)
    )
    assert changes == []  # nothing visible changed: no signal at all


def test_set_exports_drops_rows_canvas_no_longer_lists_unless_a_job_has_them(model: HistoryModel) -> None:
    model.set_exports([export(1), export(2), export(3)])
    model.update_job(JobView(5, export_id=2, status=JobStatus.DONE, saved_path="/tmp/e2.imscc"))
    model.set_exports([export(3)])
    assert sorted(texts(model, Column.ID)) == ["2", "3"]


def test_user_names_expiry_and_type_labels(model: HistoryModel) -> None:
    model.set_exports(
        [
            export(1, age=timedelta(days=18), export_type="zip", user_id=42),
            export(2, age=timedelta(days=40), state=WorkflowState.EXPIRED, export_type="qti", user_id=43),
            export(3, age=timedelta(hours=2), state=WorkflowState.FAILED, export_type="quizzes2", user_id=99),
        ]
    )
    model.set_user_names({42: "Jane Doe", 43: "Sam Lee"})
    rows = {model.index(r, Column.ID).data(): r for r in range(3)}
    assert model.index(rows["1"], Column.BY).data() == "Jane Doe"
    assert model.index(rows["3"], Column.BY).data() == "User 99"
    assert model.index(rows["1"], Column.EXPIRES).data() == "in 12 days"
    assert model.index(rows["2"], Column.EXPIRES).data() == "expired"
    assert model.index(rows["3"], Column.EXPIRES).data() == ""  # never exported
    assert model.index(rows["1"], Column.TYPE).data() == "Zip"
    assert model.index(rows["3"], Column.TYPE).data() == "New Quizzes"
    assert model.index(rows["2"], Column.STATE).data() == "Expired"
    assert "export again" in model.index(rows["2"], Column.EXPIRES).data(Qt.ItemDataRole.ToolTipRole)
    model.set_expire_days(20)
    assert model.index(rows["1"], Column.EXPIRES).data() == "in 2 days"


def test_expiry_text_boundaries() -> None:
    now = datetime(2025, 3, 20, 9, 0, tzinfo=timezone.utc).astimezone()
    assert expiry_text(now + timedelta(hours=1), now) == "today"
    assert expiry_text(now.replace(hour=23, minute=59) + timedelta(days=1), now) == "tomorrow"
    assert expiry_text(now + timedelta(days=12), now) == "in 12 days"
    assert expiry_text(now - timedelta(seconds=1), now) == "expired"
    assert expiry_text(now + timedelta(days=3), now, expired=True) == "expired"
    assert expiry_text(None, now) == ""


def test_sort_by_size_and_date_by_value_not_text(model: HistoryModel, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    proxy = HistoryProxyModel()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    model.set_exports(
        [
            export(1, size=900, age=timedelta(days=3)),  # "900 bytes"
            export(2, size=10_000_000, age=timedelta(days=1)),  # "10.0 MB"
            export(3, size=2_000_000_000, age=timedelta(days=10)),  # "2.0 GB"
            export(4, size=None, state=WorkflowState.FAILED, age=timedelta(hours=5)),
        ]
    )
    proxy.sort(Column.SIZE, Qt.SortOrder.AscendingOrder)
    assert texts(proxy, Column.ID) == ["4", "1", "2", "3"]  # text order would put "10.0 MB" first
    proxy.sort(Column.SIZE, Qt.SortOrder.DescendingOrder)
    assert texts(proxy, Column.ID) == ["3", "2", "1", "4"]
    proxy.sort(Column.STARTED, Qt.SortOrder.AscendingOrder)
    assert texts(proxy, Column.ID) == ["3", "1", "2", "4"]
    proxy.sort(Column.EXPIRES, Qt.SortOrder.DescendingOrder)
    assert texts(proxy, Column.ID) == ["2", "1", "3", "4"]


def test_ids_sort_numerically(model: HistoryModel) -> None:
    model.set_exports([export(9), export(10), export(100)])
    model.sort(Column.ID, Qt.SortOrder.AscendingOrder)
    assert texts(model, Column.ID) == ["9", "10", "100"]


@pytest.mark.parametrize("column", list(Column))
def test_fast_sort_matches_a_plain_proxy_sorting_by_sort_role(qapp, column: Column) -> None:  # type: ignore[no-untyped-def]
    """The delegated sort must agree with what Qt itself makes of SortRole."""
    m = HistoryModel(now=lambda: NOW)
    m.set_exports(many_exports(60))
    m.set_user_names({42: "Jane", 43: "Sam", 44: "Alex"})
    m.update_job(JobView(1, export_id=many_exports(60)[5].id, status=JobStatus.DONE, saved_path="/tmp/b.zip"))
    plain = QSortFilterProxyModel()
    plain.setSourceModel(m)
    plain.setSortRole(HistoryModel.SortRole)
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        m.sort(column, order)
        plain.sort(column, order)
        ours = [m.index(r, column).data(HistoryModel.SortRole) for r in range(m.rowCount())]
        qts = [plain.index(r, column).data(HistoryModel.SortRole) for r in range(plain.rowCount())]
        assert ours == qts


def test_sorted_order_is_kept_when_a_row_changes(model: HistoryModel) -> None:
    model.set_exports([export(1, size=100), export(2, size=200), export(3, size=300)])
    model.sort(Column.SIZE, Qt.SortOrder.DescendingOrder)
    assert texts(model, Column.ID) == ["3", "2", "1"]
    model.upsert_exports([export(1, size=1000)])
    assert texts(model, Column.ID) == ["1", "3", "2"]


def test_text_filter(model: HistoryModel) -> None:
    proxy = HistoryProxyModel()
    proxy.setSourceModel(model)
    model.set_exports([export(1, export_type="zip"), export(2, export_type="qti"), export(3, export_type="zip")])
    proxy.set_text_filter("qti")
    assert texts(proxy, Column.ID) == ["2"]
    proxy.set_text_filter("")
    assert proxy.rowCount() == 3


def test_job_info_folds_engine_events() -> None:
    info = JobView(4)
    info = info.apply(JobCreated(4, site="s", context="course:1", export_type="zip"))
    info = info.apply(JobState(4, JobStatus.EXPORTING, "Exporting", export_id=77))
    info = info.apply(JobProgress(4, 37.5))
    assert (info.export_id, info.export_type, info.status, info.progress) == (77, "zip", JobStatus.EXPORTING, 37.5)
    info = info.apply(JobDownload(4, 250, 1000))
    assert info.status is JobStatus.DOWNLOADING and info.progress == 25.0 and info.is_transferring
    info = info.apply(JobDone(4, path=Path("/tmp/a.zip"), sha256="x", size=1000))
    assert info.status is JobStatus.DONE and info.saved_path == "/tmp/a.zip" and not info.is_watching
    other = info.apply(JobProgress(5, 99.0))
    assert other is info  # not this job
    failed = (
        JobView(6)
        .apply(JobError(6, ServerError("boom"), "Canvas had a problem (503)"))
        .apply(JobState(6, JobStatus.FAILED, "Failed", message=""))
    )
    assert failed.error == "Canvas had a problem (503)" and failed.status is JobStatus.FAILED


def test_job_info_keeps_its_percentage_through_a_phase_change() -> None:
    """queued -> exporting must not blank the bar until the next progress event."""
    info = JobView(4, status=JobStatus.QUEUED).apply(JobProgress(4, 12.0))
    info = info.apply(JobState(4, JobStatus.EXPORTING, "Exporting"))
    assert (info.status, info.progress) == (JobStatus.EXPORTING, 12.0)
    info = info.apply(JobState(4, JobStatus.EXPORTING, "Exporting", message="still going"))
    assert info.progress == 12.0
    # "percent" changes meaning: Canvas's completion is not a share of the bytes saved
    downloading = info.apply(JobState(4, JobStatus.DOWNLOADING, "Downloading"))
    assert downloading.progress is None
    verifying = downloading.apply(JobDownload(4, 1000, 1000)).apply(JobState(4, JobStatus.VERIFYING, "Verifying"))
    assert verifying.progress == 100.0
    # states that have no percentage clear it
    for ended in (JobStatus.DONE, JobStatus.FAILED, JobStatus.EXPIRED, JobStatus.STOPPED, JobStatus.INTERRUPTED):
        assert info.apply(JobState(4, ended, ended.label)).progress is None, ended


# ---------------------------------------------------------------- panel
class FakeOpener:
    def __init__(self, answer: bool = True) -> None:
        self.urls: list[QUrl] = []
        self.answer = answer  # False: no program handles it (QDesktopServices.openUrl's answer)

    def __call__(self, url: QUrl) -> bool:
        self.urls.append(url)
        return self.answer


@pytest.fixture
def panel(qtbot, qtmodeltester, tmp_path: Path) -> HistoryPanel:  # type: ignore[no-untyped-def]
    p = HistoryPanel(model=HistoryModel(now=lambda: NOW))
    qtbot.addWidget(p)
    qtmodeltester.check(p.proxy)
    m = p.model
    m.set_exports(
        [
            export(1, age=timedelta(days=5)),  # exported, not downloaded
            export(2, age=timedelta(days=4)),  # saved locally
            export(3, age=timedelta(days=3), state=WorkflowState.EXPORTING),  # watched
            export(4, age=timedelta(days=2), state=WorkflowState.FAILED),
            export(5, age=timedelta(days=45), state=WorkflowState.EXPIRED),
            export(6, age=timedelta(days=1)),  # downloading now
            export(7, age=timedelta(hours=1), export_type="user_data"),
        ]
    )
    m.update_job(JobView(20, 2, JobStatus.DONE, saved_path=str(tmp_path / "course export.imscc")))
    m.update_job(JobView(30, 3, JobStatus.EXPORTING, "Exporting", 12.0))
    m.update_job(JobView(60, 6, JobStatus.DOWNLOADING, "Downloading", 50.0, 5, 10))
    p.set_url_opener(FakeOpener())
    p.resize(1000, 360)
    p.show()
    qtbot.waitExposed(p)
    return p


def row_actions(panel: HistoryPanel) -> tuple[QAction, ...]:
    """The row actions whose enabling and tooltips the tests below check."""
    return (
        panel.download_action,
        panel.open_action,
        panel.show_in_folder_action,
        panel.copy_path_action,
        panel.reexport_action,
        panel.stop_action,
    )


def enabled(panel: HistoryPanel) -> set[str]:
    return {a.text() for a in row_actions(panel) if a.isEnabled()}


@pytest.mark.parametrize(
    ("export_id", "expected"),
    [
        (1, {"Download", "Re-export"}),
        (2, {"Download", "Open file", "Show in folder", "Copy path", "Re-export"}),
        (3, {"Re-export", "Stop watching"}),
        (4, {"Re-export"}),
        (5, {"Re-export"}),
        (6, {"Re-export", "Stop watching"}),  # no second download while one runs
        (7, {"Download"}),  # a web-UI user-data export cannot be re-created here
    ],
)
def test_actions_follow_the_selected_row(panel: HistoryPanel, export_id: int, expected: set[str]) -> None:
    assert enabled(panel) == set()  # nothing selected yet
    assert panel.select_export(export_id)
    assert enabled(panel) == expected
    assert panel.refresh_action.isEnabled()


def test_actions_update_when_the_row_changes_state(panel: HistoryPanel) -> None:
    panel.select_export(3)
    assert "Download" not in enabled(panel)
    panel.model.upsert_exports([export(3, age=timedelta(days=3))])  # Canvas: exported now
    panel.model.update_job(JobView(30, 3, JobStatus.DONE, saved_path="/tmp/three.imscc"))
    assert {"Download", "Open file"} <= enabled(panel)


def test_keyboard_shortcuts_emit_requests(panel: HistoryPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    panel.view.setFocus()
    panel.select_export(1)
    with qtbot.waitSignal(panel.downloadRequested) as blocker:
        qtbot.keyClick(panel.view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == [1]
    with qtbot.waitSignal(panel.downloadRequested) as blocker:  # Enter: the default action
        qtbot.keyClick(panel.view, Qt.Key.Key_Return)
    assert blocker.args == [1]

    panel.select_export(3)
    with qtbot.waitSignal(panel.stopRequested) as blocker:
        qtbot.keyClick(panel.view, Qt.Key.Key_Delete)
    assert blocker.args == [30]
    with qtbot.waitSignal(panel.reexportRequested) as blocker:
        qtbot.keyClick(panel.view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == [3]
    with qtbot.waitSignal(panel.refreshRequested):
        qtbot.keyClick(panel.view, Qt.Key.Key_F5)


def test_open_show_and_copy_a_saved_file(panel: HistoryPanel, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    saved = str(tmp_path / "course export.imscc")
    opener = FakeOpener()
    panel.set_url_opener(opener)
    panel.view.setFocus()
    panel.select_export(2)
    with qtbot.waitSignal(panel.openFileRequested) as blocker:
        qtbot.keyClick(panel.view, Qt.Key.Key_Return)  # saved: Enter opens
    assert blocker.args == [saved]
    assert opener.urls[-1] == QUrl.fromLocalFile(saved)
    with qtbot.waitSignal(panel.showInFolderRequested):
        panel.show_in_folder_action.trigger()
    assert opener.urls[-1] == QUrl.fromLocalFile(str(tmp_path))
    with qtbot.waitSignal(panel.pathCopied) as blocker:
        qtbot.keyClick(panel.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == [saved]
    assert QGuiApplication.clipboard().text() == saved


def test_double_click_runs_the_default_action(panel: HistoryPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    panel.select_export(1)
    index = panel.view.currentIndex()
    rect = panel.view.visualRect(index)
    viewport = panel.view.viewport()
    with qtbot.waitSignal(panel.downloadRequested):
        # what a window system delivers: press, release, then the double-click event
        # (QTest's mouseDClick alone skips the first press, which item views need)
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())


def test_context_menu_offers_the_actions_with_the_default_in_bold(panel: HistoryPanel) -> None:
    panel.select_export(2)
    menu = panel.build_context_menu()
    texts_ = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts_ == [
        "Download",
        "Open file",
        "Show in folder",
        "Copy path",
        "View contents",
        "Re-export",
        "Resume",
        "Retry",
        "Stop watching",
        "Refresh",
    ]
    assert menu.defaultAction() is panel.open_action
    panel.select_export(1)
    assert panel.build_context_menu().defaultAction() is panel.download_action


def test_running_rows_paint_a_progress_bar(panel: HistoryPanel) -> None:
    panel.select_export(1)  # keep the running rows unselected
    row = panel.proxy.mapFromSource(panel.model.index(panel.model.row_for_export(6), Column.STATE))
    rect = panel.view.visualRect(row)
    image = panel.view.viewport().grab().toImage()
    highlight = panel.view.palette().color(QPalette.ColorRole.Highlight)

    def near(c: QColor) -> bool:
        return (
            abs(c.red() - highlight.red()) + abs(c.green() - highlight.green()) + abs(c.blue() - highlight.blue()) < 90
        )

    left = [image.pixelColor(x, rect.center().y()) for x in range(rect.left() + 4, rect.left() + rect.width() // 3)]
    right = [image.pixelColor(x, rect.center().y()) for x in range(rect.right() - 10, rect.right() - 4)]
    assert sum(near(c) for c in left) > len(left) // 2  # the filled half of a 50% bar
    assert not any(near(c) for c in right)


def test_sort_arrow_matches_the_order_of_the_rows(panel: HistoryPanel) -> None:
    """Newest first is a descending sort, and its arrow points down (not up, as Qt's
    Fusion style draws a descending indicator)."""
    header = panel.view.horizontalHeader()
    started = [panel.proxy.index(r, Column.STARTED).data(HistoryModel.SortRole) for r in range(panel.proxy.rowCount())]
    assert started == sorted(started, reverse=True)
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        Column.STARTED,
        Qt.SortOrder.DescendingOrder,
    )
    if panel.style().name().lower() == "fusion":  # the style the arrow fix applies to (and the tests run)
        assert arrow_direction(header, Column.STARTED) == "down"
    panel.view.sortByColumn(Column.STARTED, Qt.SortOrder.AscendingOrder)  # what a click on "Started" does now
    started = [panel.proxy.index(r, Column.STARTED).data(HistoryModel.SortRole) for r in range(panel.proxy.rowCount())]
    assert started == sorted(started)
    if panel.style().name().lower() == "fusion":
        assert arrow_direction(header, Column.STARTED) == "up"


def test_controls_have_names_and_tooltips(panel: HistoryPanel) -> None:
    for action in (*row_actions(panel), panel.refresh_action):
        assert action.toolTip() and not action.shortcut().isEmpty()
    assert panel.view.accessibleName() and panel.filter_edit.accessibleName()
    assert panel.model.headerData(Column.EXPIRES, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)


def test_filter_box_narrows_rows(panel: HistoryPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(panel.filter_edit, "failed")
    qtbot.waitUntil(lambda: panel.proxy.rowCount() == 1)  # typing is debounced
    assert [panel.proxy.index(r, Column.ID).data() for r in range(panel.proxy.rowCount())] == ["4"]
    assert panel.view.model().index(0, 0, QModelIndex()).isValid()


def test_job_info_from_a_store_row(tmp_path: Path) -> None:
    from desktop_app.engine.store import JobStore

    with JobStore(tmp_path / "jobs.sqlite3") as store:
        job = store.add(site="demo", context="course:12", export_type="zip", state=JobStatus.EXPORTING, progress=42.0)
        info = JobView.from_job(job)
        assert (info.job_id, info.status, info.progress, info.export_type) == (job.id, JobStatus.EXPORTING, 42.0, "zip")
        queued = JobView.from_job(store.update(job.id, state=JobStatus.QUEUED))
        assert queued.progress is None  # no bar at 0% while Canvas has not started
        done = JobView.from_job(store.update(job.id, state=JobStatus.DONE, saved_path=tmp_path / "e.zip", size=9))
        assert done.saved_path == str(tmp_path / "e.zip") and done.bytes_total == 9 and not done.is_watching


def test_progress_label_stays_readable_over_the_chunk(qapp) -> None:  # type: ignore[no-untyped-def]
    """Over the chunk the label uses whichever of the palette's text colours contrasts
    more with Highlight: dark on Fusion's light blue, light on a dark theme's."""
    from desktop_app.ui.progress_delegate import contrast, label_palette

    def palette(highlight: str, text: str, highlighted_text: str) -> QPalette:
        p = QPalette()
        p.setColor(QPalette.ColorRole.Highlight, QColor(highlight))
        p.setColor(QPalette.ColorRole.Text, QColor(text))
        p.setColor(QPalette.ColorRole.HighlightedText, QColor(highlighted_text))
        return p

    light = label_palette(palette("#308cc6", "#000000", "#ffffff"))  # Fusion's light palette
    assert light.color(QPalette.ColorRole.HighlightedText) == QColor("#000000")
    dark = label_palette(palette("#3d7fd6", "#e6e6e6", "#ffffff"))
    assert dark.color(QPalette.ColorRole.HighlightedText) == QColor("#ffffff")
    for p in (light, dark):
        assert contrast(p.color(QPalette.ColorRole.HighlightedText), p.color(QPalette.ColorRole.Highlight)) >= 4.0
    assert round(contrast(QColor("black"), QColor("white")), 1) == 21.0


# ---------------------------------------------------------------- resume, retry, open failures (#4, #5, #9, #12)
def test_resume_and_retry_follow_the_job_state(panel: HistoryPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    panel.model.update_job(JobView(40, 4, JobStatus.FAILED, "Failed", error="Canvas says the export failed."))
    panel.model.update_job(
        JobView(
            80,
            None,
            JobStatus.INTERRUPTED,
            "Interrupted (can resume)",
            export_type="zip",
            created_at=NOW,
            error="No answer from Canvas.",
            error_kind="UnreachableError",
        )
    )
    panel.view.setFocus()
    panel.select_export(4)
    assert panel.retry_action.isEnabled() and not panel.resume_action.isEnabled()
    with qtbot.waitSignal(panel.retryRequested) as blocker:
        qtbot.keyClick(
            panel.view, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        )
    assert blocker.args == [40]
    row = panel.proxy.mapFromSource(panel.model.index(panel.model.row_for_job(80), 0))
    panel.view.selectRow(row.row())
    assert panel.resume_action.isEnabled() and not panel.retry_action.isEnabled()
    with qtbot.waitSignal(panel.resumeRequested) as blocker:
        qtbot.keyClick(
            panel.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        )
    assert blocker.args == [80]
    panel.select_export(3)  # running: neither
    assert not panel.resume_action.isEnabled() and not panel.retry_action.isEnabled()


def test_state_labels_are_short_and_the_tooltip_says_the_rest(panel: HistoryPanel) -> None:
    model = panel.model
    model.update_job(JobView(30, 3, JobStatus.WAITING_FOR_EXTERNAL_TOOL, "Waiting for New Quizzes", 30.0))
    model.update_job(JobView(40, 4, JobStatus.INTERRUPTED, "Interrupted (can resume)", error="No answer from Canvas."))
    row3, row4 = model.row_for_export(3), model.row_for_export(4)
    assert model.index(row3, Column.STATE).data() == "New Quizzes… 30%"
    assert "Waiting for New Quizzes" in model.index(row3, Column.STATE).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(row4, Column.STATE).data() == "Interrupted"
    tip = model.index(row4, Column.STATE).data(Qt.ItemDataRole.ToolTipRole)
    assert "resume" in tip and "No answer from Canvas." in tip
    metrics = panel.view.fontMetrics()
    width = panel.view.horizontalHeader().sectionSize(Column.STATE)
    for row in range(model.rowCount()):  # nothing is cut ("Interrupted (can res…")
        assert metrics.horizontalAdvance(model.index(row, Column.STATE).data()) + 24 < width


def test_open_file_without_a_program_says_so_and_offers_the_folder_or_the_path(
    panel: HistoryPanel, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    saved = str(tmp_path / "course export.imscc")
    opener = FakeOpener(answer=False)  # what openUrl returns when nothing handles .imscc
    panel.set_url_opener(opener)
    panel.select_export(2)
    with qtbot.waitSignal(panel.files.failed) as failed, qtbot.waitSignal(panel.files.message) as message:
        panel.open_action.trigger()
    box = failed.args[0]
    assert box.isVisible() and ".imscc" in box.text()
    assert ".imscc" in message.args[0] and "course export.imscc" in message.args[0]
    buttons = {b.text(): b for b in box.buttons()}
    assert {"Show in folder", "Copy path"} <= set(buttons)
    opener.answer = True
    buttons["Show in folder"].click()
    assert opener.urls[-1] == QUrl.fromLocalFile(str(tmp_path))
    # the folder cannot be opened either: the path can still be copied
    opener.answer = False
    with qtbot.waitSignal(panel.files.failed) as failed:
        panel.show_in_folder_action.trigger()
    buttons = {b.text(): b for b in failed.args[0].buttons()}
    assert "Show in folder" not in buttons
    with qtbot.waitSignal(panel.files.copied):
        buttons["Copy path"].click()
    assert QGuiApplication.clipboard().text() == saved


def test_an_empty_history_says_how_to_start(qtbot) -> None:  # type: ignore[no-untyped-def]
    p = HistoryPanel(model=HistoryModel(now=lambda: NOW))
    qtbot.addWidget(p)
    p.resize(800, 300)
    p.show()
    qtbot.waitExposed(p)
    assert p.placeholder.isVisible() and p.placeholder.text().startswith("Choose a course")  # nothing chosen yet
    p.set_context_chosen(True)
    assert p.placeholder.isVisible() and p.placeholder.text() == "No exports yet — start one above."
    p.model.set_exports([export(1)])
    assert not p.placeholder.isVisible()
    p.set_filter_text("nothing like this")
    assert p.placeholder.isVisible() and "matches" in p.placeholder.text()


def test_copied_says_the_file_name_not_the_whole_path(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """Issue 13, #9: "Copied /a/very/long/path…" was clipped in the status bar."""
    long_path = "/" + "/".join(["a-rather-long-folder-name"] * 8) + "/CS 101 Zip 2026-12-06 export 9101.zip"
    window.history.pathCopied.emit(long_path)
    assert window.statusBar().currentMessage() == "Copied the path of CS 101 Zip 2026-12-06 export 9101.zip"


def test_the_window_s_empty_history_says_what_to_do_next(qtbot, window, sim) -> None:  # type: ignore[no-untyped-def]
    """Signed in, nothing chosen: "choose a course", not "start one above"."""
    from .test_main_window import choose, course_ctx

    assert window.history.placeholder.text().startswith("Choose a course, a group or My files")
    choose(qtbot, window, course_ctx(sim))
    assert not window.history.placeholder.text().startswith("Choose a course")
