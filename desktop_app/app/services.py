"""Everything that lives on the engine's loop, handed to the use cases that run there.

Only code running on the loop thread may touch a Services object; a front end holds
no reference to anything inside it. The window reaches it through the bridge
(`EngineBridge.run`), the command line owns one directly.

Imports of the client, the engine and the store happen inside the methods: the window
makes its Services when its background thread starts, after its first frame, and
`TYPE_CHECKING` imports cost nothing at start-up.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.canvas.errors import AuthError

if TYPE_CHECKING:
    from desktop_app.app.batches import BatchRuns
    from desktop_app.canvas.api import CanvasApi
    from desktop_app.engine.engine import Engine, EngineConfig
    from desktop_app.engine.store import JobStore
    from desktop_app.simulator import SimulatedCanvas

log = logging.getLogger(__name__)


class Services:
    """The loop's clients (one per Canvas site), engine, job store and demo Canvas."""

    def __init__(
        self, emit: Callable[[object], None], client_factory: Callable[[str], CanvasApi] | None = None
    ) -> None:
        self.emit_event = emit
        """Where the engine's events go (the bridge, or the command line's reporter)."""
        self.clients: dict[str, CanvasApi] = {}  # site (base URL) -> client; the engine asks `client`
        self._client_factory = client_factory
        """Makes a missing site's client (the command line, from its token); the window
        signs in instead (`set_client`), so it has none."""
        self.engine: Engine | None = None
        self.store: JobStore | None = None
        self.demo: SimulatedCanvas | None = None  # a started simulator, when the demo runs
        self.file_lock = asyncio.Lock()  # serialises profile-file and keyring access
        self.batch_runs: BatchRuns | None = None  # the batches this process runs (app/batches.py)

    def client(self, site: str) -> CanvasApi:
        """The client for a site; an AuthError('missing') when nobody signed in there."""
        if site not in self.clients and self._client_factory is not None:
            self.clients[site] = self._client_factory(site)
        try:
            return self.clients[site]
        except KeyError:
            raise AuthError(
                f"There is no token for {site}: sign in to this Canvas site again.", reason="missing", status=None
            ) from None

    def running_engine(self) -> Engine:
        if self.engine is None:
            raise RuntimeError("the export engine is not running")
        return self.engine

    async def set_client(self, site: str, base_url: str, token: str) -> None:
        """Create (or replace, after a new token) the client for a site."""
        from desktop_app.canvas.client import CanvasClient

        old = self.clients.get(site)
        self.clients[site] = CanvasClient(base_url, token)
        if old is not None:
            await close_quietly(old)

    async def start_engine(
        self,
        store_path: Path | str | None = None,
        *,
        max_concurrent: int | None = None,
        config: EngineConfig | None = None,
        max_unannounced_size: int | None = None,
    ) -> Engine:
        """Open the job store and create the engine (once); later calls return it.

        The engine shares `clients` (a dict this object keeps current), so a new token
        for a site reaches running and resumed jobs without restarting anything.
        `max_concurrent` is Settings' "Exports at once": how many jobs per site create
        and download at the same time (a later call applies a changed value);
        `max_unannounced_size` is "Largest package of unknown size", in bytes.
        """
        if self.engine is None:
            from desktop_app.engine.engine import Engine, EngineConfig
            from desktop_app.engine.store import JobStore

            self.store = await asyncio.to_thread(JobStore, store_path)
            self.engine = Engine(
                self.store,
                self.client,
                self.emit_event,
                max_concurrent=max_concurrent,
                max_downloads=max_concurrent,
                config=config or EngineConfig(),
            )
        elif max_concurrent is not None:
            await self.set_max_concurrent(max_concurrent)
        if max_unannounced_size is not None:
            await self.set_max_unannounced_size(max_unannounced_size)
        return self.engine

    async def set_max_concurrent(self, max_concurrent: int) -> None:
        """Settings' "Exports at once", applied to the running engine at once: jobs
        waiting for a slot start when it rises; when it falls, running ones finish."""
        if self.engine is not None:
            self.engine.set_max_concurrent(max_concurrent, max_downloads=max_concurrent)

    async def set_max_unannounced_size(self, size: int) -> None:
        """Settings' "Largest package of unknown size", for downloads that start from now."""
        if self.engine is not None:
            self.engine.set_max_unannounced_size(size)

    async def blocking(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run blocking work (keyring, profile file, sqlite) off the loop, one at a time."""
        async with self.file_lock:
            return await asyncio.to_thread(fn, *args)

    async def aclose(self) -> None:
        """Stop the engine, every other task on the loop, the clients, the store and the
        demo Canvas (the app's shutdown)."""
        current = asyncio.current_task()
        if self.engine is not None:
            try:
                await self.engine.aclose()
            except Exception:
                log.warning("stopping the engine failed during shutdown", exc_info=True)
        tasks = [t for t in asyncio.all_tasks() if t is not current]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for client in list(self.clients.values()):
            await close_quietly(client)
        self.clients.clear()
        if self.store is not None:
            await asyncio.to_thread(_close_sync, self.store)
        if self.demo is not None:
            await asyncio.to_thread(self.demo.stop)
            self.demo = None


async def close_quietly(obj: Any) -> None:
    """Close a client (or anything with `aclose`/`close`); closing never stops a shutdown."""
    close = getattr(obj, "aclose", None) or getattr(obj, "close", None)
    if close is None:
        return
    try:
        result = close()
        if inspect.isawaitable(result):
            await result
    except Exception:
        log.warning("closing %s failed", type(obj).__name__, exc_info=True)


def _close_sync(obj: Any) -> None:
    try:
        obj.close()
    except Exception:
        log.warning("closing %s failed", type(obj).__name__, exc_info=True)
