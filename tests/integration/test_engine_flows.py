"""The engine over real HTTP against the simulated Canvas: every export type, and the
faults a real network, Canvas and disk produce. Each package is compared byte for byte
(SHA-256) with the one the server holds."""

from __future__ import annotations

import asyncio
import errno
import os
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from engine_support import FAST_ENGINE, RecordingSleep, async_wait_until, engine_for, file_ranges, posts, sha256

from desktop_app.canvas.errors import AuthError
from desktop_app.canvas.models import Context, SelectKey
from desktop_app.engine import (
    STOP_MESSAGE,
    DiskFullError,
    ExportExpiredError,
    ExportFailedError,
    FolderNotWritableError,
    JobError,
    JobProgress,
    JobState,
    JobStatus,
    JobWarning,
)
from desktop_app.engine import download as download_module
from desktop_app.engine import engine as engine_module
from desktop_app.engine.partfile import PartFile
from desktop_app.simulator import SimulatedCanvas

pytestmark = pytest.mark.timeout(90)


def run(coro):
    return asyncio.run(coro)


async def start_and_wait(sim, tmp_path, ctx, export_type, select=None, *, events=None, dest="out", **kw):
    async with engine_for(sim, tmp_path / "jobs.db", events, **kw) as (engine, client):
        job_id = await engine.start_export(
            client.base_url, ctx, export_type, select, True, tmp_path / dest if dest else None
        )
        return await engine.wait(job_id)


async def download_again(sim, tmp_path, export_id, dest="out"):
    async with engine_for(sim, tmp_path / "jobs.db") as (engine, client):
        job_id = await engine.attach(client.base_url, f"course:{sim.data.main_course_id}", export_id, tmp_path / dest)
        return await engine.wait(job_id)


