"""Run start-up work once a window's first frame is on screen, not before.

Why: what a user waits for at launch is a window. Everything the window does not need
to be drawn (the background thread, httpx, sqlite3, keyring, the demo Canvas, the
sign-in) is started from here, so it runs while the user already looks at the window
instead of delaying it.

The work is queued (a zero-delay timer) from the window's first Paint event: Qt paints
a window before its children, in one pass, then flushes the frame, so the frame is
finished before the work starts. A fallback timer
runs it anyway if no paint comes (a window started minimised, or on a screen that never
exposes it), so start-up never depends on a frame being drawn.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

FALLBACK_MS = 1000
"""Run the work after this long even without a paint."""


class _FirstPaint(QObject):
    """An event filter on the window alone (not application-wide: a Python filter there
    would run for every event of every widget, thousands while a window is built) that
    fires once, at the window's first paint, and removes itself."""

    def __init__(self, window: QWidget, work: Callable[[], None], fallback_ms: int) -> None:
        super().__init__(window)
        self._window = window
        self._work = work
        self._done = False
        self._fallback = QTimer(self)
        self._fallback.setSingleShot(True)
        self._fallback.timeout.connect(self._run)
        self._fallback.start(fallback_ms)
        window.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if not self._done and event.type() == QEvent.Type.Paint and obj is self._window:
            self._finish_watching()
            QTimer.singleShot(0, self._run)  # after this frame is painted and flushed
        return False

    def _finish_watching(self) -> None:
        if not self._done:
            self._done = True
            self._fallback.stop()
            self._window.removeEventFilter(self)

    def _run(self) -> None:
        self._finish_watching()
        work, self._work = self._work, None
        if work is not None:
            work()


def after_first_paint(window: QWidget, work: Callable[[], None], *, fallback_ms: int = FALLBACK_MS) -> None:
    """Call `work()` once, on the GUI thread, right after `window` is first painted (or
    after `fallback_ms` if it is not painted by then). Call it after `window.show()`."""
    _FirstPaint(window, work, fallback_ms)
