"""Export jobs without Qt: create -> poll -> download -> verify, recorded in SQLite.

Public API (see each module's docstring for the why):

* `Engine`, `EngineConfig` (engine.py): runs jobs as asyncio tasks; per-site limits
  changeable while jobs run (`Engine.set_max_concurrent`, limits.py);
* `JobStore`, `Job` (store.py): the SQLite job store;
* events (events.py): `JobCreated`, `JobState`, `JobProgress`, `JobDownload`, `JobDone`,
  `JobError`, `JobWarning`, and `JobStatus`, `Goal` (status.py);
* errors (errors.py): `ExportFailedError`, `ExportExpiredError`, `LocalStorageError`
  (`DiskFullError`, `FolderNotWritableError`), `UnexpectedError`;
* helpers: `safe_filename`, `package_name` (names.py), `verify_package`, `PollPolicy`/`next_interval`,
  `default_dest_dir` (folders.py: the app's folder per site and course).

The names are loaded on first use (PEP 562), not when the package is imported: the
desktop app imports `desktop_app.engine.events` while its window is being drawn, and
importing this package eagerly would pull in httpx, sqlite3 and the whole engine first
(about 40-80 ms before the first paint). `from desktop_app.engine import Engine` works
as before.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_SOURCES = {
    "DownloadPolicy": "download",
    "safe_filename": "download",
    "Engine": "engine",
    "EngineConfig": "engine",
    "Goal": "status",
    "DiskFullError": "errors",
    "ExportExpiredError": "errors",
    "ExportFailedError": "errors",
    "FolderNotWritableError": "errors",
    "LocalStorageError": "errors",
    "UnexpectedError": "errors",
    "STOP_MESSAGE": "events",
    "JobCreated": "events",
    "JobDone": "events",
    "JobDownload": "events",
    "JobError": "events",
    "JobProgress": "events",
    "JobState": "events",
    "JobStatus": "status",
    "JobWarning": "events",
    "package_name": "names",
    "PollPolicy": "polling",
    "next_interval": "polling",
    "Job": "store",
    "JobStore": "store",
    "verify_package": "verify",
}
"""Public name -> the submodule that defines it."""

__all__ = sorted(_SOURCES)


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:  # also how `from desktop_app.engine import store` finds submodules
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{source}"), name)
    globals()[name] = value  # once loaded, a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SOURCES))


if TYPE_CHECKING:  # for type checkers and for PyInstaller's import scan
    from desktop_app.engine.download import DownloadPolicy, safe_filename
    from desktop_app.engine.engine import Engine, EngineConfig
    from desktop_app.engine.errors import (
        DiskFullError,
        ExportExpiredError,
        ExportFailedError,
        FolderNotWritableError,
        LocalStorageError,
        UnexpectedError,
    )
    from desktop_app.engine.events import (
        STOP_MESSAGE,
        JobCreated,
        JobDone,
        JobDownload,
        JobError,
        JobProgress,
        JobState,
        JobStatus,
        JobWarning,
    )
    from desktop_app.engine.names import package_name
    from desktop_app.engine.polling import PollPolicy, next_interval
    from desktop_app.engine.status import Goal
    from desktop_app.engine.store import Job, JobStore
    from desktop_app.engine.verify import verify_package
