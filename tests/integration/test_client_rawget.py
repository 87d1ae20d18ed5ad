"""The direct download path (`desktop_app/canvas/rawget.py`) over real sockets.

Against the simulator's files host (the S3-like origin packages are redirected to): whole
blocks, Range/206, redirects, error pages, and the client using it for every hop that
carries no token. Against a scripted server whose answers the tests write byte for byte:
the answers that must go back to httpx (chunked, encoded, no length, huge heads), broken
and silent connections (the same errors and messages as httpx), pieces handed over on a
slow link, bounded memory. With TLS: a throw-away CA made here (`cryptography`), SNI and
hostname verification, through `SSL_CERT_FILE` exactly as httpx trusts it.
"""

from __future__ import annotations

import asyncio
import datetime
import gzip
import hashlib
import ipaddress
import re
import ssl
from pathlib import Path
from typing import Any, Awaitable, Callable, Coroutine

import httpx
import pytest

from desktop_app.canvas import rawget
from desktop_app.canvas.client import CanvasClient
from desktop_app.canvas.errors import UnreachableError
from desktop_app.canvas.retry import RetryPolicy
from desktop_app.engine.download import DownloadPolicy, download_to_part
from desktop_app.engine.partfile import open_part
from desktop_app.simulator import TEACHER_TOKEN, SimulatedCanvas

FAST = RetryPolicy(base_delay=0.01, max_delay=0.02, max_total=1.0, max_attempts=2)
TIMEOUT = httpx.Timeout(5.0)
UA = "CanvasExportManager/test"


def same_message(direct: BaseException, through_httpx: BaseException) -> bool:
    """The two errors say the same, apart from the port of the server each one used
    (messages name host:port, and each run starts its own server)."""
    port = re.compile(r"(?<=[\w\]]):\d{2,5}\b")
    return port.sub(":PORT", str(direct)) == port.sub(":PORT", str(through_httpx))


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


async def body_of(response: rawget.RawResponse, max_size: int = rawget.BLOCK_SIZE) -> tuple[bytes, list[int]]:
    sizes: list[int] = []
    data = bytearray()
    async for block in response.aiter_blocks(max_size):
        sizes.append(len(block))
        data += block
    return bytes(data), sizes


# ---------------------------------------------------------------- a scripted HTTP server

Answer = Callable[[bytes, asyncio.StreamWriter], Awaitable[None]]


