"""The bridge: results and errors come home on the GUI thread, progress is throttled,
shutdown cancels everything and joins the thread."""

from __future__ import annotations

import asyncio
import threading

import pytest

from desktop_app.canvas.errors import AuthError, NotFoundError
from desktop_app.engine.events import JobDone, JobError, JobProgress, JobState, JobStatus
from desktop_app.ui.bridge import THREAD_NAME, EngineBridge

from .conftest import leaked_threads


def test_result_arrives_on_the_gui_thread(qtbot, bridge: EngineBridge) -> None:
    seen: dict[str, object] = {}

    async def work(services):  # runs on the loop thread
        seen["worker"] = threading.current_thread().name
        return 42

    call = bridge.run(work)
    call.succeeded.connect(lambda value: seen.update(value=value, receiver=threading.current_thread()))
    with qtbot.waitSignal(call.finished, timeout=5000):
        pass
    assert seen["worker"] == THREAD_NAME
    assert seen["value"] == 42
    assert seen["receiver"] is threading.main_thread()
    assert call.result == 42 and call.done


def test_errors_are_delivered_and_auth_errors_announced(qtbot, bridge: EngineBridge) -> None:
    async def missing(services):
        raise NotFoundError("The course does not exist.", status=404)

    call = bridge.run(missing)
    with qtbot.waitSignal(call.failed, timeout=5000) as blocker:
        pass
    assert isinstance(blocker.args[0], NotFoundError)

    async def revoked(services):
        raise AuthError("Revoked access token.", reason="revoked")

    with qtbot.waitSignal(bridge.authFailed, timeout=5000) as auth:
        bridge.run(revoked, site="https://canvas.example.edu")
    assert auth.args[0] == "https://canvas.example.edu"
    assert auth.args[1].reason == "revoked"


def test_a_cancelled_call_never_reports(qtbot, bridge: EngineBridge) -> None:
    started = threading.Event()

    async def slow(services):
        started.set()
        await asyncio.sleep(3600)

    call = bridge.run(slow, label="Waiting forever…")
    call.finished.connect(lambda: pytest.fail("a cancelled call reported"))
    assert started.wait(5)
    assert bridge.activity() == "Waiting forever…"
    call.cancel()
    assert bridge.activity() == "Ready"
    # a later call completing proves the queue was processed past the cancelled one
    with qtbot.waitSignal(bridge.run(_answer).finished, timeout=5000):
        pass


async def _answer(services):
    return "ok"


def test_call_without_sign_in_is_an_auth_error(qtbot, bridge: EngineBridge) -> None:
    from desktop_app.app import usecases

    call = bridge.run(lambda services: usecases.load_contexts(services, "https://nowhere.example"))
    with qtbot.waitSignal(call.failed, timeout=5000) as blocker:
        pass
    assert isinstance(blocker.args[0], AuthError)
    assert blocker.args[0].reason == "missing"


def test_progress_is_throttled_and_stays_in_order(qtbot, bridge: EngineBridge) -> None:
    received: list[object] = []
    bridge.jobEvent.connect(received.append)

    async def flood(services):
        for i in range(2000):
            services.emit_event(JobProgress(job_id=7, completion=i / 20))
        services.emit_event(JobDone(job_id=7, path=None, sha256=None, size=None))

    with qtbot.waitSignal(bridge.jobEvent, timeout=5000, check_params_cb=lambda e: isinstance(e, JobDone)):
        bridge.run(flood)
    progress = [e for e in received if isinstance(e, JobProgress)]
    assert 1 <= len(progress) <= 5, f"{len(progress)} progress events reached the GUI"
    assert progress[-1].completion == pytest.approx(1999 / 20)
    assert isinstance(received[-1], JobDone)


def test_events_from_other_threads_are_accepted(qtbot, bridge: EngineBridge) -> None:
    async def from_a_worker_thread(services):
        await asyncio.to_thread(services.emit_event, JobState(job_id=3, state=JobStatus.EXPORTING, label="Exporting"))

    with qtbot.waitSignal(bridge.jobEvent, timeout=5000) as blocker:
        bridge.run(from_a_worker_thread)
    assert blocker.args[0].state is JobStatus.EXPORTING
    assert bridge.activity() == "1 export running"


def test_status_sentence_counts_running_and_downloading(qtbot, bridge: EngineBridge) -> None:
    async def jobs(services):
        services.emit_event(JobState(job_id=1, state=JobStatus.EXPORTING, label=""))
        services.emit_event(JobState(job_id=2, state=JobStatus.QUEUED, label=""))
        services.emit_event(JobState(job_id=3, state=JobStatus.DOWNLOADING, label=""))
        services.emit_event(JobState(job_id=4, state=JobStatus.EXPORTING, label=""))
        services.emit_event(JobState(job_id=4, state=JobStatus.FAILED, label=""))  # as the engine ends a job
        services.emit_event(JobError(job_id=4, error=NotFoundError("gone"), message="gone", resumable=False))

    with qtbot.waitSignal(bridge.jobEvent, timeout=5000, check_params_cb=lambda e: isinstance(e, JobError)):
        bridge.run(jobs)
    assert bridge.activity() == "2 exports running, 1 downloading"
    assert bridge.jobs.counts() == (2, 1)


def test_job_error_with_auth_error_is_announced(qtbot, bridge: EngineBridge) -> None:
    async def revoke(services):
        err = AuthError("Revoked access token.", reason="revoked")
        services.emit_event(JobError(job_id=9, error=err, message=str(err)))

    with qtbot.waitSignal(bridge.authFailed, timeout=5000) as blocker:
        bridge.run(revoke)
    assert blocker.args[1].reason == "revoked"


class _FakeClient:
    def __init__(self) -> None:
        self.closed = False

    async def aclose(self) -> None:
        self.closed = True


def test_shutdown_cancels_tasks_closes_clients_and_joins(qtbot, qapp) -> None:
    bridge = EngineBridge()
    bridge.start()
    client = _FakeClient()
    cancelled = threading.Event()
    started = threading.Event()

    async def register(services):
        services.clients["site"] = client

    with qtbot.waitSignal(bridge.run(register).finished, timeout=5000):
        pass

    async def forever(services):
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    bridge.run(forever)
    assert started.wait(5)
    assert bridge.shutdown(timeout=10)
    assert cancelled.is_set()
    assert client.closed
    assert not any(t.name == THREAD_NAME for t in threading.enumerate())
    # after shutdown nothing runs and nothing crashes
    late = bridge.run(_answer)
    assert late.cancelled


def test_the_leak_check_catches_a_running_thread() -> None:
    before = set(threading.enumerate())
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="straggler")
    thread.start()
    try:
        assert [t.name for t in leaked_threads(before, grace=0.05)] == ["straggler"]
    finally:
        stop.set()
        thread.join()
    assert leaked_threads(before) == []
