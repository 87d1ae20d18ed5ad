"""The command line's `download` with timestamps at its phase boundaries (used by
bench_end_to_end.py; a file of its own so that nothing the benchmark imports, such as
httpx, is loaded before the command's own imports are timed).

    python tests/benchmarks/e2e_phases.py OUT_JSON [--profile] -- CLI ARGS...

Runs `desktop_app.cli.main(CLI ARGS)` in this process, with the engine's functions at
the phase boundaries wrapped to note CLOCK_MONOTONIC (shared by all processes, so the
parent's spawn time, `$BENCH_SPAWNED_AT`, is on the same clock) and this process's CPU
seconds (all threads). Boundaries: Python started, imports done, export read (the
Canvas API answer), first block and last block written (1 MiB blocks, in the writer
thread), fsync of the part done, zip check done, final name committed, `main` returned.
With --profile, the event-loop thread also runs under cProfile and the slowest
functions (own time) are printed to stderr.

CPU by thread: a sampler thread reads every thread's user + sys time from
`/proc/self/task/*/stat` every 5 ms (threads of the default executor end with the
event loop, so their last sample is their total); written as `threads` in OUT_JSON, by
Python thread name (the sampler's own time included, as "sampler").
"""

from __future__ import annotations

import time

_STARTED = time.monotonic()  # first thing: the interpreter itself is up
_STARTED_CPU = time.process_time()

import functools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from typing import Any, Callable  # noqa: E402

marks: list[tuple[str, float, float]] = [("python started", _STARTED, _STARTED_CPU)]


def mark(name: str) -> None:
    marks.append((name, time.monotonic(), time.process_time()))


def _once(name: str) -> Callable[[], None]:
    done = [False]

    def note() -> None:
        if not done[0]:
            done[0] = True
            mark(name)

    return note


def _wrap_sync(
    owner: Any,
    attr: str,
    before: str | None,
    after: str | None,
    *,
    first_only: bool = False,
    last: list[tuple[float, float]] | None = None,
) -> None:
    """Wrap owner.attr (a plain function): note `before` at its start, `after` at its end.
    `last` keeps the end of the most recent call instead (noted at the end of the run)."""
    original = getattr(owner, attr)
    note_before = _once(before) if before and first_only else (lambda: mark(before)) if before else None

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if note_before:
            note_before()
        try:
            return original(*args, **kwargs)
        finally:
            if last is not None:
                last[:] = [(time.monotonic(), time.process_time())]
            elif after:
                mark(after)

    setattr(owner, attr, wrapper)


class ThreadCpu:
    """The last user + sys seconds seen of each thread (Linux), by Python thread name."""

    def __init__(self) -> None:
        self.seconds: dict[int, tuple[float, float]] = {}
        self.names: dict[int, str] = {}
        self._stop = threading.Event()
        self._tick = os.sysconf("SC_CLK_TCK")
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    def __enter__(self) -> "ThreadCpu":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.sample()

    def sample(self) -> None:
        for thread in threading.enumerate():
            if thread.native_id is not None:
                self.names.setdefault(thread.native_id, thread.name)
        for tid in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{tid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile: its last sample stands
            self.seconds[int(tid)] = (int(fields[11]) / self._tick, int(fields[12]) / self._tick)

    def by_name(self) -> dict[str, tuple[float, float]]:
        """(user, sys) seconds by thread name; the default executor's threads as one."""
        totals: dict[str, tuple[float, float]] = {}
        for tid, (user, system) in self.seconds.items():
            name = self.names.get(tid, f"thread {tid}")
            name = name.split("_")[0] if name.startswith("asyncio_") else name
            before = totals.get(name, (0.0, 0.0))
            totals[name] = (before[0] + user, before[1] + system)
        return totals


def _wrap_async(owner: Any, attr: str, after: str) -> None:
    original = getattr(owner, attr)

    @functools.wraps(original)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return await original(*args, **kwargs)
        finally:
            mark(after)

    setattr(owner, attr, wrapper)


def main() -> int:
    out_path = sys.argv[1]
    profile = "--profile" in sys.argv[2 : sys.argv.index("--")]
    cli_args = sys.argv[sys.argv.index("--") + 1 :]

    import desktop_app.cli as cli

    mark("cli module imported")
    # What the command imports lazily on its way, imported here (same modules, same cost)
    # so that the wrappers can be put in place.
    import desktop_app.canvas.client as client_mod
    import desktop_app.engine.download as download_mod
    import desktop_app.engine.engine as engine_mod

    mark("engine and client imported")
    last_block: list[tuple[float, float]] = []
    _wrap_async(client_mod.CanvasClient, "get_export", "export read")
    _wrap_sync(download_mod, "_write_pieces", "first block written (start)", None, first_only=True, last=last_block)
    _wrap_async(download_mod, "fsync_part", "part fsync done")
    _wrap_sync(engine_mod, "verify_package", "zip check start", "zip check done")
    _wrap_sync(engine_mod, "commit_part", None, "committed under the final name")

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    try:
        with ThreadCpu() as threads:
            code = cli.main(cli_args)
    finally:
        if profiler is not None:
            profiler.disable()
    mark("main returned")
    if last_block:
        marks.append(("last block written", *last_block[0]))
    if profiler is not None:
        import pstats

        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(18)
    spawned = float(os.environ.get("BENCH_SPAWNED_AT", _STARTED))
    with open(out_path, "w") as out:
        json.dump(
            {
                "spawned": spawned,
                "marks": sorted(marks, key=lambda m: m[1]),
                "threads": threads.by_name(),
                "code": code,
            },
            out,
        )
    return code


if __name__ == "__main__":
    sys.exit(main())
