"""Fixtures for tests that talk real HTTP to the simulated Canvas.

- `canvas_sim`: a started SimulatedCanvas (real clock, exports take 0.3 s), stopped after
  the test. Each test gets a fresh one: sample data, history and fault knobs start clean.
- `make_canvas_sim(**knobs)`: the same, with your own knobs (throttle, clock, ...).
- `sim_clock`: a manual clock; pass `clock=sim_clock` to `make_canvas_sim` and call
  `sim_clock.advance(seconds)` to move exports through their lifecycle without waiting.
- `teacher_token`, `student_token`: the demo users' API tokens.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterator

import pytest

from desktop_app.simulator import STUDENT_TOKEN, TEACHER_TOKEN, SimulatedCanvas


class ManualClock:
    """Wall-clock seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def sim_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_canvas_sim() -> Iterator[Callable[..., SimulatedCanvas]]:
    started: list[SimulatedCanvas] = []

    def make(**knobs: Any) -> SimulatedCanvas:
        knobs.setdefault("export_duration", 0.3)
        sim = SimulatedCanvas(**knobs).start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


@pytest.fixture
def canvas_sim(make_canvas_sim: Callable[..., SimulatedCanvas]) -> SimulatedCanvas:
    return make_canvas_sim()


@pytest.fixture
def sim(canvas_sim: SimulatedCanvas) -> SimulatedCanvas:
    """The short name the engine and CLI tests use for `canvas_sim`."""
    return canvas_sim


@pytest.fixture
def teacher_token() -> str:
    return TEACHER_TOKEN


@pytest.fixture
def student_token() -> str:
    return STUDENT_TOKEN
