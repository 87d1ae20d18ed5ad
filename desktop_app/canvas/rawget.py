"""A direct HTTP/1.1 GET for the hops of a package download that carry no token.

Why it exists: httpx spends about 100 µs of Python on every 64 KiB it reads (httpcore's
fixed read size, anyio's cancel scopes, h11's buffers and the copies between them).
For a package that is 3 s of CPU per GiB, half of curl's speed on a fast link, and GIL
time taken from the GUI thread while it runs (tests/benchmarks/bench_download.py,
bench_gui_stall.py). Here the kernel writes the body straight into 1 MiB blocks
(`asyncio.BufferedProtocol`, `recv_into`) and each full block is handed to the caller
whole, without a copy: one Python step per socket read, one per MiB.

What it does, and deliberately nothing more:

* one `GET` over a fresh connection (`Connection: close`) with a fixed set of headers:
  `Host`, `User-Agent`, `Accept: */*`, `Accept-Encoding: identity` and, when resuming,
  `Range`. There is no way to pass other headers: this path never carries the
  `Authorization` header or a cookie, so the client uses it only for hops that get no
  token (other origins: the files host, S3);
* TLS with the very context httpx uses (`httpx.create_ssl_context()`: certifi's CA
  bundle or `SSL_CERT_FILE`, hostname verification on, SNI), ALPN `http/1.1`;
* answers it takes: redirects (status and `Location` only), 200 and 206 bodies and error
  bodies delimited by `Content-Length`. Anything else (chunked transfer, a
  `Content-Encoding`, no length, 1xx, 204, oversized or malformed heads) and any proxy
  setting: `open_raw` returns None and the caller sends the same GET through httpx,
  which is always correct, only slower (a GET may be repeated safely);
* failures are raised as httpx's own exception types (ConnectError, ConnectTimeout,
  ReadTimeout, ReadError, RemoteProtocolError) with the OS error as the cause, so the
  client's retry rules and error messages are the same on both paths;
* timeouts as httpx applies them: `connect` bounds DNS, TCP and the TLS handshake;
  `read` is the longest wait for the next byte while we are waiting for one (not while
  the caller is busy writing). The request is a few hundred bytes the kernel takes at
  once, so there is nothing for a `write` timeout to bound.

Memory stays flat: at most `MAX_QUEUED` full blocks wait for the caller before reading
pauses (TCP flow control then slows the sender), plus the block being filled. A caller
done with a block may give it back (`RawResponse.recycle`) to be filled again: a fresh
1 MiB `bytearray` is zeroed and, once the allocator has handed that memory back to the
system, faulted in page by page, about 80 us per block (0.08 s of the event loop's CPU
per GiB on the benchmark VM); a recycled one costs neither. The blocks given back are
never more than the caller held at once, and go with the response.
"""

from __future__ import annotations

import asyncio
import collections
import ipaddress
import re
import ssl
import urllib.request
from typing import AsyncIterator

import httpx

__all__ = ["BLOCK_SIZE", "RawResponse", "direct_ok", "make_ssl_context", "open_raw"]

BLOCK_SIZE = 1 << 20
"""Bytes per block handed to the caller: one disk write, one Python step per MiB."""
HEAD_LIMIT = 64 * 1024
"""Status line plus headers at most; a larger head goes to httpx (which refuses it)."""
MAX_QUEUED = 2
"""Full blocks waiting for the caller before reading pauses."""
LINGER = 0.25
"""On a slow link, bytes that waited this long are handed over before their block is
full, so the caller can save them (a broken connection loses nothing that arrived)."""
ERROR_BODY_LIMIT = 64 * 1024
"""An error page is read up to this size (for the message); the rest is not needed."""

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_STATUS_LINE = re.compile(rb"HTTP/1\.([01]) ([1-9][0-9][0-9])(?: ([^\r\n]*))?")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_UNSAFE_TARGET = re.compile(rb"[\x00-\x20\x7f]")


class _Unsupported(Exception):
    """This answer needs httpx (chunked, encoded, ...); never leaves this module."""


def _proxied(url: httpx.URL) -> bool:
    """True when a proxy is configured for this URL's scheme, read as httpx reads it
    (`urllib.request.getproxies`: the environment, and the system settings on macOS and
    Windows). Deliberately coarse: any such setting sends the hop through httpx, which
    applies it (and `NO_PROXY`) exactly as for every other request."""
    proxies = urllib.request.getproxies()
    return any(proxies.get(key) for key in (url.scheme, "all"))


def direct_ok(url: httpx.URL) -> bool:
    """Whether `open_raw` may try this URL at all: plain http(s), no credentials in the
    URL (httpx would turn them into Basic auth), no proxy."""
    return url.scheme in ("http", "https") and not url.userinfo and bool(url.raw_host) and not _proxied(url)


