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


class StoreError(LocalStorageError):
    """The job store cannot be opened, read or written: a full disk, another program's
    lock, a file that is not a store, one written by a newer version of the app. A
    LocalStorageError, so the CLI exits 1 and the GUI shows it like any other error."""


class UnexpectedError(CanvasError):
    """A bug in this app, not a Canvas problem: the job is kept so it can be resumed."""
