"""The batch view's table model: texts, progress, one-row updates, sorting and the state filter."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt

from desktop_app.app.batch_views import RowGroup, RowStatus
from desktop_app.ui.batch_model import BATCH_ORDER, BatchColumn, BatchFilterProxy, BatchRowsModel
from tests.gui.batch_factories import batch_rows

TOOLTIP = Qt.ItemDataRole.ToolTipRole


@pytest.fixture
def model(qapp, qtmodeltester) -> BatchRowsModel:  # type: ignore[no-untyped-def]
    m = BatchRowsModel()
    m.set_rows(batch_rows(40))
    qtmodeltester.check(m)
    return m


@pytest.fixture
def proxy(model: BatchRowsModel, qtmodeltester) -> BatchFilterProxy:  # type: ignore[no-untyped-def]
    p = BatchFilterProxy()
    p.setSourceModel(model)
    qtmodeltester.check(p)
    return p


def texts(model, column: BatchColumn) -> list[str]:  # type: ignore[no-untyped-def]
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_columns_show_the_course_its_state_size_file_and_reason(model: BatchRowsModel) -> None:
    rows = model.rows()
    assert [r.position for r in rows] == list(range(40))  # the batch's order
    saved = next(r for r in range(40) if rows[r].status is RowStatus.SAVED)
    assert model.index(saved, BatchColumn.COURSE).data() == f"{rows[saved].course_code} · {rows[saved].name}"
    assert model.index(saved, BatchColumn.SIS_ID).data() == rows[saved].sis_course_id
    assert model.index(saved, BatchColumn.TERM).data() == "Fall 2026"
    assert model.index(saved, BatchColumn.STATE).data() == "Saved"
    assert model.index(saved, BatchColumn.SIZE).data().endswith("MB")
    assert model.index(saved, BatchColumn.FILE).data().endswith("-export.imscc")
    assert model.index(saved, BatchColumn.FILE).data(TOOLTIP) == rows[saved].file  # the full path
    assert model.index(saved, BatchColumn.STATE).data(BatchRowsModel.ProgressRole) is None
    failed = next(r for r in range(40) if rows[r].status is RowStatus.FAILED)
    assert model.index(failed, BatchColumn.REASON).data() == rows[failed].reason
    assert rows[failed].reason in model.index(failed, BatchColumn.STATE).data(TOOLTIP)


def test_a_running_course_shows_its_percentage_and_a_bar(model: BatchRowsModel) -> None:
    row = model.row_at(0)
    model.update_row(dataclasses.replace(row, status=RowStatus.DOWNLOADING, progress=41.6))
    assert model.index(0, BatchColumn.STATE).data() == "Downloading 42%"
    assert model.index(0, BatchColumn.STATE).data(BatchRowsModel.ProgressRole) == 41.6
    model.update_row(dataclasses.replace(row, status=RowStatus.AT_CANVAS, progress=None))
    assert model.index(0, BatchColumn.STATE).data() == "Exporting at Canvas"
    assert model.index(0, BatchColumn.STATE).data(BatchRowsModel.ProgressRole) is None


def test_a_course_known_only_by_its_sis_id_is_named_by_it(model: BatchRowsModel) -> None:
    row = dataclasses.replace(model.row_at(3), course_id=None, course_code="", name="", sis_course_id="BIO-1")
    model.update_row(row)
    assert model.index(3, BatchColumn.COURSE).data() == "BIO-1"
    assert "not found in Canvas yet" in model.index(3, BatchColumn.COURSE).data(TOOLTIP)


def test_update_row_changes_that_row_alone(qtbot, model: BatchRowsModel) -> None:  # type: ignore[no-untyped-def]
    row = model.row_at(25)
    with qtbot.waitSignal(model.dataChanged) as changed:
        assert model.update_row(dataclasses.replace(row, status=RowStatus.SAVED, size=1234))
    top_left, bottom_right = changed.args[:2]
    assert (top_left.row(), bottom_right.row()) == (25, 25)
    assert (top_left.column(), bottom_right.column()) == (0, len(BatchRowsModel.HEADERS) - 1)
    assert model.index(25, BatchColumn.SIZE).data() == "1.2 KB"


def test_rows_of_another_batch_or_position_are_refused(model: BatchRowsModel) -> None:
    row = model.row_at(0)
    assert not model.update_row(dataclasses.replace(row, batch_id=row.batch_id + 1))
    assert not model.update_row(dataclasses.replace(row, position=400))
    assert model.row_at(0) == row


def test_sorting_by_state_puts_failures_first_and_keeps_them_there_as_rows_change(model: BatchRowsModel) -> None:
    model.sort(BatchColumn.STATE, Qt.SortOrder.AscendingOrder)
    statuses = [r.status for r in model.rows()]
    assert statuses[0] is RowStatus.FAILED and statuses[-1] is RowStatus.SAVED
    # a new percentage does not move a row; a new state does
    running = next(r for r in model.rows() if r.status is RowStatus.DOWNLOADING)
    at = model.model_row_of(running.position)
    model.update_row(dataclasses.replace(running, progress=99.0))
    assert model.model_row_of(running.position) == at
    model.update_row(dataclasses.replace(running, status=RowStatus.FAILED, progress=None, reason="Canvas failed"))
    assert model.model_row_of(running.position) < at  # type: ignore[operator]
    assert model.row_at(model.model_row_of(running.position)).reason == "Canvas failed"  # type: ignore[arg-type]
    model.sort(BATCH_ORDER)
    assert [r.position for r in model.rows()] == list(range(40))


def test_sorting_by_size_keeps_a_persistent_index_on_its_course(model: BatchRowsModel) -> None:
    from PySide6.QtCore import QPersistentModelIndex

    kept = QPersistentModelIndex(model.index(10, BatchColumn.COURSE))
    course = model.row_at(10)
    model.sort(BatchColumn.SIZE, Qt.SortOrder.DescendingOrder)
    sizes = [r.size if r.size is not None else -1 for r in model.rows()]
    assert sizes == sorted(sizes, reverse=True)
    assert model.row_at(kept.row()) == course
    assert kept.column() == BatchColumn.COURSE


def test_the_filter_shows_one_group(model: BatchRowsModel, proxy: BatchFilterProxy) -> None:
    for group in RowGroup:
        proxy.set_group(group)
        shown = [proxy.index(r, 0).data(BatchRowsModel.RowRole) for r in range(proxy.rowCount())]
        assert shown and all(row.status.group is group for row in shown)
        assert len(shown) == sum(1 for row in model.rows() if row.status.group is group)
    proxy.set_group(None)
    assert proxy.rowCount() == 40


def test_a_row_that_changes_group_leaves_the_filtered_view(model: BatchRowsModel, proxy: BatchFilterProxy) -> None:
    proxy.set_group(RowGroup.RUNNING)
    before = proxy.rowCount()
    running = proxy.index(0, 0).data(BatchRowsModel.RowRole)
    model.update_row(dataclasses.replace(running, status=RowStatus.SAVED, progress=None))
    assert proxy.rowCount() == before - 1


def test_a_header_click_sorts_through_the_proxy(model: BatchRowsModel, proxy: BatchFilterProxy) -> None:
    proxy.sort(BatchColumn.COURSE, Qt.SortOrder.AscendingOrder)
    names = [proxy.index(r, BatchColumn.COURSE).data().casefold() for r in range(proxy.rowCount())]
    assert names == sorted(names)
    assert model.sort_column() == BatchColumn.COURSE
