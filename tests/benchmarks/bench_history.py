"""Export history with 5,000 exports (run on demand, prints figures).

    uv run python tests/benchmarks/bench_history.py [--runs N]

GUI-thread time (each op, then every event it posted, paints included) for: filling the
table (set_exports), sorting by each column
both ways through the proxy (as a header click does) with a repaint, filtering, and a
burst of live progress updates of 10 running jobs (each update_job + repaint). Each op
is timed on its own, and the same ops run again as separate event-loop turns under a
5 ms heartbeat timer whose longest gap is the stall a user would feel.
Budget (issue 4): no stall over 50 ms.
"""

from __future__ import annotations

import argparse
import sys

from _gui_bench import Heartbeat, app, report, settle, timed
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_app.app.jobs import JobView
from desktop_app.engine.events import JobStatus
from desktop_app.ui.history_model import Column, HistoryModel
from desktop_app.ui.history_view import HistoryPanel
from tests.gui.factories import NOW, many_exports

ORDERS = (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder)


def one_run(exports) -> dict[str, float | list[float]]:  # type: ignore[no-untyped-def]
    panel = HistoryPanel(model=HistoryModel(now=lambda: NOW))
    panel.resize(1100, 700)
    panel.show()
    settle()
    model, view = panel.model, panel.view
    out: dict[str, float | list[float]] = {}

    def fill() -> None:
        model.set_exports(exports)
        model.set_user_names({42: "Jane Doe", 43: "Sam Lee", 44: "Alex Kim"})

    out["fill 5,000 rows + paint"] = timed(fill)

    def warm_up() -> None:  # what the model does in idle slices of <= 6 ms after a fill
        while model.warming_up():
            QApplication.processEvents()

    out["idle warm-up after fill (total of all slices)"] = timed(warm_up)
    sort_times = []
    for column in Column:
        for order in ORDERS:
            t = timed(lambda c=column, o=order: view.sortByColumn(c, o))  # what a header click does; then Qt paints
            sort_times.append(t)
            out[f"sort {column.title} {'asc' if order == ORDERS[0] else 'desc'}"] = t
    out["sort, worst column"] = max(sort_times)
    out["filter 'zip' + paint"] = timed(lambda: panel.set_filter_text("zip"))
    out["clear filter + paint"] = timed(lambda: panel.set_filter_text(""))
    view.sortByColumn(Column.STARTED, Qt.SortOrder.DescendingOrder)
    running = [e.id for e in exports[:10]]
    progress_times = []
    for step in range(20):
        for n, export_id in enumerate(running):
            info = JobView(n + 1, export_id, JobStatus.EXPORTING, "Exporting", float(step * 5))
            progress_times.append(timed(lambda i=info: model.update_job(i)))  # Qt repaints the dirty cell
    out["progress update + repaint (10 jobs x 20)"] = progress_times
    out["select a row (actions update)"] = timed(lambda: panel.select_export(exports[2500].id))

    # Again, as separate event-loop turns under the heartbeat.
    beat = Heartbeat(5)
    steps = [lambda: model.clear(), lambda: model.set_exports(exports)]
    for column in Column:
        for order in ORDERS:
            steps.append(lambda c=column, o=order: view.sortByColumn(c, o))
    steps.append(lambda: view.sortByColumn(Column.STARTED, Qt.SortOrder.DescendingOrder))
    for step in range(10):
        for n, export_id in enumerate(running):
            steps.append(
                lambda n=n, e=export_id, s=step: model.update_job(
                    JobView(n + 1, e, JobStatus.DOWNLOADING, "Downloading", float(s * 10), s * 1000, 10_000)
                )
            )
    out["heartbeat: longest GUI stall over all steps"] = beat.run(steps)
    panel.close()
    panel.deleteLater()
    settle()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    app()
    exports = many_exports(5_000)
    print(f"history: {len(exports):,} exports, {args.runs} runs")
    runs = [one_run(exports) for _ in range(args.runs)]
    ok = True
    for name in runs[0]:
        budget = 50.0 if not name.startswith(("sort ", "idle")) or name == "sort, worst column" else None
        samples = [v for r in runs for v in (r[name] if isinstance(r[name], list) else [r[name]])]
        ok &= report(name, samples, budget)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
