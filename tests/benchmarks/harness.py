"""Shared pieces of the benchmark scripts: statistics and printing, alternating runs, a
virtual-time event loop, heartbeats, the cached 1 GiB package, a simulator process.

Why each piece exists:

* The machines are shared and noisy, so every figure is a median of several runs, the
  baseline runs in the same process invocation, alternating with ours, and what is
  compared is the ratio (see "Measuring speed honestly" in the design notes).
* Polling a 10-minute export must not take 10 minutes: `VirtualTimeLoop` skips idle
  waits (the clock jumps to the next timer) but never while a request or a worker-thread
  job is in flight, so network timeouts and real work keep their real durations.
* A stall is the longest gap between the ticks of a short periodic timer: `GapRecorder`
  turns ticks into that figure for both the asyncio and the Qt heartbeat (and keeps the
  ticking thread's CPU per gap: little CPU in a long gap means it was waiting).
* Naming a stall: `StallTracer` times every asyncio callback and GC pause,
  `SlowCallbackLog` collects asyncio debug mode's reports, `StackSampler` samples a
  thread's Python stack while its heartbeat is late.

No Qt here: the GUI scripts bring their own QTimer and feed it a `GapRecorder`.
Run `python tests/benchmarks/harness.py serve-sim ...` to get a simulated Canvas in a
separate process (used when its Python threads must not share our GIL).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import random
import selectors
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import httpx

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `python tests/benchmarks/bench_x.py` from anywhere
    sys.path.insert(0, str(ROOT))

GiB = 1 << 30
MiB = 1 << 20

# ------------------------------------------------------------------ figures and printing


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100): a real observed value, never interpolated."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def alternate(runs: int, cases: dict[str, Callable[[], float]], *, label: str = "") -> dict[str, list[float]]:
    """Run each case `runs` times, alternating (A B A B ... , starting order swapped every
    round) so drifting machine load hits all of them alike. Each case returns a figure."""
    results: dict[str, list[float]] = {name: [] for name in cases}
    names = list(cases)
    for i in range(runs):
        order = names if i % 2 == 0 else names[::-1]
        for name in order:
            value = cases[name]()
            results[name].append(value)
            print(f"  {label}run {i + 1}/{runs} {name}: {value:.3f}", flush=True)
    return results


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A markdown table (pasteable into the README)."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def banner(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


# ------------------------------------------------------------------ stalls


@dataclass
class GapRecorder:
    """Longest gap between heartbeat ticks: how long the thread could not run a timer.

    Each gap also keeps how much CPU the ticking thread itself used meanwhile: a long
    gap with little CPU means the thread was waiting (for the GIL, or for a core), a
    long gap full of CPU means it was busy with something else."""

    gaps: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)  # perf_counter at the end of each gap
    _last: float | None = None
    _last_cpu: float = 0.0

    def start(self) -> None:
        self._last, self._last_cpu = time.perf_counter(), time.thread_time()

    def tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if self._last is not None:
            self.gaps.append(now - self._last)
            self.cpu.append(cpu - self._last_cpu)
            self.ends.append(now)
        self._last, self._last_cpu = now, cpu

    @property
    def last_tick(self) -> float | None:
        return self._last

    @property
    def max_ms(self) -> float:
        return 1000 * max(self.gaps) if self.gaps else math.nan

    def cpu_in_longest_ms(self) -> float:
        """This thread's CPU during its longest gap."""
        if not self.gaps:
            return math.nan
        return 1000 * self.cpu[self.gaps.index(max(self.gaps))]

    def longest(self, n: int = 3) -> list[tuple[float, float, float]]:
        """The n longest gaps as (start perf_counter, gap ms, this thread's CPU ms)."""
        ranked = sorted(range(len(self.gaps)), key=lambda i: -self.gaps[i])[:n]
        return [(self.ends[i] - self.gaps[i], 1000 * self.gaps[i], 1000 * self.cpu[i]) for i in ranked]

    def p99_ms(self) -> float:
        return 1000 * percentile(self.gaps, 99)

    def p50_ms(self) -> float:
        return 1000 * percentile(self.gaps, 50)

    def over(self, threshold_ms: float) -> int:
        return sum(1 for g in self.gaps if g * 1000 > threshold_ms)


