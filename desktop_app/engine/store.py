"""The job store: every export job, recorded in SQLite so none is ever lost.

Why SQLite in WAL mode: each state change is one small transaction that either happened
or did not, whatever kills the process (`kill -9`, a power cut with `synchronous=NORMAL`
loses at most the last transactions, never the file). The schema is versioned with
`PRAGMA user_version` and upgraded by an append-only list of migrations, so a newer app
opens an older store; a store written by a newer app is refused, not damaged.

Threading: the engine writes from its event-loop thread; the UI reads through the
engine, possibly from the GUI thread. One connection shared under a lock keeps that
simple (the operations are tiny) and avoids SQLite's per-thread connection rule.

What is *not* stored: `attachment.url` (it may carry a verifier, and signed URLs
expire): the engine re-reads it from Canvas before every download attempt.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import platformdirs

from desktop_app.canvas.models import DEFAULT_EXPIRE_DAYS, SelectKey, parse_time
from desktop_app.engine.errors import StoreError
from desktop_app.engine.ownership import Holder
from desktop_app.engine.status import Goal, JobStatus

APP_NAME = "canvas-export-manager"

MIGRATIONS: tuple[str, ...] = (
    # 1: the jobs table
    """
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        site TEXT NOT NULL,
        context TEXT NOT NULL,
        export_type TEXT NOT NULL,
        selection TEXT NOT NULL DEFAULT '{}',
        skip_notifications INTEGER NOT NULL DEFAULT 0,
        goal TEXT NOT NULL DEFAULT 'saved',
        state TEXT NOT NULL,
        canvas_state TEXT,
        progress REAL NOT NULL DEFAULT 0,
        export_id INTEGER,
        export_created_at TEXT,
        create_started_at TEXT,
        attachment_id INTEGER,
        attachment_name TEXT,
        attachment_size INTEGER,
        dest_dir TEXT,
        part_path TEXT,
        saved_path TEXT,
        size INTEGER,
        sha256 TEXT,
        last_error TEXT,
        error_kind TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        finished_at TEXT
    );
    """,
    # 2: resume_unfinished and duplicate checks look jobs up by state and by export
    """
    CREATE INDEX jobs_by_state ON jobs(state);
    CREATE INDEX jobs_by_export ON jobs(site, export_id);
    """,
    # 3: Canvas's expiry setting can differ per installation
    """
    ALTER TABLE jobs ADD COLUMN expire_days INTEGER NOT NULL DEFAULT 30;
    """,
    # 4: one worker per job across processes (the app, a second app, a cron `resume`)
    """
    CREATE TABLE leases (
        job_id INTEGER PRIMARY KEY,
        holder TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        expires_at REAL NOT NULL
    );
    """,
    # 5: jobs belong to a user of a site (two accounts on one Canvas share nothing)
    """
    ALTER TABLE jobs ADD COLUMN user_id INTEGER;
    CREATE INDEX jobs_by_site_user ON jobs(site, user_id);
    """,
    # 6: what a person calls the context (a course code, a group's name), for file names
    """
    ALTER TABLE jobs ADD COLUMN context_label TEXT;
    """,
    # 7: batches (term-end bulk export): one item per course, each exported by one job
    """
    ALTER TABLE jobs ADD COLUMN batch_id INTEGER;
    ALTER TABLE jobs ADD COLUMN removed_at TEXT;
    CREATE INDEX jobs_by_batch ON jobs(batch_id);
    CREATE INDEX jobs_by_context ON jobs(site, context, export_type);
    CREATE TABLE batches (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        site TEXT NOT NULL,
        user_id INTEGER,
        export_type TEXT NOT NULL,
        selection TEXT NOT NULL DEFAULT '{}',
        skip_notifications INTEGER NOT NULL DEFAULT 1,
        folder TEXT NOT NULL,
        max_at_canvas INTEGER NOT NULL DEFAULT 5,
        skip_within_days REAL,
        keep INTEGER,
        extra_columns TEXT NOT NULL DEFAULT '[]',
        source TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL DEFAULT 'running',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        finished_at TEXT
    );
    CREATE TABLE batch_items (
        batch_id INTEGER NOT NULL REFERENCES batches(id),
        position INTEGER NOT NULL,
        course_id INTEGER,
        sis_course_id TEXT,
        course_code TEXT NOT NULL DEFAULT '',
        name TEXT NOT NULL DEFAULT '',
        term TEXT NOT NULL DEFAULT '',
        extra TEXT NOT NULL DEFAULT '{}',
        state TEXT NOT NULL DEFAULT 'waiting',
        job_id INTEGER,
        reason TEXT,
        skipped_job_id INTEGER,
        PRIMARY KEY (batch_id, position)
    );
    CREATE INDEX batch_items_by_job ON batch_items(job_id);
    """,
)


_REASONS: tuple[tuple[str, str], ...] = (
    ("SQLITE_FULL", "the disk is full; free some space and try again"),
    ("SQLITE_BUSY", "another program is using it (it is locked); close that program and try again"),
    ("SQLITE_LOCKED", "another program is using it (it is locked); close that program and try again"),
    ("SQLITE_READONLY", "it is read-only; check the permissions of its folder"),
    ("SQLITE_CANTOPEN", "it must be a file (not a folder) in a folder you may write to"),
    ("SQLITE_NOTADB", "it is not a job store (not an SQLite database); move it away and try again"),
    ("SQLITE_CORRUPT", "the file is damaged; move it away and try again"),
    ("SQLITE_IOERR", "the disk reported an error (it may be full or failing)"),
)
"""SQLite's error names (a prefix: SQLITE_IOERR_WRITE is an IOERR) in words a person can act on."""