class ScriptedServer:
    """Loopback HTTP(S) server: records each request head and lets `answer` write the
    response bytes (and decide when to close)."""

    def __init__(self, answer: Answer, *, tls: ssl.SSLContext | None = None) -> None:
        self.answer = answer
        self.tls = tls
        self.requests: list[bytes] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> "ScriptedServer":
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    def url(self, path: str = "/package.zip", host: str = "127.0.0.1") -> str:
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}{path}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            self.requests.append(head)
            await self.answer(head, writer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()


def fixed(response: bytes) -> Answer:
    async def answer(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(response)

    return answer


def ok(body: bytes, *extra: str) -> bytes:
    headers = "".join(f"{h}\r\n" for h in extra)
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nContent-Length: {len(body)}\r\n{headers}\r\n".encode()
        + body
    )


def header_names(head: bytes) -> list[str]:
    return [line.split(b":", 1)[0].decode().lower() for line in head.split(b"\r\n")[1:] if line]


# ---------------------------------------------------------------- the simulator's files host


def file_url(sim: SimulatedCanvas) -> tuple[str, bytes]:
    file_id = sim.data.big_file_id
    return sim.signed_url(file_id), sim.data.file_bytes(file_id)


def test_whole_body_in_full_blocks_from_the_files_host(canvas_sim: SimulatedCanvas) -> None:
    url, payload = file_url(canvas_sim)

    async def go() -> tuple[rawget.RawResponse, bytes, list[int]]:
        response = await rawget.open_raw(httpx.URL(url), user_agent=UA, timeout=TIMEOUT, block_size=1 << 20)
        assert response is not None
        try:
            data, sizes = await body_of(response)
        finally:
            await response.aclose()
        return response, data, sizes

    response, data, sizes = run(go())
    assert response.status_code == 200 and int(response.headers["content-length"]) == len(payload)
    assert data == payload
    assert sizes[:-1] == [1 << 20] * (len(sizes) - 1) and 0 < sizes[-1] <= 1 << 20  # one Python step per MiB
    (record,) = [r for r in canvas_sim.request_log if r.host == "files"]
    assert {k.lower() for k in record.headers} == {"host", "user-agent", "accept", "accept-encoding", "connection"}
    assert record.headers["User-Agent"] == UA and record.headers["Accept-Encoding"] == "identity"


def test_range_gives_the_rest(canvas_sim: SimulatedCanvas) -> None:
    url, payload = file_url(canvas_sim)

    async def go() -> tuple[rawget.RawResponse, bytes]:
        response = await rawget.open_raw(httpx.URL(url), start=1000, user_agent=UA, timeout=TIMEOUT)
        assert response is not None
        try:
            return response, (await body_of(response, 4096))[0]
        finally:
            await response.aclose()

    response, data = run(go())
    assert response.status_code == 206 and data == payload[1000:]
    assert response.headers["content-range"] == f"bytes 1000-{len(payload) - 1}/{len(payload)}"
    assert [r.headers.get("Range") for r in canvas_sim.request_log if r.host == "files"] == ["bytes=1000-"]


def test_redirect_comes_back_without_reading_a_body(canvas_sim: SimulatedCanvas) -> None:
    file = canvas_sim.data.files[canvas_sim.data.big_file_id]
    url = f"{canvas_sim.base_url}/files/{file.id}/download?verifier={file.uuid}"

    async def go() -> rawget.RawResponse:
        response = await rawget.open_raw(httpx.URL(url), user_agent=UA, timeout=TIMEOUT)
        assert response is not None
        await response.aclose()
        return response

    response = run(go())
    assert response.status_code == 302 and response.is_redirect
    assert response.headers["location"].startswith(canvas_sim.files_base_url + "/files/")
    assert all("Authorization" not in r.headers for r in canvas_sim.request_log)


def test_error_page_is_read_for_the_message(canvas_sim: SimulatedCanvas) -> None:
    url = canvas_sim.signed_url(canvas_sim.data.big_file_id).replace("signature=", "signature=0")

    async def go() -> tuple[int, bytes]:
        response = await rawget.open_raw(httpx.URL(url), user_agent=UA, timeout=TIMEOUT)
        assert response is not None
        return response.status_code, await response.aread()

    status, body = run(go())
    assert status == 403 and b"AccessDenied" in body


def test_client_takes_the_direct_path_only_without_the_token(
    canvas_sim: SimulatedCanvas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The package URL on the Canvas host goes through httpx with the token; the files
    host hop directly, without it, and the bytes are the package's."""
    answered: list[str] = []
    real_open = rawget.open_raw

    async def counting(url: httpx.URL, **kwargs: Any) -> rawget.RawResponse | None:
        response = await real_open(url, **kwargs)
        answered.append(f"{url.host}:{url.port} -> {response.status_code if response else None}")
        return response

    monkeypatch.setattr(rawget, "open_raw", counting)
    file_id = canvas_sim.data.big_file_id

    async def go() -> bytes:
        async with CanvasClient(canvas_sim.base_url, TEACHER_TOKEN, policy=FAST) as api:
            async with api.open_package(f"/files/{file_id}/download?download_frd=1") as package:
                assert package.status == 200 and package.total_size == len(canvas_sim.data.file_bytes(file_id))
                return b"".join([piece async for piece in package.aiter_bytes()])

    assert run(go()) == canvas_sim.data.file_bytes(file_id)
    files_port = httpx.URL(canvas_sim.files_base_url).port
    assert answered == [f"127.0.0.1:{files_port} -> 200"]  # the Canvas hop never reached rawget
    api_hop = [r for r in canvas_sim.request_log if r.host == "api" and r.path.startswith("/files/")]
    assert len(api_hop) == 1 and api_hop[0].headers.get("Authorization") == "[redacted]"
    assert all("Authorization" not in r.headers for r in canvas_sim.request_log if r.host == "files")


def test_drop_mid_body_keeps_every_byte_then_fails_like_httpx(canvas_sim: SimulatedCanvas) -> None:
    url, payload = file_url(canvas_sim)

    async def attempt(transport: httpx.AsyncBaseTransport | None) -> tuple[bytes, UnreachableError]:
        canvas_sim.faults.drop_download_after(300_000)
        received = bytearray()
        async with CanvasClient(canvas_sim.base_url, TEACHER_TOKEN, policy=FAST, transport=transport) as api:
            try:
                async with api.open_package(url) as package:
                    async for piece in package.aiter_bytes():
                        received += piece
            except UnreachableError as exc:
                return bytes(received), exc
        raise AssertionError("the broken download was not reported")

    direct, direct_error = run(attempt(None))
    through_httpx, httpx_error = run(attempt(httpx.AsyncHTTPTransport()))
    assert direct == through_httpx == payload[:300_000]
    assert same_message(direct_error, httpx_error) and "closed unexpectedly" in str(direct_error)
    assert direct_error.ambiguous is False


# ---------------------------------------------------------------- answers left to httpx

GZIPPED = gzip.compress(b"hello package")
HUGE_HEAD = (
    b"HTTP/1.1 200 OK\r\n"
    + b"".join(b"X-Filler-%d: %s\r\n" % (i, b"y" * 1000) for i in range(70))
    + b"Content-Length: 2\r\n\r\nok"
)


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n8\r\n package\r\n0\r\n\r\n",
            b"hello package",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nContent-Encoding: gzip\r\n"
            b"Content-Length: %d\r\n\r\n" % len(GZIPPED) + GZIPPED,
            b"hello package",
        ),
        (b"HTTP/1.0 200 OK\r\nContent-Type: application/zip\r\n\r\nhello package", b"hello package"),
        (b"HTTP/1.1 203 Non-Authoritative Information\r\nContent-Length: 2\r\n\r\nok", b"ok"),
    ],
    ids=["chunked", "gzip", "no-length", "status-203"],
)
def test_unusual_answers_go_back_to_httpx(response: bytes, expected: bytes) -> None:
    async def go() -> tuple[rawget.RawResponse | None, bytes, ScriptedServer]:
        async with ScriptedServer(fixed(response)) as server:
            alone = await rawget.open_raw(httpx.URL(server.url()), user_agent=UA, timeout=TIMEOUT)
            async with CanvasClient(f"http://localhost:{server.port}", TEACHER_TOKEN, policy=FAST) as api:
                async with api.open_package(server.url()) as package:
                    data = b"".join([piece async for piece in package.aiter_bytes()])
            return alone, data, server

    alone, data, server = run(go())
    assert alone is None and data == expected
    assert len(server.requests) == 3  # rawget alone, rawget in the client, then httpx
    assert all("authorization" not in header_names(r) for r in server.requests)


