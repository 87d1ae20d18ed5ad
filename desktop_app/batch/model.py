"""What the job store records about a batch: the batch itself and one item per course."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from desktop_app.app.batch_views import BatchState
from desktop_app.canvas.models import SelectKey

DEFAULT_MAX_AT_CANVAS = 5
"""Exports of one batch running at Canvas at once: enough to keep a term moving, few
enough that Canvas's job queue and the user's rate limit stay comfortable."""
MAX_AT_CANVAS_LIMIT = 20
"""The highest `max_at_canvas` accepted (Canvas runs exports as low-priority jobs; more
at once only queues them there)."""
MAX_SKIP_DAYS = 36_500
"""The longest `skip_within_days` accepted (100 years): "that long ago" must be a date."""


class ItemState(str, enum.Enum):
    """An item's own state; once it has a job, the job's state says the rest."""

    WAITING = "waiting"  # its turn has not come
    JOB = "job"  # a job exports it (`BatchItem.job_id`)
    SKIPPED = "skipped"  # a recent verified package exists
    FAILED = "failed"  # could not even start: the course is unknown or not ours


@dataclass(frozen=True)
class BatchTarget:
    """One course to export, as chosen (from My courses, an account or a CSV row).

    `course_id` is None for a CSV row naming a SIS id: it is resolved when its turn
    comes. `extra` holds the CSV's other columns, copied into the report."""

    course_id: int | None
    sis_course_id: str | None = None
    course_code: str = ""
    name: str = ""
    term: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def reference(self) -> str:
        """How the course is named in a URL and in messages: `course:12` or
        `course:sis_course_id:BIO-1`."""
        if self.course_id is not None:
            return f"course:{self.course_id}"
        return f"course:sis_course_id:{self.sis_course_id}"


@dataclass(frozen=True)
class BatchOptions:
    """How a batch exports: the same for all its courses."""

    export_type: str
    folder: Path
    selection: dict[SelectKey, list[int]] = field(default_factory=dict)
    """The `select` hash for every course (empty: everything)."""
    skip_notifications: bool = True
    max_at_canvas: int = DEFAULT_MAX_AT_CANVAS
    skip_within_days: float | None = None
    keep: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.max_at_canvas <= MAX_AT_CANVAS_LIMIT:
            raise ValueError(f"at most 1 to {MAX_AT_CANVAS_LIMIT} exports at Canvas at once")
        days = self.skip_within_days
        if days is not None and not 0 <= days <= MAX_SKIP_DAYS:  # also False for NaN
            raise ValueError(f"--skip-if-saved-within needs a number of days from 0 to {MAX_SKIP_DAYS:,}")
        if self.keep is not None and self.keep < 1:
            raise ValueError("--keep needs 1 or more")


@dataclass(frozen=True)
class Batch:
    id: int
    name: str
    site: str
    user_id: int | None
    options: BatchOptions
    state: BatchState
    extra_columns: tuple[str, ...] = ()
    source: str = ""
    """What the courses came from, in words ("Fall 2026 of Sciences", "courses.csv")."""
    created_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class BatchItem:
    batch_id: int
    position: int
    target: BatchTarget
    state: ItemState = ItemState.WAITING
    job_id: int | None = None
    reason: str | None = None
    skipped_job_id: int | None = None
    """The earlier job whose package made this course skipped."""
