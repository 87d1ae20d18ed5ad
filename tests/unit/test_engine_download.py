"""download_to_part against a fake package opener (no sockets): resume, restart, retries,
disk errors. The real HTTP versions of these run in tests/integration."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import shutil
import threading
import zipfile
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from zips import make_zip

from desktop_app.canvas.errors import CorruptPackageError, SizeMismatchError, UnreachableError
from desktop_app.engine import download as dl
from desktop_app.engine.download import DiskFullError, DownloadPolicy, FolderNotWritableError, download_to_part
from desktop_app.engine.partfile import PartFile, open_part
from desktop_app.engine.zipcheck import StreamedEntries

DATA = bytes(range(256)) * 40  # 10 KiB


class FakeResponse:
    def __init__(self, body: bytes, status: int, drop_after: int | None) -> None:
        self.body, self.status, self.drop_after = body, status, drop_after
        self.resumed = status == 206
        self.total_size = len(body)
        self.content_type = "application/zip"

    async def aiter_bytes(self, chunk_size: int = 1 << 20):
        sent = 0
        for i in range(0, len(self.body), 1000):
            piece = self.body[i : i + 1000]
            if self.drop_after is not None and sent + len(piece) > self.drop_after:
                yield piece[: self.drop_after - sent]
                raise httpx.RemoteProtocolError("peer closed connection")
            sent += len(piece)
            yield piece


class FakeHost:
    """Serves DATA; `drops` lists byte counts after which successive attempts break."""

    def __init__(
        self, *, honour_range: bool = True, drops: list[int] | None = None, fail_open: int = 0, body: bytes = DATA
    ) -> None:
        self.honour_range, self.drops, self.fail_open = honour_range, list(drops or []), fail_open
        self.body = body
        self.starts: list[int] = []

    @asynccontextmanager
    async def open_package(self, url: str, *, start: int = 0):
        self.starts.append(start)
        if self.fail_open:
            self.fail_open -= 1
            raise UnreachableError("no route")
        drop = self.drops.pop(0) if self.drops else None
        if start and self.honour_range:
            yield FakeResponse(self.body[start:], 206, drop)
        else:
            yield FakeResponse(self.body, 200, drop)


async def no_sleep(_: float) -> None:
    return None


def fetch(host: FakeHost, path: Path, **kw):
    """download_to_part into the `.part` at `path`, opened and locked as the engine does."""
    kw.setdefault("sleep", no_sleep)
    with open_part(path) as part:
        assert part.try_lock()
        return asyncio.run(download_to_part(host, "u", part, **kw))


def test_plain_download(tmp_path: Path) -> None:
    seen = []
    part = tmp_path / "x.zip.1.part"
    result = fetch(FakeHost(), part, expected_size=len(DATA), on_bytes=lambda d, t: seen.append((d, t)))
    assert part.read_bytes() == DATA and result.size == len(DATA) and not result.resumed
    assert seen[-1] == (len(DATA), len(DATA))


def test_resumes_after_drops(tmp_path: Path) -> None:
    host = FakeHost(drops=[2500, 3000])
    part = tmp_path / "x.part"
    result = fetch(host, part, expected_size=len(DATA))
    assert part.read_bytes() == DATA
    assert host.starts == [0, 2500, 5500] and result.attempts == 3


def test_restarts_when_range_ignored(tmp_path: Path) -> None:
    part = tmp_path / "x.part"
    part.write_bytes(DATA[:4000])
    host = FakeHost(honour_range=False)
    fetch(host, part, expected_size=len(DATA))
    assert part.read_bytes() == DATA and host.starts == [4000]


def test_existing_complete_part_needs_no_request(tmp_path: Path) -> None:
    part = tmp_path / "x.part"
    part.write_bytes(DATA)
    host = FakeHost()
    fetch(host, part, expected_size=len(DATA))
    assert host.starts == []


def test_oversized_part_starts_over(tmp_path: Path) -> None:
    part = tmp_path / "x.part"
    part.write_bytes(DATA + b"junk")
    host = FakeHost()
    fetch(host, part, expected_size=len(DATA))
    assert part.read_bytes() == DATA and host.starts == [0]


def test_gives_up_after_stalled_attempts(tmp_path: Path) -> None:
    host = FakeHost(fail_open=100)
    with pytest.raises(UnreachableError):
        fetch(host, tmp_path / "x.part", expected_size=len(DATA), policy=DownloadPolicy(max_stalled_attempts=3))
    assert len(host.starts) == 3


def test_progress_resets_the_stall_count(tmp_path: Path) -> None:
    host = FakeHost(drops=[1000] * 9)  # 9 breaks, each after progress
    fetch(host, tmp_path / "x.part", expected_size=len(DATA), policy=DownloadPolicy(max_stalled_attempts=2))
    assert (tmp_path / "x.part").read_bytes() == DATA


def test_more_bytes_than_announced(tmp_path: Path) -> None:
    with pytest.raises(SizeMismatchError):
        fetch(FakeHost(), tmp_path / "x.part", expected_size=len(DATA) - 10)


def test_unknown_size_takes_the_whole_body(tmp_path: Path) -> None:
    result = fetch(FakeHost(), tmp_path / "x.part", expected_size=None)
    assert result.size == len(DATA)


def test_disk_full_keeps_the_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write
    written = {"n": 0}

    def write(fd: int, data) -> int:
        if written["n"] >= 3000:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = real_write(fd, bytes(data[: 3000 - written["n"]]))  # a partial write, then ENOSPC
        written["n"] += n
        return n

    monkeypatch.setattr(dl.os, "write", write)
    part = tmp_path / "x.part"
    with pytest.raises(DiskFullError, match="Not enough space"):
        fetch(FakeHost(), part, expected_size=len(DATA))
    assert part.exists() and part.stat().st_size == 3000
    monkeypatch.setattr(dl.os, "write", real_write)
    host = FakeHost()
    fetch(host, part, expected_size=len(DATA))
    assert part.read_bytes() == DATA and host.starts == [3000]


def test_folder_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(FolderNotWritableError, match="Cannot write"):
        fetch(FakeHost(), blocker / "sub" / "x.part", expected_size=len(DATA))


def test_backoff_delay_bounds() -> None:
    policy = DownloadPolicy(base_delay=1, max_delay=8)
    assert policy.delay(1, lambda: 0.0) == 0.5 and policy.delay(1, lambda: 0.999) < 1
    assert policy.delay(10, lambda: 0.999) <= 8


def test_sha256_is_computed_while_writing(tmp_path: Path) -> None:
    result = fetch(FakeHost(drops=[2500]), tmp_path / "x.part", expected_size=len(DATA))
    assert result.sha256 == hashlib.sha256(DATA).hexdigest()


def test_sha256_of_a_resumed_part_covers_the_bytes_it_had(tmp_path: Path) -> None:
    part = tmp_path / "x.part"
    part.write_bytes(DATA[:4000])
    host = FakeHost()
    result = fetch(host, part, expected_size=len(DATA))
    assert host.starts == [4000] and result.resumed
    assert result.sha256 == hashlib.sha256(DATA).hexdigest()


def test_a_host_ignoring_range_and_breaking_off_gets_three_fresh_starts(tmp_path: Path) -> None:
    """Before: each restart counted as progress, so ~200 full restarts. Now: 3, then a
    resumable UnreachableError, and the part is kept."""
    host = FakeHost(honour_range=False, drops=[3000] * 50)
    with pytest.raises(UnreachableError, match="does not resume downloads"):
        fetch(host, tmp_path / "x.part", expected_size=len(DATA))
    assert host.starts == [0, 3000, 3000, 3000, 3000]  # the first try, then 3 fresh starts, then the 4th refused
    assert (tmp_path / "x.part").stat().st_size == 3000


def test_an_unannounced_size_stops_at_the_ceiling(tmp_path: Path) -> None:
    policy = DownloadPolicy(max_unannounced_size=5000)
    with pytest.raises(SizeMismatchError, match="did not say how large"):
        fetch(FakeHost(), tmp_path / "x.part", expected_size=None, policy=policy)
    assert (tmp_path / "x.part").stat().st_size <= 5000


def test_no_byte_is_written_when_the_package_cannot_fit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    free = shutil.disk_usage(tmp_path)._replace(free=len(DATA) - 1)
    monkeypatch.setattr(dl.shutil, "disk_usage", lambda _: free)
    host = FakeHost()
    with pytest.raises(DiskFullError, match="only .* is free"):
        fetch(host, tmp_path / "x.part", expected_size=len(DATA))
    assert host.starts == [] and (tmp_path / "x.part").stat().st_size == 0


def test_space_check_counts_only_what_is_still_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    part = tmp_path / "x.part"
    part.write_bytes(DATA[:4000])
    free = shutil.disk_usage(tmp_path)._replace(free=len(DATA) - 4000)
    monkeypatch.setattr(dl.shutil, "disk_usage", lambda _: free)
    assert fetch(FakeHost(), part, expected_size=len(DATA)).size == len(DATA)


def test_only_an_attempt_that_ends_early_is_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The complete part is fsynced by the caller, alongside the zip check; a part left
    incomplete is fsynced here, so what arrived is there to resume from."""
    synced: list[int] = []
    monkeypatch.setattr(PartFile, "fsync", lambda part: synced.append(part.size()))
    fetch(FakeHost(), tmp_path / "complete.part", expected_size=len(DATA))
    assert synced == []
    with pytest.raises(UnreachableError, match="ended early"):  # the host has 10 bytes fewer than announced
        fetch(
            FakeHost(),
            tmp_path / "short.part",
            expected_size=len(DATA) + 10,
            policy=DownloadPolicy(max_stalled_attempts=1),
        )
    assert synced and set(synced) == {len(DATA)}


