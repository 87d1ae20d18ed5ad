"""Shared helpers for the GUI benchmarks: headless Qt, repo on sys.path, a heartbeat.

The heartbeat is a QTimer on the GUI thread ticking every few milliseconds; the longest
gap between two ticks while work runs is the longest time the GUI could not react,
i.e. the stall a user would feel.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def app() -> QApplication:
    instance = QApplication.instance() or QApplication([])
    instance.setStyle("Fusion")
    return instance  # type: ignore[return-value]


def settle() -> None:
    """Run every pending event (layouts, paints) so the time includes showing it."""
    QApplication.processEvents()
    QApplication.processEvents()


class Sample(float):
    """Wall-clock milliseconds (the float value) plus the GUI thread's CPU milliseconds.

    These machines are shared: wall time includes waiting for a CPU another process
    holds, so both are reported; the CPU time is what this code itself costs.
    """

    cpu: float

    def __new__(cls, wall: float, cpu: float) -> "Sample":
        sample = super().__new__(cls, wall)
        sample.cpu = cpu
        return sample


def timed(fn: Callable[[], object]) -> Sample:
    """Milliseconds for fn() plus every event it posted (layouts, paints)."""
    start, start_cpu = time.perf_counter(), time.thread_time()
    fn()
    settle()
    return Sample((time.perf_counter() - start) * 1000, (time.thread_time() - start_cpu) * 1000)


class Heartbeat:
    """Records the longest gap between ticks of a fast QTimer."""

    def __init__(self, interval_ms: int = 5) -> None:
        self.interval_ms = interval_ms
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.max_gap_ms = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.last:
            self.max_gap_ms = max(self.max_gap_ms, (now - self.last) * 1000)
        self.last = now

    def run(self, steps: list[Callable[[], object]]) -> float:
        """Run each step from the event loop, one per heartbeat turn; return the max gap."""
        loop = QEventLoop()
        pending = list(steps)

        def next_step() -> None:
            if not pending:
                QTimer.singleShot(3 * self.interval_ms, loop.quit)
                return
            pending.pop(0)()
            QTimer.singleShot(self.interval_ms, next_step)

        self.last, self.max_gap_ms = 0.0, 0.0
        self.timer.start()
        QTimer.singleShot(self.interval_ms, next_step)
        loop.exec()
        self.timer.stop()
        return self.max_gap_ms


def report(name: str, samples: list[float], budget_ms: float | None = None) -> bool:
    """Print median / max (wall, and GUI-thread CPU when known); True if the median
    wall time is within budget (single maxima on a shared machine are mostly noise,
    so they are printed, not judged)."""
    median = statistics.median(samples)
    worst = max(samples)
    cpus = [s.cpu for s in samples if isinstance(s, Sample)]
    cpu = f"  cpu median {statistics.median(cpus):6.1f} max {max(cpus):6.1f}" if cpus else " " * 31
    ok = budget_ms is None or median <= budget_ms
    budget = f"  [budget {budget_ms:.0f}: {'OK' if ok else 'OVER'}]" if budget_ms is not None else ""
    print(f"{name:<44} wall median {median:6.1f} max {worst:6.1f}{cpu}  ms (n={len(samples)}){budget}")
    return ok