def _reason(err: sqlite3.Error | OSError) -> str:
    if isinstance(err, OSError):
        return err.strerror or str(err)
    name = getattr(err, "sqlite_errorname", "") or ""
    return next((words for prefix, words in _REASONS if name.startswith(prefix)), str(err))


def store_error(err: sqlite3.Error | OSError, path: Path, doing: str) -> StoreError:
    """The StoreError for a failure of SQLite (or of the file system) while `doing`."""
    return StoreError(
        f"The job store {path} could not be {doing}: {_reason(err)}.",
        detail=f"{type(err).__name__}: {err}",
    )


def default_store_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "jobs.sqlite3"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Job:
    """One row of the store, as an immutable snapshot."""

    id: int
    site: str
    context: str
    export_type: str
    state: JobStatus
    selection: dict[SelectKey, list[int]] = field(default_factory=dict)
    """What was ticked, as the API's `select` hash: key -> ids (empty: everything)."""
    skip_notifications: bool = False
    goal: Goal = Goal.SAVED
    canvas_state: str | None = None
    progress: float = 0.0
    export_id: int | None = None
    export_created_at: datetime | None = None
    create_started_at: datetime | None = None
    attachment_id: int | None = None
    attachment_name: str | None = None
    attachment_size: int | None = None
    dest_dir: Path | None = None
    part_path: Path | None = None
    saved_path: Path | None = None
    size: int | None = None
    sha256: str | None = None
    last_error: str | None = None
    error_kind: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    finished_at: datetime | None = None
    expire_days: int = DEFAULT_EXPIRE_DAYS
    user_id: int | None = None
    """The Canvas user whose token made the job (None: recorded before schema 5)."""
    context_label: str | None = None
    """What a person calls the context: a course code, a group's name, "My files"; it
    starts the saved package's name (None: recorded before schema 6, or not known)."""
    batch_id: int | None = None
    """The batch the job exports a course of (None: a single export)."""
    removed_at: datetime | None = None
    """When the saved package stopped being this app's to keep: `--keep` deleted it, or
    found it changed, replaced or linked elsewhere and left it alone (the record stays)."""

    @property
    def expires_at(self) -> datetime | None:
        """When Canvas stops offering the package (created_at + expire_days)."""
        if self.export_created_at is None or self.expire_days <= 0:
            return None
        return self.export_created_at + timedelta(days=self.expire_days)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-able dict (for `canvas-exports jobs --json`)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, Path):
                value = str(value)
            elif isinstance(value, JobStatus):
                value = value.value
            out[f.name] = value
        expires = self.expires_at
        out["expires_at"] = expires.isoformat() if expires else None
        return out


