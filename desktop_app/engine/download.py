"""Saving a package: safe names, a locked `.part`, resume, bounded retries, SHA-256 on write.

The rules, and why:

* The name comes from `attachment.display_name`, which any course author controls, so it
  is sanitised: no path separators or `..` (it must not leave the chosen folder), no
  control characters, no Windows-reserved names or trailing dots/spaces (the file must
  open on every OS), at most 200 UTF-8 bytes with the extension kept.
* Bytes go into `NAME.EXPORTID.part` next to the final file, opened, locked and
  committed by partfile.py (no link followed, one writer across processes). The export
  id in the name makes the part file belong to one export, so a resumed download never
  appends bytes of another package, even if the job store was lost.
* Each attempt asks `client.open_package(url, start=part_size)`, which resolves the
  redirect chain anew (signed URLs expire). 206 appends; 200 means the host ignored the
  Range, so the part file starts over, at most MAX_RESTARTS_FROM_ZERO times. A dropped
  connection is retried with backoff; the bound counts attempts *without progress*, so
  a flaky link that still moves forward completes.
* Nothing is written that cannot fit: the free space is checked against the announced
  size first, and a package whose size Canvas does not announce stops at
  `DownloadPolicy.max_unannounced_size`.
* Writes happen in a worker thread (the event loop never waits on the disk), in blocks of
  4 MiB (CHUNK_SIZE, in 256 KiB write calls, see WRITE_SIZE) queued to it while the next
  ones download; a second worker thread feeds the same blocks to SHA-256 meanwhile, so
  the digest is ready when the last byte lands (a resumed download hashes the bytes it
  already had once, first). Up to MAX_IN_FLIGHT bytes wait for the two threads.
  The writing thread also computes the CRC-32 of each stored or deflated zip entry as its
  bytes go by (zipcheck.StreamedEntries), so verification need not read them back.
  Every WRITEBACK_STEP bytes the kernel is asked to start writing the part to disk, so
  the final fsync has little left to do. Memory stays flat whatever the package size.
* A full disk or a read-only folder becomes a `LocalStorageError` with a sentence a
  person can act on; the `.part` stays so the job can resume.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import os
import random
import re
import shutil
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Protocol, TypeVar, cast

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
from desktop_app.engine.errors import DiskFullError, FolderNotWritableError, LocalStorageError, storage_error
from desktop_app.engine.partfile import PartFile
from desktop_app.engine.zipcheck import StreamedEntries
from desktop_app.sizes import human_size

__all__ = [
    "CHUNK_SIZE",
    "DiskFullError",
    "DownloadPolicy",
    "DownloadResult",
    "FolderNotWritableError",
    "LocalStorageError",
    "Retrying",
    "download_to_part",
    "fsync_alongside",
    "fsync_part",
    "part_path_for",
    "safe_filename",
    "storage_error",
]

_T = TypeVar("_T")

CHUNK_SIZE = 4 << 20
"""Bytes gathered from the network before one hand-over to the writing and hashing
threads (two thread jobs and a few event-loop callbacks each: 256 per GiB). When each
hand-over waited for both threads to finish the last block, larger blocks kept the
threads busier (1 GiB end to end, medians of 5: 1 MiB 2.01 s, 2 MiB 1.63 s, 4 MiB
1.56 s); with blocks queued (MAX_IN_FLIGHT), 1 MiB and 4 MiB measured alike within the
noise, 4 MiB with a little less CPU (1.61 and 1.47 s in one alternating run of 5)."""
MAX_NAME_BYTES = 200
MAX_RESTARTS_FROM_ZERO = 3
"""Times one download may start over from byte 0 because the host ignored `Range` (or
sent the wrong part). A host that ignores Range *and* breaks off would otherwise restart
for ever while each restart counts as progress; after this the job stops, resumable."""
MAX_UNANNOUNCED_SIZE = 50 * 1024**3
"""Default ceiling for a package whose size Canvas does not announce (`attachment.size`
0 or missing): without it a lying host fills the disk. Far above any real export."""

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
    max_restarts_from_zero: int = MAX_RESTARTS_FROM_ZERO
    max_unannounced_size: int = MAX_UNANNOUNCED_SIZE
    base_delay: float = 0.5
    max_delay: float = 20.0
    chunk_size: int = CHUNK_SIZE
    """Bytes gathered before one hand-over to the writing thread (a dropped connection
    loses nothing that arrived: what was gathered is written)."""
    flush_interval: float = 1.0
    """On a slow link, write at least this often (seconds), so a crash loses little."""

    def delay(self, stalled: int, rng: Callable[[], float] = random.random) -> float:
        """Backoff before the next attempt: exponential in the stalled count, full jitter
        on the upper half so many downloads do not reconnect in lockstep."""
        cap = min(self.max_delay, self.base_delay * (2.0 ** max(0, stalled - 1)))
        return cap / 2 + rng() * cap / 2


_TRANSIENT = (httpx.TransportError, UnreachableError, ServerError, ConnectionError, asyncio.TimeoutError)


@dataclass(frozen=True)
class DownloadResult:
    path: Path
    size: int
    attempts: int
    resumed: bool  # some bytes came from an earlier attempt or an earlier run
    sha256: str
    """Of the whole file, computed as it was written."""
    streamed: StreamedEntries
    """The zip entries' CRCs, computed as the whole file was written."""


