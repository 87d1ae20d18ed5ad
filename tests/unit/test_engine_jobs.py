"""Engine job logic against an in-memory fake Canvas client (no sockets).

The same behaviours are exercised over real HTTP against the simulator in
tests/integration/test_engine_*.py; these pin down the decisions themselves (adopting
after an ambiguous create, stop, expiry, resume after a crash) deterministically.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import zipfile
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop_app.canvas.errors import AuthError, UnreachableError, ValidationError
from desktop_app.canvas.models import (
    Attachment,
    ContentExport,
    Context,
    Progress,
    ProgressState,
    User,
    WorkflowState,
)
from desktop_app.engine import (
    STOP_MESSAGE,
    Engine,
    EngineConfig,
    ExportExpiredError,
    Job,
    JobCreated,
    JobDone,
    JobError,
    JobProgress,
    JobState,
    JobStatus,
    JobStore,
    JobWarning,
    PollPolicy,
)
from desktop_app.engine.download import DownloadPolicy

SITE = "https://canvas.example.edu"
ME = 42


def cartridge(extra: bytes = b"") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("imsmanifest.xml", b"<manifest/>" + extra)
        zf.writestr("wiki_content/p.html", bytes(range(256)) * 50)
    return buf.getvalue()


class FakeCanvas:
    """Exports finish after `polls_to_finish` reads; packages served with Range."""

    def __init__(self, polls_to_finish: int = 2) -> None:
        self.exports: dict[int, dict] = {}
        self.polls_to_finish = polls_to_finish
        self.next_id = 100
        self.posts = 0
        self.create_fault: str | None = None  # "ambiguous-after" | "ambiguous-before" | "refused"
        self.create_fault_times = 1  # POSTs the fault lasts for
        self.auth_broken = False
        self.poll_gate: asyncio.Event | None = None
        self.package = cartridge()
        self.package_reads: list[int] = []

    def add(
        self, *, state=WorkflowState.EXPORTING, user_id=ME, export_type="common_cartridge", created_at=None, reads=0
    ) -> int:
        self.next_id += 1
        self.exports[self.next_id] = {
            "state": state,
            "user_id": user_id,
            "type": export_type,
            "reads": reads,
            "created_at": created_at or datetime.now(timezone.utc),
        }
        return self.next_id

    def view(self, eid: int) -> ContentExport:
        e = self.exports[eid]
        att = None
        if e["state"] is WorkflowState.EXPORTED:
            att = Attachment(
                id=eid * 10, display_name="My Course-export.imscc", size=len(self.package), url=f"https://x/files/{eid}"
            )
        return ContentExport(
            eid, e["type"], e["state"], e["created_at"], e["user_id"], None, att, f"{SITE}/api/v1/progress/{eid}"
        )

    def _advance(self, eid: int) -> None:
        e = self.exports[eid]
        if self.auth_broken:
            raise AuthError("Revoked access token.", reason="revoked")
        if e["state"].is_running:
            e["reads"] += 1
            if e["reads"] >= self.polls_to_finish:
                e["state"] = WorkflowState.EXPORTED

    async def get_self(self) -> User:
        return User(ME, "Me")

    def list_exports(self, ctx: Context):
        async def gen():
            for eid in sorted(self.exports, reverse=True):
                yield self.view(eid)

        return gen()

    async def get_export(self, ctx: Context, eid: int) -> ContentExport:
        if self.poll_gate is not None:
            await self.poll_gate.wait()
        self._advance(eid)
        return self.view(eid)

    async def get_progress(self, pid: int) -> Progress:
        self._advance(pid)
        e = self.exports[pid]
        state = ProgressState.RUNNING if e["state"].is_running else ProgressState.COMPLETED
        return Progress(pid, state, 50.0 if e["state"].is_running else 100.0)

    async def create_export(self, ctx, export_type, select=None, *, skip_notifications=False) -> ContentExport:
        self.posts += 1
        fault = self.create_fault
        self.create_fault_times -= 1
        if self.create_fault_times <= 0:
            self.create_fault = None
        if fault == "refused":
            raise UnreachableError("refused", ambiguous=False)
        if fault == "ambiguous-before":
            raise UnreachableError("timeout after sending", ambiguous=True)
        eid = self.add(state=WorkflowState.CREATED, export_type=str(getattr(export_type, "value", export_type)))
        if fault == "ambiguous-after":
            raise UnreachableError("connection reset after sending", ambiguous=True)
        return self.view(eid)

    @asynccontextmanager
    async def open_package(self, url: str, *, start: int = 0):
        self.package_reads.append(start)
        body = self.package[start:]

        class Response:
            status = 206 if start else 200
            resumed = bool(start)
            total_size = len(self.package)
            content_type = "application/zip"

            async def aiter_bytes(self, chunk_size: int = 1 << 20):
                for i in range(0, len(body), 4096):
                    yield body[i : i + 4096]

        yield Response()


async def fast_sleep(_: float) -> None:
    await asyncio.sleep(0)


CONFIG = EngineConfig(
    poll=PollPolicy(initial=0.01, ceiling=0.02), download=DownloadPolicy(base_delay=0.001), poll_failure_delay=0.001
)


def make_engine(tmp_path: Path, canvas: FakeCanvas, events: list) -> Engine:
    return Engine(JobStore(tmp_path / "jobs.db"), {SITE: canvas}, events.append, config=CONFIG, sleep=fast_sleep)


def run(coro):
    return asyncio.run(coro)


def recorded_job(tmp_path: Path, **fields) -> Job:  # type: ignore[no-untyped-def]
    """A job as a killed process left it in the store: what the next start finds."""
    with JobStore(tmp_path / "jobs.db") as store:
        return store.add(site=SITE, context="course:1", dest_dir=tmp_path, **fields)


def resume_after_restart(tmp_path: Path, canvas: FakeCanvas, job_id: int) -> tuple[list[int], Job]:
    """A fresh engine on the same store resumes what is unfinished: which jobs it started,
    and how `job_id` ended."""

    async def go():
        engine = make_engine(tmp_path, canvas, [])
        started = (await engine.resume_unfinished()).started
        return started, await engine.wait(job_id)

    return run(go())


def test_happy_path_saves_verified_package(tmp_path: Path) -> None:
    canvas, events = FakeCanvas(), []

    async def go():
        engine = make_engine(tmp_path, canvas, events)
        job_id = await engine.start_export(SITE, "course:1", "common_cartridge", {"pages": [5]}, True, tmp_path / "out")
        return await engine.wait(job_id)

    job = run(go())
    assert job.state is JobStatus.DONE
    day = job.export_created_at.astimezone().strftime("%Y-%m-%d")  # what a person sorts by (issue 13, #11)
    assert job.saved_path == tmp_path / "out" / f"course 1 Common Cartridge {day} export {job.export_id}.imscc"
    assert job.saved_path.read_bytes() == canvas.package
    assert job.sha256 == hashlib.sha256(canvas.package).hexdigest()
    assert job.selection == {"pages": [5]} and job.skip_notifications
    assert job.expires_at is not None
    assert isinstance(events[0], JobCreated) and isinstance(events[-1], JobDone)
    states = [e.state for e in events if isinstance(e, JobState)]
    assert states[0] is JobStatus.QUEUED and states[-3:] == [JobStatus.DOWNLOADING, JobStatus.VERIFYING, JobStatus.DONE]
    assert canvas.posts == 1
    assert not list((tmp_path / "out").glob("*.part"))
    # Canvas's export travels with the phases it decided, so views need not read it again
    queued = next(e for e in events if isinstance(e, JobState) and e.state is JobStatus.QUEUED)
    assert queued.export is not None and queued.export.id == job.export_id
    done = events[-1]
    assert done.export is not None and done.export.attachment is not None and done.export.id == job.export_id


def test_validation_refused_before_anything_is_recorded(tmp_path: Path) -> None:
    canvas = FakeCanvas()

    async def go():
        engine = make_engine(tmp_path, canvas, [])
        with pytest.raises(ValidationError):
            await engine.start_export(SITE, "group:3", "common_cartridge", None, False, tmp_path)
        return engine.jobs()

    assert run(go()) == [] and canvas.posts == 0


def test_ambiguous_create_adopts_the_export_canvas_made(tmp_path: Path) -> None:
    canvas, events = FakeCanvas(), []
    canvas.add(user_id=7, state=WorkflowState.EXPORTING)  # a co-teacher's: never adopted
    canvas.create_fault = "ambiguous-after"

    async def go():
        engine = make_engine(tmp_path, canvas, events)
        return await engine.wait(await engine.start_export(SITE, "course:1", "common_cartridge", None, False, tmp_path))

    job = run(go())
    assert job.state is JobStatus.DONE and canvas.posts == 1
    assert job.export_id == max(canvas.exports)
    assert any(isinstance(e, JobWarning) and "no second export" in e.message for e in events)


def test_ambiguous_create_that_created_nothing_is_sent_again(tmp_path: Path) -> None:
    canvas, events = FakeCanvas(), []
    canvas.create_fault = "ambiguous-before"

    async def go():
        engine = make_engine(tmp_path, canvas, events)
        job_id = await engine.start_export(SITE, "course:1", "qti", None, False, tmp_path)
        return await engine.wait(job_id)

    job = run(go())
    assert job.state is JobStatus.DONE and canvas.posts == 2 and len(canvas.exports) == 1
    assert any(isinstance(e, JobState) and "did not create the export" in e.message for e in events)
    assert not any(isinstance(e, JobError) for e in events)


def test_create_that_never_reaches_canvas_gives_up_after_bounded_attempts(tmp_path: Path) -> None:
    canvas, events, slept = FakeCanvas(), [], []
    canvas.create_fault, canvas.create_fault_times = "ambiguous-before", 99

    async def record(seconds: float) -> None:
        slept.append(seconds)

    async def go():
        engine = Engine(JobStore(tmp_path / "jobs.db"), {SITE: canvas}, events.append, config=CONFIG, sleep=record)
        job_id = await engine.start_export(SITE, "course:1", "qti", None, False, tmp_path)
        first, posts, waits = await engine.wait(job_id), canvas.posts, list(slept)
        canvas.create_fault = None
        await engine.resume(job_id)
        return first, posts, waits, await engine.wait(job_id)

    first, posts, waits, final = run(go())
    assert first.state is JobStatus.INTERRUPTED and first.create_started_at is not None
    assert posts == CONFIG.create_attempts == 5
    assert waits == [8.0, 16.0, 32.0, 64.0]  # about two minutes in all, then interrupted
    assert any(isinstance(e, JobError) and e.resumable for e in events)
    assert final.state is JobStatus.DONE and len(canvas.exports) == 1


def test_restart_after_kill_during_post_adopts_instead_of_posting(tmp_path: Path) -> None:
    """The process died after the POST left: the store has create_started_at but no id."""
    canvas = FakeCanvas()
    started = datetime.now(timezone.utc)
    job = recorded_job(tmp_path, export_type="zip", state=JobStatus.CREATING, create_started_at=started)
    canvas.add(export_type="zip", created_at=started + timedelta(seconds=1))

    resumed, final = resume_after_restart(tmp_path, canvas, job.id)
    assert resumed == [job.id]
    assert final.state is JobStatus.DONE and canvas.posts == 0


def test_refused_connection_is_not_ambiguous(tmp_path: Path) -> None:
    canvas = FakeCanvas()
    canvas.create_fault = "refused"

    async def go():
        engine = make_engine(tmp_path, canvas, [])
        return await engine.wait(await engine.start_export(SITE, "course:1", "zip", None, False, tmp_path))

    job = run(go())
    assert job.state is JobStatus.INTERRUPTED and job.create_started_at is None


def test_warns_when_same_type_already_running(tmp_path: Path) -> None:
    canvas, events = FakeCanvas(), []
    running = canvas.add(export_type="zip", state=WorkflowState.EXPORTING, user_id=7)

    async def go():
        engine = make_engine(tmp_path, canvas, events)
        return await engine.wait(await engine.start_export(SITE, "course:1", "zip", None, False, None))

    job = run(go())
    assert job.state is JobStatus.DONE and job.saved_path is None
    warnings = [e.message for e in events if isinstance(e, JobWarning)]
    assert len(warnings) == 1 and f"export {running}" in warnings[0]


def test_expired_export(tmp_path: Path) -> None:
    canvas, events = FakeCanvas(), []
    eid = canvas.add(state=WorkflowState.EXPIRED, created_at=datetime(2024, 1, 1, tzinfo=timezone.utc))

    async def go():
        engine = make_engine(tmp_path, canvas, events)
        return await engine.wait(await engine.attach(SITE, "course:1", eid, tmp_path))

    job = run(go())
    assert job.state is JobStatus.EXPIRED
    assert job.expires_at == datetime(2024, 1, 31, tzinfo=timezone.utc)
    (err,) = [e for e in events if isinstance(e, JobError)]
    assert isinstance(err.error, ExportExpiredError) and "2024-01-31" in err.message and not err.resumable


def test_failed_export(tmp_path: Path) -> None:
    canvas = FakeCanvas()
    eid = canvas.add(state=WorkflowState.FAILED)

    async def go():
        engine = make_engine(tmp_path, canvas, [])
        return await engine.wait(await engine.attach(SITE, "course:1", eid, tmp_path))

    job = run(go())
    assert job.state is JobStatus.FAILED and "failed" in job.last_error


def test_stop_says_canvas_cannot_cancel_and_resume_finishes(tmp_path: Path) -> None:
    canvas, events = FakeCanvas(polls_to_finish=3), []

    async def go():
        engine = make_engine(tmp_path, canvas, events)
        canvas.poll_gate = asyncio.Event()  # polls hang until we open the gate
        job_id = await engine.start_export(SITE, "course:1", "common_cartridge", None, False, tmp_path)
        while engine.job(job_id).export_id is None:
            await asyncio.sleep(0)
        await engine.stop(job_id)
        stopped = engine.job(job_id)
        canvas.poll_gate.set()
        await engine.resume(job_id)
        return stopped, await engine.wait(job_id)

    stopped, final = run(go())
    assert stopped.state is JobStatus.STOPPED
    stop_events = [e for e in events if isinstance(e, JobState) and e.state is JobStatus.STOPPED]
    assert stop_events and stop_events[0].message.startswith(STOP_MESSAGE)
    assert final.state is JobStatus.DONE and canvas.posts == 1


def test_revoked_token_interrupts_and_resumes(tmp_path: Path) -> None:
    canvas, events = FakeCanvas(), []

    async def go():
        engine = make_engine(tmp_path, canvas, events)
        canvas.auth_broken = True
        job_id = await engine.start_export(SITE, "course:1", "zip", None, False, tmp_path)
        first = await engine.wait(job_id)
        canvas.auth_broken = False
        await engine.resume(job_id)
        return first, await engine.wait(job_id)

    first, final = run(go())
    assert first.state is JobStatus.INTERRUPTED and first.error_kind == "AuthError"
    (err,) = [e for e in events if isinstance(e, JobError)]
    assert isinstance(err.error, AuthError) and err.resumable and err.site == SITE
    assert final.state is JobStatus.DONE and canvas.posts == 1


def test_resume_download_from_part_after_restart(tmp_path: Path) -> None:
    canvas = FakeCanvas()
    eid = canvas.add(state=WorkflowState.EXPORTED)
    part = tmp_path / f"My Course-export.imscc.{eid}.part"
    part.write_bytes(canvas.package[:3000])
    job = recorded_job(
        tmp_path, export_type="common_cartridge", state=JobStatus.DOWNLOADING, export_id=eid, part_path=part
    )

    _, final = resume_after_restart(tmp_path, canvas, job.id)
    assert final.state is JobStatus.DONE and canvas.package_reads == [3000]
    assert final.saved_path.read_bytes() == canvas.package


def test_crash_after_rename_is_recognised(tmp_path: Path) -> None:
    """Killed after the package got its final name but before the store said done."""
    canvas = FakeCanvas()
    eid = canvas.add(state=WorkflowState.EXPORTED)
    saved = tmp_path / "My Course-export.imscc"
    saved.write_bytes(canvas.package)
    job = recorded_job(
        tmp_path,
        export_type="common_cartridge",
        state=JobStatus.VERIFYING,
        export_id=eid,
        attachment_name="My Course-export.imscc",
        part_path=tmp_path / f"My Course-export.imscc.{eid}.part",
        sha256=hashlib.sha256(canvas.package).hexdigest(),
        size=len(canvas.package),
    )

    _, final = resume_after_restart(tmp_path, canvas, job.id)
    assert final.state is JobStatus.DONE and final.saved_path == saved
    assert canvas.package_reads == [] and not (tmp_path / "My Course-export (2).imscc").exists()


def test_bad_bytes_from_an_old_part_trigger_one_fresh_download(tmp_path: Path) -> None:
    canvas = FakeCanvas()
    eid = canvas.add(state=WorkflowState.EXPORTED)
    part = tmp_path / f"My Course-export.imscc.{eid}.part"
    part.write_bytes(b"\0" * 3000)  # not this package's bytes
    job = recorded_job(
        tmp_path, export_type="common_cartridge", state=JobStatus.DOWNLOADING, export_id=eid, part_path=part
    )

    _, final = resume_after_restart(tmp_path, canvas, job.id)
    assert final.state is JobStatus.DONE and canvas.package_reads == [3000, 0]
    assert final.saved_path.read_bytes() == canvas.package


class GatedDownloads(FakeCanvas):
    """Downloads wait at the door until `gate` opens; `opened` counts those let in."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.opened = 0

    @asynccontextmanager
    async def open_package(self, url: str, *, start: int = 0):
        self.opened += 1
        await self.gate.wait()
        async with super().open_package(url, start=start) as response:
            yield response


