"""JobTracker: one source of truth for jobs, fed by engine events and job store rows."""

from __future__ import annotations

from pathlib import Path

from desktop_app.app.jobs import JobTracker, JobView
from desktop_app.engine.events import JobCreated, JobDone, JobDownload, JobProgress, JobState
from desktop_app.engine.status import JobStatus
from desktop_app.engine.store import JobStore

SITE = "https://canvas.test"


def test_a_new_job_is_known_from_its_created_event_with_site_and_context() -> None:
    tracker = JobTracker()
    seen: list[JobView] = []
    tracker.subscribe(seen.append)
    tracker.apply(JobCreated(1, SITE, "course:7", "zip"))
    tracker.apply(JobState(1, JobStatus.EXPORTING, "Exporting", export_id=90))
    tracker.apply(JobProgress(1, 40.0))
    view = tracker.get(1)
    assert view is not None and (view.site, view.context, view.export_id) == (SITE, "course:7", 90)
    assert view.status is JobStatus.EXPORTING and view.progress == 40.0
    assert [v.status for v in seen] == [JobStatus.CREATING, JobStatus.EXPORTING, JobStatus.EXPORTING]
    assert tracker.for_context(SITE, "course:7") == [view] and tracker.for_context(SITE, "course:8") == []


def test_an_unchanged_view_notifies_nobody() -> None:
    tracker = JobTracker()
    tracker.apply(JobCreated(1, SITE, "course:7", "zip"))
    seen: list[JobView] = []
    tracker.subscribe(seen.append)
    tracker.apply(JobCreated(1, SITE, "course:7", "zip"))
    assert seen == []


def test_a_store_row_older_than_the_events_does_not_go_back_in_time(tmp_path: Path) -> None:
    """At sign-in, resumed jobs send events before the window has read the store: the
    row fills in site and context, the live state stays."""
    with JobStore(tmp_path / "jobs.sqlite3") as store:
        job = store.add(site=SITE, context="course:7", export_type="zip", state=JobStatus.QUEUED)
        tracker = JobTracker()
        tracker.apply(JobState(job.id, JobStatus.DOWNLOADING, "Downloading"))
        tracker.apply(JobDownload(job.id, 500, 1000))
        (merged,) = tracker.merge(store.jobs())
    assert merged.status is JobStatus.DOWNLOADING and merged.bytes_done == 500
    assert (merged.site, merged.context, merged.export_type) == (SITE, "course:7", "zip")


def test_a_job_first_seen_in_the_store_takes_the_store_s_state(tmp_path: Path) -> None:
    with JobStore(tmp_path / "jobs.sqlite3") as store:
        job = store.add(
            site=SITE,
            context="group:3",
            export_type="zip",
            state=JobStatus.DONE,
            saved_path=tmp_path / "g.zip",
            size=12,
        )
        tracker = JobTracker()
        (view,) = tracker.merge(store.jobs())
    assert view.job_id == job.id and view.status is JobStatus.DONE
    assert view.saved_path == str(tmp_path / "g.zip") and view.bytes_total == 12


def test_counts_say_what_the_status_bar_says() -> None:
    tracker = JobTracker()
    for job_id, state in (
        (1, JobStatus.QUEUED),
        (2, JobStatus.EXPORTING),
        (3, JobStatus.VERIFYING),
        (4, JobStatus.INTERRUPTED),
        (5, JobStatus.DONE),
    ):
        tracker.apply(JobState(job_id, state, state.label))
    assert tracker.counts() == (2, 1)
    tracker.apply(JobDone(3, Path("x.zip"), "ab", 3))
    assert tracker.counts() == (2, 0)


def test_unsubscribe_and_clear() -> None:
    tracker = JobTracker()
    seen: list[JobView] = []
    unsubscribe = tracker.subscribe(seen.append)
    tracker.apply(JobCreated(1, SITE, "course:7", "zip"))
    unsubscribe()
    tracker.apply(JobState(1, JobStatus.EXPORTING, "Exporting"))
    assert len(seen) == 1
    tracker.clear()
    assert tracker.views() == [] and tracker.get(1) is None
