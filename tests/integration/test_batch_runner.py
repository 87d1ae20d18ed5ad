"""The batch runner over real HTTP: courses saved into the term layout, at most N at
Canvas, failures in their rows, skip recent, keep K, sign-in pause, pause and resume,
and never a second export for a course when a run is cut short."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from engine_support import RecordingSleep, async_wait_until, engine_for, posts

from desktop_app.app.batch_views import BatchState, RowStatus
from desktop_app.batch.events import BatchChanged
from desktop_app.batch.model import BatchOptions, BatchTarget, ItemState
from desktop_app.batch.report import report_rows
from desktop_app.batch.rows import item_rows
from desktop_app.batch.runner import BatchBusyError, BatchRunner, RunnerConfig
from desktop_app.batch.store import BatchStore
from desktop_app.canvas.models import Context
from desktop_app.engine import JobStatus
from desktop_app.engine.events import JobState
from desktop_app.engine.store import JobStore
from desktop_app.simulator import SimulatedCanvas

pytestmark = pytest.mark.timeout(90)

FAST_RUNNER = RunnerConfig(report_interval=0.05, retry_rounds=1, retry_delay=0.05, tick=0.05)
CS101 = BatchTarget(101, "CS-101-2026FA", "CS 101", "Analytical Engines: Foundations of Computing", "Fall 2026")
HIST210 = BatchTarget(102, None, "HIST 210", "History of Computing", "Spring 2027")
MATH301 = BatchTarget(103, None, "MATH 301", "Numerical Methods", "Fall 2026")  # the teacher is a student there


def options(folder: Path, **kw: Any) -> BatchOptions:
    return BatchOptions(export_type=kw.pop("export_type", "common_cartridge"), folder=folder, **kw)


async def run_batch(
    sim: SimulatedCanvas,
    tmp_path: Path,
    targets: list[BatchTarget],
    opts: BatchOptions,
    *,
    events: list | None = None,
    during: Callable[[BatchRunner, BatchStore, int], Any] | None = None,
    batch_id: int | None = None,
    retry_failed: bool = False,
    **kw: Any,
) -> tuple[BatchStore, int, BatchState]:
    async with engine_for(sim, tmp_path / "jobs.db", events, **kw) as (engine, client):
        store = BatchStore(engine.store)
        if batch_id is None:
            batch_id = store.create(name="t", site=client.base_url, user_id=None, options=opts, targets=targets).id

        async def read_course(site: str, ctx: Context) -> Any:
            return await client.get_course(ctx)

        emit = events.append if events is not None else None  # the runner's BatchChanged beside the engine's
        runner = BatchRunner(engine, store, read_course, emit, config=FAST_RUNNER)
        task = asyncio.create_task(runner.run(batch_id, retry_failed=retry_failed))
        if during is not None:
            await during(runner, store, batch_id)
        state = await task
    return BatchStore(JobStore(tmp_path / "jobs.db")), batch_id, state


def rows_of_batch(store: BatchStore, batch_id: int) -> list[Any]:
    """The batch's rows, in its order (what `batch show` and the window read)."""
    items = store.items(batch_id)
    return item_rows(items, store.jobs_shown(batch_id, items), store.batch(batch_id).state)


def rows_of(store: BatchStore, batch_id: int) -> dict[int, Any]:
    """The batch's rows by course id."""
    return {row.course_id: row for row in rows_of_batch(store, batch_id)}