@dataclass(frozen=True)
class _Checks:
    """What is computed from the part's bytes in order, from byte 0, as they are written."""

    digest: Any  # hashlib's SHA-256 state (hashlib exports no type for it)
    streamed: StreamedEntries

    @classmethod
    def fresh(cls, package_size: int | None) -> "_Checks":
        return cls(hashlib.sha256(), StreamedEntries(package_size))


WRITE_SIZE = 256 * 1024
"""Bytes per write() call. An earlier measurement on the benchmark VM (writing 1 GiB right
after another program had written one) found 1 MiB writes at ~400 MiB/s and 32 KiB at
~690, blamed on large page-cache folios when free memory is in small pieces, and wrote
in 32 KiB. Measured again (Linux 6.18, ext4, 18 GB free; CPU of writing 1 GiB, medians of
4, also right after a 1 GiB copy): 32 KiB 0.21 s, 256 KiB 0.17-0.18 s, 1 MiB 0.17-0.18 s,
and end to end 32 KiB was the slower (README, Benchmarks). 256 KiB keeps most of the gain
and stays clear of the largest folios should that slowness come back."""
HASH_READ_SIZE = 1 << 20
"""Bytes per read when a resumed download hashes the part it already has."""


WRITEBACK_STEP = 32 << 20
"""Each time the part grows past a multiple of this, writeback of the step just written
starts (`PartFile.start_writeback`). Left alone, the kernel keeps a fresh GiB dirty in
memory until the final fsync, which then waited 0.36 s on the benchmark VM; started
every 32 MiB, the disk writes while the rest downloads and that fsync takes 0.01 s. Small
enough that little is left for the end, large enough that the call (one per 8 blocks)
costs nothing measurable."""


def _write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view[:WRITE_SIZE])
        view = view[written:]


def _write_pieces(part: PartFile, pieces: list[bytes | bytearray], offset: int, streamed: StreamedEntries) -> None:
    """Append the network pieces to the part, which ends at `offset` (no join: the pieces
    are written as they came, in WRITE_SIZE calls), and feed them to the zip entries'
    CRCs (here rather than in the hashing thread, which SHA-256 alone keeps as busy as
    the writes and the CRC-32 together keep this one); then start writeback of every
    WRITEBACK_STEP the part has just completed."""
    end = offset
    for piece in pieces:
        _write_all(part.fd, piece)
        streamed.feed(piece)
        end += len(piece)
    steps_from, steps_to = offset - offset % WRITEBACK_STEP, end - end % WRITEBACK_STEP
    if steps_to > steps_from:
        part.start_writeback(steps_from, steps_to - steps_from)


def _hash_pieces(digest: Any, pieces: list[bytes | bytearray]) -> None:
    """Feed the pieces to the digest, in byte order (hashlib releases the GIL on large
    buffers, so the event loop and the writing thread run meanwhile)."""
    for piece in pieces:
        digest.update(piece)


def _read_prefix(part: PartFile, package_size: int | None) -> _Checks:
    """SHA-256 state and zip entries' CRCs of the bytes already in the part (a resumed
    download), read once."""
    checks = _Checks.fresh(package_size)
    with open(part.read_path, "rb") as fh:
        while block := fh.read(HASH_READ_SIZE):
            checks.digest.update(block)
            checks.streamed.feed(block)
    return checks


