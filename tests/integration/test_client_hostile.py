"""A hostile Canvas (or whatever sits in front of it) over real HTTP: a gzip bomb, an answer
trickled a byte at a time, a day-long Retry-After, list pages that never end or come round
again. Each must end quickly in a clear error, with memory and time bounded."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from engine_support import CLI, FAST_CLIENT_RETRY, REPO, cli, cli_env
from hostile_http import HostileServer, head, json_bomb, trickle

from desktop_app.canvas.client import CanvasClient
from desktop_app.canvas.errors import (
    EndlessListError,
    MalformedAnswerError,
    ResponseTooLargeError,
    RetryAfterTooLongError,
    ServerError,
    UnreachableError,
)
from desktop_app.canvas.limits import ApiLimits
from desktop_app.canvas.models import Context
from desktop_app.simulator import TEACHER_TOKEN, SimulatedCanvas

pytestmark = pytest.mark.timeout(120)

PEAK_RSS_LIMIT_KIB = 300 * 1024


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def exports_of(base_url: str, ctx: Context, **kw: Any) -> Any:
    """Every export of `ctx` as the client lists them (the coroutine to run)."""

    async def go() -> list[int]:
        async with CanvasClient(base_url, TEACHER_TOKEN, policy=FAST_CLIENT_RETRY, **kw) as api:
            return [e.id async for e in api.list_exports(ctx)]

    return go()


def list_requests(sim: SimulatedCanvas, ctx: Context) -> list[Any]:
    return [r for r in sim.request_log if r.path == f"/api/v1/{ctx.api_path}/content_exports"]


# ---- 1. huge bodies -------------------------------------------------------------------------


def test_gzip_bomb_is_refused_at_the_size_limit() -> None:
    with HostileServer(json_bomb(decoded_mib=64)) as server:  # 64 KiB on the wire
        started = time.monotonic()
        with pytest.raises(ResponseTooLargeError) as caught:
            run(exports_of(server.base_url, Context.parse("course:1"), limits=ApiLimits(max_body=1 << 20)))
        elapsed = time.monotonic() - started
    assert str(caught.value).startswith(
        "Canvas sent an answer larger than 1 MiB when asked to list the exports of course 1"
    )
    assert len(server.requests) == 1  # not retried: the same answer would come again
    assert elapsed < 5


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak RSS is read from Linux's /proc")
def test_cli_list_against_a_gzip_bomb_keeps_memory_bounded(canvas_sim: SimulatedCanvas, tmp_path: Path) -> None:
    """`canvas-exports list` against 1 MiB of gzip that decodes to 1 GiB: exit 4 with the
    default 32 MiB limit, and the process's peak RSS stays far below the bomb.

    Peak RSS is VmHWM, the high-water mark of the process's own memory since exec;
    `ru_maxrss` would also count the pytest process it was forked from."""
    measure = (
        "import re, sys; from desktop_app.cli import main; code = main(sys.argv[1:]); "
        "status = open('/proc/self/status').read(); "
        "print('peak-rss-kib', re.search(r'VmHWM:\\s+(\\d+)', status).group(1), file=sys.stderr); "
        "sys.exit(code)"
    )
    with HostileServer(json_bomb(decoded_mib=1024)) as server:
        env = cli_env(tmp_path, canvas_sim)
        env["CANVAS_BASE_URL"] = server.base_url
        done = subprocess.run(
            [sys.executable, "-c", measure, "list", "course:1"],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=100,
        )
    peak = int(re.search(r"peak-rss-kib (\d+)", done.stderr).group(1))  # type: ignore[union-attr]
    assert done.returncode == 4, done.stderr
    assert "Canvas sent an answer larger than 32 MiB" in done.stderr and "Traceback" not in done.stderr
    assert peak < PEAK_RSS_LIMIT_KIB, f"peak RSS {peak / 1024:.0f} MiB"


# ---- 2. trickled answers --------------------------------------------------------------------


def test_trickled_answer_gives_up_at_the_request_deadline() -> None:
    """One byte every 50 ms never trips the 60 s read timeout; the deadline for the whole
    request (shrunk to 0.3 s) does, and the GET is retried within its bounds."""
    with HostileServer(trickle(interval=0.05)) as server:
        started = time.monotonic()
        with pytest.raises(UnreachableError) as caught:
            run(exports_of(server.base_url, Context.parse("course:1"), limits=ApiLimits(request_deadline=0.3)))
        elapsed = time.monotonic() - started
    assert "did not finish answering within 0.3 seconds" in str(caught.value)
    assert "answered too slowly" in str(caught.value) and "internet connection" not in str(caught.value)
    assert len(server.requests) == FAST_CLIENT_RETRY.max_attempts
    assert elapsed < FAST_CLIENT_RETRY.max_attempts * 0.3 + 3


# ---- 3. Retry-After beyond the ceiling -----------------------------------------------------


def test_a_day_long_retry_after_gives_up_at_once_and_says_until_when(canvas_sim: SimulatedCanvas) -> None:
    canvas_sim.faults.throttle(1, status=429, retry_after=86400)

    async def go() -> None:
        async with CanvasClient(canvas_sim.base_url, TEACHER_TOKEN, policy=FAST_CLIENT_RETRY) as api:
            await api.get_self()

    started = time.monotonic()
    with pytest.raises(RetryAfterTooLongError) as caught:
        run(go())
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert message.startswith("Canvas asked us to wait 24 hours before the next request (throttled)")
    assert "this app waits at most 10 minutes" in message
    assert re.search(r"Try again after \d{4}-\d\d-\d\d \d\d:\d\d", message)
    assert caught.value.retry_after == 86400


def test_cli_create_wait_does_not_sleep_through_a_day_long_retry_after(
    canvas_sim: SimulatedCanvas, tmp_path: Path
) -> None:
    """Every poll is throttled with Retry-After: 86400. Before the ceiling, `create --wait`
    slept silently for a day; now it stops, exit 4, saying what Canvas asked for."""
    canvas_sim.faults.throttle(50, status=403, retry_after=86400, path="/content_exports/")
    canvas_sim.faults.throttle(50, status=403, retry_after=86400, path="/progress/")
    course = canvas_sim.data.main_course_id
    done = cli(tmp_path, canvas_sim, "create", f"course:{course}", "--type", "zip", "--wait")
    assert done.returncode == 4, done.stderr
    assert "Canvas asked us to wait 24 hours" in done.stderr and "Try again after" in done.stderr


# ---- 4. pagination that never ends --------------------------------------------------------


def test_endless_next_links_stop_at_the_page_limit(make_canvas_sim: Callable[..., SimulatedCanvas]) -> None:
    sim = make_canvas_sim()
    sim.faults.hostile_pages("endless")
    ctx = Context.parse(f"course:{sim.data.main_course_id}")
    with pytest.raises(EndlessListError) as caught:
        run(exports_of(sim.base_url, ctx, limits=ApiLimits(max_pages=5)))
    assert "more than 5 pages" in str(caught.value)
    assert len(list_requests(sim, ctx)) == 5


def test_next_link_cycle_is_an_error_and_repeats_no_row(make_canvas_sim: Callable[..., SimulatedCanvas]) -> None:
    sim = make_canvas_sim()
    sim.faults.hostile_pages("cycle")
    ctx = Context.parse(f"course:{sim.data.main_course_id}")
    rows: list[int] = []

    async def go() -> None:
        async with CanvasClient(sim.base_url, TEACHER_TOKEN, policy=FAST_CLIENT_RETRY) as api:
            async for export in api.list_exports(ctx):
                rows.append(export.id)

    with pytest.raises(EndlessListError) as caught:
        run(go())
    assert "came round to a page already read" in str(caught.value)
    assert rows and len(rows) == len(set(rows))
    assert len(list_requests(sim, ctx)) == 1  # its next link was that same first page


def test_cli_list_with_a_cycle_prints_no_duplicate_and_fails(canvas_sim: SimulatedCanvas, tmp_path: Path) -> None:
    canvas_sim.faults.hostile_pages("cycle")
    done = cli(tmp_path, canvas_sim, "--json", "list", f"course:{canvas_sim.data.main_course_id}")
    lines = done.stdout.splitlines()
    assert done.returncode == 4, done.stderr
    assert lines and len(lines) == len(set(lines))
    assert "came round to a page already read" in done.stderr


# ---- 5. lists that are not lists, or go to another site ------------------------------------


def test_a_next_link_to_another_site_is_not_followed_and_fails_like_a_broken_canvas(
    make_canvas_sim: Callable[..., SimulatedCanvas],
) -> None:
    sim = make_canvas_sim()
    sim.faults.hostile_pages("offsite")  # the last page's next link: the files host's origin
    ctx = Context.parse(f"course:{sim.data.main_course_id}")
    with pytest.raises(ServerError) as caught:
        run(exports_of(sim.base_url, ctx))
    host = sim.files_base_url.removeprefix("http://")
    assert f"to another site ({host})" in str(caught.value)
    assert [r for r in sim.request_log if r.host == "files"] == []  # nothing went there, least of all the token
    assert len(list_requests(sim, ctx)) == 1


def test_cli_list_with_a_next_link_to_another_site_exits_4(canvas_sim: SimulatedCanvas, tmp_path: Path) -> None:
    canvas_sim.faults.hostile_pages("offsite")
    done = cli(tmp_path, canvas_sim, "list", f"course:{canvas_sim.data.main_course_id}")
    assert done.returncode == 4, done.stderr  # Canvas misbehaving, as for a looping list; 1 is a failed export
    assert "to another site" in done.stderr and "Traceback" not in done.stderr
    assert [r for r in canvas_sim.request_log if r.host == "files"] == []


async def _an_object_for_a_list(writer: asyncio.StreamWriter) -> None:
    body = b'{"content_exports": []}'
    writer.write(head(200, len(body), Content_Type="application/json") + body)
    await writer.drain()


def test_a_page_that_is_not_a_list_is_a_malformed_answer(canvas_sim: SimulatedCanvas, tmp_path: Path) -> None:
    with HostileServer(_an_object_for_a_list) as server:
        with pytest.raises(MalformedAnswerError) as caught:
            run(exports_of(server.base_url, Context.parse("course:1")))
        env = cli_env(tmp_path, canvas_sim)
        env["CANVAS_BASE_URL"] = server.base_url
        done = subprocess.run(
            [*CLI, "list", "course:1"], env=env, cwd=REPO, capture_output=True, text=True, timeout=100
        )
    assert "that is not a list but an object" in str(caught.value)
    assert done.returncode == 4, done.stderr
    assert "not a list but an object" in done.stderr and "Traceback" not in done.stderr
