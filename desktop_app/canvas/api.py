"""What the engine, the application layer and the tests' fakes expect of a Canvas client.

`CanvasClient` (client.py) is the real one; `tests/unit/test_engine_jobs.py`'s
`FakeCanvas` is a fake that mypy checks against this same Protocol, so a method the
engine starts to use cannot be forgotten in either.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from desktop_app.canvas.models import (
    ContentExport,
    ContentItem,
    Context,
    Course,
    ExportType,
    Group,
    Progress,
    SelectKey,
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


class CanvasApi(Protocol):
    """The Canvas operations this app uses (see client.py for what each one promises)."""

    async def get_self(self) -> User: ...

    async def allowed_export_types(self, ctx: Context) -> dict[ExportType, str | None]: ...

    def courses(self) -> AsyncIterator[Course]: ...

    def groups(self) -> AsyncIterator[Group]: ...

    def content(self, ctx: Context, key: SelectKey | str) -> AsyncIterator[ContentItem]: ...

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

    async def aclose(self) -> None: ...
