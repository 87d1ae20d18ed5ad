"""Saving a package: safe names, `.part` files, resume, fsync, atomic no-overwrite rename.

The rules, and why:

* The name comes from `attachment.display_name`, which any course author controls, so it
  is sanitised: no path separators or `..` (it must not leave the chosen folder), no
  control characters, no Windows-reserved names or trailing dots/spaces (the file must
  open on every OS), at most 200 UTF-8 bytes with the extension kept.
* Bytes go into `NAME.EXPORTID.part` next to the final file. The export id in the name
  makes the part file belong to one export, so a resumed download never appends bytes of
  another package, even if the job store was lost.
* Each attempt asks `client.open_package(url, start=part_size)`, which resolves the
  redirect chain anew (signed URLs expire). 206 appends; 200 means the host ignored the
  Range, so the part file starts over. A dropped connection is retried with backoff; the
  bound counts attempts *without progress*, so a flaky link that still moves forward
  completes.
* Writes happen in a worker thread (the event loop never waits on the disk), 1 MiB at a
  time (in 32 KiB write calls, see WRITE_SIZE), while the next MiB downloads; memory
  stays flat whatever the package size.
* When complete: flush and fsync, verify (see verify.py), then move to the final name
  without ever overwriting an existing file (`name (2).imscc`): a hard link is atomic and
  fails if the name exists; where links are not supported, a checked `os.replace`.
  Nothing broken or partial ever appears under the final name.
* A full disk or a read-only folder becomes a `LocalStorageError` with a sentence a
  person can act on; the `.part` stays so the job can resume.
"""

from __future__ import annotations

import asyncio
import errno
import os
import random
import re
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Protocol

import httpx

from desktop_app.canvas.errors import (
    CanvasError,
    LoginPageError,
    PackageError,
    ServerError,
    SizeMismatchError,
    UnreachableError,
)
from desktop_app.canvas.text import BIDI_CONTROLS
from desktop_app.engine.errors import DiskFullError, FolderNotWritableError, LocalStorageError

__all__ = [
    "CHUNK_SIZE", "DiskFullError", "DownloadPolicy", "DownloadResult", "FolderNotWritableError",
    "LocalStorageError", "commit_part", "download_to_part", "numbered", "part_path_for",
    "safe_filename", "storage_error",
]

CHUNK_SIZE = 1 << 20
MAX_NAME_BYTES = 200

# ---------------------------------------------------------------------------- errors


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


# ---------------------------------------------------------------------------- names

_PORT_NUMBERS = [str(i) for i in range(10)] + ["\u00b9", "\u00b2", "\u00b3"]  # Windows reads COM¹ as COM1
_WINDOWS_RESERVED = (
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{n}" for n in _PORT_NUMBERS}
    | {f"LPT{n}" for n in _PORT_NUMBERS}
)
_BAD_CHARS = re.compile('[\x00-\x1f\x7f-\x9f<>:"/\\\\|?*\ud800-\udfff]')  # controls, separators, lone surrogates
_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")  # "exe.pdf" shown as "fdp.exe": dropped
_EXTENSION = re.compile(r"(\.[A-Za-z0-9]{1,10})$")