def test_writeback_starts_at_every_step_the_part_completes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dl, "WRITEBACK_STEP", 3000)
    started: list[tuple[int, int]] = []
    monkeypatch.setattr(PartFile, "start_writeback", lambda part, start, length: started.append((start, length)))
    fetch(FakeHost(drops=[4500]), tmp_path / "x.part", expected_size=len(DATA), policy=DownloadPolicy(chunk_size=2000))
    assert started == [(0, 3000), (3000, 3000), (6000, 3000)]  # 10,240 bytes: the last 1,240 wait for the fsync


def test_the_digest_takes_the_pieces_in_byte_order_while_they_are_written(tmp_path: Path) -> None:
    """Written and hashed in two threads at once: the digest still sees byte order."""
    body = os.urandom(1 << 20)
    result = fetch(
        FakeHost(body=body, drops=[300_000]),
        tmp_path / "x.part",
        expected_size=len(body),
        policy=DownloadPolicy(chunk_size=5000),
    )
    assert (tmp_path / "x.part").read_bytes() == body
    assert result.sha256 == hashlib.sha256(body).hexdigest()


def test_blocks_queue_to_the_threads_while_a_write_is_slow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hashing thread goes on with the next blocks while a write is held, and blocks
    queue up to MAX_IN_FLIGHT (not one at a time), then the receiving side waits."""
    monkeypatch.setattr(dl, "MAX_IN_FLIGHT", 3000)
    hashed = threading.Semaphore(0)
    real_hash, real_write = dl._hash_pieces, dl._write_pieces
    held = {"first": True, "released_by_the_hasher": False}

    def hash_pieces(digest, pieces) -> None:
        real_hash(digest, pieces)
        hashed.release()

    def write_pieces(part, pieces, offset, streamed) -> None:
        if held["first"]:
            held["first"] = False
            held["released_by_the_hasher"] = all(hashed.acquire(timeout=10) for _ in range(3))
        real_write(part, pieces, offset, streamed)

    in_flight: list[int] = []
    real_settle = dl._PartWriter._settle

    async def settle(self: dl._PartWriter, limit: int) -> None:
        await real_settle(self, limit)
        in_flight.append(self._in_flight)

    monkeypatch.setattr(dl, "_hash_pieces", hash_pieces)
    monkeypatch.setattr(dl, "_write_pieces", write_pieces)
    monkeypatch.setattr(dl._PartWriter, "_settle", settle)
    result = fetch(FakeHost(), tmp_path / "x.part", expected_size=len(DATA), policy=DownloadPolicy(chunk_size=1000))
    assert held["released_by_the_hasher"]  # 3 blocks hashed while the first was still being written
    assert max(in_flight) == 3000  # three blocks of 1,000 queued, never more
    assert (tmp_path / "x.part").read_bytes() == DATA and result.sha256 == hashlib.sha256(DATA).hexdigest()


def test_no_block_is_written_after_a_failed_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks queued behind a write that failed are not written (a gap would corrupt the
    part), even if the disk would take them: the part ends where the failure was."""
    real_write = os.write
    failed = {"once": False}

    def write(fd: int, data) -> int:
        if os.fstat(fd).st_size >= 3000 and not failed["once"]:
            failed["once"] = True  # a single failure: later writes would succeed
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(dl.os, "write", write)
    part = tmp_path / "x.part"
    with pytest.raises(DiskFullError):
        fetch(FakeHost(), part, expected_size=len(DATA), policy=DownloadPolicy(chunk_size=1000))
    assert failed["once"] and part.read_bytes() == DATA[:3000]
    host = FakeHost()
    fetch(host, part, expected_size=len(DATA))
    assert part.read_bytes() == DATA and host.starts == [3000]


