"""`canvas-exports` as a user runs it: a subprocess over real HTTP against the simulator.

Includes the acceptance check of issue 2 (a Common Cartridge of one page, saved and
valid, its manifest listing that page), the exit codes, `--json`, and the crash tests:
SIGKILL in the middle of a download then `resume`, a full disk, a read-only folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import zipfile
from pathlib import Path

import httpx
import pytest
from engine_support import CLI, REPO, cli, cli_env, cli_running, file_ranges, posts, wait_until

from desktop_app.simulator import EXPIRED_TOKEN, SimulatedCanvas

pytestmark = pytest.mark.timeout(120)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_acceptance_cartridge_of_one_page(sim: SimulatedCanvas, tmp_path: Path) -> None:
    page = sim.data.ids("wiki_pages")[1]
    course = sim.data.main_course_id
    result = cli(
        tmp_path,
        sim,
        "create",
        f"course:{course}",
        "--type",
        "common_cartridge",
        "--select",
        f"pages={page}",
        "--download",
        str(tmp_path / "dl"),
    )
    assert result.returncode == 0, result.stderr
    saved = Path(result.stdout.strip().splitlines()[-1])
    assert saved.parent == tmp_path / "dl" and saved.suffix == ".imscc" and saved.exists()
    with zipfile.ZipFile(saved) as archive:
        assert archive.testzip() is None
        manifest = archive.read("imsmanifest.xml").decode()
    assert f"wiki_page_{page}" in manifest
    assert manifest.count("<resource ") == 1
    assert "Saved" in result.stderr  # progress goes to stderr


def test_json_lines(sim: SimulatedCanvas, tmp_path: Path) -> None:
    course = sim.data.main_course_id
    result = cli(
        tmp_path, sim, "--json", "create", f"course:{course}", "--type", "zip", "--download", str(tmp_path / "dl")
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    done = lines[-1]
    assert Path(done["path"]).exists() and done["sha256"] == sha(Path(done["path"]))
    assert done["sha256"] == hashlib.sha256(sim.package_bytes(done["export_id"])).hexdigest()

    listed = cli(tmp_path, sim, "list", f"course:{course}", "--json")
    exports = [json.loads(line) for line in listed.stdout.splitlines()]
    assert listed.returncode == 0 and exports[0]["id"] == done["export_id"]
    assert all("url" not in (e["attachment"] or {}) for e in exports)
    ids = [e["id"] for e in exports]
    assert ids == sorted(ids, reverse=True)

    shown = cli(tmp_path, sim, "--json", "show", f"course:{course}", str(done["export_id"]))
    assert json.loads(shown.stdout)["workflow_state"] == "exported"

    jobs = cli(tmp_path, sim, "jobs", "--json")
    (job,) = [json.loads(line) for line in jobs.stdout.splitlines()]
    assert job["state"] == "done" and job["sha256"] == done["sha256"]
    assert job["context_label"] == f"course {course}"  # names the package; no extra request for the code


def test_create_without_waiting_then_download(sim: SimulatedCanvas, tmp_path: Path) -> None:
    course = sim.data.main_course_id
    created = cli(tmp_path, sim, "--json", "create", f"course:{course}", "--type", "qti")
    assert created.returncode == 0, created.stderr
    export_id = json.loads(created.stdout.splitlines()[-1])["export_id"]
    result = cli(tmp_path, sim, "download", f"course:{course}", str(export_id), "--to", str(tmp_path / "dl"))
    assert result.returncode == 0, result.stderr
    assert sha(Path(result.stdout.splitlines()[-1])) == hashlib.sha256(sim.package_bytes(export_id)).hexdigest()
    assert len(posts(sim)) == 1


def test_exit_codes(sim: SimulatedCanvas, tmp_path: Path) -> None:
    course = sim.data.main_course_id
    bad_token = cli(tmp_path, sim, "list", f"course:{course}", token=EXPIRED_TOKEN)
    assert bad_token.returncode == 3 and len(bad_token.stderr.strip().splitlines()) == 1

    missing = cli(tmp_path, sim, "show", f"course:{course}", "424242")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr

    invalid = cli(tmp_path, sim, "create", f"group:{sim.data.group_id}", "--type", "qti")
    assert invalid.returncode == 2 and not posts(sim)

    sim.faults.fail_next_export()
    failed = cli(
        tmp_path, sim, "create", f"course:{course}", "--type", "common_cartridge", "--download", str(tmp_path / "dl")
    )
    assert failed.returncode == 1 and "failed" in failed.stderr.lower()

    env = cli_env(tmp_path, sim)
    env["CANVAS_BASE_URL"] = "http://127.0.0.1:9"  # nothing listens there
    unreachable = subprocess.run(
        [*CLI, "list", f"course:{course}"], env=env, cwd=REPO, capture_output=True, text=True, timeout=100
    )
    assert unreachable.returncode == 4 and "Traceback" not in unreachable.stderr


def test_sigkill_mid_download_then_resume(sim: SimulatedCanvas, tmp_path: Path) -> None:
    """kill -9 while the package streams in; `resume` finishes from the .part, creates no
    second export, and the file is byte-identical to the server's package."""
    course = sim.data.main_course_id
    sim.faults.slow_files(400_000)  # ~17 s for the 6.7 MB course zip: plenty of time to kill
    dest = tmp_path / "dl"

    def part_size() -> int:
        parts = list(dest.glob("*.part")) if dest.exists() else []
        return parts[0].stat().st_size if parts else 0

    create = ("create", f"course:{course}", "--type", "zip", "--download", str(dest))
    with cli_running(tmp_path, sim, *create, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        wait_until(lambda: part_size() > 0, what="the .part file to appear")
        first = part_size()
        wait_until(lambda: part_size() > first, what="the .part file to grow")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    (part,) = dest.glob("*.part")
    assert [p for p in dest.iterdir() if p.suffix != ".part"] == []  # nothing under the final name
    kept = part.stat().st_size

    sim.faults.slow_files(None)
    resumed = cli(tmp_path, sim, "resume")
    assert resumed.returncode == 0, resumed.stderr
    saved = Path(resumed.stdout.strip().splitlines()[-1])
    export_id = int(part.name.split(".")[-2])
    assert sha(saved) == hashlib.sha256(sim.package_bytes(export_id)).hexdigest()
    assert len(posts(sim)) == 1  # no second export
    assert file_ranges(sim)[-1] == f"bytes={kept}-"  # continued where the .part ended
    assert not list(dest.glob("*.part"))
    again = cli(tmp_path, sim, "resume")
    assert again.returncode == 0 and "No unfinished jobs" in again.stderr


def _limit_file_size(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_disk_full_then_resume(sim: SimulatedCanvas, tmp_path: Path) -> None:
    """A file-size limit (RLIMIT_FSIZE) makes writes fail past 2 MB, as a full disk
    would: a clear error, exit 1, the .part kept, nothing under the final name."""
    course = sim.data.main_course_id
    dest = tmp_path / "dl"
    full = cli(
        tmp_path,
        sim,
        "create",
        f"course:{course}",
        "--type",
        "zip",
        "--download",
        str(dest),
        preexec_fn=_limit_file_size(2_000_000),
    )
    assert full.returncode == 1, full.stderr
    assert "Not enough space" in full.stderr and "Traceback" not in full.stderr
    (part,) = dest.glob("*.part")
    assert 0 < part.stat().st_size <= 2_000_000
    assert [p for p in dest.iterdir() if p.suffix != ".part"] == []

    resumed = cli(tmp_path, sim, "resume")
    assert resumed.returncode == 0, resumed.stderr
    saved = Path(resumed.stdout.strip().splitlines()[-1])
    export_id = int(part.name.split(".")[-2])
    assert sha(saved) == hashlib.sha256(sim.package_bytes(export_id)).hexdigest()
    assert len(posts(sim)) == 1


def _make_read_only(folder: Path) -> str | None:
    """Make `folder` unwritable even for root where possible. Returns how, or None."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return "chmod"
    if shutil.which("chattr") and subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0:
        return "immutable"
    return None


def _undo_read_only(folder: Path, how: str | None) -> None:
    if how == "immutable":
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
    elif how == "chmod":
        folder.chmod(0o755)


def test_read_only_folder_then_resume(sim: SimulatedCanvas, tmp_path: Path) -> None:
    course = sim.data.main_course_id
    dest = tmp_path / "dl"
    dest.mkdir()
    how = _make_read_only(dest)
    if how is None:
        pytest.skip("cannot make a folder read-only for root here (no chattr)")
    try:
        refused = cli(tmp_path, sim, "create", f"course:{course}", "--type", "zip", "--download", str(dest))
        assert refused.returncode == 1, refused.stderr
        assert "Cannot write to the folder" in refused.stderr and "Traceback" not in refused.stderr
        assert list(dest.iterdir()) == []
    finally:
        _undo_read_only(dest, how)
    resumed = cli(tmp_path, sim, "resume")
    assert resumed.returncode == 0, resumed.stderr
    assert Path(resumed.stdout.strip().splitlines()[-1]).parent == dest
    assert len(posts(sim)) == 1


def test_folder_below_a_file(sim: SimulatedCanvas, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    result = cli(
        tmp_path,
        sim,
        "create",
        f"course:{sim.data.main_course_id}",
        "--type",
        "zip",
        "--download",
        str(tmp_path / "afile" / "dl"),
    )
    assert result.returncode == 1 and "Cannot write to the folder" in result.stderr


def test_demo_server_command(tmp_path: Path) -> None:
    """`canvas-exports demo-server --port 0 --courses 30` prints its address and tokens;
    the CLI works against it, the admin token sees the generated courses; Ctrl+C ends it
    cleanly."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANVAS_")}
    env["PYTHONUNBUFFERED"] = "1"
    server = subprocess.Popen(
        [*CLI, "demo-server", "--port", "0", "--courses", "30", "--export-duration", "0.5"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = server.stdout.readline()
        assert first.startswith("Simulated Canvas running at http://127.0.0.1:")
        base_url = first.rsplit(" ", 1)[-1].strip()
        printed = [next(server.stdout) for _ in range(6)]
        token = next(line for line in printed if "teacher token" in line).split()[2]
        admin_token = next(line for line in printed if "admin token" in line).split()[2]
        assert any("33 (30 generated; exports take 0.5 s)" in line for line in printed), printed
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {admin_token}"}) as http:
            courses = http.get("/api/v1/accounts/1/courses", params={"per_page": 100}).json()
        assert len(courses) == 33
        client_env = {
            **env,
            "HOME": str(tmp_path),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "CANVAS_TOKEN": token,
        }
        listed = subprocess.run(
            [*CLI, "--base-url", base_url, "list", "course:101"],
            env=client_env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert listed.returncode == 0 and listed.stdout.strip(), listed.stderr
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_reexport_uses_the_recorded_selection_even_after_a_download(sim: SimulatedCanvas, tmp_path: Path) -> None:
    course = sim.data.main_course_id
    pages = sim.data.ids("wiki_pages")[:2]
    made = cli(
        tmp_path,
        sim,
        "--json",
        "create",
        f"course:{course}",
        "--type",
        "common_cartridge",
        "--select",
        f"pages={pages[0]},{pages[1]}",
        "--download",
        str(tmp_path / "a"),
    )
    assert made.returncode == 0, made.stderr
    export_id = json.loads(made.stdout.splitlines()[-1])["export_id"]
    again = cli(tmp_path, sim, "download", f"course:{course}", str(export_id), "--to", str(tmp_path / "b"))
    assert again.returncode == 0, again.stderr  # a second job for it, with no selection of its own
    redo = cli(
        tmp_path, sim, "--json", "reexport", f"course:{course}", str(export_id), "--download", str(tmp_path / "c")
    )
    assert redo.returncode == 0, redo.stderr
    record = sim.store.records[json.loads(redo.stdout.splitlines()[-1])["export_id"]]
    assert record.export_type == "common_cartridge"
    assert record.selection.assets["wiki_pages"] == frozenset(f"wiki_page_{i}" for i in pages)


def test_reexport_of_an_export_made_elsewhere_needs_everything(sim: SimulatedCanvas, tmp_path: Path) -> None:
    course = sim.data.main_course_id
    listed = cli(tmp_path, sim, "--json", "list", f"course:{course}")
    elsewhere = next(
        e
        for e in map(json.loads, listed.stdout.splitlines())
        if e["workflow_state"] == "exported" and e["export_type"] in ("zip", "common_cartridge", "qti")
    )
    refused = cli(tmp_path, sim, "reexport", f"course:{course}", str(elsewhere["id"]))
    assert refused.returncode == 2 and "was not started by this app" in refused.stderr
    assert len(posts(sim)) == 0
    everything = cli(tmp_path, sim, "reexport", f"course:{course}", str(elsewhere["id"]), "--everything")
    assert everything.returncode == 0, everything.stderr
    assert len(posts(sim)) == 1


def test_retry_a_job_whose_export_failed_at_canvas(sim: SimulatedCanvas, tmp_path: Path) -> None:
    course = sim.data.main_course_id
    sim.faults.fail_next_export()
    failed = cli(tmp_path, sim, "create", f"course:{course}", "--type", "zip", "--download", str(tmp_path / "dl"))
    assert failed.returncode == 1 and "failed" in failed.stderr
    (job,) = [json.loads(line) for line in cli(tmp_path, sim, "--json", "jobs").stdout.splitlines()]
    retried = cli(tmp_path, sim, "--json", "retry", str(job["id"]))
    assert retried.returncode == 0, retried.stderr
    result = json.loads(retried.stdout.splitlines()[-1])
    assert result["job_id"] != job["id"] and result["export_id"] != job["export_id"]  # a new export
    assert Path(result["path"]).is_file() and len(posts(sim)) == 2


def test_jobs_lists_this_user_s_jobs_unless_all_users(sim: SimulatedCanvas, tmp_path: Path) -> None:
    from desktop_app.simulator import STUDENT_TOKEN

    course = f"course:{sim.data.main_course_id}"
    assert cli(tmp_path, sim, "create", course, "--type", "zip").returncode == 0
    assert cli(tmp_path, sim, "create", course, "--type", "zip", token=STUDENT_TOKEN).returncode == 0
    mine = [json.loads(line) for line in cli(tmp_path, sim, "--json", "jobs", token=STUDENT_TOKEN).stdout.splitlines()]
    assert [job["user_id"] for job in mine] == [sim.data.student_id]
    everyone = [
        json.loads(line)
        for line in cli(tmp_path, sim, "--json", "jobs", "--all-users", token=STUDENT_TOKEN).stdout.splitlines()
    ]
    assert sorted(job["user_id"] for job in everyone) == sorted([sim.data.teacher_id, sim.data.student_id])


def test_a_course_named_by_sis_id_is_recorded_by_its_id_and_code(sim: SimulatedCanvas, tmp_path: Path) -> None:
    named = "course:sis_course_id:CS-2026FA-0101"
    made = cli(tmp_path, sim, "--json", "create", named, "--type", "zip", "--download", str(tmp_path / "dl"))
    assert made.returncode == 0, made.stderr
    done = json.loads(made.stdout.splitlines()[-1])
    assert Path(done["path"]).name.startswith("CS 101")  # named by the course code, as in the app
    jobs = [json.loads(line) for line in cli(tmp_path, sim, "--json", "jobs").stdout.splitlines()]
    assert [(j["context"], j["context_label"]) for j in jobs] == [("course:101", "CS 101")]
    listed = cli(tmp_path, sim, "--json", "list", named)
    assert listed.returncode == 0 and json.loads(listed.stdout.splitlines()[0])["id"] == done["export_id"]
    unknown = cli(tmp_path, sim, "list", "course:sis_course_id:NO-SUCH-COURSE")
    assert unknown.returncode != 0 and "SIS id NO-SUCH-COURSE" in unknown.stderr and "Traceback" not in unknown.stderr
