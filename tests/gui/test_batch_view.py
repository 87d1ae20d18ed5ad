"""The batch panel: header and totals, buttons enabled by the batch's state, signals with
the batch id, the state filter with its placeholder, Open folder / Open report."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl

from desktop_app.app.batch_views import BatchRowView, BatchState, BatchTotals, RowGroup, RowStatus
from desktop_app.ui.batch_model import BatchColumn
from desktop_app.ui.batch_view import EMPTY_TEXT, NO_MATCH_TEXT, BatchPanel, time_left_text, totals_text
from tests.gui.batch_factories import batch_rows, batch_view


@pytest.fixture
def panel(qtbot) -> BatchPanel:  # type: ignore[no-untyped-def]
    p = BatchPanel()
    qtbot.addWidget(p)
    p.resize(1100, 600)
    p.show()
    return p


@pytest.fixture
def rows() -> list[BatchRowView]:
    return batch_rows(30)


def test_the_totals_line_says_what_is_done_what_is_left_and_how_long(rows) -> None:  # type: ignore[no-untyped-def]
    view = dataclasses.replace(
        batch_view(rows), totals=BatchTotals(412, 5, 80, 3, 12_400_000_000), eta_seconds=6 * 60 + 10
    )
    assert totals_text(view) == "412 saved · 5 running · 80 waiting · 3 failed · 12.4 GB · about 6 min left"
    paused = dataclasses.replace(view, state=BatchState.PAUSED, totals=BatchTotals(0, 0, 500, 0, 0))
    assert totals_text(paused) == "0 saved · 0 running · 500 waiting · 0 failed"  # no bytes, no estimate
    assert time_left_text(20) == "less than a minute left"
    assert time_left_text(2 * 3600 + 600) == "about 2 h 10 min left"
    assert time_left_text(3 * 3600) == "about 3 h left"


def test_show_batch_fills_the_header_the_filter_counts_and_the_rows(panel: BatchPanel, rows) -> None:  # type: ignore[no-untyped-def]
    view = batch_view(rows)
    panel.show_batch(view, rows)
    assert panel.name_label.text() == view.name
    assert "Running" in panel.state_label.text()
    assert panel.totals_label.text() == totals_text(view)
    assert panel.model.rowCount() == 30
    labels = [panel.group_combo.itemText(i) for i in range(panel.group_combo.count())]
    assert labels[0] == "All (30)"
    assert f"Failed ({view.totals.failed})" in labels
    assert not panel.placeholder.isVisible()


@pytest.mark.parametrize(
    ("state", "failed", "enabled"),
    [
        (BatchState.RUNNING, False, {"pause"}),
        (BatchState.RUNNING, True, {"pause", "retry"}),
        (BatchState.PAUSED, False, {"resume"}),
        (BatchState.SIGN_IN, False, {"resume"}),
        (BatchState.FINISHED, True, {"retry"}),
        (BatchState.FINISHED, False, set()),
    ],
)
def test_buttons_are_enabled_by_the_batch_state(panel: BatchPanel, rows, state, failed, enabled) -> None:  # type: ignore[no-untyped-def]
    if not failed:
        rows = [r for r in rows if r.status is not RowStatus.FAILED]
    panel.show_batch(batch_view(rows, state=state), rows)
    actual = {
        name
        for name, button in (
            ("pause", panel.pause_button),
            ("resume", panel.resume_button),
            ("retry", panel.retry_button),
        )
        if button.isEnabled()
    }
    assert actual == enabled


def test_a_batch_run_by_another_process_cannot_be_steered_here(panel: BatchPanel, rows) -> None:  # type: ignore[no-untyped-def]
    panel.show_batch(batch_view(rows, running_elsewhere=True), rows)
    assert not panel.pause_button.isEnabled() and not panel.retry_button.isEnabled()
    assert "elsewhere" in panel.state_label.text()
    assert "running this batch" in panel.pause_button.toolTip()


def test_the_buttons_emit_the_batch_id(qtbot, panel: BatchPanel, rows) -> None:  # type: ignore[no-untyped-def]
    panel.show_batch(batch_view(rows), rows)
    with qtbot.waitSignal(panel.pauseRequested) as paused:
        qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    assert paused.args == [7]
    with qtbot.waitSignal(panel.retryFailedRequested) as retried:
        qtbot.mouseClick(panel.retry_button, Qt.MouseButton.LeftButton)
    assert retried.args == [7]
    panel.update_batch(batch_view(rows, state=BatchState.SIGN_IN))
    assert panel.resume_button.isEnabled() and not panel.pause_button.isEnabled()
    with qtbot.waitSignal(panel.resumeRequested) as resumed:
        qtbot.mouseClick(panel.resume_button, Qt.MouseButton.LeftButton)
    assert resumed.args == [7]


def test_another_batchs_header_and_rows_are_ignored(panel: BatchPanel, rows) -> None:  # type: ignore[no-untyped-def]
    view = batch_view(rows)
    panel.show_batch(view, rows)
    other = dataclasses.replace(view, batch_id=8, name="Another batch")
    panel.update_batch(other)
    assert panel.name_label.text() == view.name
    assert not panel.update_row(dataclasses.replace(rows[0], batch_id=8, status=RowStatus.FAILED))
    assert panel.update_row(dataclasses.replace(rows[0], status=RowStatus.FAILED, reason="Gone"))
    assert panel.model.index(0, BatchColumn.REASON).data() == "Gone"


def test_open_folder_and_open_report_open_the_batch_folder_and_its_report(qtbot, panel, rows, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    opened: list[str] = []
    panel.files.set_opener(lambda url: opened.append(url.toLocalFile()) or True)
    view = batch_view(rows, folder=tmp_path)
    panel.show_batch(view, rows)
    assert panel.open_folder_button.isEnabled()
    assert not panel.open_report_button.isEnabled()  # not written yet
    view.report_path.write_text("course_id\n")
    panel.update_batch(view)
    qtbot.mouseClick(panel.open_folder_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.open_report_button, Qt.MouseButton.LeftButton)
    assert opened == [str(tmp_path), str(view.report_path)]
    assert QUrl.fromLocalFile(opened[0]).isLocalFile()


def test_a_missing_folder_disables_open_folder(panel: BatchPanel, rows, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel.show_batch(batch_view(rows, folder=tmp_path / "gone"), rows)
    assert not panel.open_folder_button.isEnabled() and not panel.open_report_button.isEnabled()


def test_the_filter_shows_one_state_and_says_when_none_is_in_it(qtbot, panel: BatchPanel, rows) -> None:  # type: ignore[no-untyped-def]
    rows = [r for r in rows if r.status is not RowStatus.FAILED]
    panel.show_batch(batch_view(rows), rows)
    panel.group_combo.setCurrentIndex(panel.group_combo.findData("running"))
    assert panel.visible_rows() and all(r.status.group is RowGroup.RUNNING for r in panel.visible_rows())
    panel.set_group_filter(RowGroup.FAILED)
    assert panel.group_filter() is RowGroup.FAILED
    qtbot.waitUntil(panel.placeholder.isVisible)
    assert panel.placeholder.text() == NO_MATCH_TEXT
    # a course fails: the placeholder goes, the row shows
    panel.update_row(dataclasses.replace(rows[0], status=RowStatus.FAILED, reason="Canvas failed"))
    qtbot.waitUntil(lambda: not panel.placeholder.isVisible())
    assert [r.position for r in panel.visible_rows()] == [0]


def test_an_empty_batch_says_so(qtbot, panel: BatchPanel) -> None:  # type: ignore[no-untyped-def]
    panel.show_batch(batch_view([]), [])
    qtbot.waitUntil(panel.placeholder.isVisible)
    assert panel.placeholder.text() == EMPTY_TEXT


def test_a_header_click_sorts_and_a_third_goes_back_to_the_batch_order(qtbot, panel: BatchPanel, rows) -> None:  # type: ignore[no-untyped-def]
    panel.show_batch(batch_view(rows), rows)
    header = panel.view.horizontalHeader()
    assert header.sortIndicatorSection() == -1
    x = header.sectionViewportPosition(BatchColumn.STATE) + 5
    for _ in range(2):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert header.sortIndicatorSection() == BatchColumn.STATE
    assert panel.visible_rows() != rows
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert panel.visible_rows() == rows