MAX_IN_FLIGHT = 16 << 20
"""Bytes handed to the writing and hashing threads that are not yet both written and
hashed; past it, reading waits (TCP flow control then slows the sender). A queue of a
few blocks lets each thread run on while another is briefly off its core: one block in
flight at a time (a hand-over that waited for both threads to finish the last block)
left the two cores a third idle on the benchmark VM (README, Benchmarks). Memory stays
flat: this, plus the block being gathered and the receiver's own few MiB."""


class _PartWriter:
    """Appends blocks to the `.part` in one worker thread and feeds them to SHA-256 in
    another, *while the next blocks download*.

    Each thread takes its blocks in order from a queue of its own (a one-thread
    executor), so the file and the digest see the bytes in order and neither thread waits
    for the other: up to MAX_IN_FLIGHT bytes may be queued before the receiving side
    waits. The writing thread also feeds the zip entries' CRCs (it has the time: SHA-256
    alone keeps the hashing thread as busy as the writes and CRC-32 together keep this
    one), so the three costs (receive, SHA-256, write + CRC-32) run on the two cores at
    once. After a failed write, no later block is written (the file must hold the bytes
    in order, or stop where the failure was); the error is raised once every block in
    flight is settled, so no thread still uses the part when the caller goes on."""

    def __init__(
        self, part: PartFile, have: int, checks: _Checks, recycle: Callable[[bytes | bytearray], None] | None = None
    ) -> None:
        self.part = part
        self.checks = checks
        self._recycle = recycle
        """Where a block goes back once written and hashed (the response's buffers)."""
        self.written = have
        """Bytes in the file (blocks both written and hashed)."""
        self._in_flight = 0
        self._pending: collections.deque[tuple[list[bytes | bytearray], int, asyncio.Future[None]]] = (
            collections.deque()
        )
        self._write_failed: OSError | None = None
        self._writing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="part-write")
        self._hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="part-hash")

    @property
    def accepted(self) -> int:
        """Bytes in the file or on their way to it."""
        return self.written + self._in_flight

    async def write(self, pieces: list[bytes | bytearray], size: int) -> int:
        """Queue `pieces` (`size` bytes) to be appended and hashed; wait only while more
        than MAX_IN_FLIGHT bytes are queued. Returns the bytes written so far."""
        if pieces:
            loop = asyncio.get_running_loop()
            job = _both(
                loop.run_in_executor(self._writing, self._write, pieces, self.accepted),
                loop.run_in_executor(self._hashing, _hash_pieces, self.checks.digest, pieces),
            )
            self._pending.append((pieces, size, asyncio.ensure_future(job)))
            self._in_flight += size
        await self._settle(MAX_IN_FLIGHT)
        return self.written

    async def drain(self) -> int:
        """Wait until every queued block is written and hashed; the threads then end. If
        we are cancelled meanwhile, the blocks stay recorded as pending, so the caller's
        cleanup waits for them before going on."""
        await self._settle(0)
        self._writing.shutdown(wait=False)  # idle now: their threads end
        self._hashing.shutdown(wait=False)
        return self.written

    async def _settle(self, limit: int) -> None:
        """Count the blocks done, in order; wait for the oldest while more than `limit`
        bytes are queued. A failed write is raised once nothing is in flight."""
        while self._pending and (self._in_flight > limit or self._pending[0][2].done()):
            pieces, size, job = self._pending[0]
            try:
                await asyncio.shield(job)
            except OSError as err:
                rest = [later for *_, later in self._pending]  # not written after this: only wait for them
                await asyncio.shield(asyncio.gather(*rest, return_exceptions=True))
                self._pending.clear()
                self._in_flight = 0
                self._writing.shutdown(wait=False)
                self._hashing.shutdown(wait=False)
                raise storage_error(err, self.part.folder) from err
            self._pending.popleft()
            self._in_flight -= size
            self.written += size
            if self._recycle is not None:
                for piece in pieces:
                    self._recycle(piece)

    def _write(self, pieces: list[bytes | bytearray], offset: int) -> None:
        """In the writing thread: append the block, unless an earlier one failed."""
        if self._write_failed is not None:
            raise self._write_failed
        try:
            _write_pieces(self.part, pieces, offset, self.checks.streamed)
        except OSError as err:
            self._write_failed = err
            raise


