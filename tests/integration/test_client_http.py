"""CanvasClient's HTTP behaviour against the simulated Canvas over real HTTP: pagination,
picker data, throttling and pacing, 5xx retries, bad tokens, unreachable hosts, the HTML
login trap, resumed downloads, and the token staying on the Canvas origin."""

from __future__ import annotations

import asyncio
import math
import socket
from typing import Any, Callable, Coroutine

import pytest
from engine_support import FAST_CLIENT_RETRY

from desktop_app.canvas.client import CanvasClient
from desktop_app.canvas.errors import (
    AuthError,
    LoginPageError,
    NotAuthorizedError,
    ServerError,
    ThrottledError,
    UnreachableError,
)
from desktop_app.canvas.models import ContentExport, Context, ExportType, SelectKey
from desktop_app.canvas.retry import RetryPolicy
from desktop_app.simulator import EXPIRED_TOKEN, STUDENT_TOKEN, TEACHER_TOKEN, SimulatedCanvas, ThrottleSettings

COURSE = Context.parse("course:101")


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


def client(sim: SimulatedCanvas, token: str = TEACHER_TOKEN, policy: RetryPolicy = FAST_CLIENT_RETRY) -> CanvasClient:
    return CanvasClient(sim.base_url, token, policy=policy)


def api_requests(sim: SimulatedCanvas, path: str | None = None, method: str | None = None) -> list[Any]:
    return [
        r
        for r in sim.request_log
        if r.host == "api" and (path is None or r.path == path) and (method is None or r.method == method)
    ]


async def finished_export(sim: SimulatedCanvas, api: CanvasClient, clock: Any) -> ContentExport:
    export = await api.create_export(COURSE, ExportType.ZIP)
    clock.advance(11.0)
    return await api.get_export(COURSE, export.id)


@pytest.fixture
def sim(make_canvas_sim: Callable[..., SimulatedCanvas], sim_clock: Any) -> SimulatedCanvas:
    return make_canvas_sim(clock=sim_clock, export_duration=10.0)


# ---- pagination and picker data -------------------------------------------------------------


def test_pagination_past_100_files(sim: SimulatedCanvas) -> None:
    expected = set(sim.data.ids("attachments"))
    assert len(expected) > 200, "the main course has several hundred files"

    async def go() -> list[Any]:
        async with client(sim) as api:
            return [item async for item in api.content(COURSE, SelectKey.FILES)]

    items = run(go())
    assert [i.id for i in items if i.id in expected] == [i.id for i in items]
    assert {i.id for i in items} == expected and len(items) == len(expected)
    pages = api_requests(sim, "/api/v1/courses/101/files")
    assert len(pages) == math.ceil(len(expected) / 100)
    assert all(r.params.get("per_page") == "100" for r in pages)
    assert all(i.parent_id in sim.data.folders for i in items)


@pytest.mark.parametrize(
    "key,kind",
    [
        (SelectKey.FOLDERS, "folders"),
        (SelectKey.MODULES, "context_modules"),
        (SelectKey.MODULE_ITEMS, "content_tags"),
        (SelectKey.PAGES, "wiki_pages"),
        (SelectKey.ASSIGNMENTS, "assignments"),
        (SelectKey.QUIZZES, "quizzes"),
        (SelectKey.ANNOUNCEMENTS, "announcements"),
        (SelectKey.DISCUSSION_TOPICS, "discussion_topics"),
        (SelectKey.CALENDAR_EVENTS, "calendar_events"),
        (SelectKey.RUBRICS, "rubrics"),
    ],
)
def test_every_select_key_lists_the_ids_canvas_expects(sim: SimulatedCanvas, key: SelectKey, kind: str) -> None:
    async def go() -> list[Any]:
        async with client(sim) as api:
            return [item async for item in api.content(COURSE, key)]

    items = run(go())
    assert items and sorted(i.id for i in items) == sorted(sim.data.ids(kind))
    assert all(i.key is key and i.title for i in items)
    if key is SelectKey.MODULE_ITEMS:
        modules = set(sim.data.ids("context_modules"))
        assert all(i.parent_id in modules for i in items)


