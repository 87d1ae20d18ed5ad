"""Selection tree with 20,000 files in 2,000 folders (run on demand, prints figures).

    uv run python tests/benchmarks/bench_selection_tree.py [--runs N]

Measures GUI-thread time after the data has arrived (building the ContentItems is the
background thread's job and is not counted):
- fill + show: set_branch_items, expand the Files branch, lay out and paint;
- check root + hash: a checkbox toggle on the Files branch through the filter proxy
  (as a click does), repaint, then select_hash for zip (compact) and for CC (all ids);
- filter: apply a filter that matches a few hundred rows, expand them, paint;
- uncheck root;
plus the longest heartbeat gap while all of that runs as separate event-loop turns.
Budgets (issue 4): fill+show < 1000 ms; check root + hash < 100 ms.
"""

from __future__ import annotations

import argparse
import sys

from _gui_bench import Heartbeat, app, report, settle, timed
from PySide6.QtCore import Qt

from desktop_app.canvas.models import ExportType, SelectKey
from desktop_app.ui.selection_view import SelectionPanel
from tests.gui.factories import file_tree


def one_run(items) -> dict[str, float]:  # type: ignore[no-untyped-def]
    panel = SelectionPanel()
    panel.set_export_type(ExportType.ZIP)
    panel.resize(480, 800)
    panel.show()
    settle()
    model, proxy, view = panel.model, panel.proxy, panel.view
    out: dict[str, float] = {}

    def fill() -> None:
        model.set_branch_items(SelectKey.FILES, items)
        view.expand(proxy.mapFromSource(model.branch_index(SelectKey.FILES)))
        view.viewport().repaint()

    out["fill + show"] = timed(fill)
    files = proxy.mapFromSource(model.branch_index(SelectKey.FILES))
    hashes: dict[str, object] = {}

    def check_and_hash() -> None:
        proxy.setData(files, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
        view.viewport().repaint()
        hashes["zip"] = model.select_hash(ExportType.ZIP)
        hashes["cc"] = model.select_hash(ExportType.COMMON_CARTRIDGE)
        hashes["summary"] = panel.summary()

    out["check root + select hash (zip and CC)"] = timed(check_and_hash)
    assert hashes["zip"] == {SelectKey.FOLDERS: [1]}, hashes["zip"]
    assert len(hashes["cc"][SelectKey.FILES]) == 20_000  # type: ignore[index]
    out["select_hash(zip) alone"] = timed(lambda: model.select_hash(ExportType.ZIP))
    out["select_hash(CC), 20,000 ids"] = timed(lambda: model.select_hash(ExportType.COMMON_CARTRIDGE))
    out["filter 'week03' + expand + paint"] = timed(
        lambda: (panel.set_filter_text("week03"), view.viewport().repaint())
    )
    out["clear filter"] = timed(lambda: (panel.set_filter_text(""), view.viewport().repaint()))
    # (a fresh proxy index: filtering invalidated the old one, as it does any non-persistent index)
    out["uncheck root"] = timed(
        lambda: proxy.setData(
            proxy.mapFromSource(model.branch_index(SelectKey.FILES)),
            Qt.CheckState.Unchecked,
            Qt.ItemDataRole.CheckStateRole,
        )
    )

    # The same steps again, each in its own event-loop turn, under a 5 ms heartbeat.
    panel.reset()
    panel.set_export_type(ExportType.ZIP)
    settle()
    beat = Heartbeat(5)
    steps = [
        lambda: model.set_branch_items(SelectKey.FILES, items),
        lambda: view.expand(proxy.mapFromSource(model.branch_index(SelectKey.FILES))),
        lambda: proxy.setData(
            proxy.mapFromSource(model.branch_index(SelectKey.FILES)),
            Qt.CheckState.Checked,
            Qt.ItemDataRole.CheckStateRole,
        ),
        lambda: model.select_hash(ExportType.ZIP),
        lambda: model.select_hash(ExportType.COMMON_CARTRIDGE),
        lambda: model.set_export_type(ExportType.COMMON_CARTRIDGE),
        lambda: proxy.setData(
            proxy.mapFromSource(model.branch_index(SelectKey.FILES)),
            Qt.CheckState.Unchecked,
            Qt.ItemDataRole.CheckStateRole,
        ),
    ]
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
    items = file_tree(2_000, 20_000)
    folders = sum(1 for i in items if i.key is SelectKey.FOLDERS)
    print(f"selection tree: {len(items) - folders:,} files in {folders:,} folders, {args.runs} runs")
    runs = [one_run(items) for _ in range(args.runs)]
    budgets = {"fill + show": 1000.0, "check root + select hash (zip and CC)": 100.0}
    ok = True
    for name in runs[0]:
        ok &= report(name, [r[name] for r in runs], budgets.get(name))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
