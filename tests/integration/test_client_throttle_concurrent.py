"""Many jobs polling at once through one client, against a leaky bucket as Canvas fills it.

The simulated bucket works like Canvas's (up-front cost 50 per request in flight, a
high-water mark, costs that vary per request: here 1 to 30 units drawn by a seeded
random stream). Its drain is sped up 100 times (1000 units/s instead of Canvas's 10) so
the run takes seconds; the client is told the same rate, so it paces in the same
proportions as it would against a real Canvas. The simulator's request log says how
often Canvas would have refused: with pacing, under 1% of requests, and none of those
reach the caller; without it, far more.
"""

from __future__ import annotations

import asyncio
import math
from typing import Callable

from desktop_app.canvas.client import CanvasClient
from desktop_app.canvas.models import Context
from desktop_app.canvas.retry import RetryPolicy
from desktop_app.simulator import TEACHER_TOKEN, SimulatedCanvas, ThrottleSettings

OUTFLOW = 1000.0
JOBS = 8
POLLS = 25
COURSE = Context.parse("course:101")


def _canvas_like_bucket(make: Callable[..., SimulatedCanvas]) -> SimulatedCanvas:
    throttle = ThrottleSettings(hwm=700.0, outflow=OUTFLOW, up_front_cost=50.0, request_cost=(1.0, 30.0), seed=14)
    return make(throttle=throttle)


def _poll_together(sim: SimulatedCanvas, policy: RetryPolicy) -> tuple[int, int]:
    """JOBS jobs each polling POLLS times at once through one client (as the engine's jobs
    share their site's client) -> (API requests the simulator saw, how many it refused)."""

    async def job(api: CanvasClient, n: int) -> None:
        for poll in range(POLLS):
            if (n + poll) % 2:
                await api.get_self()
            else:
                await api.get_course(COURSE)

    async def go() -> None:
        async with CanvasClient(sim.base_url, TEACHER_TOKEN, policy=policy) as api:
            await asyncio.gather(*(job(api, n) for n in range(JOBS)))

    asyncio.run(go())  # any refusal the retries could not hide would raise here
    answers = [r for r in sim.request_log if r.host == "api"]
    return len(answers), sum(1 for r in answers if r.status == 403)


def test_many_jobs_polling_at_once_are_rarely_throttled(make_canvas_sim: Callable[..., SimulatedCanvas]) -> None:
    sim = _canvas_like_bucket(make_canvas_sim)
    policy = RetryPolicy(outflow_per_second=OUTFLOW, throttle_base_delay=0.05, throttle_max_delay=0.5)
    sent, refused = _poll_together(sim, policy)
    assert sent - refused == JOBS * POLLS
    assert refused <= sent // 100, f"{refused} of {sent} requests were throttled"


def test_without_pacing_the_same_jobs_are_throttled_often(make_canvas_sim: Callable[..., SimulatedCanvas]) -> None:
    """The control for the test above: the load really does overflow the bucket."""
    sim = _canvas_like_bucket(make_canvas_sim)
    policy = RetryPolicy(
        low_remaining=-math.inf,
        outflow_per_second=OUTFLOW,
        throttle_base_delay=0.05,
        throttle_max_delay=0.5,
        throttle_attempts=100,  # enough for every request to get through in the end
    )
    sent, refused = _poll_together(sim, policy)
    assert sent - refused == JOBS * POLLS  # the retries still hide every refusal from the caller
    assert refused > sent // 20, f"only {refused} of {sent} requests were throttled"