def test_a_huge_head_goes_back_to_httpx() -> None:
    async def go() -> rawget.RawResponse | None:
        async with ScriptedServer(fixed(HUGE_HEAD)) as server:
            return await rawget.open_raw(httpx.URL(server.url()), user_agent=UA, timeout=TIMEOUT)

    assert run(go()) is None


# ---------------------------------------------------------------- failures: same as httpx


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def failure_of(
    url: str,
    transport: httpx.AsyncBaseTransport | None,
    timeout: httpx.Timeout = TIMEOUT,
    base: str = "http://localhost:9",
) -> tuple[UnreachableError, bytes]:
    received = bytearray()
    async with CanvasClient(base, TEACHER_TOKEN, policy=FAST, transport=transport, timeout=timeout) as api:
        try:
            async with api.open_package(url) as package:
                async for piece in package.aiter_bytes():
                    received += piece
        except UnreachableError as exc:
            return exc, bytes(received)
    raise AssertionError("no error")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])  # localhost: maybe two addresses, both refused
def test_refused_connection_reads_as_with_httpx(host: str) -> None:
    url = f"http://{host}:{closed_port()}/package.zip"
    direct, _ = run(failure_of(url, None, base="http://127.0.0.2:9"))
    through_httpx, _ = run(failure_of(url, httpx.AsyncHTTPTransport(), base="http://127.0.0.2:9"))
    assert str(direct) == str(through_httpx)
    assert type(direct) is type(through_httpx) and direct.ambiguous is False
    if host == "127.0.0.1":
        assert "connection was refused" in str(direct)


def test_connection_closed_before_the_end_reads_as_with_httpx() -> None:
    body = b"x" * 4000
    answer = fixed(b"HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nContent-Length: 10000\r\n\r\n" + body)

    async def go(transport: httpx.AsyncBaseTransport | None) -> tuple[UnreachableError, bytes]:
        async with ScriptedServer(answer) as server:
            return await failure_of(server.url(), transport, base=f"http://localhost:{server.port}")

    direct, got = run(go(None))
    through_httpx, got_httpx = run(go(httpx.AsyncHTTPTransport()))
    assert got == got_httpx == body
    assert same_message(direct, through_httpx) and "closed unexpectedly" in str(direct)


