"""The batch's pure parts: the course CSV, the folder layout, the report and SHA256SUMS,
the retry schedule and the row states."""

from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from desktop_app.app.batch_views import BatchState, RowStatus
from desktop_app.batch import csvinput
from desktop_app.batch.csvinput import parse_course_csv, read_course_csv
from desktop_app.batch.layout import course_folder
from desktop_app.batch.model import Batch, BatchItem, BatchOptions, BatchTarget, ItemState
from desktop_app.batch.report import report_rows, sums_lines, write_report
from desktop_app.batch.retries import Retries
from desktop_app.batch.rows import row_status, row_view
from desktop_app.engine.status import JobStatus
from desktop_app.engine.store import Job


def test_csv_with_bom_semicolons_quotes_and_extra_columns(tmp_path: Path) -> None:
    sheet = tmp_path / "c.csv"
    sheet.write_bytes('\ufeffDept;Course_ID;Box\n"Bio; Chem";12;"A\n1"\nMath;sis_course_id:M-1;B2\n'.encode())
    found = read_course_csv(sheet)
    assert found.problems == []
    assert [t.reference for t in found.targets] == ["course:12", "course:sis_course_id:M-1"]
    assert found.extra_columns == ("Dept", "Box")
    assert found.targets[0].extra == {"Dept": "Bio; Chem", "Box": "A\n1"}


def test_csv_problems_carry_line_numbers_and_are_capped() -> None:
    text = "course_id\n" + "".join(f"x{n}\n" for n in range(80))
    found = parse_course_csv(text)
    assert found.targets == [] and found.problems[0].startswith("line 2: 'x0' is not a course id")
    assert len(found.problems) == csvinput.MAX_PROBLEMS_SHOWN + 1 and "30 more problems" in found.problems[-1]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "line 1: the file is empty"),
        (b"id,name\n1,a\n", "no course_id column (the columns are: id, name)"),
        (b"course_id\n\n\n", "the file lists no courses"),
        (b"course_id\n12\n\xff\xfe\n", "line 3: not UTF-8 text"),
    ],
)
def test_a_bad_csv_says_why(tmp_path: Path, data: bytes, problem: str) -> None:
    sheet = tmp_path / "c.csv"
    sheet.write_bytes(data)
    assert any(problem in p for p in read_course_csv(sheet).problems)


def test_csv_size_and_row_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csvinput, "MAX_CSV_BYTES", 100)
    monkeypatch.setattr(csvinput, "MAX_CSV_ROWS", 3)
    big = tmp_path / "big.csv"
    big.write_text("course_id\n" + "1\n" * 60)
    assert "larger than" in read_course_csv(big).problems[0]
    many = tmp_path / "many.csv"
    many.write_text("course_id\n1\n2\n3\n4\n")
    assert read_course_csv(many).problems == ["line 5: more than 3 courses; split the file"]
    assert "cannot be read" in read_course_csv(tmp_path / "missing.csv").problems[0]


def test_course_folders_are_safe_and_readable(tmp_path: Path) -> None:
    odd = BatchTarget(7, None, "BIO:101", "Cells/Tissues\\Organs", "../../etc")
    path = course_folder(tmp_path, odd)
    assert path.parent.parent == tmp_path and path.name == "BIO - 101 Cells-Tissues-Organs (course 7)"
    assert path.resolve().is_relative_to(tmp_path.resolve()) and path.parent.name not in ("..", ".")
    assert course_folder(tmp_path, BatchTarget(8, None, "", "", "")) == tmp_path / "No term" / "Course 8"
    assert course_folder(tmp_path, BatchTarget(9, None, "Same", "Same", "T")).name == "Same (course 9)"


def _batch(folder: Path, state: BatchState = BatchState.FINISHED, extra: tuple[str, ...] = ()) -> Batch:
    return Batch(1, "b", "s", 1, BatchOptions("zip", folder), state, extra_columns=extra)


def _job(job_id: int, path: Path, **kw: object) -> Job:
    data = path.read_bytes()
    return Job(
        id=job_id,
        site="s",
        context="course:1",
        export_type="zip",
        state=JobStatus.DONE,
        saved_path=path,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        export_id=900 + job_id,
        created_at=datetime(2026, 12, 6, 1, 2, 3, 456, tzinfo=timezone.utc),
        finished_at=datetime(2026, 12, 6, 1, 4, 5, 789, tzinfo=timezone.utc),
        **kw,  # type: ignore[arg-type]
    )


