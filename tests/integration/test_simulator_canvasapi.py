"""The simulated Canvas checked by an independent client: ucfopen's canvasapi.

canvasapi was written against real Canvas, so if it can list, create and show exports
and query their Progress here, the simulator speaks Canvas's dialect, not just ours.
A manual clock moves exports through their lifecycle without sleeping.
"""

from __future__ import annotations

import pytest
from canvasapi import Canvas
from canvasapi.exceptions import BadRequest, Forbidden, InvalidAccessToken, RateLimitExceeded, Unauthorized

from desktop_app.simulator import EXPIRED_TOKEN, SimulatedCanvas

pytestmark = pytest.mark.filterwarnings("ignore:Canvas may respond unexpectedly:UserWarning")  # plain http on loopback


@pytest.fixture
def sim(make_canvas_sim, sim_clock) -> SimulatedCanvas:
    return make_canvas_sim(clock=sim_clock, export_duration=10.0)


@pytest.fixture
def teacher(sim: SimulatedCanvas, teacher_token: str) -> Canvas:
    return Canvas(sim.base_url, teacher_token)


@pytest.fixture
def student(sim: SimulatedCanvas, student_token: str) -> Canvas:
    return Canvas(sim.base_url, student_token)


def test_current_user_courses_with_terms_and_groups(teacher: Canvas, sim: SimulatedCanvas) -> None:
    assert teacher.get_current_user().name == "Ada Lovelace"
    courses = {c.id: c for c in teacher.get_courses(include=["term"])}
    main = courses[sim.data.main_course_id]
    assert main.term["name"] == "Fall 2026"
    assert main.enrollments[0]["type"] == "teacher"
    assert {c.term["name"] for c in courses.values()} == {"Fall 2026", "Spring 2027"}
    assert sim.data.group_id in [g.id for g in teacher.get_current_user().get_groups()]


def test_course_export_goes_through_progress_to_exported(teacher: Canvas, sim: SimulatedCanvas, sim_clock) -> None:
    course = teacher.get_course(sim.data.main_course_id)
    pages, quizzes = sim.data.ids("wiki_pages")[:2], sim.data.ids("quizzes")[:1]
    export = course.export_content(
        "common_cartridge", select={"pages": pages, "quizzes": quizzes}, skip_notifications=True
    )
    assert export.workflow_state == "created"
    assert export.course_id == sim.data.main_course_id and not hasattr(export, "attachment")
    progress = teacher.get_progress(int(export.progress_url.rsplit("/", 1)[1]))
    assert (progress.workflow_state, progress.completion, progress.tag) == ("queued", 0.0, "content_export")
    assert progress.context_id == export.id and progress.context_type == "ContentExport"

    sim_clock.advance(5.0)
    progress.query()
    assert progress.workflow_state == "running"
    assert 0 < progress.completion < 100 and progress.completion != int(progress.completion)  # a float, e.g. 41.2
    assert course.get_content_export(export.id).workflow_state == "exporting"

    sim_clock.advance(5.0)
    progress.query()
    assert (progress.workflow_state, progress.completion) == ("completed", 100.0)
    done = course.get_content_export(export)
    assert done.workflow_state == "exported"
    assert done.attachment["content-type"] == "application/zip"
    assert done.attachment["display_name"].endswith("-export.imscc")
    assert done.attachment["size"] == len(sim.package_bytes(export.id))
    assert done.attachment["url"].startswith(
        f"{sim.base_url}/files/{done.attachment['id']}/download?download_frd=1&verifier="
    )


def test_course_history_is_newest_first_and_hides_what_canvas_hides(teacher: Canvas, sim: SimulatedCanvas) -> None:
    course = teacher.get_course(sim.data.main_course_id)
    new = course.export_content("qti")
    exports = list(course.get_content_exports())
    ids = [e.id for e in exports]
    assert ids == sorted(ids, reverse=True) and ids[0] == new.id
    states = {e.id: e for e in exports}
    assert all(e.workflow_state != "deleted" for e in exports)
    assert all(e.user_id == sim.data.teacher_id or e.export_type != "zip" for e in exports)  # no student zips
    expired = [e for e in exports if e.workflow_state == "exported" and not hasattr(e, "attachment")]
    web_ui = [e for e in exports if not hasattr(e, "progress_url")]
    assert expired and web_ui and any(e.workflow_state == "failed" for e in states.values())


def test_group_and_user_exports(teacher: Canvas, sim: SimulatedCanvas, sim_clock) -> None:
    group = teacher.get_group(sim.data.group_id)
    made = group.export_content("zip")
    assert made.export_type == "zip" and not hasattr(made, "course_id")
    assert made.id in [e.id for e in group.get_content_exports()]
    with pytest.raises(BadRequest, match="invalid export_type"):
        group.export_content("common_cartridge")

    me = teacher.get_user("self")
    mine = me.export_content("zip")
    sim_clock.advance(11)
    shown = me.get_content_export(mine.id)
    assert shown.workflow_state == "exported" and shown.attachment["display_name"] == "my_files_export.zip"
    assert [e.id for e in me.get_content_exports()][0] == mine.id
    with pytest.raises(BadRequest):
        me.export_content("qti")


def test_student_may_only_zip_and_sees_only_own_exports(teacher: Canvas, student: Canvas, sim: SimulatedCanvas) -> None:
    course = student.get_course(sim.data.main_course_id)
    with pytest.raises(Unauthorized):
        course.export_content("common_cartridge")
    own = course.export_content("zip")
    listed = list(course.get_content_exports())
    assert own.id in [e.id for e in listed]
    assert all(e.user_id == sim.data.student_id and e.export_type == "zip" for e in listed)
    with pytest.raises(Unauthorized):  # a teacher cannot read a student's zip
        teacher.get_course(sim.data.main_course_id).get_content_export(own.id)
    assert own.id not in [e.id for e in teacher.get_course(sim.data.main_course_id).get_content_exports()]


def test_bad_tokens_and_throttling_map_to_canvasapi_errors(
    sim: SimulatedCanvas, teacher: Canvas, teacher_token: str
) -> None:
    with pytest.raises(InvalidAccessToken, match="Invalid access token"):
        Canvas(sim.base_url, "1~not-a-token").get_current_user()
    with pytest.raises(InvalidAccessToken, match="Expired access token"):
        Canvas(sim.base_url, EXPIRED_TOKEN).get_current_user()
    sim.faults.throttle(1)  # Canvas's own answer: 403 with a plain-text body
    with pytest.raises(Forbidden, match=r"403 Forbidden \(Rate Limit Exceeded\)"):
        teacher.get_current_user()
    sim.faults.throttle(1, status=429)  # what a proxy may send; canvasapi 3.6 maps it
    with pytest.raises(RateLimitExceeded):
        teacher.get_current_user()
    assert teacher.get_current_user().id == sim.data.teacher_id
    sim.faults.revoke_token(teacher_token)
    with pytest.raises(InvalidAccessToken, match="Revoked access token"):
        teacher.get_current_user()
