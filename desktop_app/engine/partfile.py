"""The `.part` file of one export: opened without following links, locked, committed by inode.

The download folder is not ours alone. It may be shared (a department drive, a folder
other accounts write to), and a second process may save the same export into it (two
`canvas-exports download` runs with different job stores, the app and a script). So:

* **Opened safely.** `O_NOFOLLOW` (a symlink planted at the `.part` name is refused, never
  followed), `O_CREAT | O_EXCL` when new, then `fstat`: it must be a regular file with
  one link (a hard link to a file elsewhere would let us change that file). Anything
  else is an `UnsafeFolderError` and nothing is written.
* **Locked.** An exclusive OS lock (`flock`, `msvcrt.locking` on Windows) is held from
  the first byte until the package is committed. A second process that opens the same
  `.part` waits for it; when it gets the lock and finds the `.part` gone, it looks for
  the same file (same inode) under a final name in the folder: that is where the first
  process saved it, and both report the same path.
* **Committed by inode.** The final name is linked to the open file itself
  (`/proc/self/fd/N` on Linux), so the file that gets the final name is the one we wrote
  and verified, whatever the `.part` name points at by then. Elsewhere the name is
  checked to be still ours just before the link. An existing file is never overwritten
  (`name (2).imscc`).
"""

from __future__ import annotations

import asyncio
import errno
import functools
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, cast

from desktop_app.engine.errors import LocalStorageError, UnsafeFolderError, storage_error

LOCK_POLL_INTERVAL = 0.5
"""Seconds between tries for the lock of a `.part` another process writes. The wait can
last a whole download, so it polls (cancellable at once) rather than block a thread."""
MAX_REOPENS = 5
"""Times the `.part` is opened again after another process removed it (it gave up, or
deleted a bad package) before we give up ourselves: each one means a full download went
on elsewhere, so more would only hide a fight between processes."""
REJECTED_SUFFIX = ".rejected"
"""`NAME.EXPORTID.rejected`: a package that failed verification, kept for inspection."""
MAX_NUMBERED = 1000
"""`name (2)` ... `name (1000)`: then the folder is full of copies and we say so."""

_WINDOWS = sys.platform == "win32"
_SYNC_FILE_RANGE_WRITE = 2
"""From <fcntl.h>: start writeback of the range's dirty pages, do not wait for it."""
_OPEN_FLAGS = (
    os.O_WRONLY
    | os.O_APPEND
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO planted at the name must not hang us (no effect on files)
)


def numbered(name: str, n: int) -> str:
    """`name (n).ext` for n >= 2, the extension kept (`.imscc`, `.zip`)."""
    if n < 2:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or not (1 <= len(ext) <= 10 and ext.isascii() and ext.isalnum()):
        return f"{name} ({n})"
    return f"{stem} ({n}).{ext}"


@dataclass(frozen=True)
class AlreadySaved:
    """Another process saved this export into the folder while we waited for its lock."""

    path: Path


