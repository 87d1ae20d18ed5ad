"""The batch runner: starts each course's job when its turn comes, kindly to Canvas.

Rules, in the order they apply:

* **One runner per batch**, across processes: the batch's lease (`store.lease_key`).
  A second window or a cron `batch resume` finds it held and leaves it alone.
* **At most N exports at Canvas** (`max_at_canvas`): a course's job counts while it is
  creating, queued or exporting; once Canvas has finished the export, downloading it
  costs Canvas nothing and the next course starts. Downloads are limited per site by the
  engine as for single exports.
* **Never a second export for a course**: a job is recorded and linked to its item in
  one transaction (`JobStore.add`), and a job that exists is resumed (it adopts what an
  interrupted POST created), never replaced, except by Retry failed for a course whose
  export failed or expired at Canvas.
* **A course that cannot be exported** (unknown SIS id, no permission, failed at
  Canvas, a bad package) gets its reason in its row; the batch goes on. Server or
  network trouble interrupts a job; it gets `retry_rounds` more tries, `retry_delay`
  apart, before it counts as failed.
* **A refused token pauses the batch** (`BatchState.SIGN_IN`): every following course
  would fail the same way. Signing in again and resuming carries on.
* **Skip and keep**: a course whose newest verified package of the same type is newer
  than `skip_within_days` is skipped (wherever it was saved); after a course is saved,
  its packages beyond the newest `keep` that batches saved into the same folder are
  deleted (`BatchStore.kept_packages`: never a single export's, nor another folder's),
  but only files this app saved and recorded, still of the recorded size and SHA-256,
  and not a symlink.
* **The report** (`report.py`) is rewritten at most every `report_interval` seconds
  while anything changes, and once more at the end.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from desktop_app.app.batch_views import BatchState
from desktop_app.batch.events import BatchChanged
from desktop_app.batch.layout import course_folder, link_inside
from desktop_app.batch.model import Batch, BatchItem, BatchTarget, ItemState
from desktop_app.batch.report import write_report
from desktop_app.batch.retries import Retries
from desktop_app.batch.store import BatchStore
from desktop_app.canvas.errors import AuthError, CanvasError, NotAuthorizedError, NotFoundError, ValidationError
from desktop_app.canvas.models import Context, Course
from desktop_app.engine.engine import Engine
from desktop_app.engine.errors import DiskFullError, JobBusyError, StoreError
from desktop_app.engine.events import Event, JobDone, JobState
from desktop_app.engine.ownership import LEASE_TTL
from desktop_app.engine.status import Goal, JobStatus
from desktop_app.engine.store import Job
from desktop_app.engine.verify import sha256_of

log = logging.getLogger(__name__)

_STOPS_THE_BATCH = {AuthError.__name__: BatchState.SIGN_IN, DiskFullError.__name__: BatchState.PAUSED}
"""Interruptions every following course would meet too: the batch waits for the user."""
AT_CANVAS = frozenset({JobStatus.CREATING, JobStatus.QUEUED, JobStatus.WAITING_FOR_EXTERNAL_TOOL, JobStatus.EXPORTING})
"""Job states in which a course's export occupies Canvas."""
CANVAS_ENDED = frozenset({"ExportFailedError", "ExportExpiredError"})
"""Errors after which only a new export helps (Retry failed starts one)."""


class BatchBusyError(CanvasError):
    """Another process runs this batch."""


@dataclass(frozen=True)
class RunnerConfig:
    lease_ttl: float = LEASE_TTL
    report_interval: float = 2.0
    """Seconds between rewrites of report.csv while the batch runs."""
    retry_rounds: int = 3
    """More tries for a job interrupted by server or network trouble."""
    retry_delay: float = 30.0
    """Seconds before such a try (doubling each round)."""
    tick: float = 1.0
    """The longest the runner sleeps without looking (a pause from another process)."""


CourseReader = Callable[[str, Context], Any]
"""(site, context) -> awaitable Course: reads a course's details (a CSV row's SIS id)."""