def make_ssl_context() -> ssl.SSLContext:
    """The TLS context httpx itself builds (certifi or `SSL_CERT_FILE`/`SSL_CERT_DIR`,
    CERT_REQUIRED, check_hostname), shared by the client's httpx pool and this module
    so both paths trust exactly the same certificates; ALPN offers HTTP/1.1 only."""
    context = httpx.create_ssl_context()
    context.set_alpn_protocols(["http/1.1"])
    return context


# ------------------------------------------------------------------ the protocol


class _Reader(asyncio.BufferedProtocol):
    """Receives the head into a small buffer, then the body into blocks the kernel fills
    directly. Wakes the consumer only for a whole block, the end, or a failure."""

    def __init__(self, block_size: int) -> None:
        self.block_size = block_size
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray(HEAD_LIMIT)
        self.pos = 0
        self._scan = 0
        self.remaining = -1
        """Body bytes still to come; -1 while reading the head."""
        self.head: bytes | None = None
        self._head_end = 0
        self.full: collections.deque[bytes | bytearray] = collections.deque()
        self.received = 0
        """Every byte read from the socket: progress, for the read timeout."""
        self.complete = False
        self.error: httpx.TransportError | None = None
        self.closed = False
        self.paused = False
        self._waiter: asyncio.Future[None] | None = None
        self._sink = bytearray(16 * 1024)
        self.spare: list[bytearray] = []
        """Whole blocks the caller gave back, to be filled again."""

    # -- asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def get_buffer(self, sizehint: int) -> memoryview:
        if self.remaining == 0 or self.error is not None:
            return memoryview(self._sink)  # bytes after the body (not asked for): dropped
        view = memoryview(self.buf)[self.pos :]
        if self.remaining > 0 and len(view) > self.remaining:
            view = view[: self.remaining]
        return view

    def buffer_updated(self, nbytes: int) -> None:
        self.received += nbytes
        if self.remaining == 0 or self.error is not None:
            return
        self.pos += nbytes
        if self.remaining < 0:
            if self.head is None:
                self._head_progress()
            return
        self.remaining -= nbytes
        if self.pos == len(self.buf) or self.remaining == 0:
            self._hand_over()

    def eof_received(self) -> bool:
        return False  # let the transport close; connection_lost tells the rest

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.complete and self.error is None:
            if self.remaining < 0:
                failure: httpx.TransportError = httpx.RemoteProtocolError(
                    "Server disconnected without sending a response."
                )
            elif exc is None:
                failure = httpx.RemoteProtocolError(
                    f"peer closed connection without sending complete message body: {self.remaining} bytes missing"
                )
            else:
                failure = httpx.ReadError(str(exc) or type(exc).__name__)
            failure.__cause__ = exc
            self.error = failure
        self._wake()

    # -- head and body

    def _head_progress(self) -> None:
        end = self.buf.find(b"\r\n\r\n", max(0, self._scan - 3), self.pos)
        if end < 0:
            self._scan = self.pos
            if self.pos == len(self.buf):
                self.error = _TooLarge("response head larger than 64 KiB")
                self._pause()
                self._wake()
            return
        self._head_end = end + 4
        self.head = bytes(self.buf[: self._head_end])
        self._pause()  # until the caller has decided what to do with this answer
        self._wake()

    def start_body(self, length: int) -> None:
        """After the head: expect `length` body bytes; some may have come already."""
        early = memoryview(bytes(self.buf[self._head_end : self.pos]))[:length]
        self.remaining = length
        self.buf = self._block(min(self.block_size, length))
        self.pos = 0
        while early:  # at most HEAD_LIMIT bytes, possibly several (small) blocks
            taken = min(len(self.buf) - self.pos, len(early))
            self.buf[self.pos : self.pos + taken] = early[:taken]
            self.pos += taken
            self.remaining -= taken
            early = early[taken:]
            if self.pos == len(self.buf):
                self._hand_over()
        if not self.remaining:
            self._finish()
        elif len(self.full) < MAX_QUEUED:
            self._resume()

    def _hand_over(self) -> None:
        if self.pos == len(self.buf):
            self.full.append(self.buf)  # handed over whole: never touched again here
        else:
            self.full.append(bytes(self.buf[: self.pos]))
        if self.remaining:
            self.buf = self._block(min(self.block_size, self.remaining))
        else:
            self.buf = bytearray()
        self.pos = 0
        if self.remaining == 0:
            self._finish()
        elif len(self.full) >= MAX_QUEUED:
            self._pause()
        self._wake()

    def _block(self, size: int) -> bytearray:
        """A buffer of `size` bytes to receive into: a spare whole block when there is one."""
        if size == self.block_size and self.spare:
            return self.spare.pop()
        return bytearray(size)

    def take_partial(self) -> bytes:
        """What arrived of the block being filled, which starts again empty."""
        piece = bytes(memoryview(self.buf)[: self.pos])
        self.pos = 0
        return piece

    def _finish(self) -> None:
        if self.complete:
            return
        self.complete = True
        if self.transport is not None and not self.closed:
            self.transport.close()

    # -- flow control and waking the consumer

    def _pause(self) -> None:
        if not self.paused and self.transport is not None and not self.closed:
            self.paused = True
            self.transport.pause_reading()

    def _resume(self) -> None:
        if self.paused and self.transport is not None and not self.closed:
            self.paused = False
            self.transport.resume_reading()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self, seconds: float) -> None:
        """Until woken, or `seconds` passed."""
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        timer = loop.call_later(seconds, self._wake)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None


