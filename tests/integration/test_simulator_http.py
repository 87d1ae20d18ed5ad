"""The simulated Canvas over raw HTTP: the details canvas-api.md pins down and clients
trip over (Link format, throttling, error bodies, the download chain, the files host,
fault knobs, package contents). A manual clock drives the export lifecycle.
"""

from __future__ import annotations

import io
import socket
import threading
import time
import xml.etree.ElementTree as ET
import zipfile
from typing import Any, Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from desktop_app.simulator import STUDENT_TOKEN, TEACHER_TOKEN, SimulatedCanvas, ThrottleSettings, serve

NS = {"cp": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"}
NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}
UNAUTHORIZED = {"status": "unauthorized", "errors": [{"message": "user not authorized to perform that action"}]}


def client(sim: SimulatedCanvas, token: str | None = TEACHER_TOKEN) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=f"{sim.base_url}/api/v1/", headers=headers)


@pytest.fixture
def sim(make_canvas_sim, sim_clock) -> SimulatedCanvas:
    return make_canvas_sim(clock=sim_clock, export_duration=10.0)


@pytest.fixture
def teacher(sim: SimulatedCanvas) -> Iterator[httpx.Client]:
    with client(sim) as http:
        yield http


@pytest.fixture
def student(sim: SimulatedCanvas) -> Iterator[httpx.Client]:
    with client(sim, STUDENT_TOKEN) as http:
        yield http


