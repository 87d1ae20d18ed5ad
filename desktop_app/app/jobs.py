"""Jobs as the front ends see them: one `JobTracker`, the single source of truth.

A job's state used to live in five places in the window (the bridge's phases, three
dicts and the history rows), so views could disagree. Now the engine's events and the
job store's rows go into one tracker, which keeps an immutable `JobView` per job and
tells its observers about each change; the history, the Activity view, the status bar
and the notifications all read from it.

Single-threaded and Qt-free: the window feeds it on the GUI thread (the bridge applies
each event before re-emitting it), the command line on its loop. Importing it loads no
engine module: the event classes are imported when the first event is applied.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from desktop_app.engine.status import JobStatus

if TYPE_CHECKING:
    from desktop_app.engine.events import JobEvent
    from desktop_app.engine.store import Job

Observer = Callable[["JobView"], None]


@dataclass(frozen=True)
class JobView:
    """One job as every view shows it, as one immutable snapshot.

    ``progress`` is a percentage (0..100): Canvas's completion while exporting, the
    share of bytes while downloading; None when unknown. ``site`` and ``context`` say
    whose it is; they are empty for a job known only from an event until the store's
    row arrives (`JobTracker.merge`).
    """

    job_id: int
    export_id: int | None = None
    status: JobStatus = JobStatus.CREATING
    state_text: str = ""
    progress: float | None = None
    bytes_done: int = 0
    bytes_total: int | None = None
    saved_path: str | None = None
    error: str | None = None
    export_type: str | None = None
    created_at: datetime | None = None
    site: str = ""
    context: str = ""
    error_kind: str | None = None
    """The error's class name (``ServerError``, ``AuthError``, ...) while failed or
    interrupted: it decides whether Retry starts a new export and whether the app
    retries by itself once Canvas answers again."""
    updated_at: datetime | None = None
    batch_id: int | None = None
    """The batch the job exports a course of (None: a single export): the Activity view
    shows a batch as one row, and its batch view shows the job's course."""
    note: str | None = None
    """What the engine is doing about a passing problem while the job carries on (e.g.
    "The download stopped (the connection broke). Trying again in 8 s."): shown until the
    job moves on, so a bar that stands still says why."""

    @property
    def is_watching(self) -> bool:
        """The app is still working on it (or will resume it): "Stop watching" applies."""
        return not self.status.is_terminal

    @property
    def is_transferring(self) -> bool:
        return self.status in (JobStatus.DOWNLOADING, JobStatus.VERIFYING)

    @property
    def can_resume(self) -> bool:
        """Interrupted (network, token, disk) or stopped: it can carry on where it stood."""
        return self.status in (JobStatus.INTERRUPTED, JobStatus.STOPPED)

    @property
    def can_forget(self) -> bool:
        """Nobody works on it: saved, failed, expired, stopped or interrupted ("Remove from
        list"; the job store still refuses a job another process has taken up)."""
        return self.status.is_terminal or self.status is JobStatus.INTERRUPTED

    @property
    def can_retry(self) -> bool:
        """Failed or expired: Retry resumes it, or starts a new export of the same selection."""
        return self.status in (JobStatus.FAILED, JobStatus.EXPIRED)

    @classmethod
    def from_job(cls, job: Job) -> "JobView":
        """From a job store row (at start-up, before any live event arrives)."""
        return cls(
            job_id=job.id,
            export_id=job.export_id,
            status=job.state,
            state_text=job.state.label,
            # Canvas's completion is only meaningful while exporting; a queued job shows no bar
            progress=job.progress if job.state is JobStatus.EXPORTING else None,
            bytes_total=job.size or job.attachment_size,
            saved_path=str(job.saved_path) if job.saved_path else None,
            error=job.last_error,
            export_type=job.export_type,
            created_at=job.export_created_at or job.created_at,
            site=job.site,
            context=job.context,
            error_kind=job.error_kind if job.state in _TROUBLED else None,
            updated_at=job.updated_at,
            batch_id=job.batch_id,
        )

    def apply(self, event: JobEvent) -> "JobView":
        """This snapshot updated by one engine event (events of other jobs are ignored);
        `updated_at` moves only when something else changed, so a repeated event is no
        change for the observers."""
        if event.job_id != self.job_id:
            return self
        changed = self._applied(event)
        return self if changed == self else dataclasses.replace(changed, updated_at=_now())

    def _applied(self, event: JobEvent) -> "JobView":
        # the event classes come with the engine, after the first frame (see engine/status.py)
        from desktop_app.engine.events import JobCreated, JobDone, JobDownload, JobError, JobProgress, JobState

        replace = dataclasses.replace
        if isinstance(event, JobCreated):
            return replace(
                self,
                export_id=event.export_id or self.export_id,
                export_type=event.export_type,
                site=event.site,
                context=event.context,
                batch_id=event.batch_id,
            )
        if isinstance(event, JobState):
            troubled = event.state in (JobStatus.FAILED, JobStatus.INTERRUPTED)
            # The last known percentage stays through a phase change (queued -> exporting,
            # downloading -> verifying) so the bar does not blank until the next progress
            # event; it goes when the state has no percentage (ended, interrupted) or when
            # "percent" starts to mean something else (Canvas's completion -> bytes saved).
            kind = _progress_kind(event.state)
            keep = kind is not None and kind == _progress_kind(self.status)
            return replace(
                self,
                status=event.state,
                state_text=event.label or event.state.label,
                export_id=event.export_id or self.export_id,
                progress=self.progress if keep else None,
                error=(event.message or self.error) if troubled else None,
                error_kind=self.error_kind if troubled else None,
                note=event.message if event.message and not (troubled or event.state.is_terminal) else None,
            )
        if isinstance(event, JobProgress):
            return replace(self, progress=float(event.completion), state_text=event.label or self.state_text, note=None)
        if isinstance(event, JobDownload):
            pct = 100.0 * event.bytes_done / event.total if event.total else None
            moved = event.bytes_done != self.bytes_done  # bytes arrive again: the trouble is over
            return replace(
                self,
                note=None if moved else self.note,
                status=JobStatus.DOWNLOADING
                if self.status not in (JobStatus.DOWNLOADING, JobStatus.VERIFYING)
                else self.status,
                bytes_done=event.bytes_done,
                bytes_total=event.total,
                progress=pct,
            )
        if isinstance(event, JobDone):
            return replace(
                self,
                status=JobStatus.DONE,
                state_text=JobStatus.DONE.label,
                progress=None,
                saved_path=str(event.path) if event.path else self.saved_path,
                bytes_total=event.size if event.size is not None else self.bytes_total,
                error=None,
                error_kind=None,
                note=None,
            )
        if isinstance(event, JobError):
            return replace(self, error=event.message, error_kind=type(event.error).__name__)
        return self


