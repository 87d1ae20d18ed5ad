"""One course's row, from its batch item and its jobs: what every view and the report say.

The job is the source of truth for a course that has one; the item only says what
happened before a job existed (waiting, skipped, could not start). Shared by the batch
window, `batch show`, the Activity view's batch row (its totals), `report.csv` and
`SHA256SUMS`, so they never disagree about a course's state or file.

A row names one package, its *package job*: its own job's, or for a skipped row the
package it was skipped for (an earlier export's, or, for a course named twice, the one
the other row's job saves). A skipped row follows that job: while it runs, the row shows
its state and progress, as the other row does; once saved, the row is skipped and names
the file; if it fails, the row fails with it (the course was not saved).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
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


def package_job(item: BatchItem, jobs: Mapping[int, Job]) -> Job | None:
    """The job whose package `item`'s row names (see the module docstring)."""
    job_id = item.skipped_job_id if item.state is ItemState.SKIPPED else item.job_id
    return jobs.get(job_id) if job_id is not None else None


def row_status(item: BatchItem, job: Job | None, batch_state: BatchState, package: Job | None = None) -> RowStatus:
    """`job` is the item's own job, `package` its package job when that is another one
    (a skipped row). An interrupted job (network, server, token) waits to carry on while
    the batch can still run it, and counts as failed once the batch has finished."""
    if item.state is ItemState.SKIPPED:
        if package is None or package.state is JobStatus.DONE:
            return RowStatus.SKIPPED
        job = package  # the other row's job, still on its way
    elif item.state is ItemState.FAILED:
        return RowStatus.FAILED
    if job is None:
        return RowStatus.WAITING
    if job.state is JobStatus.INTERRUPTED and batch_state is BatchState.FINISHED:
        return RowStatus.FAILED
    return ROW_OF_JOB[job.state]


def replaced_text(removed_at: datetime) -> str:
    """Why a row that was saved names no file: `--keep` (of this batch or a later one
    into the same folder) replaced its package with a newer one of the course, or found
    it deleted, moved or changed and stopped counting it (`Job.removed_at`).

    The row keeps its state (the course was saved, or skipped, by that run) but names no
    path: a path to a file that is gone, or no longer the one this app saved, would send
    a script or a person to the wrong place, and `report.csv` and `SHA256SUMS` (which
    `sha256sum -c` must pass) list only packages still kept."""
    return f"Replaced by a newer package on {removed_at.astimezone():%Y-%m-%d} (--keep): this one is not kept."


def row_view(item: BatchItem, job: Job | None, batch_state: BatchState, skipped: Job | None = None) -> BatchRowView:
    """The row of `item`; `job` is its own job, `skipped` the job whose package made it
    skipped."""
    package = skipped if item.state is ItemState.SKIPPED else job
    status = row_status(item, job, batch_state, package)
    reason = item.reason
    if job is not None and status in (RowStatus.FAILED, RowStatus.PAUSED):
        reason = job.last_error or reason
    replaced = package is not None and package.state is JobStatus.DONE and package.removed_at is not None
    if replaced:
        assert package is not None and package.removed_at is not None
        reason = " ".join(p for p in (reason, replaced_text(package.removed_at)) if p)
    kept = package is not None and not replaced
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
        progress=package.progress if package is not None and package.state is JobStatus.EXPORTING else None,
        size=(package.size or package.attachment_size) if kept and package is not None else None,
        file=str(package.saved_path)
        if kept and package is not None and package.saved_path and package.state is JobStatus.DONE
        else None,
        reason=reason,
        job_id=job.id if job is not None else None,
        export_id=package.export_id if package is not None else None,
        package_job_id=package.id if package is not None else None,
    )


def item_rows(items: list[BatchItem], jobs: Mapping[int, Job], batch_state: BatchState) -> list[BatchRowView]:
    """The rows of `items`, given their jobs (`BatchStore.jobs_shown`)."""
    return [
        row_view(item, jobs.get(item.job_id) if item.job_id is not None else None, batch_state, package_job(item, jobs))
        for item in items
    ]


def shown_path(path: Path, folder: Path) -> str:
    """A saved file as the report names it: relative to the batch folder when inside it
    (the folder can be moved or copied whole), else absolute."""
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return str(path)