def create(http: httpx.Client, context: str, **body: Any) -> dict[str, Any]:
    resp = http.post(f"{context}/content_exports", json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()


def finished(http: httpx.Client, sim_clock, context: str, export: dict[str, Any]) -> dict[str, Any]:
    sim_clock.advance(11.0)
    return http.get(f"{context}/content_exports/{export['id']}").json()


def manifest(package: bytes) -> tuple[set[str], set[str]]:
    """(resource identifiers, organization item identifiers) of a package's manifest."""
    root = ET.fromstring(zipfile.ZipFile(io.BytesIO(package)).read("imsmanifest.xml"))
    resources = {r.get("identifier", "") for r in root.iterfind(".//cp:resource", NS)}
    items = {i.get("identifier", "") for i in root.iterfind(".//cp:item", NS)} - {"LearningModules"}
    return resources, items


# --- pagination, throttling, errors --------------------------------------------------


def test_link_header_is_canvas_formatted_and_per_page_is_clamped(sim: SimulatedCanvas, teacher: httpx.Client) -> None:
    course = f"courses/{sim.data.main_course_id}"
    first = teacher.get(f"{course}/files", params={"per_page": 100})
    url = f"{sim.base_url}/api/v1/{course}/files"
    assert first.headers["Link"] == (
        f'<{url}?page=1&per_page=100>; rel="current",<{url}?page=2&per_page=100>; rel="next",'
        f'<{url}?page=1&per_page=100>; rel="first",<{url}?page=4&per_page=100>; rel="last"'
    )
    second = teacher.get(f"{course}/files", params={"page": 2, "per_page": 100})
    assert [rel for rel in second.links] == ["current", "next", "prev", "first", "last"]
    assert len(teacher.get(f"{course}/files", params={"per_page": 1000}).json()) == 100
    assert len(teacher.get(f"{course}/files", params={"per_page": 0}).json()) == 10
    past = teacher.get(f"{course}/files", params={"page": 99})
    assert past.status_code == 200 and past.json() == []

    seen, next_url = [], first.links["next"]["url"]
    seen += [f["id"] for f in first.json()]
    while next_url:
        page = teacher.get(next_url)
        seen += [f["id"] for f in page.json()]
        next_url = page.links.get("next", {}).get("url")
    assert len(seen) == len(set(seen)) == len(sim.data.ids("attachments")) > 300

    echoed = httpx.get(f"{sim.base_url}/api/v1/courses", params={"include[]": "term", "access_token": TEACHER_TOKEN})
    assert "include%5B%5D=term" in echoed.headers["Link"] and "access_token" not in echoed.headers["Link"]
    assert echoed.status_code == 200 and all(TEACHER_TOKEN not in str(r) for r in sim.request_log)


def test_throttle_headers_and_leaky_bucket(make_canvas_sim) -> None:
    sim = make_canvas_sim(throttle=ThrottleSettings(hwm=3, outflow=0.0, up_front_cost=1.0, request_cost=1.0))
    with client(sim) as http:
        answers = [http.get("users/self") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 403]
        assert [a.headers["X-Rate-Limit-Remaining"] for a in answers] == ["2.0", "1.0", "0.0", "0.0"]
        assert float(answers[0].headers["X-Request-Cost"]) == 1.0
        refused = answers[3]
        assert refused.text == "403 Forbidden (Rate Limit Exceeded)"
        assert refused.headers["Content-Type"].startswith("text/plain") and "X-Request-Cost" not in refused.headers


def test_forced_throttle_and_server_error_bursts(sim: SimulatedCanvas, teacher: httpx.Client) -> None:
    sim.faults.throttle(1, status=429)
    assert teacher.get("users/self").status_code == 429
    sim.faults.server_errors(2)
    assert [teacher.get("users/self").status_code for _ in range(3)] == [503, 503, 200]
    sim.faults.server_errors(1, status=500)
    assert teacher.get("users/self").json()["errors"][0]["message"] == "An error occurred."
    sim.faults.json_prefix(True)
    assert teacher.get("users/self").content.startswith(b'while(1);{"id":')
    sim.faults.clear()
    assert teacher.get("users/self").json()["id"] == sim.data.teacher_id


def test_issue_token_gives_a_new_valid_token_that_survives_revoking_the_old(sim: SimulatedCanvas) -> None:
    new = sim.issue_token(sim.data.teacher_id)
    assert new.startswith("1~") and new not in (TEACHER_TOKEN, STUDENT_TOKEN)
    assert sim.issue_token(sim.data.teacher_id) != new  # every call mints another one
    sim.faults.revoke_token(TEACHER_TOKEN)
    with client(sim, TEACHER_TOKEN) as old, client(sim, new) as fresh:
        assert old.get("users/self").status_code == 401
        me = fresh.get("users/self")
    assert (me.status_code, me.json()["id"]) == (200, sim.data.teacher_id)
    with client(sim, sim.issue_token(sim.data.student_id)) as student:
        assert student.get("users/self").json()["id"] == sim.data.student_id
    with pytest.raises(KeyError):
        sim.issue_token(424242)


def test_error_bodies_match_canvas(
    make_canvas_sim, sim: SimulatedCanvas, teacher: httpx.Client, student: httpx.Client
) -> None:
    with client(sim, token=None) as anonymous:
        missing = anonymous.get("users/self")
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == 'Bearer realm="canvas-lms"'
    assert missing.json() == {"status": "unauthenticated", "errors": [{"message": "user authorization required"}]}
    wrong_scheme = httpx.get(f"{sim.base_url}/api/v1/users/self", headers={"Authorization": f"Token {TEACHER_TOKEN}"})
    assert wrong_scheme.json() == {"errors": [{"message": "Invalid access token."}]}

    assert teacher.get("courses/999/content_exports").json() == NOT_FOUND
    assert teacher.get(f"courses/{sim.data.main_course_id}/content_exports/1").status_code == 404
    bad = teacher.post(f"courses/{sim.data.main_course_id}/content_exports", data={"export_type": "epub"})
    assert (bad.status_code, bad.json()) == (400, {"message": "invalid export_type"})
    assert teacher.post("users/self/content_exports", data={}).json() == {"message": "invalid export_type"}

    refused = student.post(
        f"courses/{sim.data.main_course_id}/content_exports", data={"export_type": "common_cartridge"}
    )
    assert (refused.status_code, refused.json()) == (401, UNAUTHORIZED) and "WWW-Authenticate" not in refused.headers
    assert student.get(f"users/{sim.data.teacher_id}/content_exports").status_code == 401
    assert student.get(f"courses/{sim.data.main_course_id}/rubrics").status_code == 401

    strict = make_canvas_sim(unauthorized_status=403)
    with client(strict, STUDENT_TOKEN) as http:
        assert (
            http.post(f"courses/{strict.data.main_course_id}/content_exports", data={"export_type": "qti"}).status_code
            == 403
        )


# --- the download chain and the files host -----------------------------------------


def test_download_chain_login_trap_and_files_host(
    sim: SimulatedCanvas, teacher: httpx.Client, student: httpx.Client, sim_clock
) -> None:
    course = f"courses/{sim.data.main_course_id}"
    export = finished(teacher, sim_clock, course, create(teacher, course, export_type="zip"))
    attachment = export["attachment"]
    package = sim.package_bytes(export["id"])
    assert attachment["size"] == len(package) and attachment["display_name"] == "course_files_export.zip"

    hop = teacher.get(attachment["url"])  # first hop with the Bearer token
    signed = hop.headers["Location"]
    assert hop.status_code == 302 and signed.startswith(sim.files_base_url + "/")
    assert urlsplit(signed).netloc != urlsplit(sim.base_url).netloc
    body = httpx.get(signed)
    assert body.status_code == 200 and body.content == package
    assert body.headers["Content-Type"] == "application/zip"
    assert body.headers["Content-Length"] == str(len(package))
    assert 'filename="course_files_export.zip"' in body.headers["Content-Disposition"]

    assert httpx.get(attachment["url"]).headers["Location"].startswith(sim.files_base_url)  # the verifier alone
    bare_url = attachment["url"].split("&verifier=")[0]
    trap = httpx.get(bare_url)
    assert trap.status_code == 302 and trap.headers["Location"] == f"{sim.base_url}/login/canvas"
    login = httpx.get(trap.headers["Location"])
    assert login.status_code == 200 and login.headers["Content-Type"].startswith("text/html")
    assert student.get(bare_url).status_code == 401  # a student may not read the teacher's zip

    partial = httpx.get(signed, headers={"Range": "bytes=1000-"})
    assert partial.status_code == 206 and partial.content == package[1000:]
    assert partial.headers["Content-Range"] == f"bytes 1000-{len(package) - 1}/{len(package)}"
    assert httpx.get(signed, headers={"Range": f"bytes={len(package)}-"}).status_code == 416

    files_log = [r for r in sim.request_log if r.host == "files"]
    assert files_log and all("Authorization" not in r.headers for r in files_log)
    assert all(TEACHER_TOKEN not in str(r) for r in sim.request_log)  # credentials are redacted in the log

    leaked = httpx.get(signed, headers={"Authorization": f"Bearer {TEACHER_TOKEN}"})
    assert leaked.status_code == 400 and b"InvalidArgument" in leaked.content
    assert httpx.get(signed.replace("signature=", "signature=0")).status_code == 403
    expired = httpx.get(sim.signed_url(attachment["id"], ttl=-5))
    assert expired.status_code == 403 and b"expired" in expired.content


def test_package_downloads_can_be_redirected_for_benchmarks(
    sim: SimulatedCanvas, teacher: httpx.Client, sim_clock
) -> None:
    course = f"courses/{sim.data.main_course_id}"
    export = create(teacher, course, export_type="zip")
    sim.serve_package_from(export["id"], "http://127.0.0.1:9/big.zip", 3_000_000_000)
    attachment = finished(teacher, sim_clock, course, export)["attachment"]
    assert attachment["size"] == 3_000_000_000
    assert teacher.get(attachment["url"]).headers["Location"] == "http://127.0.0.1:9/big.zip"

    sim.package_redirect = lambda export_id: (f"http://127.0.0.1:9/{export_id}.imscc", 12345)
    other = finished(teacher, sim_clock, course, create(teacher, course, export_type="common_cartridge"))
    assert other["attachment"]["size"] == 12345 and other["attachment"]["display_name"].endswith("-export.imscc")
    assert teacher.get(other["attachment"]["url"]).headers["Location"].endswith(f"/{other['id']}.imscc")


def test_dropped_and_slow_downloads(sim: SimulatedCanvas, teacher: httpx.Client) -> None:
    big = sim.data.files[sim.data.big_file_id]
    file_json = teacher.get(f"files/{big.id}").json()
    assert file_json["size"] == big.size > 5_000_000
    signed = teacher.get(file_json["url"]).headers["Location"]
    sim.faults.drop_download_after(100_000)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(signed)
    resumed = httpx.get(signed, headers={"Range": "bytes=100000-"})
    assert resumed.status_code == 206 and len(resumed.content) == big.size - 100_000

    sim.faults.slow_files(400_000)
    started = time.monotonic()
    assert len(httpx.get(signed, headers={"Range": "bytes=0-199999"}).content) == 200_000
    assert time.monotonic() - started >= 0.4


# --- lifecycle knobs ---------------------------------------------------------------


def test_lifecycle_knobs_failure_new_quizzes_expiry(sim: SimulatedCanvas, teacher: httpx.Client, sim_clock) -> None:
    course = f"courses/{sim.data.main_course_id}"
    sim.faults.fail_next_export()
    failed = finished(teacher, sim_clock, course, create(teacher, course, export_type="qti"))
    progress = teacher.get(failed["progress_url"]).json()
    assert failed["workflow_state"] == "failed" and "attachment" not in failed
    assert progress["workflow_state"] == "failed"

    sim.faults.new_quizzes(True)
    waiting = create(teacher, course, export_type="common_cartridge", select={"quizzes": [sim.data.ids("quizzes")[0]]})
    plain = create(teacher, course, export_type="common_cartridge", select={"pages": [sim.data.ids("wiki_pages")[0]]})
    sim_clock.advance(3.0)
    assert (
        teacher.get(f"{course}/content_exports/{waiting['id']}").json()["workflow_state"] == "waiting_for_external_tool"
    )
    assert teacher.get(waiting["progress_url"]).json()["workflow_state"] == "waiting_for_external_tool"
    assert teacher.get(f"{course}/content_exports/{plain['id']}").json()["workflow_state"] == "exporting"
    sim_clock.advance(8.0)
    assert teacher.get(f"{course}/content_exports/{waiting['id']}").json()["workflow_state"] == "exported"

    sim.age_export(plain["id"], days=31)
    aged = teacher.get(f"{course}/content_exports/{plain['id']}").json()
    assert aged["workflow_state"] == "exported" and "attachment" not in aged

    deleted = next(r for r in sim.store.records.values() if r.deleted)
    assert teacher.get(f"{course}/content_exports/{deleted.id}").json()["workflow_state"] == "deleted"
    assert deleted.id not in [e["id"] for e in teacher.get(f"{course}/content_exports").json()]


# --- packages ----------------------------------------------------------------------


def test_common_cartridge_manifest_lists_exactly_the_selection(
    sim: SimulatedCanvas, teacher: httpx.Client, sim_clock
) -> None:
    course, d = f"courses/{sim.data.main_course_id}", sim.data
    page, page2 = d.ids("wiki_pages")[:2]
    quiz, announcement = d.ids("quizzes")[0], d.ids("announcements")[0]
    file_id = d.ids("attachments")[3]
    slug = d.content[d.ids("wiki_pages")[5]].slug  # a slug is not an id: it selects nothing
    export = create(
        teacher,
        course,
        export_type="common_cartridge",
        skip_notifications=True,
        select={
            "pages": [page, str(page2), slug],
            "quizzes": [quiz],
            "files": [file_id],
            "announcements": [announcement],
        },
    )
    package = sim.package_bytes(finished(teacher, sim_clock, course, export)["id"])
    resources, items = manifest(package)
    assert resources == {
        f"wiki_page_{page}",
        f"wiki_page_{page2}",
        f"quiz_{quiz}",
        f"attachment_{file_id}",
        f"discussion_topic_{announcement}",
    }
    assert items == set()
    archive = zipfile.ZipFile(io.BytesIO(package))
    assert archive.testzip() is None
    stored = [n for n in archive.namelist() if n.startswith("web_resources/")]
    assert [archive.read(n) for n in stored] == [d.file_bytes(file_id)]

    module = d.modules[d.ids("context_modules")[0]]
    form = teacher.post(
        f"{course}/content_exports",
        data={
            "export_type": "common_cartridge",
            f"select[context_modules][context_module_{module.id}]": "1",
            f"select[context_modules][{d.ids('context_modules')[1]}]": "1",
        },
    )  # a bare id in the hash form: ignored
    resources, items = manifest(sim.package_bytes(form.json()["id"]))
    assert items == {f"context_module_{module.id}"} | {f"content_tag_{i}" for i in module.item_ids}
    linked = {d.module_items[i] for i in module.item_ids if d.module_items[i].type not in ("SubHeader",)}
    assert len(resources) == len(linked)

    everything = create(teacher, course, export_type="common_cartridge")
    resources, _ = manifest(sim.package_bytes(everything["id"]))
    assert "course_settings" in resources and f"attachment_{d.big_file_id}" in resources


def test_qti_and_files_zips(sim: SimulatedCanvas, teacher: httpx.Client, student: httpx.Client, sim_clock) -> None:
    course, d = f"courses/{sim.data.main_course_id}", sim.data
    quizzes = d.ids("quizzes")[::2]
    qti = finished(teacher, sim_clock, course, create(teacher, course, export_type="qti", select={"quizzes": quizzes}))
    assert qti["attachment"]["display_name"].endswith("-quiz-export.zip")
    package = sim.package_bytes(qti["id"])
    assert manifest(package)[0] == {f"quiz_{q}" for q in quizzes}
    archive = zipfile.ZipFile(io.BytesIO(package))
    for q in quizzes:
        assert ET.fromstring(archive.read(f"quiz_{q}/quiz_{q}.xml")).tag.endswith("questestinterop")

    readings = next(f for f in d.folders.values() if f.name == "Readings")
    zipped = finished(
        teacher, sim_clock, course, create(teacher, course, export_type="zip", select={"folders": [readings.id]})
    )
    assert zipped["attachment"]["display_name"] == "Readings_export.zip"
    archive = zipfile.ZipFile(io.BytesIO(sim.package_bytes(zipped["id"])))
    below = [f for f in d.files.values() if d.folders[f.folder_id].full_name.startswith(readings.full_name + "/")]
    names = {n for n in archive.namelist() if not n.endswith("/")}
    assert len(names) == len(below) == 72
    sample = below[0]
    inner = f"{d.folders[sample.folder_id].name}/{sample.display_name}"
    assert archive.read(inner) == d.file_bytes(sample.id)

    teacher_zip = zipfile.ZipFile(io.BytesIO(sim.package_bytes(create(teacher, course, export_type="zip")["id"])))
    student_zip = zipfile.ZipFile(io.BytesIO(sim.package_bytes(create(student, course, export_type="zip")["id"])))
    hidden = [f for f in d.files.values() if f.context == ("course", d.main_course_id) and d.file_hidden(f)]
    teacher_files = [n for n in teacher_zip.namelist() if not n.endswith("/")]
    student_files = [n for n in student_zip.namelist() if not n.endswith("/")]
    assert len(teacher_files) - len(student_files) == len(hidden) > 0
    assert not any("Instructor Only" in n or "Answer Key" in n for n in student_zip.namelist())

    nothing = create(teacher, course, export_type="zip", select={"pages": d.ids("wiki_pages")[:1]})
    assert finished(teacher, sim_clock, course, nothing)["workflow_state"] == "failed"
    group = create(teacher, f"groups/{d.group_id}", export_type="zip")
    assert (
        finished(teacher, sim_clock, f"groups/{d.group_id}", group)["attachment"]["display_name"] == "files_export.zip"
    )


# --- the selection-tree endpoints ---------------------------------------------------


def test_content_lists_for_the_selection_tree(
    sim: SimulatedCanvas, teacher: httpx.Client, student: httpx.Client
) -> None:
    course, d = f"courses/{sim.data.main_course_id}", sim.data
    pages = teacher.get(f"{course}/pages", params={"per_page": 100}).json()
    assert {p["page_id"] for p in pages} == set(d.ids("wiki_pages")) and all(p["url"] for p in pages)
    topics = teacher.get(f"{course}/discussion_topics", params={"per_page": 100}).json()
    news = teacher.get(f"{course}/discussion_topics", params={"only_announcements": "true"}).json()
    assert [t["id"] for t in topics] == d.ids("discussion_topics") and [t["id"] for t in news] == d.ids("announcements")

    events = {"context_codes[]": f"course_{d.main_course_id}", "type": "event"}
    assert teacher.get("calendar_events", params=events).json() == []  # only "today" without all_events
    first = teacher.get("calendar_events", params={**events, "all_events": "true", "per_page": 5})
    assert "bookmark:" in first.links["next"]["url"] and "last" not in first.links
    rest = teacher.get(first.links["next"]["url"]).json()
    assert [e["id"] for e in first.json() + rest] == d.ids("calendar_events")

    modules = teacher.get(f"{course}/modules", params={"include[]": "items"}).json()
    assert [m["id"] for m in modules] == d.ids("context_modules")
    items = teacher.get(f"{course}/modules/{modules[0]['id']}/items").json()
    assert items == modules[0]["items"] and {"Page", "Quiz", "File", "ExternalUrl"} <= {i["type"] for i in items}
    assert [i["id"] for i in items] == list(d.modules[modules[0]["id"]].item_ids)

    for what in ("assignments", "quizzes", "rubrics"):
        assert [x["id"] for x in teacher.get(f"{course}/{what}", params={"per_page": 100}).json()] == d.ids(what)
    folders = teacher.get(f"{course}/folders", params={"per_page": 100}).json()
    seen_by_student = student.get(f"{course}/folders", params={"per_page": 100}).json()
    assert len(folders) > len(seen_by_student) and not any(f["hidden"] for f in seen_by_student)
    root = next(f for f in folders if f["parent_folder_id"] is None)
    subfolders = teacher.get(f"folders/{root['id']}/folders").json()
    assert {f["name"] for f in subfolders} >= {"Lectures", "Readings", "Instructor Only"}
    assert teacher.get(f"folders/{root['id']}/files").json()[0]["content-type"]
    assert teacher.get("users/self/files").json() and teacher.get("users/self/folders").json()
    assert teacher.get(f"groups/{d.group_id}/files").json()
    assert [g["id"] for g in teacher.get(f"{course}/groups").json()] == [d.group_id]


def test_serve_prints_base_url_and_token_and_stops() -> None:
    out, stop, ready = io.StringIO(), threading.Event(), threading.Event()
    running: list[SimulatedCanvas] = []
    thread = threading.Thread(
        target=serve, kwargs={"out": out, "stop": stop, "ready": lambda s: (running.append(s), ready.set())}
    )
    thread.start()
    try:
        assert ready.wait(10)
        sim = running[0]
        assert sim.base_url in out.getvalue() and TEACHER_TOKEN in out.getvalue()
        with client(sim) as http:
            assert http.get("users/self").json()["name"] == "Ada Lovelace"
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_a_request_whose_body_never_arrives_is_not_seen_by_canvas(sim: SimulatedCanvas, teacher: httpx.Client) -> None:
    """A client cancelled between its headers and its body (e.g. a paused job): Canvas's
    proxies wait for the whole body, so nothing reaches Canvas and nothing is created."""
    host, port = urlsplit(sim.base_url).hostname, urlsplit(sim.base_url).port
    before = teacher.get("courses/101/content_exports").json()
    with socket.create_connection((host, port)) as raw:
        raw.sendall(
            b"POST /api/v1/courses/101/content_exports HTTP/1.1\r\nHost: canvas\r\n"
            + f"Authorization: Bearer {TEACHER_TOKEN}\r\n".encode()
            + b"Content-Type: application/json\r\nContent-Length: 40\r\n\r\n"
            + b'{"export_type": "common'
        )
        raw.shutdown(socket.SHUT_WR)
        assert raw.recv(1024) == b""  # the server closes without an answer
    assert [r for r in sim.request_log if r.method == "POST"] == []
    assert teacher.get("courses/101/content_exports").json() == before
