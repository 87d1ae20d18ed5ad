"""One launch for bench_launch.py: start, stop once the first frame of the main window is
painted (or, `ready`, when the signed-in window lists the courses), print
`time.monotonic()` of that moment, exit at once.

Kept free of the benchmark harness (no httpx or other imports the app would not do), so
the launch costs only what the variant itself imports. CLOCK_MONOTONIC is system-wide
on Linux, so the parent subtracts its own reading taken just before starting us.

    python launch_child.py bare    # a bare PySide6 QMainWindow: the baseline
    python launch_child.py app     # the app's own main(["--demo"]), to its main window's first frame (the starting page)
    python launch_child.py ready   # the same, to the courses of the signed-in demo user in the window
    python launch_child.py window  # the app's MainWindow with all its panels, built directly (no sign-in)
    python launch_child.py widgets # a plain PySide6 window with the same kinds of widgets, no app code
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _painted() -> None:
    print(f"{time.monotonic():.6f}", flush=True)
    os._exit(0)  # the end of the measure; skip every teardown


def _watch_paints(window) -> None:  # type: ignore[no-untyped-def]
    """Stop the clock once the window's first frame is finished: at the window's first
    Paint event, queue a zero-delay timer. Qt paints a window before its children, in
    one pass, then flushes the frame; the timer runs when that pass is over. Stopping at
    the Paint event itself would leave out the painting of every child widget, which
    costs a window full of widgets (measured: 22 ms for ours) and a bare QMainWindow
    nothing.

    An event filter on the main window itself, not application-wide: a Python filter on
    the application runs for every event of every widget, and building our window sends
    about 1,800 of them (child added, polish, layout, ...) against a handful for a bare
    QMainWindow, so an application-wide filter charged our variants ~30 ms that the app
    never spends."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstFrame(QObject):
        seen = False

        def eventFilter(self, obj, event):  # type: ignore[no-untyped-def]  # noqa: N802 - Qt API
            if not self.seen and event.type() == QEvent.Type.Paint and obj is window:
                self.seen = True
                QTimer.singleShot(0, _painted)
            return False

    window._first_frame_filter = FirstFrame()  # kept alive with the window
    window.installEventFilter(window._first_frame_filter)


def bare() -> None:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication([sys.argv[0]])
    window = QMainWindow()
    _watch_paints(window)
    window.setWindowTitle("bare")
    window.resize(1100, 720)
    window.show()
    app.exec()


def app_demo(*, until_ready: bool = False) -> None:
    from desktop_app.ui import app as entry

    finish = entry.finish_start_up_after_first_frame

    def finish_and_watch(app, first_window) -> None:  # type: ignore[no-untyped-def]
        finish(app, first_window)
        if until_ready:  # courses and groups are in the picker: the user can choose
            first_window.contextsLoaded.connect(_painted)
        else:
            # Installed after every first-paint filter of the app, so it runs first and
            # its timer comes before the work the app starts once that frame is done.
            _watch_paints(first_window)

    entry.finish_start_up_after_first_frame = finish_and_watch
    sys.exit(entry.main(["--demo"]))


def window_only() -> None:
    from desktop_app.ui.app import make_application
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.session import AppController

    app = make_application([])
    controller = AppController()
    window = MainWindow(controller.bridge, controller.settings, controller.accounts)
    _watch_paints(window)
    window.show()
    app.exec()


def plain_widgets() -> None:
    from plain_window import plain_main_window  # next to this file
    from PySide6.QtWidgets import QApplication

    app = QApplication([sys.argv[0]])
    window = plain_main_window()
    _watch_paints(window)
    window.show()
    app.exec()


if __name__ == "__main__":
    {
        "bare": bare,
        "app": app_demo,
        "ready": lambda: app_demo(until_ready=True),
        "window": window_only,
        "widgets": plain_widgets,
    }[sys.argv[1]]()
