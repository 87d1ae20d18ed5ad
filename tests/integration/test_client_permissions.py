"""What a person may export, asked of Canvas over real HTTP: the simulator's
`GET courses/:id/permissions` (Canvas's shape) and `CanvasClient.permissions` /
`allowed_export_types`. In the sample data Ada teaches courses 101 and 102 and is a
student in 103; Alan is a student in 101 and 103."""

from __future__ import annotations

import asyncio
from typing import Any, Coroutine

import httpx
import pytest

from desktop_app.canvas.client import CanvasClient
from desktop_app.canvas.errors import NotAuthorizedError, ValidationError
from desktop_app.canvas.models import Context, ExportType
from desktop_app.canvas.validation import allowed_export_types
from desktop_app.simulator import STUDENT_TOKEN, TEACHER_TOKEN, SimulatedCanvas

CC, QTI, ZIP = ExportType.COMMON_CARTRIDGE, ExportType.QTI, ExportType.ZIP


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


async def ask(sim: SimulatedCanvas, token: str, ctx: str, names: list[str]) -> Any:
    async with CanvasClient(sim.base_url, token) as api:
        return await api.permissions(Context.parse(ctx), names)


async def allowed(sim: SimulatedCanvas, token: str, ctx: str) -> dict[ExportType, str | None]:
    async with CanvasClient(sim.base_url, token) as api:
        return await api.allowed_export_types(Context.parse(ctx))


def test_simulator_answers_like_canvas_rights_status(sim: SimulatedCanvas) -> None:
    for token, expected in ((TEACHER_TOKEN, True), (STUDENT_TOKEN, False)):
        answer = httpx.get(
            f"{sim.base_url}/api/v1/courses/101/permissions",
            params=[("permissions[]", "read_as_admin"), ("permissions[]", "no_such_right")],
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200
        assert answer.json() == {"read_as_admin": expected, "no_such_right": False}
    outsider = httpx.get(
        f"{sim.base_url}/api/v1/courses/102/permissions?permissions[]=read_as_admin",
        headers={"Authorization": f"Bearer {STUDENT_TOKEN}"},
    )
    assert outsider.status_code == 401  # Canvas checks :read on the course first


def test_client_reads_read_as_admin_per_course(sim: SimulatedCanvas) -> None:
    assert run(ask(sim, TEACHER_TOKEN, "course:101", ["read_as_admin"])).read_as_admin is True
    assert run(ask(sim, TEACHER_TOKEN, "course:103", ["read_as_admin"])).read_as_admin is False  # a student there
    student = run(ask(sim, STUDENT_TOKEN, "course:101", ["read_as_admin", "manage_grades"]))
    assert not student.read_as_admin and not student.allows("manage_grades")
    sent = [r for r in sim.request_log if r.path.endswith("/permissions")]
    assert sent and all(
        "permissions%5B%5D=read_as_admin" in r.query or "permissions[]=read_as_admin" in r.query for r in sent
    )


def test_client_permission_errors_are_typed(sim: SimulatedCanvas) -> None:
    with pytest.raises(NotAuthorizedError):
        run(ask(sim, STUDENT_TOKEN, "course:102", ["read_as_admin"]))
    before = len(sim.request_log)
    with pytest.raises(ValidationError):
        run(ask(sim, TEACHER_TOKEN, "user:self", ["read_as_admin"]))
    assert len(sim.request_log) == before  # refused without a request


def test_allowed_export_types_for_teacher_student_group_and_user(sim: SimulatedCanvas) -> None:
    assert run(allowed(sim, TEACHER_TOKEN, "course:101")) == {CC: None, QTI: None, ZIP: None}
    student = run(allowed(sim, STUDENT_TOKEN, "course:101"))
    assert student == allowed_export_types(Context.parse("course:101").kind, False)
    assert student[ZIP] is None and student[CC] and student[QTI]
    before = len(sim.request_log)
    for ctx in ("group:201", "user:self"):
        types = run(allowed(sim, STUDENT_TOKEN, ctx))
        assert types[ZIP] is None and types[CC] and types[QTI]
    assert len(sim.request_log) == before  # zip only for everyone: nothing to ask


def test_what_is_refused_is_what_canvas_refuses(sim: SimulatedCanvas) -> None:
    """The rule agrees with Canvas: the student's Common Cartridge really is refused, the zip is made."""
    student = run(allowed(sim, STUDENT_TOKEN, "course:101"))

    async def create(export_type: ExportType) -> Any:
        async with CanvasClient(sim.base_url, STUDENT_TOKEN) as api:
            return await api.create_export(Context.parse("course:101"), export_type)

    for export_type, reason in student.items():
        if reason is None:
            assert run(create(export_type)).id
        else:
            with pytest.raises(NotAuthorizedError):
                run(create(export_type))
