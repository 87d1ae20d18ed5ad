"""Render every screenshot of the app, offscreen, from the real widgets and the real app.

    uv run python resources/screenshots/render.py [OUT_DIR] [--dark] [--widgets-only]

Two kinds, one script (screenshots go stale; this regenerates all of them, with no
display and nothing of the user's touched):

- widget shots, from the widgets filled with the GUI tests' sample data
  (tests/gui/factories.py): selection-tree.png, selection-tree-zip.png,
  history-panel.png, context-picker.png, activity.png (the Activity view with its
  details pane), details.png (the details pane of an interrupted job),
  package-viewer.png (the package viewer on a cartridge built by the demo Canvas's
  exporter, with a selection check);
- full-window shots, driving the real app against the demo Canvas (no mock-ups):
  welcome.png (a first run), main-window.png (two exports running) and history.png
  (both packages saved); and against a simulated Canvas with 300 generated courses,
  signed in as its admin: bulk-export-dialog.png (File › Bulk export…, An account, one
  term) and batch-view.png (that batch's window, mid-run).

The app part runs in a temporary home (HOME, settings, profiles, job store, downloads)
with an in-memory keyring. `--dark` renders everything with a plain dark palette (files get a
"-dark" suffix) to check that nothing is drawn in hard-coded colours. A developer tool:
it lives outside the shipped package on purpose.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_app.app.batch_views import BatchView

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the app and tests/gui/factories.py, from this checkout

WINDOW_SIZE = (1200, 780)


# ---------------------------------------------------------------------------- widget shots


def render_widgets(app, out: Path, suffix: str) -> None:  # type: ignore[no-untyped-def]
    """The selection tree (Common Cartridge, then Zip), the history panel and the context
    picker, each filled with realistic sample data."""
    from PySide6.QtCore import Qt

    from desktop_app.app.jobs import JobView
    from desktop_app.canvas.models import (
        ContentItem,
        Context,
        ExportType,
        SelectKey,
        WorkflowState,
    )
    from desktop_app.engine.events import JobStatus
    from desktop_app.ui.context_picker import ContextPicker
    from desktop_app.ui.history_model import HistoryModel
    from desktop_app.ui.history_view import HistoryPanel
    from desktop_app.ui.selection_view import SelectionPanel
    from tests.gui.factories import NOW, course_content, courses, export, groups

    # --- selection tree: a course mid-selection
    panel = SelectionPanel()
    content = course_content()
    F, X = SelectKey.FOLDERS, SelectKey.FILES
    extra = [
        ContentItem(F, 20, "Assignments", 1),
        ContentItem(F, 21, "Images", 1),
        ContentItem(F, 22, "Readings", 1),
        ContentItem(F, 23, "Exams", 1),
        ContentItem(F, 24, "Solutions", 23),
        ContentItem(X, 2001, "essay-guidelines.pdf", 20, 84_000),
        ContentItem(X, 2002, "lab-template.docx", 20, 41_000),
        ContentItem(X, 2003, "campus-map.png", 21, 1_200_000),
        ContentItem(X, 2004, "chapter-1.pdf", 22, 3_100_000),
        ContentItem(X, 2005, "midterm-2024.pdf", 23, 220_000),
        ContentItem(X, 2006, "midterm-2024-key.pdf", 24, 230_000),
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
            model.setData(
                proxy.mapToSource(proxy.index(0, 0, child)), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole
            )
    modules = model.branch_index(SelectKey.MODULES)
    model.setData(model.index(0, 0, modules), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    model.setData(
        model.index(1, 0, model.branch_index(SelectKey.PAGES)), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole
    )
    view.expand(proxy.mapFromSource(modules))
    panel.resize(440, 620)
    panel.show()
    app.processEvents()
    _save(panel, out / f"selection-tree{suffix}.png")
    panel.set_export_type(ExportType.ZIP)  # the branches a zip ignores are greyed out
    app.processEvents()
    _save(panel, out / f"selection-tree-zip{suffix}.png")
    panel.close()

    # --- history: running, downloading, saved, failed, expired rows
    history = HistoryPanel(model=HistoryModel(now=lambda: NOW))
    m = history.model
    m.set_exports(
        [
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
    )
    m.set_user_names({42: "Jane Doe", 43: "Sam Lee", 44: "Alex Kim"})
    folder = Path.home() / "Downloads" / "Canvas exports" / "canvas.school.edu" / "Data Structures (course 12)"
    m.update_job(JobView(11, 2051, JobStatus.EXPORTING, "Exporting", 37.5))
    m.update_job(JobView(12, 2050, JobStatus.DOWNLOADING, "Downloading", 64.0, 857_600_000, 1_340_000_000))
    m.update_job(JobView(13, 2049, JobStatus.DONE, "Saved", saved_path=str(folder / "data-structures-export.imscc")))
    m.update_job(JobView(14, 2047, JobStatus.DONE, "Saved", saved_path=str(folder / "data-structures-quizzes.zip")))
    m.update_job(
        JobView(15, None, JobStatus.CREATING, "Starting export", export_type="common_cartridge", created_at=NOW)
    )
    history.resize(1060, 330)
    history.show()
    app.processEvents()
    history.select_export(2049)
    app.processEvents()
    _save(history, out / f"history-panel{suffix}.png")  # history.png is the full-window shot
    history.close()

    render_activity(app, out, suffix)

    render_package_viewer(app, out, suffix)

    # --- context picker
    picker = ContextPicker()
    picker.set_courses(courses())
    picker.set_groups(groups())
    picker.select_context(Context.parse("course:12"))
    picker.resize(420, 330)
    picker.show()
    app.processEvents()
    _save(picker, out / f"context-picker{suffix}.png")
    picker.close()


def render_package_viewer(app, out: Path, suffix: str) -> None:  # type: ignore[no-untyped-def]
    """The package viewer on a Common Cartridge the demo Canvas builds (the simulator's
    own exporter, as the demo downloads it): a job that asked for four quizzes and got
    three (the banner of the selection check, titles from the job's tree), a quiz shown."""
    from types import SimpleNamespace

    from PySide6.QtCore import QEventLoop

    from desktop_app.simulator.data import SampleData
    from desktop_app.simulator.packages import build_cc
    from desktop_app.simulator.selection import Selection, plan_cc
    from desktop_app.ui.package_viewer import PackageViewer
    from tests.gui.factories import NOW

    data = SampleData.build()
    course = data.courses[data.main_course_id]
    quizzes = data.ids("quizzes")
    chosen = {
        "wiki_pages": data.ids("wiki_pages"),
        "assignments": data.ids("assignments"),
        "quizzes": quizzes[:3],
        "calendar_events": data.ids("calendar_events"),
    }
    selection = Selection.parse({key: [str(i) for i in ids] for key, ids in chosen.items()})
    folder = Path(tempfile.mkdtemp(prefix="cem-viewer-shot-"))
    path = folder / "cs-101-export.imscc"
    path.write_bytes(build_cc(data, course, plan_cc(data, course.id, selection), NOW.replace(tzinfo=None)))
    asked = {"pages": data.ids("wiki_pages"), "assignments": data.ids("assignments"), "quizzes": quizzes}
    job = SimpleNamespace(id=12, export_type="common_cartridge", selection=asked)
    titles = {"quizzes": {i: data.content[i].title for i in quizzes}}
    viewer = PackageViewer(path, job=job, jobs=lambda: [], titles=titles)
    viewer.resize(*WINDOW_SIZE)
    viewer.show()

    def until(done: Callable[[], bool], what: str, limit_ms: int = 20_000) -> None:
        from PySide6.QtCore import QElapsedTimer

        clock = QElapsedTimer()
        clock.start()
        while not done():
            if clock.elapsed() > limit_ms:
                raise RuntimeError(f"package viewer: {what} did not happen")
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)

    until(lambda: viewer.contents is not None, "opening")
    until(lambda: viewer.check is not None, "the selection check")
    shown: list[str] = []
    viewer.itemShown.connect(shown.append)
    quiz_key = next(item.key for item in viewer.contents.of_kind("quizzes"))
    viewer.select_key(quiz_key)
    until(lambda: quiz_key in shown, "showing a quiz")
    until(
        lambda: viewer.index is not None and viewer.statusBar().currentMessage().startswith("Search covers"), "indexing"
    )
    app.processEvents()
    _save(viewer, out / f"package-viewer{suffix}.png")
    viewer.shutdown()
    viewer.close()


