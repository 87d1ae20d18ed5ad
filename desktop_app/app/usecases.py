"""What a user can do, as coroutines that run on the engine's loop.

Each takes the loop's `Services` and plain values, and returns plain values (models,
job ids): the window runs them through its bridge (`bridge.run(lambda s: ...)`), the
command line awaits them. No Qt, no widgets, no settings: what a front end knows (the
site, the context, the folder, the ticked items) comes in as arguments.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from desktop_app.canvas.errors import ValidationError
from desktop_app.canvas.models import ContentExport, ContentItem, Context, Course, ExportType, Group, SelectKey
from desktop_app.canvas.validation import notifications_apply
from desktop_app.engine.status import Goal, JobStatus

if TYPE_CHECKING:
    from desktop_app.app.services import Services
    from desktop_app.engine.engine import EngineConfig, Resumed
    from desktop_app.engine.store import Job

T = TypeVar("T")

BRANCH_SOURCES: Mapping[SelectKey, tuple[SelectKey, ...]] = {
    SelectKey.FILES: (SelectKey.FOLDERS, SelectKey.FILES),
    SelectKey.MODULES: (SelectKey.MODULES, SelectKey.MODULE_ITEMS),
}
"""A tree branch is filled from one or two `content` listings."""


async def collect(iterator: AsyncIterator[T]) -> list[T]:
    return [item async for item in iterator]


# ------------------------------------------------------------------ session


@dataclass(frozen=True)
class EngineSettings:
    """How the engine runs (the app's settings): where its store is and its limits."""

    store_path: Path | None = None
    max_concurrent: int | None = None
    config: EngineConfig | None = None
    max_unannounced_size: int | None = None


async def sign_in(
    services: Services, site: str, base_url: str, token: str, user_id: int, settings: EngineSettings
) -> list[int]:
    """A checked token becomes the site's client; the engine starts (once) and this
    user's unfinished jobs of this site carry on (e.g. after a refused token). Returns
    the ids of the jobs resumed."""
    await services.set_client(site, base_url, token)
    await services.start_engine(
        settings.store_path,
        max_concurrent=settings.max_concurrent,
        config=settings.config,
        max_unannounced_size=settings.max_unannounced_size,
    )
    return (await resume_unfinished(services, site, user_id)).started


async def resume_saved_site(
    services: Services, base_url: str, token: str | None, settings: EngineSettings
) -> list[int]:
    """At start-up, the last signed-in site's unfinished jobs carry on before (and
    whether or not) the user picks a site: its saved token becomes the client, Canvas
    says whose it is, and that user's jobs resume. No token, no jobs resumed."""
    if not token:
        return []
    await services.set_client(base_url, base_url, token)
    user = await services.client(base_url).get_self()
    await services.start_engine(
        settings.store_path,
        max_concurrent=settings.max_concurrent,
        config=settings.config,
        max_unannounced_size=settings.max_unannounced_size,
    )
    return (await resume_unfinished(services, base_url, user.id)).started


# ------------------------------------------------------------------ reading


async def load_contexts(services: Services, site: str) -> tuple[list[Course], list[Group]]:
    """The user's courses and groups, read at once."""
    client = services.client(site)
    courses, groups = await asyncio.gather(collect(client.courses()), collect(client.groups()))
    return courses, groups


async def load_branch(services: Services, site: str, ctx: Context, key: SelectKey) -> list[ContentItem]:
    """The items of one branch of the selection tree (files come with their folders,
    modules with their items)."""
    client = services.client(site)
    parts = await asyncio.gather(*(collect(client.content(ctx, k)) for k in BRANCH_SOURCES.get(key, (key,))))
    return [item for part in parts for item in part]


async def allowed_export_types(services: Services, site: str, ctx: Context) -> dict[ExportType, str | None]:
    """Each export type -> None if this user may start it in `ctx`, else why not."""
    return await services.client(site).allowed_export_types(ctx)


@dataclass(frozen=True)
class History:
    """A context's exports at Canvas and this site's jobs for it."""

    exports: list[ContentExport]
    jobs: list[Job] = field(default_factory=list)


def _mine(job: Job, site: str, user_id: int | None) -> bool:
    """A job of this site and user. A job recorded before jobs had a user (None) counts
    for whoever signs in to its site: nobody can tell whose it was."""
    return job.site == site and (user_id is None or job.user_id is None or job.user_id == user_id)


async def load_history(services: Services, site: str, ctx: Context, user_id: int | None = None) -> History:
    """Canvas's list of the context's exports, newest first, and this user's jobs for it.

    The jobs are read on the loop with no await before the result is handed back: an
    engine event is then either already in this snapshot or comes after it, so a front
    end that merges the snapshot into its JobTracker never goes back in time."""
    exports = await collect(services.client(site).list_exports(ctx))
    jobs = services.store.jobs() if services.store is not None else []
    return History(exports, [j for j in jobs if _mine(j, site, user_id) and j.context == str(ctx)])


async def site_jobs(services: Services, site: str, user_id: int | None = None) -> list[Job]:
    """Every job of this site and user (for the tracker at sign-in)."""
    store = services.store
    jobs = await asyncio.to_thread(store.jobs) if store is not None else []
    return [j for j in jobs if _mine(j, site, user_id)]


async def read_exports(services: Services, site: str, ctx: Context, export_ids: Iterable[int]) -> list[ContentExport]:
    """Read some exports again (running ones nobody watches, or one that just changed)."""
    client = services.client(site)
    return list(await asyncio.gather(*(client.get_export(ctx, int(i)) for i in export_ids)))


# ------------------------------------------------------------------ acting


@dataclass(frozen=True)
class ExportRequest:
    """Everything a new export needs; `dest` None: Canvas only, no download. `goal` None:
    a saved file with `dest`, else until Canvas has finished it."""

    site: str
    ctx: Context
    export_type: ExportType
    select: Mapping[SelectKey, list[int]] = field(default_factory=dict)
    skip_notifications: bool = False
    dest: Path | None = None
    goal: Goal | None = None
    user_id: int | None = None
    """Whose job it is (the signed-in user): each user sees their own jobs."""
    context_label: str | None = None
    """What a person calls the context (a course code, a group's name, "My files"): it
    starts the saved package's name (engine/names.py). None: the context's kind and id."""

    def again(self, select: Mapping[SelectKey, list[int]], skip_notifications: bool) -> ExportRequest:
        """The same request with another selection (a re-export's recorded one)."""
        return dataclasses.replace(self, select=select, skip_notifications=skip_notifications)


async def start_export(services: Services, request: ExportRequest) -> int:
    """Record and start a new export job; its id. `skip_notifications` is sent only
    where Canvas would send an e-mail at all (validation.notifications_apply)."""
    skip = request.skip_notifications and notifications_apply(request.ctx.kind, request.export_type)
    return await services.running_engine().start_export(
        request.site,
        request.ctx,
        request.export_type,
        {key: list(ids) for key, ids in request.select.items()} or None,
        skip,
        request.dest,
        goal=request.goal,
        user_id=request.user_id,
        context_label=request.context_label,
    )


async def download_export(
    services: Services,
    site: str,
    ctx: Context,
    export_id: int,
    dest: Path,
    user_id: int | None = None,
    *,
    context_label: str | None = None,
) -> int:
    """Take an export (ours or started elsewhere) to a verified file in `dest`; the job id.
    `context_label`: as in ExportRequest."""
    return await services.running_engine().attach(
        site, ctx, int(export_id), dest, user_id=user_id, context_label=context_label
    )


class SelectionUnknownError(ValidationError):
    """Re-export of an export no job of ours created: Canvas does not tell what it held,
    so the user chooses (everything, or tick items in the tree)."""


async def reexport(services: Services, request: ExportRequest, export_id: int, *, everything: bool = False) -> int:
    """Start the export `export_id` again: its type (in `request`) and the selection and
    notification choice of the job that created it. Jobs that only downloaded it do
    not count (their selection is empty, not "everything"). When no job of ours created
    it, SelectionUnknownError, unless `everything` says to export the whole context."""
    store = services.store
    jobs = await asyncio.to_thread(store.jobs_for_export, request.site, int(export_id)) if store is not None else []
    creators = [j for j in jobs if j.create_started_at is not None]
    if creators:
        made = creators[0]
        request = request.again({SelectKey(k): list(v) for k, v in made.selection.items()}, made.skip_notifications)
    elif not everything:
        raise SelectionUnknownError(
            f"Export {export_id} was not started by this app, and Canvas does not say what it contained. "
            f"Export everything, or tick what you want in the tree and start a new export."
        )
    else:
        request = request.again({}, request.skip_notifications)
    return await start_export(services, request)


async def stop_job(services: Services, job_id: int) -> None:
    """Stop watching and downloading (Canvas cannot cancel an export; it goes on there)."""
    await services.running_engine().stop(int(job_id))


async def resume_job(services: Services, job_id: int) -> int:
    """Carry on an interrupted or stopped job where it stood; its id. A job no longer in
    the store (`canvas-exports forget` in another process, while a window still lists it)
    is a ValidationError that says so."""
    try:
        await services.running_engine().resume(int(job_id))
    except KeyError:
        raise ValidationError(
            f"There is no job {job_id} on the list: it was removed (by another Canvas Export Manager, or "
            f"'canvas-exports forget'). Its saved files, if any, are still on disk."
        ) from None
    return int(job_id)


@dataclass(frozen=True)
class Forgotten:
    """What `forget_jobs` did: the jobs taken off the list, and a sentence for each job
    left on it."""

    removed: list[int] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    """Not in the store: never there (the command line says so), or taken off by another
    process since the window listed it (the window drops its row)."""


async def forget_jobs(services: Services, job_ids: Iterable[int]) -> Forgotten:
    """Take jobs off the local list (the job store): they disappear from every list and
    are never resumed. Nothing else changes: the saved package and any `.part` stay on
    disk, the export stays at Canvas. A job some process is working on now (this one
    included) stays, and so does a bulk export's (its batch keeps it for its report).
    A job named twice is taken off once (not then reported missing)."""
    engine = services.running_engine()
    done = Forgotten()
    for job_id in dict.fromkeys(int(j) for j in job_ids):
        try:
            kept = engine.forget(job_id)
        except KeyError:
            done.missing.append(job_id)
            continue
        if kept is None:
            done.removed.append(job_id)
        elif kept.holder is not None and kept.holder.id == engine.holder.id:
            done.kept.append(f"Job {job_id} is running: stop it first, then remove it from the list.")
        elif kept.holder is not None:
            done.kept.append(
                f"Job {job_id} is being worked on by another Canvas Export Manager ({kept.holder.describe()}); "
                f"remove it once that one has finished or stopped it."
            )
        elif kept.skipped:
            done.kept.append(
                f"Job {job_id} stays on the list: bulk export {kept.batch_id} counts its package for a course it "
                f"skipped as saved recently (its report and SHA256SUMS name the file)."
            )
        else:
            done.kept.append(
                f"Job {job_id} exports a course of bulk export {kept.batch_id} and stays with it: bulk exports are "
                f"managed as a whole, in their window or with 'canvas-exports batch'."
            )
    return done


async def ping(services: Services, site: str) -> None:
    """Ask Canvas the cheapest question (who am I): raises when it does not answer."""
    await services.client(site).get_self()


async def job_record(services: Services, job_id: int) -> Job | None:
    """The job store's row of one job (its selection, SHA-256, timestamps), or None."""
    store = services.store
    return await asyncio.to_thread(store.get, int(job_id)) if store is not None else None


_CANVAS_ENDED = frozenset({"ExportFailedError", "ExportExpiredError"})
"""Job errors that mean Canvas's export itself is over: retrying needs a new export."""


async def resume_unfinished(services: Services, site: str | None = None, user_id: int | None = None) -> Resumed:
    """Carry on every unfinished single-export job no other process is working on: all
    of them (cron), or this site's and user's (the app at sign-in: another user's token
    must not carry on someone else's job). A batch's jobs carry on with their batch
    (`batches.resume_batch`), which keeps its limit of exports at Canvas."""
    if site is None:
        return await services.running_engine().resume_unfinished(lambda job: job.batch_id is None)
    return await services.running_engine().resume_unfinished(
        lambda job: job.batch_id is None and _mine(job, site, user_id)
    )


async def unfinished_elsewhere(services: Services, site: str) -> list[int]:
    """The unfinished single-export jobs of every other site: what `resume_unfinished`
    for `site` leaves alone (the command line says how many)."""
    store = services.store
    jobs = await asyncio.to_thread(store.unfinished) if store is not None else []
    return [j.id for j in jobs if j.batch_id is None and j.site != site]


async def retry_job(services: Services, job_id: int) -> int:
    """Try a job again; the id of the job that does it.

    Interrupted, stopped, or failed on our side (a damaged download): it carries on
    where it stood (the same job; a rejected package is downloaded afresh). Failed or
    expired at Canvas: a new export of the same type and selection (a new job), since
    Canvas will not run a finished export again."""
    engine = services.running_engine()
    job = engine.job(int(job_id))
    if job is None:
        raise ValidationError(f"There is no job {job_id}.")
    if job.state is JobStatus.DONE:
        raise ValidationError(f"Job {job_id} is done: its package is saved. Use re-export for a new one.")
    if job.state is JobStatus.EXPIRED or job.error_kind in _CANVAS_ENDED:
        request = ExportRequest(
            job.site,
            Context.parse(job.context),
            ExportType(job.export_type),
            {SelectKey(k): list(v) for k, v in job.selection.items()},
            job.skip_notifications,
            job.dest_dir,
            job.goal,
            job.user_id,
            job.context_label,
        )
        return await start_export(services, request)
    return await resume_job(services, job.id)
