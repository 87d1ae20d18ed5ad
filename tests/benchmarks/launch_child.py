"""One launch for bench_launch.py: start, stop at the first paint of the main window,
print `time.monotonic()` of that moment, exit at once.

Kept free of the benchmark harness (no httpx or other imports the app would not do), so
the launch costs only what the variant itself imports. CLOCK_MONOTONIC is system-wide
on Linux, so the parent subtracts its own reading taken just before starting us.

    python launch_child.py bare    # a bare PySide6 QMainWindow: the baseline
    python launch_child.py app     # the app's own main(["--demo"]): demo Canvas, sign-in, main window
    python launch_child.py window  # the app's MainWindow built directly (no sign-in)
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _painted() -> None:
    print(f"{time.monotonic():.6f}", flush=True)
    os._exit(0)  # the first paint is the end of the measure; skip every teardown


def _watch_paints(app, is_main) -> None:  # type: ignore[no-untyped-def]
    """An application-wide event filter that ends the process at the main window's
    first Paint event (the same filter in every variant, so it costs each the same)."""
    from PySide6.QtCore import QEvent, QObject

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):  # type: ignore[no-untyped-def]  # noqa: N802 - Qt API
            if event.type() == QEvent.Type.Paint and obj.isWidgetType() and is_main(obj.window()):
                _painted()
            return False

    app._first_paint_filter = FirstPaint()  # kept alive with the app
    app.installEventFilter(app._first_paint_filter)


def bare() -> None:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication([sys.argv[0]])
    _watch_paints(app, lambda w: isinstance(w, QMainWindow))
    window = QMainWindow()
    window.setWindowTitle("bare")
    window.resize(1100, 720)
    window.show()
    app.exec()


def app_demo() -> None:
    from desktop_app.ui import app as entry

    make = entry.make_application

    def make_and_watch(argv):  # type: ignore[no-untyped-def]
        from desktop_app.ui.main_window import MainWindow

        qapp = make(argv)
        _watch_paints(qapp, lambda w: isinstance(w, MainWindow))
        return qapp

    entry.make_application = make_and_watch
    sys.exit(entry.main(["--demo"]))


def window_only() -> None:
    from desktop_app.ui.app import make_application
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.session import AppController

    app = make_application([])
    _watch_paints(app, lambda w: isinstance(w, MainWindow))
    controller = AppController()
    window = MainWindow(controller.bridge, controller.settings, controller.accounts)
    window.show()
    app.exec()


if __name__ == "__main__":
    {"bare": bare, "app": app_demo, "window": window_only}[sys.argv[1]]()
