"""Render the README screenshots offscreen: ``python -m desktop_app.ui.screenshots DIR``.

Drives the real app against the demo Canvas (no mock-ups): the welcome screen of a first
run, the main window mid-export, and the history once the packages are saved. Everything
lives in a temporary home, so the user's settings, profiles and keyring are untouched.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "resources/screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="cem-shots-"))
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache")):
        os.environ[var] = str(home / sub)

    import keyring

    from desktop_app.ui.app import make_application

    app = make_application([])
    from PySide6.QtCore import QSize, Qt, QTimer

    from desktop_app.canvas.models import Context, ExportType, SelectKey
    from desktop_app.engine.events import JobStatus
    from desktop_app.profiles import ProfileStore
    from desktop_app.ui.session import AppController
    from desktop_app.ui.settings import AppSettings
    from desktop_app.ui.signin_dialog import SignInDialog

    keyring.set_keyring(_MemoryKeyring())
    settings = AppSettings(home / "ui.ini")
    settings.download_dir = home / "Downloads" / "Canvas exports"
    ctl = AppController(settings=settings, store_path=home / "jobs.sqlite3", demo_knobs={"export_duration": 16.0},
                        profiles=ProfileStore(home / "profiles.json"), quit_app_on_close=False)
    size = QSize(1200, 780)
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
            dialog.grab().save(str(out / "welcome.png"))
            dialog.close()
            ctl.start(demo=True)
            wait_for(lambda: ctl.window is not None and ctl.window.session_ready
                     and ctl.window.picker.courses.rowCount() > 0, choose)

        later(400, shoot)

    def choose() -> None:
        window = ctl.window
        window.resize(size)
        window.picker.select_context(Context.parse("course:101"))
        model, view, proxy = window.selection.model, window.selection.view, window.selection.proxy
        for key in (SelectKey.FILES, SelectKey.MODULES, SelectKey.PAGES, SelectKey.QUIZZES):
            view.expand(proxy.mapFromSource(model.branch_index(key)))
        wait_for(lambda: all(model.branch_state(k).count for k in (SelectKey.PAGES, SelectKey.QUIZZES, SelectKey.MODULES)),
                 tick)

    def tick() -> None:
        window = ctl.window
        model, view, proxy = window.selection.model, window.selection.view, window.selection.proxy
        view.collapse(proxy.mapFromSource(model.branch_index(SelectKey.FILES)))
        modules = model.branch_index(SelectKey.MODULES)
        model.setData(model.index(0, 0, modules), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
        pages = model.branch_index(SelectKey.PAGES)
        for row in range(min(3, model.rowCount(pages))):
            model.setData(model.index(row, 0, pages), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
        model.setData(model.branch_index(SelectKey.QUIZZES), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
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
        ctl.window.grab().save(str(out / "main-window.png"))
        window = ctl.window
        wait_for(lambda: all(_status(window, j) is JobStatus.DONE for j in jobs), history, limit=120_000)

    def history() -> None:
        window = ctl.window
        model = window.history.model
        row = model.row_at(model.row_for_job(jobs[-1]))
        window.history.select_export(row.export_id)
        window.history.view.setFocus()
        window.main_splitter.setSizes([360, 420])
        later(300, lambda: (window.grab().save(str(out / "history.png")), finish()))

    def finish() -> None:
        print(f"screenshots written to {out}")
        ctl.shutdown()
        app.exit(0)

    later(0, welcome)
    status = app.exec()
    ctl.shutdown()
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


class _MemoryKeyring:
    """Keeps the demo's nothing-to-save run away from the user's real keyring."""

    def __new__(cls):  # type: ignore[no-untyped-def]
        import keyring.backend

        class Memory(keyring.backend.KeyringBackend):
            priority = 1  # type: ignore[assignment]

            def __init__(self) -> None:
                super().__init__()
                self.secrets: dict[tuple[str, str], str] = {}

            def get_password(self, service: str, username: str) -> str | None:
                return self.secrets.get((service, username))

            def set_password(self, service: str, username: str, password: str) -> None:
                self.secrets[(service, username)] = password

            def delete_password(self, service: str, username: str) -> None:
                self.secrets.pop((service, username), None)

        return Memory()


if __name__ == "__main__":
    sys.exit(main())
