"""Batches as the front ends see them: immutable snapshots of a batch and of its rows.

A batch (term-end bulk export) is a list of courses, each exported by one ordinary job
(`desktop_app/batch/`). The window's batch view, the Activity view and `canvas-exports
batch show` all read these snapshots, built from the job store's batch tables and the
jobs' own `JobView`s, so a course's row says exactly what its job says.

Qt-free and engine-free: plain data with the few derived facts every view needs
(labels, the filter group, totals).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


class RowStatus(str, enum.Enum):
    """Where one course of a batch stands."""

    WAITING = "waiting"  # not started yet (its turn has not come)
    SKIPPED = "skipped"  # a recent verified package exists (--skip-if-saved-within)
    AT_CANVAS = "at_canvas"  # creating, queued or exporting at Canvas
    DOWNLOADING = "downloading"  # downloading or verifying
    SAVED = "saved"  # a verified package under its final name
    FAILED = "failed"  # not allowed, not found, failed at Canvas, bad package: see reason
    PAUSED = "paused"  # stopped or interrupted; carries on when the batch resumes

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def group(self) -> "RowGroup":
        """The filter and the totals a row counts in."""
        return _GROUPS[self]


class RowGroup(str, enum.Enum):
    SAVED = "saved"  # saved or skipped: nothing left to do
    RUNNING = "running"
    WAITING = "waiting"  # waiting or paused
    FAILED = "failed"


_LABELS = {
    RowStatus.WAITING: "Waiting",
    RowStatus.SKIPPED: "Skipped (saved recently)",
    RowStatus.AT_CANVAS: "Exporting at Canvas",
    RowStatus.DOWNLOADING: "Downloading",
    RowStatus.SAVED: "Saved",
    RowStatus.FAILED: "Failed",
    RowStatus.PAUSED: "Paused",
}
_GROUPS = {
    RowStatus.WAITING: RowGroup.WAITING,
    RowStatus.SKIPPED: RowGroup.SAVED,
    RowStatus.AT_CANVAS: RowGroup.RUNNING,
    RowStatus.DOWNLOADING: RowGroup.RUNNING,
    RowStatus.SAVED: RowGroup.SAVED,
    RowStatus.FAILED: RowGroup.FAILED,
    RowStatus.PAUSED: RowGroup.WAITING,
}


class BatchState(str, enum.Enum):
    RUNNING = "running"
    PAUSED = "paused"  # by the user; nothing new starts, running jobs were stopped
    SIGN_IN = "sign_in"  # paused because Canvas refused the token: sign in again, then resume
    FINISHED = "finished"  # every course saved, skipped or failed

    @property
    def label(self) -> str:
        return {
            BatchState.RUNNING: "Running",
            BatchState.PAUSED: "Paused",
            BatchState.SIGN_IN: "Paused: sign in again",
            BatchState.FINISHED: "Finished",
        }[self]


@dataclass(frozen=True)
class BatchRowView:
    """One course of a batch, as every view shows it."""

    batch_id: int
    position: int
    """The course's place in the batch (0-based): the order it was chosen in."""
    course_id: int | None
    """Canvas's id; None while a SIS id from a CSV is not resolved yet."""
    sis_course_id: str | None
    course_code: str
    name: str
    term: str
    status: RowStatus
    progress: float | None = None
    """Percent (0..100) of the current phase: Canvas's completion, then bytes saved."""
    size: int | None = None
    file: str | None = None
    """The saved package (absolute path), for saved and skipped rows whose package is
    still kept (None once `--keep` replaced it: `reason` says so)."""
    reason: str | None = None
    """Why a row failed or was skipped, or what it waits for, in words a person can act on."""
    job_id: int | None = None
    """The course's own job (None while waiting, and for a skipped row)."""
    export_id: int | None = None
    package_job_id: int | None = None
    """The job whose state and package the row shows: its own, or for a skipped row the
    one it was skipped for (another row's, for a course named twice: the row follows it
    live, see `batches.row_with_job`)."""


@dataclass(frozen=True)
class BatchTotals:
    saved: int = 0
    """Saved or skipped: nothing left to do."""
    running: int = 0
    waiting: int = 0
    failed: int = 0
    bytes_saved: int = 0

    @property
    def total(self) -> int:
        return self.saved + self.running + self.waiting + self.failed

    @classmethod
    def of(cls, rows: Iterable[BatchRowView]) -> "BatchTotals":
        counts = dict.fromkeys(RowGroup, 0)
        saved_bytes = 0
        for row in rows:
            counts[row.status.group] += 1
            if row.status is RowStatus.SAVED and row.size:
                saved_bytes += row.size
        return cls(
            saved=counts[RowGroup.SAVED],
            running=counts[RowGroup.RUNNING],
            waiting=counts[RowGroup.WAITING],
            failed=counts[RowGroup.FAILED],
            bytes_saved=saved_bytes,
        )


@dataclass(frozen=True)
class BatchView:
    """One batch, as the Activity view and the batch view's header show it."""

    batch_id: int
    name: str
    site: str
    export_type: str
    folder: Path
    state: BatchState
    totals: BatchTotals
    created_at: datetime | None = None
    finished_at: datetime | None = None
    eta_seconds: float | None = None
    """An estimate of the time left (None until enough courses finished to tell)."""
    running_elsewhere: bool = False
    """Another process (a second window, a cron `batch resume`) is running this batch."""

    @property
    def report_path(self) -> Path:
        return self.folder / "report.csv"

    @property
    def sums_path(self) -> Path:
        return self.folder / "SHA256SUMS"
