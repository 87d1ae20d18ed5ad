"""CanvasClient against the simulated Canvas over real HTTP: contexts, export types,
the export/Progress lifecycle and the package download chain."""

from __future__ import annotations

import asyncio
import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile
from typing import Any, Callable, Coroutine

import pytest
from engine_support import FAST_CLIENT_RETRY

from desktop_app.canvas.client import CanvasClient
from desktop_app.canvas.errors import NotAuthorizedError, NotFoundError, ValidationError
from desktop_app.canvas.models import ContentExport, Context, ExportType, ProgressState, SelectKey, WorkflowState
from desktop_app.simulator import STUDENT_TOKEN, TEACHER_TOKEN, SimulatedCanvas, resource_identifier


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


def client(sim: SimulatedCanvas, token: str = TEACHER_TOKEN) -> CanvasClient:
    return CanvasClient(sim.base_url, token, policy=FAST_CLIENT_RETRY)


@pytest.fixture
def sim(make_canvas_sim: Callable[..., SimulatedCanvas], sim_clock: Any) -> SimulatedCanvas:
    """Exports take 10 simulated seconds; tests move the clock instead of waiting."""
    return make_canvas_sim(clock=sim_clock, export_duration=10.0)


async def download(api: CanvasClient, export: ContentExport, start: int = 0) -> bytes:
    assert export.attachment is not None
    async with api.open_package(export.attachment.url, start=start) as package:
        assert package.status == 200 and not package.resumed
        assert package.total_size == export.attachment.size
        return b"".join([chunk async for chunk in package.aiter_bytes(4096)])


def assert_no_token_off_origin(sim: SimulatedCanvas) -> None:
    files = [r for r in sim.request_log if r.host == "files"]
    assert files, "the download went through the files host"
    assert all("authorization" not in {k.lower() for k in r.headers} for r in files)
    for record in sim.request_log:
        assert TEACHER_TOKEN not in record.path + record.query and STUDENT_TOKEN not in record.path + record.query


CASES = [
    ("course:101", ExportType.COMMON_CARTRIDGE, ".imscc"),
    ("course:101", ExportType.QTI, ".zip"),
    ("course:101", ExportType.ZIP, ".zip"),
    ("group:201", ExportType.ZIP, ".zip"),
    ("user:self", ExportType.ZIP, ".zip"),
    ("user:1001", ExportType.ZIP, ".zip"),
]


@pytest.mark.parametrize("context,export_type,suffix", CASES)
def test_create_poll_download_every_context_and_type(
    sim: SimulatedCanvas, sim_clock: Any, context: str, export_type: ExportType, suffix: str
) -> None:
    ctx = Context.parse(context)

    async def go() -> tuple[ContentExport, list[ProgressState], bytes, ContentExport]:
        async with client(sim) as api:
            created = await api.create_export(ctx, export_type, skip_notifications=True)
            assert created.workflow_state is WorkflowState.CREATED
            assert created.progress_id is not None
            seen = []
            for _ in range(12):  # 12 x 1 s of simulated time; the export takes 10
                progress = await api.get_progress(created.progress_id)
                seen.append(progress.workflow_state)
                if not progress.workflow_state.is_pending:
                    break
                sim_clock.advance(1.0)
            done = await api.get_export(ctx, created.id)
            data = await download(api, done)
            newest = [e async for e in api.list_exports(ctx)][0]
            return done, seen, data, newest

    done, seen, data, newest = run(go())
    assert seen[0] is ProgressState.QUEUED and ProgressState.RUNNING in seen and seen[-1] is ProgressState.COMPLETED
    assert done.workflow_state is WorkflowState.EXPORTED and done.export_type == export_type.value
    assert done.attachment is not None and done.attachment.display_name.endswith(suffix)
    assert hashlib.sha256(data).digest() == hashlib.sha256(sim.package_bytes(done.id)).digest()
    assert data[:2] == b"PK" and len(data) == done.attachment.size
    assert newest.id == done.id  # newest first
    assert_no_token_off_origin(sim)
    first_hop = [r for r in sim.request_log if r.host == "api" and r.path.startswith("/files/")]
    assert first_hop and all(r.headers.get("Authorization") == "[redacted]" for r in first_hop)
    post = [r for r in sim.request_log if r.method == "POST"]
    assert len(post) == 1 and post[0].headers.get("Content-Type") == "application/x-www-form-urlencoded"


