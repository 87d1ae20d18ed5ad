"""The client's calls for bulk exports, over real HTTP against the simulated Canvas: one
course by id or SIS id, the accounts an admin administers, their sub-accounts, terms and
courses, and what a teacher (not an admin) gets from the same calls."""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Callable, Coroutine, TypeVar

import pytest

from desktop_app.canvas.client import CanvasClient
from desktop_app.canvas.errors import NotAuthorizedError, NotFoundError, ValidationError
from desktop_app.canvas.models import Context, ExportType
from desktop_app.canvas.retry import RetryPolicy
from desktop_app.simulator import ADMIN_TOKEN, TEACHER_TOKEN, SimulatedCanvas

T = TypeVar("T")
FAST = RetryPolicy(base_delay=0.01, max_delay=0.05, throttle_base_delay=0.05, max_pace_delay=0.2)
BULK = 250  # three pages of 100 in the root account's course list


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


async def collect(items: AsyncIterator[T]) -> list[T]:
    return [item async for item in items]


def call(sim: SimulatedCanvas, token: str, use: Callable[[CanvasClient], Coroutine[Any, Any, T]]) -> T:
    async def go() -> T:
        async with CanvasClient(sim.base_url, token, policy=FAST) as api:
            return await use(api)

    return run(go())


@pytest.fixture
def sim(make_canvas_sim: Callable[..., SimulatedCanvas]) -> SimulatedCanvas:
    return make_canvas_sim(bulk_courses=BULK)


def api_paths(sim: SimulatedCanvas) -> list[str]:
    return [r.path for r in sim.request_log if r.host == "api"]


# ---- one course ---------------------------------------------------------------------------


def test_get_course_by_sis_id_reaches_canvas_percent_encoded(sim: SimulatedCanvas) -> None:
    course = call(sim, TEACHER_TOKEN, lambda api: api.get_course(Context.parse("course:sis_course_id:MATH 301/2026FA")))
    assert (course.id, course.course_code, course.term, course.term_id) == (103, "MATH 301", "Fall 2026", 11)
    assert course.account_id == 5
    # one path segment, as Canvas needs it: the space and the slash encoded, the colon not
    assert api_paths(sim) == ["/api/v1/courses/sis_course_id:MATH%20301%2F2026FA"]
    assert next(r for r in sim.request_log if r.host == "api").params == {"include[]": "term"}


def test_get_course_by_id_carries_sis_id_term_and_account(sim: SimulatedCanvas) -> None:
    course = call(sim, TEACHER_TOKEN, lambda api: api.get_course(Context.parse("course:101")))
    assert (course.sis_course_id, course.term, course.term_id, course.account_id) == (
        "CS-2026FA-0101",
        "Fall 2026",
        11,
        4,
    )
    assert course.is_teacher


def test_an_unknown_sis_id_is_not_found(sim: SimulatedCanvas) -> None:
    with pytest.raises(NotFoundError):
        call(sim, ADMIN_TOKEN, lambda api: api.get_course(Context.parse("course:sis_course_id:NOPE-0001")))


def test_get_course_refuses_a_group_before_asking(sim: SimulatedCanvas) -> None:
    with pytest.raises(ValidationError):
        call(sim, TEACHER_TOKEN, lambda api: api.get_course(Context.parse("group:201")))
    assert api_paths(sim) == []


def test_deleted_and_forbidden_courses(sim: SimulatedCanvas) -> None:
    bio = Context.parse("course:sis_course_id:BIO-2026FA-0042")
    assert call(sim, ADMIN_TOKEN, lambda api: api.get_course(bio)).id == 100_042
    sim.faults.delete_course(100_042)
    sim.faults.forbid_course(sim.data.main_course_id)
    with pytest.raises(NotFoundError):
        call(sim, ADMIN_TOKEN, lambda api: api.get_course(bio))
    with pytest.raises(NotAuthorizedError):
        call(sim, TEACHER_TOKEN, lambda api: api.create_export(Context.parse("course:101"), ExportType.ZIP))
    listed = call(sim, ADMIN_TOKEN, lambda api: collect(api.account_courses(1)))
    assert 100_042 not in {c.id for c in listed} and 101 in {c.id for c in listed}  # forbidden is still listed


# ---- an admin's accounts, terms and courses -----------------------------------------------


