"""What the engine, the application layer and the tests' fakes expect of a Canvas client.

`CanvasClient` (client.py) is the real one (`CanvasApi`); `tests/unit/test_engine_jobs.py`'s
`FakeCanvas` is the engine's fake, checked against `ExportsApi` by a test, so a method
the engine starts to use cannot be forgotten in either.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol, runtime_checkable

from desktop_app.canvas.models import (
    Account,
    ContentExport,
    ContentItem,
    Context,
    Course,
    ExportType,
    Group,
    Progress,
    SelectKey,
    Term,
    User,
)
from desktop_app.canvas.validation import SelectArg


class PackageStream(Protocol):
    """One answer of the package host, read as the body arrives."""

    status: int
    resumed: bool
    total_size: int | None
    content_type: str

    def aiter_bytes(self, chunk_size: int = ...) -> AsyncIterator[bytes | bytearray]: ...


@runtime_checkable
class ExportsApi(Protocol):
    """What the export engine asks of Canvas: who am I, the exports, their progress and
    packages. The engine's fakes in the tests implement exactly this."""

    async def get_self(self) -> User: ...

    def list_exports(self, ctx: Context) -> AsyncIterator[ContentExport]: ...

    async def get_export(self, ctx: Context, export_id: int) -> ContentExport: ...

    async def create_export(
        self,
        ctx: Context,
        export_type: ExportType | str,
        select: SelectArg | None = None,
        *,
        skip_notifications: bool = False,
    ) -> ContentExport: ...

    async def get_progress(self, progress_id: int) -> Progress: ...

    def open_package(self, url: str, *, start: int = 0) -> AbstractAsyncContextManager[PackageStream]: ...


@runtime_checkable
class CanvasApi(ExportsApi, Protocol):
    """Everything this app asks of Canvas (see client.py for what each call promises):
    the engine's part, and what the window, the command line and bulk exports (courses,
    accounts, terms) read besides."""

    async def allowed_export_types(self, ctx: Context) -> dict[ExportType, str | None]: ...

    def courses(self) -> AsyncIterator[Course]: ...

    async def get_course(self, ctx: Context) -> Course: ...

    def accounts(self) -> AsyncIterator[Account]: ...

    def sub_accounts(self, account_id: int) -> AsyncIterator[Account]: ...

    def terms(self, account_id: int) -> AsyncIterator[Term]: ...

    def account_courses(
        self, account_id: int, *, term_id: int | None = None, search: str | None = None
    ) -> AsyncIterator[Course]: ...

    def groups(self) -> AsyncIterator[Group]: ...

    def content(self, ctx: Context, key: SelectKey | str) -> AsyncIterator[ContentItem]: ...

    async def aclose(self) -> None: ...