class _TooLarge(httpx.RemoteProtocolError):
    """The head did not end within HEAD_LIMIT: left to httpx."""


class _Idle:
    """Counts time without a new byte while we wait for one: the read timeout."""

    def __init__(self, reader: _Reader, limit: float | None) -> None:
        self.reader = reader
        self.limit = limit
        self.step = LINGER if limit is None else min(LINGER, limit)
        """How long one wait lasts: the timeout's resolution."""
        self.seen = reader.received
        self.idle = 0.0

    def tick(self) -> None:
        """After a wait of `step` that nothing ended: raise if no byte came for too long."""
        if self.reader.received != self.seen:
            self.seen = self.reader.received
            self.idle = 0.0
            return
        self.idle += self.step
        if self.limit is not None and self.idle >= self.limit:
            raise httpx.ReadTimeout("no data from the server within the read timeout")


# ------------------------------------------------------------------ the response


class RawResponse:
    """The answer to `open_raw`, shaped like the parts of `httpx.Response` the package
    download uses: `status_code`, `headers`, `url`, `is_redirect`, `aclose()`."""

    def __init__(
        self,
        url: httpx.URL,
        reader: _Reader,
        status: int,
        reason: str,
        version: str,
        headers: httpx.Headers,
        read_timeout: float | None,
    ) -> None:
        self.url = url
        self.status_code = status
        self.reason_phrase = reason
        self.http_version = version
        self.headers = headers
        self._reader = reader
        self._read_timeout = read_timeout

    @property
    def is_redirect(self) -> bool:
        return self.status_code in _REDIRECTS and "location" in self.headers

    async def _next(self) -> bytes | bytearray | None:
        """The next block, a shorter piece that waited LINGER, or None at the end."""
        reader = self._reader
        idle = _Idle(reader, self._read_timeout)
        while True:
            if reader.full:
                block = reader.full.popleft()
                if len(reader.full) < MAX_QUEUED and not reader.complete:
                    reader._resume()
                return block
            if reader.complete:
                return None
            if reader.error is not None:
                if reader.pos:
                    return reader.take_partial()  # every byte that arrived, then the error
                raise reader.error
            await reader.wait(idle.step)
            if not reader.full and reader.error is None and not reader.complete:
                idle.tick()
                if reader.pos:
                    return reader.take_partial()

    async def aiter_blocks(self, max_size: int = BLOCK_SIZE) -> AsyncIterator[bytes | bytearray]:
        """The body as it arrives: whole blocks (a `bytearray` the caller now owns), or
        shorter pieces on a slow link; none longer than `max_size`."""
        while (block := await self._next()) is not None:
            if len(block) <= max_size:
                yield block
            else:
                view = memoryview(block)
                for at in range(0, len(block), max_size):
                    yield bytes(view[at : at + max_size])

    def recycle(self, block: bytes | bytearray) -> None:
        """Give back a block `aiter_blocks` yielded, once nothing uses it any more (no
        reference, no view of it kept anywhere): it is filled again with later bytes.
        Anything but a whole-block `bytearray`, or anything once the body is complete,
        is not kept."""
        reader = self._reader
        if type(block) is bytearray and len(block) == reader.block_size and not reader.complete:
            reader.spare.append(block)

    async def aread(self, limit: int = ERROR_BODY_LIMIT) -> bytes:
        """Up to `limit` bytes of the body (an error page), then the connection closes."""
        parts: list[bytes | bytearray] = []
        size = 0
        try:
            while size < limit and (block := await self._next()) is not None:
                parts.append(block)
                size += len(block)
        finally:
            await self.aclose()
        return b"".join(parts)[:limit]

    async def aclose(self) -> None:
        transport = self._reader.transport
        if transport is not None and not transport.is_closing():
            if self._reader.complete:
                transport.close()
            else:
                transport.abort()  # unread body: no reason to wait for a clean shutdown

    def __repr__(self) -> str:
        return f"RawResponse(status={self.status_code})"