def manifest_of(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("imsmanifest.xml").decode()


# ---------------------------------------------------------------- every export type


def test_common_cartridge_of_selected_pages(sim: SimulatedCanvas, tmp_path: Path) -> None:
    page = sim.data.ids("wiki_pages")[0]
    events: list = []
    job = run(
        start_and_wait(
            sim,
            tmp_path,
            f"course:{sim.data.main_course_id}",
            "common_cartridge",
            {SelectKey.PAGES: [page]},
            events=events,
        )
    )
    assert job.state is JobStatus.DONE, job.last_error
    assert job.saved_path.suffix == ".imscc" and job.saved_path.parent == tmp_path / "out"
    assert job.sha256 == sha256(sim.package_bytes(job.export_id)) == sha256(job.saved_path.read_bytes())
    assert f"wiki_page_{page}" in manifest_of(job.saved_path)
    labels = [e.label for e in events if isinstance(e, JobState)]
    assert "Queued at Canvas" in labels and "Saved" in labels
    assert any(isinstance(e, JobProgress) for e in events)
    assert len(posts(sim)) == 1
    assert not list((tmp_path / "out").glob("*.part"))


def test_qti_export(sim: SimulatedCanvas, tmp_path: Path) -> None:
    quiz = sim.data.ids("quizzes")[0]
    job = run(start_and_wait(sim, tmp_path, f"course:{sim.data.main_course_id}", "qti", {"quizzes": [quiz]}))
    assert job.state is JobStatus.DONE, job.last_error
    assert job.sha256 == sha256(sim.package_bytes(job.export_id))


@pytest.mark.parametrize("ctx", ["course", "group", "user:self"])
def test_zip_exports(sim: SimulatedCanvas, tmp_path: Path, ctx: str) -> None:
    context = {"course": f"course:{sim.data.main_course_id}", "group": f"group:{sim.data.group_id}"}.get(ctx, ctx)
    job = run(start_and_wait(sim, tmp_path, context, "zip"))
    assert job.state is JobStatus.DONE, job.last_error
    assert job.saved_path.suffix == ".zip"
    assert job.sha256 == sha256(sim.package_bytes(job.export_id))


def test_attach_to_an_export_started_elsewhere(sim: SimulatedCanvas, tmp_path: Path) -> None:
    async def go():
        async with engine_for(sim, tmp_path / "jobs.db") as (engine, client):
            ctx = Context.parse(f"course:{sim.data.main_course_id}")
            export = await client.create_export(ctx, "zip")  # "the web UI"
            job_id = await engine.attach(client.base_url, ctx, export.id, tmp_path / "out")
            assert await engine.attach(client.base_url, ctx, export.id, tmp_path / "out") == job_id  # no 2nd job
            return await engine.wait(job_id)

    job = run(go())
    assert job.state is JobStatus.DONE and job.sha256 == sha256(sim.package_bytes(job.export_id))
    assert len(list((tmp_path / "out").iterdir())) == 1


def test_an_existing_file_is_never_overwritten(sim: SimulatedCanvas, tmp_path: Path) -> None:
    """Two exports never share a name now; a file already at the name is kept all the same."""
    first = run(start_and_wait(sim, tmp_path, f"course:{sim.data.main_course_id}", "zip"))
    first.saved_path.rename(first.saved_path.with_name("kept.zip"))
    squatter = first.saved_path
    squatter.write_bytes(b"somebody else's file")
    (tmp_path / "jobs.db").unlink()  # a fresh store: the same export downloaded again
    again = run(download_again(sim, tmp_path, first.export_id))
    assert again.saved_path != squatter and again.saved_path.stem.endswith("(2)")
    assert squatter.read_bytes() == b"somebody else's file"
    assert sha256(again.saved_path.read_bytes()) == first.sha256


# ---------------------------------------------------------------- faults


def test_connection_dropped_mid_download_resumes_byte_identical(sim: SimulatedCanvas, tmp_path: Path) -> None:
    sim.faults.drop_download_after(200_000, times=3)
    events: list = []
    job = run(start_and_wait(sim, tmp_path, f"course:{sim.data.main_course_id}", "zip", events=events))
    assert job.state is JobStatus.DONE, job.last_error
    retrying = [e.message for e in events if isinstance(e, JobState) and e.state is JobStatus.DOWNLOADING and e.message]
    assert len(retrying) == 3  # each break is said, with when the next attempt starts
    assert all("The download stopped (the connection broke)" in m and "Trying again in" in m for m in retrying)
    assert "saved so far are kept" in retrying[0]
    assert job.sha256 == sha256(sim.package_bytes(job.export_id))
    ranges = file_ranges(sim)
    assert ranges[0] is None and len(ranges) == 4
    offsets = [int(r.removeprefix("bytes=").rstrip("-")) for r in ranges[1:]]
    assert 0 < offsets[0] <= 200_000 < offsets[1] <= 400_000 < offsets[2] <= 600_000  # each resumed where it broke
    assert all("authorization" not in {k.lower() for k in r.headers} for r in sim.request_log if r.host == "files")


@pytest.mark.parametrize("status", [502, 503])
def test_server_error_bursts(sim: SimulatedCanvas, tmp_path: Path, status: int) -> None:
    sim.faults.server_errors(3, status=status)
    job = run(start_and_wait(sim, tmp_path, f"course:{sim.data.main_course_id}", "zip"))
    assert job.state is JobStatus.DONE, job.last_error
    assert len(posts(sim)) == 1


@pytest.mark.parametrize("status", [403, 429])
def test_throttling_storms(sim: SimulatedCanvas, tmp_path: Path, status: int) -> None:
    sim.faults.throttle(6, status=status)
    job = run(start_and_wait(sim, tmp_path, f"course:{sim.data.main_course_id}", "zip"))
    assert job.state is JobStatus.DONE, job.last_error
    throttled = [r for r in sim.request_log if r.host == "api"]
    assert len(throttled) >= 7
    assert len([p for p in posts(sim)]) >= 1
    assert job.sha256 == sha256(sim.package_bytes(job.export_id))


def test_failed_export(sim: SimulatedCanvas, tmp_path: Path) -> None:
    sim.faults.fail_next_export()
    events: list = []
    job = run(start_and_wait(sim, tmp_path, f"course:{sim.data.main_course_id}", "common_cartridge", events=events))
    assert job.state is JobStatus.FAILED
    (err,) = [e for e in events if isinstance(e, JobError)]
    assert isinstance(err.error, ExportFailedError) and not err.resumable
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_waiting_for_new_quizzes_is_shown_as_such(tmp_path: Path) -> None:
    with SimulatedCanvas(export_duration=1.5) as canvas:
        canvas.faults.new_quizzes(True)
        events: list = []
        job = run(
            start_and_wait(canvas, tmp_path, f"course:{canvas.data.main_course_id}", "common_cartridge", events=events)
        )
        assert job.state is JobStatus.DONE, job.last_error
        waiting = [e for e in events if isinstance(e, JobState) and e.state is JobStatus.WAITING_FOR_EXTERNAL_TOOL]
        assert waiting and waiting[0].label == "Waiting for New Quizzes"
        assert not any(isinstance(e, JobError) for e in events)


def test_expired_export(sim: SimulatedCanvas, tmp_path: Path) -> None:
    async def go(events):
        async with engine_for(sim, tmp_path / "jobs.db", events) as (engine, client):
            ctx = Context.parse(f"course:{sim.data.main_course_id}")
            export = await client.create_export(ctx, "zip")
            sim.age_export(export.id, days=31)
            return await engine.wait(await engine.attach(client.base_url, ctx, export.id, tmp_path / "out"))

    events: list = []
    job = run(go(events))
    assert job.state is JobStatus.EXPIRED and job.expires_at is not None
    (err,) = [e for e in events if isinstance(e, JobError)]
    assert isinstance(err.error, ExportExpiredError) and "expired" in err.message


class DropAfterPost(httpx.AsyncBaseTransport):
    """Sends the create request for real (Canvas creates the export), then loses the
    answer as a broken connection would: the ambiguous failure the engine must survive."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.dropped = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and not self.dropped:
            self.dropped += 1
            await response.aread()
            await response.aclose()
            raise httpx.ReadTimeout("timed out reading the answer", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_ambiguous_create_makes_no_duplicate(sim: SimulatedCanvas, tmp_path: Path) -> None:
    transport = DropAfterPost()
    events: list = []
    job = run(
        start_and_wait(sim, tmp_path, f"course:{sim.data.main_course_id}", "zip", events=events, transport=transport)
    )
    assert transport.dropped == 1
    assert job.state is JobStatus.DONE, job.last_error
    assert len(posts(sim)) == 1  # never posted twice
    assert any(isinstance(e, JobWarning) and "no second export" in e.message for e in events)
    assert job.sha256 == sha256(sim.package_bytes(job.export_id))


def test_a_list_going_to_another_site_after_an_ambiguous_create_interrupts_the_job(
    sim: SimulatedCanvas, tmp_path: Path
) -> None:
    """The list read after a lost create answer has a next link to another site: the job
    cannot tell whether Canvas made the export, so it is interrupted (resumable, like any
    misbehaving Canvas), not failed for good; resumed later, it adopts the export."""
    sim.faults.hostile_pages("offsite")
    events: list = []
    ctx = "group:201"  # no older exports: the list is read to its end, next link included
    job = run(start_and_wait(sim, tmp_path, ctx, "zip", events=events, transport=DropAfterPost()))
    assert job.state is JobStatus.INTERRUPTED, job.last_error
    (err,) = [e for e in events if isinstance(e, JobError)]
    assert err.resumable and "another site" in err.message
    assert [r for r in sim.request_log if r.host == "files"] == []
    sim.faults.hostile_pages(None)

    async def resume() -> Any:
        async with engine_for(sim, tmp_path / "jobs.db") as (engine, _client):
            await engine.resume(job.id)
            return await engine.wait(job.id)

    assert run(resume()).state is JobStatus.DONE
    assert len(posts(sim)) == 1  # adopted, never posted twice


@pytest.mark.parametrize("first", [2, 4])
def test_create_and_download_through_a_proxy_failing_every_fourth_request(
    sim: SimulatedCanvas, tmp_path: Path, first: int
) -> None:
    """Every 4th API request gets 502/503 from a proxy Canvas never sees. With first=2 the
    create POST is one of them: the list read after it proves nothing was created, so the
    POST is sent again after a backoff, and exactly one export comes of it."""
    exports_before = len(sim.store.records)
    sim.faults.every_nth_error(4, first=first)
    sleep, events = RecordingSleep(), []
    job = run(start_and_wait(sim, tmp_path, f"course:{sim.data.main_course_id}", "zip", events=events, sleep=sleep))
    assert job.state is JobStatus.DONE, job.last_error
    failed_posts = [f for f in sim.faults.injected if f[0] == "POST"]
    assert len(posts(sim)) - len(failed_posts) == 1  # exactly one POST reached Canvas
    assert len(sim.store.records) == exports_before + 1
    assert job.saved_path is not None and job.saved_path.is_file()
    assert job.sha256 == sha256(sim.package_bytes(job.export_id))
    if first == 2:
        assert len(failed_posts) == 1 and sleep.waits[0] == 8.0  # the backoff, at no real cost
        assert any(isinstance(e, JobState) and "did not create the export (HTTP 502)" in e.message for e in events)


def test_a_day_long_retry_after_interrupts_the_job_and_says_until_when(sim: SimulatedCanvas, tmp_path: Path) -> None:
    for path in ("/content_exports/", "/progress/"):  # every poll, not the POST
        sim.faults.throttle(50, retry_after=86400, path=path)
    sleep, events = RecordingSleep(), []
    stay = replace(FAST_ENGINE, resume_when_canvas_allows=False)  # the waking up is the next test's
    job = run(
        start_and_wait(
            sim, tmp_path, f"course:{sim.data.main_course_id}", "zip", events=events, sleep=sleep, config=stay
        )
    )
    assert job.state is JobStatus.INTERRUPTED and job.error_kind == "RetryAfterTooLongError"
    assert max(sleep.waits, default=0.0) < 600  # before the ceiling: one silent sleep of a day
    stopped = [e for e in events if isinstance(e, JobState) and e.state is JobStatus.INTERRUPTED][-1]
    error = [e for e in events if isinstance(e, JobError)][-1]
    assert error.resumable and error.message == stopped.message
    assert "Canvas asked us to wait 24 hours" in stopped.message and "Try again after" in stopped.message


def test_the_app_carries_on_by_itself_when_the_wait_canvas_asked_for_is_over(
    sim: SimulatedCanvas, tmp_path: Path
) -> None:
    """The job is interrupted and says until when; at that time it carries on without
    the user (twice here), with no second POST."""
    sim.faults.throttle(2, retry_after=86400, path="/content_exports/")
    sleep = RecordingSleep()

    async def go():
        async with engine_for(sim, tmp_path / "jobs.db", sleep=sleep) as (engine, client):
            job_id = await engine.start_export(
                client.base_url, f"course:{sim.data.main_course_id}", "zip", None, True, tmp_path / "out"
            )
            await async_wait_until(lambda: engine.job(job_id).state is JobStatus.DONE, what="the job to carry on")
            return engine.job(job_id)

    job = run(go())
    assert job.sha256 == sha256(sim.package_bytes(job.export_id))
    assert sleep.waits.count(86400) == 2 and len(posts(sim)) == 1


def test_warns_when_the_same_type_is_already_running(sim: SimulatedCanvas, tmp_path: Path) -> None:
    async def go(events):
        async with engine_for(sim, tmp_path / "jobs.db", events) as (engine, client):
            ctx = Context.parse(f"course:{sim.data.main_course_id}")
            running = await client.create_export(ctx, "qti")
            job_id = await engine.start_export(client.base_url, ctx, "qti", None, True, None)
            return running, await engine.wait(job_id)

    events: list = []
    running, job = run(go(events))
    assert job.state is JobStatus.DONE
    assert any(isinstance(e, JobWarning) and f"export {running.id}" in e.message for e in events)


def test_revoked_token_is_an_auth_error_and_the_job_stays_resumable(sim: SimulatedCanvas, tmp_path: Path) -> None:
    async def go(events):
        async with engine_for(sim, tmp_path / "jobs.db", events) as (engine, client):
            ctx = Context.parse(f"course:{sim.data.main_course_id}")
            job_id = await engine.start_export(client.base_url, ctx, "zip", None, True, tmp_path / "out")
            await async_wait_until(lambda: engine.job(job_id).export_id is not None, what="export created")
            sim.faults.revoke_token(client._token.reveal())
            job = await engine.wait(job_id)
            return job, [j.id for j in engine.store.unfinished()]

    events: list = []
    job, unfinished = run(go(events))
    assert job.state is JobStatus.INTERRUPTED and job.export_id is not None
    assert job.id in unfinished
    (err,) = [e for e in events if isinstance(e, JobError)]
    assert isinstance(err.error, AuthError) and err.error.reason == "revoked" and err.resumable


def test_stop_then_resume(sim: SimulatedCanvas, tmp_path: Path) -> None:
    sim.faults.slow_files(1_000_000)

    async def go(events):
        async with engine_for(sim, tmp_path / "jobs.db", events) as (engine, client):
            ctx = Context.parse(f"course:{sim.data.main_course_id}")
            job_id = await engine.start_export(client.base_url, ctx, "zip", None, True, tmp_path / "out")
            await async_wait_until(
                lambda: (p := engine.job(job_id).part_path) is not None and p.exists() and p.stat().st_size > 0,
                what="part file growing",
            )
            await engine.stop(job_id)
            stopped = engine.job(job_id)
            assert stopped.part_path.exists()  # kept for later
            sim.faults.slow_files(None)
            await engine.resume(job_id)
            return stopped, await engine.wait(job_id)

    events: list = []
    stopped, job = run(go(events))
    assert stopped.state is JobStatus.STOPPED
    messages = [e.message for e in events if isinstance(e, JobState) and e.state is JobStatus.STOPPED]
    assert messages[0].startswith(STOP_MESSAGE)
    assert job.state is JobStatus.DONE and job.sha256 == sha256(sim.package_bytes(job.export_id))
    assert len(posts(sim)) == 1
    ranges = file_ranges(sim)
    assert ranges[-1] is not None and ranges[-1].startswith("bytes=")


def test_disk_full_is_clear_and_resumable(
    sim: SimulatedCanvas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = os.write
    budget = {"left": 100_000}

    def small_disk(fd: int, data) -> int:
        if budget["left"] <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = real_write(fd, bytes(data[: budget["left"]]))
        budget["left"] -= n
        return n

    monkeypatch.setattr(download_module.os, "write", small_disk)

    async def go(events):
        async with engine_for(sim, tmp_path / "jobs.db", events) as (engine, client):
            ctx = Context.parse(f"course:{sim.data.main_course_id}")
            job_id = await engine.start_export(client.base_url, ctx, "zip", None, True, tmp_path / "out")
            first = await engine.wait(job_id)
            monkeypatch.setattr(download_module.os, "write", real_write)  # space freed
            assert (await engine.resume_unfinished()).started == [job_id]
            return first, await engine.wait(job_id)

    events: list = []
    first, job = run(go(events))
    assert first.state is JobStatus.INTERRUPTED and first.error_kind == "DiskFullError"
    assert "Not enough space" in first.last_error
    (err,) = [e for e in events if isinstance(e, JobError)]
    assert isinstance(err.error, DiskFullError) and err.resumable
    assert job.state is JobStatus.DONE and job.sha256 == sha256(sim.package_bytes(job.export_id))
    ranges = file_ranges(sim)
    assert ranges[-1] == "bytes=100000-"
    assert len(posts(sim)) == 1


def test_folder_that_cannot_be_created(sim: SimulatedCanvas, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    events: list = []
    job = run(
        start_and_wait(
            sim, tmp_path, f"course:{sim.data.main_course_id}", "zip", events=events, dest="not-a-folder/sub"
        )
    )
    assert job.state is JobStatus.INTERRUPTED
    (err,) = [e for e in events if isinstance(e, JobError)]
    assert isinstance(err.error, FolderNotWritableError) and err.resumable and "Cannot write" in err.message


def test_read_only_folder(sim: SimulatedCanvas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """EROFS at the OS boundary (tests run as root, where chmod does not stop writes; the
    CLI test runs a real read-only case as an unprivileged user)."""
    out = tmp_path / "out"
    real_open = os.open

    def read_only_fs(path, flags, *args):
        if str(path).startswith(str(out)) and flags & (os.O_WRONLY | os.O_RDWR):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(download_module.os, "open", read_only_fs)
    events: list = []
    job = run(start_and_wait(sim, tmp_path, f"course:{sim.data.main_course_id}", "zip", events=events))
    assert job.state is JobStatus.INTERRUPTED and job.error_kind == "FolderNotWritableError"
    assert not [p for p in out.iterdir() if not p.name.endswith(".part")] if out.exists() else True


def test_the_package_is_fsynced_whole_before_it_gets_its_final_name(
    sim: SimulatedCanvas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fsync runs alongside the zip check, not after the download: still, the final
    name is given only once the whole part is on disk (a crash never leaves a named,
    half-written package)."""
    synced: list[int] = []
    committed: list[tuple[int, list[int]]] = []
    real_fsync, real_commit = PartFile.fsync, engine_module.commit_part

    def fsync(part: PartFile) -> None:
        real_fsync(part)
        synced.append(part.size())

    def commit(part: PartFile, *args: object) -> Path:
        committed.append((part.size(), list(synced)))
        return real_commit(part, *args)

    monkeypatch.setattr(PartFile, "fsync", fsync)
    monkeypatch.setattr(engine_module, "commit_part", commit)
    job = run(start_and_wait(sim, tmp_path, f"course:{sim.data.main_course_id}", "zip"))
    assert job.state is JobStatus.DONE, job.last_error
    size = job.saved_path.stat().st_size
    assert committed == [(size, [size])]