@pytest.mark.parametrize("context", ["group:201", "user:self"])
def test_group_and_user_files_and_folders(sim: SimulatedCanvas, context: str) -> None:
    ctx = Context.parse(context)
    owner = ("group", 201) if ctx.kind.value == "group" else ("user", sim.data.teacher_id)

    async def go() -> tuple[list[Any], list[Any]]:
        async with client(sim) as api:
            return (
                [i async for i in api.content(ctx, SelectKey.FOLDERS)],
                [i async for i in api.content(ctx, SelectKey.FILES)],
            )

    folders, files = run(go())
    assert {f.id for f in folders} == {f.id for f in sim.data.folders.values() if f.context == owner}
    assert {f.id for f in files} == {f.id for f in sim.data.files.values() if f.context == owner}
    assert all(f.size is not None for f in files)


def test_self_courses_and_groups(sim: SimulatedCanvas) -> None:
    async def go(token: str) -> tuple[Any, list[Any], list[Any]]:
        async with client(sim, token) as api:
            return await api.get_self(), [c async for c in api.courses()], [g async for g in api.groups()]

    me, courses, groups = run(go(TEACHER_TOKEN))
    assert (me.id, me.name) == (sim.data.teacher_id, "Ada Lovelace")
    main = next(c for c in courses if c.id == sim.data.main_course_id)
    assert main.is_teacher and main.term and main.name
    assert sim.data.group_id in {g.id for g in groups}
    assert all(r.params.get("include[]") == "term" for r in api_requests(sim, "/api/v1/courses"))

    _, student_courses, _ = run(go(STUDENT_TOKEN))
    assert not next(c for c in student_courses if c.id == sim.data.main_course_id).is_teacher


def test_json_prefix_is_stripped(sim: SimulatedCanvas) -> None:
    sim.faults.json_prefix(True)

    async def go() -> Any:
        async with client(sim) as api:
            return await api.get_self(), [e async for e in api.list_exports(COURSE)]

    me, exports = run(go())
    assert me.id == sim.data.teacher_id and exports


# ---- throttling, pacing, 5xx ---------------------------------------------------------------


@pytest.mark.parametrize("status,count", [(403, 2), (429, 1)])  # the 429 says Retry-After: 1, honoured
def test_throttled_get_is_retried(sim: SimulatedCanvas, status: int, count: int) -> None:
    sim.faults.throttle(count, status=status)

    async def go() -> Any:
        async with client(sim) as api:
            return await api.get_self()

    assert run(go()).id == sim.data.teacher_id
    assert len(api_requests(sim, "/api/v1/users/self")) == count + 1


def test_throttled_create_is_retried_once_and_creates_one_export(sim: SimulatedCanvas) -> None:
    async def go() -> tuple[int, int]:
        async with client(sim) as api:
            before = len([e async for e in api.list_exports(COURSE)])
            sim.faults.throttle(1, status=403)
            await api.create_export(COURSE, ExportType.COMMON_CARTRIDGE, skip_notifications=True)
            return before, len([e async for e in api.list_exports(COURSE)])

    before, after = run(go())
    assert after == before + 1
    assert len(api_requests(sim, "/api/v1/courses/101/content_exports", "POST")) == 2


def test_throttling_that_does_not_stop_raises_throttled_error(sim: SimulatedCanvas) -> None:
    sim.faults.throttle(50, status=403)

    async def go() -> None:
        async with client(
            sim, policy=RetryPolicy(throttle_attempts=3, throttle_base_delay=0.01, max_pace_delay=0.05)
        ) as api:
            await api.get_self()

    with pytest.raises(ThrottledError, match="limiting how fast"):
        run(go())
    assert len(api_requests(sim, "/api/v1/users/self")) == 3


def _tight_bucket_sim(make: Callable[..., SimulatedCanvas]) -> SimulatedCanvas:
    # 200 units per request against a high-water mark of 2000, draining 1000 units/s:
    # back-to-back requests (a few ms to ~45 ms each on loopback) fill it after 10 to 13.
    return make(throttle=ThrottleSettings(hwm=2000.0, outflow=1000.0, up_front_cost=1.0, request_cost=200.0))


