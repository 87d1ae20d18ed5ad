"""The one door between the GUI thread and the background asyncio thread.

Design (see the project's threading notes): the GUI thread never does I/O. One Python
thread runs one asyncio event loop; the Canvas clients, the export engine, the job
store, keyring access and the demo Canvas all live on (or are driven from) that loop.

Requests go in with :meth:`EngineBridge.run` (a coroutine of the application layer,
given the loop-side :class:`~desktop_app.app.services.Services`). Each returns a
:class:`Call` whose ``succeeded``/``failed`` signals fire on the GUI thread.
Results come back through ONE relay object living on the GUI thread, connected with
``Qt.QueuedConnection``: that is what makes crossing threads safe, whatever thread
emits. Engine events come back the same way; progress events are coalesced to at most
~10 per second per job so a fast download cannot flood the event queue. Each event is
applied to the bridge's :class:`~desktop_app.app.jobs.JobTracker` (``bridge.jobs``)
before it is re-emitted, so every view that reads the tracker sees the same state.

Why a plain ``threading.Thread`` and not ``QThread`` or QtAsyncio: the engine is
pure asyncio (shared with the command line), QtAsyncio is a technical preview, and a
Python thread is trivially joined on shutdown, which the tests check.

The thread starts with the first request (:meth:`EngineBridge.run`), not when the
bridge is made, and asyncio is imported inside the functions that need it: the app
creates its bridge before its first window is drawn, and starting a thread with an
event loop (asyncio alone costs 15-30 ms to import) can wait until that frame is up.
The engine's event classes are imported where events are handled, for the same reason:
they exist once the engine does (creating their dataclasses costs a few milliseconds).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot

from desktop_app.canvas.errors import AuthError, CanvasError

if TYPE_CHECKING:
    import asyncio

    from desktop_app.app.jobs import JobTracker
    from desktop_app.app.services import Services

log = logging.getLogger(__name__)

THREAD_NAME = "canvas-engine"
"""Name of the background thread; the GUI tests look for it to catch leaks."""

PROGRESS_INTERVAL = 0.1
"""Seconds between two progress deliveries for one job (about 10 Hz)."""


def auth_error_of(error: BaseException | None) -> AuthError | None:
    """The AuthError behind an error: itself, or the one a JobError-like object carries."""
    if isinstance(error, AuthError):
        return error
    inner = getattr(error, "error", None)
    if isinstance(inner, AuthError):
        return inner
    cause = getattr(error, "__cause__", None)
    if isinstance(cause, AuthError):
        return cause
    return None


class Call(QObject):
    """A handle for one request to the background thread.

    Exactly one of ``succeeded(result)`` or ``failed(error)`` fires, on the GUI thread,
    then ``finished()``; nothing fires after :meth:`cancel`. Keep a reference only if
    you want to cancel it: the bridge holds it until it is delivered.
    """

    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, call_id: int, label: str, site: str = "") -> None:
        super().__init__()
        self.call_id = call_id
        self.label = label
        self.site = site
        self.cancelled = False
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self._future: Any = None
        self._bridge: EngineBridge | None = None

    def cancel(self) -> None:
        """Stop caring: the coroutine is cancelled and no signal fires."""
        if self.done or self.cancelled:
            return
        self.cancelled = True
        if self._bridge is not None:
            self._bridge._forget(self)
        if self._future is not None:
            self._future.cancel()  # concurrent.futures.Future.cancel is thread-safe

    def then(
        self, on_success: Callable[[Any], None] | None = None, on_error: Callable[[BaseException], None] | None = None
    ) -> "Call":
        """Connect callbacks in one line; returns self for chaining."""
        if on_success is not None:
            self.succeeded.connect(on_success)
        if on_error is not None:
            self.failed.connect(on_error)
        return self


class _Relay(QObject):
    """Lives on the GUI thread; its queued connections carry everything home."""

    result = Signal(object)  # (call_id, ok, value)
    event = Signal(object)  # an engine event


class EngineBridge(QObject):
    """Owns the background thread and turns its work into Qt signals."""

    jobEvent = Signal(object)
    """Every engine event (JobCreated, JobState, JobProgress, ...), progress throttled."""
    batchChanged = Signal(object)
    """A batch runner's `BatchChanged` (rows or a batch's state changed without a job
    event saying so); it is no job's event, so the tracker never sees it."""
    authFailed = Signal(str, object)
    """(site, AuthError): a call or a job found the token refused."""
    activityChanged = Signal(str)
    """A short sentence for the status bar: what the background thread is doing."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._relay = _Relay()  # connected when the thread starts: nothing comes home before
        self._ids = itertools.count(1)
        self._pending: dict[int, Call] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._services: Services | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._closing = False
        self._closed = False
        # throttling state, touched only on the loop thread
        self._latest: dict[tuple[int, str], object] = {}
        self._flush_scheduled = False
        self._jobs: JobTracker | None = None
        self._last_activity = ""

    @property
    def jobs(self) -> JobTracker:
        """Every job of this app as the views show it; fed here, on the GUI thread. Made
        on first use: its dataclasses are not needed for the window's first frame."""
        if self._jobs is None:
            from desktop_app.app.jobs import JobTracker

            self._jobs = JobTracker()
        return self._jobs

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Start the background thread and its loop (idempotent)."""
        if self._thread is not None:
            return
        if self._closed:
            raise RuntimeError("this bridge was shut down; make a new one")
        # Imported here, not at the top: the first import of `Qt` in a run creates its ~90
        # enums (15 ms), and the bridge is made before the first frame, which needs none.
        from PySide6.QtCore import Qt

        self._relay.result.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._relay.event.connect(self._deliver_event, Qt.ConnectionType.QueuedConnection)
        self._thread = threading.Thread(target=self._run_loop, name=THREAD_NAME, daemon=True)
        self._thread.start()
        self._ready.wait()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._closing

    def _run_loop(self) -> None:
        import asyncio

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        from desktop_app.app.services import Services

        self._services = Services(self._event_from_loop)
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                loop.close()

    def shutdown(self, timeout: float = 15.0) -> bool:
        """Cancel every task, close clients, engine, store and demo; join the thread.

        Blocks the caller (the GUI thread, at exit) until the thread has ended or
        `timeout` passed; returns True when it ended. Undelivered results are dropped.
        """
        if self._closed:
            return True
        self._closing = True
        for call in list(self._pending.values()):
            call.cancelled = True
        self._pending.clear()
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            self._closed = True
            return True
        import asyncio

        fut = asyncio.run_coroutine_threadsafe(self._aclose(), loop)
        try:
            fut.result(timeout)
        except Exception:
            log.warning("background shutdown did not finish cleanly", exc_info=True)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        self._closed = True
        return not thread.is_alive()

    async def _aclose(self) -> None:
        assert self._services is not None
        await self._services.aclose()

    # ---------------------------------------------------------------- requests
    def run(self, fn: Callable[[Services], Awaitable[Any]], *, label: str = "", site: str = "") -> Call:
        """Run ``fn(services)`` on the loop; deliver its result as a Call's signals.

        `label` (e.g. "Loading courses…") shows in the status bar while it runs;
        `site` says whose token an AuthError refers to (for ``authFailed``). The
        first request starts the background thread.
        """
        call = Call(next(self._ids), label, site)
        call._bridge = self
        if self._thread is None and not self._closing and not self._closed:
            self.start()
        if self._closing or self._loop is None:
            call.cancelled = True
            return call
        import asyncio

        self._pending[call.call_id] = call
        call._future = asyncio.run_coroutine_threadsafe(self._invoke(call.call_id, fn), self._loop)
        if label:
            self._update_activity()
        return call

    async def _invoke(self, call_id: int, fn: Callable[[Services], Awaitable[Any]]) -> None:
        import asyncio

        assert self._services is not None
        try:
            value = await fn(self._services)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # delivered to the caller, never swallowed
            if not isinstance(exc, CanvasError):
                log.error("background call failed", exc_info=exc)
            self._relay.result.emit((call_id, False, exc))
        else:
            self._relay.result.emit((call_id, True, value))

    @Slot(object)
    def _deliver(self, payload: tuple[int, bool, Any]) -> None:
        call_id, ok, value = payload
        call = self._pending.pop(call_id, None)
        if call is None or call.cancelled:
            return
        call.done = True
        if call.label:
            self._update_activity()
        if ok:
            call.result = value
            call.succeeded.emit(value)
        else:
            call.error = value
            auth = auth_error_of(value)
            call.failed.emit(value)
            if auth is not None:
                self.authFailed.emit(call.site, auth)
        call.finished.emit()

    def _forget(self, call: Call) -> None:
        if self._pending.pop(call.call_id, None) is not None and call.label:
            self._update_activity()

    # ---------------------------------------------------------------- engine events
    def _event_from_loop(self, event: object) -> None:
        """Called by the engine (normally on the loop thread) for every event."""
        loop = self._loop
        if loop is None or self._closed:
            return
        if threading.current_thread() is not self._thread:
            loop.call_soon_threadsafe(self._event_from_loop, event)
            return
        from desktop_app.engine.events import JobDownload, JobProgress  # loaded by the engine

        job_id = getattr(event, "job_id", None)
        if isinstance(event, (JobProgress, JobDownload)) and job_id is not None:
            self._latest[(job_id, type(event).__name__)] = event
            if not self._flush_scheduled:
                self._flush_scheduled = True
                loop.call_later(PROGRESS_INTERVAL, self._flush)
            return
        if job_id is not None:  # keep order: a job's last progress goes before its outcome
            for key in [k for k in self._latest if k[0] == job_id]:
                self._relay.event.emit(self._latest.pop(key))
        self._relay.event.emit(event)

    def _flush(self) -> None:
        self._flush_scheduled = False
        latest, self._latest = self._latest, {}
        for event in latest.values():
            self._relay.event.emit(event)

    @Slot(object)
    def _deliver_event(self, event: object) -> None:
        if self._closing:
            return
        from desktop_app.batch.events import BatchChanged
        from desktop_app.engine.events import JobError

        if isinstance(event, BatchChanged):
            self.batchChanged.emit(event)
            return

        self.jobs.apply(event)  # type: ignore[arg-type]  # every event the engine sends is a JobEvent
        self._update_activity()
        self.jobEvent.emit(event)
        if isinstance(event, JobError):
            auth = auth_error_of(event.error)
            if auth is not None:
                self.authFailed.emit(getattr(event, "site", "") or "", auth)

    # ---------------------------------------------------------------- status bar
    def activity(self) -> str:
        """'Loading courses…', '2 exports running, 1 downloading', or 'Ready'."""
        labels = [c.label for c in self._pending.values() if c.label and not c.cancelled]
        running, downloading = self._jobs.counts() if self._jobs is not None else (0, 0)
        parts: list[str] = []
        if labels:
            parts.append(labels[-1] if len(labels) == 1 else f"{labels[-1]} (+{len(labels) - 1} more)")
        jobs: list[str] = []
        if running:
            jobs.append(f"{running} export{'s' if running != 1 else ''} running")
        if downloading:
            jobs.append(f"{downloading} downloading")
        if jobs:
            parts.append(", ".join(jobs))
        return " · ".join(parts) if parts else "Ready"

    def _update_activity(self) -> None:
        text = self.activity()
        if text != self._last_activity:
            self._last_activity = text
            self.activityChanged.emit(text)


__all__ = ["Call", "EngineBridge", "THREAD_NAME", "auth_error_of"]
