"""Entry point of the desktop app: ``canvas-export-manager [--demo] [--self-test] [--version]``.

- no option: the welcome screen (or the saved sites), then the main window;
- ``--demo``: skip the welcome screen, start the demo Canvas and sign in to it;
- ``--self-test``: for the frozen build's smoke test. Works without a display
  (falls back to Qt's offscreen platform), signs in to the demo, shows the main window
  and exits 0 only when both happened, non-zero on failure or after a timeout;
- ``--version``: print the version and exit (no Qt needed).

Without a display (Linux: no $DISPLAY or $WAYLAND_DISPLAY, no headless Qt platform
chosen) it prints one line saying what to do and exits 2, before Qt could abort.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Mapping, Sequence

import desktop_app

APP_NAME = "Canvas Export Manager"
APP_ID = "canvas-export-manager"
SELF_TEST_TIMEOUT = 60.0

EXIT_OK, EXIT_FAILED, EXIT_TIMEOUT = 0, 1, 2
EXIT_NO_DISPLAY = 2
NO_DISPLAY_MESSAGE = (
    "No display found: run this on a desktop, or under `xvfb-run`, "
    "or with QT_QPA_PLATFORM=offscreen for a headless check"
)
_NEEDS_X11 = frozenset({"xcb"})
_NEEDS_WAYLAND = frozenset({"wayland", "wayland-egl", "wayland-brcm"})


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=APP_ID, description="Export, watch and download Canvas content packages.")
    parser.add_argument("--demo", action="store_true", help="start the built-in demo Canvas and sign in to it")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="sign in to the demo, show the main window, exit 0 if both worked (smoke test)",
    )
    parser.add_argument(
        "--self-test-timeout", type=float, default=SELF_TEST_TIMEOUT, metavar="SECONDS", help=argparse.SUPPRESS
    )
    parser.add_argument(
        "package",
        nargs="?",
        metavar="FILE",
        help="open a saved package (.imscc, QTI zip or files zip) in the package viewer",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {desktop_app.__version__}")
    return parser


def _needs_offscreen() -> bool:
    """True on Linux without a display: the self-test must still run (CI, a build box)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return False
    if sys.platform.startswith("linux"):
        return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return False


