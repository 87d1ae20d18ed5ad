"""CanvasClient over httpx.MockTransport: the HTTP boundary, mapping and the retry loop.

Real behaviour (pagination over hundreds of items, redirects to a files host, throttling
by a live server) is tested over real HTTP against the simulator in tests/integration;
these tests pin the mapping from answers to calls, errors and sleeps.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, Coroutine
from urllib.parse import parse_qsl

import httpx
import pytest

from desktop_app import __version__
from desktop_app.canvas.client import CanvasClient
from desktop_app.canvas.errors import (
    AuthError,
    CanvasError,
    LoginPageError,
    MalformedAnswerError,
    NotAuthorizedError,
    PackageError,
    ServerError,
    ThrottledError,
    UnreachableError,
    ValidationError,
)
from desktop_app.canvas.models import Context, ExportType, ProgressState, SelectKey, WorkflowState
from desktop_app.canvas.retry import RetryPolicy

BASE = "https://canvas.example.edu"
TOKEN = "7~SECRETtokenVALUE1234567890abcdef"
COURSE = Context.parse("course:12")
EXPORT = {
    "id": 9001,
    "user_id": 42,
    "created_at": "2025-01-01T12:00:00Z",
    "workflow_state": "created",
    "export_type": "common_cartridge",
    "course_id": 12,
    "progress_url": f"{BASE}/api/v1/progress/777",
}
Handler = Callable[[httpx.Request], httpx.Response]


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


class Recorder:
    """Routes requests to a handler and keeps them; the fake sleep keeps the delays."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def client(self, policy: RetryPolicy | None = None) -> CanvasClient:
        client = CanvasClient(BASE + "/api/v1/", TOKEN, transport=httpx.MockTransport(self), policy=policy)
        client._rng = lambda: 0.5  # noqa: SLF001 - test seam
        client._sleep = self.sleep  # noqa: SLF001
        client._clock = lambda: 0.0  # noqa: SLF001 - time passes only in the fake sleeps
        return client

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)


def sequence(*responses: httpx.Response | Exception) -> Handler:
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handler


def ok(json: Any, **headers: str) -> httpx.Response:
    return httpx.Response(200, json=json, headers=headers)


# ---- headers and the token ----------------------------------------------------------------


def test_headers_on_api_requests() -> None:
    rec = Recorder(sequence(ok({"id": 42, "name": "Ada Teacher"})))

    async def go() -> None:
        async with rec.client() as client:
            assert client.base_url == BASE
            user = await client.get_self()
            assert user.name == "Ada Teacher"

    run(go())
    request = rec.requests[0]
    assert str(request.url) == f"{BASE}/api/v1/users/self"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"] == f"CanvasExportManager/{__version__}"
    assert TOKEN not in str(request.url)


def test_token_never_in_repr_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    rec = Recorder(
        sequence(
            httpx.Response(
                401, json={"errors": [{"message": "Invalid access token."}]}, headers={"WWW-Authenticate": "Bearer"}
            )
        )
    )
    client = rec.client()
    assert TOKEN not in repr(client) and TOKEN not in str(client)
    assert TOKEN not in repr(vars(client))

    async def go() -> CanvasError:
        try:
            await client.get_self()
        except CanvasError as exc:
            return exc
        finally:
            await client.aclose()
        raise AssertionError("no error")

    error = run(go())
    assert isinstance(error, AuthError) and error.reason == "invalid"
    for text in (str(error), repr(error), error.detail, repr(vars(error))):
        assert TOKEN not in text
    assert TOKEN not in caplog.text
    assert caplog.records, "the client logs something at DEBUG, so the check above means something"


def test_empty_token_is_refused() -> None:
    with pytest.raises(ValueError, match="Account > Settings"):
        CanvasClient(BASE, "  ")


# ---- JSON quirks -----------------------------------------------------------------------------


def test_while1_prefix_is_stripped() -> None:
    rec = Recorder(
        sequence(httpx.Response(200, text='while(1);{"id":1,"name":"A"}', headers={"content-type": "application/json"}))
    )

    async def go() -> str:
        async with rec.client() as client:
            return (await client.get_self()).name

    assert run(go()) == "A"


