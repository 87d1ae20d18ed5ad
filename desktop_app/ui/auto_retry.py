"""Resume jobs interrupted by a passing problem once Canvas answers again.

While some job of the signed-in site is Interrupted because Canvas had a problem, could
not be reached or asked us to slow down (:func:`~desktop_app.app.activity.is_transient`;
never a refused token or a full disk), a single-shot timer asks Canvas the cheapest
question (``usecases.ping``: who am I). No answer: wait longer (30 s, 60 s, 120 s …
at most 10 minutes, :class:`~desktop_app.app.activity.Backoff`). An answer: resume
those jobs (``usecases.resume_job``) and start again from the shortest wait.

The decisions are the application layer's; this object owns the timer and runs the
use cases through the bridge.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.app.activity import Backoff, waiting_for_canvas
from desktop_app.app.jobs import JobTracker, JobView
from desktop_app.ui.bridge import Call, EngineBridge

log = logging.getLogger(__name__)


class AutoRetry(QObject):
    """Signals: ``probing()`` when Canvas is asked, ``resumed(list[int])`` after an answer."""

    probing = Signal()
    resumed = Signal(object)  # the job ids resumed

    def __init__(
        self,
        bridge: EngineBridge,
        tracker: JobTracker,
        site: Callable[[], str],
        backoff: Backoff | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._tracker = tracker
        self._site = site
        self.backoff = backoff or Backoff()
        self.failures = 0
        self.enabled = True
        self._call: Call | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.probe)
        self._unsubscribe = tracker.subscribe(self._changed)

    def detach(self) -> None:
        self.timer.stop()
        if self._call is not None:
            self._call.cancel()
        self._unsubscribe()

    def waiting(self) -> list[JobView]:
        site = self._site()
        return waiting_for_canvas(self._tracker.views(), site) if site else []

    def next_delay(self) -> float:
        return self.backoff.delay(self.failures)

    def _changed(self, _view: JobView) -> None:
        self.schedule()

    def schedule(self) -> None:
        """Start the wait if jobs are waiting for Canvas; stop it when none is."""
        if not self.enabled:
            return
        if not self.waiting():
            self.timer.stop()
            self.failures = 0
            return
        if not self.timer.isActive() and (self._call is None or self._call.done):
            self.timer.start(int(self.next_delay() * 1000))

    def probe(self) -> Call | None:
        """Ask Canvas once; resume the waiting jobs if it answers."""
        from desktop_app.app import usecases

        site = self._site()
        if not site or not self.waiting():
            return None
        self.probing.emit()

        def answered(_result: object) -> None:
            self.failures = 0
            ids = [v.job_id for v in self.waiting()]
            for job_id in ids:
                self._bridge.run(lambda services, j=job_id: usecases.resume_job(services, j)).then(
                    None, lambda err: log.info("automatic resume failed: %s", err)
                )
            self.resumed.emit(ids)

        def unanswered(error: BaseException) -> None:
            self.failures += 1
            log.info("Canvas still does not answer (%s); next try in %.0f s", error, self.next_delay())
            self.schedule()

        self._call = self._bridge.run(lambda services: usecases.ping(services, site), site=site)
        self._call.then(answered, unanswered)
        self._call.finished.connect(self.schedule)
        return self._call
