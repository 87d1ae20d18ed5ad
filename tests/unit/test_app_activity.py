"""The Activity view's, details pane's and automatic retry's decisions (no Qt)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from desktop_app.app.activity import (
    Backoff,
    StateFilter,
    accepts,
    context_title,
    error_of,
    is_transient,
    long_label,
    short_label,
    waiting_for_canvas,
)
from desktop_app.app.details import describe_job, selection_lines
from desktop_app.app.jobs import JobTracker, JobView
from desktop_app.canvas.errors import AuthError, ServerError, UnreachableError
from desktop_app.engine.events import JobDownload, JobError, JobState
from desktop_app.engine.status import JobStatus
from desktop_app.engine.store import Job

SITE = "https://canvas.school.edu"


def test_short_labels_fit_a_cell_and_the_long_ones_explain() -> None:
    for status in JobStatus:
        view = JobView(1, status=status, saved_path="/x.imscc")
        assert len(short_label(view)) <= 12, status
        assert long_label(view)
    assert short_label(JobView(1, status=JobStatus.WAITING_FOR_EXTERNAL_TOOL)) == "New Quizzes…"
    assert short_label(JobView(1, status=JobStatus.INTERRUPTED)) == "Interrupted"
    assert short_label(JobView(1, status=JobStatus.DONE)) == "Ready"  # Canvas only, nothing saved


def test_a_passing_problem_is_said_until_the_job_moves_on() -> None:
    """The engine says why a download (or a create) waits before trying again: the cell
    says "Retrying", the tooltip and details say why, until bytes arrive again."""
    note = "The download stopped (the connection broke). Trying again in 8 s."
    view = JobView(1, status=JobStatus.DOWNLOADING, bytes_done=1000, bytes_total=5000, progress=20.0)
    waiting = view.apply(JobState(1, JobStatus.DOWNLOADING, "Downloading", note))
    assert waiting.note == note and short_label(waiting) == "Retrying"
    assert long_label(waiting) == f"Downloading the package: {note}"
    assert waiting.apply(JobDownload(1, 1000, 5000)).note == note  # the same bytes again: still waiting
    moving = waiting.apply(JobDownload(1, 2000, 5000))
    assert moving.note is None and short_label(moving) == "Downloading"
    stopped = waiting.apply(JobState(1, JobStatus.STOPPED, "Stopped", "Stopped watching."))
    assert stopped.note is None and short_label(stopped) != "Retrying"
    interrupted = waiting.apply(JobState(1, JobStatus.INTERRUPTED, "Interrupted", "Gave up."))
    assert interrupted.note is None and interrupted.error == "Gave up."


def test_state_filter() -> None:
    assert accepts(JobView(1, status=JobStatus.EXPORTING), StateFilter.RUNNING)
    assert accepts(JobView(1, status=JobStatus.QUEUED), StateFilter.WAITING)
    assert accepts(JobView(1, status=JobStatus.STOPPED), StateFilter.INTERRUPTED)
    assert accepts(JobView(1, status=JobStatus.EXPIRED), StateFilter.FAILED)
    assert not accepts(JobView(1, status=JobStatus.DONE), StateFilter.FAILED)
    assert all(accepts(JobView(1, status=s), StateFilter.ALL) for s in JobStatus)


def test_contexts_are_named_as_people_say_them() -> None:
    assert context_title("user:self") == "My files"
    assert context_title("course:12") == "Course 12"
    assert context_title("group:7", {"group:7": "Team A"}) == "Team A"


def test_only_passing_problems_are_retried_by_themselves() -> None:
    assert is_transient("ServerError") and is_transient("MalformedAnswerError")
    assert (
        is_transient("UnreachableError") and is_transient("ThrottledError") and is_transient("RetryAfterTooLongError")
    )
    assert not is_transient("AuthError") and not is_transient("DiskFullError") and not is_transient(None)
    views = [
        JobView(1, status=JobStatus.INTERRUPTED, error_kind="ServerError", site=SITE),
        JobView(2, status=JobStatus.INTERRUPTED, error_kind="AuthError", site=SITE),
        JobView(3, status=JobStatus.INTERRUPTED, error_kind="UnreachableError", site="https://other"),
        JobView(4, status=JobStatus.FAILED, error_kind="ServerError", site=SITE),
        JobView(5, status=JobStatus.INTERRUPTED, error_kind="ServerError", site=SITE, batch_id=3),  # its runner's
    ]
    assert [v.job_id for v in waiting_for_canvas(views, SITE)] == [1]


def test_backoff_doubles_up_to_ten_minutes() -> None:
    b = Backoff()
    assert [b.delay(n) for n in range(7)] == [30, 60, 120, 240, 480, 600, 600]


def test_the_tracker_keeps_the_error_kind_until_the_job_carries_on() -> None:
    tracker = JobTracker()
    tracker.apply(JobState(5, JobStatus.INTERRUPTED, "Interrupted", "Canvas had a problem"))
    view = tracker.apply(JobError(5, ServerError("Canvas had a problem", status=503), "Canvas had a problem"))
    assert view.error_kind == "ServerError" and view.can_resume and not view.can_retry
    assert view.updated_at is not None
    assert isinstance(error_of(view), ServerError)
    view = tracker.apply(JobState(5, JobStatus.EXPORTING, "Exporting"))
    assert view.error_kind is None and view.error is None


def test_details_name_what_was_selected_and_the_whole_error() -> None:
    assert selection_lines({}) == ["Everything"]
    names = {("pages", 1): "Syllabus", ("pages", 2): "Week 1"}
    assert selection_lines({"pages": [1, 2], "quizzes": [9]}, lambda k, i: names.get((k, i))) == [
        "2 pages: Syllabus, Week 1",
        "1 quiz",
    ]
    job = Job(
        id=3,
        site=SITE,
        context="user:self",
        export_type="zip",
        state=JobStatus.INTERRUPTED,
        selection={"files": [1, 2, 3]},
        export_id=77,
        sha256=None,
        last_error="No answer from Canvas.",
        error_kind="UnreachableError",
        created_at=datetime(2025, 3, 1, tzinfo=timezone.utc),
        dest_dir=Path("/tmp/d"),
    )
    view = JobView.from_job(job)
    details = describe_job(view, job)
    rows = dict(details.rows)
    assert details.title == "My files · Zip · export 77"
    assert rows["Context"] == "My files" and rows["Selected"] == "3 files"
    assert rows["Export id"] == "77" and rows["Saves to"] == str(Path("/tmp/d"))
    assert details.problem == "No answer from Canvas." and isinstance(details.error, UnreachableError)
    assert not isinstance(details.error, AuthError)
