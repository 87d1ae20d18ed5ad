"""Strict setup for the GUI tests.

- Qt warnings fail tests (``qt_log_level_fail = WARNING`` in pyproject).
- Every test must leave no background thread behind: the engine bridge, the demo
  Canvas and asyncio's executor threads all have to be shut down and joined.
- Fixtures for a started simulated Canvas (real HTTP on loopback), a started bridge and
  a signed-in main window.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest


def leaked_threads(before: set[threading.Thread], *, grace: float = 5.0) -> list[threading.Thread]:
    """Threads started since `before` that are still alive after a bounded join.

    Joining (not sleeping) lets a thread that is already on its way out finish; one
    still alive after `grace` seconds is a leak.
    """
    leftovers = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    for thread in leftovers:
        thread.join(grace)
    return [t for t in leftovers if t.is_alive()]


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Iterator[None]:
    """Fail any test that leaves a background thread running."""
    before = set(threading.enumerate())
    yield
    leaked = leaked_threads(before)
    if leaked:
        names = ", ".join(sorted(t.name for t in leaked))
        pytest.fail(f"test left background thread(s) running: {names}", pytrace=False)


@pytest.fixture
def bridge(qapp):  # type: ignore[no-untyped-def]
    """A started EngineBridge, shut down (and its thread joined) after the test."""
    from desktop_app.ui.bridge import EngineBridge

    b = EngineBridge()
    b.start()
    yield b
    assert b.shutdown(), "the engine thread did not stop"