async def until(condition, timeout: float = 10.0) -> None:
    """Wait for `condition`, giving the loop (and the engine's worker threads, which a
    busy machine may hold up for many loop turns) up to `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.001)


def test_download_limit_can_change_while_jobs_wait(tmp_path: Path) -> None:
    """Settings' "Exports at once" applies at once: a waiting download starts when the
    limit rises, without a restart."""
    canvas = GatedDownloads()
    first, second = canvas.add(state=WorkflowState.EXPORTED), canvas.add(state=WorkflowState.EXPORTED)

    async def go():
        engine = Engine(
            JobStore(tmp_path / "jobs.db"),
            {SITE: canvas},
            None,
            config=CONFIG,
            sleep=fast_sleep,
            max_concurrent=1,
            max_downloads=1,
        )
        jobs = [await engine.attach(SITE, "course:1", eid, tmp_path / str(eid)) for eid in (first, second)]
        await until(lambda: all(engine.job(j).state is JobStatus.DOWNLOADING for j in jobs) and canvas.opened == 1)
        for _ in range(50):  # the second one really waits for a slot
            await asyncio.sleep(0)
        waited = canvas.opened
        engine.set_max_concurrent(2, max_downloads=2)
        await until(lambda: canvas.opened == 2)  # no job had to finish first
        canvas.gate.set()
        return waited, [await engine.wait(j) for j in jobs], engine.config

    waited, done, config = run(go())
    assert waited == 1
    assert [j.state for j in done] == [JobStatus.DONE, JobStatus.DONE]
    assert (config.max_concurrent, config.max_downloads) == (2, 2)


def test_limits_below_one_are_refused(tmp_path: Path) -> None:
    engine = make_engine(tmp_path, FakeCanvas(), [])
    with pytest.raises(ValueError):
        engine.set_max_concurrent(0)
    assert engine.config.max_concurrent == CONFIG.max_concurrent


class PhasedCanvas(FakeCanvas):
    """An export that sits in Canvas's queue, then runs (its Progress moving), then ends:
    each `get_progress` is one step of `script` (progress state, completion, export state)."""

    script = (
        (ProgressState.QUEUED, 0.0, WorkflowState.CREATED),
        (ProgressState.RUNNING, 40.0, WorkflowState.EXPORTING),
        (ProgressState.RUNNING, 70.0, WorkflowState.EXPORTING),
        (ProgressState.COMPLETED, 100.0, WorkflowState.EXPORTED),
    )

    def __init__(self) -> None:
        super().__init__()
        self.step = 0

    def _advance(self, eid: int) -> None:
        pass

    async def get_progress(self, pid: int) -> Progress:
        state, completion, export_state = self.script[min(self.step, len(self.script) - 1)]
        self.step += 1
        self.exports[pid]["state"] = export_state
        return Progress(pid, state, completion)


def test_a_new_phase_is_reported_before_the_progress_of_the_same_poll(tmp_path: Path) -> None:
    """queued -> exporting: JobState(exporting) first, then JobProgress(40), so a UI that
    resets its bar on a phase change shows 40 % at once instead of an empty bar."""
    canvas, events = PhasedCanvas(), []

    async def go():
        engine = make_engine(tmp_path, canvas, events)
        job_id = await engine.start_export(SITE, "course:1", "common_cartridge", None, False, None)
        return await engine.wait(job_id)

    assert run(go()).state is JobStatus.DONE
    phases = [
        (type(e).__name__, getattr(e, "state", None) or getattr(e, "completion", None))
        for e in events
        if isinstance(e, (JobState, JobProgress))
    ]
    assert phases.index(("JobState", JobStatus.EXPORTING)) + 1 == phases.index(("JobProgress", 40.0))
    assert phases.index(("JobProgress", 40.0)) < phases.index(("JobProgress", 70.0))


def test_a_store_that_fails_mid_run_is_told_as_a_job_error(tmp_path: Path) -> None:
    """Another program locks the store after the job is recorded: the failure cannot be
    written either, so the engine tells it (a StoreError) instead of dying silently."""
    import sqlite3

    from desktop_app.engine.store import StoreError

    canvas, events = FakeCanvas(), []

    async def go():
        engine = Engine(
            JobStore(tmp_path / "jobs.db", timeout=0.05), {SITE: canvas}, events.append, config=CONFIG, sleep=fast_sleep
        )
        job_id = await engine.start_export(SITE, "course:1", "common_cartridge", None, False, tmp_path / "out")
        other = sqlite3.connect(tmp_path / "jobs.db", isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            return await engine.wait(job_id)
        finally:
            other.execute("ROLLBACK")
            other.close()

    job = run(go())
    (error,) = [e for e in events if isinstance(e, JobError)]
    assert isinstance(error.error, StoreError) and error.resumable
    assert "another program is using it" in error.message
    assert job.state is JobStatus.CREATING  # as last recorded: `resume` carries it on


def test_the_fake_canvas_is_what_the_engine_asks_of_canvas() -> None:
    """The fake is tied to the engine's own Protocol: a call the engine starts to make
    that the fake lacks fails here, not in a confusing engine test. The real client
    implements the whole of CanvasApi."""
    from desktop_app.canvas.api import CanvasApi, ExportsApi
    from desktop_app.canvas.client import CanvasClient

    assert isinstance(FakeCanvas(), ExportsApi)
    assert isinstance(CanvasClient("https://canvas.test", "t"), CanvasApi)
