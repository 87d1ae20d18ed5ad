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
    r"This plugin does not support raise\(\)",  # bringing an open window to the front
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Qt warnings fail GUI tests, except the offscreen platform's own limitations."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE))  # one marker: pytest-qt reads the closest


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


FAST_POLLING = {"initial": 0.05, "ceiling": 0.3}


@pytest.fixture
def controller(qapp, tmp_path, profile_store):
    """The app's controller with everything in tmp_path and quick polling; shut down after."""
    from desktop_app.engine.engine import EngineConfig
    from desktop_app.engine.polling import PollPolicy
    from desktop_app.ui.session import AppController
    from desktop_app.ui.settings import AppSettings

    settings = AppSettings(tmp_path / "ui.ini")
    settings.download_dir = tmp_path / "downloads"
    ctl = AppController(
        settings=settings,
        store_path=tmp_path / "jobs.sqlite3",
        engine_config=EngineConfig(poll=PollPolicy(**FAST_POLLING), poll_failure_delay=0.05),
        demo_knobs={"export_duration": 0.3},
        profiles=profile_store,
        quit_app_on_close=False,
    )
    yield ctl
    if ctl.window is not None:
        ctl.window.ask_before_quitting = False  # a test ends with exports running: no question
    for widget in (ctl.dialog, ctl.window):
        if widget is not None:
            widget.close()
    assert ctl.shutdown(), "the engine thread did not stop"
    if ctl.window is not None:
        ctl.window.deleteLater()


def teacher_signin(sim):  # type: ignore[no-untyped-def]
    from desktop_app.canvas.models import User
    from desktop_app.profiles import Profile
    from desktop_app.simulator import TEACHER_TOKEN
    from desktop_app.ui.accounts import SignIn

    return SignIn(
        Profile("Test Canvas", sim.base_url, "Ada Lovelace"), TEACHER_TOKEN, User(sim.data.teacher_id, "Ada Lovelace")
    )


@pytest.fixture
def window(qtbot, controller, sim):
    """A main window signed in to the simulator as the teacher, courses loaded."""
    controller.begin(teacher_signin(sim))
    qtbot.waitUntil(
        lambda: controller.window.session_ready and controller.window.picker.courses.rowCount() > 0, timeout=10_000
    )
    return controller.window