def test_html_instead_of_json_says_check_the_address() -> None:
    rec = Recorder(sequence(httpx.Response(200, text="<html>Welcome</html>", headers={"content-type": "text/html"})))

    async def go() -> None:
        async with rec.client() as client:
            await client.get_self()

    with pytest.raises(UnreachableError, match="did not answer like Canvas"):
        run(go())


def test_api_redirect_to_another_site_is_reported_not_followed() -> None:
    rec = Recorder(
        sequence(httpx.Response(301, headers={"location": "https://school.instructure.com/api/v1/users/self"}))
    )

    async def go() -> None:
        async with rec.client() as client:
            await client.get_self()

    with pytest.raises(UnreachableError, match="school.instructure.com"):
        run(go())
    assert len(rec.requests) == 1


# ---- pagination ------------------------------------------------------------------------------


def test_pagination_follows_next_exactly_and_stops() -> None:
    page2 = f"{BASE}/api/v1/courses/12/content_exports?page=bookmark:WyJ4Il0&per_page=100"

    def handler(request: httpx.Request) -> httpx.Response:
        if "bookmark" in str(request.url):
            return ok([dict(EXPORT, id=1)], Link=f'<{page2}>; rel="current"')
        return ok([dict(EXPORT, id=3), dict(EXPORT, id=2)], link=f'<{BASE}/x>; rel="current",<{page2}>; rel="next"')

    rec = Recorder(handler)

    async def go() -> list[int]:
        async with rec.client() as client:
            return [e.id async for e in client.list_exports(COURSE)]

    assert run(go()) == [3, 2, 1]
    assert [str(r.url) for r in rec.requests] == [f"{BASE}/api/v1/courses/12/content_exports?per_page=100", page2]


def test_courses_ask_for_terms_and_skip_restricted() -> None:
    rec = Recorder(
        sequence(
            ok(
                [
                    {"id": 1, "name": "Biology", "term": {"name": "Fall 2025"}, "enrollments": [{"type": "teacher"}]},
                    {"id": 2, "access_restricted_by_date": True},
                ]
            )
        )
    )

    async def go() -> list[Any]:
        async with rec.client() as client:
            return [c async for c in client.courses()]

    courses = run(go())
    assert [(c.id, c.term, c.is_teacher) for c in courses] == [(1, "Fall 2025", True)]
    assert parse_qsl(rec.requests[0].url.query.decode()) == [("include[]", "term"), ("per_page", "100")]


def test_content_of_unsupported_key_fails_before_any_request() -> None:
    rec = Recorder(sequence(ok([])))
    client = rec.client()
    with pytest.raises(ValidationError):
        client.content(Context.parse("group:7"), SelectKey.PAGES)
    run(client.aclose())
    assert rec.requests == []


# ---- exports and progress -------------------------------------------------------------------------


def test_create_export_posts_form_and_parses_200() -> None:
    rec = Recorder(sequence(ok(EXPORT)))

    async def go() -> Any:
        async with rec.client() as client:
            return await client.create_export(
                COURSE,
                ExportType.COMMON_CARTRIDGE,
                {SelectKey.PAGES: [555], SelectKey.FILES: [678, 679]},
                skip_notifications=True,
            )

    export = run(go())
    assert export.id == 9001 and export.workflow_state is WorkflowState.CREATED and export.progress_id == 777
    request = rec.requests[0]
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/api/v1/courses/12/content_exports"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(request.content.decode()) == [
        ("export_type", "common_cartridge"),
        ("skip_notifications", "true"),
        ("select[pages][]", "555"),
        ("select[files][]", "678"),
        ("select[files][]", "679"),
    ]


def test_invalid_export_is_refused_before_any_request() -> None:
    rec = Recorder(sequence(ok(EXPORT)))

    async def go() -> None:
        async with rec.client() as client:
            await client.create_export(Context.parse("group:7"), ExportType.COMMON_CARTRIDGE)

    with pytest.raises(ValidationError):
        run(go())
    assert rec.requests == []