class StackSampler:
    """While the watched thread's heartbeat is late by more than `late` seconds, samples
    that thread's Python stack every few ms from a side thread: what it was doing when
    it stalled. (A stall inside C++ with no Python frame shows as the frame that called
    into it, e.g. the Qt event loop's exec.)"""

    def __init__(self, recorder: GapRecorder, thread_id: int, late: float = 0.025, every: float = 0.003) -> None:
        import threading

        self.recorder, self.thread_id, self.late, self.every = recorder, thread_id, late, every
        self.samples: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-stack-sampler", daemon=True)

    def __enter__(self) -> "StackSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        import traceback

        while not self._stop.wait(self.every):
            last = self.recorder.last_tick
            if last is None or time.perf_counter() - last < self.late:
                continue
            frame = sys._current_frames().get(self.thread_id)
            if frame is None:
                continue
            stack = traceback.extract_stack(frame)[-4:]
            key = " > ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in stack)
            self.samples[key] = self.samples.get(key, 0) + 1

    def summary(self, limit: int = 6) -> list[str]:
        ranked = sorted(self.samples.items(), key=lambda kv: -kv[1])[:limit]
        return [f"{count:3d} samples: {where}" for where, count in ranked]


async def asyncio_heartbeat(recorder: GapRecorder, interval: float = 0.005) -> None:
    """Tick every `interval` seconds until cancelled (run it as a task on the loop under test)."""
    recorder.start()
    while True:
        await asyncio.sleep(interval)
        recorder.tick()


