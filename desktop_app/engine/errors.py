"""Errors the engine adds to the client's CanvasError tree.

They subclass CanvasError so a JobError always carries one type the UI and the CLI
already know how to show (a sentence in `message`, facts in `detail`).
"""

from __future__ import annotations

from desktop_app.canvas.errors import CanvasError


class ExportFailedError(CanvasError):
    """Canvas ended the export in `failed` (or `deleted`). The API never says why."""


class ExportExpiredError(CanvasError):
    """Canvas finished the export but no longer offers its package (30 days by default)."""


class LocalStorageError(CanvasError):
    """The package cannot be written on this computer; the job stays resumable."""


class DiskFullError(LocalStorageError):
    """No space left (or a file-size limit) while writing the package."""


class FolderNotWritableError(LocalStorageError):
    """The download folder is read-only, not a folder, or not ours to write."""


class UnexpectedError(CanvasError):
    """A bug in this app, not a Canvas problem: the job is kept so it can be resumed."""


class JobBusyError(CanvasError):
    """Another process (a second app, a cron `resume`) is working on this job right now;
    this one leaves it alone rather than create or download a second time."""


class UnsafeFolderError(LocalStorageError):
    """The download folder holds something unexpected where the package is written (a
    link, a device, a folder): nothing is written, so no byte outside the folder changes."""