@dataclass(frozen=True)
class Kept:
    """Why `JobStore.forget` left a job on the list."""

    holder: Holder | None = None
    """A live process works on it now (possibly this one)."""
    batch_id: int | None = None
    """The batch it belongs to: it exports one of its courses, or (`skipped`) its package
    is what the batch shows for a course it skipped as saved recently."""
    skipped: bool = False


_DATE_COLUMNS = {"export_created_at", "create_started_at", "created_at", "updated_at", "finished_at", "removed_at"}
_PATH_COLUMNS = {"dest_dir", "part_path", "saved_path"}
_COLUMNS = {f.name for f in fields(Job)}


def _to_db(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _DATE_COLUMNS:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=timezone.utc)
            return value.astimezone(timezone.utc).isoformat()
        return str(value)
    if name in _PATH_COLUMNS:
        return str(value)
    if name == "selection":
        return json.dumps({SelectKey(k).value: sorted(int(i) for i in v) for k, v in value.items()})
    if name == "state":
        return JobStatus(value).value
    if name == "goal":
        return Goal(value).value
    if name == "skip_notifications":
        return int(bool(value))
    return value


def _from_row(row: sqlite3.Row) -> Job:
    data: dict[str, Any] = {}
    for key in row.keys():
        if key not in _COLUMNS:
            continue  # a column a newer migration added that this Job does not know
        value = row[key]
        if value is not None:
            if key in _DATE_COLUMNS:
                value = parse_time(value)
            elif key in _PATH_COLUMNS:
                value = Path(value)
            elif key == "selection":
                value = {SelectKey(k): [int(i) for i in ids] for k, ids in json.loads(value).items()}
            elif key == "state":
                value = JobStatus(value)
            elif key == "goal":
                value = Goal(value)
            elif key == "skip_notifications":
                value = bool(value)
        data[key] = value
    return Job(**data)


def migrate(conn: sqlite3.Connection, migrations: Sequence[str] = MIGRATIONS) -> int:
    """Bring the schema to `len(migrations)`; each step in its own transaction.

    Returns the version reached. Refuses (StoreError) a store newer than this code.
    """
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(migrations):
        raise StoreError(
            f"The job store was written by a newer version of Canvas Export Manager "
            f"(schema {version}, this version knows {len(migrations)}). Update the app."
        )
    for number in range(version, len(migrations)):
        # executescript() commits first; wrap the step and the version bump in one transaction
        try:
            conn.executescript(
                "BEGIN IMMEDIATE;\n" + migrations[number] + f"\nPRAGMA user_version = {number + 1};\nCOMMIT;"
            )
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")  # leave the store at the last complete version
            raise
    return len(migrations)


