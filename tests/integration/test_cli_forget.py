"""`canvas-exports forget JOB_ID...` as a user runs it: a subprocess against the simulator.

There was no way to take a job off the local list: a finished one stayed in `jobs` for
ever, and an unfinished one (of a site long gone) was tried by every `resume`. `forget`
deletes the job from the store only: no file on disk, nothing at Canvas changes. A job
another process works on and a bulk export's job are refused, with exit 2.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Callable

import pytest
from engine_support import CLI, REPO, cli, cli_env, cli_running, job_store, unfinished_job_at, wait_until

from desktop_app.simulator import SimulatedCanvas

pytestmark = pytest.mark.timeout(120)


def test_forget_takes_jobs_off_the_list_and_touches_nothing_else(
    make_canvas_sim: Callable[..., SimulatedCanvas], tmp_path: Path
) -> None:
    gone = make_canvas_sim(export_duration=3600)  # a site whose export never finishes
    sim = make_canvas_sim()
    unfinished = unfinished_job_at(tmp_path, gone)
    dest = tmp_path / "dl"
    saved = cli(tmp_path, sim, "create", f"course:{sim.data.main_course_id}", "--type", "zip", "--download", str(dest))
    assert saved.returncode == 0, saved.stderr
    package = Path(saved.stdout.strip().splitlines()[-1])
    package_bytes = package.read_bytes()
    with job_store(tmp_path) as store:
        done = next(j.id for j in store.jobs() if j.site == sim.base_url)
    requests = len(gone.request_log), len(sim.request_log)

    result = cli(tmp_path, sim, "forget", str(unfinished), str(done), "99")
    assert result.returncode == 2, result.stderr
    assert result.stdout.splitlines() == [
        f"Removed job {unfinished} from the list.",
        f"Removed job {done} from the list.",
    ]
    assert result.stderr.splitlines() == ["canvas-exports: error: There is no job 99 on the list."]
    assert (len(gone.request_log), len(sim.request_log)) == requests  # nothing asked of Canvas
    assert package.read_bytes() == package_bytes and sorted(dest.iterdir()) == [package]

    listed = cli(tmp_path, sim, "jobs", "--all-users")
    assert listed.returncode == 0 and listed.stdout == "" and "No jobs yet" in listed.stderr
    env = cli_env(tmp_path, sim)
    del env["CANVAS_BASE_URL"]  # every site's jobs: the forgotten one of `gone` is not among them
    resumed = subprocess.run([*CLI, "resume"], env=env, cwd=REPO, capture_output=True, text=True, timeout=100)
    assert resumed.returncode == 0 and "No unfinished jobs." in resumed.stderr, resumed.stderr
    assert len(gone.request_log) == requests[0]


def test_a_job_another_process_is_downloading_stays(sim: SimulatedCanvas, tmp_path: Path) -> None:
    sim.faults.slow_files(200_000)  # the course zip takes half a minute: the process holds the job
    dest = tmp_path / "dl"
    create = ("create", f"course:{sim.data.main_course_id}", "--type", "zip", "--download", str(dest))
    with cli_running(tmp_path, sim, *create, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        wait_until(lambda: dest.is_dir() and any(dest.glob("*.part")), what="the download to start")
        result = cli(tmp_path, sim, "forget", "1")
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("canvas-exports: error: Job 1 is being worked on by another Canvas Export Manager (process")
    with job_store(tmp_path) as store:
        assert store.get(1) is not None


def test_a_bulk_exports_jobs_stay_with_their_batch(sim: SimulatedCanvas, tmp_path: Path) -> None:
    """Its own course's job, and a single export whose package it counted as saved
    recently (its report and SHA256SUMS name that file)."""
    course, other = sim.data.main_course_id, 102  # 102: another course the teacher teaches
    single = cli(tmp_path, sim, "create", f"course:{other}", "--type", "zip", "--download", str(tmp_path / "dl"))
    assert single.returncode == 0, single.stderr
    batch = cli(
        tmp_path,
        sim,
        *("batch", "start", "--course", f"course:{course}", f"course:{other}", "--type", "zip"),
        *("--to", str(tmp_path / "archive"), "--skip-if-saved-within", "1", "--wait"),
    )
    assert batch.returncode == 0, batch.stderr
    with job_store(tmp_path) as store:
        (batch_job,) = [j.id for j in store.jobs() if j.batch_id is not None]

    result = cli(tmp_path, sim, "forget", "1", str(batch_job))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "canvas-exports: error: Job 1 stays on the list: bulk export 1 counts its package for a course it "
        "skipped as saved recently (its report and SHA256SUMS name the file).",
        f"canvas-exports: error: Job {batch_job} exports a course of bulk export 1 and stays with it: bulk "
        "exports are managed as a whole, in their window or with 'canvas-exports batch'.",
    ]
    with job_store(tmp_path) as store:
        assert store.get(1) is not None and store.get(batch_job) is not None


@pytest.mark.parametrize(
    ("args", "bad"),
    [
        (("forget", "1", "99999999999999999999"), "99999999999999999999"),  # past SQLite's 64-bit integers
        (("retry", "9" * 400), "9" * 400),
        (("batch", "show", "18446744073709551616"), "18446744073709551616"),
        (("forget", "²"), "²"),  # a digit to str.isdigit, not to int()
    ],
)
def test_an_id_no_job_can_have_is_a_usage_error(
    sim: SimulatedCanvas, tmp_path: Path, args: tuple[str, ...], bad: str
) -> None:
    """It was an OverflowError reported as a bug in the app (exit 1, a crash log)."""
    result = cli(tmp_path, sim, *args)
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert f"'{bad}' is not " in line and "bug" not in line, line


def test_a_job_named_twice_is_forgotten_once(sim: SimulatedCanvas, tmp_path: Path) -> None:
    """`forget 1 1` (a pasted list with a repeat) removed job 1, then failed, exit 2, on
    the second: 'There is no job 1 on the list'."""
    saved = cli(tmp_path, sim, "create", f"course:{sim.data.main_course_id}", "--type", "zip")
    assert saved.returncode == 0, saved.stderr
    result = cli(tmp_path, sim, "forget", "1", "01", " 1")
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert result.stdout.splitlines() == ["Removed job 1 from the list."]
