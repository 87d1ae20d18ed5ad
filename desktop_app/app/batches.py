"""Bulk export use cases: choose courses, start, pause, resume and retry batches.

Coroutines on the engine's loop, like `usecases.py`, for the window and the command
line alike. A batch runs in a background task of the loop (`BatchRuns`); the command
line's `--wait` awaits that task, the window watches its events.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.app.batch_views import BatchRowView, BatchState, BatchTotals, BatchView, RowStatus
from desktop_app.app.jobs import JobView
from desktop_app.app.usecases import collect
from desktop_app.batch.csvinput import CsvCourses, read_course_csv
from desktop_app.batch.model import Batch, BatchOptions, BatchTarget
from desktop_app.batch.rows import ROW_OF_JOB, item_rows
from desktop_app.batch.runner import BatchBusyError, BatchRunner, RunnerConfig
from desktop_app.batch.store import BatchStore, FolderBusyError
from desktop_app.canvas.errors import ValidationError
from desktop_app.canvas.models import Account, Context, ContextKind, Course, ExportType, Term
from desktop_app.canvas.validation import notifications_apply

if TYPE_CHECKING:
    from desktop_app.app.services import Services

log = logging.getLogger(__name__)

__all__ = [
    "BatchBusyError",
    "BatchPlan",
    "BatchRuns",
    "CsvCourses",
    "account_courses",
    "account_terms",
    "admin_accounts",
    "batch_rows",
    "batch_rows_at",
    "batch_view",
    "list_batches",
    "my_courses",
    "pause_batch",
    "read_course_csv",
    "record_batch",
    "resume_batch",
    "resume_running_batches",
    "retry_failed",
    "row_with_job",
    "start_batch",
    "target_of",
    "wait_batch",
]


# ------------------------------------------------------------------ choosing courses


def target_of(course: Course) -> BatchTarget:
    """A chosen course as a batch's course."""
    return BatchTarget(
        course_id=course.id,
        sis_course_id=course.sis_course_id,
        course_code=course.course_code,
        name=course.name,
        term=course.term or "",
    )


async def my_courses(services: Services, site: str) -> list[Course]:
    """Your courses where you may export everything (teacher, TA, designer), with term."""
    return [c for c in await collect(services.client(site).courses()) if c.is_teacher]


async def admin_accounts(services: Services, site: str) -> list[Account]:
    """The accounts you administer and all their sub-accounts, each once, parents first
    (empty for someone who administers none)."""
    client = services.client(site)
    found: dict[int, Account] = {}
    for account in await collect(client.accounts()):
        found.setdefault(account.id, account)
        for sub in await collect(client.sub_accounts(account.id)):
            found.setdefault(sub.id, sub)
    return list(found.values())


async def account_terms(services: Services, site: str, account: Account) -> list[Term]:
    """The terms of an account: Canvas keeps terms on the root account."""
    root = account.root_account_id or account.id
    return await collect(services.client(site).terms(root))


async def account_courses(
    services: Services, site: str, account_id: int, *, term_id: int | None = None, search: str | None = None
) -> list[Course]:
    """An account's courses (its sub-accounts' included), filtered by term and search."""
    return await collect(services.client(site).account_courses(account_id, term_id=term_id, search=search))


# ------------------------------------------------------------------ starting and running


@dataclass(frozen=True)
class BatchPlan:
    """A batch to start: whose, which courses, how."""

    site: str
    user_id: int | None
    name: str
    targets: list[BatchTarget]
    options: BatchOptions
    extra_columns: tuple[str, ...] = ()
    source: str = ""


class BatchRuns:
    """The batches this process runs: one task each on the engine's loop."""

    def __init__(self, services: Services, config: RunnerConfig | None = None) -> None:
        self._services = services
        self.config = config or RunnerConfig()
        self._runs: dict[int, tuple[BatchRunner, asyncio.Task[BatchState]]] = {}

    def store(self) -> BatchStore:
        if self._services.store is None:
            raise RuntimeError("the export engine is not running")
        return BatchStore(self._services.store)

    def start(self, batch_id: int, *, retry_failed: bool = False) -> asyncio.Task[BatchState]:
        """Run the batch in the background (or return its running task)."""
        running = self._runs.get(batch_id)
        if running is not None and not running[1].done():
            if retry_failed:
                running[0].retry_failed()
            return running[1]
        services = self._services

        async def read_course(site: str, ctx: Context) -> Course:
            return await services.client(site).get_course(ctx)

        runner = BatchRunner(services.running_engine(), self.store(), read_course, services.emit_event, self.config)
        task = asyncio.get_running_loop().create_task(
            runner.run(batch_id, retry_failed=retry_failed), name=f"batch-{batch_id}"
        )
        self._runs[batch_id] = (runner, task)
        task.add_done_callback(lambda t: _log_failure(batch_id, t))
        return task

    def task(self, batch_id: int) -> asyncio.Task[BatchState] | None:
        """This process's run of the batch (running or ended), if it started one."""
        running = self._runs.get(batch_id)
        return running[1] if running is not None else None

    def runner(self, batch_id: int) -> BatchRunner | None:
        running = self._runs.get(batch_id)
        return running[0] if running is not None and not running[1].done() else None

    def wake(self, batch_id: int) -> None:
        runner = self.runner(batch_id)
        if runner is not None:
            runner.wake()