def check_space(folder: Path, needed: int) -> None:
    """Refuse before writing when the package cannot fit (DiskFullError): a download
    that fills the disk hurts every program on the computer, and fails anyway."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return  # cannot tell here (some network shares): the writes will say
    if needed > free:
        raise DiskFullError(
            f"The package needs {human_size(needed)} more, but only {human_size(free)} is free in {folder}. "
            f"Free some space (or choose another folder) and resume.",
            detail=f"needed {needed} bytes, free {free}",
        )


async def download_to_part(
    client: PackageOpener,
    url: str,
    part: PartFile,
    *,
    expected_size: int | None,
    on_bytes: Callable[[int, int | None], None] | None = None,
    policy: DownloadPolicy = DownloadPolicy(),
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    on_retry: Callable[[Retrying], None] | None = None,
) -> DownloadResult:
    """Stream `url` into the locked `part`, resuming what is already there.

    Returns when the part holds `expected_size` bytes (or the whole body when the size is
    unknown), with the SHA-256 of the whole file. The complete part is *not* fsynced
    here: the caller does that before it gives the part its final name, alongside the
    zip check (`fsync_alongside`), so the flush and the check overlap. An attempt
    that ends early is fsynced, so what arrived is there to resume from.

    Before each wait for another attempt, `on_retry` is told why and for how long, so
    the user sees "trying again in 8 s" rather than a bar that stopped.

    Raises LocalStorageError (disk), a CanvasError from the client (login page, auth,
    ...), SizeMismatchError when the host sends more than announced (or than the ceiling
    for an unannounced size), or an UnreachableError / the last transient error after the
    retry bounds.
    """
    folder = part.folder
    try:
        have = part.size()
        if expected_size and have > expected_size:
            part.truncate()  # not this package's bytes: start over
            have = 0
        checks = await asyncio.to_thread(_read_prefix, part, expected_size) if have else _Checks.fresh(expected_size)
    except OSError as err:
        raise storage_error(err, folder) from err
    if expected_size:
        check_space(folder, expected_size - have)
    limit = expected_size or policy.max_unannounced_size
    resumed_any = have > 0
    stalled = restarts = attempts = 0
    last_error: BaseException | None = None

    async def start_over(why: BaseException | None) -> None:
        nonlocal have, resumed_any, restarts, checks
        restarts += 1
        if restarts > policy.max_restarts_from_zero:
            raise _TooManyRestarts(repr(why))
        await asyncio.to_thread(part.truncate)
        have, resumed_any, checks = 0, False, _Checks.fresh(expected_size)

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
        writer: _PartWriter | None = None
        try:
            try:
                async with client.open_package(url, start=have) as response:
                    if have and response.status != 206:
                        await start_over(None)  # Range ignored: restart from zero
                        before = 0
                    total = expected_size or response.total_size  # whole package, also on a 206
                    if on_bytes:
                        on_bytes(have, total)
                    # A response that lends its buffers (the client's) takes each block back once done.
                    writer = _PartWriter(part, have, checks, getattr(response, "recycle", None))
                    await _receive(response, writer, limit, bool(expected_size), policy, on_bytes, total)
            finally:
                if writer is not None:
                    have = writer.written  # whatever arrived counts, also when the body broke off
            if not expected_size:
                break  # size unknown: a clean end of body is the end
            if have < expected_size:
                await fsync_part(part)  # what arrived is kept for the next attempt, or the next run
                raise UnreachableError("The download ended early.", detail=f"{have} of {expected_size} bytes")
        except _TooManyRestarts as err:
            raise UnreachableError(  # not retried: a new run may meet a better-behaved host
                f"The files host does not resume downloads and keeps breaking off; gave up after "
                f"{policy.max_restarts_from_zero} fresh starts. The job can be resumed later.",
                detail=str(err),
            ) from None
        except PackageError as err:
            # The host answered a Range with the wrong part: the client says start over.
            if isinstance(err, (LoginPageError, SizeMismatchError)) or err.status != 206 or have == 0:
                raise
            last_error = err
            await start_over(err)
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
            delay = policy.delay(stalled)
            if on_retry is not None:
                on_retry(Retrying(err, delay, stalled, policy.max_stalled_attempts, have))
            await sleep(delay)
    return DownloadResult(
        path=part.path,
        size=have,
        attempts=attempts,
        resumed=resumed_any,
        sha256=checks.digest.hexdigest(),
        streamed=checks.streamed,
    )


@dataclass(frozen=True)
class Retrying:
    """An attempt broke off and the next one starts after `delay` seconds."""

    error: BaseException
    delay: float
    stalled: int
    """Attempts in a row that brought no new byte (this one included)."""
    max_stalled: int
    """The download gives up when `stalled` reaches this."""
    have: int
    """Bytes in the part, kept for the next attempt."""

    @property
    def sentence(self) -> str:
        """For a person: what broke, what is kept, when the next try is."""
        why = "the files host is not answering" if isinstance(self.error, ServerError) else "the connection broke"
        kept = f"; the {human_size(self.have)} saved so far are kept" if self.have else ""
        tries = f" ({self.stalled} of {self.max_stalled} tries in a row brought nothing)" if self.stalled else ""
        return f"The download stopped ({why}){kept}. Trying again in {max(1, round(self.delay))} s{tries}."


class _TooManyRestarts(Exception):
    """MAX_RESTARTS_FROM_ZERO reached: ends the download, whatever the retry rules say."""


async def fsync_part(part: PartFile) -> None:
    """fsync the part in a worker thread; a failure is a LocalStorageError."""
    try:
        await asyncio.to_thread(part.fsync)
    except OSError as err:
        raise storage_error(err, part.folder) from err


async def fsync_alongside(part: PartFile, check: Callable[[], _T]) -> _T:
    """Run the blocking `check` of the complete part (the zip check, which reads it back)
    in one worker thread while another fsyncs it: the disk flushes while the CPU checks,
    instead of one after the other. Both have finished when this returns or raises, so
    the caller may commit (the part is on disk) or set the part aside (no thread still
    reads it). The check's error comes first: it decides what happens to the part."""
    return await _both(asyncio.to_thread(check), fsync_part(part))


