"""Saved packages are named by what a person sorts by (#11): context, type, day, id."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop_app.canvas.models import Context, ExportType, WorkflowState
from desktop_app.engine.download import MAX_NAME_BYTES, safe_filename
from desktop_app.engine.names import context_label_of, package_name
from desktop_app.engine.status import JobStatus
from desktop_app.engine.store import MIGRATIONS, JobStore, migrate
from tests.unit.test_engine_jobs import SITE, FakeCanvas, make_engine, recorded_job, resume_after_restart

UTC = timezone.utc
NOON = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_the_name_a_person_sorts_by() -> None:
    assert package_name("BIO-101", ExportType.COMMON_CARTRIDGE, NOON, 9027, "biology-101-export.imscc", tz=UTC) == (
        "BIO-101 Common Cartridge 2026-12-06 export 9027.imscc"
    )
    assert package_name("Project Team", "zip", NOON, 12, "files_export.zip", tz=UTC) == (
        "Project Team Zip 2026-12-06 export 12.zip"
    )
    assert package_name("My files", ExportType.QTI, NOON, 7, "x-quiz-export.zip", tz=UTC) == (
        "My files QTI 2026-12-06 export 7.zip"
    )


def test_the_date_is_the_exports_creation_day_in_the_given_zone() -> None:
    late = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    assert "2026-12-06" in package_name("C", "zip", late, 1, "a.zip", tz=UTC)
    assert "2026-12-07" in package_name("C", "zip", late, 1, "a.zip", tz=timezone(timedelta(hours=2)))
    assert "2026-12-06" in package_name("C", "zip", late, 1, "a.zip", tz=timezone(timedelta(hours=-5)))
    local = package_name("C", "zip", late, 1, "a.zip")  # this computer's zone: some day, ISO form
    assert local.startswith("C Zip 2026-12-0") and local.endswith(" export 1.zip")
    assert package_name("C", "zip", None, 1, "a.zip") == "C Zip export 1.zip"  # no date known: left out


def test_the_extension_is_the_attachments() -> None:
    assert package_name("C", "common_cartridge", NOON, 1, "x.IMSCC", tz=UTC).endswith(" export 1.IMSCC")
    assert package_name("C", "zip", NOON, 1, "archive.tar.gz", tz=UTC).endswith(" export 1.gz")
    # none given: what the type makes
    assert package_name("C", "common_cartridge", NOON, 1, "", tz=UTC).endswith(" export 1.imscc")
    assert package_name("C", "zip", NOON, 1, None, tz=UTC).endswith(" export 1.zip")
    assert package_name("C", "qti", NOON, 1, "noextension", tz=UTC).endswith(" export 1.zip")


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("BIO: 101", "BIO - 101 Zip 2026-12-06 export 5.zip"),  # colons read as dashes
        ("a/b\\c", "a-b-c Zip 2026-12-06 export 5.zip"),
        ("  two   spaces\n", "two spaces Zip 2026-12-06 export 5.zip"),
        ('what?<is>"this"|*', "what__is__this___ Zip 2026-12-06 export 5.zip"),
        ("..hidden", "hidden Zip 2026-12-06 export 5.zip"),
        ("CON", "CON Zip 2026-12-06 export 5.zip"),
        ("", "Zip 2026-12-06 export 5.zip"),
        (None, "Zip 2026-12-06 export 5.zip"),
        ("bidi\u202etxt.exe", "biditxt.exe Zip 2026-12-06 export 5.zip"),
    ],
)
def test_labels_are_sanitised(label: str | None, expected: str) -> None:
    name = package_name(label, "zip", NOON, 5, "files.zip", tz=UTC)
    assert name == expected
    assert safe_filename(name) == name  # already safe everywhere


def test_a_long_label_is_cut_but_type_date_and_id_stay() -> None:
    name = package_name("Ω" * 400, "common_cartridge", NOON, 123456789, "a.imscc", tz=UTC)
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert name.endswith("… Common Cartridge 2026-12-06 export 123456789.imscc")
    odd = package_name("C", "some_future_type" * 10, NOON, 42, "p.zip", tz=UTC)
    assert odd.endswith(" 2026-12-06 export 42.zip") and len(odd.encode("utf-8")) <= MAX_NAME_BYTES


def test_no_two_exports_share_a_name() -> None:
    """Unique by construction: the export id is in every name, whole."""
    names = set()
    for export_id in range(1, 2001):
        for label in ("BIO-101", "Ω" * 400):
            name = package_name(label, "common_cartridge", NOON, export_id, "biology-101-export.imscc", tz=UTC)
            assert name not in names
            names.add(name)
    assert len(names) == 4000


def test_context_label_when_nothing_better_is_known() -> None:
    assert context_label_of("course:101") == "course 101"
    assert context_label_of(Context.parse("group:7")) == "group 7"
    assert context_label_of("user:self") == "My files"


def test_the_store_keeps_the_context_label_and_upgrades_from_schema_5(tmp_path: Path) -> None:
    path = tmp_path / "jobs.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, MIGRATIONS[:5])
    conn.execute(
        "INSERT INTO jobs (site, context, export_type, state, created_at, updated_at) "
        "VALUES ('s', 'course:1', 'zip', 'done', '2025-01-01T00:00:00+00:00', '2025-01-01T00:00:00+00:00')"
    )
    conn.close()
    store = JobStore(path)
    assert store.version == len(MIGRATIONS) and [j.context_label for j in store.jobs()] == [None]
    job = store.add(site="s", context="course:2", export_type="zip", state=JobStatus.CREATING, context_label="BIO-101")
    assert store.get(job.id).context_label == "BIO-101"
    assert job.to_json()["context_label"] == "BIO-101"


def test_the_engine_records_the_label_given_to_start_export_and_attach(tmp_path: Path) -> None:
    canvas = FakeCanvas()
    other = canvas.add(state=WorkflowState.EXPORTED)

    async def go():
        engine = make_engine(tmp_path, canvas, [])
        started = await engine.start_export(SITE, "course:1", "zip", context_label="BIO-101")
        attached = await engine.attach(SITE, "course:1", other, None, context_label="BIO-101")
        return await engine.wait(started), await engine.wait(attached)

    for job in asyncio.run(go()):
        assert job.context_label == "BIO-101"


def test_a_crash_after_saving_under_the_new_name_is_recognised(tmp_path: Path) -> None:
    """_already_saved looks for the package under its new name (and Canvas's, for
    packages saved before names.py)."""
    canvas = FakeCanvas()
    eid = canvas.add(state=WorkflowState.EXPORTED)
    job = recorded_job(
        tmp_path,
        export_type="common_cartridge",
        state=JobStatus.VERIFYING,
        export_id=eid,
        export_created_at=NOON,
        context_label="BIO-101",
        attachment_name="My Course-export.imscc",
        part_path=tmp_path / "gone.part",
        sha256=hashlib.sha256(canvas.package).hexdigest(),
        size=len(canvas.package),
    )
    saved = tmp_path / package_name("BIO-101", "common_cartridge", NOON, eid, "My Course-export.imscc")
    saved.write_bytes(canvas.package)

    _, final = resume_after_restart(tmp_path, canvas, job.id)
    assert final.state is JobStatus.DONE and final.saved_path == saved and canvas.package_reads == []