def _sample_batch(site: str, root: Path, now: datetime) -> BatchView:
    """A term's bulk export half-way, as the Activity view lists it."""
    from desktop_app.app.batch_views import BatchState, BatchTotals, BatchView

    totals = BatchTotals(saved=96, running=5, waiting=48, failed=2, bytes_saved=12_400_000_000)
    return BatchView(
        batch_id=3,
        name="Fall 2026 Common Cartridge 2026-12-06",
        site=site,
        export_type="common_cartridge",
        folder=root / "Bulk exports",
        state=BatchState.RUNNING,
        totals=totals,
        created_at=now,
        eta_seconds=600,
    )


def render_activity(app, out: Path, suffix: str) -> None:  # type: ignore[no-untyped-def]
    """The Activity view: jobs of three courses, a group and My files in every state,
    the interrupted one selected with its details; then the details pane alone."""
    from datetime import datetime, timedelta, timezone

    from desktop_app.app.details import describe_job
    from desktop_app.app.jobs import JobTracker
    from desktop_app.canvas.errors import ServerError
    from desktop_app.engine.events import JobDownload, JobError, JobProgress, JobState, JobStatus
    from desktop_app.engine.store import Job
    from desktop_app.ui.activity_view import ActivityPanel
    from desktop_app.ui.details_pane import DetailsPane

    site = "https://canvas.school.edu"
    now = datetime.now(timezone.utc)  # the live events are stamped with the real time too
    root = Path("/home/ada/Downloads/Canvas exports/canvas.school.edu")  # a user's, not this machine's
    titles = {
        "course:12": "Introduction to Programming",
        "course:13": "Data Structures",
        "course:15": "Linear Algebra",
        "group:301": "Project team Alpha",
    }

    def job(job_id: int, context: str, export_type: str, state: JobStatus, minutes: int, **extra):  # type: ignore[no-untyped-def]
        when = now - timedelta(minutes=minutes)
        return Job(
            id=job_id,
            site=site,
            context=context,
            export_type=export_type,
            state=state,
            created_at=when,
            updated_at=when + timedelta(minutes=2),
            export_created_at=when,
            **extra,
        )

    cs = root / "Introduction to Programming (course 12)"
    interrupted = job(
        7,
        "course:15",
        "common_cartridge",
        JobStatus.INTERRUPTED,
        14,
        export_id=2061,
        selection={"modules": [1, 2], "pages": [401, 402, 403], "quizzes": [88]},
        last_error="Canvas answered 503 Service Unavailable, five times in a row.",
        error_kind="ServerError",
        dest_dir=root / "Linear Algebra (course 15)",
    )
    jobs = [
        job(
            1,
            "course:12",
            "common_cartridge",
            JobStatus.DONE,
            60 * 26,
            export_id=2041,
            size=48_200_000,
            saved_path=cs / "introduction-to-programming-export.imscc",
        ),
        job(
            2,
            "user:self",
            "zip",
            JobStatus.DONE,
            60 * 5,
            export_id=2044,
            size=3_900_000,
            saved_path=root / "My files" / "files-export.zip",
        ),
        job(
            3,
            "group:301",
            "zip",
            JobStatus.FAILED,
            60 * 3,
            export_id=2047,
            last_error="Canvas says the export failed.",
            error_kind="ExportFailedError",
        ),
        job(4, "course:13", "qti", JobStatus.EXPIRED, 60 * 2, export_id=2052),
        job(5, "course:12", "zip", JobStatus.STOPPED, 50, export_id=2055),
        job(6, "course:13", "common_cartridge", JobStatus.QUEUED, 30, export_id=2058),
        interrupted,
        job(8, "course:13", "qti", JobStatus.WAITING_FOR_EXTERNAL_TOOL, 9, export_id=2063),
        job(9, "course:12", "common_cartridge", JobStatus.EXPORTING, 6, export_id=2065),
        job(10, "course:15", "zip", JobStatus.DOWNLOADING, 3, export_id=2066, size=1_340_000_000),
    ]
    tracker = JobTracker()
    tracker.merge(jobs)
    tracker.apply(JobError(7, ServerError(interrupted.last_error, status=503), interrupted.last_error))
    tracker.apply(JobProgress(9, 62.0, "Exporting"))
    tracker.apply(JobState(10, JobStatus.DOWNLOADING, "Downloading", "", 2066))
    tracker.apply(JobDownload(10, 857_600_000, 1_340_000_000))
    names = {
        ("modules", 1): "Week 1: Vectors",
        ("modules", 2): "Week 2: Matrices",
        ("pages", 401): "Syllabus",
        ("pages", 402): "Office hours",
        ("pages", 403): "Exam rules",
        ("quizzes", 88): "Quiz 1",
    }

    panel = ActivityPanel(tracker)
    panel.set_site(site)
    panel.set_titles(titles)
    panel.model.set_batches([_sample_batch(site, root, now)])
    panel.resize(1200, 400)
    panel.splitter.setSizes([880, 320])
    panel.show()
    app.processEvents()
    panel.select_job(7)
    panel.details.set_details(
        describe_job(tracker.get(7), interrupted, titles=titles, name_of=lambda k, i: names.get((k, i)))
    )
    panel.view.setFocus()
    app.processEvents()
    _save(panel, out / f"activity{suffix}.png")
    panel.close()

    pane = DetailsPane()
    pane.set_details(describe_job(tracker.get(7), interrupted, titles=titles, name_of=lambda k, i: names.get((k, i))))
    pane.resize(440, 400)
    pane.show()
    pane.clearFocus()  # no text cursor in the picture
    app.processEvents()
    _save(pane, out / f"details{suffix}.png")
    pane.close()