@pytest.mark.parametrize("silent_after_head", [False, True], ids=["no-answer", "stalled-body"])
def test_silence_is_a_read_timeout_as_with_httpx(silent_after_head: bool) -> None:
    async def go(transport: httpx.AsyncBaseTransport | None) -> tuple[UnreachableError, float]:
        release = asyncio.Event()

        async def answer(head: bytes, writer: asyncio.StreamWriter) -> None:
            if silent_after_head:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nContent-Length: 10\r\n\r\nabc")
                await writer.drain()
            await release.wait()

        async with ScriptedServer(answer) as server:
            loop = asyncio.get_running_loop()
            started = loop.time()
            try:
                error, _ = await asyncio.wait_for(
                    failure_of(
                        server.url(), transport, httpx.Timeout(5.0, read=0.3), base=f"http://localhost:{server.port}"
                    ),
                    10.0,
                )
                return error, loop.time() - started
            finally:
                release.set()

    direct, took = run(go(None))
    through_httpx, _ = run(go(httpx.AsyncHTTPTransport()))
    assert same_message(direct, through_httpx) and "timeout" in str(direct)
    assert 0.3 <= took < 4.0  # FAST allows 2 attempts of 0.3 s each


# ---------------------------------------------------------------- slow links and memory


def test_slow_link_hands_over_what_arrived_before_the_block_is_full() -> None:
    """A piece that waited LINGER is handed over (so the engine can save it) while the
    server still holds the rest; the server sends the rest only after we got it."""
    first_seen = asyncio.Event()

    async def answer(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + b"a" * 1000)
        await writer.drain()
        await first_seen.wait()
        writer.write(b"b" * 1000)

    async def go() -> list[bytes]:
        async with ScriptedServer(answer) as server:
            response = await rawget.open_raw(httpx.URL(server.url()), user_agent=UA, timeout=TIMEOUT)
            assert response is not None
            pieces = []

            async def read() -> None:
                async for piece in response.aiter_blocks():
                    pieces.append(bytes(piece))
                    first_seen.set()

            await asyncio.wait_for(read(), 10.0)
            return pieces

    assert run(go()) == [b"a" * 1000, b"b" * 1000]


