"""`canvas-exports resume` and the Canvas sites of the job store, as a user runs it.

A job left over from another site (the README's demo server, a site with no saved
token) made every later `resume` exit 3 ("No access token for …"), or 4 once that
address was down, even when the user named the site to resume. A site given
(`--base-url`, `$CANVAS_BASE_URL`, `--profile`) now limits `resume` to that site's
jobs; with none, every site's carry on (cron), as before.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest
from engine_support import CLI, REPO, cli, cli_env, job_store, unfinished_job_at

from desktop_app.engine.status import JobStatus
from desktop_app.simulator import SimulatedCanvas

pytestmark = pytest.mark.timeout(120)


def resume_without_a_site(home: Path, sim: SimulatedCanvas) -> subprocess.CompletedProcess[str]:
    env = cli_env(home, sim)
    del env["CANVAS_BASE_URL"]  # $CANVAS_TOKEN stays: it serves every site when none is named
    return subprocess.run([*CLI, "resume"], env=env, cwd=REPO, capture_output=True, text=True, timeout=100)


def test_a_named_site_resumes_only_its_own_jobs_and_says_how_many_it_left(
    make_canvas_sim: Callable[..., SimulatedCanvas], sim_clock: Any, tmp_path: Path
) -> None:
    demo = make_canvas_sim(clock=sim_clock)  # its exports wait until the clock moves
    school = make_canvas_sim()
    left_over = unfinished_job_at(tmp_path, demo)

    nothing = cli(tmp_path, school, "resume")  # $CANVAS_BASE_URL names the school's site
    assert nothing.returncode == 0, nothing.stderr
    assert "No access token" not in nothing.stderr
    assert f"1 unfinished job of other Canvas sites left alone: {left_over}" in nothing.stderr
    named = cli(tmp_path, school, "resume", "--base-url", school.base_url)
    assert named.returncode == 0, named.stderr
    with job_store(tmp_path) as store:
        assert store.get(left_over).state is not JobStatus.DONE  # never touched

    sim_clock.advance(3600)  # the demo's export is ready at last
    everything = resume_without_a_site(tmp_path, school)  # cron: no site named, every site's jobs
    assert everything.returncode == 0, everything.stderr
    assert f"Resuming 1 job(s): {left_over}" in everything.stderr
    with job_store(tmp_path) as store:
        assert store.get(left_over).state is JobStatus.DONE