# ---------------------------------------------------------------------------- app shots


def render_app(app, out: Path, suffix: str, home: Path) -> int:  # type: ignore[no-untyped-def]
    """welcome, starting (the first frame at launch), main-window (mid-export) and
    history, from the real app on the demo."""
    import keyring
    from PySide6.QtCore import QSize, Qt, QTimer

    from desktop_app.canvas.models import Context, ExportType, SelectKey
    from desktop_app.engine.events import JobStatus
    from desktop_app.profiles import ProfileStore
    from desktop_app.ui.session import AppController
    from desktop_app.ui.settings import AppSettings
    from desktop_app.ui.signin_dialog import SignInDialog
    from tests.memory_keyring import MemoryKeyring  # the demo's sign-in stays off the real keyring

    keyring.set_keyring(MemoryKeyring())
    settings = AppSettings(home / "ui.ini")
    settings.download_dir = home / "Downloads" / "Canvas exports"
    ctl = AppController(
        settings=settings,
        store_path=home / "jobs.sqlite3",
        demo_knobs={"export_duration": 16.0},
        profiles=ProfileStore(home / "profiles.json"),
        quit_app_on_close=False,
    )
    jobs: list[int] = []

    def later(ms: int, fn: Callable[[], None]) -> None:
        QTimer.singleShot(ms, fn)

    def wait_for(cond: Callable[[], bool], then: Callable[[], None], limit: float = 60_000) -> None:
        if cond():
            then()
        elif limit <= 0:
            print("screenshots: timed out", file=sys.stderr)
            app.exit(1)
        else:
            later(100, lambda: wait_for(cond, then, limit - 100))

    def welcome() -> None:
        dialog = SignInDialog(ctl.accounts)
        dialog.show()

        def shoot() -> None:
            dialog.adjustSize()
            _save(dialog, out / f"welcome{suffix}.png")
            dialog.close()
            window = ctl.start(demo=True)  # the first frame: the starting page, before any panel
            window.resize(QSize(*WINDOW_SIZE))
            _save(window, out / f"starting{suffix}.png")
            wait_for(
                lambda: (
                    ctl.window is not None and ctl.window.session_ready and ctl.window.picker.courses.rowCount() > 0
                ),
                choose,
            )

        later(400, shoot)  # the saved sites are read in the background first

    def choose() -> None:
        window = ctl.window
        window.resize(QSize(*WINDOW_SIZE))
        window.picker.select_context(Context.parse("course:101"))
        model, view, proxy = window.selection.model, window.selection.view, window.selection.proxy
        for key in (SelectKey.FILES, SelectKey.MODULES, SelectKey.PAGES, SelectKey.QUIZZES):
            view.expand(proxy.mapFromSource(model.branch_index(key)))
        wait_for(
            lambda: all(model.branch_state(k).count for k in (SelectKey.PAGES, SelectKey.QUIZZES, SelectKey.MODULES)),
            tick,
        )

    def tick() -> None:
        window = ctl.window
        model, view, proxy = window.selection.model, window.selection.view, window.selection.proxy
        view.collapse(proxy.mapFromSource(model.branch_index(SelectKey.FILES)))
        modules = model.branch_index(SelectKey.MODULES)
        model.setData(model.index(0, 0, modules), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
        pages = model.branch_index(SelectKey.PAGES)
        for row in range(min(3, model.rowCount(pages))):
            model.setData(model.index(row, 0, pages), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
        model.setData(
            model.branch_index(SelectKey.QUIZZES), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole
        )
        window.options.set_export_type(ExportType.ZIP)
        window.exportStarted.connect(jobs.append)
        window.start_export()
        later(1500, second)

    def second() -> None:
        window = ctl.window
        window.options.set_export_type(ExportType.COMMON_CARTRIDGE)
        window.start_export()
        wait_for(lambda: len(jobs) == 2 and all(_progress(window, j) >= 35 for j in jobs), mid_export)

    def mid_export() -> None:
        window = ctl.window
        _save(window, out / f"main-window{suffix}.png")
        wait_for(lambda: all(_status(window, j) is JobStatus.DONE for j in jobs), history, limit=120_000)

    def history() -> None:
        window = ctl.window
        model = window.history.model
        row = model.row_at(model.row_for_job(jobs[-1]))
        window.history.select_export(row.export_id)
        window.history.view.setFocus()
        window.main_splitter.setSizes([360, 420])
        later(300, lambda: (_save(window, out / f"history{suffix}.png"), finish()))

    def finish() -> None:
        ctl.shutdown()
        app.exit(0)

    later(0, welcome)
    status = app.exec()
    ctl.shutdown()
    return int(status)


def render_bulk_app(app, out: Path, suffix: str, home: Path) -> int:  # type: ignore[no-untyped-def]
    """bulk-export-dialog (An account: the root account, one term, its courses ticked but
    a few) and batch-view (that batch running, 5 at Canvas), from the real app signed in
    as the simulator's admin, with 300 generated courses."""
    from PySide6.QtCore import QTimer

    from desktop_app.app.batch_views import RowStatus
    from desktop_app.canvas.models import User
    from desktop_app.profiles import Profile, ProfileStore
    from desktop_app.simulator import ADMIN_TOKEN, SimulatedCanvas
    from desktop_app.ui.accounts import SignIn
    from desktop_app.ui.bulk_export_dialog import CourseSource
    from desktop_app.ui.session import AppController
    from desktop_app.ui.settings import AppSettings
    from desktop_app.ui.table_base import select_source_row

    sim = SimulatedCanvas(export_duration=5.0, bulk_courses=300).start()
    settings = AppSettings(home / "ui-bulk.ini")
    settings.download_dir = home / "Canvas exports"
    ctl = AppController(
        settings=settings,
        store_path=home / "jobs-bulk.sqlite3",
        profiles=ProfileStore(home / "profiles-bulk.json"),
        quit_app_on_close=False,
    )
    state: dict[str, object] = {}

    def wait_for(cond: Callable[[], bool], then: Callable[[], None], limit: float = 60_000) -> None:
        if cond():
            then()
        elif limit <= 0:
            print("screenshots: timed out (bulk export)", file=sys.stderr)
            app.exit(1)
        else:
            QTimer.singleShot(100, lambda: wait_for(cond, then, limit - 100))

    def signed_in() -> None:
        dialog = ctl.window.bulk.open_dialog()
        state["dialog"] = dialog
        radio = dialog.source_radios[CourseSource.ACCOUNT]
        wait_for(radio.isEnabled, lambda: (radio.click(), wait_for(lambda: loaded(dialog), choose_term)))

    def loaded(dialog) -> bool:  # type: ignore[no-untyped-def]
        return dialog.model.rowCount() > 0 and not dialog.busy_label.isVisible() and dialog.term_combo.count() > 1

    def choose_term() -> None:
        dialog = state["dialog"]
        term = next(i for i in range(dialog.term_combo.count()) if dialog.term_combo.itemText(i).startswith("Fall"))
        dialog.term_combo.setCurrentIndex(term)
        dialog._term_activated()  # as choosing it does: Canvas is asked for that term's courses
        wait_for(lambda: loaded(dialog), tick)

    def tick() -> None:
        dialog = state["dialog"]
        dialog.proxy.set_shown_checked(True)
        for row in (2, 5, 6):  # a few left out
            dialog.model.set_checked_rows([dialog.proxy.mapToSource(dialog.proxy.index(row, 0)).row()], False)
        dialog.skip_recent.setChecked(True)
        dialog.set_default_folder(Path("~", "Canvas exports", "Term archives"))  # as a user picks one
        dialog.table.setFocus()
        QTimer.singleShot(300, shoot_dialog)

    def shoot_dialog() -> None:
        dialog = state["dialog"]
        _save(dialog, out / f"bulk-export-dialog{suffix}.png")
        ctl.window.bulk.windowOpened.connect(lambda w: state.setdefault("batch", w))
        dialog.start_button.click()
        wait_for(lambda: running(3), shoot_batch, limit=120_000)

    def running(saved: int) -> bool:
        batch_window = state.get("batch")
        view = batch_window.batch() if batch_window is not None else None
        return view is not None and view.totals.saved >= saved and view.totals.running >= 3

    def shoot_batch() -> None:
        batch_window = state["batch"]
        panel = batch_window.panel
        rows = panel.model.rows()
        busy = next(r for r in rows if r.status in (RowStatus.AT_CANVAS, RowStatus.DOWNLOADING))
        select_source_row(panel.view, panel.proxy, panel.model.model_row_of(busy.position))
        panel.view.setFocus()
        QTimer.singleShot(1200, lambda: (_save(batch_window, out / f"batch-view{suffix}.png"), finish()))

    def finish() -> None:
        ctl.window.ask_before_quitting = False
        ctl.shutdown()
        app.exit(0)

    ctl.begin(
        SignIn(
            Profile("Babbage University", sim.base_url, "Grace Hopper"),
            ADMIN_TOKEN,
            User(sim.data.admin_id, "Grace Hopper"),
        )
    )
    wait_for(lambda: ctl.window is not None and ctl.window.session_ready, signed_in)
    try:
        status = app.exec()
    finally:
        ctl.shutdown()
        sim.stop()
    return int(status)


def _row(window, job_id):  # type: ignore[no-untyped-def]
    row = window.history.model.row_for_job(job_id)
    return None if row is None else window.history.model.row_at(row)


def _progress(window, job_id) -> float:  # type: ignore[no-untyped-def]
    row = _row(window, job_id)
    return (row.progress or 0.0) if row is not None else 0.0


def _status(window, job_id):  # type: ignore[no-untyped-def]
    row = _row(window, job_id)
    return row.job.status if row is not None and row.job is not None else None


def _save(widget, path: Path) -> None:  # type: ignore[no-untyped-def]
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    print(f"  {path.name}")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    paths = [a for a in args if not a.startswith("--")]
    out = Path(paths[0] if paths else Path(__file__).resolve().parent).resolve()
    out.mkdir(parents=True, exist_ok=True)
    dark = "--dark" in args
    suffix = "-dark" if dark else ""
    # Everything the app writes goes to a throwaway home, before the app reads any path;
    # HOME too, so a folder the app shows from `~` gives nothing of this machine away.
    home = Path(tempfile.mkdtemp(prefix="cem-shots-"))
    os.environ["HOME"] = str(home)
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache")):
        os.environ[var] = str(home / sub)

    from desktop_app.ui.app import apply_look, make_application
    from tests.gui.palettes import dark_palette

    app = make_application([], look=False)
    app.setStyle("Fusion")  # the same look on every machine (offscreen Qt picks Fusion too)
    apply_look(app)  # then the app's own touches, as at start-up
    if dark:
        app.setPalette(dark_palette())
    print(f"screenshots -> {out}")
    render_widgets(app, out, suffix)
    if "--widgets-only" in args:
        return 0
    status = render_app(app, out, suffix, home)
    return status or render_bulk_app(app, out, suffix, home)


if __name__ == "__main__":
    sys.exit(main())