def _log_failure(batch_id: int, task: asyncio.Task[BatchState]) -> None:
    if not task.cancelled() and task.exception() is not None:
        error = task.exception()
        if not isinstance(error, BatchBusyError):
            log.error("batch %s stopped: %s", batch_id, type(error).__name__, exc_info=error)


def runs(services: Services) -> BatchRuns:
    """The loop's BatchRuns, made on first use."""
    if services.batch_runs is None:
        services.batch_runs = BatchRuns(services)
    return services.batch_runs


def check_plan(plan: BatchPlan) -> None:
    """Everything that can be checked before a request: ValidationError says what."""
    if not plan.targets:
        raise ValidationError("Choose at least one course.")
    try:
        ExportType(plan.options.export_type)
    except ValueError:
        raise ValidationError(f"'{plan.options.export_type}' is not an export type.") from None
    folder = plan.options.folder
    if not folder.is_absolute():
        raise ValidationError(f"The folder must be a full path, not '{folder}'.")
    try:  # made and written to now, as the batch will: permission bits alone mislead (root, ACLs, /proc)
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        raise ValidationError(
            f"Cannot save into {folder} ({err.strerror or err}): choose a folder you may write to."
        ) from None


async def start_batch(services: Services, plan: BatchPlan) -> int:
    """Record the batch and start running it in the background; its id."""
    batch_id = await record_batch(services, plan)
    runs(services).start(batch_id)
    return batch_id


async def record_batch(services: Services, plan: BatchPlan) -> int:
    """Record the batch (checked first: ValidationError) without running it; its id."""
    check_plan(plan)
    skip = plan.options.skip_notifications and notifications_apply(
        ContextKind.COURSE, ExportType(plan.options.export_type)
    )
    batch_runs = runs(services)
    try:
        batch = await asyncio.to_thread(
            batch_runs.store().create,
            name=plan.name,
            site=plan.site,
            user_id=plan.user_id,
            options=replace(plan.options, skip_notifications=skip),
            targets=plan.targets,
            extra_columns=plan.extra_columns,
            source=plan.source,
        )
    except FolderBusyError as err:
        busy = err.batch
        raise ValidationError(
            f"Batch {busy.id} ({busy.name}, {busy.state.label.lower()}) saves into {plan.options.folder}: "
            f"let it finish or resume it, or choose another folder."
        ) from None
    return batch.id


async def wait_batch(services: Services, batch_id: int) -> BatchState:
    """Wait for this process's run of the batch to end; the state that run ended in
    (the store's, when this process started none). Not the store's once the run has
    ended: another process may resume the batch the moment this one lets it go, and
    its "running" is not how this run went (the command line's exit code)."""
    task = runs(services).task(batch_id)
    if task is not None:
        return await asyncio.shield(task)
    return runs(services).store().batch(batch_id).state


async def pause_batch(services: Services, batch_id: int) -> None:
    """Nothing new starts; running jobs are stopped (their exports go on at Canvas and
    Resume carries them on). Works on a batch another process runs too: it sees the
    state within a second and stops its jobs."""
    store = runs(services).store()
    if store.batch(batch_id).state is BatchState.FINISHED:
        return
    store.set_state(batch_id, BatchState.PAUSED)
    runs(services).wake(batch_id)


async def resume_batch(services: Services, batch_id: int, *, retry_failed: bool = False) -> None:
    """Carry on a paused (or sign-in paused, or interrupted) batch in the background.
    BatchBusyError when another process runs it."""
    store = runs(services).store()
    holder = store.holder(batch_id)
    if holder is not None and holder.id != services.running_engine().holder.id:
        raise BatchBusyError(f"Batch {batch_id} is being run by another Canvas Export Manager ({holder.describe()}).")
    store.batch(batch_id)  # KeyError for an unknown batch
    runs(services).start(batch_id, retry_failed=retry_failed)