async def _both(first: Awaitable[_T], second: Awaitable[object]) -> _T:
    """Await two things at once and wait for both, whatever happens to either; then
    raise the first one's error, else the second's, else return the first one's result."""
    results = await asyncio.gather(first, second, return_exceptions=True)
    for outcome in results:
        if isinstance(outcome, BaseException):
            raise outcome
    return cast(_T, results[0])


async def _receive(
    response: Any,
    writer: _PartWriter,
    limit: int,
    announced: bool,
    policy: DownloadPolicy,
    on_bytes: Callable[[int, int | None], None] | None,
    total: int | None,
) -> None:
    """Append one response body to the part through `writer`.

    Takes the pieces as the network delivers them (up to 1 MiB each from a direct hop,
    64 KiB from httpx; nothing that arrived is lost when the connection breaks), writes
    in CHUNK_SIZE blocks (so the thread hops stay few), the next blocks downloading while
    the earlier ones are written and hashed."""
    pieces: list[bytes | bytearray] = []
    held = 0
    flushed_at = time.monotonic()
    try:
        async for chunk in response.aiter_bytes(policy.chunk_size):
            if not chunk:
                continue
            if writer.accepted + held + len(chunk) > limit:
                raise _too_much(limit, announced, writer.accepted + held + len(chunk))
            pieces.append(chunk)
            held += len(chunk)
            now = time.monotonic()
            if held >= policy.chunk_size or now - flushed_at >= policy.flush_interval:
                flushed_at = now
                block, size = pieces, held
                pieces, held = [], 0
                done = await writer.write(block, size)
                if on_bytes:
                    on_bytes(done, total)
    finally:
        # Keep whatever arrived, even when the connection broke or we are cancelled.
        await writer.write(pieces, held)
        await writer.drain()
    if on_bytes:
        on_bytes(writer.written, total)


def _too_much(limit: int, announced: bool, got: int) -> SizeMismatchError:
    if announced:
        return SizeMismatchError(
            f"Canvas sent more than the {limit} bytes it announced for this package.",
            detail=f"got at least {got} bytes",
        )
    return SizeMismatchError(
        f"Canvas did not say how large this package is, and it sent more than {human_size(limit)}, the most "
        f"this app saves without knowing the size. Nothing is kept under the package's name.",
        detail=f"got at least {got} bytes",
    )