def test_client_slows_down_before_it_is_throttled(make_canvas_sim: Callable[..., SimulatedCanvas]) -> None:
    live = _tight_bucket_sim(make_canvas_sim)
    pacing = RetryPolicy(low_remaining=1000.0, outflow_per_second=1000.0, max_pace_delay=1.0, throttle_attempts=1)
    pauses: list[float] = []

    async def go() -> None:
        async with client(live, policy=pacing) as api:

            async def sleep(delay: float) -> None:
                pauses.append(delay)
                await asyncio.sleep(delay)

            api._sleep = sleep  # noqa: SLF001 - observe the pauses; they still really happen
            for _ in range(20):
                await api.get_self()

    run(go())  # throttle_attempts=1: a single 403 would raise ThrottledError
    assert pauses and all(0 < p <= 1.0 for p in pauses)
    assert len(api_requests(live, "/api/v1/users/self")) == 20


def test_without_pacing_the_same_load_is_throttled(make_canvas_sim: Callable[..., SimulatedCanvas]) -> None:
    """The control for the test above: it shows the load really does fill the bucket."""
    live = _tight_bucket_sim(make_canvas_sim)

    async def go() -> None:
        # No low-water mark at all: even 0 would pace, as the next request's cost is counted.
        no_pacing = RetryPolicy(low_remaining=-math.inf, throttle_attempts=1)
        async with client(live, policy=no_pacing) as api:
            for _ in range(40):  # more than the 20 above: stays a fair control on a slow, busy machine
                await api.get_self()

    with pytest.raises(ThrottledError):
        run(go())


def test_get_is_retried_after_server_errors(sim: SimulatedCanvas) -> None:
    sim.faults.server_errors(2, status=503)

    async def go() -> list[Any]:
        async with client(sim) as api:
            return [e async for e in api.list_exports(COURSE)]

    assert run(go())
    assert len(api_requests(sim, "/api/v1/courses/101/content_exports")) == 3


def test_persistent_server_errors_give_up(sim: SimulatedCanvas) -> None:
    sim.faults.server_errors(10, status=500)

    async def go() -> None:
        async with client(sim, policy=RetryPolicy(max_attempts=3, base_delay=0.01)) as api:
            await api.get_self()

    with pytest.raises(ServerError, match="after 3 tries"):
        run(go())
    assert len(api_requests(sim, "/api/v1/users/self")) == 3


def test_create_is_not_retried_after_a_server_error(sim: SimulatedCanvas) -> None:
    async def go() -> tuple[int, int]:
        async with client(sim) as api:
            before = len([e async for e in api.list_exports(COURSE)])
            sim.faults.server_errors(1, status=502)
            with pytest.raises(ServerError):
                await api.create_export(COURSE, ExportType.ZIP)
            return before, len([e async for e in api.list_exports(COURSE)])

    before, after = run(go())
    assert before == after
    assert len(api_requests(sim, "/api/v1/courses/101/content_exports", "POST")) == 1


# ---- tokens, reachability -----------------------------------------------------------------


@pytest.mark.parametrize(
    "token,reason,words",
    [("not-a-token", "invalid", "not a valid token"), (EXPIRED_TOKEN, "expired", "has expired")],
)
def test_bad_tokens(sim: SimulatedCanvas, token: str, reason: str, words: str) -> None:
    async def go() -> None:
        async with client(sim, token) as api:
            await api.get_self()

    with pytest.raises(AuthError) as caught:
        run(go())
    assert caught.value.reason == reason and words in str(caught.value)
    assert token not in str(caught.value) + caught.value.detail + repr(caught.value)
    assert len(api_requests(sim)) == 1  # an auth failure is not retried


def test_revoked_token(sim: SimulatedCanvas) -> None:
    async def go() -> None:
        async with client(sim) as api:
            await api.get_self()
            sim.faults.revoke_token(TEACHER_TOKEN)
            await api.get_self()

    with pytest.raises(AuthError) as caught:
        run(go())
    assert caught.value.reason == "revoked"


def test_unreachable_canvas() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there

    async def go() -> None:
        async with CanvasClient(
            f"http://127.0.0.1:{port}", TEACHER_TOKEN, policy=RetryPolicy(max_attempts=2, base_delay=0.01)
        ) as api:
            await api.get_self()

    with pytest.raises(UnreachableError) as caught:
        run(go())
    assert caught.value.ambiguous is False and "refused" in str(caught.value)


# ---- downloads ------------------------------------------------------------------------------


