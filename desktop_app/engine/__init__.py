"""Export jobs without Qt: create -> poll -> download -> verify, recorded in SQLite.

Public API (see each module's docstring for the why):

* `Engine`, `EngineConfig` (engine.py): runs jobs as asyncio tasks; per-site limits
  changeable while jobs run (`Engine.set_max_concurrent`, limits.py);
* `JobStore`, `Job` (store.py): the SQLite job store;
* events (events.py): `JobCreated`, `JobState`, `JobProgress`, `JobDownload`, `JobDone`,
  `JobError`, `JobWarning`, and `JobStatus`;
* errors (errors.py): `ExportFailedError`, `ExportExpiredError`, `LocalStorageError`
  (`DiskFullError`, `FolderNotWritableError`), `UnexpectedError`;
* helpers: `safe_filename`, `verify_package`, `PollPolicy`/`next_interval`,
  `default_dest_dir` (folders.py: the app's folder per site and course).
"""

from desktop_app.engine.download import DownloadPolicy, safe_filename
from desktop_app.engine.engine import GOAL_CREATED, GOAL_EXPORTED, GOAL_SAVED, Engine, EngineConfig
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
from desktop_app.engine.polling import PollPolicy, next_interval
from desktop_app.engine.store import Job, JobStore
from desktop_app.engine.verify import verify_package

__all__ = [
    "GOAL_CREATED", "GOAL_EXPORTED", "GOAL_SAVED", "STOP_MESSAGE",
    "DiskFullError", "DownloadPolicy", "Engine", "EngineConfig", "ExportExpiredError", "ExportFailedError",
    "FolderNotWritableError", "Job", "JobCreated", "JobDone", "JobDownload", "JobError", "JobProgress",
    "JobState", "JobStatus", "JobStore", "JobWarning", "LocalStorageError", "PollPolicy", "UnexpectedError",
    "next_interval", "safe_filename", "verify_package",
]