class JobStore:
    """SQLite job store. `path=None` uses the user's data folder; `timeout` is how long
    to wait for another program's lock. Every failure is a StoreError that says why."""

    def __init__(
        self, path: Path | str | None = None, *, migrations: Sequence[str] = MIGRATIONS, timeout: float = 10.0
    ) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=timeout)
        except (sqlite3.Error, OSError) as err:
            raise store_error(err, self.path, "opened") from err
        self._conn.row_factory = sqlite3.Row
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            self.version = migrate(self._conn, migrations)
        except sqlite3.Error as err:
            self._conn.close()
            raise store_error(err, self.path, "opened") from err
        except StoreError:
            self._conn.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextlib.contextmanager
    def _using(self, doing: str) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock; a SQLite failure (the disk filled mid-run,
        another program's lock) leaves as a StoreError saying what was being `doing`."""
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as err:
                raise store_error(err, self.path, doing) from err

    def __enter__(self) -> "JobStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, *, batch_position: int | None = None, **values: Any) -> Job:
        """Record a new job and return it. `site`, `context`, `export_type`, `state` needed.

        With `batch_id` and `batch_position`, the batch's item for that course is linked
        to the job in the same transaction: whatever kills the process, a course's job
        is either recorded and linked or neither, so a resumed batch never starts a
        second export for it."""
        unknown = set(values) - _COLUMNS
        if unknown:
            raise TypeError(f"unknown job fields: {sorted(unknown)}")
        if (batch_position is None) != (values.get("batch_id") is None):
            raise TypeError("a batch's job needs both batch_id and batch_position")
        now = _now()
        values.setdefault("created_at", now)
        values["updated_at"] = now
        names = list(values)
        with self.transaction("written") as conn:
            cur = conn.execute(
                f"INSERT INTO jobs ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                [_to_db(n, values[n]) for n in names],
            )
            job_id = cur.lastrowid
            assert job_id is not None  # an INSERT always has one
            if batch_position is not None:
                linked = conn.execute(
                    "UPDATE batch_items SET job_id = ?, state = 'job', reason = NULL WHERE batch_id = ? AND position = ?",
                    (job_id, values["batch_id"], batch_position),
                )
                if linked.rowcount != 1:
                    raise KeyError((values["batch_id"], batch_position))
        with self._using("read"):
            return self._get(job_id)

    def update(self, job_id: int, **values: Any) -> Job:
        """Change some fields of a job in one transaction; returns the new snapshot."""
        unknown = set(values) - _COLUMNS - {"id"}
        if unknown or "id" in values:
            raise TypeError(f"cannot update job fields: {sorted(unknown | ({'id'} & set(values)))}")
        values["updated_at"] = _now()
        names = list(values)
        with self._using("written") as conn:
            cur = conn.execute(
                f"UPDATE jobs SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
                [_to_db(n, values[n]) for n in names] + [job_id],
            )
            if cur.rowcount != 1:
                raise KeyError(job_id)
            return self._get(job_id)

    @contextlib.contextmanager
    def transaction(self, doing: str) -> Iterator[sqlite3.Connection]:
        """The connection inside one `BEGIN IMMEDIATE` transaction (committed at the end,
        rolled back on any error), for the batch tables (`batch/store.py`)."""
        with self._using(doing) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def read(self, doing: str = "read") -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """The connection for reads (no transaction), under the store's lock."""
        return self._using(doing)

    def job_rows(self, where: str, params: Sequence[Any] = ()) -> list[Job]:
        """Jobs matching an SQL condition (the batch queries), oldest first."""
        with self._using("read") as conn:
            rows = conn.execute(f"SELECT * FROM jobs WHERE {where} ORDER BY id", list(params)).fetchall()
            return [_from_row(r) for r in rows]

    def _get(self, job_id: int) -> Job:
        row = self._conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise KeyError(job_id)
        return _from_row(row)

    def get(self, job_id: int) -> Job | None:
        with self._using("read"):
            try:
                return self._get(job_id)
            except KeyError:
                return None

    def jobs(self, states: Iterable[JobStatus] | None = None) -> list[Job]:
        """All jobs (or those in `states`), oldest first."""
        with self._using("read") as conn:
            if states is None:
                rows = conn.execute("SELECT * FROM jobs ORDER BY id").fetchall()
            else:
                wanted = [JobStatus(s).value for s in states]
                rows = conn.execute(
                    f"SELECT * FROM jobs WHERE state IN ({', '.join('?' for _ in wanted)}) ORDER BY id",
                    wanted,
                ).fetchall()
            return [_from_row(r) for r in rows]

    def unfinished(self) -> list[Job]:
        """Jobs a restart must carry on (not done, failed, expired or stopped)."""
        return self.jobs([s for s in JobStatus if not s.is_terminal])

    # ---- leases: one worker per job, across processes

    def claim(self, job_id: int, me: Holder, ttl: float) -> Holder | None:
        """Take (or renew) the lease on a job for `ttl` seconds.

        Returns None when the job is now ours, else the live holder that keeps it. A lease
        whose holder crashed (expired, or its process is gone from this computer) is
        taken over. One `BEGIN IMMEDIATE` transaction, so two processes cannot both win.
        KeyError when there is no such job: `forget` in another process may have deleted
        it since the caller read it, and a lease must not outlive its job. (Negative keys
        are batches' leases, `batch/store.py`: no job row to check.)
        """
        now = time.time()
        with self._using("read for a lease") as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                if job_id > 0 and conn.execute("SELECT 1 FROM jobs WHERE id = ?", (job_id,)).fetchone() is None:
                    raise KeyError(job_id)
                row = conn.execute(
                    "SELECT holder, host, pid, expires_at FROM leases WHERE job_id = ?", (job_id,)
                ).fetchone()
                other = _live_holder(row, now)
                if other is not None and other.id != me.id:
                    conn.execute("COMMIT")
                    return other
                conn.execute(
                    "INSERT OR REPLACE INTO leases (job_id, holder, host, pid, expires_at) VALUES (?, ?, ?, ?, ?)",
                    (job_id, me.id, me.host, me.pid, now + ttl),
                )
                conn.execute("COMMIT")
                return None
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def renew(self, job_id: int, me: Holder, ttl: float) -> bool:
        """Extend our lease; False when it is no longer ours (another process took it)."""
        with self._using("written") as conn:
            cur = conn.execute(
                "UPDATE leases SET expires_at = ? WHERE job_id = ? AND holder = ?", (time.time() + ttl, job_id, me.id)
            )
            return cur.rowcount == 1

    def release(self, job_id: int, me: Holder) -> None:
        """Give the job up (finished, stopped, or this process is quitting)."""
        with self._using("written") as conn:
            conn.execute("DELETE FROM leases WHERE job_id = ? AND holder = ?", (job_id, me.id))

    def forget(self, job_id: int) -> Kept | None:
        """Take a job off the local list: its row and any lease row are deleted, in one
        transaction, unless a live process holds its lease (this one included: a running
        job) or a batch has it (`Kept` says which). KeyError when there is no such job.

        A real delete, not a mark: every reader (the lists, `resume`, the history, the
        Activity view, `--keep`) then simply never sees it again. Nothing on disk or at
        Canvas changes; the saved package and any `.part` stay where they are."""
        now = time.time()
        with self.transaction("written") as conn:
            row = conn.execute("SELECT batch_id FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise KeyError(job_id)
            if row["batch_id"] is not None:
                return Kept(batch_id=row["batch_id"])
            skipped = conn.execute(
                "SELECT batch_id FROM batch_items WHERE skipped_job_id = ? ORDER BY batch_id LIMIT 1", (job_id,)
            ).fetchone()
            if skipped is not None:
                return Kept(batch_id=skipped["batch_id"], skipped=True)
            holder = _live_holder(
                conn.execute("SELECT holder, host, pid, expires_at FROM leases WHERE job_id = ?", (job_id,)).fetchone(),
                now,
            )
            if holder is not None:
                return Kept(holder=holder)
            conn.execute("DELETE FROM leases WHERE job_id = ?", (job_id,))
            conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
        return None

    def jobs_for_export(self, site: str, export_id: int) -> list[Job]:
        with self._using("read") as conn:
            rows = conn.execute(
                "SELECT * FROM jobs WHERE site = ? AND export_id = ? ORDER BY id", (site, export_id)
            ).fetchall()
            return [_from_row(r) for r in rows]


def _live_holder(lease: sqlite3.Row | None, now: float) -> Holder | None:
    """The holder of a lease row while it counts: not expired, its process not known gone."""
    if lease is None:
        return None
    holder = Holder(lease["holder"], lease["host"], lease["pid"])
    return holder if lease["expires_at"] > now and holder.is_alive() else None
