"""A files host that misbehaves on purpose, over real HTTP: it ignores `Range` and breaks
off, it sends more than Canvas announced, or Canvas announces no size at all. Every case
ends bounded, with a clear error, and nothing under the final name."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from engine_support import FAST_ENGINE, engine_for, file_ranges, sha256

from desktop_app.engine import JobStatus
from desktop_app.simulator import SimulatedCanvas

pytestmark = pytest.mark.timeout(90)


def save(sim: SimulatedCanvas, tmp_path: Path, export_type: str = "zip", select=None, config=FAST_ENGINE):
    async def go():
        async with engine_for(sim, tmp_path / "jobs.db", config=config) as (engine, client):
            job_id = await engine.start_export(
                client.base_url, f"course:{sim.data.main_course_id}", export_type, select, True, tmp_path / "out"
            )
            return await engine.wait(job_id)

    return asyncio.run(go())


def test_a_host_that_ignores_range_and_breaks_off_gives_up_after_three_fresh_starts(
    sim: SimulatedCanvas, tmp_path: Path
) -> None:
    """Before: every restart from zero counted as progress, ~200 full downloads."""
    sim.faults.ignore_range(True)
    sim.faults.drop_download_after(500_000, times=100)
    job = save(sim, tmp_path)
    assert job.state is JobStatus.INTERRUPTED  # resumable: a later run may meet a better host
    assert "does not resume downloads" in job.last_error
    assert len(file_ranges(sim)) == 5  # the first try, then three fresh starts, the fourth refused
    assert [p.suffix for p in (tmp_path / "out").iterdir()] == [".part"]


def test_a_host_that_ignores_range_but_completes_is_fine(sim: SimulatedCanvas, tmp_path: Path) -> None:
    sim.faults.ignore_range(True)
    sim.faults.drop_download_after(500_000, times=2)
    job = save(sim, tmp_path)
    assert job.state is JobStatus.DONE, job.last_error
    assert job.sha256 == sha256(sim.package_bytes(job.export_id))


def test_no_announced_size_stops_at_the_ceiling(sim: SimulatedCanvas, tmp_path: Path) -> None:
    """`attachment.size` 0: before, the app wrote until the disk was full."""
    sim.faults.announce_size(0)
    sim.faults.pad_files(3_000_000)  # a body that goes on and on (here: 3 MB past the package)
    config = replace(FAST_ENGINE, download=replace(FAST_ENGINE.download, max_unannounced_size=4_000_000))
    job = save(sim, tmp_path, config=config)
    assert job.state is JobStatus.FAILED
    assert "did not say how large" in job.last_error
    assert not [p for p in (tmp_path / "out").iterdir() if p.suffix != ".part"]  # nothing under the final name
    assert all(p.stat().st_size <= 4_000_000 for p in (tmp_path / "out").iterdir())


def test_no_announced_size_within_the_ceiling_is_saved_and_verified(sim: SimulatedCanvas, tmp_path: Path) -> None:
    sim.faults.announce_size(0)
    job = save(sim, tmp_path)
    assert job.state is JobStatus.DONE, job.last_error
    assert job.sha256 == sha256(sim.package_bytes(job.export_id))


def test_more_than_announced_leaves_no_empty_part(sim: SimulatedCanvas, tmp_path: Path) -> None:
    """A one-page cartridge arrives in one piece, so the excess is seen before a byte is
    written: before, an empty `.part` stayed behind."""
    sim.faults.pad_files(10)
    page = sim.data.ids("wiki_pages")[0]
    job = save(sim, tmp_path, "common_cartridge", {"pages": [page]})
    assert job.state is JobStatus.FAILED and "more than the" in job.last_error
    assert list((tmp_path / "out").iterdir()) == []


def test_a_damaged_package_is_kept_for_inspection_and_never_resumed_from(sim: SimulatedCanvas, tmp_path: Path) -> None:
    sim.faults.corrupt_files(True)
    job = save(sim, tmp_path)
    assert job.state is JobStatus.FAILED and "damaged" in job.last_error
    (kept,) = (tmp_path / "out").iterdir()
    assert kept.name.endswith(f".{job.export_id}.rejected")  # nothing under the final name, no .part
    assert len(file_ranges(sim)) == 1

    sim.faults.corrupt_files(False)

    async def resume():
        async with engine_for(sim, tmp_path / "jobs.db", config=FAST_ENGINE) as (engine, _):
            await engine.resume(job.id)
            return await engine.wait(job.id)

    again = asyncio.run(resume())
    assert again.state is JobStatus.DONE, again.last_error
    assert file_ranges(sim)[-1] is None  # downloaded afresh, not resumed from the rejected bytes
    assert again.sha256 == sha256(sim.package_bytes(job.export_id))