class PartFile:
    """An open, locked `.part`. Writes append (`O_APPEND`); close it (or use `with`)."""

    def __init__(self, path: Path, fd: int, created: bool) -> None:
        self.path = path
        self.fd = fd
        self.created = created
        """We made the file (it did not exist): ours to remove if nothing gets into it."""
        self._locked = False

    def __enter__(self) -> "PartFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def folder(self) -> Path:
        return self.path.parent

    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def truncate(self) -> None:
        """Start over (the host ignored `Range`, or the bytes are not this package's)."""
        os.ftruncate(self.fd, 0)

    def fsync(self) -> None:
        os.fsync(self.fd)

    def start_writeback(self, start: int, length: int) -> None:
        """Ask the kernel to start writing these bytes to disk now, without waiting for
        it (Linux `sync_file_range(SYNC_FILE_RANGE_WRITE)`), so that the fsync before the
        commit finds little left to write. Only a hint: elsewhere, or when it fails,
        nothing happens and that fsync writes everything, as it always must."""
        sync_file_range = _sync_file_range()
        if sync_file_range is not None:
            sync_file_range(self.fd, start, length, _SYNC_FILE_RANGE_WRITE)

    def try_lock(self) -> bool:
        if not self._locked:
            self._locked = _try_lock(self.fd)
        return self._locked

    def is_still_named(self) -> bool:
        """Does the `.part` name still lead to this very file (not a link, not another file)?"""
        try:
            named = os.lstat(self.path)
            if self.fd < 0:  # closed for a Windows rename: the name is all there is to check
                return stat.S_ISREG(named.st_mode)
            mine = os.fstat(self.fd)
        except OSError:
            return False
        return stat.S_ISREG(named.st_mode) and (named.st_dev, named.st_ino) == (mine.st_dev, mine.st_ino)

    @property
    def read_path(self) -> Path:
        """A path that opens this very file for reading (verification), even if somebody
        renamed or replaced the `.part` name meanwhile."""
        proc = Path(f"/proc/self/fd/{self.fd}")
        return proc if proc.exists() else self.path

    def discard_if_empty(self) -> None:
        """Remove a `.part` we created and never wrote to (nothing to resume from)."""
        try:
            if self.created and self.size() == 0 and self.is_still_named():
                os.unlink(self.path)
        except OSError:
            pass

    def discard(self) -> None:
        """Remove the `.part` name if it is still ours (a bad package: never resume from it)."""
        try:
            if self.is_still_named():
                os.unlink(self.path)
        except OSError:
            pass

    def set_aside(self) -> Path | None:
        """Keep a package that failed verification for inspection, as `….rejected`
        beside it (replacing an older one of the same export): never resumed from, so
        a later run downloads afresh. Returns the new path, or None if the name was
        no longer ours."""
        rejected = self.path.with_suffix(REJECTED_SUFFIX)
        try:
            if self.is_still_named():
                os.replace(self.path, rejected)  # replaces a name, never writes through a link
                return rejected
        except OSError:
            pass
        return None

    def close(self) -> None:
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            os.close(fd)  # also releases the lock