def test_html_login_page_is_refused(sim: SimulatedCanvas, sim_clock: Any) -> None:
    """A profile whose address differs from the attachment's host sends no token there;
    without the verifier Canvas answers with its login page, which must not be saved."""

    async def go() -> None:
        async with client(sim) as api:
            export = await finished_export(sim, api, sim_clock)
        assert export.attachment is not None
        url = export.attachment.url.split("?", 1)[0] + "?download_frd=1"
        other = CanvasClient(sim.base_url.replace("127.0.0.1", "localhost"), TEACHER_TOKEN, policy=FAST_CLIENT_RETRY)
        async with other:
            async with other.open_package(url):
                raise AssertionError("a login page was accepted as a package")

    with pytest.raises(LoginPageError, match="login page"):
        run(go())
    login = api_requests(sim, "/login/canvas")
    assert login and all("Authorization" not in r.headers for r in login)


def test_student_cannot_download_the_teachers_package(sim: SimulatedCanvas, sim_clock: Any) -> None:
    async def go() -> None:
        async with client(sim) as api:
            export = await finished_export(sim, api, sim_clock)
        assert export.attachment is not None
        url = export.attachment.url.split("?", 1)[0]  # no verifier: the token decides
        async with client(sim, STUDENT_TOKEN) as student:
            async with student.open_package(url):
                raise AssertionError("downloaded without permission")

    with pytest.raises(NotAuthorizedError):
        run(go())


def test_broken_download_resumes_with_range(sim: SimulatedCanvas, sim_clock: Any) -> None:
    async def go() -> tuple[bytes, bytes, Any, ContentExport]:
        async with client(sim) as api:
            export = await finished_export(sim, api, sim_clock)
            assert export.attachment is not None
            sim.faults.drop_download_after(5000)
            first = bytearray()
            with pytest.raises(UnreachableError):
                async with api.open_package(export.attachment.url) as package:
                    async for chunk in package.aiter_bytes(1024):
                        first.extend(chunk)
            async with api.open_package(export.attachment.url, start=len(first)) as package:
                rest = b"".join([c async for c in package.aiter_bytes()])
                return bytes(first), rest, package, export

    first, rest, package, export = run(go())
    assert len(first) == 5000
    assert package.status == 206 and package.resumed and package.start == 5000
    assert package.total_size == len(sim.package_bytes(export.id))
    assert first + rest == sim.package_bytes(export.id)
    ranged = [r for r in sim.request_log if r.host == "files" and r.headers.get("Range")]
    assert ranged and ranged[-1].headers["Range"] == "bytes=5000-"
    assert all("Authorization" not in r.headers for r in sim.request_log if r.host == "files")


def test_download_hop_is_retried_after_server_error(sim: SimulatedCanvas, sim_clock: Any) -> None:
    async def go() -> int:
        async with client(sim) as api:
            export = await finished_export(sim, api, sim_clock)
            assert export.attachment is not None
            sim.faults.server_errors(1, status=503)
            async with api.open_package(export.attachment.url) as package:
                return len(b"".join([c async for c in package.aiter_bytes()]))

    assert run(go()) > 0
    assert len(api_requests(sim, method="GET")) >= 2
    assert len([r for r in sim.request_log if r.host == "api" and r.path.startswith("/files/")]) == 2


class _ImportAttempts:
    """A meta-path finder that only records the imports that reach it, i.e. those that
    are not already loaded; it finds nothing, so the normal finders still decide."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        self.names.append(name)
        return None


def test_requests_do_not_import_anything_once_warm(sim: SimulatedCanvas) -> None:
    """httpcore runs `import sniffio` for every connection-pool lock. Without sniffio
    installed, each such import failed after a scan of sys.path, thousands of times a
    minute on the engine loop (stalls of 20-30 ms with 50 exports running). Once a
    client has made its first request, more requests must import nothing."""
    import sys

    async def many_requests() -> list[str]:
        async with client(sim) as api:
            await api.get_self()  # the first request loads what it needs
            attempts = _ImportAttempts()
            sys.meta_path.insert(0, attempts)
            try:
                await asyncio.gather(*(api.get_self() for _ in range(10)))
                await api.get_export(COURSE, (await api.create_export(COURSE, ExportType.ZIP)).id)
            finally:
                sys.meta_path.remove(attempts)
            return attempts.names

    assert run(many_requests()) == []