def test_admin_sees_accounts_sub_accounts_and_terms(sim: SimulatedCanvas) -> None:
    async def use(api: CanvasClient) -> tuple[Any, ...]:
        return (
            await collect(api.accounts()),
            await collect(api.sub_accounts(1)),
            await collect(api.terms(1)),
            await collect(api.terms(3)),  # a sub-account: Canvas keeps terms in the root account
        )

    accounts, subs, terms, sub_terms = call(sim, ADMIN_TOKEN, use)
    assert [(a.id, a.name, a.parent_account_id) for a in accounts] == [(1, "Babbage University", None)]
    assert {a.id: a.parent_account_id for a in subs} == {2: 1, 3: 2, 4: 2, 5: 2, 6: 1, 7: 6, 8: 6}
    assert all(a.root_account_id == 1 for a in subs)
    assert [(t.name, t.sis_term_id) for t in terms] == [
        ("Default Term", None),
        ("Spring 2027", "2027SP"),
        ("Fall 2026", "2026FA"),
        ("Spring 2026", "2026SP"),
    ]
    assert sub_terms == terms
    assert next(t for t in terms if t.matches("2026fa")).id == 11


def test_admin_lists_every_course_of_the_account_tree_page_by_page(sim: SimulatedCanvas) -> None:
    courses = call(sim, ADMIN_TOKEN, lambda api: collect(api.account_courses(1)))
    assert len(courses) == BULK + 3 and [c.id for c in courses] == sorted(c.id for c in courses)
    pages = [r for r in sim.request_log if r.path == "/api/v1/accounts/1/courses"]
    assert len(pages) == 3
    first = pages[0].query
    for wanted in ("include%5B%5D=term", "include%5B%5D=teachers", "per_page=100", "state%5B%5D=completed"):
        assert wanted in first
    bio = next(c for c in courses if c.sis_course_id == "BIO-2026FA-0042")
    assert (bio.course_code, bio.term, bio.term_id, bio.account_id) == ("BIO 394", "Fall 2026", 11, 3)
    assert bio.teachers == ("John von Neumann",) and not bio.is_teacher
    assert any(c.workflow_state == "unpublished" for c in courses)  # unpublished courses are listed too
    assert any(c.workflow_state == "completed" for c in courses)
    assert any(c.sis_course_id is None and c.term == "Default Term" for c in courses)


def test_account_courses_by_term_search_and_sub_account(sim: SimulatedCanvas) -> None:
    async def use(api: CanvasClient) -> tuple[Any, ...]:
        return (
            await collect(api.account_courses(1, term_id=10)),
            await collect(api.account_courses(1, search="bio-2026fa-004")),
            await collect(api.account_courses(1, term_id=11, search="Ecology")),
            await collect(api.account_courses(3)),
            await collect(api.account_courses(2)),
        )

    spring, found, ecology_fall, biology, sciences = call(sim, ADMIN_TOKEN, use)
    assert spring and {c.term for c in spring} == {"Spring 2026"}
    assert [c.sis_course_id for c in found] == ["BIO-2026FA-0042"]  # BIO-2026SP-0048 is another term
    assert ecology_fall and all("Ecology" in c.name and c.term_id == 11 for c in ecology_fall)
    assert biology and {c.account_id for c in biology} == {3}
    assert {c.account_id for c in sciences} == {2, 3, 4, 5}  # sub-accounts' courses included


def test_admin_may_export_any_course_of_the_tree(sim: SimulatedCanvas) -> None:
    ctx = Context.parse("course:sis_course_id:HIST-2026SP-0045")

    async def use(api: CanvasClient) -> tuple[Any, ...]:
        course = await api.get_course(ctx)
        allowed = await api.allowed_export_types(course.context)
        export = await api.create_export(ctx, ExportType.COMMON_CARTRIDGE, skip_notifications=True)
        return course, allowed, export

    course, allowed, export = call(sim, ADMIN_TOKEN, use)
    assert course.id == 100_045 and not course.is_teacher  # an admin, not enrolled
    assert all(reason is None for reason in allowed.values())
    assert export.course_id == 100_045
    assert "/api/v1/courses/sis_course_id:HIST-2026SP-0045/content_exports" in api_paths(sim)


# ---- a teacher, who administers nothing ----------------------------------------------------


def test_teacher_has_no_accounts_and_is_told_so_clearly(sim: SimulatedCanvas) -> None:
    assert call(sim, TEACHER_TOKEN, lambda api: collect(api.accounts())) == []
    for listing in (
        lambda api: collect(api.account_courses(1)),
        lambda api: collect(api.sub_accounts(1)),
        lambda api: collect(api.terms(1)),
    ):
        with pytest.raises(NotAuthorizedError, match="not an administrator of account 1"):
            call(sim, TEACHER_TOKEN, listing)


def test_teacher_sees_the_generated_courses_they_teach(sim: SimulatedCanvas) -> None:
    mine = call(sim, TEACHER_TOKEN, lambda api: collect(api.courses()))
    taught = [c for c in mine if c.is_teacher]
    assert {c.id for c in taught} == {101, 102} | {100_000 + n for n in range(25, BULK + 1, 25)}
    assert all(c.sis_course_id and c.term for c in taught)
