"""Shared pieces for the client, engine and CLI integration tests (real HTTP, simulated Canvas).

Helpers rather than fixtures: the engine tests want their own fast knobs (quick
polling, small retry delays); the simulator itself comes from conftest's `sim`.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

from desktop_app.canvas.client import CanvasClient
from desktop_app.canvas.retry import RetryPolicy
from desktop_app.engine import DownloadPolicy, Engine, EngineConfig, JobStore, PollPolicy
from desktop_app.simulator import TEACHER_TOKEN, SimulatedCanvas

FAST_RETRY = RetryPolicy(
    base_delay=0.02, max_delay=0.2, max_total=20, throttle_base_delay=0.05, throttle_max_delay=2.0, max_pace_delay=0.2
)
FAST_CLIENT_RETRY = RetryPolicy(
    base_delay=0.01,
    max_delay=0.05,
    throttle_base_delay=0.05,
    throttle_max_delay=2.0,
    max_total=10.0,
    max_pace_delay=0.2,
)
"""The CanvasClient tests' retries: a few milliseconds apart, so a test of retrying or of
giving up costs well under a second (the engine's FAST_RETRY allows a job longer)."""
FAST_ENGINE = EngineConfig(
    poll=PollPolicy(initial=0.05, backoff=1.5, ceiling=0.3),
    download=DownloadPolicy(base_delay=0.02, max_delay=0.2),
    poll_failure_delay=0.05,
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@asynccontextmanager
async def engine_for(
    sim: SimulatedCanvas,
    store_path: Path,
    events: list | None = None,
    *,
    token: str = TEACHER_TOKEN,
    transport: Any = None,
    config: EngineConfig = FAST_ENGINE,
    sleep: Callable[[float], Any] = asyncio.sleep,
) -> AsyncIterator[tuple[Engine, CanvasClient]]:
    client = CanvasClient(sim.base_url, token, policy=FAST_RETRY, transport=transport)
    store = JobStore(store_path)
    engine = Engine(
        store, {client.base_url: client}, (events.append if events is not None else None), config=config, sleep=sleep
    )
    try:
        yield engine, client
    finally:
        await engine.aclose()
        await client.aclose()
        store.close()


class RecordingSleep:
    """The engine's sleep for tests whose waits are long by design (a create's backoff):
    each wait is recorded and cut to at most `cap` seconds of real time, so the poll loop
    keeps its pace while an 8 s backoff costs nothing."""

    def __init__(self, cap: float = 0.05) -> None:
        self.cap = cap
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(min(seconds, self.cap))


def posts(sim: SimulatedCanvas) -> list:
    return [r for r in sim.request_log if r.method == "POST" and r.path.endswith("/content_exports")]


def header(record: Any, name: str) -> str | None:
    return next((v for k, v in record.headers.items() if k.lower() == name.lower()), None)


def file_ranges(sim: SimulatedCanvas) -> list[str | None]:
    """The Range header of every request the files host saw, in order."""
    return [header(r, "range") for r in sim.request_log if r.host == "files"]


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    """Poll the file system (or anything) with a deadline: synchronisation without sleeps
    that guess a duration."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)  # the poll interval of a deadline-bounded wait, like qtbot.waitUntil


async def async_wait_until(predicate: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def cli_env(home: Path, sim: SimulatedCanvas, token: str = TEACHER_TOKEN) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANVAS_")}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        CANVAS_BASE_URL=sim.base_url,
        CANVAS_TOKEN=token,
        PYTHONUNBUFFERED="1",
    )
    return env


CLI = [sys.executable, "-m", "desktop_app"]
REPO = Path(__file__).resolve().parents[2]
"""The checkout, where the CLI subprocesses run (so `-m desktop_app` is this tree)."""


def cli(
    home: Path, sim: SimulatedCanvas, *args: str, token: str | None = None, **kw: Any
) -> subprocess.CompletedProcess[str]:
    """`canvas-exports ARGS` in a subprocess against the simulator, with `home` as its home
    (its own job store and settings); `kw` goes to `subprocess.run`."""
    env = cli_env(home, sim, **({"token": token} if token else {}))
    return subprocess.run([*CLI, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=100, **kw)


@contextmanager
def cli_running(home: Path, sim: SimulatedCanvas, *args: str, **kw: Any) -> Iterator[subprocess.Popen[str]]:
    """`canvas-exports ARGS` started in the background, as `cli` runs it (`kw` goes to
    `subprocess.Popen`: where its output goes); killed at the end if it still runs."""
    proc = subprocess.Popen([*CLI, *args], env=cli_env(home, sim), cwd=REPO, text=True, **kw)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def job_store(home: Path) -> JobStore:
    """The CLI's own job store under `home` (XDG_DATA_HOME, see cli_env)."""
    return JobStore(home / "data" / "canvas-export-manager" / "jobs.sqlite3")


def unfinished_job_at(home: Path, site: SimulatedCanvas) -> int:
    """A `create --wait` at `site` killed (-9) once Canvas has the export: the job stays
    unfinished in the store, as one left over from a demo server would."""
    create = ("create", f"course:{site.data.main_course_id}", "--type", "zip", "--wait")
    with cli_running(home, site, *create, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as proc:
        assert proc.stderr is not None
        for line in proc.stderr:  # "job 1 (export 4): Queued at Canvas"
            if "(export " in line:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    with job_store(home) as store:
        (job,) = [j for j in store.jobs() if j.site == site.base_url]
    assert not job.state.is_terminal
    return job.id