def test_real_clock_create_and_poll(make_canvas_sim: Callable[..., SimulatedCanvas]) -> None:
    live = make_canvas_sim(export_duration=0.3)

    async def go() -> ContentExport:
        async with client(live) as api:
            export = await api.create_export(Context.parse("course:101"), ExportType.ZIP)
            for _ in range(200):
                export = await api.get_export(Context.parse("course:101"), export.id)
                if not export.workflow_state.is_running:
                    return export
                await asyncio.sleep(0.02)  # polling a live server, bounded
            raise AssertionError("export did not finish")

    assert run(go()).workflow_state is WorkflowState.EXPORTED


def test_selective_common_cartridge_lists_exactly_the_selection(sim: SimulatedCanvas, sim_clock: Any) -> None:
    page, quiz = sim.data.ids("wiki_pages")[3], sim.data.ids("quizzes")[0]
    item = sim.data.ids("content_tags")[0]

    async def go() -> bytes:
        async with client(sim) as api:
            export = await api.create_export(
                Context.parse("course:101"),
                ExportType.COMMON_CARTRIDGE,
                {SelectKey.PAGES: [page], SelectKey.QUIZZES: [quiz], SelectKey.MODULE_ITEMS: [item]},
                skip_notifications=True,
            )
            sim_clock.advance(11.0)
            return await download(api, await api.get_export(Context.parse("course:101"), export.id))

    with zipfile.ZipFile(io.BytesIO(run(go()))) as package:
        manifest = ET.fromstring(package.read("imsmanifest.xml"))
    identifiers = {el.get("identifier") for el in manifest.iter() if el.get("identifier")}
    assert resource_identifier("pages", page) in identifiers
    assert resource_identifier("quizzes", quiz) in identifiers
    other_pages = {resource_identifier("pages", p) for p in sim.data.ids("wiki_pages") if p != page}
    assert not identifiers & other_pages


def test_selective_zip_of_folder_and_file(sim: SimulatedCanvas, sim_clock: Any) -> None:
    readings = next(f for f in sim.data.folders.values() if f.name == "Readings" and f.context == ("course", 101))
    inside = {f.display_name for f in sim.data.files.values() if f.folder_id == readings.id}
    loose = next(
        f
        for f in sim.data.files.values()
        if f.context == ("course", 101) and f.folder_id != readings.id and not sim.data.file_hidden(f)
    )

    async def go() -> bytes:
        async with client(sim) as api:
            export = await api.create_export(
                Context.parse("course:101"), "zip", {"folders": [readings.id], "files": [str(loose.id)]}
            )
            sim_clock.advance(11.0)
            return await download(api, await api.get_export(Context.parse("course:101"), export.id))

    with zipfile.ZipFile(io.BytesIO(run(go()))) as package:
        names = {name.rsplit("/", 1)[-1] for name in package.namelist()}
    assert inside <= names and loose.display_name in names


def test_progress_reports_float_completion_and_waiting_for_new_quizzes(sim: SimulatedCanvas, sim_clock: Any) -> None:
    sim.faults.new_quizzes(True)
    ctx = Context.parse("course:101")

    async def go() -> list[tuple[WorkflowState, ProgressState, float]]:
        async with client(sim) as api:
            export = await api.create_export(ctx, ExportType.COMMON_CARTRIDGE, skip_notifications=True)
            states = []
            for step in (0.0, 3.0, 3.73, 3.0, 4.0):  # 34.6 % at 6.73 of 10 s
                sim_clock.advance(step)
                e = await api.get_export(ctx, export.id)
                p = await api.get_progress(export.progress_id or 0)
                states.append((e.workflow_state, p.workflow_state, p.completion))
            return states

    states = run(go())
    assert states[0][:2] == (WorkflowState.CREATED, ProgressState.QUEUED)
    assert states[1][:2] == (WorkflowState.WAITING_FOR_EXTERNAL_TOOL, ProgressState.WAITING_FOR_EXTERNAL_TOOL)
    exporting = states[2]
    assert exporting[:2] == (WorkflowState.EXPORTING, ProgressState.RUNNING)
    assert isinstance(exporting[2], float) and 0 < exporting[2] < 100 and exporting[2] != int(exporting[2])
    assert states[-1] == (WorkflowState.EXPORTED, ProgressState.COMPLETED, 100.0)


