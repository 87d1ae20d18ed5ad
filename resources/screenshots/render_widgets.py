"""Render the selection tree, the export history and the context picker with realistic
data, offscreen, to PNGs (the README's widget screenshots).

    uv run python resources/screenshots/render_widgets.py [OUT_DIR] [--dark]

Why a script: screenshots go stale; this regenerates them from the real widgets and
the same sample data the GUI tests use (tests/gui/factories.py), with no display.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QColor, QPalette  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def dark_palette() -> QPalette:
    """A plain dark palette, to check that nothing is drawn in hard-coded colours."""
    p = QPalette(QColor("#34343a"), QColor("#2b2b2f"))  # derives light/mid/dark/shadow too
    roles = {
        QPalette.ColorRole.Window: "#2b2b2f", QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1f1f23", QPalette.ColorRole.AlternateBase: "#27272c",
        QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#34343a",
        QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.Highlight: "#3d7fd6",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#34343a",
        QPalette.ColorRole.ToolTipText: "#e6e6e6", QPalette.ColorRole.PlaceholderText: "#8a8a90",
    }
    for role, color in roles.items():
        p.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6d6d72"))
    return p


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0]) if args else Path(__file__).resolve().parent
    dark = "--dark" in sys.argv
    suffix = "-dark" if dark else ""
    app = QApplication([])
    app.setStyle("Fusion")
    if dark:
        app.setPalette(dark_palette())

    from datetime import timedelta

    from desktop_app.canvas.models import ContentItem, ExportType, SelectKey, WorkflowState
    from desktop_app.engine.events import JobStatus
    from desktop_app.ui.context_picker import ContextPicker
    from desktop_app.ui.history_model import HistoryModel, LocalJobInfo
    from desktop_app.ui.history_view import HistoryPanel
    from desktop_app.ui.selection_view import SelectionPanel
    from tests.gui.factories import NOW, course_content, courses, export, groups

    # --- selection tree: a course mid-selection, zip type (other branches greyed)
    panel = SelectionPanel()
    content = course_content()
    F, X = SelectKey.FOLDERS, SelectKey.FILES
    extra = [
        ContentItem(F, 20, "Assignments", 1), ContentItem(F, 21, "Images", 1), ContentItem(F, 22, "Readings", 1),
        ContentItem(F, 23, "Exams", 1), ContentItem(F, 24, "Solutions", 23),
        ContentItem(X, 2001, "essay-guidelines.pdf", 20, 84_000), ContentItem(X, 2002, "lab-template.docx", 20, 41_000),
        ContentItem(X, 2003, "campus-map.png", 21, 1_200_000), ContentItem(X, 2004, "chapter-1.pdf", 22, 3_100_000),
        ContentItem(X, 2005, "midterm-2024.pdf", 23, 220_000), ContentItem(X, 2006, "midterm-2024-key.pdf", 24, 230_000),
        ContentItem(X, 2007, "course-banner.jpg", 1, 640_000),
    ]
    content[SelectKey.FILES] = content[SelectKey.FILES] + extra
    for key, items in content.items():
        if key is not SelectKey.RUBRICS:
            panel.model.set_branch_items(key, items)
    panel.model.set_branch_loading(SelectKey.RUBRICS)
    panel.set_export_type(ExportType.COMMON_CARTRIDGE)
    model, proxy, view = panel.model, panel.proxy, panel.view
    files = proxy.mapFromSource(model.branch_index(SelectKey.FILES))
    view.expand(files)
    for row in range(proxy.rowCount(files)):
        child = proxy.index(row, 0, files)
        if child.data(model.SearchRole) == "Lectures":
            view.expand(child)
            for r in range(proxy.rowCount(child)):
                view.expand(proxy.index(r, 0, child))
            model.setData(proxy.mapToSource(proxy.index(0, 0, child)), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    modules = model.branch_index(SelectKey.MODULES)
    model.setData(model.index(0, 0, modules), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    model.setData(model.index(1, 0, model.branch_index(SelectKey.PAGES)), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    view.expand(proxy.mapFromSource(modules))
    panel.resize(440, 620)
    panel.show()
    app.processEvents()
    panel.grab().save(str(out / f"selection-tree{suffix}.png"))
    panel.set_export_type(ExportType.ZIP)
    app.processEvents()
    panel.grab().save(str(out / f"selection-tree-zip{suffix}.png"))

    # --- history: running, downloading, saved, failed, expired rows
    history = HistoryPanel(model=HistoryModel(now=lambda: NOW))
    m = history.model
    rows = [
        export(2051, state=WorkflowState.EXPORTING, age=timedelta(minutes=3)),
        export(2050, export_type="zip", age=timedelta(minutes=20), size=1_340_000_000),
        export(2049, age=timedelta(hours=5), size=48_200_000),
        export(2047, export_type="qti", age=timedelta(days=2), size=730_000),
        export(2044, state=WorkflowState.FAILED, age=timedelta(days=6)),
        export(2040, export_type="zip", age=timedelta(days=17), size=912_000_000, user_id=43),
        export(2031, age=timedelta(days=29, hours=20), size=52_800_000, user_id=44),
        export(2012, state=WorkflowState.EXPIRED, age=timedelta(days=44), user_id=43),
        export(1998, export_type="zip", state=WorkflowState.EXPIRED, age=timedelta(days=90)),
    ]
    m.set_exports(rows)
    m.set_user_names({42: "Jane Doe", 43: "Sam Lee", 44: "Alex Kim"})
    m.update_job(LocalJobInfo(11, 2051, JobStatus.EXPORTING, "Exporting", 37.5))
    m.update_job(LocalJobInfo(12, 2050, JobStatus.DOWNLOADING, "Downloading", 64.0, 857_600_000, 1_340_000_000))
    m.update_job(LocalJobInfo(13, 2049, JobStatus.DONE, "Saved", saved_path=str(Path.home() / "Canvas exports" / "CS 101 - 2025-03-20.imscc")))
    m.update_job(LocalJobInfo(14, 2047, JobStatus.DONE, "Saved", saved_path=str(Path.home() / "Canvas exports" / "CS 101 quizzes.zip")))
    m.update_job(LocalJobInfo(15, None, JobStatus.CREATING, "Starting export", export_type="common_cartridge", created_at=NOW))
    history.resize(1060, 330)
    history.show()
    app.processEvents()
    history.select_export(2049)
    app.processEvents()
    history.grab().save(str(out / f"history-panel{suffix}.png"))  # history.png is the full-window shot

    # --- context picker
    picker = ContextPicker()
    picker.set_courses(courses())
    picker.set_groups(groups())
    picker.select_context(Context_parse("course:12"))
    picker.resize(420, 330)
    picker.show()
    app.processEvents()
    picker.grab().save(str(out / f"context-picker{suffix}.png"))
    return 0


def Context_parse(text: str):  # type: ignore[no-untyped-def]
    from desktop_app.canvas.models import Context

    return Context.parse(text)


if __name__ == "__main__":
    raise SystemExit(main())