def test_progress_float_completion_and_all_states() -> None:
    states = [s.value for s in ProgressState]
    rec = Recorder(sequence(*[ok({"id": 777, "workflow_state": s, "completion": 37.5}) for s in states]))

    async def go() -> list[Any]:
        async with rec.client() as client:
            return [await client.get_progress(777) for _ in states]

    progress = run(go())
    assert [p.workflow_state.value for p in progress] == states
    assert progress[0].completion == 37.5
    assert str(rec.requests[0].url) == f"{BASE}/api/v1/progress/777"


# ---- retries -------------------------------------------------------------------------------------


def test_get_retries_5xx_then_succeeds() -> None:
    rec = Recorder(sequence(httpx.Response(503), httpx.Response(502), ok({"id": 1, "name": "A"})))

    async def go() -> None:
        async with rec.client(RetryPolicy(base_delay=1.0)) as client:
            await client.get_self()

    run(go())
    assert len(rec.requests) == 3
    assert rec.sleeps == [0.5, 1.0]  # full jitter at rng 0.5 of 1 s, then 2 s


def test_get_gives_up_after_max_attempts() -> None:
    rec = Recorder(sequence(httpx.Response(500, text="oops")))

    async def go() -> None:
        async with rec.client(RetryPolicy(max_attempts=3)) as client:
            await client.get_self()

    with pytest.raises(ServerError, match="after 3 tries"):
        run(go())
    assert len(rec.requests) == 3


def test_get_retries_connection_errors_then_reports_unreachable() -> None:
    rec = Recorder(sequence(httpx.ConnectError("[Errno 111] Connection refused")))

    async def go() -> None:
        async with rec.client(RetryPolicy(max_attempts=2)) as client:
            await client.get_self()

    with pytest.raises(UnreachableError) as caught:
        run(go())
    assert len(rec.requests) == 2
    assert caught.value.ambiguous is False
    assert "canvas.example.edu" in str(caught.value)


def test_post_is_not_retried_on_5xx() -> None:
    rec = Recorder(sequence(httpx.Response(503), ok(EXPORT)))

    async def go() -> None:
        async with rec.client() as client:
            await client.create_export(COURSE, ExportType.ZIP)

    with pytest.raises(ServerError):
        run(go())
    assert len(rec.requests) == 1


@pytest.mark.parametrize(
    "exc,ambiguous",
    [
        (httpx.ReadTimeout("timed out"), True),
        (httpx.RemoteProtocolError("Server disconnected"), True),
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("timed out"), False),
    ],
)
def test_post_network_failure_is_not_retried_and_says_if_ambiguous(exc: Exception, ambiguous: bool) -> None:
    rec = Recorder(sequence(exc, ok(EXPORT)))

    async def go() -> None:
        async with rec.client() as client:
            await client.create_export(COURSE, ExportType.COMMON_CARTRIDGE)

    with pytest.raises(UnreachableError) as caught:
        run(go())
    assert len(rec.requests) == 1
    assert caught.value.ambiguous is ambiguous


@pytest.mark.parametrize(
    "throttled",
    [
        httpx.Response(403, text="403 Forbidden (Rate Limit Exceeded)", headers={"X-Rate-Limit-Remaining": "0.0"}),
        httpx.Response(429, text="slow down", headers={"Retry-After": "3"}),
    ],
)
def test_post_is_retried_when_throttled(throttled: httpx.Response) -> None:
    rec = Recorder(sequence(throttled, ok(EXPORT)))

    async def go() -> Any:
        async with rec.client(RetryPolicy(throttle_base_delay=2.0, low_remaining=0.0)) as client:
            return await client.create_export(COURSE, ExportType.COMMON_CARTRIDGE)

    assert run(go()).id == 9001
    assert len(rec.requests) == 2
    assert rec.sleeps[0] >= 1.5  # equal jitter: at least half of 2 s, or Retry-After 3


