"""Requests spent watching one 10-minute export: the real Engine against the simulator,
side by side with a loop that polls the Progress once a second.

Nobody waits 10 minutes: both run on a `VirtualTimeLoop`, whose clock jumps to the next
timer whenever nothing is in flight, and the simulator's `clock` reads the same virtual
time, so the export really takes 600 (virtual) seconds and every poll is a real HTTP
request. The simulator's throttle is opened up, since 600 requests squeezed into a few
real seconds would otherwise be throttled (which real Canvas would not do at 1 per s).

Counted from the simulator's request log: Progress GETs and export GETs (the polling),
and every request the job made (create, the duplicate check, ...).

    uv run python tests/benchmarks/bench_polling.py [--minutes 10]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import CountingTransport, VirtualTimeLoop, banner, table, verdict  # noqa: E402

TARGET = 40
SITE = "simulated"
_SHOW = re.compile(r"^/api/v1/courses/\d+/content_exports/(\d+)$")
_PROGRESS = re.compile(r"^/api/v1/progress/(\d+)$")


def _count(log: list, export_id: int, progress_id: int | None) -> dict[str, int]:
    polls = shows = 0
    for rec in log:
        if rec.host != "api" or rec.method != "GET":
            continue
        show = _SHOW.match(rec.path)
        progress = _PROGRESS.match(rec.path)
        if show and int(show.group(1)) == export_id:
            shows += 1
        elif progress and progress_id is not None and int(progress.group(1)) == progress_id:
            polls += 1
    return {"progress": polls, "show": shows, "all": sum(1 for rec in log if rec.host == "api")}


async def _ours(loop: VirtualTimeLoop, sim, duration: float, folder: Path) -> dict[str, float]:
    from desktop_app.canvas.client import CanvasClient
    from desktop_app.engine import Engine, JobStore
    from desktop_app.simulator import TEACHER_TOKEN

    sim.clear_log()
    store = JobStore(folder / "jobs.sqlite")
    async with CanvasClient(sim.base_url, TEACHER_TOKEN, transport=CountingTransport(loop)) as client:
        engine = Engine(store, {SITE: client}, clock=loop.time)
        started = loop.time()
        job_id = await engine.start_export(SITE, f"course:{sim.data.main_course_id}", "common_cartridge")
        job = await engine.wait(job_id)
        elapsed = loop.time() - started
        await engine.aclose()
    assert job.export_id is not None and job.state.value == "done", job
    rec = sim.store.get(job.export_id)
    lag = loop.wall_clock() - (rec.created_at + rec.duration)
    counts = _count(sim.request_log, job.export_id, rec.progress_id)
    return {**counts, "virtual_s": elapsed, "lag_s": lag}


async def _one_second_loop(loop: VirtualTimeLoop, sim) -> dict[str, float]:
    """The naive watcher: create, then GET the Progress every second until it ends."""
    from desktop_app.canvas.client import CanvasClient
    from desktop_app.canvas.models import Context, ExportType
    from desktop_app.simulator import TEACHER_TOKEN

    sim.clear_log()
    async with CanvasClient(sim.base_url, TEACHER_TOKEN, transport=CountingTransport(loop)) as client:
        ctx = Context.parse(f"course:{sim.data.main_course_id}")
        started = loop.time()
        export = await client.create_export(ctx, ExportType.COMMON_CARTRIDGE)
        assert export.progress_id is not None
        for _ in range(100_000):  # bounded
            await asyncio.sleep(1.0)
            progress = await client.get_progress(export.progress_id)
            if progress.workflow_state.value in ("completed", "failed"):
                break
        export = await client.get_export(ctx, export.id)
        elapsed = loop.time() - started
    rec = sim.store.get(export.id)
    counts = _count(sim.request_log, export.id, rec.progress_id)
    return {**counts, "virtual_s": elapsed, "lag_s": loop.wall_clock() - (rec.created_at + rec.duration)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    duration = args.minutes * 60

    from desktop_app.simulator import SimulatedCanvas, ThrottleSettings

    loop = VirtualTimeLoop()
    asyncio.set_event_loop(loop)
    real = time.perf_counter()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="bench-poll-") as tmp,
            SimulatedCanvas(export_duration=duration, clock=loop.wall_clock, throttle=ThrottleSettings(hwm=1e9)) as sim,
        ):
            banner(f"one {args.minutes:g}-minute export, watched in virtual time")
            ours = loop.run_until_complete(_ours(loop, sim, duration, Path(tmp)))
            print(f"  ours: {ours}", flush=True)
            naive = loop.run_until_complete(_one_second_loop(loop, sim))
            print(f"  1-second loop: {naive}", flush=True)
    finally:
        loop.close()
    real = time.perf_counter() - real

    ours_polls = ours["progress"] + ours["show"]
    naive_polls = naive["progress"] + naive["show"]
    banner("results")
    print(
        table(
            ["benchmark", "ours", "baseline", "ratio / target", "pass?"],
            [
                [
                    f"requests polling one {args.minutes:g}-min export (Progress + export GETs)",
                    f"{ours_polls} ({ours['progress']} + {ours['show']})",
                    f"1-s loop {naive_polls} ({naive['progress']} + {naive['show']})",
                    f"{ours_polls / naive_polls:.3f}x (<= {TARGET * args.minutes / 10:.0f})",
                    verdict(ours_polls <= TARGET * args.minutes / 10),
                ],
                [
                    "  every request of the job (create, duplicate check, polls)",
                    str(ours["all"]),
                    f"1-s loop {naive['all']}",
                    "",
                    "info",
                ],
                ["  noticed the end after", f"{ours['lag_s']:.1f} s", f"1-s loop {naive['lag_s']:.1f} s", "", "info"],
            ],
        )
    )
    print(f"\n(virtual seconds: ours {ours['virtual_s']:.0f}, loop {naive['virtual_s']:.0f}; real time {real:.1f} s)")


if __name__ == "__main__":
    main()
