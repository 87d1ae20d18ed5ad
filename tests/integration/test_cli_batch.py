"""`canvas-exports batch …` as cron and admins run it: subprocesses over real HTTP."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from engine_support import CLI, cli_env, posts, wait_until

from desktop_app.simulator import SimulatedCanvas

pytestmark = pytest.mark.timeout(120)

REPO = Path(__file__).resolve().parents[2]


def cli(home: Path, sim: SimulatedCanvas, *args: str, token: str | None = None) -> subprocess.CompletedProcess:
    env = cli_env(home, sim, **({"token": token} if token else {}))
    env["XDG_STATE_HOME"] = str(home / "state")
    return subprocess.run([*CLI, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=100)


def report(folder: Path) -> list[dict[str, str]]:
    with (folder / "report.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def start_mine_waiting(home: Path, sim: SimulatedCanvas, folder: Path) -> subprocess.Popen[str]:
    """`batch start --mine --wait` in the background, once Canvas has both exports."""
    process = subprocess.Popen(
        [*CLI, "batch", "start", "--mine", "--type", "zip", "--to", str(folder), "--wait"],
        env=cli_env(home, sim),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_until(lambda: len(posts(sim)) == 2, what="both exports created")
    return process


def paused_for_sign_in(home: Path, sim: SimulatedCanvas, folder: Path) -> tuple[int, str, str]:
    """Batch 1 started, then its token revoked mid-batch: (exit code, stderr, a new token)."""
    from desktop_app.simulator import TEACHER_TOKEN

    process = start_mine_waiting(home, sim, folder)
    sim.faults.revoke_token(TEACHER_TOKEN)
    _, err = process.communicate(timeout=100)
    return process.returncode, err, sim.issue_token(sim.data.teacher_id)


def test_mine_waits_prints_a_line_per_course_change_and_the_report_last(sim: SimulatedCanvas, tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    result = cli(tmp_path, sim, "batch", "start", "--mine", "--type", "zip", "--to", str(folder), "--wait")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(folder / "report.csv")
    lines = result.stderr.splitlines()
    assert sum("Saved" in line for line in lines) == 2 and sum("Downloading" in line for line in lines) == 2
    rows = report(folder)
    assert {r["course_id"] for r in rows} == {"101", "102"} and {r["state"] for r in rows} == {"saved"}
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    assert "token" not in result.stderr.lower()


def test_a_csv_with_bad_rows_is_refused_with_line_numbers_before_any_request(
    sim: SimulatedCanvas, tmp_path: Path
) -> None:
    sheet = tmp_path / "courses.csv"
    sheet.write_text("course_id,box\n101,A1\nbiology,A2\n\n101,A3\nsis_course_id:,A4\n", encoding="utf-8")
    sim.clear_log()
    result = cli(tmp_path, sim, "batch", "start", "--csv", str(sheet), "--type", "zip", "--to", str(tmp_path / "o"))
    assert result.returncode == 2
    assert "line 3: 'biology' is not a course id" in result.stderr
    assert "line 5: '101' is already on line 2" in result.stderr and "line 6:" in result.stderr
    assert sim.request_log == [] and not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mine", "--max-at-canvas", "0"], "at most 1 to 20"),
        (["--mine", "--keep", "0"], "--keep needs 1 or more"),
        (["--mine", "--skip-if-saved-within", "inf"], "--skip-if-saved-within needs"),
        (["--mine", "--search", "x"], "at least 2 characters"),
        (["--mine", "--course", "course:1"], "not allowed with argument"),
        (["--course", "group:7"], "not a course"),
    ],
)
def test_usage_problems_exit_2_in_one_line(sim: SimulatedCanvas, tmp_path: Path, args: list[str], message: str) -> None:
    sim.clear_log()
    result = cli(tmp_path, sim, "batch", "start", *args, "--type", "zip", "--to", str(tmp_path / "o"))
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not [r for r in sim.request_log if r.method == "POST"]


def test_without_wait_a_worker_runs_the_batch_and_show_follows_it(sim: SimulatedCanvas, tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    started = cli(tmp_path, sim, "batch", "start", "--mine", "--type", "zip", "--to", str(folder), "--json")
    assert started.returncode == 0, started.stderr
    batch_id = json.loads(started.stdout.strip().splitlines()[-1])["batch_id"]

    def finished() -> bool:
        shown = cli(tmp_path, sim, "batch", "show", str(batch_id), "--json")
        return json.loads(shown.stdout.splitlines()[0])["state"] == "finished"

    wait_until(finished, timeout=60, what="the worker to finish the batch")
    shown = cli(tmp_path, sim, "batch", "show", str(batch_id), "--json")
    rows = [json.loads(line) for line in shown.stdout.splitlines()[1:]]
    assert [r["state"] for r in rows] == ["saved", "saved"] and all(Path(r["file"]).exists() for r in rows)
    listed = cli(tmp_path, sim, "batch", "list")
    assert listed.returncode == 0 and "Finished" in listed.stdout and "2 saved" in listed.stdout
    assert len(posts(sim)) == 2


def test_a_revoked_token_pauses_the_batch_with_exit_3_and_resume_finishes_it(
    sim: SimulatedCanvas, tmp_path: Path
) -> None:
    from desktop_app.simulator import TEACHER_TOKEN

    sim.export_duration = 2.0
    folder = tmp_path / "archive"
    code, err, token = paused_for_sign_in(tmp_path, sim, folder)
    assert code == 3 and "batch resume 1" in err, err
    assert TEACHER_TOKEN not in err

    sim.export_duration = 0.2
    resumed = cli(tmp_path, sim, "batch", "resume", "1", "--wait", token=token)
    assert resumed.returncode == 0, resumed.stderr
    assert {r["state"] for r in report(folder)} == {"saved"}
    assert len(posts(sim)) == 2  # the exports made before the token was revoked were carried on


def test_kill_9_then_resume_finishes_with_one_export_per_course(sim: SimulatedCanvas, tmp_path: Path) -> None:
    import signal

    sim.export_duration = 1.5
    folder = tmp_path / "archive"
    process = start_mine_waiting(tmp_path, sim, folder)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    plain = cli(tmp_path, sim, "resume")  # single jobs only: the batch says how it carries on
    assert plain.returncode == 0 and "batch resume 1" in plain.stderr, plain.stderr
    assert len(posts(sim)) == 2

    resumed = cli(tmp_path, sim, "batch", "resume", "1", "--wait")
    assert resumed.returncode == 0, resumed.stderr
    assert {r["state"] for r in report(folder)} == {"saved"} and len(posts(sim)) == 2


def test_an_admin_exports_a_term_of_an_account_with_sis_ids_in_the_report(make_canvas_sim: Any, tmp_path: Path) -> None:
    from desktop_app.simulator import ADMIN_TOKEN

    sim = make_canvas_sim(bulk_courses=24, export_duration=0.2)
    in_term = sorted(c.id for c in sim.data.courses.values() if c.term.name == "Fall 2026")
    folder = tmp_path / "2026FA"
    result = cli(
        tmp_path,
        sim,
        *("batch", "start", "--account", "self", "--term", "2026FA", "--type", "zip", "--to", str(folder)),
        "--wait",
        token=ADMIN_TOKEN,
    )
    assert result.returncode == 0, result.stderr
    rows = report(folder)
    assert sorted(int(r["course_id"]) for r in rows) == in_term
    assert all(r["state"] == "saved" and r["term"] == "Fall 2026" for r in rows)
    sis = {r["course_id"]: r["sis_course_id"] for r in rows}
    assert sis[str(in_term[-1])] == next(k for k, v in sim.data.sis_courses.items() if v == in_term[-1])
    assert len(posts(sim)) == len(in_term)
    assert all((folder / "Fall 2026").iterdir())


def test_a_csv_of_sis_ids_with_a_deleted_and_a_forbidden_course_reports_why_and_exits_1(
    make_canvas_sim: Any, tmp_path: Path
) -> None:
    from desktop_app.simulator import ADMIN_TOKEN

    sim = make_canvas_sim(bulk_courses=6, export_duration=0.2)
    by_id = {v: k for k, v in sim.data.sis_courses.items()}
    ids = [100001, 100002, 100003, 100004]
    sim.faults.delete_course(100002)
    sim.faults.forbid_course(100003)
    sheet = tmp_path / "courses.csv"
    sheet.write_text(
        "course_id,box\n"
        + "".join(f"sis_course_id:{by_id[i]},B{n}\n" for n, i in enumerate(ids[:3]))
        + "100004,B3\nsis_course_id:NOPE-1,B4\n",
        encoding="utf-8",
    )
    folder = tmp_path / "out"
    result = cli(
        tmp_path,
        sim,
        "batch",
        "start",
        "--csv",
        str(sheet),
        "--type",
        "zip",
        "--to",
        str(folder),
        "--wait",
        token=ADMIN_TOKEN,
    )
    assert result.returncode == 1, result.stderr
    rows = report(folder)
    assert [r["box"] for r in rows] == ["B0", "B1", "B2", "B3", "B4"]  # the CSV's own columns come along
    assert [r["state"] for r in rows] == ["saved", "failed", "failed", "saved", "failed"]
    assert rows[0]["course_code"] and rows[0]["sis_course_id"] == by_id[100001]
    assert "no course" in rows[1]["error"] and "may not export" in rows[2]["error"]
    assert "NOPE-1" in rows[4]["error"]
    assert len(posts(sim)) == 2


def test_a_folder_of_an_unfinished_batch_is_refused_for_a_second_batch(sim: SimulatedCanvas, tmp_path: Path) -> None:
    sim.export_duration = 2.0
    folder = tmp_path / "archive"
    code, _, token = paused_for_sign_in(tmp_path, sim, folder)
    assert code == 3  # batch 1 is paused until someone signs in again
    second = cli(tmp_path, sim, "batch", "start", "--mine", "--type", "zip", "--to", str(folder), token=token)
    assert second.returncode == 2 and "Batch 1" in second.stderr and "another folder" in second.stderr
    elsewhere = tmp_path / "b"
    other = cli(
        tmp_path, sim, "batch", "start", "--mine", "--type", "zip", "--to", str(elsewhere), "--wait", token=token
    )
    assert other.returncode == 0, other.stderr


def test_a_closed_pipe_ends_the_command_quietly(
    sim: SimulatedCanvas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from desktop_app.cli import main

    class ClosedPipe(io.StringIO):  # `canvas-exports … | head -n 1` once head has exited
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    for name, value in cli_env(tmp_path, sim).items():
        monkeypatch.setenv(name, value)
    err = io.StringIO()
    assert main(["list", "course:101"], stdout=ClosedPipe(), stderr=err) == 141
    assert err.getvalue() == ""


def test_a_course_name_with_line_breaks_cannot_forge_lines_of_the_log(sim: SimulatedCanvas, tmp_path: Path) -> None:
    import dataclasses

    # a teacher names a course so that a nightly log seems to say something else
    course = sim.data.courses[101]
    sim.data.courses[101] = dataclasses.replace(course, name="Cells\n   9  Saved  forged (999)\r\x0btail-marker")
    folder = tmp_path / "archive"
    started = cli(
        tmp_path, sim, "batch", "start", "--course", "course:101", "--type", "zip", "--to", str(folder), "--wait"
    )
    assert started.returncode == 0, started.stderr
    shown = cli(tmp_path, sim, "batch", "show", "1")
    for output in (started.stderr, shown.stdout):
        named = [line for line in output.splitlines() if "forged" in line or "tail-marker" in line]
        assert named and all("Cells" in line and "(101)" in line for line in named), output


def test_a_second_resume_leaves_the_batch_to_the_process_running_it(
    make_canvas_sim: Any, sim_clock: Any, tmp_path: Path
) -> None:
    # two cron lines (or a user and cron) resuming one batch: the second finds it held and
    # leaves it alone with exit 0 (1 would say "some courses failed"). Canvas's clock stands
    # still, so the exports wait at Canvas and the first holds the batch until it moves.
    from desktop_app.batch.store import BatchStore
    from desktop_app.engine.store import JobStore

    sim = make_canvas_sim(clock=sim_clock, export_duration=10.0)
    folder = tmp_path / "archive"
    code, _, token = paused_for_sign_in(tmp_path, sim, folder)
    assert code == 3  # paused until someone signs in again
    first = subprocess.Popen(
        [*CLI, "batch", "resume", "1", "--wait"],
        env=cli_env(tmp_path, sim, token=token),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    jobs = JobStore(tmp_path / "data" / "canvas-export-manager" / "jobs.sqlite3")
    try:
        holder = BatchStore(jobs).holder
        wait_until(lambda: getattr(holder(1), "pid", None) == first.pid, what="the first resume to hold the batch")
    finally:
        jobs.close()
    second = cli(tmp_path, sim, "batch", "resume", "1", "--wait", token=token)
    assert second.returncode == 0, second.stderr
    assert f"being run by another Canvas Export Manager (process {first.pid} " in second.stderr
    assert second.stdout == "" and "Traceback" not in second.stderr  # it ran nothing, so it names no report
    sim_clock.advance(11.0)  # Canvas finishes both exports
    out, err = first.communicate(timeout=100)
    assert first.returncode == 0 and "Traceback" not in err and "error:" not in err, err
    assert out.strip().splitlines()[-1] == str(folder / "report.csv")
    assert {r["state"] for r in report(folder)} == {"saved"} and len(posts(sim)) == 2


def test_resuming_a_finished_batch_changes_nothing(sim: SimulatedCanvas, tmp_path: Path) -> None:
    # a cron `batch resume` of a batch that finished, a moment or a month ago: it keeps
    # its end time, and the folder keeps the report of the newest batch saved into it
    folder = tmp_path / "archive"
    for course in ("course:101", "course:102"):
        done = cli(tmp_path, sim, "batch", "start", "--course", course, "--type", "zip", "--to", str(folder), "--wait")
        assert done.returncode == 0, done.stderr

    def finished_at() -> str:
        return str(json.loads(cli(tmp_path, sim, "batch", "show", "1", "--json").stdout.splitlines()[0])["finished_at"])

    before = finished_at()
    resumed = cli(tmp_path, sim, "batch", "resume", "1", "--wait")
    assert resumed.returncode == 0 and "Traceback" not in resumed.stderr, resumed.stderr
    assert finished_at() == before
    assert [r["course_id"] for r in report(folder)] == ["102"]  # batch 2's report, not rewritten by batch 1
    assert len(posts(sim)) == 2


def test_a_full_disk_pauses_the_batch_and_resume_finishes_it(make_canvas_sim: Any, tmp_path: Path) -> None:
    import resource

    from desktop_app.simulator import ADMIN_TOKEN

    sim = make_canvas_sim(bulk_courses=3)

    def small_disk() -> None:  # writes past 2 MB fail as on a full disk (the course 101 zip is 6.7 MB)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2_000_000, 2_000_000))

    folder = tmp_path / "archive"
    courses = ["course:101", "course:100001", "course:100002", "course:100003"]
    full = subprocess.run(
        [*CLI, "batch", "start", "--course", *courses, "--type", "zip", "--to", str(folder)]
        + ["--max-at-canvas", "1", "--wait"],
        env=cli_env(tmp_path, sim, token=ADMIN_TOKEN),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=100,
        preexec_fn=small_disk,
    )
    assert full.returncode == 1 and "is paused" in full.stderr and "Traceback" not in full.stderr, full.stderr
    assert len(posts(sim)) <= 2  # paused at the full disk: the rest of the courses did not start at Canvas
    resumed = cli(tmp_path, sim, "batch", "resume", "1", "--wait", token=ADMIN_TOKEN)
    assert resumed.returncode == 0, resumed.stderr
    assert {r["state"] for r in report(folder)} == {"saved"} and len(posts(sim)) == 4


def test_a_term_folder_planted_as_a_link_is_not_written_through(sim: SimulatedCanvas, tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    folder.mkdir()
    (folder / "Fall 2026").symlink_to(elsewhere)  # course 101's term folder
    result = cli(tmp_path, sim, "batch", "start", "--mine", "--type", "zip", "--to", str(folder), "--wait")
    assert result.returncode == 1
    rows = {r["course_id"]: r for r in report(folder)}
    assert rows["101"]["state"] == "failed" and "is a link" in rows["101"]["error"]
    assert rows["102"]["state"] == "saved" and list(elsewhere.iterdir()) == []


def test_a_folder_that_cannot_be_written_is_refused_before_anything_starts(
    sim: SimulatedCanvas, tmp_path: Path
) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    result = cli(tmp_path, sim, "batch", "start", "--mine", "--type", "zip", "--to", str(blocker / "archive"), "--wait")
    assert result.returncode == 2 and "Cannot save into" in result.stderr, result.stderr
    assert posts(sim) == [] and "report.csv" not in result.stdout


def course_named_twice_failed_once(home: Path, sim: SimulatedCanvas, folder: Path, *options: str) -> None:
    """Batch 1: course 101 by id and by SIS id, its export failed at Canvas. Row 1 failed;
    row 2, skipped as the same course, failed with it (it names the failed export)."""
    sim.faults.fail_next_export()
    twice = ["course:101", f"course:sis_course_id:{sim.data.courses[101].sis_course_id}"]
    first = cli(
        home, sim, "batch", "start", "--course", *twice, "--type", "zip", "--to", str(folder), *options, "--wait"
    )
    assert first.returncode == 1, first.stderr
    assert [r["state"] for r in report(folder)] == ["failed", "failed"]


def test_retry_failed_gives_every_row_of_a_course_named_twice_its_new_package(
    sim: SimulatedCanvas, tmp_path: Path
) -> None:
    folder = tmp_path / "archive"
    course_named_twice_failed_once(tmp_path, sim, folder)
    retried = cli(tmp_path, sim, "batch", "retry", "1", "--wait")
    assert retried.returncode == 0, retried.stderr
    rows = report(folder)
    assert [r["state"] for r in rows] == ["saved", "skipped"] and rows[1]["file"] == rows[0]["file"] != "", rows
    assert (folder / rows[0]["file"]).is_file() and len(posts(sim)) == 2  # the failed export and one new one
    shown = [json.loads(line) for line in cli(tmp_path, sim, "batch", "show", "1", "--json").stdout.splitlines()[1:]]
    assert shown[1]["file"] == shown[0]["file"] and shown[1]["export_id"] == shown[0]["export_id"]


def test_retry_failed_skips_a_course_saved_since_and_every_row_names_that_package(
    sim: SimulatedCanvas, tmp_path: Path
) -> None:
    # between the batch and Retry failed, the course was saved by hand: it is now skipped as
    # saved recently, on both of its rows, each naming the package that made it skip
    folder = tmp_path / "archive"
    course_named_twice_failed_once(tmp_path, sim, folder, "--skip-if-saved-within", "1")
    by_hand = cli(tmp_path, sim, "create", "course:101", "--type", "zip", "--download", str(tmp_path / "by hand"))
    assert by_hand.returncode == 0, by_hand.stderr
    package = by_hand.stdout.strip().splitlines()[-1]
    retried = cli(tmp_path, sim, "batch", "retry", "1", "--wait")
    assert retried.returncode == 0, retried.stderr
    rows = report(folder)
    assert [r["state"] for r in rows] == ["skipped", "skipped"] and [r["file"] for r in rows] == [package] * 2, rows
    assert len(posts(sim)) == 2  # the failed export and the one by hand: none for the retry
