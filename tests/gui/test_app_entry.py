"""The entry point as the frozen smoke test and a user run it: real processes."""

from __future__ import annotations

import os
import subprocess
import sys

import desktop_app


def run_app(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-m", "desktop_app.ui.app", *args], capture_output=True, text=True, timeout=timeout, env=env
    )


def test_version() -> None:
    done = run_app("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"Canvas Export Manager {desktop_app.__version__}"


def test_self_test_signs_in_to_the_demo_and_shows_the_window() -> None:
    done = run_app("--self-test")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "self-test OK: signed in as Ada Lovelace; main window shown" in done.stdout
    assert "Traceback" not in done.stderr


def test_self_test_fails_when_it_cannot_finish_in_time() -> None:
    done = run_app("--self-test", "--self-test-timeout", "0.01")
    assert done.returncode == 2
    assert "self-test FAILED: timed out" in done.stdout


def test_self_test_runs_without_any_display() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run(
        [sys.executable, "-m", "desktop_app.ui.app", "--self-test"], capture_output=True, text=True, timeout=90, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_gc_is_frozen_once_after_the_main_window_first_shows(qtbot, controller, sim, monkeypatch) -> None:
    """Start-up objects leave the collector's sight (shorter full collections), once."""
    import gc

    from desktop_app.ui.app import freeze_gc_after_first_window

    from .conftest import teacher_signin

    frozen: list[bool] = []
    monkeypatch.setattr(
        gc, "freeze", lambda: frozen.append(controller.window is not None and controller.window.isVisible())
    )
    freeze_gc_after_first_window(controller)
    assert frozen == []
    controller.begin(teacher_signin(sim))
    qtbot.waitUntil(lambda: frozen == [True], timeout=5000)
    controller.begin(teacher_signin(sim))  # signing in again (new token, other site) does not repeat it
    qtbot.waitUntil(lambda: controller.window.session_ready, timeout=10_000)
    assert frozen == [True]


def _without_display() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR")
    }


def test_demo_without_a_display_says_what_to_do_instead_of_aborting() -> None:
    """`uv run canvas-exports --demo` on a server: one line and exit 2, not Qt's abort (134)."""
    from desktop_app.ui.app import NO_DISPLAY_MESSAGE

    if not sys.platform.startswith("linux"):
        import pytest

        pytest.skip("only X11/Wayland systems can lack a display")
    for command, extra in (
        ([sys.executable, "-m", "desktop_app", "--demo"], {}),  # canvas-exports --demo
        ([sys.executable, "-m", "desktop_app.ui.app"], {}),  # canvas-export-manager
        ([sys.executable, "-m", "desktop_app.ui.app", "--demo"], {"QT_QPA_PLATFORM": "xcb"}),
    ):
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, env={**_without_display(), **extra})
        assert done.returncode == 2, (command, done.returncode, done.stderr)
        assert done.stderr.strip().splitlines() == [NO_DISPLAY_MESSAGE]
        assert done.stdout == ""


def test_display_missing_reads_the_environment() -> None:
    from desktop_app.ui.app import display_missing

    linux = "linux"
    assert display_missing({}, linux)
    assert not display_missing({"DISPLAY": ":0"}, linux)
    assert not display_missing({"WAYLAND_DISPLAY": "wayland-0"}, linux)
    for headless in ("offscreen", "minimal", "vnc", "eglfs", "linuxfb", "offscreen:enableGlx"):
        assert not display_missing({"QT_QPA_PLATFORM": headless}, linux), headless
    assert display_missing({"QT_QPA_PLATFORM": "xcb"}, linux)
    assert display_missing({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, linux)
    assert not display_missing({"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":1"}, linux)
    assert display_missing({"QT_QPA_PLATFORM": "wayland"}, linux)
    assert not display_missing({}, "win32") and not display_missing({}, "darwin")