class BatchRunner:
    """Runs one batch on the engine's loop until it is finished or paused."""

    def __init__(
        self,
        engine: Engine,
        batches: BatchStore,
        read_course: CourseReader,
        emit: Callable[[object], None] | None = None,
        config: RunnerConfig = RunnerConfig(),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.batches = batches
        self._read_course = read_course
        self._emit_cb = emit
        self.config = config
        self._clock = clock
        self._wake = asyncio.Event()
        self._job_ids: set[int] = set()
        self._retries = Retries(config.retry_rounds, config.retry_delay, clock)
        self._started = clock()
        self._settled = 0
        self._dirty = True
        self._last_report = float("-inf")
        self._lost = False
        """Another process took the batch over: this run ends without touching it."""
        self._retry_requested = False
        self._left_interrupted: set[int] = set()
        """Jobs an earlier run left interrupted: each is tried once before its trouble
        (a refused token, a full disk) stops the batch again."""
        self._chores: set[asyncio.Task[None]] = set()
        """Deleting old packages (`keep`), awaited before the run ends."""

    # ---- public

    def wake(self) -> None:
        """Look again now (the batch was paused or changed from outside)."""
        self._wake.set()

    def retry_failed(self) -> None:
        """Retry failed while this run goes on: done at the loop's next turn."""
        self._retry_requested = True
        self._wake.set()

    def eta_seconds(self, remaining: int) -> float | None:
        """Time left at the pace of this run (None until three courses settled)."""
        if self._settled < 3 or remaining <= 0:
            return None if remaining > 0 else 0.0
        return (self._clock() - self._started) / self._settled * remaining

    async def run(self, batch_id: int, *, retry_failed: bool = False) -> BatchState:
        """Run the batch; its state when this run ends (finished, paused, sign-in).
        A finished batch is left as it is unless `retry_failed`. BatchBusyError when
        another process runs it."""
        other = self.batches.claim(batch_id, self.engine.holder, self.config.lease_ttl)
        if other is not None:
            raise BatchBusyError(
                f"Batch {batch_id} is being run by another Canvas Export Manager ({other.describe()})."
            )
        try:
            if not retry_failed and self.batches.batch(batch_id).state is BatchState.FINISHED:
                # Nothing to resume. Read under the lease, so a run that finished a moment
                # ago in another process is seen finished: its end time stays, and its
                # report is not rewritten (the folder may hold a newer batch's by now).
                return BatchState.FINISHED
            return await self._run_claimed(batch_id, retry_failed)
        finally:
            self.batches.release(batch_id, self.engine.holder)

    async def _run_claimed(self, batch_id: int, retry_failed: bool) -> BatchState:
        """`run` once this process holds the batch's lease."""
        unsubscribe = self.engine.subscribe(self._on_event)
        renewer = asyncio.get_running_loop().create_task(self._renew(batch_id), name=f"batch-lease-{batch_id}")
        try:
            batch = self.batches.batch(batch_id)
            if batch.state is not BatchState.RUNNING:
                batch = self.batches.set_state(batch_id, BatchState.RUNNING)
                self._emit(BatchChanged(batch_id))
            self._retry_requested = retry_failed
            self._left_interrupted = {
                j.id for j in self.batches.batch_jobs(batch_id).values() if j.state is JobStatus.INTERRUPTED
            }
            try:
                await self._skip_recent(batch, self.batches.items(batch_id))
                return await self._loop(batch_id)
            except (asyncio.CancelledError, StoreError):
                raise  # quitting leaves it running (the next start resumes it); a broken store can record nothing
            except Exception:  # a bug: pause (the folder is free again), say so, keep the batch resumable
                log.exception("batch %s stopped by an unexpected problem; paused", batch_id)
                self.batches.set_state(batch_id, BatchState.PAUSED)
                self._emit(BatchChanged(batch_id))
                await self._stop_jobs(batch_id)
                return BatchState.PAUSED
        finally:
            unsubscribe()
            renewer.cancel()
            await asyncio.gather(renewer, *self._chores, return_exceptions=True)
            if not self._lost:
                self._write_report(batch_id)

    # ---- the loop

    async def _loop(self, batch_id: int) -> BatchState:
        while True:
            batch = self.batches.batch(batch_id)
            if self._lost:
                return batch.state
            if batch.state is not BatchState.RUNNING:
                await self._stop_jobs(batch_id)
                return batch.state
            if self._retry_requested:
                self._retry_requested = False
                await self._retry_failed(batch)
            items = self.batches.items(batch_id)
            jobs = self.batches.batch_jobs(batch_id)
            self._job_ids = set(jobs)
            stop = {self._stops_the_batch(jobs.get(i.job_id)) for i in items if i.job_id is not None} - {None}
            if BatchState.SIGN_IN in stop:
                return self._pause_for_sign_in(batch_id)
            if BatchState.PAUSED in stop:
                log.warning("batch %s: the disk is full; paused until there is room and it is resumed", batch_id)
                self.batches.set_state(batch_id, BatchState.PAUSED)
                self._emit(BatchChanged(batch_id))
                await self._stop_jobs(batch_id)
                return BatchState.PAUSED
            at_canvas, busy, waiting = 0, 0, []
            for item in items:
                job = jobs.get(item.job_id) if item.job_id is not None else None
                if item.state is ItemState.WAITING:
                    waiting.append(item)
                elif job is not None and item.state is ItemState.JOB:
                    running, occupies = await self._keep_going(job)
                    busy += running
                    at_canvas += occupies
            for item in waiting:
                if at_canvas >= batch.options.max_at_canvas:
                    break
                if not self._retries.due(_item_key(item)):
                    continue
                started = await self._start(batch, item)
                if started is None:
                    return self._pause_for_sign_in(batch_id)
                at_canvas += started
                busy += started
            next_retry = self._retries.next_time()
            still_waiting = any(  # only the rows that were waiting are read again (usually none at the end)
                self.batches.item(batch_id, i.position).state is ItemState.WAITING for i in waiting
            )
            if busy == 0 and next_retry is None and not still_waiting:
                self.batches.set_state(batch_id, BatchState.FINISHED)
                self._emit(BatchChanged(batch_id))
                self._dirty = True
                return BatchState.FINISHED
            self._maybe_report(batch_id)
            timeout = self.config.tick
            if next_retry is not None:
                timeout = min(timeout, max(0.0, next_retry - self._clock()))
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except asyncio.TimeoutError:
                pass

    async def _keep_going(self, job: Job) -> tuple[int, int]:
        """(1 if the job runs, 1 if it occupies Canvas), resuming a job that should run
        but does not: left by a killed run, stopped by a pause, or interrupted and due
        for another try."""
        occupies = int(job.state in AT_CANVAS)
        if self.engine.is_running(job.id):
            return 1, occupies
        if job.state in (JobStatus.DONE, JobStatus.FAILED, JobStatus.EXPIRED):
            return 0, 0
        if job.state is JobStatus.INTERRUPTED and not self._retries.due(job.id):
            return 0, 0
        try:
            await self.engine.resume(job.id)
        except JobBusyError:
            pass  # another process works on it: it still occupies Canvas
        return 1, occupies

    def _stops_the_batch(self, job: Job | None) -> BatchState | None:
        """What a job's interruption means for every following course: Canvas refused
        the token (SIGN_IN) or the disk is full (PAUSED); None when it is the job's own
        trouble. Only for a job this run already tried: one left interrupted by an
        earlier run is tried once first (the user may have signed in or made room)."""
        if (
            job is None
            or job.state is not JobStatus.INTERRUPTED
            or (job.id in self._left_interrupted and job.id not in self._retries)
            or self.engine.is_running(job.id)
        ):
            return None
        return _STOPS_THE_BATCH.get(job.error_kind or "")

    def _pause_for_sign_in(self, batch_id: int) -> BatchState:
        log.warning("batch %s: Canvas refused the token; paused until the user signs in again", batch_id)
        self.batches.set_state(batch_id, BatchState.SIGN_IN)
        self._emit(BatchChanged(batch_id))
        self._dirty = True
        return BatchState.SIGN_IN

    async def _stop_jobs(self, batch_id: int) -> None:
        """Paused: stop watching this batch's jobs (their exports go on at Canvas; Resume
        carries them on)."""
        for job_id in list(self._job_ids):
            if self.engine.is_running(job_id):
                await self.engine.stop(job_id)
        self._dirty = True

    # ---- starting a course

    async def _start(self, batch: Batch, item: BatchItem) -> int | None:
        """Start the course's job: 1 when it runs, 0 when the course could not start
        (its row says why), None when Canvas refused the token."""
        target = item.target
        try:
            if target.course_id is None or not target.name:
                target = await self._resolve(batch, item)
        except AuthError:
            return None
        except (NotFoundError, NotAuthorizedError, ValidationError) as err:
            self._fail(item, _not_exportable(target, err))
            return 0
        except CanvasError as err:  # trouble reaching Canvas: try this course again later
            log.info("batch %s: could not read %s: %s", batch.id, target.reference, type(err).__name__)
            self._retry_later_or_fail(item, err)
            return 0
        item = self.batches.item(batch.id, item.position)
        if self._skip_twin(item) or await self._skip_if_recent(batch, item):
            return 0
        assert target.course_id is not None
        folder = course_folder(batch.options.folder, target)
        link = link_inside(batch.options.folder, folder)
        if link is not None:
            self._fail(item, f"{link} is a link to another place; nothing was saved through it.")
            return 0
        try:
            job_id = await self.engine.start_export(
                batch.site,
                Context.parse(f"course:{target.course_id}"),
                batch.options.export_type,
                {k.value: v for k, v in batch.options.selection.items()} or None,
                batch.options.skip_notifications,
                folder,
                goal=Goal.SAVED,
                user_id=batch.user_id,
                context_label=target.course_code or target.name or None,
                batch=(batch.id, item.position),
            )
        except (ValidationError, ValueError) as err:
            self._fail(item, str(getattr(err, "message", err)))
            return 0
        self._job_ids.add(job_id)
        self._emit(BatchChanged(batch.id, (item.position,)))
        return 1

    async def _resolve(self, batch: Batch, item: BatchItem) -> BatchTarget:
        """Read a CSV row's course (by SIS id or id) for its code, name and term."""
        course: Course = await self._read_course(batch.site, Context.parse(item.target.reference))
        updated = self.batches.update_item(
            batch.id,
            item.position,
            course_id=course.id,
            sis_course_id=course.sis_course_id or item.target.sis_course_id,
            course_code=course.course_code,
            name=course.name,
            term=course.term or "",
        )
        self._emit(BatchChanged(batch.id, (item.position,)))
        return updated.target

    def _skip_twin(self, item: BatchItem) -> bool:
        """Skip a course another row of the batch has already decided: exported by a job,
        or skipped for a package (a CSV naming it by id and by SIS id, or `--course`
        naming it twice). Only Canvas's answer shows they are one course. The row names
        what the other one names, so a course is decided once per batch even when this
        row comes later (Retry failed, after the skip window has passed): a second export
        would only cost Canvas time, and `keep` would delete the package the other row
        names."""
        twin = next(
            (
                other
                for other in self.batches.items(item.batch_id)
                if other.position != item.position
                and other.target.course_id == item.target.course_id
                and (
                    other.state is ItemState.JOB
                    or (other.state is ItemState.SKIPPED and other.skipped_job_id is not None)
                )
            ),
            None,
        )
        if twin is None:
            return False
        package = twin.job_id if twin.state is ItemState.JOB else twin.skipped_job_id
        assert package is not None
        return self._skip(
            item, package, f"The same course as row {twin.position + 1} of this batch: exported once, there."
        )

    def _retry_later_or_fail(self, item: BatchItem, err: CanvasError) -> None:
        if self._retries.exhausted(_item_key(item)):
            self._fail(item, err.message)

    def _fail(self, item: BatchItem, reason: str) -> None:
        """The course could not start: its row says why."""
        self.batches.update_item(
            item.batch_id, item.position, state=ItemState.FAILED, reason=reason, skipped_job_id=None
        )
        self._settled_one(item)

    def _skip(self, item: BatchItem, package: int, reason: str) -> bool:
        """Skip the course for job `package`'s package, if that is still recorded and
        kept (`BatchStore.skip_for`); False leaves it to be exported."""
        if not self.batches.skip_for(item.batch_id, item.position, package, reason):
            log.info(
                "batch %s: job %s is no longer listed or kept; row %s is decided again",
                item.batch_id,
                package,
                item.position + 1,
            )
            return False
        self._settled_one(item)
        return True

    def _settled_one(self, item: BatchItem) -> None:
        self._settled += 1
        self._dirty = True
        self._emit(BatchChanged(item.batch_id, (item.position,)))

    # ---- skip recent, keep K

    async def _skip_recent(self, batch: Batch, items: list[BatchItem]) -> None:
        if batch.options.skip_within_days is None:
            return
        for item in items:
            if item.state is ItemState.WAITING and item.target.course_id is not None:
                await self._skip_if_recent(batch, item)

    async def _skip_if_recent(self, batch: Batch, item: BatchItem) -> bool:
        days = batch.options.skip_within_days
        if days is None or item.target.course_id is None:
            return False
        since = datetime.now(timezone.utc) - timedelta(days=days)
        for job in self.batches.saved_packages(
            batch.site, f"course:{item.target.course_id}", batch.options.export_type, batch.user_id
        ):
            finished = job.finished_at or job.updated_at
            if finished is None or finished < since:
                return False  # newest first: the rest are older still
            if (
                job.saved_path is not None
                and _still_there(job)
                and self._skip(item, job.id, f"Saved on {finished.astimezone():%Y-%m-%d %H:%M} (within {days:g} days)")
            ):
                return True
        return False

    async def _keep_newest(self, batch: Batch, job: Job) -> None:
        keep = batch.options.keep
        if keep is None:
            return
        packages = []
        for package in await asyncio.to_thread(self.batches.kept_packages, batch, job.context):
            if await asyncio.to_thread(_still_there, package):
                packages.append(package)
            else:  # deleted or moved by the user: it no longer counts among the K kept
                self._no_longer_kept(package)
        kept = {str(j.saved_path) for j in packages[:keep]}
        for old in packages[keep:]:
            if old.saved_path is None or str(old.saved_path) in kept:
                continue
            if await asyncio.to_thread(_is_ours, old):
                try:
                    old.saved_path.unlink()
                except OSError as err:
                    log.warning("keep %s: could not delete %s: %s", keep, old.saved_path.name, err)
                    continue
                log.info("keep %s: deleted %s (job %s)", keep, old.saved_path.name, old.id)
            self._no_longer_kept(old)

    def _no_longer_kept(self, package: Job) -> None:
        """Record that `package` is not kept any more (deleted, or found gone or changed),
        then say so to the rows that name it, in any batch (an older batch's open window,
        the Activity view's totals): they no longer name its file. In this order, so a
        `kill -9` between the delete and the record leaves a record of a file that is gone,
        which the next `--keep` of the course notices (`_still_there`) and records then."""
        self.batches.jobs.update(package.id, removed_at=datetime.now(timezone.utc))
        by_batch: dict[int, list[int]] = {}
        for batch_id, position in self.batches.rows_naming(package.id):
            by_batch.setdefault(batch_id, []).append(position)
        for batch_id, positions in by_batch.items():
            self._emit(BatchChanged(batch_id, tuple(positions)))
        self._dirty = True

    # ---- events, report, lease

    def _on_event(self, event: Event) -> None:
        if isinstance(event, (JobState, JobDone)) and event.job_id in self._job_ids:
            job = self.batches.jobs.get(event.job_id)
            if job is not None and (job.state.is_terminal or job.state is JobStatus.INTERRUPTED):
                self._dirty = True
                if job.state is not JobStatus.INTERRUPTED:
                    self._settled += 1
                if job.state is JobStatus.DONE and job.batch_id is not None:
                    batch = self.batches.batch(job.batch_id)
                    chore = asyncio.get_running_loop().create_task(self._keep_newest(batch, job))
                    self._chores.add(chore)
                    chore.add_done_callback(self._chores.discard)
            self._wake.set()

    def _maybe_report(self, batch_id: int) -> None:
        if self._dirty and self._clock() - self._last_report >= self.config.report_interval:
            self._write_report(batch_id)

    def _write_report(self, batch_id: int) -> None:
        batch = self.batches.batch(batch_id)
        try:
            items = self.batches.items(batch_id)
            write_report(batch, items, self.batches.jobs_shown(batch_id, items))
        except OSError as err:
            log.warning("batch %s: could not write the report: %s", batch_id, err)
            return
        self._dirty = False
        self._last_report = self._clock()

    async def _renew(self, batch_id: int) -> None:
        """Renew the batch's lease every third of it. If another process took the batch
        over (this one was frozen past the lease's end), this run ends at once: two
        runners would break the limit at Canvas and race on the report."""
        while True:
            await asyncio.sleep(self.config.lease_ttl / 3)  # real time: leases are wall-clock
            if not self.batches.renew(batch_id, self.engine.holder, self.config.lease_ttl):
                log.warning("batch %s: another process took it over; this run ends", batch_id)
                self._lost = True
                self._wake.set()
                return

    async def _retry_failed(self, batch: Batch) -> None:
        """Retry failed: courses that could not start, and those whose export failed or
        expired at Canvas, start again (a new export); other failed or interrupted jobs
        carry on where they stood (the same export). The other rows of a course that
        starts again (skipped as the same course, naming its failed export) are decided
        again with it, so they name its new package, or the recent one it is skipped for."""
        jobs = self.batches.batch_jobs(batch.id)
        items = self.batches.items(batch.id)
        again = []
        for item in items:
            job = jobs.get(item.job_id) if item.job_id is not None else None
            if item.state is ItemState.FAILED:
                again.append(item.position)
            elif job is not None and job.state in (JobStatus.FAILED, JobStatus.EXPIRED, JobStatus.INTERRUPTED):
                if job.state is JobStatus.EXPIRED or job.error_kind in CANVAS_ENDED:
                    again.append(item.position)
                else:
                    self._retries.forget(job.id)
                    await self.engine.resume(job.id)
        courses = {i.target.course_id for i in items if i.position in again} - {None}
        again += [i.position for i in items if i.state is ItemState.SKIPPED and i.target.course_id in courses]
        again.sort()
        self.batches.requeue(batch.id, again)
        self._dirty = True
        self._emit(BatchChanged(batch.id, tuple(again)))

    def _emit(self, event: object) -> None:
        if self._emit_cb is None:
            return
        try:
            self._emit_cb(event)
        except Exception:  # a listener's bug must never stop a batch
            log.exception("batch event listener failed")


def _item_key(item: BatchItem) -> int:
    """Courses without a job share the retry table with jobs under negative keys."""
    return -1 - item.position


def _not_exportable(target: BatchTarget, err: CanvasError) -> str:
    if isinstance(err, NotFoundError):
        return f"Canvas has no course {target.reference.removeprefix('course:')} (deleted, or the id is wrong)."
    if isinstance(err, NotAuthorizedError):
        return "You may not export this course (Canvas refused: not a teacher or admin of it)."
    return err.message


def _still_there(job: Job) -> bool:
    """The recorded package is still where it was saved, with its recorded size."""
    try:
        st = os.lstat(job.saved_path)  # type: ignore[arg-type]
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and (job.size is None or st.st_size == job.size)


def _is_ours(job: Job) -> bool:
    """Only a file this app saved and recorded may be deleted: a regular file (not a
    symlink), of the recorded size and SHA-256 (so a file the user put there since,
    under the same name, is left alone)."""
    if not _still_there(job) or job.sha256 is None or job.saved_path is None:
        return False
    try:
        return bool(sha256_of(job.saved_path) == job.sha256)
    except OSError:
        return False