def test_report_and_sums_check_with_sha256sum(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    (folder / "T").mkdir(parents=True)
    plain, odd = folder / "T" / "a b.zip", folder / "T" / "back\\slash\nnew.zip"
    plain.write_bytes(b"one")
    odd.write_bytes(b"two")
    jobs = {1: _job(1, plain), 2: _job(2, odd)}
    items = [
        BatchItem(1, 0, BatchTarget(1, "S1", "C1", "N1", "T", {"box": "A"}), ItemState.JOB, job_id=1),
        BatchItem(1, 1, BatchTarget(2, None, "C2", "N2", "T"), ItemState.SKIPPED, skipped_job_id=2, reason="r"),
        BatchItem(1, 2, BatchTarget(None, "S3"), ItemState.FAILED, reason="Canvas has no course"),
    ]
    batch = _batch(folder, extra=("box", "course_id"))
    write_report(batch, items, jobs)
    rows = list(csv.DictReader((folder / "report.csv").open(encoding="utf-8", newline="")))
    assert [r["state"] for r in rows] == ["saved", "skipped", "failed"]
    assert (
        rows[0]["file"] == "T/a b.zip"
        and rows[0]["box"] == "A"
        and rows[0]["started_at"] == "2026-12-06T01:02:03+00:00"
    )
    assert rows[2]["error"] == "Canvas has no course" and rows[2]["sis_course_id"] == "S3"
    assert report_rows(batch, items, jobs)[0][-1:] == ["box"]  # an extra column named like ours is not repeated
    assert len(sums_lines(batch, items, jobs)) == 2 and sums_lines(batch, items, jobs)[1].startswith("\\")
    if shutil.which("sha256sum"):
        checked = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    assert not list(folder.glob(".*.tmp"))


def test_the_report_replaces_a_planted_symlink_instead_of_writing_through_it(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("keep")
    (folder / "report.csv").symlink_to(victim)
    write_report(_batch(folder), [], {})
    assert victim.read_text() == "keep" and not (folder / "report.csv").is_symlink()


def test_retries_at_once_then_spaced_then_exhausted() -> None:
    now = [0.0]
    retries = Retries(2, 10.0, lambda: now[0])
    assert retries.due(5)  # first sight: at once
    assert not retries.due(5) and retries.next_time() == 10.0  # failed again: in 10 s
    now[0] = 10.0
    assert retries.due(5) and retries.next_time() is None
    assert not retries.due(5) and retries.next_time() == 30.0  # doubled
    now[0] = 30.0
    assert retries.due(5)
    assert not retries.due(5) and retries.exhausted(5) and retries.next_time() is None


def test_an_interrupted_course_waits_while_the_batch_runs_and_fails_once_it_ended(tmp_path: Path) -> None:
    item = BatchItem(1, 0, BatchTarget(1), ItemState.JOB, job_id=1)
    job = Job(id=1, site="s", context="course:1", export_type="zip", state=JobStatus.INTERRUPTED)
    assert row_status(item, job, BatchState.RUNNING) is RowStatus.PAUSED
    assert row_status(item, job, BatchState.FINISHED) is RowStatus.FAILED
    assert row_status(BatchItem(1, 0, BatchTarget(1)), None, BatchState.RUNNING) is RowStatus.WAITING


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"max_at_canvas": 0}, "at most 1 to 20"),
        ({"keep": 0}, "--keep"),
        ({"skip_within_days": -1}, "days"),
        # no date is that far back: the runner's `now - D days` would overflow mid-batch
        ({"skip_within_days": float("inf")}, "days"),
        ({"skip_within_days": float("nan")}, "days"),
        ({"skip_within_days": 1e308}, "days"),
    ],
)
def test_options_are_checked(tmp_path: Path, kw: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BatchOptions("zip", tmp_path, **kw)  # type: ignore[arg-type]


def test_report_cells_from_other_people_never_become_spreadsheet_formulas(tmp_path: Path) -> None:
    hostile = BatchTarget(1, "@SUM(1+1)", '=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-2+3", {"note": "=1+1"})
    items = [BatchItem(1, 0, hostile, ItemState.FAILED, reason="=evil()")]
    rows = report_rows(_batch(tmp_path, extra=("note",)), items, {})
    assert rows[1][1:5] == ["'@SUM(1+1)", '\'=HYPERLINK("http://x")', "'+cmd|' /C calc'!A0", "'-2+3"]
    assert rows[1][12] == "'=evil()" and rows[1][13] == "'=1+1"
    assert rows[1][0] == "1"  # our own numbers stay numbers


def test_report_cells_hold_no_terminal_escapes_or_bidi_controls(tmp_path: Path) -> None:
    # `cat report.csv` in a terminal must not retitle or clear it, and a bidi override
    # must not make one course's row read as another's
    hostile = BatchTarget(1, "S\x1b]0;owned\x07", "\x00=1+1", "\u202eevil\u202c \x1b[2J name", "Fall\r\n2026")
    items = [BatchItem(1, 0, hostile, ItemState.FAILED, reason="no\x9b31m")]
    row = report_rows(_batch(tmp_path), items, {})[1]
    assert row[1:5] == ["S]0;owned", "'=1+1", "evil [2J name", "Fall\n2026"]
    assert row[12] == "no31m"


def test_the_file_column_stays_a_path_a_script_can_open(tmp_path: Path) -> None:
    # a term called "-2026/27" is the folder "-2026-27"; an apostrophe before it would
    # name a file that does not exist, so the path is written as "./-2026-27/…" instead
    folder = tmp_path / "archive"
    (folder / "-2026-27").mkdir(parents=True)
    package = folder / "-2026-27" / "a.zip"
    package.write_bytes(b"one")
    items = [BatchItem(1, 0, BatchTarget(1, None, "C", "N", "-2026/27"), ItemState.JOB, job_id=1)]
    write_report(_batch(folder), items, {1: _job(1, package)})
    (row,) = csv.DictReader((folder / "report.csv").open(encoding="utf-8", newline=""))
    assert row["file"] == "./-2026-27/a.zip" and (folder / row["file"]).read_bytes() == b"one"
    assert row["term"] == "'-2026/27"


def test_a_semicolon_csv_whose_header_quotes_a_comma() -> None:
    # Excel in a comma-decimal locale: `;` between cells, and a column called "Dept, Faculty"
    found = parse_course_csv('"course_id";"Dept, Faculty";"Box, shelf"\r\n101;"Bio, Sciences";"A, 1"\r\n')
    assert found.problems == []
    assert found.extra_columns == ("Dept, Faculty", "Box, shelf")
    assert found.targets[0].extra == {"Dept, Faculty": "Bio, Sciences", "Box, shelf": "A, 1"}


def test_an_unterminated_quote_names_the_line_it_starts_on() -> None:
    found = parse_course_csv('course_id,box\n1,a\n2,"b\n3,c\n')
    assert found.problems == ['line 3: a quoted field never ends (a closing " is missing)']


def test_a_killed_writers_temporary_report_is_cleaned_up(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    stale = folder / ".report.csv.4194303.tmp"  # above Linux's highest process id: nobody's
    stale.write_text("half")
    write_report(_batch(folder), [], {})
    assert not stale.exists() and (folder / "report.csv").exists()


def test_one_folder_however_it_is_written(tmp_path: Path) -> None:
    from desktop_app.batch.layout import same_folder

    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "a")
    assert same_folder(tmp_path / "a" / "b" / ".." / "b", tmp_path / "a" / "b")
    assert same_folder(tmp_path / "link" / "b", tmp_path / "a" / "b")
    assert not same_folder(tmp_path / "a", tmp_path / "a" / "b")


def test_the_report_says_what_the_rows_say_about_every_course(tmp_path: Path) -> None:
    # one source for state, file and reason: a paused course's reason, a package --keep
    # replaced, a course named twice whose other row's job still runs
    folder = tmp_path / "archive"
    folder.mkdir()
    kept, replaced = folder / "kept.zip", folder / "replaced.zip"
    kept.write_bytes(b"one")
    replaced.write_bytes(b"two")
    interrupted = Job(
        id=3, site="s", context="course:3", export_type="zip", state=JobStatus.INTERRUPTED, last_error="Canvas is down"
    )
    running = Job(id=4, site="s", context="course:4", export_type="zip", state=JobStatus.EXPORTING, progress=40.0)
    jobs = {
        1: _job(1, kept),
        2: _job(2, replaced, removed_at=datetime(2026, 12, 7, tzinfo=timezone.utc)),
        3: interrupted,
        4: running,
    }
    items = [
        BatchItem(1, 0, BatchTarget(1), ItemState.JOB, job_id=1),
        BatchItem(1, 1, BatchTarget(2), ItemState.JOB, job_id=2),
        BatchItem(1, 2, BatchTarget(3), ItemState.JOB, job_id=3),
        BatchItem(1, 3, BatchTarget(4), ItemState.JOB, job_id=4),
        BatchItem(1, 4, BatchTarget(4), ItemState.SKIPPED, skipped_job_id=4, reason="The same course as row 4"),
        BatchItem(1, 5, BatchTarget(1), ItemState.SKIPPED, skipped_job_id=1, reason="The same course as row 1"),
    ]
    batch = _batch(folder, BatchState.RUNNING)
    lines = report_rows(batch, items, jobs)[1:]
    for item, line in zip(items, lines, strict=True):
        job = jobs.get(item.job_id) if item.job_id is not None else None
        row = row_view(item, job, batch.state, jobs.get(item.skipped_job_id) if item.skipped_job_id else None)
        file = Path(row.file).relative_to(folder).as_posix() if row.file else ""
        assert (line[6], line[7], line[12]) == (row.status.value, file, row.reason or ""), item.position
    assert [line[6] for line in lines] == ["saved", "saved", "paused", "at_canvas", "at_canvas", "skipped"]
    assert [bool(line[7]) for line in lines] == [True, False, False, False, False, True]
    assert sums_lines(batch, items, jobs) == [f"{jobs[1].sha256}  kept.zip"]
