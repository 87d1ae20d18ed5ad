"""Batches in the Activity view (#14): one row per batch, first; a batch's jobs are not
listed one by one; the state filter knows batches; Enter on a batch asks for its window.
And folders shown from `~` in the batch panel's header."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import Qt

from desktop_app.app.activity import StateFilter
from desktop_app.app.batch_views import BatchState, BatchTotals
from desktop_app.app.jobs import JobTracker
from desktop_app.engine.events import JobCreated
from desktop_app.ui.activity_model import ActivityColumn, ActivityModel
from desktop_app.ui.activity_view import ActivityPanel
from desktop_app.ui.batch_view import BatchPanel
from desktop_app.ui.shown_paths import home_relative
from tests.gui.batch_factories import SITE, batch_rows, batch_view


def test_batches_come_first_and_their_jobs_are_not_listed(qapp, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    tracker = JobTracker()
    model = ActivityModel(tracker)
    model.set_site(SITE)
    qtmodeltester.check(model)
    tracker.apply(JobCreated(1, SITE, "course:12", "zip", 501))
    tracker.apply(JobCreated(2, SITE, "course:13", "common_cartridge", 502, batch_id=7))
    rows = batch_rows(20, batch_id=7)
    model.set_batches([batch_view(rows)])
    tracker.apply(JobCreated(3, SITE, "course:14", "common_cartridge", 503, batch_id=7))
    tracker.apply(JobCreated(4, SITE, "course:15", "zip", 504))
    assert model.rowCount() == 3  # the batch, then jobs 4 and 1
    assert model.batch_at(0) is not None and model.job_at(0) is None
    assert [model.job_at(r).job_id for r in (1, 2)] == [4, 1]
    assert model.index(0, ActivityColumn.WHAT).data() == "Bulk export: Fall 2026 Common Cartridge 2026-12-06"
    assert model.index(0, ActivityColumn.STATE).data() == "Running"
    totals = BatchTotals.of(rows)
    assert model.index(0, ActivityColumn.SAVED).data().startswith(f"{totals.saved} saved · {totals.running} running")
    assert 0 < model.index(0, ActivityColumn.STATE).data(ActivityModel.ProgressRole) < 100

    newer = dataclasses.replace(batch_view(rows, state=BatchState.FINISHED), batch_id=8, name="Spring")
    model.update_batch(newer)
    assert [model.batch_at(r).batch_id for r in (0, 1)] == [8, 7]  # newest first
    model.update_batch(dataclasses.replace(newer, site="https://other.school.edu", batch_id=9))
    assert model.row_for_batch(9) is None  # another site's
    model.set_site("https://other.school.edu")
    assert model.rowCount() == 0


def test_the_state_filter_and_enter_on_a_batch(qtbot) -> None:  # type: ignore[no-untyped-def]
    tracker = JobTracker()
    panel = ActivityPanel(tracker)
    qtbot.addWidget(panel)
    panel.set_site(SITE)
    rows = batch_rows(20, batch_id=7)
    paused = dataclasses.replace(batch_view(rows, state=BatchState.SIGN_IN), batch_id=8)
    panel.model.set_batches([batch_view(rows), paused])
    panel.show()
    panel.set_state_filter(StateFilter.INTERRUPTED)
    assert [b.batch_id for b in panel.visible_batches()] == [8]  # waiting for a sign-in
    panel.set_state_filter(StateFilter.FAILED)
    assert [b.batch_id for b in panel.visible_batches()] == [8, 7]  # some courses failed in both
    panel.set_state_filter(StateFilter.RUNNING)
    assert [b.batch_id for b in panel.visible_batches()] == [7]
    assert panel.select_batch(7)
    assert panel.current_job() is None and not any(a.isEnabled() for a in panel.row_actions)
    with qtbot.waitSignal(panel.batchOpenRequested) as opened:
        qtbot.keyClick(panel.view, Qt.Key.Key_Return)
    assert opened.args == [7]


def test_folders_under_home_show_from_a_tilde(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    assert home_relative(home / "Canvas exports" / "Fall", home) == str(Path("~", "Canvas exports", "Fall"))
    assert home_relative(home, home) == "~"
    assert home_relative(tmp_path / "elsewhere", home) == str(tmp_path / "elsewhere")

    folder = Path.home() / "Canvas exports" / "Fall 2026"
    panel = BatchPanel()
    qtbot.addWidget(panel)
    rows = batch_rows(3, folder=folder)
    panel.show_batch(batch_view(rows, folder=folder), rows)
    assert panel.folder_label.text() == str(Path("~", "Canvas exports", "Fall 2026"))
    assert panel.folder_label.toolTip() == str(folder)  # the full path stays at hand
