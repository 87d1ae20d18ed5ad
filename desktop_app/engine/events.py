"""Typed, immutable events a job reports while it runs.

The engine runs on one asyncio thread; the UI bridge turns these into Qt signals and the
command line prints them. Frozen dataclasses because an event crosses a thread: nobody
may change it after it was sent. Every event names its job by `job_id` (the job store's
row id) so one callback can serve many jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.canvas.errors import CanvasError
from desktop_app.engine.status import JobStatus

if TYPE_CHECKING:
    from desktop_app.canvas.models import ContentExport

__all__ = [
    "STOP_MESSAGE",
    "Event",
    "JobCreated",
    "JobDone",
    "JobDownload",
    "JobError",
    "JobEvent",
    "JobProgress",
    "JobState",
    "JobStatus",
    "JobWarning",
]


STOP_MESSAGE = "Canvas cannot cancel an export; it will finish on Canvas and you can download it later."


@dataclass(frozen=True)
class JobEvent:
    job_id: int


@dataclass(frozen=True)
class JobCreated(JobEvent):
    """A job was recorded (before any request): the UI can add its row."""

    site: str
    context: str
    export_type: str
    export_id: int | None = None  # known at once for attach(), later for a new export
    dest_dir: str | None = None
    batch_id: int | None = None  # the batch it exports a course of


@dataclass(frozen=True)
class JobState(JobEvent):
    """The job moved to another phase. `message` explains the why when there is one."""

    state: JobStatus
    label: str
    message: str = ""
    export_id: int | None = None
    expires_at: datetime | None = None
    export: ContentExport | None = None
    """Canvas's export as the engine last read it, when this phase came from it: views
    show it without reading it again."""


@dataclass(frozen=True)
class JobProgress(JobEvent):
    """Canvas's own completion (0..100) of the export, a float."""

    completion: float
    label: str = ""


@dataclass(frozen=True)
class JobDownload(JobEvent):
    """Bytes saved so far (including what a resumed `.part` already held)."""

    bytes_done: int
    total: int | None


@dataclass(frozen=True)
class JobDone(JobEvent):
    """The job reached its goal. `path` is None when the goal was not a saved file
    (a `create` without `--download`)."""

    path: Path | None
    sha256: str | None
    size: int | None
    export: ContentExport | None = None
    """Canvas's finished export (with its attachment), as the engine last read it."""


@dataclass(frozen=True)
class JobError(JobEvent):
    """Something went wrong. `resumable` tells the UI whether "Resume" makes sense; an
    `AuthError` in `error` means the token was refused (offer to enter a new one)."""

    error: CanvasError
    message: str
    resumable: bool = True
    site: str = ""  # whose token an AuthError refers to


@dataclass(frozen=True)
class JobWarning(JobEvent):
    """Worth telling, not an error (e.g. the same export type is already running)."""

    message: str


Event = JobCreated | JobState | JobProgress | JobDownload | JobDone | JobError | JobWarning