# ------------------------------------------------------------------ opening


def _parse_head(head: bytes) -> tuple[str, int, str, list[tuple[bytes, bytes]]]:
    lines = head[:-4].split(b"\r\n")
    match = _STATUS_LINE.fullmatch(lines[0])
    if match is None:
        raise httpx.RemoteProtocolError("malformed status line in the server's answer")
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not _TOKEN.fullmatch(name):
            raise _Unsupported("header line httpx should judge (obsolete folding or malformed)")
        headers.append((name, value.strip(b" \t")))
    version = f"HTTP/1.{match.group(1).decode()}"
    reason = (match.group(3) or b"").decode("latin-1")
    return version, int(match.group(2)), reason, headers


def _content_length(headers: httpx.Headers) -> int | None:
    values = {v.strip() for v in headers.get_list("content-length")}
    if len(values) != 1:
        return None
    value = values.pop()
    return int(value) if value.isdigit() else None


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _request_bytes(url: httpx.URL, start: int, user_agent: str) -> bytes:
    target = url.raw_path
    if not target.startswith(b"/") or _UNSAFE_TARGET.search(target) or _UNSAFE_TARGET.search(url.netloc):
        raise _Unsupported("unusual request target")
    lines = [
        b"GET " + target + b" HTTP/1.1",
        b"Host: " + url.netloc,
        b"User-Agent: " + user_agent.encode("ascii"),
        b"Accept: */*",
        b"Accept-Encoding: identity",
        b"Connection: close",
    ]
    if start > 0:
        lines.append(b"Range: bytes=%d-" % start)
    return b"\r\n".join(lines) + b"\r\n\r\n"


async def open_raw(
    url: httpx.URL,
    *,
    start: int = 0,
    user_agent: str,
    timeout: httpx.Timeout,
    ssl_context: ssl.SSLContext | None = None,
    block_size: int = BLOCK_SIZE,
) -> RawResponse | None:
    """Send `GET url` (from byte `start`) and read the answer's head.

    Returns a RawResponse to read the body from, or None when this answer (or URL) is
    one for httpx: the caller then sends the same request through httpx. Raises httpx
    transport errors. `ssl_context` is needed for https (see `make_ssl_context`)."""
    if not direct_ok(url):
        return None
    try:
        request = _request_bytes(url, start, user_agent)
    except _Unsupported:
        return None
    https = url.scheme == "https"
    if https and ssl_context is None:
        return None
    host = url.raw_host.decode("ascii")
    port = url.port or (443 if https else 80)
    loop = asyncio.get_running_loop()
    reader = _Reader(block_size)
    try:
        await asyncio.wait_for(
            loop.create_connection(
                lambda: reader,
                host,
                port,
                ssl=ssl_context if https else None,
                server_hostname=host if https else None,
                ssl_handshake_timeout=timeout.connect if https else None,
                # As httpx (anyio) does for names: a dead IPv6 route costs 0.25 s, not the
                # whole timeout. An address literal has nothing to race.
                happy_eyeballs_delay=None if _is_address(host) else 0.25,
            ),
            timeout.connect,
        )
    except (asyncio.TimeoutError, TimeoutError) as exc:
        raise httpx.ConnectTimeout("the connection timed out") from exc
    except OSError as exc:  # DNS (gaierror), refused, unreachable, TLS (ssl.SSLError)
        raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
    transport = reader.transport
    assert transport is not None
    try:
        transport.write(request)
        idle = _Idle(reader, timeout.read)
        while reader.head is None and reader.error is None:
            await reader.wait(idle.step)
            if reader.head is None and reader.error is None:
                idle.tick()
        if isinstance(reader.error, _TooLarge):
            raise _Unsupported("head too large")
        if reader.error is not None:
            raise reader.error
        assert reader.head is not None
        version, status, reason, raw_headers = _parse_head(reader.head)
        headers = httpx.Headers(raw_headers)
        response = RawResponse(url, reader, status, reason, version, headers, timeout.read)
        if response.is_redirect:
            reader.complete = True  # the body of a redirect is not needed
            transport.close()
            return response
        length = _content_length(headers)
        encoding = headers.get("content-encoding", "").strip().lower()
        if (
            status not in (200, 206)
            and status < 400
            or "transfer-encoding" in headers
            or length is None
            or encoding not in ("", "identity")
        ):
            raise _Unsupported(f"status {status} or framing httpx should handle")
        reader.start_body(length)
        return response
    except _Unsupported:
        transport.abort()
        return None
    except BaseException:
        transport.abort()
        raise