def test_reading_pauses_while_the_caller_is_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory stays bounded: while nobody takes the blocks, reading stops once MAX_QUEUED
    are waiting (the sender is then held back by TCP), and resumes as they are taken."""
    body = bytes(range(256)) * 4096  # 1 MiB in blocks of 4 KiB
    queued_at_pause: list[int] = []
    real_pause = rawget._Reader._pause

    def pause(self: rawget._Reader) -> None:
        if self.remaining > 0 and not self.paused:
            queued_at_pause.append(len(self.full))
        real_pause(self)

    monkeypatch.setattr(rawget._Reader, "_pause", pause)

    async def go() -> tuple[bytes, bool, int, int]:
        async with ScriptedServer(fixed(ok(body))) as server:
            response = await rawget.open_raw(httpx.URL(server.url()), user_agent=UA, timeout=TIMEOUT, block_size=4096)
            assert response is not None
            for _ in range(50):
                await asyncio.sleep(0)  # nobody takes a block: every chance to read on, which it must not
            reader = response._reader
            paused, held, received = reader.paused, len(reader.full), reader.received
            data = bytearray()
            async for block in response.aiter_blocks():
                data += block
                for _ in range(5):
                    await asyncio.sleep(0)  # a slow caller: the reader gets ahead, and must stop again
            return bytes(data), paused, held, received

    data, paused, held, received = run(go())
    assert data == body
    assert paused and received < rawget.HEAD_LIMIT + rawget.MAX_QUEUED * 4096 < len(body)
    assert held <= rawget.HEAD_LIMIT // 4096 + rawget.MAX_QUEUED  # what came with the head, at most
    assert len(queued_at_pause) > 10 and set(queued_at_pause) == {rawget.MAX_QUEUED}


def test_blocks_given_back_are_received_into_again() -> None:
    """A caller done with a block gives it back and the next bytes land in it: a body of
    64 blocks goes through a handful of buffers (and those that came with the head), not
    64 fresh ones. Immutable or short pieces, or anything given back after the end, are
    not kept."""
    body = bytes(range(256)) * 1024  # 256 KiB in blocks of 4 KiB

    async def go() -> tuple[bytes, set[int], int]:
        async with ScriptedServer(fixed(ok(body))) as server:
            response = await rawget.open_raw(httpx.URL(server.url()), user_agent=UA, timeout=TIMEOUT, block_size=4096)
            assert response is not None
            data = bytearray()
            seen: list[bytes | bytearray] = []  # every block object, kept alive: ids stay unique
            async for block in response.aiter_blocks():
                data += block
                seen.append(block)
                response.recycle(block)
                response.recycle(bytes(4096))  # nothing to receive into: ignored
                response.recycle(bytearray(100))
            response.recycle(bytearray(4096))  # after the end: nothing more to receive into
            return bytes(data), {id(block) for block in seen}, len(response._reader.spare)

    data, distinct, spare_at_end = run(go())
    assert data == body
    assert len(distinct) <= rawget.HEAD_LIMIT // 4096 + rawget.MAX_QUEUED + 2  # 64 without recycling
    assert spare_at_end <= len(distinct)  # never more buffers than were in use at once


def test_client_gives_blocks_back_to_the_direct_path_only(canvas_sim: SimulatedCanvas) -> None:
    """`PackageResponse.recycle` hands a block back to the direct reader it came from,
    whose later bytes then land in it; every byte still arrives, in order."""
    file_id = canvas_sim.data.big_file_id

    async def go() -> tuple[bytes, int, int]:
        async with CanvasClient(canvas_sim.base_url, TEACHER_TOKEN, policy=FAST) as api:
            async with api.open_package(f"/files/{file_id}/download?download_frd=1") as package:
                data = bytearray()
                seen: list[bytes | bytearray] = []
                async for piece in package.aiter_bytes():
                    data += piece
                    seen.append(piece)
                    package.recycle(piece)
                return bytes(data), len(seen), len({id(piece) for piece in seen})

    data, pieces, distinct = run(go())
    assert data == canvas_sim.data.file_bytes(file_id)
    assert pieces >= 6 and distinct < pieces  # 5 MiB: six blocks of 1 MiB, some of them the same buffer


def test_a_download_through_the_direct_path_reuses_its_blocks_safely(
    canvas_sim: SimulatedCanvas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """download_to_part gives each block back only once it is written and hashed: with
    blocks reused, the part and its SHA-256 are still exactly the file's."""
    file_id = canvas_sim.data.big_file_id
    payload = canvas_sim.data.file_bytes(file_id)
    given_back: list[int] = []
    real_recycle = rawget.RawResponse.recycle

    def recycle(self: rawget.RawResponse, block: bytes | bytearray) -> None:
        given_back.append(len(block))
        real_recycle(self, block)

    monkeypatch.setattr(rawget.RawResponse, "recycle", recycle)

    async def go() -> str:
        async with CanvasClient(canvas_sim.base_url, TEACHER_TOKEN, policy=FAST) as api:
            with open_part(tmp_path / "x.part") as part:
                assert part.try_lock()
                result = await download_to_part(
                    api,
                    f"/files/{file_id}/download?download_frd=1",
                    part,
                    expected_size=len(payload),
                    policy=DownloadPolicy(chunk_size=1 << 20),
                )
                return result.sha256

    digest = run(go())
    assert (tmp_path / "x.part").read_bytes() == payload and digest == hashlib.sha256(payload).hexdigest()
    assert len(given_back) >= 5 and set(given_back) <= {rawget.BLOCK_SIZE, len(payload) % rawget.BLOCK_SIZE}


def test_cancelled_download_closes_the_connection() -> None:
    closed = asyncio.Event()

    async def answer(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n" + b"x" * 100_000)
        await writer.drain()
        try:
            while True:
                writer.write(b"x" * 65536)
                await writer.drain()
        except ConnectionError:
            closed.set()

    async def go() -> None:
        async with ScriptedServer(answer) as server:
            async with CanvasClient(f"http://localhost:{server.port}", TEACHER_TOKEN, policy=FAST) as api:
                async with api.open_package(server.url()) as package:
                    async for _ in package.aiter_bytes():
                        break  # the caller gives up after the first piece
            await asyncio.wait_for(closed.wait(), 5.0)

    run(go())


# ---------------------------------------------------------------- TLS


class Pki:
    """A throw-away CA and server certificates it signs."""

    def __init__(self, folder: Path) -> None:
        x509 = pytest.importorskip("cryptography.x509")
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        self._x509, self._hashes, self._ser, self._ec, self._oid = x509, hashes, serialization, ec, NameOID
        self.folder = folder
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.ca_file = folder / "ca.pem"
        self.ca_file.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def server_context(self, *names: str) -> ssl.SSLContext:
        x509, ser = self._x509, self._ser
        key = self._ec.generate_private_key(self._ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        alt: list[Any] = []
        for name in names:
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alt.append(x509.DNSName(name))
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(self._oid.COMMON_NAME, names[0])]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .sign(self.key, self._hashes.SHA256())
        )
        stem = "-".join(names).replace(":", "_")
        cert_file, key_file = self.folder / f"{stem}.pem", self.folder / f"{stem}.key"
        cert_file.write_bytes(cert.public_bytes(ser.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption()))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        return context


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return Pki(tmp_path)