async def retry_failed(services: Services, batch_id: int) -> None:
    """The failed courses again (see `BatchRunner` for which start a new export)."""
    await resume_batch(services, batch_id, retry_failed=True)


async def resume_running_batches(services: Services, site: str, user_id: int | None) -> list[int]:
    """At sign-in: this user's batches that were running, or paused because Canvas
    refused the token, carry on (those another process runs are left to it); their ids."""
    store = runs(services).store()
    started = []
    for batch in store.batches(site, user_id):
        if batch.state in (BatchState.RUNNING, BatchState.SIGN_IN) and store.holder(batch.id) is None:
            runs(services).start(batch.id)
            started.append(batch.id)
    return started


# ------------------------------------------------------------------ views


def row_with_job(row: BatchRowView, job: JobView) -> BatchRowView:
    """A course's row brought up to date by the live view of the job it shows (the
    tracker's, fed by engine events): state, progress (Canvas's completion, then bytes),
    size, file. An interrupted job shows as paused: the runner tries it again
    (`batch_rows` says failed once the batch has finished). A row skipped as the same
    course as another row follows that row's job as that row does, and is skipped (not
    saved: the package is counted once) when it is saved, keeping its reason. Rows of
    other jobs are returned unchanged."""
    if row.package_job_id != job.job_id:
        return row
    status = ROW_OF_JOB[job.status]
    own = row.job_id == job.job_id
    if not own and status is RowStatus.SAVED:
        status = RowStatus.SKIPPED
    return replace(
        row,
        status=status,
        progress=job.progress if status in (RowStatus.AT_CANVAS, RowStatus.DOWNLOADING) else None,
        size=job.bytes_total or row.size,
        file=job.saved_path or row.file,
        reason=(job.error if status in (RowStatus.FAILED, RowStatus.PAUSED) else None) if own else row.reason,
        export_id=job.export_id or row.export_id,
    )


async def batch_rows(services: Services, batch_id: int) -> list[BatchRowView]:
    """Every course of the batch as a row, in the batch's order."""
    return await asyncio.to_thread(_rows, runs(services).store(), batch_id)


def _rows(store: BatchStore, batch_id: int) -> list[BatchRowView]:
    batch = store.batch(batch_id)
    items = store.items(batch_id)
    return item_rows(items, store.jobs_shown(batch_id, items), batch.state)


async def batch_rows_at(services: Services, batch_id: int, positions: Iterable[int]) -> list[BatchRowView]:
    """Only the rows of these courses: what a `BatchChanged` names, so a view of 5,000
    courses re-reads a few rows, not all of them."""
    return await asyncio.to_thread(_rows_at, runs(services).store(), batch_id, sorted(set(positions)))


def _rows_at(store: BatchStore, batch_id: int, positions: list[int]) -> list[BatchRowView]:
    state = store.batch(batch_id).state
    return [store.row(store.item(batch_id, position), state) for position in positions]


async def batch_view(services: Services, batch_id: int, rows: Iterable[BatchRowView] | None = None) -> BatchView:
    """The batch's header: state, totals, time left (rows given, or read)."""
    batch_runs = runs(services)
    store = batch_runs.store()
    batch = await asyncio.to_thread(store.batch, batch_id)
    if rows is None:
        rows = await batch_rows(services, batch_id)
    totals = BatchTotals.of(rows)
    runner = batch_runs.runner(batch_id)
    holder = await asyncio.to_thread(store.holder, batch_id)
    return _view(
        batch,
        totals,
        eta=runner.eta_seconds(totals.waiting + totals.running) if runner is not None else None,
        elsewhere=holder is not None and runner is None,
    )


def _view(batch: Batch, totals: BatchTotals, *, eta: float | None, elsewhere: bool) -> BatchView:
    return BatchView(
        batch_id=batch.id,
        name=batch.name,
        site=batch.site,
        export_type=batch.options.export_type,
        folder=batch.options.folder,
        state=batch.state,
        totals=totals,
        created_at=batch.created_at,
        finished_at=batch.finished_at,
        eta_seconds=eta,
        running_elsewhere=elsewhere,
    )


async def list_batches(services: Services, site: str | None = None, user_id: int | None = None) -> list[BatchView]:
    """Batches, newest first (this site's and user's, or all), with their totals."""
    store = runs(services).store()
    views = []
    for batch in await asyncio.to_thread(store.batches, site, user_id):
        views.append(await batch_view(services, batch.id))
    return views


def folder_of(plan_folder: Path | str) -> Path:
    """A folder as typed: `~` expanded, made absolute."""
    return Path(plan_folder).expanduser().absolute()
