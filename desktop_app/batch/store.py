"""The batch tables of the job store (schema 7): batches and their items.

One SQLite file holds jobs and batches, so linking a course's item to the job that
exports it is one transaction (`JobStore.add(batch_id=..., batch_position=...)`).
Every write here is one short transaction too; the runner calls these from the
engine's loop, the views read them from theirs.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from desktop_app.app.batch_views import BatchRowView, BatchState
from desktop_app.batch.layout import same_folder
from desktop_app.batch.model import Batch, BatchItem, BatchOptions, BatchTarget, ItemState
from desktop_app.batch.rows import row_view
from desktop_app.canvas.models import SelectKey, parse_time
from desktop_app.engine.ownership import Holder
from desktop_app.engine.status import JobStatus
from desktop_app.engine.store import Job, JobStore


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


class FolderBusyError(Exception):
    """An unfinished batch (`batch`) already saves into the folder."""

    def __init__(self, batch: Batch) -> None:
        super().__init__(f"batch {batch.id} saves into {batch.options.folder}")
        self.batch = batch


def lease_key(batch_id: int) -> int:
    """Batches share the jobs' lease table under negative keys: one runner per batch
    across processes (the window and a cron `batch resume`), with the same takeover
    rules as a job's lease."""
    return -batch_id


class BatchStore:
    """Batches in a `JobStore`'s database."""

    def __init__(self, jobs: JobStore) -> None:
        self.jobs = jobs

    # ---- batches

    def create(
        self,
        *,
        name: str,
        site: str,
        user_id: int | None,
        options: BatchOptions,
        targets: Sequence[BatchTarget],
        extra_columns: Sequence[str] = (),
        source: str = "",
    ) -> Batch:
        """Record a batch and its courses in one transaction (all or nothing).

        FolderBusyError when an unfinished batch saves into the same folder: two would
        rewrite one report.csv and SHA256SUMS in turn. Checked inside the transaction,
        so two processes starting batches into one folder at once cannot both pass."""
        now = _now()
        selection = json.dumps({SelectKey(k).value: sorted(v) for k, v in options.selection.items()})
        with self.jobs.transaction("written") as conn:
            for row in conn.execute("SELECT * FROM batches WHERE state != ?", (BatchState.FINISHED.value,)):
                if same_folder(Path(row["folder"]), options.folder):
                    raise FolderBusyError(_batch(row))
            cur = conn.execute(
                "INSERT INTO batches (name, site, user_id, export_type, selection, skip_notifications, folder, "
                "max_at_canvas, skip_within_days, keep, extra_columns, source, state, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    name,
                    site,
                    user_id,
                    options.export_type,
                    selection,
                    int(options.skip_notifications),
                    str(options.folder),
                    options.max_at_canvas,
                    options.skip_within_days,
                    options.keep,
                    json.dumps(list(extra_columns)),
                    source,
                    BatchState.RUNNING.value,
                    now,
                    now,
                ),
            )
            batch_id = cur.lastrowid
            assert batch_id is not None
            conn.executemany(
                "INSERT INTO batch_items (batch_id, position, course_id, sis_course_id, course_code, name, term, extra) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (batch_id, n, t.course_id, t.sis_course_id, t.course_code, t.name, t.term, json.dumps(t.extra))
                    for n, t in enumerate(targets)
                ],
            )
        return self.batch(batch_id)

    def batch(self, batch_id: int) -> Batch:
        with self.jobs.read() as conn:
            row = conn.execute("SELECT * FROM batches WHERE id = ?", (batch_id,)).fetchone()
        if row is None:
            raise KeyError(batch_id)
        return _batch(row)

    def get(self, batch_id: int) -> Batch | None:
        try:
            return self.batch(batch_id)
        except KeyError:
            return None

    def batches(self, site: str | None = None, user_id: int | None = None) -> list[Batch]:
        """Batches, newest first: all of them, or one site's (and user's)."""
        where, params = "1", list[Any]()
        if site is not None:
            where, params = "site = ?", [site]
            if user_id is not None:
                where += " AND (user_id = ? OR user_id IS NULL)"
                params.append(user_id)
        with self.jobs.read() as conn:
            rows = conn.execute(f"SELECT * FROM batches WHERE {where} ORDER BY id DESC", params).fetchall()
        return [_batch(r) for r in rows]

    def set_state(self, batch_id: int, state: BatchState) -> Batch:
        finished = _now() if state is BatchState.FINISHED else None
        with self.jobs.transaction("written") as conn:
            conn.execute(
                "UPDATE batches SET state = ?, finished_at = ?, updated_at = ? WHERE id = ?",
                (state.value, finished, _now(), batch_id),
            )
        return self.batch(batch_id)

    # ---- items

    def items(self, batch_id: int) -> list[BatchItem]:
        with self.jobs.read() as conn:
            rows = conn.execute(
                "SELECT * FROM batch_items WHERE batch_id = ? ORDER BY position", (batch_id,)
            ).fetchall()
        return [_item(r) for r in rows]

    def item(self, batch_id: int, position: int) -> BatchItem:
        with self.jobs.read() as conn:
            row = conn.execute(
                "SELECT * FROM batch_items WHERE batch_id = ? AND position = ?", (batch_id, position)
            ).fetchone()
        if row is None:
            raise KeyError((batch_id, position))
        return _item(row)

    def update_item(self, batch_id: int, position: int, **values: Any) -> BatchItem:
        """Change an item: `state`, `reason`, `skipped_job_id`, `job_id`, or the course's
        details once a SIS id is resolved (`course_id`, `course_code`, `name`, `term`,
        `sis_course_id`)."""
        unknown = set(values) - _ITEM_FIELDS
        if unknown:
            raise TypeError(f"cannot update batch item fields: {sorted(unknown)}")
        if isinstance(values.get("state"), ItemState):
            values["state"] = values["state"].value
        names = list(values)
        with self.jobs.transaction("written") as conn:
            conn.execute(
                f"UPDATE batch_items SET {', '.join(f'{n} = ?' for n in names)} WHERE batch_id = ? AND position = ?",
                [values[n] for n in names] + [batch_id, position],
            )
        return self.item(batch_id, position)

    def skip_for(self, batch_id: int, position: int, job_id: int, reason: str) -> bool:
        """Mark an item skipped for job `job_id`'s package, only while that job is still
        recorded and its package kept; False (the item unchanged) otherwise.

        One transaction, because the runner looks at a package before it writes this:
        meanwhile `canvas-exports forget` (another process) may take the job off the list,
        or another batch's `--keep` replace its package. Without the check the row would
        say skipped and name nothing, and forget's refusal of a job a batch counts would
        come too late; with it, forget either comes first (the course is exported) or
        sees the row and refuses."""
        with self.jobs.transaction("written") as conn:
            cur = conn.execute(
                "UPDATE batch_items SET state = ?, reason = ?, skipped_job_id = ? WHERE batch_id = ? AND position = ? "
                "AND EXISTS (SELECT 1 FROM jobs WHERE id = ? AND removed_at IS NULL)",
                (ItemState.SKIPPED.value, reason, job_id, batch_id, position, job_id),
            )
            return cur.rowcount == 1

    def rows_naming(self, job_id: int) -> list[tuple[int, int]]:
        """(batch id, position) of every item whose row shows job `job_id`: exported by
        it, or skipped for its package (of any batch). A scan: for the rare changes to
        a package itself (`--keep` replacing it)."""
        with self.jobs.read() as conn:
            rows = conn.execute(
                "SELECT batch_id, position FROM batch_items WHERE job_id = ? OR skipped_job_id = ? "
                "ORDER BY batch_id, position",
                (job_id, job_id),
            ).fetchall()
        return [(r["batch_id"], r["position"]) for r in rows]

    def row(self, item: BatchItem, batch_state: BatchState) -> BatchRowView:
        """The row of one item (a few reads; `rows.item_rows` for many)."""
        job = self.jobs.get(item.job_id) if item.job_id is not None else None
        skipped = self.jobs.get(item.skipped_job_id) if item.skipped_job_id is not None else None
        return row_view(item, job, batch_state, skipped)

    def position_of(self, job_id: int) -> tuple[int, int] | None:
        """(batch id, position) of the item a job exports now, if any."""
        with self.jobs.read() as conn:
            row = conn.execute("SELECT batch_id, position FROM batch_items WHERE job_id = ?", (job_id,)).fetchone()
        return (row["batch_id"], row["position"]) if row is not None else None

    def requeue(self, batch_id: int, positions: Iterable[int]) -> None:
        """Put items back to waiting (Retry failed): each is decided again (a new job, or
        skipped) when its turn comes."""
        with self.jobs.transaction("written") as conn:
            conn.executemany(
                "UPDATE batch_items SET state = 'waiting', job_id = NULL, reason = NULL, skipped_job_id = NULL "
                "WHERE batch_id = ? AND position = ?",
                [(batch_id, p) for p in positions],
            )

    def batch_jobs(self, batch_id: int) -> dict[int, Job]:
        """The jobs of a batch's items, by job id (earlier attempts included)."""
        return {job.id: job for job in self.jobs.job_rows("batch_id = ?", (batch_id,))}

    def jobs_shown(self, batch_id: int, items: Iterable[BatchItem]) -> dict[int, Job]:
        """The batch's jobs and the earlier ones (of another batch, or single exports)
        whose packages made some of `items` skipped: what the rows and the report show."""
        jobs = self.batch_jobs(batch_id)
        for item in items:
            if item.skipped_job_id is not None and item.skipped_job_id not in jobs:
                earlier = self.jobs.get(item.skipped_job_id)
                if earlier is not None:
                    jobs[earlier.id] = earlier
        return jobs

    # ---- earlier packages of a course (skip-if-saved-within, keep K)

    def saved_packages(self, site: str, context: str, export_type: str, user_id: int | None) -> list[Job]:
        """This user's saved, not removed packages of a course and type, newest first."""
        jobs = self.jobs.job_rows(
            "site = ? AND context = ? AND export_type = ? AND state = ? AND saved_path IS NOT NULL "
            "AND removed_at IS NULL AND (user_id IS ? OR user_id IS NULL)",
            (site, context, export_type, JobStatus.DONE.value, user_id),
        )
        return sorted(
            jobs,
            key=lambda j: (j.finished_at or j.updated_at or datetime.min.replace(tzinfo=timezone.utc), j.id),
            reverse=True,
        )

    def kept_packages(self, batch: Batch, context: str) -> list[Job]:
        """The packages `keep` counts, and may delete, for a course of `batch`: this
        user's saved packages of the course and type that batches saved into the same
        folder, newest first. `--keep K` is the rotation of one batch folder (a nightly
        archive): a package saved by a single export (someone downloaded it on purpose)
        or by a batch into another folder (a term's archive) is not that folder's to
        count or to delete."""
        into_this_folder: dict[int, bool] = {}

        def kept_here(job: Job) -> bool:
            if job.batch_id is None:
                return False
            if job.batch_id not in into_this_folder:
                other = self.get(job.batch_id)
                into_this_folder[job.batch_id] = other is not None and same_folder(
                    other.options.folder, batch.options.folder
                )
            return into_this_folder[job.batch_id]

        packages = self.saved_packages(batch.site, context, batch.options.export_type, batch.user_id)
        return [job for job in packages if kept_here(job)]

    # ---- one runner per batch

    def claim(self, batch_id: int, me: Holder, ttl: float) -> Holder | None:
        return self.jobs.claim(lease_key(batch_id), me, ttl)

    def renew(self, batch_id: int, me: Holder, ttl: float) -> bool:
        return self.jobs.renew(lease_key(batch_id), me, ttl)

    def release(self, batch_id: int, me: Holder) -> None:
        self.jobs.release(lease_key(batch_id), me)

    def holder(self, batch_id: int) -> Holder | None:
        """The live process running the batch, if any (ours included)."""
        with self.jobs.read() as conn:
            row = conn.execute(
                "SELECT holder, host, pid, expires_at FROM leases WHERE job_id = ?", (lease_key(batch_id),)
            ).fetchone()
        if row is None:
            return None
        other = Holder(row["holder"], row["host"], row["pid"])
        return other if row["expires_at"] > datetime.now(timezone.utc).timestamp() and other.is_alive() else None