def test_failed_export(sim: SimulatedCanvas, sim_clock: Any) -> None:
    sim.faults.fail_next_export()
    ctx = Context.parse("course:101")

    async def go() -> tuple[ContentExport, Any]:
        async with client(sim) as api:
            export = await api.create_export(ctx, ExportType.QTI)
            sim_clock.advance(11.0)
            return await api.get_export(ctx, export.id), await api.get_progress(export.progress_id or 0)

    export, progress = run(go())
    assert export.workflow_state is WorkflowState.FAILED and export.attachment is None
    assert progress.workflow_state is ProgressState.FAILED


def test_history_lists_newest_first_with_expired_and_webui_exports(sim: SimulatedCanvas, sim_clock: Any) -> None:
    ctx = Context.parse("course:101")

    async def go() -> tuple[list[ContentExport], ContentExport]:
        async with client(sim) as api:
            made = await api.create_export(ctx, ExportType.ZIP)
            sim_clock.advance(11.0)
            sim.age_export(made.id, 31)
            return [e async for e in api.list_exports(ctx)], await api.get_export(ctx, made.id)

    exports, aged = run(go())
    ids = [e.id for e in exports]
    assert ids == sorted(ids, reverse=True)
    assert aged.workflow_state is WorkflowState.EXPIRED and aged.attachment is None
    states = {e.workflow_state for e in exports}
    assert WorkflowState.EXPIRED in states and WorkflowState.FAILED in states
    assert any(e.progress_url is None for e in exports)  # started in the web UI


def test_student_may_zip_but_not_export_the_course(sim: SimulatedCanvas, sim_clock: Any) -> None:
    ctx = Context.parse("course:101")

    async def go() -> ContentExport:
        async with client(sim, STUDENT_TOKEN) as api:
            with pytest.raises(NotAuthorizedError) as caught:
                await api.create_export(ctx, ExportType.COMMON_CARTRIDGE)
            assert "create a Common Cartridge export of course 101" in str(caught.value)
            export = await api.create_export(ctx, ExportType.ZIP)
            sim_clock.advance(11.0)
            done = await api.get_export(ctx, export.id)
            await download(api, done)
            return done

    assert run(go()).workflow_state is WorkflowState.EXPORTED


def test_unknown_export_and_progress_are_not_found(sim: SimulatedCanvas) -> None:
    async def go() -> None:
        async with client(sim) as api:
            with pytest.raises(NotFoundError):
                await api.get_export(Context.parse("course:101"), 999999)
            with pytest.raises(NotFoundError) as progress:
                await api.get_progress(999999)
            # a Progress id is no job of this app's: "job 10: ... progress of job 7008" misled
            assert "to check the export's progress:" in progress.value.message
            assert "999999" not in progress.value.message and "progress/999999" in progress.value.detail
            with pytest.raises(NotFoundError):
                await api.create_export(Context.parse("course:999999"), ExportType.ZIP)

    run(go())


def test_invalid_requests_never_reach_canvas(sim: SimulatedCanvas) -> None:
    async def go() -> None:
        async with client(sim) as api:
            with pytest.raises(ValidationError):
                await api.create_export(Context.parse("group:201"), ExportType.COMMON_CARTRIDGE)
            with pytest.raises(ValidationError):
                await api.create_export(Context.parse("course:101"), ExportType.ZIP, {SelectKey.PAGES: [1]})
            with pytest.raises(ValidationError):
                await api.create_export(Context.parse("course:101"), ExportType.QTI, {SelectKey.FILES: [1]})

    run(go())
    assert not [r for r in sim.request_log if r.method == "POST"]