@functools.cache
def _sync_file_range() -> Callable[[int, int, int, int], int] | None:
    """libc's `sync_file_range` on Linux (CPython's `os` has no binding for it), or None.
    ctypes is imported here, on the first block written, not at every start."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        function = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
    function.restype = ctypes.c_int
    return cast(Callable[[int, int, int, int], int], function)


# ---------------------------------------------------------------------------- opening


def open_part(path: Path) -> PartFile:
    """Open (or create) the `.part` safely; not yet locked. Blocking."""
    created = False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise storage_error(err, path.parent) from err
    try:
        fd = os.open(path, _OPEN_FLAGS | os.O_CREAT | os.O_EXCL, 0o644)
        created = True
    except FileExistsError:
        try:
            fd = os.open(path, _OPEN_FLAGS)
        except OSError as err:
            raise _unsafe_or_storage(err, path) from err
    except OSError as err:
        raise _unsafe_or_storage(err, path) from err
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise _unsafe(path, "not a regular file")
    return PartFile(path, fd, created)


def _unsafe(path: Path, what: str) -> UnsafeFolderError:
    return UnsafeFolderError(
        f"The download folder {path.parent} holds something unexpected where the package is written "
        f"({path.name} is {what}). Nothing was written. Remove it, or choose another folder, then resume.",
        detail=what,
    )


def _unsafe_or_storage(err: OSError, path: Path) -> LocalStorageError:
    if err.errno in (errno.ELOOP, errno.EMLINK):  # O_NOFOLLOW met a symlink (EMLINK on FreeBSD)
        return _unsafe(path, "a symbolic link")
    if err.errno == errno.EISDIR:
        return _unsafe(path, "a folder")
    if err.errno == errno.ENXIO:  # O_NONBLOCK met a FIFO with no reader (or a socket)
        return _unsafe(path, "not a regular file")
    return storage_error(err, path.parent)


async def claim_part(path: Path, name: str, *, on_wait: Callable[[], None] | None = None) -> PartFile | AlreadySaved:
    """Open and lock the `.part` of the package to be saved as `name`; while another
    process holds it, wait.

    Returns the locked PartFile, or AlreadySaved when this very file already has a final
    name (`name` or `name (n)`) in the folder: the process we waited for saved it, or
    an earlier run of ours was killed between the link and dropping the `.part` name.
    The caller verifies that file before it believes it. Raises UnsafeFolderError or a
    LocalStorageError.
    """
    told = False
    for _ in range(MAX_REOPENS):
        part = await asyncio.to_thread(open_part, path)
        try:
            while not part.try_lock():
                if on_wait is not None and not told:
                    told = True
                    on_wait()
                await asyncio.sleep(LOCK_POLL_INTERVAL)
            named = part.is_still_named()
            if named and os.fstat(part.fd).st_nlink == 1:
                return part
            saved = _final_name_of(part, name)
            if saved is not None:
                if named:
                    part.discard()  # a leftover name of a committed package
                part.close()
                return AlreadySaved(saved)
            if named:  # linked to a file elsewhere: writing would change that file
                raise _unsafe(path, "a hard link to another file")
        except BaseException:
            part.close()
            raise
        part.close()  # the holder removed it (a bad package, or it gave up): open it anew
    raise LocalStorageError(
        f"Another program keeps removing {path.name} in {path.parent} while this one waits to write it. "
        f"Try again once it has finished."
    )


def _final_name_of(part: PartFile, name: str) -> Path | None:
    """The final name (`name` or `name (n)`) this very file has in its folder, if any."""
    mine = os.fstat(part.fd)
    try:
        entries = list(os.scandir(part.folder))
    except OSError:
        return None
    for entry in entries:
        if not _is_copy_name(entry.name, name):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.inode() == mine.st_ino:
                if entry.stat(follow_symlinks=False).st_dev == mine.st_dev:
                    return Path(entry.path)
        except OSError:
            continue
    return None


def _is_copy_name(candidate: str, name: str) -> bool:
    """Is `candidate` `name` itself or `numbered(name, n)` for some n >= 2?"""
    if candidate == name:
        return True
    plain = numbered(name, 2)  # "stem (2).ext": the shape of every copy's name
    head, tail = plain.split(" (2)", 1)
    if not (candidate.startswith(head + " (") and candidate.endswith(")" + tail)):
        return False
    digits = candidate[len(head) + 2 : len(candidate) - len(tail) - 1]
    return digits.isdigit() and digits.isascii() and int(digits) >= 2 and not digits.startswith("0")


# ---------------------------------------------------------------------------- commit


def commit_part(part: PartFile, dest_dir: Path, name: str) -> Path:
    """Give the verified `.part` its final name `dest_dir/name` (or `name (2)`, ...),
    never overwriting and never following a link, then drop the `.part` name. Blocking.
    Raises LocalStorageError on file-system errors."""
    if _WINDOWS:  # pragma: no cover - Windows renames no open file; lock gone from here
        part.close()
    for n in range(1, MAX_NUMBERED + 1):
        final = dest_dir / numbered(name, n)
        try:
            _link(part, final)
        except FileExistsError:
            continue
        except _NoHardLinks:
            if os.path.lexists(final):
                continue
            if not _WINDOWS and not part.is_still_named():
                raise _unsafe(part.path, "no longer the file this app wrote") from None
            try:
                os.replace(part.path, final)
            except OSError as err:
                raise storage_error(err, dest_dir) from err
            _fsync_dir(dest_dir)
            return final
        except OSError as err:
            raise storage_error(err, dest_dir) from err
        part.discard()  # the package is safe under its final name; only our own name goes
        _fsync_dir(dest_dir)
        return final
    raise LocalStorageError(f"Too many files named like {name} in {dest_dir}.")


class _NoHardLinks(Exception):
    """The file system has no hard links (FAT, some network shares)."""


def _link(part: PartFile, final: Path) -> None:
    """Link the open file itself to `final`; FileExistsError when the name is taken."""
    if part.fd >= 0 and _link_by_fd(part.fd, final):
        return
    if not _WINDOWS and not part.is_still_named():
        raise _unsafe(part.path, "no longer the file this app wrote")
    try:
        if _WINDOWS:  # pragma: no cover - no symlink-following question for os.link there
            os.link(part.path, final)
        else:
            os.link(part.path, final, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError as err:
        if err.errno in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK) or _WINDOWS:
            raise _NoHardLinks() from err
        raise


def _link_by_fd(fd: int, final: Path) -> bool:
    """Linux: link the open file itself, `linkat(/proc/self/fd, "N", final,
    AT_SYMLINK_FOLLOW)`; False where that is not possible (no /proc, another OS).
    A directory fd is passed on purpose: without one, CPython calls plain `link()`,
    which would link the /proc entry rather than follow it to our file."""
    try:
        proc = os.open("/proc/self/fd", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return False
    try:
        os.link(str(fd), final, src_dir_fd=proc, follow_symlinks=True)
    except FileExistsError:
        raise
    except (OSError, NotImplementedError):
        return False
    finally:
        os.close(proc)
    return True


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not possible on every OS / file system; the link itself is atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------- locks


def _try_lock(fd: int) -> bool:
    """An exclusive, non-blocking lock on the whole file; False when another holds it."""
    if _WINDOWS:  # pragma: no cover - Windows only
        import msvcrt

        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
