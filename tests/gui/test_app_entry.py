"""The entry point as the frozen smoke test and a user run it: real processes."""

from __future__ import annotations

import os
import subprocess
import sys

import desktop_app


def run_app(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "desktop_app.ui.app", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


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
    done = subprocess.run([sys.executable, "-m", "desktop_app.ui.app", "--self-test"], capture_output=True,
                          text=True, timeout=90, env=env)
    assert done.returncode == 0, done.stdout + done.stderr


def test_gc_is_frozen_once_after_the_main_window_first_shows(qtbot, controller, sim, monkeypatch) -> None:
    """Start-up objects leave the collector's sight (shorter full collections), once."""
    import gc

    from desktop_app.ui.app import freeze_gc_after_first_window

    from .conftest import teacher_signin

    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(controller.window is not None
                                                            and controller.window.isVisible()))
    freeze_gc_after_first_window(controller)
    assert frozen == []
    controller.begin(teacher_signin(sim))
    qtbot.waitUntil(lambda: frozen == [True], timeout=5000)
    controller.begin(teacher_signin(sim))  # signing in again (new token, other site) does not repeat it
    qtbot.waitUntil(lambda: controller.window.session_ready, timeout=10_000)
    assert frozen == [True]
