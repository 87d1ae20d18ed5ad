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
from pathlib import Path

import pytest


OFFSCREEN_NOISE = (
    # the offscreen platform cannot pass min/max sizes to a window manager; harmless there
    "This plugin does not support propagateSizeHints",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Qt warnings fail GUI tests, except the offscreen platform's own limitations."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            for pattern in OFFSCREEN_NOISE:
                item.add_marker(pytest.mark.qt_log_ignore(pattern))


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


@pytest.fixture
def sim():
    """A started simulated Canvas (real HTTP on loopback) with fast exports."""
    from desktop_app.simulator import SimulatedCanvas

    canvas = SimulatedCanvas(export_duration=0.4)
    canvas.start()
    yield canvas
    canvas.stop()


@pytest.fixture
def profile_store(tmp_path):
    from desktop_app.profiles import ProfileStore

    return ProfileStore(tmp_path / "profiles.json")


@pytest.fixture
def accounts(bridge, profile_store):
    from desktop_app.ui.accounts import Accounts

    return Accounts(bridge, profile_store)
