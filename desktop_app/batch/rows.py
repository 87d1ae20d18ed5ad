"""One course's row, from its batch item and its job: what every view and the report say.

The job is the source of truth for a course that has one; the item only says what
happened before a job existed (waiting, skipped, could not start). Shared by the batch
view, `batch show` and `report.csv`, so they never disagree.
"""

from __future__ import annotations

from pathlib import Path

from desktop_app.app.batch_views import BatchRowView, BatchState, RowStatus
from desktop_app.batch.model import BatchItem, ItemState
from desktop_app.engine.status import JobStatus
from desktop_app.engine.store import Job

ROW_OF_JOB = {
    JobStatus.CREATING: RowStatus.AT_CANVAS,
    JobStatus.QUEUED: RowStatus.AT_CANVAS,
    JobStatus.WAITING_FOR_EXTERNAL_TOOL: RowStatus.AT_CANVAS,
    JobStatus.EXPORTING: RowStatus.AT_CANVAS,
    JobStatus.DOWNLOADING: RowStatus.DOWNLOADING,
    JobStatus.VERIFYING: RowStatus.DOWNLOADING,
    JobStatus.DONE: RowStatus.SAVED,
    JobStatus.FAILED: RowStatus.FAILED,
    JobStatus.EXPIRED: RowStatus.FAILED,
    JobStatus.STOPPED: RowStatus.PAUSED,
    JobStatus.INTERRUPTED: RowStatus.PAUSED,  # the runner tries it again
}
"""A course's row status while its job is in each state (the batch still running)."""


def row_status(item: BatchItem, job: Job | None, batch_state: BatchState) -> RowStatus:
    """An interrupted job (network, server, token) waits to carry on while the batch
    can still run it, and counts as failed once the batch has finished."""
    if item.state is ItemState.SKIPPED:
        return RowStatus.SKIPPED
    if item.state is ItemState.FAILED:
        return RowStatus.FAILED
    if job is None:
        return RowStatus.WAITING
    if job.state is JobStatus.INTERRUPTED and batch_state is BatchState.FINISHED:
        return RowStatus.FAILED
    return ROW_OF_JOB[job.state]


def row_view(item: BatchItem, job: Job | None, batch_state: BatchState, skipped: Job | None = None) -> BatchRowView:
    """The row of `item`; `skipped` is the earlier job whose package made it skipped."""
    status = row_status(item, job, batch_state)
    shown = skipped if status is RowStatus.SKIPPED else job
    reason = item.reason
    if job is not None and status in (RowStatus.FAILED, RowStatus.PAUSED):
        reason = job.last_error or reason
    target = item.target
    return BatchRowView(
        batch_id=item.batch_id,
        position=item.position,
        course_id=target.course_id,
        sis_course_id=target.sis_course_id,
        course_code=target.course_code,
        name=target.name,
        term=target.term,
        status=status,
        progress=job.progress if job is not None and job.state is JobStatus.EXPORTING else None,
        size=(shown.size or shown.attachment_size) if shown is not None else None,
        file=str(shown.saved_path) if shown is not None and shown.saved_path else None,
        reason=reason,
        job_id=job.id if job is not None else None,
        export_id=shown.export_id if shown is not None else None,
    )


def shown_path(path: Path, folder: Path) -> str:
    """A saved file as the report names it: relative to the batch folder when inside it
    (the folder can be moved or copied whole), else absolute."""
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return str(path)