def report(folder: Path) -> list[dict[str, str]]:
    with (folder / "report.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_a_batch_saves_each_course_in_its_term_folder_and_reports_it(sim: SimulatedCanvas, tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    store, batch_id, state = asyncio.run(run_batch(sim, tmp_path, [CS101, HIST210, MATH301], options(folder)))
    assert state is BatchState.FINISHED
    rows = rows_of(store, batch_id)
    assert rows[101].status is RowStatus.SAVED and rows[102].status is RowStatus.SAVED
    saved = Path(rows[101].file)
    assert saved.parent == folder / "Fall 2026" / "CS 101 Analytical Engines - Foundations of Computing (course 101)"
    assert saved.name.startswith("CS 101 Common Cartridge ") and saved.suffix == ".imscc"
    assert Path(rows[102].file).parent == folder / "Spring 2027" / "HIST 210 History of Computing (course 102)"
    assert rows[103].status is RowStatus.FAILED and "not allowed" in (rows[103].reason or "")

    lines = report(folder)
    assert [r["course_id"] for r in lines] == ["101", "102", "103"]
    assert [r["state"] for r in lines] == ["saved", "saved", "failed"]
    assert lines[0]["sis_course_id"] == "CS-101-2026FA" and lines[0]["term"] == "Fall 2026"
    assert lines[0]["sha256"] == hashlib.sha256(saved.read_bytes()).hexdigest()
    assert int(lines[0]["size"]) == saved.stat().st_size and lines[0]["export_id"]
    assert lines[2]["error"] and not lines[2]["file"]

    sums = (folder / "SHA256SUMS").read_text().splitlines()
    assert len(sums) == 2
    for line in sums:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    assert not list(folder.rglob("*.part")) and not list(folder.glob(".*.tmp"))


def test_at_most_n_exports_run_at_canvas_at_once(sim: SimulatedCanvas, tmp_path: Path) -> None:
    from desktop_app.simulator import ADMIN_TOKEN

    events: list = []
    targets = [CS101, HIST210, MATH301]  # the admin may export all three
    store, batch_id, state = asyncio.run(
        run_batch(
            sim,
            tmp_path,
            targets,
            options(tmp_path / "out", export_type="zip", max_at_canvas=1),
            events=events,
            token=ADMIN_TOKEN,
        )
    )
    assert state is BatchState.FINISHED
    at_canvas: set[int] = set()
    most = 0
    for event in events:
        if isinstance(event, JobState):
            if event.state in (JobStatus.CREATING, JobStatus.QUEUED, JobStatus.EXPORTING):
                at_canvas.add(event.job_id)
            else:
                at_canvas.discard(event.job_id)
            most = max(most, len(at_canvas))
    assert most == 1
    assert len(posts(sim)) == 3


def test_a_recently_saved_course_is_skipped_and_keep_deletes_only_our_old_packages(
    sim: SimulatedCanvas, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    store, first, _ = asyncio.run(run_batch(sim, tmp_path, [CS101], options(folder, export_type="zip")))
    old = Path(rows_of(store, first)[101].file)
    store.jobs.close()

    sim.clear_log()
    store, second, state = asyncio.run(
        run_batch(sim, tmp_path, [CS101], options(folder, export_type="zip", skip_within_days=1))
    )
    row = rows_of(store, second)[101]
    assert state is BatchState.FINISHED and row.status is RowStatus.SKIPPED and row.file == str(old)
    assert posts(sim) == [] and report(folder)[0]["state"] == "skipped" and report(folder)[0]["file"]
    store.jobs.close()

    stranger = old.parent / "notes.txt"
    stranger.write_text("mine")
    events: list[Any] = []
    store, third, _ = asyncio.run(
        run_batch(sim, tmp_path, [CS101], options(folder, export_type="zip", keep=1), events=events)
    )
    newest = Path(rows_of(store, third)[101].file)
    assert newest.exists() and newest != old
    assert not old.exists()
    assert stranger.read_text() == "mine"
    removed = [j for j in store.jobs.jobs() if j.removed_at is not None]
    assert [j.saved_path for j in removed] == [old]

    # the rows of the batches that saved it (1) and skipped for it (2) name no file now, as
    # their reports do, and their open windows are told (BatchChanged)
    for batch_id, status in ((first, RowStatus.SAVED), (second, RowStatus.SKIPPED)):
        (row,) = rows_of_batch(store, batch_id)
        assert row.status is status and row.file is None and row.size is None
        assert "Replaced by a newer package" in (row.reason or "")
        batch, items = store.batch(batch_id), store.items(batch_id)
        (line,) = report_rows(batch, items, store.jobs_shown(batch_id, items))[1:]
        assert line[6:9] == [status.value, "", ""] and line[12] == row.reason
        assert BatchChanged(batch_id, (0,)) in events


def test_keep_leaves_a_symlink_or_a_changed_file_alone(sim: SimulatedCanvas, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    store, first, _ = asyncio.run(run_batch(sim, tmp_path, [CS101], options(folder, export_type="zip")))
    first_file = Path(rows_of(store, first)[101].file)
    store.jobs.close()
    store, second, _ = asyncio.run(run_batch(sim, tmp_path, [CS101], options(folder, export_type="zip")))
    second_file = Path(rows_of(store, second)[101].file)
    store.jobs.close()
    target = tmp_path / "precious"
    target.write_bytes(b"x" * first_file.stat().st_size)
    first_file.unlink()
    first_file.symlink_to(target)  # the oldest package is now a symlink to something else
    second_file.write_bytes(b"changed")  # the second was changed by the user
    store, third, _ = asyncio.run(run_batch(sim, tmp_path, [CS101], options(folder, export_type="zip", keep=1)))
    # neither is what this app saved any more: both are left alone, and no longer counted as ours
    assert len([j for j in store.jobs.jobs() if j.removed_at]) == 2
    assert first_file.is_symlink() and target.exists() and second_file.read_bytes() == b"changed"


def test_a_refused_token_pauses_the_batch_until_resumed(sim: SimulatedCanvas, tmp_path: Path) -> None:
    from desktop_app.simulator import TEACHER_TOKEN

    sim.faults.revoke_token(TEACHER_TOKEN)
    store, batch_id, state = asyncio.run(run_batch(sim, tmp_path, [CS101, HIST210], options(tmp_path / "out")))
    assert state is BatchState.SIGN_IN
    assert store.batch(batch_id).state is BatchState.SIGN_IN
    store.jobs.close()
    token = sim.issue_token(sim.data.teacher_id)
    store, _, state = asyncio.run(
        run_batch(sim, tmp_path, [], options(tmp_path / "out"), batch_id=batch_id, token=token)
    )
    assert state is BatchState.FINISHED
    assert {r.status for r in rows_of(store, batch_id).values()} == {RowStatus.SAVED}


def test_pause_stops_the_jobs_and_resume_finishes_without_a_second_export(sim: SimulatedCanvas, tmp_path: Path) -> None:
    sim.export_duration = 1.0

    async def pause_once_exporting(runner: BatchRunner, store: BatchStore, batch_id: int) -> None:
        await async_wait_until(lambda: len(posts(sim)) >= 1, what="a first POST")
        store.set_state(batch_id, BatchState.PAUSED)
        runner.wake()

    store, batch_id, state = asyncio.run(
        run_batch(sim, tmp_path, [CS101, HIST210], options(tmp_path / "out"), during=pause_once_exporting)
    )
    assert state is BatchState.PAUSED
    assert RowStatus.PAUSED in {r.status for r in rows_of(store, batch_id).values()}
    store.jobs.close()
    sim.export_duration = 0.2
    store, _, state = asyncio.run(run_batch(sim, tmp_path, [], options(tmp_path / "out"), batch_id=batch_id))
    assert state is BatchState.FINISHED
    assert {r.status for r in rows_of(store, batch_id).values()} == {RowStatus.SAVED}
    per_course = [p.path for p in posts(sim)]
    assert sorted(per_course) == sorted(set(per_course))  # one export per course


def test_a_second_runner_of_the_same_batch_is_refused(sim: SimulatedCanvas, tmp_path: Path) -> None:
    async def second_runner(runner: BatchRunner, store: BatchStore, batch_id: int) -> None:
        await async_wait_until(lambda: store.holder(batch_id) is not None, what="the lease")
        other = BatchRunner(runner.engine, store, runner._read_course, config=FAST_RUNNER)
        other_engine_holder = runner.engine.holder
        runner.engine.holder = type(other_engine_holder).new()  # a second process, as far as leases go
        try:
            with pytest.raises(BatchBusyError):
                await other.run(batch_id)
        finally:
            runner.engine.holder = other_engine_holder

    _, _, state = asyncio.run(
        run_batch(sim, tmp_path, [CS101], options(tmp_path / "out", export_type="zip"), during=second_runner)
    )
    assert state is BatchState.FINISHED


def test_a_second_unfinished_batch_into_one_folder_is_refused_by_the_store(tmp_path: Path) -> None:
    from desktop_app.batch.store import FolderBusyError

    store = BatchStore(JobStore(tmp_path / "jobs.db"))
    first = store.create(name="a", site="s", user_id=1, options=options(tmp_path / "x"), targets=[CS101])
    with pytest.raises(FolderBusyError) as refused:
        store.create(name="b", site="s", user_id=1, options=options(tmp_path / "y" / ".." / "x"), targets=[CS101])
    assert refused.value.batch.id == first.id and len(store.batches()) == 1
    store.set_state(first.id, BatchState.FINISHED)
    assert store.create(name="c", site="s", user_id=1, options=options(tmp_path / "x"), targets=[CS101]).id


def test_an_item_linked_in_the_same_transaction_as_its_job(tmp_path: Path) -> None:
    store = BatchStore(JobStore(tmp_path / "jobs.db"))
    batch = store.create(name="t", site="s", user_id=1, options=options(tmp_path), targets=[CS101])
    with pytest.raises(KeyError):
        store.jobs.add(
            site="s",
            context="course:1",
            export_type="zip",
            state=JobStatus.CREATING,
            batch_id=batch.id,
            batch_position=7,
        )
    assert store.jobs.jobs() == []  # the job was rolled back with the failed link
    job = store.jobs.add(
        site="s", context="course:101", export_type="zip", state=JobStatus.CREATING, batch_id=batch.id, batch_position=0
    )
    item = store.item(batch.id, 0)
    assert item.job_id == job.id and item.state is ItemState.JOB and job.batch_id == batch.id
    assert os.path.exists(tmp_path / "jobs.db")


def test_a_course_is_skipped_only_for_a_package_still_listed_and_kept(tmp_path: Path) -> None:
    # the runner looks at a recent package, then records the skip; meanwhile another
    # process may `forget` that job, or another batch's --keep replace its package.
    # The skip is recorded only if the job is still there and kept, in one transaction
    # with that check: forget either comes first (no skip) or sees the row and refuses.
    from datetime import datetime, timezone

    runner_side = BatchStore(JobStore(tmp_path / "jobs.db"))
    other_process = JobStore(tmp_path / "jobs.db")
    batch = runner_side.create(name="t", site="s", user_id=1, options=options(tmp_path), targets=[CS101, HIST210])

    def package() -> int:
        return runner_side.jobs.add(
            site="s", context="course:101", export_type="common_cartridge", state=JobStatus.DONE
        ).id

    forgotten, kept, replaced = package(), package(), package()
    assert other_process.forget(forgotten) is None
    assert not runner_side.skip_for(batch.id, 0, forgotten, "Saved recently")
    assert runner_side.item(batch.id, 0).state is ItemState.WAITING  # decided again: exported

    assert runner_side.skip_for(batch.id, 0, kept, "Saved recently")
    refused = other_process.forget(kept)
    assert refused is not None and refused.skipped and refused.batch_id == batch.id

    other_process.update(replaced, removed_at=datetime.now(timezone.utc))
    assert not runner_side.skip_for(batch.id, 1, replaced, "Saved recently")
    assert runner_side.item(batch.id, 1).state is ItemState.WAITING
    other_process.close()
    runner_side.jobs.close()


@pytest.mark.parametrize("fault", ["5xx", "403", "429"])
def test_server_errors_and_throttle_storms_leave_every_course_saved_once(
    make_canvas_sim: Any, tmp_path: Path, fault: str
) -> None:
    sim = make_canvas_sim(bulk_courses=8, export_duration=0.5)  # long enough to be polled
    courses = [c for c in sim.data.courses.values() if c.id > 100000]
    targets = [BatchTarget(c.id, None, c.course_code, c.name, c.term.name) for c in courses]
    if fault == "5xx":
        sim.faults.every_nth_error(5, first=3)
    else:
        sim.faults.throttle(16, int(fault), retry_after=0.05, path="progress")
    from desktop_app.simulator import ADMIN_TOKEN

    store, batch_id, state = asyncio.run(
        run_batch(
            sim,
            tmp_path,
            targets,
            options(tmp_path / "out", export_type="zip"),
            token=ADMIN_TOKEN,
            sleep=RecordingSleep(cap=0.05),
        )
    )
    assert state is BatchState.FINISHED
    assert {r.status for r in rows_of(store, batch_id).values()} == {RowStatus.SAVED}
    made = [p.path for p in posts(sim) if p.status is not None and p.status < 300]
    assert sorted(made) == sorted({f"/api/v1/courses/{c.id}/content_exports" for c in courses})
    faulty = {"5xx": (502, 503), "403": (403,), "429": (429,)}[fault]
    assert sum(r.status in faulty for r in sim.request_log) >= 5  # the faults did happen


def test_retry_failed_starts_a_new_export_only_for_courses_canvas_failed(make_canvas_sim: Any, tmp_path: Path) -> None:
    sim = make_canvas_sim(bulk_courses=3, export_duration=0.2)
    courses = [c for c in sim.data.courses.values() if c.id > 100000]
    targets = [BatchTarget(c.id, None, c.course_code, c.name, c.term.name) for c in courses]
    sim.faults.forbid_course(courses[0].id)
    sim.faults.fail_next_export()
    from desktop_app.simulator import ADMIN_TOKEN

    store, batch_id, state = asyncio.run(
        run_batch(sim, tmp_path, targets, options(tmp_path / "out", export_type="zip"), token=ADMIN_TOKEN)
    )
    statuses = [r.status for r in rows_of(store, batch_id).values()]
    assert state is BatchState.FINISHED and statuses.count(RowStatus.FAILED) == 2, statuses
    store.jobs.close()
    made_before = len([p for p in posts(sim) if p.status is not None and p.status < 300])

    sim.faults.forbidden_courses.clear()
    store, _, state = asyncio.run(
        run_batch(sim, tmp_path, [], options(tmp_path / "out"), batch_id=batch_id, retry_failed=True, token=ADMIN_TOKEN)
    )
    assert state is BatchState.FINISHED
    assert {r.status for r in rows_of(store, batch_id).values()} == {RowStatus.SAVED}
    made = [p.path for p in posts(sim) if p.status is not None and p.status < 300]
    assert len(made) == made_before + 2  # the forbidden course's first export and the failed one's new export


def test_one_course_named_twice_in_a_batch_is_exported_once(sim: SimulatedCanvas, tmp_path: Path) -> None:
    # a CSV naming a course by its id on one row and by its SIS id on another (or
    # `--course course:101 course:101`): only Canvas can tell it is the same course
    sis = sim.data.courses[101].sis_course_id
    assert sis
    targets = [BatchTarget(101), BatchTarget(None, sis), BatchTarget(101), HIST210]
    folder = tmp_path / "out"
    store, batch_id, state = asyncio.run(run_batch(sim, tmp_path, targets, options(folder, export_type="zip")))
    assert state is BatchState.FINISHED
    assert sorted(p.path for p in posts(sim)) == [
        "/api/v1/courses/101/content_exports",
        "/api/v1/courses/102/content_exports",
    ]
    lines = report(folder)
    assert [r["state"] for r in lines] == ["saved", "skipped", "skipped", "saved"]
    assert lines[1]["file"] == lines[0]["file"] and "row 1" in lines[1]["error"]
    sums = (folder / "SHA256SUMS").read_text().splitlines()
    assert len(sums) == 2  # one line per file


def test_the_second_row_of_a_course_named_twice_follows_the_first_rows_job_live(
    sim: SimulatedCanvas, tmp_path: Path
) -> None:
    # `batch show` while the batch runs: the row skipped as the same course says what the
    # course's job does (exporting, then saved with its file), not "skipped" at once
    sim.export_duration = 1.5
    sis = sim.data.courses[101].sis_course_id
    seen: list[Any] = []

    async def watch(runner: BatchRunner, store: BatchStore, batch_id: int) -> None:
        await async_wait_until(lambda: store.item(batch_id, 1).state is ItemState.SKIPPED, what="row 2 decided")
        seen.extend(rows_of_batch(store, batch_id))

    targets = [BatchTarget(101), BatchTarget(None, sis)]
    store, batch_id, state = asyncio.run(
        run_batch(sim, tmp_path, targets, options(tmp_path / "out", export_type="zip"), during=watch)
    )
    first, second = seen
    assert first.status is second.status is RowStatus.AT_CANVAS and second.progress == first.progress
    assert second.package_job_id == first.job_id and second.job_id is None
    first, second = rows_of_batch(store, batch_id)
    assert state is BatchState.FINISHED and second.status is RowStatus.SKIPPED
    assert second.file == first.file and second.file is not None and second.size == first.size


def test_a_course_named_twice_fails_on_both_rows_when_its_export_fails(sim: SimulatedCanvas, tmp_path: Path) -> None:
    # the later row is not "skipped" (counted as done) for an export that failed: it
    # fails with it, in the views and in the report alike
    sim.faults.fail_next_export()
    sis = sim.data.courses[101].sis_course_id
    folder = tmp_path / "out"
    store, batch_id, state = asyncio.run(
        run_batch(sim, tmp_path, [BatchTarget(101), BatchTarget(None, sis)], options(folder, export_type="zip"))
    )
    rows = rows_of_batch(store, batch_id)
    assert state is BatchState.FINISHED and [r.status for r in rows] == [RowStatus.FAILED] * 2
    assert "row 1" in (rows[1].reason or "")
    assert [line["state"] for line in report(folder)] == ["failed", "failed"]


def test_a_course_named_twice_is_decided_once_even_when_retried_after_the_skip_window(
    sim: SimulatedCanvas, tmp_path: Path
) -> None:
    # row 1 (by id) is skipped for a recent package; row 2 (by SIS id) could not be read.
    # Retried after the skip window has passed, row 2 is the same course as row 1: it must
    # not export it again, and keep must not delete the package row 1 names.
    from datetime import datetime, timedelta, timezone

    from desktop_app.simulator import ADMIN_TOKEN

    folder = tmp_path / "out"
    store, _, _ = asyncio.run(run_batch(sim, tmp_path, [CS101], options(folder, export_type="zip"), token=ADMIN_TOKEN))
    (recent,) = [j for j in store.jobs.jobs() if j.state is JobStatus.DONE]
    store.jobs.close()
    sim.faults.forbid_course(101)
    twice = [BatchTarget(101), BatchTarget(None, sim.data.courses[101].sis_course_id)]
    opts = options(folder, export_type="zip", skip_within_days=1, keep=1)
    store, batch_id, _ = asyncio.run(run_batch(sim, tmp_path, twice, opts, token=ADMIN_TOKEN))
    assert [r.status for r in rows_of_batch(store, batch_id)] == [RowStatus.SKIPPED, RowStatus.FAILED]
    store.jobs.update(recent.id, finished_at=datetime.now(timezone.utc) - timedelta(days=2))  # time passes
    store.jobs.close()
    sim.faults.forbidden_courses.clear()
    store, _, state = asyncio.run(
        run_batch(sim, tmp_path, [], opts, batch_id=batch_id, retry_failed=True, token=ADMIN_TOKEN)
    )
    rows = rows_of_batch(store, batch_id)
    assert state is BatchState.FINISHED and [r.status for r in rows] == [RowStatus.SKIPPED] * 2
    assert {r.file for r in rows} == {str(recent.saved_path)} and recent.saved_path.is_file()
    files = [line["file"] for line in report(folder)]
    assert len(posts(sim)) == 1 and files[0] and files == [files[0]] * 2


def test_keep_counts_only_packages_still_there(sim: SimulatedCanvas, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    files = []
    for _ in range(2):
        store, batch_id, _ = asyncio.run(run_batch(sim, tmp_path, [CS101], options(folder, export_type="zip")))
        files.append(Path(rows_of(store, batch_id)[101].file))
        store.jobs.close()
    files[1].unlink()  # the user deleted the newer one
    store, third, _ = asyncio.run(run_batch(sim, tmp_path, [CS101], options(folder, export_type="zip", keep=2)))
    newest = Path(rows_of(store, third)[101].file)
    assert newest.exists() and files[0].exists()  # two are kept: the newest and the oldest, still there


def test_keep_counts_and_deletes_only_packages_batches_saved_into_its_folder(
    sim: SimulatedCanvas, tmp_path: Path
) -> None:
    # a package downloaded by hand, and a term archive saved by a batch into another
    # folder, are older than the nightly's: --keep 1 there deletes neither
    async def by_hand() -> Path:
        async with engine_for(sim, tmp_path / "jobs.db") as (engine, client):
            job = await engine.wait(
                await engine.start_export(client.base_url, "course:101", "zip", None, True, tmp_path / "by hand")
            )
            assert job.saved_path is not None
            return job.saved_path

    single = asyncio.run(by_hand())
    kept = []
    for folder in ("term archive", "nightly", "nightly"):
        store, batch_id, _ = asyncio.run(
            run_batch(sim, tmp_path, [CS101], options(tmp_path / folder, export_type="zip", keep=1))
        )
        kept.append(Path(rows_of(store, batch_id)[101].file))
        store.jobs.close()
    assert single.is_file() and kept[0].is_file() and kept[2].is_file()
    assert not kept[1].exists()  # the nightly folder keeps its newest one


def test_a_bug_in_the_runner_pauses_the_batch_and_frees_its_folder(sim: SimulatedCanvas, tmp_path: Path) -> None:
    async def scenario() -> tuple[BatchState, BatchState]:
        async with engine_for(sim, tmp_path / "jobs.db") as (engine, client):
            store = BatchStore(engine.store)
            sis_only = BatchTarget(None, "CS-2026FA-0101")  # needs its details read: the broken reader runs

            async def broken_reader(site: str, ctx: Context) -> Any:
                raise RuntimeError("a bug")

            batch = store.create(
                name="t", site=client.base_url, user_id=None, options=options(tmp_path / "o"), targets=[sis_only]
            )
            state = await BatchRunner(engine, store, broken_reader, config=FAST_RUNNER).run(batch.id)
            return state, store.batch(batch.id).state

    returned, recorded = asyncio.run(scenario())
    assert returned is BatchState.PAUSED and recorded is BatchState.PAUSED
