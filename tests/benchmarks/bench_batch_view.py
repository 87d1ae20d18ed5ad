"""The batch view with 5,000 courses (run on demand, prints figures).

    uv run python tests/benchmarks/bench_batch_view.py [--runs N] [--seconds S]

1. Fill: from `BatchPanel.show_batch` (header + `BatchRowsModel.set_rows`, a reset) to
   the end of the table viewport's first paint after it, in a shown 1200x700 panel.
   Median of N runs. Target (issue #14): well under 100 ms.
2. Live updates: 20 running courses each get a new percentage 10 times per second
   (`update_row`, each repainted by Qt) for S seconds, under a 1 ms heartbeat timer on
   the GUI thread; the longest gap between two ticks is the longest stall a user feels.
   Also once with the table filtered to Running and once sorted by State.
3. The bulk export dialog's course chooser with 5,000 courses: fill, term and search
   filters, Select all twice (median of N runs; it was a timed test, ~60 ms).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time

from _gui_bench import Heartbeat, app, report, settle
from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from desktop_app.app.batch_views import RowGroup, RowStatus
from desktop_app.ui.batch_model import BatchColumn
from desktop_app.ui.batch_view import BatchPanel
from desktop_app.ui.course_choice_model import CourseChoiceModel, CourseChoiceProxy
from tests.gui.batch_factories import FALL, batch_rows, batch_view, term_courses


class FirstPaint(QObject):
    """Notes the end of the first Paint event of a widget after `arm()`."""

    def __init__(self) -> None:
        super().__init__()
        self.armed = False
        self.painted_at: float | None = None

    def arm(self) -> None:
        self.armed, self.painted_at = True, None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if self.armed and event.type() == QEvent.Type.Paint:
            self.armed = False
            QTimer.singleShot(0, self._done)  # runs once this paint has finished
        return False

    def _done(self) -> None:
        self.painted_at = time.perf_counter()


def fill_once(panel: BatchPanel, rows, view, probe: FirstPaint) -> float:  # type: ignore[no-untyped-def]
    panel.show_batch(dataclasses.replace(view, batch_id=999), [])  # another, empty batch first
    settle()
    probe.arm()
    start = time.perf_counter()
    panel.show_batch(view, rows)
    while probe.painted_at is None:
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    return (probe.painted_at - start) * 1000


def live_updates(panel: BatchPanel, rows, seconds: float) -> float:  # type: ignore[no-untyped-def]
    running = [r for r in rows if r.status is RowStatus.DOWNLOADING][:20]
    running += [r for r in rows if r.status is RowStatus.AT_CANVAS][: 20 - len(running)]
    step = [0]

    def tick() -> None:
        step[0] += 1
        for n, row in enumerate(running):
            panel.update_row(dataclasses.replace(row, progress=float((step[0] * 3 + n) % 100)))

    updates = QTimer()
    updates.setInterval(100)
    updates.timeout.connect(tick)
    beat = Heartbeat(1)
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    beat.last, beat.max_gap_ms = 0.0, 0.0
    beat.timer.start()
    updates.start()
    loop.exec()
    updates.stop()
    beat.timer.stop()
    return beat.max_gap_ms


def choose_all_once(courses) -> float:  # type: ignore[no-untyped-def]
    """The bulk export dialog's course chooser: fill with the courses, filter by term and
    search, Select all on the rows shown, clear the search, Select all again (ms)."""
    model, proxy = CourseChoiceModel(), CourseChoiceProxy()
    proxy.setSourceModel(model)
    start = time.perf_counter()
    model.set_courses(courses)
    proxy.set_term(FALL.id)
    proxy.set_search("linear")
    proxy.set_shown_checked(True)
    proxy.set_search("")
    proxy.set_shown_checked(True)
    elapsed = (time.perf_counter() - start) * 1000
    assert model.checked_count() == len(courses) // 2, model.checked_count()  # the Fall half
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    app()
    rows = batch_rows(5_000)
    view = batch_view(rows)
    print(f"batch view: {len(rows):,} courses, {args.runs} runs")
    panel = BatchPanel()
    panel.resize(1200, 700)
    panel.show()
    settle()
    probe = FirstPaint()
    panel.view.viewport().installEventFilter(probe)
    fill_once(panel, rows, view, probe)  # warm-up (first use of icons, fonts), not counted
    fills = [fill_once(panel, rows, view, probe) for _ in range(args.runs)]
    ok = report("show_batch(5,000 rows) to the first painted frame", fills, 100.0)
    courses = term_courses(5_000)
    choose_all_once(courses)  # warm-up
    chosen = [choose_all_once(courses) for _ in range(args.runs)]
    ok &= report("course chooser, 5,000 courses: fill, filter, Select all", chosen, 1000.0)

    stalls = {"all rows": [], "filtered to Running": [], "sorted by State": []}
    for _ in range(3):
        panel.set_group_filter(None)
        panel.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        settle()
        stalls["all rows"].append(live_updates(panel, rows, args.seconds))
        panel.set_group_filter(RowGroup.RUNNING)
        settle()
        stalls["filtered to Running"].append(live_updates(panel, rows, args.seconds))
        panel.set_group_filter(None)
        panel.view.sortByColumn(BatchColumn.STATE, Qt.SortOrder.AscendingOrder)
        settle()
        stalls["sorted by State"].append(live_updates(panel, rows, args.seconds))
    for name, samples in stalls.items():
        ok &= report(f"20 rows x 10/s, longest GUI stall, {name}", samples, 50.0)
    panel.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