def _fsync_alongside(part_path: Path, check, fsync) -> object:
    with open_part(part_path) as part:
        part.fsync = fsync  # type: ignore[method-assign]
        return asyncio.run(dl.fsync_alongside(part, check))


def test_fsync_alongside_waits_for_both_and_raises_the_check_s_error_first(tmp_path: Path) -> None:
    checked = threading.Event()
    synced: list[str] = []

    def check() -> None:
        checked.set()
        raise CorruptPackageError("bad package")

    def fsync() -> None:
        assert checked.wait(10), "the check did not run while the part was fsynced"
        synced.append("done")
        raise OSError(errno.EIO, "I/O error")

    with pytest.raises(CorruptPackageError):
        _fsync_alongside(tmp_path / "x.part", check, fsync)
    assert synced == ["done"]  # the fsync had finished before the error came back


def test_fsync_alongside_reports_a_failed_fsync_as_a_storage_error(tmp_path: Path) -> None:
    def fsync() -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(DiskFullError):
        _fsync_alongside(tmp_path / "x.part", lambda: "verified", fsync)
    assert _fsync_alongside(tmp_path / "y.part", lambda: "verified", lambda: None) == "verified"


def test_zip_entries_are_streamed_across_resumes_and_a_part_from_an_earlier_run(tmp_path: Path) -> None:
    package = make_zip(
        {"imsmanifest.xml": b"<manifest/>", "a.bin": os.urandom(20_000), "b.bin": os.urandom(9_000)}, zipfile.ZIP_STORED
    )
    whole = StreamedEntries(len(package))
    whole.feed(package)
    assert len(whole.entries) == 3
    part = tmp_path / "x.part"
    part.write_bytes(package[:7_000])  # an earlier run's bytes: read once, like the digest
    result = fetch(
        FakeHost(body=package, drops=[5_000, 4_000]),
        part,
        expected_size=len(package),
        policy=DownloadPolicy(chunk_size=3_000),
    )
    assert result.resumed and result.streamed.entries == whole.entries
