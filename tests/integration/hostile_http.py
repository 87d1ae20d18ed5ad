"""A tiny HTTP/1.1 server on loopback for hostility at the byte level, which the simulated
Canvas (a well-behaved ThreadingHTTPServer) cannot produce: a gzip bomb, a body trickled
a byte at a time.

It reads each request's head (and body, by Content-Length), records the request line and
hands the connection's writer to an `Answer`, a coroutine that writes whatever it likes.
The asyncio loop runs in a thread of its own, so synchronous code (the CLI in a
subprocess, `asyncio.run` in a test) can talk to it.
"""

from __future__ import annotations

import asyncio
import struct
import threading
import zlib
from typing import Awaitable, Callable

Answer = Callable[[asyncio.StreamWriter], Awaitable[None]]

_MIB = bytes(1 << 20)


def gzip_bomb(decoded_mib: int) -> bytes:
    """A valid gzip body of `decoded_mib` MiB of zeros, about 1 KiB per MiB.

    Each MiB is compressed after a full flush, which resets the compressor, so every
    MiB after the first compresses to the same bytes and is simply repeated: a 4 GiB
    bomb takes well under a second to build instead of a minute of compressing.
    """
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip header and trailer
    first = deflate.compress(_MIB) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeated = deflate.compress(_MIB) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(decoded_mib):
        crc = zlib.crc32(_MIB, crc)
    final_empty_block = b"\x03\x00"
    return (
        first
        + repeated * (decoded_mib - 1)
        + final_empty_block
        + struct.pack("<II", crc, (decoded_mib << 20) & 0xFFFFFFFF)
    )


def head(status: int = 200, length: int | None = None, **headers: str) -> bytes:
    """A response head; header names are given with underscores (`Content_Type`)."""
    lines = [f"HTTP/1.1 {status} Whatever"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def json_bomb(decoded_mib: int) -> Answer:
    """Answer 200 `application/json` with a gzip body decoding to `decoded_mib` MiB."""
    body = gzip_bomb(decoded_mib)

    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(head(200, len(body), Content_Type="application/json", Content_Encoding="gzip"))
        writer.write(body)
        await writer.drain()

    return answer


def trickle(interval: float, length: int = 1000) -> Answer:
    """Announce `length` bytes of JSON, then send one byte every `interval` seconds: each
    read finishes long before a read timeout, the whole answer practically never."""

    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(head(200, length, Content_Type="application/json"))
        for _ in range(length):
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(interval)  # the server's pace, not a test's synchronisation

    return answer


class HostileServer:
    """`with HostileServer(answer) as server:` serves `server.base_url` until the block
    ends; `server.requests` lists the request lines it received."""

    def __init__(self, answer: Answer) -> None:
        self._answer = answer
        self.requests: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="hostile-http", daemon=True)
        self.base_url = ""

    def __enter__(self) -> "HostileServer":
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", 0), self._loop
        ).result(timeout=10)
        port = self._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_head = await reader.readuntil(b"\r\n\r\n")
                lines = request_head.decode("latin-1").split("\r\n")
                self.requests.append(lines[0])
                length = next(
                    (int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")), 0
                )
                await reader.readexactly(length)
                await self._answer(writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except asyncio.CancelledError:
            pass  # the server is closing; ending quietly spares asyncio's "unhandled exception" log
        finally:
            writer.close()