_TROUBLED = frozenset({JobStatus.FAILED, JobStatus.INTERRUPTED, JobStatus.EXPIRED})


def _now() -> datetime:
    return datetime.now(timezone.utc)


_EXPORT_PHASES = frozenset(
    {
        JobStatus.CREATING,
        JobStatus.QUEUED,
        JobStatus.WAITING_FOR_EXTERNAL_TOOL,
        JobStatus.EXPORTING,
    }
)
_TRANSFER_PHASES = frozenset({JobStatus.DOWNLOADING, JobStatus.VERIFYING})


def _progress_kind(status: JobStatus) -> str | None:
    """What a job's percentage means in this state: Canvas's completion ("export"), the
    share of the package saved ("transfer"), or nothing (ended, stopped, interrupted)."""
    if status in _EXPORT_PHASES:
        return "export"
    if status in _TRANSFER_PHASES:
        return "transfer"
    return None


class JobTracker:
    """Every job this front end knows, by id, kept current from events and the store."""

    def __init__(self) -> None:
        self._views: dict[int, JobView] = {}
        self._observers: list[Observer] = []
        self._removal_observers: list[Observer] = []

    def subscribe(self, observer: Observer) -> Callable[[], None]:
        """Call `observer(view)` after each change; returns the function that unsubscribes."""
        return _listen(self._observers, observer)

    def subscribe_removals(self, observer: Observer) -> Callable[[], None]:
        """Call `observer(view)`, with its last view, for each job taken off the list
        (`remove`); returns the function that unsubscribes."""
        return _listen(self._removal_observers, observer)

    def remove(self, job_ids: Iterable[int]) -> None:
        """Jobs taken off the local list (`usecases.forget_jobs`): no view shows them again."""
        for job_id in job_ids:
            view = self._views.pop(job_id, None)
            if view is not None:
                for observer in list(self._removal_observers):
                    observer(view)

    def get(self, job_id: int) -> JobView | None:
        return self._views.get(job_id)

    def views(self) -> list[JobView]:
        """All known jobs, newest first."""
        return sorted(self._views.values(), key=lambda v: v.job_id, reverse=True)

    def for_context(self, site: str, context: str) -> list[JobView]:
        return [v for v in self.views() if v.site == site and v.context == context]

    def apply(self, event: JobEvent) -> JobView:
        """Fold one engine event in (a job first seen in an event starts blank)."""
        current = self._views.get(event.job_id) or JobView(event.job_id)
        return self._put(current.apply(event))

    def merge(self, jobs: Iterable[Job]) -> list[JobView]:
        """Rows read from the job store. A job already followed through events keeps its
        live state (the row may be older than the last event); it only gains what the
        events do not carry (site, context, type). Returns the merged views."""
        merged = []
        for job in jobs:
            stored = JobView.from_job(job)
            live = self._views.get(job.id)
            view = (
                stored
                if live is None
                else dataclasses.replace(
                    live,
                    site=job.site,
                    context=job.context,
                    export_type=live.export_type or stored.export_type,
                    created_at=live.created_at or stored.created_at,
                    error_kind=live.error_kind or (stored.error_kind if live.status is stored.status else None),
                    updated_at=max((t for t in (live.updated_at, stored.updated_at) if t is not None), default=None),
                )
            )
            merged.append(self._put(view))
        return merged

    def counts(self) -> tuple[int, int]:
        """(exports running at Canvas, downloads) among the jobs being worked on."""
        running = sum(1 for v in self._views.values() if v.status in _EXPORT_PHASES)
        downloading = sum(1 for v in self._views.values() if v.status in _TRANSFER_PHASES)
        return running, downloading

    def clear(self) -> None:
        """Forget every job (another site or user signed in)."""
        self._views.clear()

    def _put(self, view: JobView) -> JobView:
        if self._views.get(view.job_id) != view:
            self._views[view.job_id] = view
            for observer in list(self._observers):
                observer(view)
        return view


def _listen(observers: list[Observer], observer: Observer) -> Callable[[], None]:
    """Add `observer` to the list; the function that takes it out again."""
    observers.append(observer)
    return lambda: observers.remove(observer) if observer in observers else None