def display_missing(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """True when Qt would find no display to open a window on and abort the process.

    Only on Linux (and other X11/Wayland systems): without $DISPLAY and $WAYLAND_DISPLAY,
    Qt's default (xcb) aborts with "could not connect to display" or, when
    libxcb-cursor0 is missing, "xcb-cursor0 is needed" (exit status 134). A platform
    chosen in QT_QPA_PLATFORM that needs no display (offscreen, minimal, vnc, eglfs,
    linuxfb, ...) is trusted; xcb needs $DISPLAY, wayland needs its socket. A list
    ("wayland;xcb") works when any of its entries would.
    """
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if platform.startswith(("win", "darwin", "cygwin")):
        return False
    has_x11 = bool(env.get("DISPLAY"))
    runtime = env.get("XDG_RUNTIME_DIR")
    has_wayland = bool(env.get("WAYLAND_DISPLAY")) or bool(
        runtime and os.path.exists(os.path.join(runtime, "wayland-0"))
    )
    wanted = [name.split(":", 1)[0].strip().lower() for name in env.get("QT_QPA_PLATFORM", "").split(";")]
    wanted = [name for name in wanted if name]
    if not wanted:
        return not (has_x11 or bool(env.get("WAYLAND_DISPLAY")))
    for name in wanted:
        if name in _NEEDS_X11:
            if has_x11:
                return False
        elif name in _NEEDS_WAYLAND:
            if has_wayland:
                return False
        else:
            return False  # offscreen, minimal, vnc, eglfs, linuxfb...: no display needed
    return True


def make_application(argv: Sequence[str], *, look: bool = True):  # type: ignore[no-untyped-def]
    """The QApplication with the app's identity (reused when one exists, as in tests).

    `look=False` leaves `apply_look` to the caller: the icon (Qt's SVG icon plugin) and
    the style module are not needed for the first frame; `main` applies them once that
    is painted.
    """
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        # HiDPI needs nothing here: Qt 6 scales by default and passes fractional factors
        # (125 %, 150 %) through unrounded
        app = QApplication([sys.argv[0] if sys.argv else APP_ID, *argv])
    app.setApplicationName(APP_ID)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setApplicationVersion(desktop_app.__version__)
    app.setDesktopFileName(APP_ID)  # Wayland/X11 match the .desktop file (icon, name)
    if look:
        apply_look(app)
    app.setQuitOnLastWindowClosed(False)  # the controller decides (a dialog closing is not "quit")
    return app


def wants_file_open_events(platform: str = sys.platform) -> bool:
    """Only macOS hands a double-clicked file to a running app as a `QFileOpenEvent`;
    elsewhere the file comes on the command line. The handler is an application-wide
    event filter, i.e. a Python call for every event of every widget (building the main
    window alone sends about 1,800): installed everywhere, it made the launch to the first
    frame ~20 ms slower (tests/benchmarks/bench_launch.py) for an event that never comes."""
    return platform == "darwin"


def install_file_open_handler(app, opener=None):  # type: ignore[no-untyped-def]
    """Open the package viewer when the OS asks the app to open a file.

    On macOS a double-click on a `.imscc` in the Finder (or a drop on the Dock icon) does
    not pass the file on the command line: the running QApplication receives a
    `QFileOpenEvent` (`QEvent.Type.FileOpen`), also when the launch itself was that
    double-click. An event filter on the application catches it and opens the viewer on
    `event.file()` (`opener`, default `open_package_viewer`; a URL that is not a local
    file is ignored). `main` installs it only where the event comes
    (`wants_file_open_events`). Returns the filter (it stays alive as the application's
    child)."""
    from PySide6.QtCore import QEvent, QObject

    class _FileOpenFilter(QObject):
        def eventFilter(self, watched, event):  # type: ignore[no-untyped-def]  # noqa: N802 (Qt's name)
            if event.type() == QEvent.Type.FileOpen:
                path = event.file() or (event.url().toLocalFile() if event.url().isLocalFile() else "")
                if path:
                    self.open(path)
                    return True
            return False

        def open(self, path: str) -> None:
            if opener is not None:
                opener(path)
                return
            from desktop_app.ui.package_viewer import open_package_viewer

            open_package_viewer(path)

    handler = _FileOpenFilter(app)
    handler.setObjectName("file-open-handler")
    app.installEventFilter(handler)
    return handler


def apply_look(app) -> None:  # type: ignore[no-untyped-def]
    """The app's icon for every window that has none of its own, and under Fusion its
    fixes for every widget (check boxes and radio buttons that show in a dark palette,
    sort arrows that point the way the rows run: `style.use_fusion_fixes_everywhere`)."""
    from desktop_app.ui.style import app_icon, use_fusion_fixes_everywhere

    app.setWindowIcon(app_icon())
    use_fusion_fixes_everywhere(app)


def finish_start_up_after_first_frame(app, first_window) -> None:  # type: ignore[no-untyped-def]
    """Once the first window is painted: the icon and the style (`apply_look`), and the
    garbage collector back on. `main` turns the collector off while starting: the imports and the window
    create tens of thousands of objects and no garbage worth collecting, and the
    collections they trigger cost about 10 ms of CPU before the first frame (measured,
    launch to first paint with `--demo`). Objects alive then are frozen after sign-in
    anyway (`freeze_gc_after_first_window`)."""
    from desktop_app.ui.first_paint import after_first_paint

    def finish() -> None:
        apply_look(app)
        gc.enable()

    after_first_paint(first_window, finish)


def run_self_test(controller, app, timeout: float) -> int:  # type: ignore[no-untyped-def]
    """Wait for demo sign-in + a shown main window; returns the exit status."""
    from PySide6.QtCore import QTimer

    outcome: dict[str, object] = {"status": EXIT_TIMEOUT, "why": f"timed out after {timeout:g} s", "decided": False}

    def finish(status: int, why: str) -> None:
        if outcome["decided"]:
            return
        outcome.update(status=status, why=why, decided=True)
        app.exit(status)

    def signed_in(signin) -> None:  # type: ignore[no-untyped-def]
        window = controller.window

        def check() -> None:
            if window is not None and window.isVisible() and window.session_ready:
                finish(EXIT_OK, f"signed in as {signin.user.name}; main window shown")
            else:
                QTimer.singleShot(50, check)

        check()

    controller.signedIn.connect(signed_in)
    controller.failed.connect(lambda err: finish(EXIT_FAILED, f"demo sign-in failed: {err}"))
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(lambda: finish(EXIT_TIMEOUT, f"timed out after {timeout:g} s"))
    timer.start(int(timeout * 1000))
    finish_start_up_after_first_frame(app, controller.start(demo=True))
    status = app.exec()
    if not outcome["decided"]:
        outcome.update(
            status=EXIT_FAILED if status == 0 else status, why=f"the app quit before the test ended ({status})"
        )
    print(f"self-test {'OK' if outcome['status'] == EXIT_OK else 'FAILED'}: {outcome['why']}", flush=True)
    return int(outcome["status"])


def _quit_on_ctrl_c(controller, app) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+C in the terminal quits cleanly (jobs stay resumable) instead of doing nothing
    until the next Qt event: Python runs signal handlers only when it gets control, so a
    slow timer hands it control now and then."""
    import signal

    from PySide6.QtCore import QTimer

    signal.signal(signal.SIGINT, lambda *_: controller.quit())
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(300)


def freeze_gc_after_first_window(controller) -> None:  # type: ignore[no-untyped-def]
    """Once the main window is first shown, move every object alive then (modules, Qt
    wrappers, the sample data of the demo...) out of the garbage collector's sight.

    Why: a full (generation 2) collection walks every tracked object, and it runs on
    whichever thread happens to allocate, often the GUI thread, holding the GIL. With
    the start-up objects frozen, measured on the demo (history of 5,000 rows, four
    exports running, sorting and filtering for 12 s, 3 runs each): full collections
    took 22-37 ms before and 2-4 ms after, the longest GC pause 27-37 ms -> 3-6 ms,
    total GC time about 15 % less. `gc.freeze()` itself takes well under 1 ms; frozen
    objects are still freed by reference counting, only cycles among them are not.
    """

    def freeze(_signin: object) -> None:
        from PySide6.QtCore import QTimer

        controller.signedIn.disconnect(freeze)
        QTimer.singleShot(0, gc.freeze)  # after the show events: the window exists now

    controller.signedIn.connect(freeze)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the app; returns the exit status (also used by the gui-script wrapper)."""
    args = _parser().parse_args(list(argv) if argv is not None else sys.argv[1:])
    logging.basicConfig(
        level=logging.INFO if args.self_test else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if args.self_test and _needs_offscreen():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif display_missing():  # say what to do instead of letting Qt abort the process
        print(NO_DISPLAY_MESSAGE, file=sys.stderr, flush=True)
        return EXIT_NO_DISPLAY
    gc.disable()  # until the first window is painted (finish_start_up_after_first_frame)
    app = make_application([], look=False)
    if wants_file_open_events():
        install_file_open_handler(app)

    if args.package and not args.self_test:  # `canvas-export-manager course.imscc`: the viewer alone
        gc.enable()
        from desktop_app.ui.package_viewer import open_package_viewer

        app.setQuitOnLastWindowClosed(True)  # no main window here: closing the last viewer ends the app
        open_package_viewer(args.package)
        return int(app.exec())

    from desktop_app.ui.session import AppController

    controller = AppController()
    _quit_on_ctrl_c(controller, app)
    freeze_gc_after_first_window(controller)
    try:
        if args.self_test:
            return run_self_test(controller, app, args.self_test_timeout)
        finish_start_up_after_first_frame(app, controller.start(demo=args.demo))
        return int(app.exec())
    finally:
        if not controller.shutdown():
            print("warning: the background thread did not stop in time", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover - `python -m desktop_app.ui.app`
    sys.exit(main())
