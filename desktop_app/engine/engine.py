"""The export engine: jobs that survive restarts, verified downloads, no duplicates.

A job is one export taken from "please export this" to "a verified package on disk":

    create (POST, never retried blindly) -> poll (adaptive) -> download (.part, resume)
    -> verify (size, zip CRCs, manifest, SHA-256) -> done | failed | expired | stopped

Each job runs as an asyncio task on the engine's loop (one background thread in the
GUI, `asyncio.run` in the CLI). Every step is recorded in the job store *before* the
next begins, so a job killed at any moment carries on from where it stood after
`resume_unfinished()`: a job whose POST may have been sent looks for the export that
POST created before it creates another; a job with an export polls it; a job that was
downloading re-reads the export (for a fresh `attachment.url`) and continues its
`.part` file.

Errors never lose a job. Token refused, Canvas unreachable, disk full: the job becomes
`interrupted` (resumable) and a JobError says why; `AuthError` in it tells the UI to ask
for a new token. Canvas's own verdicts (export failed, package expired) end the job.

Threading: every coroutine method must run on the engine's loop. `job()` and `jobs()`
are plain reads of the store and may be called from any thread.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from desktop_app.canvas.api import ExportsApi
from desktop_app.canvas.errors import (
    AuthError,
    CanvasError,
    NotAuthorizedError,
    PackageError,
    RetryAfterTooLongError,
    ServerError,
    ThrottledError,
    UnreachableError,
)
from desktop_app.canvas.models import (
    DEFAULT_EXPIRE_DAYS,
    ContentExport,
    Context,
    ExportType,
    SelectKey,
    WorkflowState,
)
from desktop_app.canvas.validation import coerce_export_type, coerce_select_key, validate_export_request
from desktop_app.engine.download import (
    DownloadPolicy,
    Retrying,
    download_to_part,
    fsync_alongside,
    part_path_for,
    safe_filename,
)
from desktop_app.engine.errors import (
    ExportExpiredError,
    ExportFailedError,
    JobBusyError,
    LocalStorageError,
    StoreError,
    UnexpectedError,
)
from desktop_app.engine.events import (
    STOP_MESSAGE,
    Event,
    JobCreated,
    JobDone,
    JobDownload,
    JobError,
    JobProgress,
    JobState,
    JobStatus,
    JobWarning,
)
from desktop_app.engine.limits import DEFAULT_MAX_CONCURRENT, ResizableLimiter
from desktop_app.engine.names import context_label_of, package_name
from desktop_app.engine.ownership import LEASE_TTL, Holder
from desktop_app.engine.partfile import AlreadySaved, PartFile, claim_part, commit_part, numbered
from desktop_app.engine.polling import Observation, PollPolicy, next_interval, workflow_from_progress
from desktop_app.engine.status import Goal
from desktop_app.engine.store import Job, JobStore, Kept
from desktop_app.engine.verify import VerifiedPackage, sha256_of, verify_package

log = logging.getLogger(__name__)

ClientSource = Mapping[str, ExportsApi] | Callable[[str], ExportsApi]
"""site (base URL) -> CanvasClient: a dict, or a factory (it may raise AuthError('missing'))."""


_STATUS_OF = {
    WorkflowState.CREATED: JobStatus.QUEUED,
    WorkflowState.WAITING_FOR_EXTERNAL_TOOL: JobStatus.WAITING_FOR_EXTERNAL_TOOL,
    WorkflowState.EXPORTING: JobStatus.EXPORTING,
}
_TRANSIENT = (ServerError, UnreachableError, ThrottledError)
_RESUMABLE = (AuthError, ServerError, UnreachableError, ThrottledError, LocalStorageError, UnexpectedError)

CREATE_ATTEMPTS = 5
"""POSTs in all for one create, when each failure is followed by a list read proving
Canvas did not create the export (a proxy's 502/503 never reached it)."""
CREATE_RETRY_DELAY = 8.0
"""Wait before the second POST, doubling after: 8 + 16 + 32 + 64 s, about two minutes in
all, enough for a proxy or a Canvas restart to recover."""


@dataclass(frozen=True)
class EngineConfig:
    """Knobs; the defaults suit a desktop. Tests shrink the delays."""

    max_concurrent: int = DEFAULT_MAX_CONCURRENT
    """Jobs per Canvas site that may create an export at the same time (polling is
    cheap and not limited here; the client bounds requests in flight)."""
    max_downloads: int = DEFAULT_MAX_CONCURRENT
    """Jobs per Canvas site that may download at the same time. Both limits can be
    changed while jobs run: `Engine.set_max_concurrent`."""
    poll: PollPolicy = PollPolicy()
    download: DownloadPolicy = DownloadPolicy()
    create_skew: timedelta = timedelta(minutes=2)
    """How much earlier than our request start an export may claim to be created and
    still be adopted after an ambiguous create (clock skew between us and Canvas)."""
    lease_ttl: float = LEASE_TTL
    """Seconds a job's lease lasts unless renewed (renewed every third of it while the
    job runs): how long a crashed holder on another computer blocks its jobs."""
    create_attempts: int = CREATE_ATTEMPTS
    create_retry_delay: float = CREATE_RETRY_DELAY
    resume_when_canvas_allows: bool = True
    """After Canvas asks for a wait longer than the client accepts (RetryAfterTooLongError),
    the job is interrupted and says until when; with this on, it carries on by itself at
    that time if this engine still runs (the app). The command line ends at once anyway."""
    poll_failures: int = 4
    """Extra polling rounds after the client's own retries gave up, before interrupting."""
    poll_failure_delay: float = 5.0
    expire_days: int = DEFAULT_EXPIRE_DAYS
    running_check: int = 20
    """Newest exports looked at for "the same export type is already running"."""
    download_event_interval: float = 0.2
    """Seconds between JobDownload events (the UI throttles further)."""


class Engine:
    """Runs export jobs. See the module docstring."""

    def __init__(
        self,
        store: JobStore,
        clients: ClientSource,
        emit: Callable[[Event], None] | None = None,
        *,
        max_concurrent: int | None = None,
        max_downloads: int | None = None,
        config: EngineConfig = EngineConfig(),
        sleep: Callable[[float], Any] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_concurrent is not None:
            config = replace(config, max_concurrent=max_concurrent)
        if max_downloads is not None:
            config = replace(config, max_downloads=max_downloads)
        self.store = store
        self.config = config
        self._clients = clients
        self._emit_cb = emit
        self._listeners: list[Callable[[Event], None]] = []
        self._sleep = sleep
        self._clock = clock
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._stopping: set[int] = set()
        self._site_limits: dict[str, ResizableLimiter] = {}
        self._download_limits: dict[str, ResizableLimiter] = {}
        self._user_ids: dict[str, int] = {}
        self._closed = False
        self._wakeups: dict[int, asyncio.Task[None]] = {}
        """Jobs waiting for the time Canvas asked for, to carry on by themselves."""
        self.holder = Holder.new()
        """This engine's identity in the job store's leases (one worker per job)."""

    # ------------------------------------------------------------------ public API

    def job(self, job_id: int) -> Job | None:
        return self.store.get(job_id)

    def jobs(self) -> list[Job]:
        return self.store.jobs()

    def set_max_concurrent(self, max_concurrent: int, *, max_downloads: int | None = None) -> None:
        """Change how many jobs per site may create (and, with `max_downloads`, download)
        at once, effective now: waiting jobs start at once when the limit rises; when it
        falls, jobs already creating or downloading finish and no new one starts until
        fewer than the new limit are left. Call on the engine's loop."""
        if max_concurrent < 1 or (max_downloads is not None and max_downloads < 1):
            raise ValueError("the limits must be at least 1")
        self.config = replace(
            self.config,
            max_concurrent=max_concurrent,
            max_downloads=self.config.max_downloads if max_downloads is None else max_downloads,
        )
        for limiter in self._site_limits.values():
            limiter.set_limit(self.config.max_concurrent)
        for limiter in self._download_limits.values():
            limiter.set_limit(self.config.max_downloads)

    def set_max_unannounced_size(self, size: int) -> None:
        """The most a download saves when Canvas announces no size (downloads starting
        from now). Call on the engine's loop."""
        if size < 1:
            raise ValueError("the limit must be at least 1 byte")
        self.config = replace(self.config, download=replace(self.config.download, max_unannounced_size=size))

    def is_running(self, job_id: int) -> bool:
        task = self._tasks.get(job_id)
        return task is not None and not task.done()

    async def start_export(
        self,
        site: str,
        ctx: Context | str,
        export_type: ExportType | str,
        select: Mapping[SelectKey | str, Iterable[int]] | None = None,
        skip_notifications: bool = False,
        dest_dir: Path | str | None = None,
        *,
        goal: Goal | None = None,
        user_id: int | None = None,
        context_label: str | None = None,
        batch: tuple[int, int] | None = None,
    ) -> int:
        """Record a new export job and start it; returns the job id at once.

        `batch` = (batch id, position) records the job as that batch item's, linked in
        the same transaction (`JobStore.add`).

        `context_label` (a course code, a group's name) starts the saved package's name
        (names.py); without it the context's kind and id do ("course 101").

        Validates first (ValidationError, nothing recorded or sent). Without `dest_dir`
        the job ends when Canvas has finished the export (or, with Goal.CREATED, as
        soon as Canvas has it).
        """
        ctx = Context.parse(ctx) if isinstance(ctx, str) else ctx
        kind = coerce_export_type(export_type)
        validate_export_request(ctx, kind, select)
        goal = goal or (Goal.SAVED if dest_dir is not None else Goal.EXPORTED)
        if goal == Goal.SAVED and dest_dir is None:
            raise ValueError("a job that saves the package needs dest_dir")
        selection = {coerce_select_key(k): [int(i) for i in ids] for k, ids in (select or {}).items()}
        job = self.store.add(
            site=site,
            context=str(ctx),
            export_type=kind.value,
            selection=selection,
            skip_notifications=skip_notifications,
            goal=goal,
            state=JobStatus.CREATING,
            dest_dir=Path(dest_dir).expanduser().absolute() if dest_dir is not None else None,
            expire_days=self.config.expire_days,
            user_id=user_id,
            context_label=context_label,
            batch_id=batch[0] if batch else None,
            batch_position=batch[1] if batch else None,
        )
        self._emit(
            JobCreated(
                job.id,
                site,
                job.context,
                job.export_type,
                None,
                str(job.dest_dir) if job.dest_dir else None,
                job.batch_id,
            )
        )
        self._claim_and_spawn(job.id)
        return job.id

    async def attach(
        self,
        site: str,
        ctx: Context | str,
        export_id: int,
        dest_dir: Path | str | None,
        *,
        user_id: int | None = None,
        context_label: str | None = None,
    ) -> int:
        """Take an export started elsewhere (web UI, a co-teacher, an earlier run) to a
        saved file. Reads the export first, so a wrong id fails here (NotFoundError).
        If a job of ours is already working on this export, returns that job instead.
        `context_label`: as for `start_export`."""
        ctx = Context.parse(ctx) if isinstance(ctx, str) else ctx
        for other in self.store.jobs_for_export(site, int(export_id)):
            if self.is_running(other.id) and other.goal == Goal.SAVED:
                return other.id
        client = self._client(site)
        export = await client.get_export(ctx, int(export_id))
        job = self.store.add(
            site=site,
            context=str(ctx),
            export_type=export.export_type,
            goal=Goal.SAVED if dest_dir is not None else Goal.EXPORTED,
            state=_STATUS_OF.get(export.workflow_state, JobStatus.EXPORTING),
            canvas_state=export.workflow_state.value,
            export_id=export.id,
            export_created_at=export.created_at,
            dest_dir=Path(dest_dir).expanduser().absolute() if dest_dir is not None else None,
            expire_days=self.config.expire_days,
            user_id=user_id,
            context_label=context_label,
        )
        self._emit(
            JobCreated(
                job.id, site, job.context, job.export_type, export.id, str(job.dest_dir) if job.dest_dir else None
            )
        )
        self._claim_and_spawn(job.id)
        return job.id

    async def stop(self, job_id: int) -> None:
        """Stop watching and downloading. Canvas cannot cancel an export, so it goes on
        there; the `.part` is kept and `resume(job_id)` (or `attach`) can finish later."""
        self._cancel_wakeup(job_id)
        task = self._tasks.get(job_id)
        self._stopping.add(job_id)
        try:
            if task is not None and not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            job = self.store.get(job_id)
            if job is None or job.state in (JobStatus.DONE, JobStatus.FAILED, JobStatus.EXPIRED):
                return
            message = STOP_MESSAGE
            if job.part_path and job.part_path.exists():
                message += " The part downloaded so far is kept; resume to finish it."
            job = self.store.update(job_id, state=JobStatus.STOPPED, finished_at=_utcnow())
            self._emit(
                JobState(job_id, JobStatus.STOPPED, JobStatus.STOPPED.label, message, job.export_id, job.expires_at)
            )
        finally:
            self._stopping.discard(job_id)

    async def resume(self, job_id: int) -> None:
        """Carry on a stopped, interrupted or failed job (not a done one). JobBusyError
        when another process is working on it."""
        job = self.store.get(job_id)
        if job is None:
            raise KeyError(job_id)
        if job.state is JobStatus.DONE or self.is_running(job_id):
            return
        self._claim_and_spawn(job_id)

    async def resume_unfinished(self, which: Callable[[Job], bool] | None = None) -> Resumed:
        """After a restart: every job that is not done, failed, expired or stopped carries
        on (polling, or downloading from its `.part`), except those another live process
        is working on (the app and a cron `resume` at once): those are left to it.
        `which` narrows it (the app: the signed-in user's jobs of that site)."""
        resumed = Resumed()
        for job in self.store.unfinished():
            if self.is_running(job.id) or (which is not None and not which(job)):
                continue
            try:
                self._claim_and_spawn(job.id)
            except JobBusyError as busy:
                resumed.busy.append((job.id, busy.message))
            except KeyError:
                continue  # another process took it off the list (`forget`) since it was read
            else:
                resumed.started.append(job.id)
        return resumed

    def forget(self, job_id: int) -> Kept | None:
        """Take a job off the local list (`JobStore.forget`: not while a process runs it,
        not a batch's); a wake-up planned for it is called off. Call on the engine's loop."""
        kept = self.store.forget(job_id)
        if kept is None:
            self._cancel_wakeup(job_id)
        return kept

    async def wait(self, job_id: int) -> Job:
        """Wait until the job's task ends (done, failed, interrupted, ...); its snapshot.
        Cancelling the waiter does not cancel the job."""
        task = self._tasks.get(job_id)
        if task is not None:
            await asyncio.gather(asyncio.shield(task), return_exceptions=True)
        job = self.store.get(job_id)
        if job is None:
            raise KeyError(job_id)
        return job

    async def run_job(self, job_id: int) -> Job:
        """Start the job if it is not running, and wait for it."""
        if not self.is_running(job_id):
            await self.resume(job_id)
        return await self.wait(job_id)

    async def aclose(self) -> None:
        """Cancel every running task *without* changing its state: the jobs stay
        unfinished, and the next `resume_unfinished()` carries them on."""
        self._closed = True
        for wakeup in self._wakeups.values():
            wakeup.cancel()
        tasks = [t for t in self._tasks.values() if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # ------------------------------------------------------------------ plumbing

    def subscribe(self, listener: Callable[[Event], None]) -> Callable[[], None]:
        """Also tell `listener` every event (the batch runner follows its jobs this way);
        returns the call that unsubscribes it. Call on the engine's loop."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _emit(self, event: Event) -> None:
        for listener in (self._emit_cb, *self._listeners):
            if listener is None:
                continue
            try:
                listener(event)
            except Exception:  # a listener's bug must never break a job
                log.exception("event listener failed on %s", type(event).__name__)

    def _claim_and_spawn(self, job_id: int) -> None:
        """Take the job's lease, then run it; JobBusyError when another process holds it.
        Claimed before the task exists, so two processes resuming at once cannot both
        start the job (exactly one POST per job, one writer per `.part`). KeyError when
        the job is no longer in the store (another process forgot it)."""
        if self._closed:
            raise RuntimeError("the engine is closed")
        self._cancel_wakeup(job_id)  # resumed now: no need to wake it later
        other = self.store.claim(job_id, self.holder, self.config.lease_ttl)
        if other is not None:
            raise JobBusyError(
                f"Job {job_id} is being worked on by another Canvas Export Manager ({other.describe()}); left to it."
            )
        task = asyncio.get_running_loop().create_task(self._run_leased(job_id), name=f"export-job-{job_id}")
        self._tasks[job_id] = task

        def forget(t: asyncio.Task[None], job_id: int = job_id) -> None:
            if self._tasks.get(job_id) is t:
                del self._tasks[job_id]

        task.add_done_callback(forget)

    async def _run_leased(self, job_id: int) -> None:
        """Run the job while renewing its lease; give the lease up however it ends."""
        job_task = asyncio.current_task()
        assert job_task is not None
        renewer = asyncio.get_running_loop().create_task(self._renew_lease(job_id, job_task), name=f"lease-{job_id}")
        try:
            await self._run(job_id)
        finally:
            renewer.cancel()
            await asyncio.gather(renewer, return_exceptions=True)
            self.store.release(job_id, self.holder)

    async def _renew_lease(self, job_id: int, job_task: asyncio.Task[Any]) -> None:
        """Renew every third of the lease. If another process took the job over (we were
        frozen past the lease's end), stop at once: two writers would be worse."""
        while True:
            await asyncio.sleep(self.config.lease_ttl / 3)  # real time: leases are wall-clock
            if not self.store.renew(job_id, self.holder, self.config.lease_ttl):
                log.warning("job %s: another process took it over; this one stops working on it", job_id)
                self._emit(JobWarning(job_id, "Another Canvas Export Manager took this job over; it carries on there."))
                job_task.cancel()
                return

    def _client(self, site: str) -> ExportsApi:
        source = self._clients
        if callable(source) and not isinstance(source, Mapping):
            return source(site)
        try:
            return source[site]
        except KeyError:
            raise AuthError(
                f"There is no token for {site}: sign in to this Canvas site again.", reason="missing", status=None
            ) from None

    def _site_limit(self, site: str) -> ResizableLimiter:
        limiter = self._site_limits.get(site)
        if limiter is None:
            limiter = self._site_limits[site] = ResizableLimiter(self.config.max_concurrent)
        return limiter

    def _download_limit(self, site: str) -> ResizableLimiter:
        limiter = self._download_limits.get(site)
        if limiter is None:
            limiter = self._download_limits[site] = ResizableLimiter(self.config.max_downloads)
        return limiter

    def _set_state(
        self, job: Job, state: JobStatus, message: str = "", *, export: ContentExport | None = None, **values: Any
    ) -> Job:
        """Record a state (and other facts) first, then tell the listeners (with Canvas's
        export when the state came from it, so no view needs to read it again)."""
        changed = job.state is not state
        job = self.store.update(job.id, state=state, **values)
        if changed or message:
            self._emit(JobState(job.id, state, state.label, message, job.export_id, job.expires_at, export))
        return job

    # ------------------------------------------------------------------ the job

    async def _run(self, job_id: int) -> None:
        job = self.store.get(job_id)
        if job is None:
            return
        if job.state in (JobStatus.INTERRUPTED, JobStatus.STOPPED, JobStatus.FAILED, JobStatus.EXPIRED):
            job = self._set_state(job, _resumed_state(job), last_error=None, error_kind=None, finished_at=None)
        try:
            client = self._client(job.site)
            ctx = Context.parse(job.context)
            if job.export_id is None:
                job = await self._create(job, client, ctx)
                if job.goal == Goal.CREATED:
                    self._finish_done(job, None)
                    return
            if job.goal == Goal.SAVED and await self._already_saved(job):
                return
            export = await self._watch(job, client, ctx)
            job = self.store.get(job_id) or job
            await self._conclude(job, client, export)
        except asyncio.CancelledError:
            raise  # stop() or aclose(): they decide what the state becomes
        except StoreError as err:  # the store cannot record the failure either: only tell it
            log.warning("job %s: the job store failed: %s", job_id, err.detail)
            self._emit(JobError(job_id, err, err.message, True, job.site))
        except CanvasError as err:
            self._fail(job_id, err)
        except Exception as err:  # a bug: keep the job resumable and say so
            log.exception("job %s failed unexpectedly", job_id)
            self._fail(job_id, UnexpectedError(f"Unexpected problem in the app: {err}", detail=type(err).__name__))

    def _fail(self, job_id: int, err: CanvasError) -> None:
        job = self.store.get(job_id)
        if job is None:
            return
        resumable = isinstance(err, _RESUMABLE) or (isinstance(err, PackageError))
        state = JobStatus.INTERRUPTED if isinstance(err, _RESUMABLE) else JobStatus.FAILED
        if isinstance(err, ExportExpiredError):
            state, resumable = JobStatus.EXPIRED, False
        elif isinstance(err, (ExportFailedError, NotAuthorizedError)):
            resumable = False
        job = self.store.update(
            job_id,
            state=state,
            last_error=err.message,
            error_kind=type(err).__name__,
            finished_at=_utcnow() if state.is_terminal else None,
        )
        self._emit(JobState(job_id, state, state.label, err.message, job.export_id, job.expires_at))
        self._emit(JobError(job_id, err, err.message, resumable, job.site))
        if isinstance(err, RetryAfterTooLongError) and err.retry_after and self.config.resume_when_canvas_allows:
            self._resume_later(job_id, err.retry_after)

    def _resume_later(self, job_id: int, delay: float) -> None:
        """Carry an interrupted job on once the wait Canvas asked for is over, unless the
        user resumed or stopped it meanwhile, or another process took it."""

        async def wake() -> None:
            await self._sleep(delay)
            self._wakeups.pop(job_id, None)
            job = self.store.get(job_id)
            if self._closed or job is None or job.state is not JobStatus.INTERRUPTED or self.is_running(job_id):
                return
            try:
                self._claim_and_spawn(job_id)
            except JobBusyError:
                log.info("job %s: another process carries it on", job_id)
            except KeyError:
                log.info("job %s: another process took it off the list", job_id)

        self._cancel_wakeup(job_id)
        self._wakeups[job_id] = asyncio.get_running_loop().create_task(wake(), name=f"wake-{job_id}")

    def _cancel_wakeup(self, job_id: int) -> None:
        wakeup = self._wakeups.pop(job_id, None)
        if wakeup is not None and wakeup is not asyncio.current_task():
            wakeup.cancel()

    def _finish_done(
        self,
        job: Job,
        saved: Path | None,
        verified: VerifiedPackage | None = None,
        export: ContentExport | None = None,
    ) -> Job:
        values: dict[str, Any] = {"finished_at": _utcnow(), "last_error": None, "error_kind": None}
        if saved is not None:
            values.update(saved_path=saved, part_path=None)
        if verified is not None:
            values.update(size=verified.size, sha256=verified.sha256)
        changed = job.state is not JobStatus.DONE
        job = self.store.update(job.id, state=JobStatus.DONE, **values)
        if changed:
            label = (
                JobStatus.DONE.label
                if saved is not None
                else ("Created at Canvas" if job.goal == Goal.CREATED else "Exported at Canvas")
            )
            self._emit(JobState(job.id, JobStatus.DONE, label, "", job.export_id, job.expires_at, export))
        self._emit(JobDone(job.id, saved, job.sha256, job.size, export))
        return job

    # ---- create, without duplicates

    async def _create(self, job: Job, client: Any, ctx: Context) -> Job:
        async with self._site_limit(job.site):
            if job.create_started_at is not None:
                # An earlier run sent (or may have sent) the POST: find what it created.
                found = await self._find_adoptable(job, client, ctx, job.create_started_at)
                if found is not None:
                    return self._adopt(job, found, "An earlier attempt had already created this export at Canvas")
            await self._warn_if_running(job, client, ctx)
            started = _utcnow()
            job = self.store.update(job.id, create_started_at=started)  # a trace before the POST leaves
            attempt = 0
            while True:
                attempt += 1
                try:
                    export = await client.create_export(
                        ctx,
                        job.export_type,
                        job.selection or None,
                        skip_notifications=job.skip_notifications,
                    )
                except (UnreachableError, ServerError) as err:
                    if isinstance(err, UnreachableError) and not err.ambiguous:
                        self.store.update(job.id, create_started_at=None)  # never left: nothing to find
                        raise
                    log.info(
                        "job %s: create was ambiguous (%s); looking for the export it may have made",
                        job.id,
                        type(err).__name__,
                    )
                    found = await self._find_adoptable(job, client, ctx, started)
                    if found is not None:
                        return self._adopt(
                            job, found, "The connection broke while creating the export, but Canvas had created it"
                        )
                    if attempt >= self.config.create_attempts:
                        raise
                    job = await self._before_create_again(job, err, attempt)
                    continue
                return self._record_export(job, export)

    async def _before_create_again(self, job: Job, err: CanvasError, attempt: int) -> Job:
        """The list proved Canvas did not create the export (the failure happened before
        Canvas, e.g. a proxy's 502): say so, and wait before the next POST."""
        delay = self.config.create_retry_delay * 2 ** (attempt - 1)
        why = f"HTTP {err.status}" if err.status else "the connection broke"
        job = self._set_state(
            job,
            JobStatus.CREATING,
            f"Canvas did not create the export ({why}); asking again in {delay:g} s, "
            f"attempt {attempt + 1} of {self.config.create_attempts}.",
        )
        log.info("job %s: nothing was created; POST again in %.1fs", job.id, delay)
        await self._sleep(delay)
        return job

    def _adopt(self, job: Job, export: ContentExport, why: str) -> Job:
        self._emit(JobWarning(job.id, f"{why} (export {export.id}); no second export was started."))
        return self._record_export(job, export)

    def _record_export(self, job: Job, export: ContentExport) -> Job:
        return self._set_state(
            job,
            _STATUS_OF.get(export.workflow_state, JobStatus.EXPORTING),
            export=export,
            export_id=export.id,
            export_created_at=export.created_at,
            canvas_state=export.workflow_state.value,
        )

    async def _me(self, site: str, client: Any) -> int:
        if site not in self._user_ids:
            self._user_ids[site] = (await client.get_self()).id
        return self._user_ids[site]

    async def _find_adoptable(self, job: Job, client: Any, ctx: Context, since: datetime) -> ContentExport | None:
        """The export our (possibly) sent POST created: same type, by us, created after the
        request started (less a clock skew), and not already another job's. The oldest
        such one, since a later one would be somebody else's new request."""
        me = await self._me(job.site, client)
        taken = {
            j.export_id for j in self.store.jobs() if j.site == job.site and j.export_id is not None and j.id != job.id
        }
        cutoff = since - self.config.create_skew
        found: ContentExport | None = None
        async for export in client.list_exports(ctx):
            if export.created_at is not None and export.created_at < cutoff:
                break  # newest first: everything after this is older still
            if export.export_type != job.export_type and not (
                job.export_type == "qti" and export.export_type == "quizzes2"
            ):
                continue
            if export.user_id is not None and export.user_id != me:
                continue
            if export.id in taken:
                continue
            found = export  # keep going: the oldest match is ours
        return found

    async def _warn_if_running(self, job: Job, client: Any, ctx: Context) -> None:
        """Canvas has no duplicate guard; tell the user when this would be a second one."""
        try:
            seen = 0
            async for export in client.list_exports(ctx):
                seen += 1
                if export.workflow_state.is_running and export.export_type == job.export_type:
                    label = _type_label(job.export_type)
                    self._emit(
                        JobWarning(
                            job.id,
                            f"A {label} export of {job.context} is already running at Canvas (export {export.id}, "
                            f"{export.workflow_state.label.lower()}). Starting another one anyway; you can stop "
                            f"this job and download that one instead.",
                        )
                    )
                    return
                if seen >= self.config.running_check:
                    return
        except AuthError:
            raise
        except CanvasError as err:  # only a courtesy check: the POST will report real trouble
            log.info("job %s: could not check for running exports: %s", job.id, type(err).__name__)

    # ---- watching

    async def _call(self, job: Job, what: Callable[[], Any]) -> Any:
        """A poll request; transient trouble (after the client's own retries) gets a few
        more rounds, spaced out, before the job is interrupted. A Retry-After longer than
        the client accepts interrupts at once: its message says until when."""
        failures = 0
        while True:
            try:
                return await what()
            except _TRANSIENT as err:
                failures += 1
                if failures > self.config.poll_failures or isinstance(err, RetryAfterTooLongError):
                    raise
                delay = self.config.poll_failure_delay * failures
                if isinstance(err, ThrottledError) and err.retry_after:
                    delay = max(delay, err.retry_after)
                log.info("job %s: poll failed (%s), again in %.1fs", job.id, type(err).__name__, delay)
                await self._sleep(delay)

    async def _watch(self, job: Job, client: Any, ctx: Context) -> ContentExport:
        """Poll until the export leaves the running states. The export is the source of
        truth; its Progress is polled in between because it is cheaper and carries the
        completion. The export is read again when the Progress changes state or ends."""
        export_id = int(job.export_id)  # type: ignore[arg-type]
        export: ContentExport = await self._call(job, lambda: client.get_export(ctx, export_id))
        job = self._note_export(job, export)
        interval: float | None = None
        before: Observation | None = None
        use_progress = export.progress_id is not None
        completion: float | None = None
        while export.workflow_state.is_running:
            now = Observation(self._clock(), export.workflow_state.value, completion)
            interval = next_interval(interval, before, now, self.config.poll)
            before = now
            await self._sleep(interval)
            if use_progress:
                progress = await self._call(job, functools.partial(client.get_progress, export.progress_id))
                implied = workflow_from_progress(progress.workflow_state)
                if implied is not export.workflow_state:
                    # The phase changed: read the export (the source of truth) and report
                    # the new state *before* this poll's completion, so a listener that
                    # resets its bar on a new phase still shows the completion.
                    export = await self._call(job, lambda: client.get_export(ctx, export_id))
                    job = self._note_export(job, export)
                    if implied is None and export.workflow_state.is_running:
                        use_progress = False  # Progress ended (e.g. cancelled) but the export goes on
                if progress.completion != completion:
                    completion = progress.completion
                    job = self.store.update(job.id, progress=completion)
                    self._emit(JobProgress(job.id, completion, (implied or export.workflow_state).label))
            else:
                export = await self._call(job, lambda: client.get_export(ctx, export_id))
                job = self._note_export(job, export)
        return export

    def _note_export(self, job: Job, export: ContentExport) -> Job:
        values: dict[str, Any] = {}
        if job.canvas_state != export.workflow_state.value:
            values["canvas_state"] = export.workflow_state.value
        if export.created_at and job.export_created_at != export.created_at:
            values["export_created_at"] = export.created_at
        state = _STATUS_OF.get(export.workflow_state)
        if state is not None and state is not job.state:
            return self._set_state(job, state, export=export, **values)
        if values:
            return self.store.update(job.id, **values)
        return job

    # ---- the end of the export: save, or say why not

    async def _conclude(self, job: Job, client: Any, export: ContentExport) -> None:
        ctx = Context.parse(job.context)
        state = export.workflow_state
        if state is WorkflowState.FAILED:
            raise ExportFailedError(
                "Canvas reports that the export failed (Canvas does not say why). Try again, or export "
                "less content at a time."
            )
        if state is WorkflowState.DELETED:
            raise ExportFailedError("This export was deleted at Canvas. Start a new export.")
        if state is WorkflowState.EXPIRED:
            expires = job.expires_at
            when = f" on {expires:%Y-%m-%d}" if expires else ""
            raise ExportExpiredError(
                f"This export expired at Canvas{when}: Canvas keeps a package for {job.expire_days} days "
                f"after the export was created. Start a new export."
            )
        if job.goal != Goal.SAVED:
            self._finish_done(job, None, export=export)
            return
        await self._download(job, client, ctx, export)

    async def _already_saved(self, job: Job) -> bool:
        """A run killed between saving the file and recording it: find the file by its
        recorded SHA-256 and finish, rather than download a second copy."""
        if job.sha256 is None or job.dest_dir is None or job.attachment_name is None:
            return False
        if job.part_path is not None and job.part_path.exists():
            return False
        names = dict.fromkeys((self._package_name(job, job.attachment_name), safe_filename(job.attachment_name)))
        for name in names:  # the name packages get, and Canvas's (saved before names.py)
            for n in range(1, 100):
                candidate = job.dest_dir / numbered(name, n)
                if not candidate.exists():
                    continue
                if candidate.stat().st_size == job.size and await asyncio.to_thread(sha256_of, candidate) == job.sha256:
                    self._finish_done(job, candidate)
                    return True
        return False

    @staticmethod
    def _package_name(job: Job, display_name: str | None) -> str:
        """The saved package's name (names.py): the job's context label (or its kind and
        id), type, the export's day and id, and the extension Canvas gave the file."""
        return package_name(
            job.context_label or context_label_of(job.context),
            job.export_type,
            job.export_created_at,
            job.export_id or 0,
            display_name,
        )

    async def _download(self, job: Job, client: Any, ctx: Context, export: ContentExport) -> None:
        attachment = export.attachment
        assert attachment is not None and job.dest_dir is not None and job.export_id is not None
        name = self._package_name(job, attachment.display_name)
        part = job.part_path or part_path_for(job.dest_dir, name, job.export_id)
        job = self._set_state(
            job,
            JobStatus.DOWNLOADING,
            export=export,
            attachment_id=attachment.id,
            attachment_name=attachment.display_name,
            attachment_size=attachment.size,
            part_path=part,
        )
        last_sent = [-1e9]

        def on_bytes(done: int, total: int | None) -> None:
            now = self._clock()
            if now - last_sent[0] >= self.config.download_event_interval or (total is not None and done >= total):
                last_sent[0] = now
                self._emit(JobDownload(job.id, done, total))

        async with self._download_limit(job.site):
            claimed = await claim_part(
                part,
                name,
                on_wait=lambda: self._emit(
                    JobWarning(
                        job.id, "Another program is saving this export into the same folder; waiting for it to finish."
                    )
                ),
            )
            if isinstance(claimed, AlreadySaved):
                verified = await asyncio.to_thread(verify_package, claimed.path, attachment.size or None, name=name)
                self._finish_done(job, claimed.path, verified, export)
                return
            with claimed:
                try:
                    verified = await self._fetch_verified(job, client, attachment, claimed, name, on_bytes)
                    # Recorded before the link, so a crash after it is recognised (_already_saved).
                    job = self.store.update(job.id, sha256=verified.sha256, size=verified.size)
                    final = await asyncio.to_thread(commit_part, claimed, claimed.folder, name)
                finally:
                    claimed.discard_if_empty()  # nothing to resume from: no empty .part left behind
        self._finish_done(job, final, verified, export)

    async def _fetch_verified(
        self,
        job: Job,
        client: Any,
        attachment: Any,
        part: PartFile,
        name: str,
        on_bytes: Callable[[int, int | None], None],
    ) -> VerifiedPackage:
        """Download into the locked part until it verifies; a package pieced together from
        several attempts gets one fresh download before it is called broken."""
        for attempt in (1, 2):
            result = await download_to_part(
                client,
                attachment.url,
                part,
                expected_size=attachment.size or None,
                on_bytes=on_bytes,
                policy=self.config.download,
                sleep=self._sleep,
                on_retry=functools.partial(self._say_retrying, job),
            )
            job = self._set_state(job, JobStatus.VERIFYING)
            try:
                # fsynced while it is checked: the package is on disk before commit_part names it
                return await fsync_alongside(
                    part,
                    functools.partial(
                        verify_package,
                        part.read_path,
                        attachment.size or None,
                        name=name,
                        sha256=result.sha256,
                        streamed=result.streamed,
                    ),
                )
            except PackageError:
                if attempt == 1 and result.resumed:
                    # The package may have changed at Canvas between the attempts.
                    await asyncio.to_thread(part.truncate)
                    job = self._set_state(job, JobStatus.DOWNLOADING, "Downloading again from the start")
                    continue
                kept = await asyncio.to_thread(part.set_aside)  # never resumed from, kept to look at
                if kept is not None:
                    self._emit(JobWarning(job.id, f"The rejected file is kept for inspection as {kept}."))
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _say_retrying(self, job: Job, retrying: Retrying) -> None:
        """The download broke off and waits before its next attempt: say so, with when."""
        self._set_state(job, JobStatus.DOWNLOADING, retrying.sentence)


@dataclass
class Resumed:
    """What `resume_unfinished` did: jobs it started, and jobs another process holds
    (job id, a sentence saying which process)."""

    started: list[int] = field(default_factory=list)
    busy: list[tuple[int, str]] = field(default_factory=list)


def _resumed_state(job: Job) -> JobStatus:
    """The state a stopped or interrupted job shows again while it picks up its work."""
    if job.export_id is None:
        return JobStatus.CREATING
    if job.canvas_state:
        try:
            return _STATUS_OF.get(WorkflowState(job.canvas_state), JobStatus.EXPORTING)
        except ValueError:
            pass
    return JobStatus.EXPORTING


def _type_label(export_type: str) -> str:
    try:
        return ExportType(export_type).label
    except ValueError:
        return export_type


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)
