"""The simulated Canvas's accounts, terms, account course search and generated courses,
checked at the HTTP level (shapes, filters, pagination, errors) as Canvas answers them."""

from __future__ import annotations

import time
from typing import Callable, Iterator

import httpx
import pytest

from desktop_app.simulator import ADMIN_TOKEN, STUDENT_TOKEN, TEACHER_TOKEN, SampleData, SimulatedCanvas


@pytest.fixture
def sim(make_canvas_sim: Callable[..., SimulatedCanvas]) -> SimulatedCanvas:
    return make_canvas_sim(bulk_courses=120)


@pytest.fixture
def admin(sim: SimulatedCanvas) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{sim.base_url}/api/v1/", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as http:
        yield http


def test_terms_come_wrapped_and_paginated(admin: httpx.Client) -> None:
    first = admin.get("accounts/1/terms", params={"per_page": 3})
    body = first.json()
    assert list(body) == ["enrollment_terms"] and len(body["enrollment_terms"]) == 3
    rest = admin.get(first.links["next"]["url"]).json()["enrollment_terms"]
    assert [t["sis_term_id"] for t in body["enrollment_terms"] + rest] == [None, "2027SP", "2026FA", "2026SP"]
    assert "next" not in admin.get(first.links["next"]["url"]).links
    refused = admin.get("accounts/4/terms")
    assert refused.status_code == 400 and refused.json() == {"message": "Terms only belong to root_accounts."}


def test_account_course_search_filters_and_pages(admin: httpx.Client, sim: SimulatedCanvas) -> None:
    short = admin.get("accounts/1/courses", params={"search_term": "b"})
    assert short.status_code == 400
    assert short.json()["errors"][0] == {
        "field": "search_term",
        "code": "invalid",
        "message": "2 or more characters is required",
    }
    page = admin.get("accounts/1/courses", params={"per_page": 500})
    assert len(page.json()) == 100 and "per_page=100" in page.links["next"]["url"]  # capped at 100
    unpublished = admin.get("accounts/1/courses", params={"state[]": "claimed", "per_page": 100}).json()
    assert unpublished and {c["workflow_state"] for c in unpublished} == {"unpublished"}
    by_sis_term = admin.get("accounts/1/courses", params={"enrollment_term_id": "sis_term_id:2026SP"}).json()
    assert by_sis_term and {c["enrollment_term_id"] for c in by_sis_term} == {10}
    by_id = admin.get("accounts/1/courses", params={"search_term": "100042"}).json()
    assert [c["sis_course_id"] for c in by_id] == ["BIO-2026FA-0042"]
    sim.faults.delete_course(100_042)
    assert admin.get("accounts/1/courses", params={"search_term": "100042"}).json() == []
    deleted = admin.get("accounts/1/courses", params={"search_term": "100042", "state[]": "deleted"}).json()
    assert [c["id"] for c in deleted] == [100_042]
    assert admin.get("courses/100042").status_code == 404
    sim.faults.clear()
    assert admin.get("courses/sis_course_id:BIO-2026FA-0042").status_code == 200


def test_accounts_for_admins_and_everyone_else(admin: httpx.Client, sim: SimulatedCanvas) -> None:
    assert admin.get("accounts/self").json()["id"] == 1
    assert [a["id"] for a in admin.get("accounts/2/sub_accounts").json()] == [3, 4, 5]
    assert admin.get("accounts/99").status_code == 404
    for token in (TEACHER_TOKEN, STUDENT_TOKEN):
        with httpx.Client(base_url=f"{sim.base_url}/api/v1/", headers={"Authorization": f"Bearer {token}"}) as http:
            assert http.get("accounts").json() == []
            refused = http.get("accounts/1/courses")
            assert refused.status_code == 401 and refused.json()["status"] == "unauthorized"


def test_admin_reads_every_course_and_may_export_it(admin: httpx.Client) -> None:
    course = admin.get("courses/sis_course_id:CS-2026FA-0101", params={"include[]": "term"}).json()
    assert course["id"] == 101 and course["enrollments"] == [] and course["term"]["name"] == "Fall 2026"
    rights = admin.get("courses/101/permissions", params={"permissions[]": "read_as_admin"}).json()
    assert rights == {"read_as_admin": True}
    created = admin.post("courses/sis_course_id:BIO-2026FA-0042/content_exports", data={"export_type": "zip"})
    assert created.status_code == 200 and created.json()["course_id"] == 100_042


def test_forbidden_course_answers_unauthorized_to_everyone(admin: httpx.Client, sim: SimulatedCanvas) -> None:
    sim.faults.forbid_course(101)
    refused = admin.get("courses/101/content_exports")
    assert refused.status_code == 401 and refused.json()["status"] == "unauthorized"
    assert [r.status for r in sim.request_log if r.path == "/api/v1/courses/101/content_exports"] == [401]


def test_generated_courses_are_quick_to_build_and_change_nothing_else() -> None:
    started = time.perf_counter()
    bulk = SampleData.build(1815, bulk_courses=5000)
    assert time.perf_counter() - started < 2.0
    plain = SampleData.build(1815)
    generated = {cid for cid in bulk.courses if cid >= 100_001}
    assert len(generated) == 5000 and len(bulk.sis_courses) > 4000
    assert set(bulk.courses) - generated == set(plain.courses)
    assert {f: bulk.files[f] for f in plain.files} == plain.files  # same ids, names, sizes, uuids
    assert plain.content == bulk.content and plain.folders.items() <= bulk.folders.items()
    sis = {c.sis_course_id for c in bulk.courses.values() if c.sis_course_id}
    assert "BIO-2026FA-0042" in sis and "SCI-2026SP-4997" in sis
