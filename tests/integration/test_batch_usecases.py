"""The bulk export use cases (`app/batches.py`) with two processes' worth of services on
one job store, over real HTTP: what one process's run says when another process takes
the batch over the moment it ends."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from engine_support import async_wait_until, posts

from desktop_app.app import batches
from desktop_app.app.batch_views import BatchState
from desktop_app.app.services import Services
from desktop_app.batch.model import BatchOptions, BatchTarget
from desktop_app.canvas.client import CanvasClient
from desktop_app.simulator import TEACHER_TOKEN, SimulatedCanvas

pytestmark = pytest.mark.timeout(60)


async def services_on(sim: SimulatedCanvas, store: Path) -> Services:
    """One process's services (engine, lease holder) on the shared job store."""
    services = Services(lambda event: None, lambda site: CanvasClient(sim.base_url, TEACHER_TOKEN))
    await services.start_engine(store)
    return services


def test_wait_says_how_this_run_ended_even_when_another_process_resumed_the_batch(
    make_canvas_sim: Any, sim_clock: Any, tmp_path: Path
) -> None:
    # Canvas's clock stands still: the course's export stays at Canvas, so each run
    # lasts until the test ends it
    sim = make_canvas_sim(clock=sim_clock, export_duration=10.0)

    async def scenario() -> BatchState:
        here = await services_on(sim, tmp_path / "jobs.db")
        there = await services_on(sim, tmp_path / "jobs.db")
        try:
            plan = batches.BatchPlan(
                sim.base_url,
                None,
                "t",
                [BatchTarget(101, None, "CS 101", "Analytical Engines")],
                BatchOptions(export_type="zip", folder=tmp_path / "out"),
            )
            batch_id = await batches.start_batch(here, plan)
            await async_wait_until(lambda: len(posts(sim)) == 1, what="the course's export")
            await batches.pause_batch(here, batch_id)
            ours = batches.runs(here).task(batch_id)
            assert ours is not None
            await asyncio.wait([ours])  # this process's run has ended, paused
            await batches.resume_batch(there, batch_id)  # ... and another one carries the batch on
            store = batches.runs(there).store()
            await async_wait_until(
                lambda: store.holder(batch_id) is not None and store.batch(batch_id).state is BatchState.RUNNING,
                what="the other process to run the batch",
            )
            ended = await batches.wait_batch(here, batch_id)
            await batches.pause_batch(there, batch_id)
            assert await batches.wait_batch(there, batch_id) is BatchState.PAUSED
            return ended
        finally:
            await there.aclose()
            await here.aclose()

    assert asyncio.run(scenario()) is BatchState.PAUSED  # not the other process's "running"
