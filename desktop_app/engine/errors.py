"""Errors the engine adds to the client's CanvasError tree.

They subclass CanvasError so a JobError always carries one type the UI and the CLI
already know how to show (a sentence in `message`, facts in `detail`).
"""

from __future__ import annotations

import errno
from pathlib import Path

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


class JobBusyError(CanvasError):
    """Another process (a second app, a cron `resume`) is working on this job right now;
    this one leaves it alone rather than create or download a second time."""


class UnsafeFolderError(LocalStorageError):
    """The download folder holds something unexpected where the package is written (a
    link, a device, a folder): nothing is written, so no byte outside the folder changes."""


_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.ENOENT, errno.EISDIR}


def storage_error(err: OSError, folder: Path) -> LocalStorageError:
    """Translate an OSError from the file system into a message a person can act on."""
    if err.errno in _DISK_FULL:
        return DiskFullError(
            f"Not enough space to save the package in {folder}. Free some space (or choose "
            f"another folder) and resume: the part already downloaded is kept.",
            detail=f"{errno.errorcode.get(err.errno or 0, err.errno)}: {err.strerror}",
        )
    if err.errno in _NOT_WRITABLE:
        return FolderNotWritableError(
            f"Cannot write to the folder {folder} (it is read-only, missing or not a folder). "
            f"Choose another folder or fix its permissions, then resume.",
            detail=f"{errno.errorcode.get(err.errno or 0, err.errno)}: {err.strerror}",
        )
    return LocalStorageError(
        f"Cannot save the package in {folder}: {err.strerror or err}. Fix this, then resume.",
        detail=f"errno {err.errno}",
    )
