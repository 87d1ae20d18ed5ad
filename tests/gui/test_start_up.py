"""Start-up order: the window is painted first, the background work and the window's
panels come after.

What the user waits for at launch is a window (issue 4: launch to a painted main window
within 1.5x of a bare QMainWindow). So the window's modules must not pull in httpx,
sqlite3, keyring, asyncio, the engine or the simulator, and the background thread, the
job store, the demo Canvas and the sign-in start only once the first frame is painted.
"""

from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

from desktop_app.ui.bridge import THREAD_NAME, EngineBridge
from desktop_app.ui.first_paint import after_first_paint

HEAVY = (
    "asyncio",
    "httpx",
    "keyring",
    "sqlite3",
    "desktop_app.engine.engine",
    "desktop_app.engine.store",
    "desktop_app.engine.download",
    "desktop_app.canvas.client",
    "desktop_app.simulator",
    "desktop_app.ui.signin_dialog",
    "desktop_app.ui.settings_dialog",
)
"""Modules the first frame does not need (each costs milliseconds to tens of them)."""


def test_the_main_window_is_built_and_shown_without_the_heavy_modules() -> None:
    probe = (
        "import sys\n"
        "from desktop_app.ui.app import make_application\n"
        "app = make_application([], look=False)\n"
        "from desktop_app.ui.session import AppController\n"
        "from desktop_app.ui.main_window import MainWindow\n"
        "controller = AppController()\n"
        "window = MainWindow(controller.bridge, controller.settings, controller.accounts)\n"
        "window.show()\n"
        "app.processEvents()\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])\n"
        "import threading\n"
        "print(sorted(t.name for t in threading.enumerate()))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    loaded, threads = done.stdout.strip().splitlines()
    assert loaded == "[]"
    assert THREAD_NAME not in threads  # the bridge's thread starts with its first request


PANELS = (
    "desktop_app.ui.context_picker",
    "desktop_app.ui.selection_model",
    "desktop_app.ui.selection_view",
    "desktop_app.ui.history_model",
    "desktop_app.ui.history_view",
    "desktop_app.ui.export_options",
    "desktop_app.ui.icons",
    "desktop_app.ui.style",
    "PySide6.QtSvg",
)
"""Modules only the main window's panels need: the first frame at launch has none of them."""


def test_the_first_frame_at_launch_needs_neither_the_panels_nor_the_qt_namespace(tmp_path) -> None:
    """What `--demo` paints first is the window's frame and its starting page. Its modules
    must not load the panels' modules, nor import `Qt` (the first import of it in a run
    creates its ~90 enums: 15 ms, a third of what the launch target allows)."""
    probe = (
        "import os, sys\n"
        "from desktop_app.ui.app import make_application\n"
        "app = make_application([], look=False)\n"
        "import PySide6.QtCore as core\n"
        "from desktop_app.ui.first_paint import after_first_paint\n"
        "from desktop_app.ui.session import AppController\n"
        "window = AppController().start(demo=True)\n"
        "def painted():\n"  # installed last, so it runs before the app's own first-frame work
        f"    print([m for m in {PANELS!r} if m in sys.modules])\n"
        "    print('Qt' in vars(core), window.panels_built, window.isVisible(), flush=True)\n"
        "    os._exit(0)\n"
        "after_first_paint(window, painted)\n"
        "app.exec()\n"
    )
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    loaded, state = done.stdout.strip().splitlines()
    assert loaded == "[]"
    assert state == "False False True"  # no `Qt` yet, no panels yet, the window on screen


def test_demo_start_paints_the_window_before_starting_anything(qtbot, controller) -> None:
    signed: list[object] = []
    controller.signedIn.connect(signed.append)
    first = controller.start(demo=True)
    window = controller.window
    assert first is window and window.isVisible()
    assert not controller.bridge.running  # no thread, demo Canvas or sign-in before the first frame
    assert window.activity_label.text() == "Connecting to the demo Canvas…"
    # the first frame is the window's frame and its starting page; the panels come after it
    assert window.pages.currentWidget() is window.starting_page
    assert window.starting_page.status.text() == "Connecting to the demo Canvas…"
    assert not window.panels_built and not window.session_ready
    qtbot.waitUntil(lambda: window.panels_built, timeout=5000)  # built right after the first paint
    assert window.picker.status_label.text() == "Connecting to the demo Canvas…"
    assert not window.start_action.isEnabled()
    qtbot.waitUntil(lambda: bool(signed), timeout=20_000)
    assert signed[0].demo and controller.window is window  # the same window, now signed in
    assert window.pages.currentWidget() is window.main_splitter  # the session began: the panels show
    qtbot.waitUntil(lambda: window.session_ready and window.picker.courses.rowCount() == 3, timeout=10_000)
    assert window.user_label.text() == "Signed in as Ada Lovelace · Demo Canvas"
    assert not window.picker.status_label.isVisible()


def test_a_normal_start_shows_the_welcome_screen_first(qtbot, controller) -> None:
    first = controller.start()
    assert first is controller.dialog and first.isVisible() and controller.window is None


def test_bridge_starts_its_thread_with_the_first_request(qtbot, qapp) -> None:
    bridge = EngineBridge()
    assert not bridge.running

    async def answer(_services):  # type: ignore[no-untyped-def]
        return 42

    with qtbot.waitSignal(bridge.run(answer).succeeded, timeout=5000) as got:
        assert bridge.running
    assert got.args == [42]
    assert bridge.shutdown()


def test_a_bridge_shut_down_before_any_request_starts_nothing(qapp) -> None:
    bridge = EngineBridge()
    assert bridge.shutdown()

    async def never(_services):  # type: ignore[no-untyped-def]
        raise AssertionError("must not run")

    assert bridge.run(never).cancelled and not bridge.running


class _PaintLog(QObject):
    def __init__(self, widget: QWidget, log: list[str]) -> None:
        super().__init__(widget)
        self._log = log
        widget.installEventFilter(self)

    def eventFilter(self, obj, event):  # type: ignore[no-untyped-def]  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Paint:
            self._log.append("paint")
        return False


def test_after_first_paint_runs_once_after_the_first_frame(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    log: list[str] = []
    _PaintLog(widget, log)
    widget.show()
    after_first_paint(widget, lambda: log.append("work"))
    assert log == []  # nothing runs before the event loop has painted
    qtbot.waitUntil(lambda: "work" in log, timeout=5000)
    assert log[0] == "paint" and log.count("work") == 1
    widget.update()
    qtbot.waitUntil(lambda: log.count("paint") >= 2, timeout=5000)
    assert log.count("work") == 1


def test_after_first_paint_still_runs_when_nothing_is_painted(qtbot) -> None:
    widget = QWidget()  # never shown: no paint ever comes
    qtbot.addWidget(widget)
    ran: list[bool] = []
    after_first_paint(widget, lambda: ran.append(True), fallback_ms=50)
    qtbot.waitUntil(lambda: ran == [True], timeout=5000)


def test_a_demo_that_cannot_start_leaves_the_welcome_screen_with_the_reason(qtbot, tmp_path, profile_store) -> None:
    from desktop_app.ui.session import AppController
    from desktop_app.ui.settings import AppSettings

    controller = AppController(
        settings=AppSettings(tmp_path / "ui.ini"),
        store_path=tmp_path / "jobs.sqlite3",
        demo_knobs={"no_such_knob": 1},
        profiles=profile_store,
        quit_app_on_close=False,
    )
    try:
        with qtbot.waitSignal(controller.failed, timeout=10_000):
            controller.start(demo=True)
        dialog = controller.dialog
        assert dialog is not None and dialog.isVisible()
        assert "The demo could not start" in dialog.welcome_status.text()
        assert not controller.window.isVisible()  # as before: the welcome screen alone says what failed
    finally:
        for widget in (controller.dialog, controller.window):
            if widget is not None:
                widget.close()
        assert controller.shutdown()


def test_the_demo_sign_in_does_not_ask_the_keyring(qtbot, accounts, sim) -> None:
    """The demo's token is never saved, so its check skips the keyring probe (and loading
    keyring); a normal check still reports a keyring that does not answer."""
    import keyring
    import keyring.backends.fail

    from desktop_app.simulator import TEACHER_TOKEN

    keyring.set_keyring(keyring.backends.fail.Keyring())
    with qtbot.waitSignal(
        accounts.check(sim.base_url, TEACHER_TOKEN, probe_keyring=False).succeeded, timeout=10_000
    ) as demo:
        pass
    with qtbot.waitSignal(accounts.check(sim.base_url, TEACHER_TOKEN).succeeded, timeout=10_000) as normal:
        pass
    assert demo.args[0][0].name == normal.args[0][0].name == "Ada Lovelace"
    assert (demo.args[0][1], normal.args[0][1]) == (True, False)


def test_one_demo_sign_in_serves_demo_and_the_welcome_screen(qtbot, controller, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`--demo` and "Try the demo" both go through Accounts.sign_in_to_demo, which gives
    the teacher's SignIn on the demo Canvas (started once per bridge)."""
    from desktop_app.ui.accounts import DEMO_PROFILE_NAME, Accounts

    used = []
    real = Accounts.sign_in_to_demo
    monkeypatch.setattr(Accounts, "sign_in_to_demo", lambda self, **knobs: used.append(knobs) or real(self, **knobs))
    with qtbot.waitSignal(controller.signedIn, timeout=15_000) as signed:
        controller.start(demo=True)
    signin = signed.args[0]
    assert signin.demo and signin.profile.name == DEMO_PROFILE_NAME and signin.user.name == "Ada Lovelace"
    assert used == [{"export_duration": 0.3}]
    dialog = controller.show_sign_in()
    with qtbot.waitSignal(dialog.signedIn, timeout=15_000) as again:
        dialog.demo_button.click()
    assert len(used) == 2 and again.args[0].profile.base_url == signin.profile.base_url  # the same demo Canvas