_ITEM_FIELDS = frozenset(
    {"state", "reason", "skipped_job_id", "job_id", "course_id", "course_code", "name", "term", "sis_course_id"}
)


def _batch(row: sqlite3.Row) -> Batch:
    options = BatchOptions(
        export_type=row["export_type"],
        folder=Path(row["folder"]),
        selection={SelectKey(k): [int(i) for i in v] for k, v in json.loads(row["selection"]).items()},
        skip_notifications=bool(row["skip_notifications"]),
        max_at_canvas=row["max_at_canvas"],
        skip_within_days=row["skip_within_days"],
        keep=row["keep"],
    )
    return Batch(
        id=row["id"],
        name=row["name"],
        site=row["site"],
        user_id=row["user_id"],
        options=options,
        state=BatchState(row["state"]),
        extra_columns=tuple(json.loads(row["extra_columns"])),
        source=row["source"],
        created_at=parse_time(row["created_at"]),
        finished_at=parse_time(row["finished_at"]),
    )


def _item(row: sqlite3.Row) -> BatchItem:
    target = BatchTarget(
        course_id=row["course_id"],
        sis_course_id=row["sis_course_id"],
        course_code=row["course_code"],
        name=row["name"],
        term=row["term"],
        extra=json.loads(row["extra"]),
    )
    return BatchItem(
        batch_id=row["batch_id"],
        position=row["position"],
        target=target,
        state=ItemState(row["state"]),
        job_id=row["job_id"],
        reason=row["reason"],
        skipped_job_id=row["skipped_job_id"],
    )