def test_throttled_too_long_raises_throttled_error() -> None:
    rec = Recorder(sequence(httpx.Response(403, text="403 Forbidden (Rate Limit Exceeded)")))

    async def go() -> None:
        async with rec.client(RetryPolicy(throttle_attempts=3)) as client:
            await client.get_self()

    with pytest.raises(ThrottledError):
        run(go())
    assert len(rec.requests) == 3


def test_permission_403_is_not_retried() -> None:
    rec = Recorder(
        sequence(
            httpx.Response(
                403,
                json={"status": "unauthorized", "errors": [{"message": "user not authorized to perform that action"}]},
            )
        )
    )

    async def go() -> None:
        async with rec.client() as client:
            await client.get_export(COURSE, 5)

    with pytest.raises(NotAuthorizedError, match="show export 5 of course 12"):
        run(go())
    assert len(rec.requests) == 1


def test_slows_down_when_rate_limit_runs_low() -> None:
    rec = Recorder(
        sequence(
            ok({"id": 1, "name": "A"}, **{"X-Rate-Limit-Remaining": "30.0"}),
            ok({"id": 1, "name": "A"}, **{"X-Rate-Limit-Remaining": "590.0"}),
        )
    )

    async def go() -> float | None:
        async with rec.client(RetryPolicy(low_remaining=150.0, outflow_per_second=10.0, max_pace_delay=60.0)) as client:
            await client.get_self()
            assert rec.sleeps == []
            await client.get_self()
            await client.get_self()
            return client.rate_limit_remaining

    assert run(go()) == 590.0
    assert rec.sleeps == [12.0]  # (150 - 30) / 10, once; then the budget is healthy again


# ---- package download (unit level; the real chain is an integration test) --------------------

FILES = "https://files.example-cdn.com"


def package_chain(final: httpx.Response) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "canvas.example.edu":
            return httpx.Response(302, headers={"location": f"{FILES}/files/5/download?sf_verifier=abc"})
        if request.url.path == "/files/5/download":
            return httpx.Response(302, headers={"location": "/storage/5?token=signed"})  # relative
        return final

    return handler


def test_package_follows_redirects_and_drops_token_off_origin() -> None:
    rec = Recorder(
        package_chain(httpx.Response(200, content=b"PK\x03\x04data", headers={"content-type": "application/zip"}))
    )

    async def go() -> tuple[Any, bytes]:
        async with rec.client() as client:
            async with client.open_package(f"{BASE}/files/5/download?download_frd=1") as package:
                data = b"".join([c async for c in package.aiter_bytes()])
                return package, data

    package, data = run(go())
    assert data == b"PK\x03\x04data"
    assert (package.status, package.resumed, package.total_size, package.start) == (200, False, 8, 0)
    assert [str(r.url) for r in rec.requests] == [
        f"{BASE}/files/5/download?download_frd=1",
        f"{FILES}/files/5/download?sf_verifier=abc",
        f"{FILES}/storage/5?token=signed",
    ]
    assert [("authorization" in r.headers) for r in rec.requests] == [True, False, False]


def test_package_range_resume() -> None:
    rec = Recorder(
        package_chain(
            httpx.Response(
                206, content=b"rest", headers={"content-type": "application/zip", "content-range": "bytes 6-9/10"}
            )
        )
    )

    async def go() -> Any:
        async with rec.client() as client:
            async with client.open_package(f"{BASE}/files/5/download", start=6) as package:
                return package

    package = run(go())
    assert (package.status, package.resumed, package.start, package.total_size) == (206, True, 6, 10)
    assert all(r.headers["range"] == "bytes=6-" for r in rec.requests)


def test_package_range_ignored_means_restart() -> None:
    rec = Recorder(
        package_chain(httpx.Response(200, content=b"0123456789", headers={"content-type": "application/zip"}))
    )

    async def go() -> Any:
        async with rec.client() as client:
            async with client.open_package(f"{BASE}/files/5/download", start=6) as package:
                return package

    package = run(go())
    assert (package.status, package.resumed, package.start) == (200, False, 0)


