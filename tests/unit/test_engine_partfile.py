"""The `.part` in a folder someone else can write to: links, odd files, a second writer.

Each case plants what an attacker (or a second process) would, then checks that no byte
outside the folder changed and that the final name holds only what we wrote."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from desktop_app.engine import partfile
from desktop_app.engine.errors import UnsafeFolderError
from desktop_app.engine.partfile import AlreadySaved, PartFile, claim_part, commit_part, open_part

NAME = "course.imscc"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "downloads"
    path.mkdir()
    return path


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    victim = tmp_path / "precious.txt"
    victim.write_bytes(b"do not touch")
    return victim


def test_a_symlink_at_the_part_name_is_refused_and_never_followed(folder: Path, outside: Path) -> None:
    part = folder / "course.imscc.9.part"
    part.symlink_to(outside)
    with pytest.raises(UnsafeFolderError, match="symbolic link"):
        asyncio.run(claim_part(part, NAME))
    assert outside.read_bytes() == b"do not touch"
    assert sorted(os.listdir(folder)) == ["course.imscc.9.part"]


def test_a_dangling_symlink_is_not_created_through(folder: Path, tmp_path: Path) -> None:
    target = tmp_path / "created-elsewhere"
    part = folder / "course.imscc.9.part"
    part.symlink_to(target)
    with pytest.raises(UnsafeFolderError):
        open_part(part)
    assert not target.exists()


def test_a_folder_or_a_fifo_at_the_part_name_is_refused(folder: Path) -> None:
    (folder / "a.part").mkdir()
    os.mkfifo(folder / "b.part")
    for name in ("a.part", "b.part"):
        with pytest.raises(UnsafeFolderError, match="Nothing was written"):
            open_part(folder / name)


def test_a_hard_link_to_a_file_elsewhere_is_refused(folder: Path, outside: Path) -> None:
    part = folder / "course.imscc.9.part"
    os.link(outside, part)
    with pytest.raises(UnsafeFolderError, match="hard link"):
        asyncio.run(claim_part(part, NAME))
    assert outside.read_bytes() == b"do not touch"


def test_commit_links_the_file_we_wrote_even_if_the_name_was_swapped(folder: Path, outside: Path) -> None:
    path = folder / "course.imscc.9.part"
    with open_part(path) as part:
        assert part.try_lock()
        os.write(part.fd, b"our package")
        os.rename(path, folder / "moved-away")
        path.symlink_to(outside)  # planted between verification and commit
        final = commit_part(part, folder, NAME)
    assert final == folder / NAME and not final.is_symlink()
    assert final.read_bytes() == b"our package"
    assert outside.read_bytes() == b"do not touch"
    assert path.is_symlink()  # what sits at the .part name is not ours: left alone


def test_commit_without_proc_checks_the_name_is_still_ours(
    folder: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(partfile, "_link_by_fd", lambda fd, final: False)  # no /proc: another OS
    path = folder / "course.imscc.9.part"
    with open_part(path) as part:
        os.write(part.fd, b"ours")
        path.unlink()
        path.symlink_to(outside)
        with pytest.raises(UnsafeFolderError):
            commit_part(part, folder, NAME)
    assert not (folder / NAME).exists() and outside.read_bytes() == b"do not touch"


def test_a_second_writer_waits_and_reports_where_the_first_saved_it(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(partfile, "LOCK_POLL_INTERVAL", 0.01)
    path = folder / "course.imscc.9.part"

    async def scenario() -> tuple[PartFile | AlreadySaved, list[str]]:
        first = open_part(path)
        assert first.try_lock()
        os.write(first.fd, b"half")
        waited: list[str] = []
        waiting = asyncio.Event()

        def on_wait() -> None:
            waited.append("waiting")
            waiting.set()

        second = asyncio.create_task(claim_part(path, NAME, on_wait=on_wait))
        await waiting.wait()
        assert not second.done()  # the lock holds it back
        os.write(first.fd, b" and the rest")
        commit_part(first, folder, NAME)
        first.close()
        return await second, waited

    outcome, waited = asyncio.run(scenario())
    assert outcome == AlreadySaved(folder / NAME) and waited == ["waiting"]
    assert (folder / NAME).read_bytes() == b"half and the rest"
    assert sorted(os.listdir(folder)) == [NAME]


def test_a_second_writer_starts_afresh_when_the_first_discarded_its_part(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(partfile, "LOCK_POLL_INTERVAL", 0.01)
    path = folder / "course.imscc.9.part"

    async def scenario() -> PartFile | AlreadySaved:
        first = open_part(path)
        assert first.try_lock()
        os.write(first.fd, b"bad bytes")
        waiting = asyncio.Event()
        second = asyncio.create_task(claim_part(path, NAME, on_wait=waiting.set))
        await waiting.wait()
        first.discard()
        first.close()
        return await second

    outcome = asyncio.run(scenario())
    assert isinstance(outcome, PartFile)
    with outcome:
        assert outcome.size() == 0 and outcome.created and outcome.is_still_named()


def test_a_run_killed_between_link_and_unlink_finds_its_saved_file(folder: Path) -> None:
    path = folder / "course.imscc.9.part"
    path.write_bytes(b"complete package")
    os.link(path, folder / "course (2).imscc")  # the commit's link happened, the unlink did not
    (folder / NAME).write_bytes(b"an older, unrelated file")
    outcome = asyncio.run(claim_part(path, NAME))
    assert outcome == AlreadySaved(folder / "course (2).imscc")
    assert not path.exists()  # the leftover .part name is dropped


def test_an_empty_part_we_created_is_removed_but_not_one_we_found(folder: Path) -> None:
    with open_part(folder / "new.part") as created:
        created.discard_if_empty()
    assert not (folder / "new.part").exists()
    (folder / "found.part").write_bytes(b"")
    with open_part(folder / "found.part") as found:
        found.discard_if_empty()
    assert (folder / "found.part").exists()


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("course.imscc", True),
        ("course (2).imscc", True),
        ("course (17).imscc", True),
        ("course (1).imscc", False),
        ("course (02).imscc", False),
        ("course (x).imscc", False),
        ("other.imscc", False),
        ("course.imscc.9.part", False),
    ],
)
def test_only_the_package_s_own_names_count_as_saved(candidate: str, expected: bool) -> None:
    assert partfile._is_copy_name(candidate, NAME) is expected
