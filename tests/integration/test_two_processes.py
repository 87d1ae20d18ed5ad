"""Two processes, one export: the hardening issue's race tests, with real `canvas-exports`
subprocesses against the simulator. Exactly one POST per job, exactly one writer per
`.part`, and nothing written outside the chosen folder."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from engine_support import CLI, REPO, cli, cli_env, posts, wait_until

from desktop_app.engine.download import part_path_for
from desktop_app.engine.names import package_name
from desktop_app.engine.status import Goal, JobStatus
from desktop_app.engine.store import JobStore
from desktop_app.simulator import SimulatedCanvas

pytestmark = pytest.mark.timeout(120)


def start(home: Path, sim: SimulatedCanvas, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLI, *args], env=cli_env(home, sim), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=100)
    return proc.returncode, out, err


def finished_export(sim: SimulatedCanvas, tmp_path: Path) -> int:
    """An export of the main course that Canvas has finished, made by one CLI run."""
    made = cli(tmp_path / "maker", sim, "create", f"course:{sim.data.main_course_id}", "--type", "zip", "--wait")
    assert made.returncode == 0, made.stderr
    return int(made.stdout.split()[1].rstrip(":"))


def test_two_downloads_of_one_export_into_one_folder_give_one_verified_file(
    sim: SimulatedCanvas, tmp_path: Path
) -> None:
    """Before: the second process appended to the first one's `.part` after it was linked
    to the final name: a final file larger than the package that fails its zip check."""
    export_id = finished_export(sim, tmp_path)
    dest = tmp_path / "shared"
    sim.faults.slow_files(1_500_000)  # a few seconds for the course zip
    first = start(
        tmp_path / "a", sim, "download", f"course:{sim.data.main_course_id}", str(export_id), "--to", str(dest)
    )
    try:
        wait_until(lambda: any(p.stat().st_size > 0 for p in dest.glob("*.part")), what="the first download to begin")
        second = start(
            tmp_path / "b", sim, "download", f"course:{sim.data.main_course_id}", str(export_id), "--to", str(dest)
        )
        code2, out2, err2 = finish(second)
        code1, out1, err1 = finish(first)
    finally:
        for proc in (first,):
            if proc.poll() is None:
                proc.kill()
    assert (code1, code2) == (0, 0), err1 + err2
    saved1, saved2 = Path(out1.strip().splitlines()[-1]), Path(out2.strip().splitlines()[-1])
    assert saved1 == saved2
    assert "Another program is saving this export" in err2
    assert sorted(p.name for p in dest.iterdir()) == [saved1.name]  # one file, no "(2)", no .part
    assert hashlib.sha256(saved1.read_bytes()).digest() == hashlib.sha256(sim.package_bytes(export_id)).digest()
    with zipfile.ZipFile(saved1) as archive:
        assert archive.testzip() is None


def test_two_resumes_on_one_job_store_send_one_post(sim: SimulatedCanvas, tmp_path: Path) -> None:
    """The app and a cron `resume` at once: before, both POSTed (two exports at Canvas)
    and both wrote one `.part`. Now one takes the job; the other says so and exits 0."""
    home = tmp_path / "home"
    dest = tmp_path / "dl"
    with JobStore(home / "data" / "canvas-export-manager" / "jobs.sqlite3") as store:
        job = store.add(
            site=sim.base_url,
            context=f"course:{sim.data.main_course_id}",
            export_type="zip",
            state=JobStatus.INTERRUPTED,
            goal=Goal.SAVED,
            dest_dir=dest,
        )
    sim.faults.slow_files(1_500_000)  # the winner holds the job for seconds
    procs = [start(home, sim, "resume"), start(home, sim, "resume")]
    results = [finish(p) for p in procs]
    assert [code for code, _, _ in results] == [0, 0], results
    skipped = [err for _, _, err in results if "another process is working on: 1" in err]
    worked = [out for _, out, _ in results if out.strip()]
    assert len(posts(sim)) == 1  # exactly one export at Canvas
    assert len(worked) == 1 and len(skipped) + len([e for _, _, e in results if "No unfinished jobs" in e]) == 1
    saved = Path(worked[0].strip().splitlines()[-1])
    with zipfile.ZipFile(saved) as archive:
        assert archive.testzip() is None
    with JobStore(home / "data" / "canvas-export-manager" / "jobs.sqlite3") as store:
        assert store.get(job.id).state is JobStatus.DONE


def test_a_symlink_planted_at_the_part_name_changes_nothing_outside(sim: SimulatedCanvas, tmp_path: Path) -> None:
    """Before: the app appended to (or truncated) the link's target, then linked the final
    name to it and said Saved."""
    export_id = finished_export(sim, tmp_path)
    dest = tmp_path / "shared"
    dest.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    listed = cli(tmp_path / "a", sim, "--json", "show", f"course:{sim.data.main_course_id}", str(export_id))
    shown = json.loads(listed.stdout)
    name = package_name(
        f"course {sim.data.main_course_id}",
        shown["export_type"],
        datetime.fromisoformat(shown["created_at"]),
        export_id,
        shown["attachment"]["display_name"],
    )
    part_path_for(dest, name, export_id).symlink_to(victim)
    result = cli(
        tmp_path / "a", sim, "download", f"course:{sim.data.main_course_id}", str(export_id), "--to", str(dest)
    )
    assert result.returncode == 1, result.stderr
    assert "holds something unexpected" in result.stderr and "Traceback" not in result.stderr
    assert victim.read_bytes() == b"precious"
    assert [p.name for p in dest.iterdir()] == [part_path_for(dest, name, export_id).name]