class SlowCallbackLog:
    """Collects asyncio's debug-mode "Executing <Handle ...> took 0.05 seconds" lines, to
    name what blocked the loop."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        outer = self

        class _Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                text = record.getMessage()
                if text.startswith("Executing"):
                    outer.lines.append(text)

        self._handler = _Handler()
        self._logger = logging.getLogger("asyncio")

    def __enter__(self) -> "SlowCallbackLog":
        self._old_level = self._logger.level
        self._logger.setLevel(logging.WARNING)
        self._logger.addHandler(self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self._handler)
        self._logger.setLevel(self._old_level)


class StallTracer:
    """Names what held the thread during long gaps, without asyncio's slow debug mode:
    times every asyncio callback (`Handle._run`) and every garbage collection, and keeps
    those over `threshold` seconds as (seconds, description)."""

    def __init__(self, threshold: float = 0.015) -> None:
        self.threshold = threshold
        self.slow: list[tuple[float, str]] = []
        self.cpu: list[tuple[float, float]] = []
        """(wall, this thread's CPU) of each slow callback: CPU far below wall means the
        thread was waiting (for the GIL, or for a core), not working."""
        self._gc_started = 0.0

    def __enter__(self) -> "StallTracer":
        import gc

        tracer = self
        self._original = original = asyncio.events.Handle._run

        def timed_run(handle: asyncio.events.Handle) -> None:
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                original(handle)
            finally:
                took = time.perf_counter() - started
                if took > tracer.threshold:
                    tracer.slow.append((took, _describe_handle(handle)))
                    tracer.cpu.append((took, time.thread_time() - cpu))

        asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]
        gc.callbacks.append(self._on_gc)
        return self

    def __exit__(self, *exc: object) -> None:
        import gc

        asyncio.events.Handle._run = self._original  # type: ignore[method-assign]
        gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            took = time.perf_counter() - self._gc_started
            if took > self.threshold / 4:
                self.slow.append((took, f"garbage collection, generation {info.get('generation')}"))

    def summary(self, limit: int = 8) -> list[str]:
        """The slowest, grouped by what they were: 'N x what (max ms)'."""
        groups: dict[str, list[float]] = {}
        for took, what in self.slow:
            groups.setdefault(what, []).append(took)
        ranked = sorted(groups.items(), key=lambda kv: -max(kv[1]))[:limit]
        return [f"{len(v):3d} x {what} (max {1000 * max(v):.0f} ms)" for what, v in ranked]


def _describe_handle(handle: Any) -> str:
    """A task step as 'coroutine at file:line' (where it stopped), else the callback."""
    import re

    callback = getattr(handle, "_callback", None)
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        coro: Any = task.get_coro()
        name = getattr(coro, "__qualname__", repr(coro))
        where = []
        while coro is not None and getattr(coro, "cr_frame", None) is not None:  # down the await chain
            frame = coro.cr_frame
            where.append(f"{getattr(coro, '__qualname__', '?')} {Path(frame.f_code.co_filename).name}:{frame.f_lineno}")
            coro = getattr(coro, "cr_await", None)
        if not where:
            return f"task {name} (finished)"
        return "task step, now waiting in " + " > ".join(where[:1] + where[-2:] if len(where) > 3 else where)
    text = re.sub(r" at 0x[0-9a-f]+", "", repr(callback))
    return text[:150]


# ------------------------------------------------------------------ virtual time


class _WarpSelector:
    """Wraps the loop's selector: an idle wait for the next timer becomes a jump of the
    virtual clock, unless something (a request, a worker-thread job) is in flight."""

    def __init__(self, inner: selectors.BaseSelector, loop: "VirtualTimeLoop") -> None:
        self._inner = inner
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[Any]:
        if timeout is None or timeout <= 0 or self._loop.busy > 0:
            return self._inner.select(timeout)
        events = self._inner.select(0)
        if events:
            return events
        self._loop.offset += timeout  # nothing can happen before the next timer: skip to it
        self._loop.jumps += 1
        return []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An asyncio loop whose `time()` is real monotonic time plus `offset`; idle waits
    advance `offset` instantly. `busy` counts work that must finish in real time (HTTP
    requests through `CountingTransport`, `run_in_executor` jobs): while it is non-zero
    the loop waits for real, so timeouts are never triggered by a jump.

    A simulator given `clock=loop.wall_clock` lives in the same virtual time."""

    def __init__(self) -> None:
        super().__init__(selectors.DefaultSelector())
        self.offset = 0.0
        self.busy = 0
        self.jumps = 0
        self._selector = _WarpSelector(self._selector, self)  # type: ignore[has-type]

    def time(self) -> float:
        return time.monotonic() + self.offset

    def wall_clock(self) -> float:
        """Epoch seconds in virtual time (for SimulatedCanvas(clock=...)); thread safe."""
        return time.time() + self.offset

    def run_in_executor(self, executor: Any, func: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        self.busy += 1
        future = super().run_in_executor(executor, func, *args)

        def done(_: asyncio.Future[Any]) -> None:
            self.busy -= 1

        future.add_done_callback(done)
        return future


class _CountedStream(httpx.AsyncByteStream):
    def __init__(self, inner: Any, release: Callable[[], None]) -> None:
        self._inner = inner
        self._release = release
        self._released = False

    async def __aiter__(self) -> Any:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            if not self._released:
                self._released = True
                self._release()


class CountingTransport(httpx.AsyncBaseTransport):
    """An httpx transport that marks the VirtualTimeLoop busy from request to body close."""

    def __init__(self, loop: VirtualTimeLoop, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self._loop = loop
        self._inner = inner or httpx.AsyncHTTPTransport()

    def _release(self) -> None:
        self._loop.busy -= 1

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._loop.busy += 1
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException:
            self._release()
            raise
        response.stream = _CountedStream(response.stream, self._release)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


# ------------------------------------------------------------------ the big package

BENCH_DIR = Path(tempfile.gettempdir()) / "canvas-export-bench"


def big_package(size: int = GiB, *, name: str | None = None, deflated: bool = False) -> Path:
    """A real Common Cartridge zip of about `size` bytes (entries of incompressible data,
    like the media that make a course export large, plus an imsmanifest.xml), generated
    once and kept in the temp folder. Stored entries by default; `deflated` writes them
    as Canvas does (rubyzip deflates every entry at its default level, media included),
    so checking the package means inflating every byte."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    kind = "-deflated" if deflated else ""
    path = BENCH_DIR / (name or f"package-{size // MiB}MiB{kind}.imscc")
    if path.exists() and path.stat().st_size >= size:
        return path
    print(f"generating {path} ({size / MiB:.0f} MiB, once)...", flush=True)
    tmp = path.with_suffix(".tmp")
    rng = random.Random(20260509)
    entry = 64 * MiB
    block = 4 * MiB
    method = zipfile.ZIP_DEFLATED if deflated else zipfile.ZIP_STORED
    with zipfile.ZipFile(tmp, "w", compression=method, allowZip64=True) as zf:
        zf.writestr("imsmanifest.xml", _MANIFEST)
        written, n = 0, 0
        while written < size:
            this = min(entry, size - written)
            with zf.open(f"web_resources/media/blob-{n:03d}.bin", "w", force_zip64=False) as out:
                left = this
                while left:
                    piece = min(block, left)
                    out.write(rng.randbytes(piece))
                    left -= piece
            written += this
            n += 1
    os.replace(tmp, path)
    return path


_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="bench" xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1">
  <metadata><schema>IMS Common Cartridge</schema><schemaversion>1.1.0</schemaversion></metadata>
  <organizations/><resources/>
</manifest>
"""


# ------------------------------------------------------------------ processes


def child_env() -> dict[str, str]:
    """Environment for child Python processes: the repo importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_child(argv: list[str], *, env: dict[str, str] | None = None, timeout: float = 600) -> tuple[str, int]:
    """Run a child to completion; (stdout, peak RSS in bytes from wait4's rusage).

    os.wait4 gives this one child's ru_maxrss, unlike RUSAGE_CHILDREN (a max over all)."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, env=env or child_env(), text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    out = proc.stdout.read()  # the child ends by itself (bounded work)
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            raise TimeoutError(argv)
        time.sleep(0.01)  # reaping an external process; not test synchronisation
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"child {argv[1:3]} failed with {proc.returncode}")
    rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return out, rss


@contextlib.contextmanager
def simulator_process(
    export_duration: float = 2.0,
    redirect: dict[int, tuple[str, int]] | None = None,
    redirect_all: tuple[str, int] | None = None,
    bulk_courses: int = 0,
) -> Iterator[dict[str, Any]]:
    """A SimulatedCanvas in its own process, so its Python threads do not compete for our
    GIL: what we measure is our loop, not the simulator; it runs at a lower CPU priority
    (nice 10), as a remote Canvas would not use our cores at all. Yields its facts (base_url,
    files_base_url, main_course_id, group_id, exported history export ids by context);
    `bulk_courses` generated courses join the sample ones (the teacher teaches every 25th)."""
    spec = {
        "export_duration": export_duration,
        "bulk_courses": bulk_courses,
        "redirect": {str(k): v for k, v in (redirect or {}).items()},
        "redirect_all": redirect_all,
    }
    proc = subprocess.Popen(
        [sys.executable, __file__, "serve-sim", json.dumps(spec)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=child_env(),
        text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    try:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the simulator process did not start")
        yield json.loads(line)
    finally:
        proc.stdin.close()  # EOF: the child stops its servers and exits
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _serve_sim(spec_text: str) -> None:
    from desktop_app.simulator import SimulatedCanvas, ThrottleSettings

    spec = json.loads(spec_text)
    # The simulator stands in for Canvas, which runs on other machines, not on the two
    # cores it shares with us here: at a lower priority it still serves every request,
    # but takes a core from the process under test only when one is free (measured with
    # bench_engine_loop.py: loop stalls that were the server's, not ours, went away).
    if hasattr(os, "nice"):
        os.nice(10)
    # A generous bucket: these benchmarks measure our loop, not Canvas's throttling.
    throttle = ThrottleSettings(hwm=1e9)
    with SimulatedCanvas(
        export_duration=spec["export_duration"], throttle=throttle, bulk_courses=spec.get("bulk_courses", 0)
    ) as sim:
        redirects = {int(k): tuple(v) for k, v in spec["redirect"].items()}
        everything = tuple(spec["redirect_all"]) if spec.get("redirect_all") else None
        sim.package_redirect = lambda export_id: redirects.get(export_id) or everything  # type: ignore[assignment]
        exported: dict[str, list[dict[str, Any]]] = {}  # context -> finished, downloadable exports
        for rec in sim.store.records.values():
            if (
                not rec.deleted
                and rec.outcome == "exported"
                and not sim.store.expired(rec)
                and rec.export_type != "quizzes2"
            ):
                exported.setdefault(f"{rec.context[0]}:{rec.context[1]}", []).append(
                    {"id": rec.id, "user_id": rec.user_id, "type": rec.export_type}
                )
        facts = {
            "base_url": sim.base_url,
            "files_base_url": sim.files_base_url,
            "main_course_id": sim.data.main_course_id,
            "group_id": sim.data.group_id,
            "teacher_id": sim.data.teacher_id,
            "course_ids": sorted(sim.data.courses),
            "exported": exported,
        }
        print(json.dumps(facts), flush=True)
        sys.stdin.read()  # until the parent closes our stdin


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "serve-sim":
        _serve_sim(sys.argv[2])
    else:
        raise SystemExit("usage: harness.py serve-sim SPEC_JSON (used by the benchmark scripts)")
