"""download_to_part against a fake package opener (no sockets): resume, restart, retries,
disk errors. The real HTTP versions of these run in tests/integration."""

from __future__ import annotations

import asyncio
import errno
import os
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from desktop_app.canvas.errors import SizeMismatchError, UnreachableError
from desktop_app.engine import download as dl
from desktop_app.engine.download import DiskFullError, DownloadPolicy, FolderNotWritableError, download_to_part

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

    def __init__(self, *, honour_range: bool = True, drops: list[int] | None = None, fail_open: int = 0) -> None:
        self.honour_range, self.drops, self.fail_open = honour_range, list(drops or []), fail_open
        self.starts: list[int] = []

    @asynccontextmanager
    async def open_package(self, url: str, *, start: int = 0):
        self.starts.append(start)
        if self.fail_open:
            self.fail_open -= 1
            raise UnreachableError("no route")
        drop = self.drops.pop(0) if self.drops else None
        if start and self.honour_range:
            yield FakeResponse(DATA[start:], 206, drop)
        else:
            yield FakeResponse(DATA, 200, drop)


async def no_sleep(_: float) -> None:
    return None


def run(coro):
    return asyncio.run(coro)


def test_plain_download(tmp_path: Path) -> None:
    seen = []
    part = tmp_path / "x.zip.1.part"
    result = run(download_to_part(FakeHost(), "u", part, expected_size=len(DATA), on_bytes=lambda d, t: seen.append((d, t)), sleep=no_sleep))
    assert part.read_bytes() == DATA and result.size == len(DATA) and not result.resumed
    assert seen[-1] == (len(DATA), len(DATA))


def test_resumes_after_drops(tmp_path: Path) -> None:
    host = FakeHost(drops=[2500, 3000])
    part = tmp_path / "x.part"
    result = run(download_to_part(host, "u", part, expected_size=len(DATA), sleep=no_sleep))
    assert part.read_bytes() == DATA
    assert host.starts == [0, 2500, 5500] and result.attempts == 3


def test_restarts_when_range_ignored(tmp_path: Path) -> None:
    part = tmp_path / "x.part"
    part.write_bytes(DATA[:4000])
    host = FakeHost(honour_range=False)
    run(download_to_part(host, "u", part, expected_size=len(DATA), sleep=no_sleep))
    assert part.read_bytes() == DATA and host.starts == [4000]


def test_existing_complete_part_needs_no_request(tmp_path: Path) -> None:
    part = tmp_path / "x.part"
    part.write_bytes(DATA)
    host = FakeHost()
    run(download_to_part(host, "u", part, expected_size=len(DATA), sleep=no_sleep))
    assert host.starts == []


def test_oversized_part_starts_over(tmp_path: Path) -> None:
    part = tmp_path / "x.part"
    part.write_bytes(DATA + b"junk")
    host = FakeHost()
    run(download_to_part(host, "u", part, expected_size=len(DATA), sleep=no_sleep))
    assert part.read_bytes() == DATA and host.starts == [0]


def test_gives_up_after_stalled_attempts(tmp_path: Path) -> None:
    host = FakeHost(fail_open=100)
    with pytest.raises(UnreachableError):
        run(download_to_part(host, "u", tmp_path / "x.part", expected_size=len(DATA), policy=DownloadPolicy(max_stalled_attempts=3), sleep=no_sleep))
    assert len(host.starts) == 3


def test_progress_resets_the_stall_count(tmp_path: Path) -> None:
    host = FakeHost(drops=[1000] * 9)  # 9 breaks, each after progress
    run(download_to_part(host, "u", tmp_path / "x.part", expected_size=len(DATA), policy=DownloadPolicy(max_stalled_attempts=2), sleep=no_sleep))
    assert (tmp_path / "x.part").read_bytes() == DATA


def test_more_bytes_than_announced(tmp_path: Path) -> None:
    with pytest.raises(SizeMismatchError):
        run(download_to_part(FakeHost(), "u", tmp_path / "x.part", expected_size=len(DATA) - 10, sleep=no_sleep))


def test_unknown_size_takes_the_whole_body(tmp_path: Path) -> None:
    result = run(download_to_part(FakeHost(), "u", tmp_path / "x.part", expected_size=None, sleep=no_sleep))
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
        run(download_to_part(FakeHost(), "u", part, expected_size=len(DATA), sleep=no_sleep))
    assert part.exists() and part.stat().st_size == 3000
    monkeypatch.setattr(dl.os, "write", real_write)
    host = FakeHost()
    run(download_to_part(host, "u", part, expected_size=len(DATA), sleep=no_sleep))
    assert part.read_bytes() == DATA and host.starts == [3000]


def test_folder_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(FolderNotWritableError, match="Cannot write"):
        run(download_to_part(FakeHost(), "u", blocker / "sub" / "x.part", expected_size=len(DATA), sleep=no_sleep))


def test_backoff_delay_bounds() -> None:
    policy = DownloadPolicy(base_delay=1, max_delay=8)
    assert policy.delay(1, lambda: 0.0) == 0.5 and policy.delay(1, lambda: 0.999) < 1
    assert policy.delay(10, lambda: 0.999) <= 8