def _truncate_utf8(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` UTF-8 bytes without splitting a character."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore")


def safe_filename(display_name: str, fallback: str = "export.zip") -> str:
    """A file name that stays inside its folder and opens on Linux, macOS and Windows."""
    name = _BAD_CHARS.sub("_", display_name or "")
    name = _BIDI.sub("", unicodedata.normalize("NFC", name))
    name = name.strip().strip(". ").lstrip(".")  # no hidden files, no "..", no trailing dots
    if not name or set(name) <= {"_", ".", " "}:
        name = fallback
    match = _EXTENSION.search(name)
    ext = match.group(1) if match and match.start() > 0 else ""
    stem = name[: len(name) - len(ext)] if ext else name
    if stem.split(".")[0].strip().upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    stem = _truncate_utf8(stem, MAX_NAME_BYTES - len(ext.encode("utf-8"))).rstrip(". ")
    if not stem:
        stem = "export"
    return stem + ext


def part_path_for(dest_dir: Path, name: str, export_id: int) -> Path:
    return dest_dir / f"{name}.{export_id}.part"


def numbered(name: str, n: int) -> str:
    """`name (n).ext` for n >= 2, the extension kept (`.imscc`, `.zip`)."""
    if n < 2:
        return name
    match = _EXTENSION.search(name)
    ext = match.group(1) if match and match.start() > 0 else ""
    stem = name[: len(name) - len(ext)] if ext else name
    return f"{stem} ({n}){ext}"


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not possible on every OS / file system; the rename itself is atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def commit_part(part: Path, dest_dir: Path, name: str, *, max_tries: int = 1000) -> Path:
    """Move a verified `.part` to `dest_dir/name`, or `name (2)`, ... never overwriting.

    Blocking (runs in a worker thread). Raises LocalStorageError on file-system errors.
    """
    for n in range(1, max_tries + 1):
        final = dest_dir / numbered(name, n)
        try:
            os.link(part, final)  # atomic, and fails when `final` exists
        except FileExistsError:
            continue
        except OSError as err:
            if err.errno in _DISK_FULL or err.errno in {errno.EROFS, errno.EACCES}:
                raise storage_error(err, dest_dir) from err
            # No hard links here (FAT, some network shares): a checked replace instead.
            if final.exists():
                continue
            try:
                os.replace(part, final)
            except OSError as err2:
                raise storage_error(err2, dest_dir) from err2
            _fsync_dir(dest_dir)
            return final
        try:
            os.unlink(part)
        except OSError:
            pass  # the package is safe under its final name; a leftover link is harmless
        _fsync_dir(dest_dir)
        return final
    raise LocalStorageError(f"Too many files named like {name} in {dest_dir}.")


# ---------------------------------------------------------------------------- streaming


class PackageResponse(Protocol):
    status: int
    resumed: bool
    total_size: int | None
    content_type: str

    def aiter_bytes(self, chunk_size: int = CHUNK_SIZE) -> Any: ...


class PackageOpener(Protocol):
    def open_package(self, url: str, *, start: int = 0) -> Any: ...


@dataclass(frozen=True)
class DownloadPolicy:
    max_stalled_attempts: int = 6
    """Consecutive attempts that bring no new byte before giving up."""
    max_attempts: int = 200
    """Hard bound on attempts for one download, whatever the progress."""
    base_delay: float = 0.5
    max_delay: float = 20.0
    chunk_size: int = CHUNK_SIZE
    """Bytes gathered before one hand-over to the writing thread (also the most asked
    of the network at once; a dropped connection loses nothing that arrived)."""
    flush_interval: float = 1.0
    """On a slow link, write at least this often (seconds), so a crash loses little."""

    def delay(self, stalled: int, rng: Callable[[], float] = random.random) -> float:
        """Backoff before the next attempt: exponential in the stalled count, full jitter
        on the upper half so many downloads do not reconnect in lockstep."""
        cap = min(self.max_delay, self.base_delay * (2 ** max(0, stalled - 1)))
        return cap / 2 + rng() * cap / 2


_TRANSIENT = (httpx.TransportError, UnreachableError, ServerError, ConnectionError, asyncio.TimeoutError)


@dataclass(frozen=True)
class DownloadResult:
    path: Path
    size: int
    attempts: int
    resumed: bool  # some bytes came from an earlier attempt or an earlier run


def _open_part(part: Path) -> int:
    return os.open(part, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)


WRITE_SIZE = 32 * 1024
"""Bytes per write() call. Blocks are gathered to 1 MiB for the thread hop, but handed to
the kernel in 32 KiB pieces. Measured on the benchmark VM (Linux 6.18, ext4), writing
1 GiB right after another program had written one: 1 MiB writes ran at ~400 MiB/s,
64 KiB at ~530, 32 KiB at ~690, 16 KiB at ~620 (medians of 8). Larger writes make the
page cache allocate larger folios, which is slow when the free memory at hand is in
small pieces; smaller writes cost more calls. 32 calls per MiB cost nothing measurable."""


def _write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view[:WRITE_SIZE])
        view = view[written:]


def _write_block(fd: int, pieces: list[bytes | bytearray]) -> None:
    """Join the network pieces here, in the worker thread, then write them at once."""
    _write_all(fd, pieces[0] if len(pieces) == 1 else b"".join(pieces))


def _sync_close(fd: int) -> None:
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _PartWriter:
    """Appends blocks to the `.part` in a worker thread *while the next block downloads*.

    Waiting for each write before reading on (as a plain `await to_thread(write)` does)
    leaves the network idle during every write and the disk idle during every read: at
    loopback speeds that halved throughput (tests/benchmarks/bench_download.py). At most
    one write is in flight, so memory stays at about two blocks; the event loop still
    never waits on the disk."""

    def __init__(self, fd: int, folder: Path, have: int) -> None:
        self.fd = fd
        self.folder = folder
        self.written = have
        """Bytes in the file (writes that have completed)."""
        self._pending: asyncio.Future[None] | None = None
        self._pending_size = 0

    @property
    def accepted(self) -> int:
        """Bytes in the file or on their way to it."""
        return self.written + (self._pending_size if self._pending is not None else 0)

    async def write(self, pieces: list[bytes | bytearray], size: int) -> int:
        """Start appending `pieces` (`size` bytes) once the previous write is done;
        returns the bytes written so far."""
        await self.drain()
        if pieces:
            self._pending = asyncio.ensure_future(asyncio.to_thread(_write_block, self.fd, pieces))
            self._pending_size = size
        return self.written

    async def drain(self) -> int:
        """Wait for the write in flight. If we are cancelled meanwhile, the write stays
        recorded as pending, so the caller's cleanup waits for it before closing the fd."""
        pending = self._pending
        if pending is not None:
            try:
                await asyncio.shield(pending)
            except OSError as err:
                self._pending = None
                raise storage_error(err, self.folder) from err
            self._pending = None
            self.written += self._pending_size
        return self.written


def _truncate(part: Path) -> None:
    with open(part, "wb"):
        pass


async def download_to_part(
    client: PackageOpener,
    url: str,
    part: Path,
    *,
    expected_size: int | None,
    on_bytes: Callable[[int, int | None], None] | None = None,
    policy: DownloadPolicy = DownloadPolicy(),
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> DownloadResult:
    """Stream `url` into `part`, resuming what is already there; fsync when complete.

    Returns when the part holds `expected_size` bytes (or the whole body when the size is
    unknown). Raises LocalStorageError (disk), a CanvasError from the client (login page,
    auth, ...), SizeMismatchError when the host keeps sending more than announced, or the
    last transient error after the retry bounds.
    """
    folder = part.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        have = part.stat().st_size if part.exists() else 0
    except OSError as err:
        raise storage_error(err, folder) from err
    if expected_size and have > expected_size:
        await asyncio.to_thread(_truncate, part)  # not this package's bytes: start over
        have = 0
    resumed_any = have > 0
    stalled = 0
    attempts = 0
    last_error: BaseException | None = None
    while True:
        if expected_size and have == expected_size:
            break
        attempts += 1
        if attempts > policy.max_attempts:
            raise UnreachableError(
                "The download keeps breaking off; the part saved so far is kept. Try again later.",
                detail=repr(last_error),
            )
        before = have
        try:
            async with client.open_package(url, start=have) as response:
                if have and response.status != 206:
                    await asyncio.to_thread(_truncate, part)  # Range ignored: restart from zero
                    have = before = 0
                    resumed_any = False
                total = expected_size or response.total_size  # whole package, also on a 206
                if on_bytes:
                    on_bytes(have, total)
                try:
                    fd = await asyncio.to_thread(_open_part, part)
                except OSError as err:
                    raise storage_error(err, folder) from err
                # Take the pieces as the network delivers them (up to 1 MiB each from a
                # direct hop, 64 KiB from httpx; nothing that arrived is lost when the
                # connection breaks), write in 1 MiB blocks (so the thread hop stays
                # cheap), the next block downloading while the last one is written.
                writer = _PartWriter(fd, folder, have)
                pieces: list[bytes | bytearray] = []
                held = 0
                flushed_at = time.monotonic()
                try:
                    async for chunk in response.aiter_bytes(policy.chunk_size):
                        if not chunk:
                            continue
                        if expected_size and writer.accepted + held + len(chunk) > expected_size:
                            raise SizeMismatchError(
                                f"Canvas sent more than the {expected_size} bytes it announced for this package.",
                                detail=f"got at least {writer.accepted + held + len(chunk)} bytes",
                            )
                        pieces.append(chunk)
                        held += len(chunk)
                        now = time.monotonic()
                        if held >= policy.chunk_size or now - flushed_at >= policy.flush_interval:
                            flushed_at = now
                            block, size = pieces, held
                            pieces, held = [], 0
                            have = await writer.write(block, size)
                            if on_bytes:
                                on_bytes(have, total)
                finally:
                    # Keep whatever arrived, even when the connection broke or we are cancelled.
                    try:
                        try:
                            await writer.write(pieces, held)
                            have = await writer.drain()
                        finally:
                            await asyncio.to_thread(_sync_close, fd)
                    except OSError as err:
                        raise storage_error(err, folder) from err
                if on_bytes:
                    on_bytes(have, total)
            if not expected_size:
                break  # size unknown: a clean end of body is the end
            if have < expected_size:
                raise UnreachableError("The download ended early.", detail=f"{have} of {expected_size} bytes")
        except PackageError as err:
            # The host answered a Range with the wrong part: the client says start over.
            if isinstance(err, (LoginPageError, SizeMismatchError)) or err.status != 206 or have == 0:
                raise
            last_error = err
            await asyncio.to_thread(_truncate, part)
            have = 0
            resumed_any = False
            stalled += 1
            if stalled >= policy.max_stalled_attempts:
                raise
        except _TRANSIENT as err:
            last_error = err
            stalled = 0 if have > before else stalled + 1
            if stalled >= policy.max_stalled_attempts:
                if isinstance(err, CanvasError):
                    raise
                raise UnreachableError(
                    "The download kept failing; the part saved so far is kept. Try again later.",
                    detail=type(err).__name__,
                ) from err
            await sleep(policy.delay(stalled))
    return DownloadResult(path=part, size=have, attempts=attempts, resumed=resumed_any)
