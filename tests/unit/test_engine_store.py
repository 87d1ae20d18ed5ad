"""The SQLite job store: round trips, migrations, refusing a newer schema."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop_app.engine.events import JobStatus
from desktop_app.engine.store import MIGRATIONS, JobStore, StoreError, default_store_path, migrate


def test_round_trip(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "jobs.sqlite3")
    created = datetime(2025, 1, 1, 12, tzinfo=timezone.utc)
    job = store.add(
        site="https://canvas.example.edu",
        context="course:12",
        export_type="common_cartridge",
        selection={"pages": [3, 1]},
        skip_notifications=True,
        state=JobStatus.CREATING,
        dest_dir=tmp_path,
    )
    assert job.id == 1 and job.state is JobStatus.CREATING
    job = store.update(job.id, export_id=99, export_created_at=created, state=JobStatus.QUEUED)
    again = JobStore(tmp_path / "jobs.sqlite3").get(job.id)
    assert again == job
    assert again.selection == {"pages": [1, 3]}
    assert again.skip_notifications is True
    assert again.dest_dir == tmp_path
    assert again.expires_at == created + timedelta(days=30)
    assert again.to_json()["state"] == "queued"


def test_unfinished_and_lookup(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "j.db")
    a = store.add(site="s", context="course:1", export_type="zip", state=JobStatus.DOWNLOADING, export_id=5)
    store.add(site="s", context="course:1", export_type="zip", state=JobStatus.DONE)
    c = store.add(site="s", context="course:1", export_type="zip", state=JobStatus.INTERRUPTED)
    store.add(site="s", context="course:1", export_type="zip", state=JobStatus.STOPPED)
    assert [j.id for j in store.unfinished()] == [a.id, c.id]
    assert [j.id for j in store.jobs_for_export("s", 5)] == [a.id]
    assert store.get(999) is None
    with pytest.raises(KeyError):
        store.update(999, state=JobStatus.DONE)
    with pytest.raises(TypeError):
        store.update(a.id, nonsense=1)


def test_wal_mode_and_version(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "j.db")
    conn = sqlite3.connect(tmp_path / "j.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert store.version == len(MIGRATIONS)


def test_upgrade_from_version_1(tmp_path: Path) -> None:
    """A store written by the first release opens, keeps its rows and gains the new columns."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, MIGRATIONS[:1])
    conn.execute(
        "INSERT INTO jobs (site, context, export_type, state, created_at, updated_at) "
        "VALUES ('s', 'course:1', 'qti', 'exporting', '2025-01-01T00:00:00+00:00', '2025-01-01T00:00:00+00:00')"
    )
    conn.close()
    store = JobStore(path)
    (job,) = store.jobs()
    assert job.state is JobStatus.EXPORTING and job.expire_days == 30
    indexes = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"jobs_by_state", "jobs_by_export"} <= indexes


def test_failed_migration_leaves_last_good_version(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    broken = MIGRATIONS[:1] + ("CREATE TABLE extra (x); THIS IS NOT SQL;",)
    with pytest.raises(StoreError):
        JobStore(path, migrations=broken)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name='extra'").fetchone()[0] == 0


def test_refuses_newer_store(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    JobStore(path).close()
    sqlite3.connect(path).execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    with pytest.raises(StoreError, match="newer version"):
        JobStore(path)


def test_default_path_in_user_data_dir() -> None:
    assert "canvas-export-manager" in str(default_store_path())


JOB = {"site": "https://canvas.example.edu", "context": "course:12", "export_type": "zip", "state": JobStatus.CREATING}


def test_disk_full_mid_run_is_a_store_error_that_says_so(tmp_path: Path) -> None:
    """SQLite's own page limit gives the very SQLITE_FULL a full disk gives."""
    store = JobStore(tmp_path / "jobs.sqlite3")
    job = store.add(**JOB)
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreError, match="could not be written: the disk is full") as caught:
        for _ in range(200):
            store.add(**JOB, last_error="x" * 4000)
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    assert store.get(job.id) == job  # reading still works


def test_a_store_locked_by_another_program(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    store = JobStore(path, timeout=0.05)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="another program is using it"):
            store.add(**JOB)
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_opening_a_locked_store(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="could not be opened: another program is using it"):
            JobStore(path, timeout=0.05)
    finally:
        other.execute("ROLLBACK")
        other.close()


@pytest.mark.parametrize(
    ("spoil", "words"),
    [
        (lambda p: p.write_bytes(b"not a database " * 100), "it is not a job store"),
        (lambda p: p.mkdir(), "it must be a file"),
        (lambda p: p.parent.rmdir() or p.parent.write_text("a file where the folder should be"), "exists"),
    ],
    ids=["not-a-database", "a-directory", "a-file-for-its-folder"],
)
def test_a_store_that_cannot_be_opened(tmp_path: Path, spoil, words: str) -> None:
    path = tmp_path / "store" / "jobs.sqlite3"
    path.parent.mkdir()
    spoil(path)
    with pytest.raises(StoreError, match=words):
        JobStore(path)


def test_the_selection_is_kept_as_select_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The ticked items stay typed from the window to the store and back (issue 13)."""
    from desktop_app.canvas.models import SelectKey
    from desktop_app.engine.status import JobStatus
    from desktop_app.engine.store import JobStore

    with JobStore(tmp_path / "jobs.sqlite3") as store:
        job = store.add(
            site="https://canvas.test",
            context="course:1",
            export_type="common_cartridge",
            state=JobStatus.CREATING,
            selection={SelectKey.PAGES: [7, 3], SelectKey.QUIZZES: [9]},
        )
        again = store.get(job.id)
    assert again is not None and again.selection == {SelectKey.PAGES: [3, 7], SelectKey.QUIZZES: [9]}
    assert all(type(key) is SelectKey for key in again.selection)
