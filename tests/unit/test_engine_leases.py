"""Leases in the job store: one worker per job across processes, taken over from the dead."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.app.services import Services
from desktop_app.app.usecases import resume_job
from desktop_app.canvas.errors import ValidationError
from desktop_app.engine.engine import Engine
from desktop_app.engine.errors import JobBusyError
from desktop_app.engine.ownership import Holder, process_exists
from desktop_app.engine.status import JobStatus
from desktop_app.engine.store import Job, JobStore


@pytest.fixture
def store(tmp_path: Path) -> JobStore:
    with JobStore(tmp_path / "jobs.sqlite3") as opened:
        yield opened


def new_job(store: JobStore) -> int:
    return store.add(site="https://canvas.test", context="course:1", export_type="zip", state=JobStatus.INTERRUPTED).id


def dead_pid() -> int:
    """The id of a process that has just ended (reused only after the kernel wraps around)."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def test_a_live_holder_keeps_its_job(store: JobStore) -> None:
    job = new_job(store)
    app, cron = Holder.new(), Holder.new()
    assert store.claim(job, app, ttl=60) is None
    assert store.claim(job, cron, ttl=60) == app
    assert store.claim(job, app, ttl=60) is None  # renewing by claiming again is fine


def test_a_dead_holder_on_this_computer_is_taken_over_at_once(store: JobStore) -> None:
    job = new_job(store)
    crashed = Holder("crashed", Holder.new().host, dead_pid())
    assert not process_exists(crashed.pid)
    assert store.claim(job, crashed, ttl=600) is None
    assert store.claim(job, Holder.new(), ttl=60) is None


def test_a_holder_elsewhere_counts_until_its_lease_expires(store: JobStore) -> None:
    job = new_job(store)
    remote = Holder("remote", "another-computer", 1)
    assert store.claim(job, remote, ttl=60) is None  # it is free
    assert store.claim(job, Holder.new(), ttl=60) == remote
    store.claim(job, remote, ttl=-1)  # its lease ran out (renewed with a past expiry)
    assert store.claim(job, Holder.new(), ttl=60) is None


def test_renew_fails_once_another_process_took_over(store: JobStore) -> None:
    job = new_job(store)
    slow = Holder("slow", "another-computer", 1)
    store.claim(job, slow, ttl=-1)
    assert store.claim(job, Holder.new(), ttl=60) is None
    assert store.renew(job, slow, ttl=60) is False


def test_release_only_drops_our_own_lease(store: JobStore) -> None:
    job = new_job(store)
    mine, other = Holder.new(), Holder.new()
    store.claim(job, mine, ttl=60)
    store.release(job, other)
    assert store.claim(job, other, ttl=60) == mine
    store.release(job, mine)
    assert store.claim(job, other, ttl=60) is None


def test_the_engine_leaves_a_held_job_alone(store: JobStore) -> None:
    held, free = new_job(store), new_job(store)
    app = Holder("app", Holder.new().host, os.getpid())  # a live process: this one
    store.claim(held, app, ttl=60)

    def no_client(site: str):
        raise RuntimeError("no client needed")

    async def scenario() -> tuple[list[int], list[tuple[int, str]]]:
        engine = Engine(store, no_client)
        with pytest.raises(JobBusyError, match="another Canvas Export Manager"):
            await engine.resume(held)
        resumed = await engine.resume_unfinished()
        await engine.aclose()
        return resumed.started, resumed.busy

    started, busy = asyncio.run(scenario())
    assert started == [free] and [job for job, _ in busy] == [held]
    assert f"process {os.getpid()}" in busy[0][1]


def test_a_job_s_lease_is_given_up_when_it_ends(store: JobStore) -> None:
    job = new_job(store)

    def no_client(site: str):
        raise RuntimeError("boom")  # the job fails at once (kept resumable)

    async def scenario() -> None:
        engine = Engine(store, no_client)
        await engine.resume(job)
        await engine.wait(job)
        await engine.aclose()

    asyncio.run(scenario())
    assert store.claim(job, Holder.new(), ttl=60) is None


def lease_rows(store: JobStore) -> int:
    with store.read() as conn:
        return int(conn.execute("SELECT COUNT(*) FROM leases").fetchone()[0])


def test_a_job_another_process_forgot_cannot_be_claimed(store: JobStore, tmp_path: Path) -> None:
    """`canvas-exports forget` (another connection) between a resume's listing and its
    claim: the claim had made a lease for no job, and the job "started"."""
    job = new_job(store)
    with JobStore(store.path) as other_process:
        assert other_process.forget(job) is None
    with pytest.raises(KeyError):
        store.claim(job, Holder.new(), ttl=60)
    assert lease_rows(store) == 0


def test_resume_leaves_out_a_job_forgotten_as_it_starts(store: JobStore) -> None:
    """The cron `resume` lists the unfinished jobs; before it claims one, `forget` in
    another process deletes it. That job is not started (its wait had raised KeyError,
    which the command line reported as a bug and abandoned the other jobs)."""
    forgotten, kept = new_job(store), new_job(store)

    def no_client(site: str):
        raise RuntimeError("no client needed")  # the kept job fails at once (kept resumable)

    def forget_meanwhile(job: Job) -> bool:
        if job.id == forgotten:
            with JobStore(store.path) as other_process:
                assert other_process.forget(forgotten) is None
        return True

    async def scenario() -> list[int]:
        engine = Engine(store, no_client)
        try:
            resumed = await engine.resume_unfinished(forget_meanwhile)
            for job_id in resumed.started:
                await engine.wait(job_id)
            return resumed.started
        finally:
            await engine.aclose()

    assert asyncio.run(scenario()) == [kept]
    assert lease_rows(store) == 0 and store.get(forgotten) is None


def test_resuming_a_job_another_process_forgot_says_so(store: JobStore) -> None:
    """The window still lists a job `canvas-exports forget` took off; Resume there said
    "An unexpected error stopped this task. KeyError: 1"."""
    job = new_job(store)
    with JobStore(store.path) as other_process:
        other_process.forget(job)

    async def scenario() -> None:
        services = Services(lambda event: None)
        services.store, services.engine = store, Engine(store, services.client)
        try:
            await resume_job(services, job)
        finally:
            await services.engine.aclose()

    with pytest.raises(ValidationError, match=f"There is no job {job} on the list"):
        asyncio.run(scenario())