def test_package_html_is_a_login_page() -> None:
    rec = Recorder(
        package_chain(
            httpx.Response(200, text="<html>Log in</html>", headers={"content-type": "text/html; charset=utf-8"})
        )
    )

    async def go() -> None:
        async with rec.client() as client:
            async with client.open_package(f"{BASE}/files/5/download"):
                pass

    with pytest.raises(LoginPageError) as caught:
        run(go())
    assert "signed" not in str(caught.value) + caught.value.detail
    assert "sf_verifier=abc" not in caught.value.detail


def test_package_redirect_loop_is_bounded() -> None:
    rec = Recorder(lambda r: httpx.Response(302, headers={"location": f"{FILES}/again?n={len(rec.requests)}"}))

    async def go() -> None:
        async with rec.client() as client:
            async with client.open_package(f"{BASE}/files/5/download"):
                pass

    with pytest.raises(PackageError, match="redirected more than 10 times"):
        run(go())
    assert len(rec.requests) == 11


def test_package_hop_retries_5xx() -> None:
    answers = iter(
        [httpx.Response(503), httpx.Response(200, content=b"PK", headers={"content-type": "application/zip"})]
    )
    rec = Recorder(lambda r: next(answers))

    async def go() -> int:
        async with rec.client() as client:
            async with client.open_package(f"{BASE}/files/5/download") as package:
                return package.status

    assert run(go()) == 200
    assert len(rec.requests) == 2 and len(rec.sleeps) == 1


def test_logs_hide_signed_query_values(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    rec = Recorder(package_chain(httpx.Response(200, content=b"PK", headers={"content-type": "application/zip"})))

    async def go() -> None:
        async with rec.client() as client:
            async with client.open_package(f"{BASE}/files/5/download?verifier=SECRETVERIFIER"):
                pass

    run(go())
    assert "HTTP Request" in caplog.text  # httpx's own line went through the filter
    for secret in ("SECRETVERIFIER", "sf_verifier=abc", "token=signed", TOKEN):
        assert secret not in caplog.text


class _BreakingStream(httpx.AsyncByteStream):
    """Sends some bytes, then the connection breaks."""

    async def __aiter__(self):  # type: ignore[override]
        yield b"x" * 5000
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")


def test_broken_body_yields_every_received_byte_before_the_error() -> None:
    final = httpx.Response(
        200, stream=_BreakingStream(), headers={"content-type": "application/zip", "content-length": "9000"}
    )
    rec = Recorder(package_chain(final))
    received = bytearray()

    async def go() -> None:
        async with rec.client() as client:
            async with client.open_package(f"{BASE}/files/5/download") as package:
                async for chunk in package.aiter_bytes(1024):
                    received.extend(chunk)

    with pytest.raises(UnreachableError) as caught:
        run(go())
    assert len(received) == 5000
    assert caught.value.ambiguous is False and "download the export package" in str(caught.value)


# ---- account lists (bulk export) -----------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    [[{"id": 1, "name": "Fall"}], {"terms": []}, {"enrollment_terms": {"id": 1}}, "enrollment_terms"],
    ids=["bare list", "other key", "not a list", "not an object"],
)
def test_terms_of_the_wrong_shape_are_a_malformed_answer(page: Any) -> None:
    rec = Recorder(sequence(ok(page)))

    async def go() -> list[Any]:
        async with rec.client() as client:
            return [term async for term in client.terms(1)]

    with pytest.raises(MalformedAnswerError, match="list the terms of account 1"):
        run(go())


def test_a_one_character_search_is_refused_before_any_request() -> None:
    rec = Recorder(sequence(ok([])))

    async def go() -> None:
        async with rec.client() as client:
            with pytest.raises(ValidationError, match="at least 2 characters"):
                client.account_courses(1, search=" b ")
            assert [c async for c in client.account_courses(1, search="  ")] == []  # blank: no filter

    run(go())
    assert len(rec.requests) == 1 and "search_term" not in str(rec.requests[0].url)