def test_tls_download_checks_the_certificate_and_sends_sni(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))  # how httpx is told to trust a CA, too
    server_tls = pki.server_context("localhost", "127.0.0.1")
    sni: list[str | None] = []
    server_tls.sni_callback = lambda sock, name, ctx: sni.append(name)  # type: ignore[assignment,return-value]
    body = bytes(range(256)) * 4000

    async def go() -> tuple[rawget.RawResponse, bytes]:
        async with ScriptedServer(fixed(ok(body)), tls=server_tls) as server:
            response = await rawget.open_raw(
                httpx.URL(server.url(host="localhost")),
                user_agent=UA,
                timeout=TIMEOUT,
                ssl_context=rawget.make_ssl_context(),
            )
            assert response is not None
            try:
                return response, (await body_of(response, 65536))[0]
            finally:
                await response.aclose()

    response, data = run(go())
    assert response.status_code == 200 and data == body
    assert sni == ["localhost"]


@pytest.mark.parametrize("trusted", [True, False], ids=["wrong-host", "unknown-ca"])
def test_tls_refuses_a_certificate_it_cannot_verify(trusted: bool, pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hostname mismatch or an untrusted CA: the connection fails, with httpx's words."""
    if trusted:
        monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
        server_tls = pki.server_context("files.other.example")  # valid, but not for localhost
    else:
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)
        server_tls = pki.server_context("localhost", "127.0.0.1")

    async def go(transport: httpx.AsyncBaseTransport | None) -> tuple[BaseException, UnreachableError]:
        async with ScriptedServer(fixed(ok(b"secret")), tls=server_tls) as server:
            url = server.url(host="localhost")
            with pytest.raises(httpx.ConnectError) as raw_error:
                await rawget.open_raw(
                    httpx.URL(url), user_agent=UA, timeout=TIMEOUT, ssl_context=rawget.make_ssl_context()
                )
            error, got = await failure_of(url, transport, base=f"https://localhost.localdomain:{server.port}")
            assert got == b""
            return raw_error.value, error

    raw_error, direct = run(go(None))
    assert isinstance(raw_error.__cause__, ssl.SSLCertVerificationError)
    _, through_httpx = run(go(httpx.AsyncHTTPTransport(verify=rawget.make_ssl_context())))
    assert same_message(direct, through_httpx) and "secure connection (TLS) failed" in str(direct)


def test_tls_redirect_chain_token_only_to_canvas(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    """https Canvas (httpx, with the token) redirects to https storage on another origin
    (direct, without it): the whole chain verified against the same trusted CA."""
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    body = b"PK\x03\x04" + bytes(range(256)) * 100

    async def go() -> tuple[bytes, ScriptedServer, ScriptedServer]:
        async with ScriptedServer(fixed(ok(body)), tls=pki.server_context("127.0.0.1")) as storage:
            redirect = (
                f"HTTP/1.1 302 Found\r\nLocation: {storage.url('/bucket/pkg?X-Sig=abc')}\r\nContent-Length: 0\r\n\r\n"
            ).encode()
            async with ScriptedServer(fixed(redirect), tls=pki.server_context("localhost")) as canvas:
                async with CanvasClient(canvas.url("", host="localhost"), TEACHER_TOKEN, policy=FAST) as api:
                    async with api.open_package("/files/5/download?download_frd=1") as package:
                        data = b"".join([piece async for piece in package.aiter_bytes()])
        return data, canvas, storage

    data, canvas, storage = run(go())
    assert data == body
    assert [("authorization" in header_names(r)) for r in canvas.requests] == [True]
    assert [("authorization" in header_names(r)) for r in storage.requests] == [False]
    assert storage.requests[0].startswith(b"GET /bucket/pkg?X-Sig=abc HTTP/1.1\r\n")
