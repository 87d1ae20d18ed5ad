"""HTTP plumbing: the Canvas host and the files host, two ThreadingHTTPServers on
loopback, and the `SimulatedCanvas` facade the tests, the demo and the CLI use.

The Canvas host serves /api/v1 (api.py), `/files/:id/download` (302 to a signed URL on
the files host, or to the login page without credentials) and `/login/canvas` (the HTML
page a client must never save as a package). The files host behaves like S3: it rejects
any request carrying `Authorization` (400), needs a valid unexpired signature (403),
honours `Range` and sends Content-Length, Content-Type and Content-Disposition.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, TextIO
from urllib.parse import parse_qsl, quote, urlsplit

from .api import CanvasApi, Request, Response
from .auth import (
    ADMIN_TOKEN,
    EXPIRED_AT,
    STUDENT_TOKEN,
    TEACHER_TOKEN,
    LeakyBucket,
    ThrottleSettings,
    TokenTable,
    UrlSigner,
)
from .data import SampleData
from .exports import ExportRecord, ExportStore, is_admin, role, snapshot
from .faults import Faults

_LOGIN_PAGE = (
    b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Log In to Canvas</title></head>'
    b'<body><form action="/login/canvas" method="post"><h1>Log In to Canvas</h1>'
    b'<label>Email <input name="pseudonym_session[unique_id]"></label>'
    b'<label>Password <input type="password" name="pseudonym_session[password]"></label>'
    b'<button type="submit">Log In</button></form></body></html>'
)
_REDACT = {"authorization", "cookie"}


class Headers(dict):  # type: ignore[type-arg]
    """Header names are case-insensitive: `record.headers["range"]` == `["Range"]`."""

    def __init__(self, items: object = ()) -> None:
        super().__init__((str(k).lower(), v) for k, v in dict(items).items())  # type: ignore[call-overload]

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return super().__contains__(str(key).lower())

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return super().get(key.lower(), default)


@dataclass(frozen=True)
class RequestRecord:
    """One request as a host saw it. Credentials are redacted (the header stays, so tests
    can assert the files host never received one). `status` is the Canvas host's answer
    (None on the files host, which streams its answers)."""

    host: str  # "api" | "files"
    method: str
    path: str
    query: str
    headers: Headers  # case-insensitive names
    status: int | None = None

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))


def _html(status: int, title: str) -> Response:
    return Response(
        status, f"<html><body><h1>{title}</h1></body></html>".encode(), {"Content-Type": "text/html; charset=utf-8"}
    )


def _s3_error(status: int, code: str, message: str) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return Response(status, body.encode(), {"Content-Type": "application/xml"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], sim: "SimulatedCanvas", label: str
    ) -> None:
        self.sim, self.label = sim, label
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that went away mid-request (killed, timed out) is normal here, not a
        traceback on the console; anything else is still printed."""
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, hands it to the simulator, writes the answer (HTTP/1.1, keep-alive)."""

    protocol_version = "HTTP/1.1"
    # Nagle plus delayed ACKs costs ~40 ms per keep-alive request; real servers disable it too.
    disable_nagle_algorithm = True
    server: _Server
    timeout = 30  # idle keep-alive connections end on their own

    def setup(self) -> None:
        super().setup()
        with self.server.sockets_lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        with self.server.sockets_lock:
            self.server.open_sockets.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet; the request log is the record
        pass

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            # The client went away mid-body (a cancelled request): Canvas's proxies wait
            # for the whole body, so Canvas never sees such a request. Nothing is logged.
            self.close_connection = True
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = Request(self.command, split.path, parse_qsl(split.query, keep_blank_values=True), headers, body)
        sim = self.server.sim
        query = re.sub(r"(?<![^&])(access_token=)[^&]*", r"\1[redacted]", split.query)
        record = RequestRecord(
            self.server.label,
            self.command,
            split.path,
            query,
            Headers({k: ("[redacted]" if k.lower() in _REDACT else v) for k, v in self.headers.items()}),
        )
        if self.server.label == "files":
            sim._log(record)
            sim._serve_file(self, req)
        else:
            resp = _guarded(sim._canvas, req)
            sim._log(dataclasses.replace(record, status=resp.status))  # before the client can see the answer
            self.send(resp)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _dispatch

    def send(self, resp: Response) -> None:
        self.send_response(resp.status)
        for name, value in resp.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)


class SimulatedCanvas:
    """A Canvas API host plus an S3-like files host on loopback; see the package docstring."""

    def __init__(
        self,
        *,
        export_duration: float = 2.0,
        expire_days: int = 30,
        seed: int = 1815,
        bulk_courses: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        files_port: int = 0,
        throttle: ThrottleSettings | None = None,
        signed_url_ttl: float = 300.0,
        unauthorized_status: int = 401,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.export_duration = export_duration
        self.unauthorized_status = unauthorized_status  # 403 = Canvas's `api_auth_error_updates` flag
        self.clock = clock
        self.data = SampleData.build(seed, bulk_courses=bulk_courses)
        self.tokens = TokenTable(
            {
                TEACHER_TOKEN: self.data.teacher_id,
                STUDENT_TOKEN: self.data.student_id,
                ADMIN_TOKEN: self.data.admin_id,
            }
        )
        self.faults = Faults(self.tokens.revoke)
        self.bucket = LeakyBucket(throttle or ThrottleSettings())
        self.signer = UrlSigner(hashlib.sha256(f"files-secret-{seed}".encode()).digest(), signed_url_ttl, clock)
        self.store = ExportStore(self.data, clock, expire_days)
        self.store.seed_history()
        self.api = CanvasApi(self)
        self.package_redirect: Callable[[int], tuple[str, int] | None] | None = None
        """Benchmarks: export id -> (url, size) to send that download elsewhere, or None."""
        self._host, self._ports = host, (port, files_port)
        self._servers: list[_Server] = []
        self._log_lock = threading.Lock()
        self._log_rows: list[RequestRecord] = []

    # --- lifecycle -------------------------------------------------------------------
    def start(self) -> "SimulatedCanvas":
        if self._servers:
            return self
        for label, port in zip(("api", "files"), self._ports, strict=True):
            server = _Server((self._host, port), _Handler, self, label)
            threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"simulated-canvas-{label}",
                daemon=True,
            ).start()
            self._servers.append(server)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            with server.sockets_lock:
                for sock in list(server.open_sockets):
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
            server.server_close()
        self._servers = []

    def __enter__(self) -> "SimulatedCanvas":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _origin(self, index: int) -> str:
        if not self._servers:
            raise RuntimeError("the simulator is not running: call start() first")
        host, port = self._servers[index].server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        """The Canvas host, e.g. http://127.0.0.1:54321 (API under /api/v1)."""
        return self._origin(0)

    @property
    def files_base_url(self) -> str:
        """The files host: a different origin (another port), like a CDN or S3."""
        return self._origin(1)

    # --- test helpers ----------------------------------------------------------------
    @property
    def request_log(self) -> list[RequestRecord]:
        with self._log_lock:
            return list(self._log_rows)

    def clear_log(self) -> None:
        with self._log_lock:
            self._log_rows.clear()

    def _log(self, record: RequestRecord) -> None:
        with self._log_lock:
            self._log_rows.append(record)
            del self._log_rows[:-20_000]  # a long-running demo server must not grow forever

    def issue_token(self, user_id: int) -> str:
        """A new valid access token for a user of the sample data (as if the user clicked
        "+ New Access Token" in Canvas), e.g. to sign in again after `faults.revoke_token`.
        Raises KeyError for a user the sample data does not have."""
        if user_id not in self.data.users:
            raise KeyError(user_id)
        return self.tokens.issue(user_id)

    def age_export(self, export_id: int, days: float) -> None:
        """Move an export's created_at back by `days` (it also finishes it)."""
        self.store.age(export_id, days)

    def export_state(self, export_id: int) -> str:
        """The export's workflow_state right now (as the API would report it)."""
        rec = self.store.get(export_id)
        if rec is None:
            raise KeyError(export_id)
        return snapshot(rec, self.clock()).state

    def package_bytes(self, export_id: int) -> bytes:
        """The package the server holds for this export (built now if needed)."""
        rec = self.store.get(export_id)
        if rec is None:
            raise KeyError(export_id)
        return self.store.package(rec).data

    def serve_package_from(self, export_id: int, url: str, size: int) -> None:
        """Redirect this export's download to an external URL (e.g. a static server with a
        multi-GB file for benchmarks); the attachment JSON then reports `size`."""
        rec = self.store.get(export_id)
        if rec is None:
            raise KeyError(export_id)
        rec.redirect = (url, size)

    def signed_url(self, file_id: int, ttl: float | None = None) -> str:
        """A files-host URL for an attachment or file; a negative ttl gives an expired one."""
        expires, signature = self.signer.sign(file_id, ttl)
        return f"{self.files_base_url}/files/{file_id}/download?download=1&expires={expires}&signature={signature}"

    def _redirect(self, rec: ExportRecord) -> tuple[str, int] | None:
        hook = self.package_redirect
        return rec.redirect or (hook(rec.id) if hook else None)

    def package_info(self, rec: ExportRecord) -> tuple[str, int]:
        """(display_name, size) for the attachment JSON; a redirected package is not built."""
        redirect = self._redirect(rec)
        if redirect:
            return self.store.display_name(rec), redirect[1]
        pkg = self.store.package(rec)
        return pkg.display_name, len(pkg.data)

    # --- the Canvas host -------------------------------------------------------------
    def _canvas(self, req: Request) -> Response:
        status = self.faults.take_error()
        if status is None and req.path.startswith("/api/"):
            status = self.faults.take_nth_error()
        if status is not None:
            self.faults.record_injected(req.method, req.path, status)
            if status == 500:
                return _internal_error()
            return _html(status, f"{status} Service Unavailable")
        if req.path.startswith("/api/v1/"):
            return self._api(req)
        if req.path.rstrip("/") == "/login/canvas":
            return Response(200, _LOGIN_PAGE, {"Content-Type": "text/html; charset=utf-8"})
        parts = req.path.strip("/").split("/")
        if (
            req.method in ("GET", "HEAD")
            and len(parts) == 3
            and parts[0] == "files"
            and parts[1].isdigit()
            and parts[2] == "download"
        ):
            return self._download(req, int(parts[1]))
        return _html(404, "Page Not Found")

    def _api(self, req: Request) -> Response:
        token_arg = req.arg("access_token")
        ident = hashlib.sha256((req.headers.get("authorization") or token_arg or "anon").encode()).hexdigest()
        forced = self.faults.take_throttle(req.path)
        if forced is not None and forced.status == 429:
            return Response(
                429,
                b"429 Too Many Requests (Rate Limit Exceeded)",
                {"Content-Type": "text/plain; charset=utf-8", "Retry-After": forced.retry_after or "1"},
            )
        if forced is not None or not self.bucket.reserve(ident):
            headers = {"Content-Type": "text/plain; charset=utf-8", "X-Rate-Limit-Remaining": "0.0"}
            if forced is not None and forced.retry_after is not None:
                headers["Retry-After"] = forced.retry_after
            return Response(403, b"403 Forbidden (Rate Limit Exceeded)", headers)
        check = self.tokens.check(req.headers.get("authorization"), token_arg)
        if check.user_id is None:
            resp = self.api.json(*_auth_failure(check.problem or "invalid"))
        else:
            req.user_id = check.user_id
            resp = _guarded(self.api.handle, req)
        cost, remaining = self.bucket.finish(ident)
        resp.headers["X-Request-Cost"] = repr(float(cost))
        resp.headers["X-Rate-Limit-Remaining"] = f"{remaining:.1f}"
        return resp

    def _download(self, req: Request, file_id: int) -> Response:
        """`/files/:id/download`: Bearer (allowed user) or the verifier -> 302 to the files
        host; no credentials -> 302 to the login page (the HTML login trap)."""
        rec = self.store.find(attachment_id=file_id)
        file = self.data.files.get(file_id)
        if rec is not None and (rec.deleted or snapshot(rec, self.clock()).state != "exported"):
            rec = None  # a package appears only when the export is done; delete removes it
        if rec is None and file is None:
            return _html(404, "Page Not Found")
        user_id = self.tokens.check(req.headers.get("authorization"), None).user_id
        if rec is not None:
            verifier_ok = req.arg("verifier") == rec.verifier
            user_ok = user_id is not None and self.store.can_read(user_id, rec)
        else:
            assert file is not None
            verifier_ok = req.arg("verifier") == file.uuid
            user_ok = (
                user_id is not None
                and role(self.data, user_id, file.context) is not None
                and (not self.data.file_hidden(file) or is_admin(self.data, user_id, file.context))
            )
        if not (verifier_ok or user_ok):
            if user_id is not None:
                return _html(401, "Unauthorized")
            return Response(302, b"", {"Location": f"{self.base_url}/login/canvas"})
        redirect = self._redirect(rec) if rec is not None else None
        target = redirect[0] if redirect else self.signed_url(file_id)
        return Response(302, b"", {"Location": target, "Cache-Control": f"private, max-age={int(self.signer.ttl)}"})

    # --- the files host --------------------------------------------------------------
    def _serve_file(self, handler: _Handler, req: Request) -> None:
        parts = req.path.strip("/").split("/")
        if len(parts) < 2 or parts[0] != "files" or not parts[1].isdigit():
            return handler.send(_s3_error(404, "NoSuchKey", "The specified key does not exist."))
        if "authorization" in req.headers:
            return handler.send(
                _s3_error(
                    400,
                    "InvalidArgument",
                    "Only one auth mechanism allowed; only the "
                    "signature query parameter or the Authorization header should be specified",
                )
            )
        file_id = int(parts[1])
        problem = self.signer.verify(file_id, req.arg("expires"), req.arg("signature"))
        if problem:
            message = "Request has expired" if problem == "ExpiredToken" else "Access Denied"
            return handler.send(_s3_error(403, "AccessDenied" if problem != "ExpiredToken" else problem, message))
        rec = self.store.find(attachment_id=file_id)
        if rec is not None:
            pkg = self.store.package(rec)
            payload, name, ctype = pkg.data, pkg.display_name, "application/zip"
        elif file_id in self.data.files:
            file = self.data.files[file_id]
            payload, name, ctype = self.data.file_bytes(file_id), file.display_name, file.content_type
        else:
            return handler.send(_s3_error(404, "NoSuchKey", "The specified key does not exist."))
        payload += b"\0" * self.faults.files_padding
        if self.faults.files_corrupt and payload:
            middle = len(payload) // 2
            payload = payload[:middle] + bytes([payload[middle] ^ 0xFF]) + payload[middle + 1 :]
        total, start, end = len(payload), 0, len(payload) - 1
        headers = {
            "Content-Type": ctype,
            "Accept-Ranges": "bytes",
            "ETag": '"' + hashlib.md5(payload).hexdigest() + '"',
            "Content-Disposition": f'attachment; filename="{name.encode("ascii", "replace").decode()}"; '
            f"filename*=UTF-8''{quote(name)}",
        }
        status = 200
        wanted = "" if self.faults.files_ignore_range else req.headers.get("range", "")
        if wanted.startswith("bytes="):
            first, _, last = wanted[6:].partition("-")
            if first.isdigit():
                start, end = int(first), min(int(last), total - 1) if last.isdigit() else total - 1
                if start >= total or start > end:
                    headers["Content-Range"] = f"bytes */{total}"
                    return handler.send(Response(416, b"", headers))
                status = 206
                headers["Content-Range"] = f"bytes {start}-{end}/{total}"
        self._stream(handler, status, headers, payload[start : end + 1])

    def _stream(self, handler: _Handler, status: int, headers: dict[str, str], body: bytes) -> None:
        """Send headers with the full Content-Length, then the body in chunks: slowly
        when `slow_files` is on, and cut short when `drop_download_after` says so."""
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command == "HEAD":
            return
        drop = self.faults.take_drop()
        limit = len(body) if drop is None else min(drop, len(body))
        rate = self.faults.files_bytes_per_second
        chunk = 64 * 1024 if rate is None else max(1, min(64 * 1024, int(rate / 20)))
        started = time.monotonic()
        sent = 0
        try:
            while sent < limit:
                piece = body[sent : min(sent + chunk, limit)]
                handler.wfile.write(piece)
                sent += len(piece)
                if rate:
                    delay = sent / rate - (time.monotonic() - started)
                    if delay > 0:
                        time.sleep(delay)  # pacing the server's output, not synchronising a test
            handler.wfile.flush()
        except OSError:
            handler.close_connection = True
            return
        if drop is not None:
            handler.close_connection = True
            try:
                handler.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _guarded(handler: Callable[[Request], Response], req: Request) -> Response:
    """A simulator bug answers 500 like Canvas ("An error occurred.") and shows on stderr,
    instead of a reset connection that a client would silently retry."""
    try:
        return handler(req)
    except Exception:  # noqa: BLE001 - the traceback is printed, the client gets a 500
        traceback.print_exc()
        return _internal_error()


def _internal_error() -> Response:
    """Canvas's own 500 body (an error report id, no details)."""
    return Response(
        500,
        b'{"errors":[{"message":"An error occurred."}],"error_report_id":1}',
        {"Content-Type": "application/json; charset=utf-8"},
    )


def _auth_failure(problem: str) -> tuple[dict[str, object], int, dict[str, str]]:
    """Canvas's 401 bodies (canvas-api.md §8); all carry WWW-Authenticate."""
    www = {"WWW-Authenticate": 'Bearer realm="canvas-lms"'}
    if problem == "missing":
        return {"status": "unauthenticated", "errors": [{"message": "user authorization required"}]}, 401, www
    if problem == "expired":
        return {"errors": [{"message": "Expired access token.", "expired_at": EXPIRED_AT}]}, 401, www
    if problem == "revoked":
        return {"errors": [{"message": "Revoked access token."}]}, 401, www
    return {"errors": [{"message": "Invalid access token."}]}, 401, www


def serve(
    port: int | None = None,
    host: str = "127.0.0.1",
    *,
    export_duration: float = 8.0,
    bulk_courses: int = 0,
    out: TextIO | None = None,
    stop: threading.Event | None = None,
    ready: Callable[[SimulatedCanvas], None] | None = None,
) -> None:
    """Run the demo Canvas in the foreground until Ctrl+C (`canvas-exports demo-server`).

    `bulk_courses` generated courses join the sample ones (`--courses N`). Prints the
    base URL and the demo tokens to `out` (stdout). Tests pass `stop` to end
    it from another thread and `ready` to learn the running simulator."""
    out = out or sys.stdout
    stop = stop or threading.Event()
    with SimulatedCanvas(export_duration=export_duration, host=host, port=port or 0, bulk_courses=bulk_courses) as sim:
        print(f"Simulated Canvas running at {sim.base_url}", file=out)
        print(f"  files host:    {sim.files_base_url}", file=out)
        print(f"  teacher token: {TEACHER_TOKEN}  (Ada Lovelace)", file=out)
        print(f"  student token: {STUDENT_TOKEN}  (Alan Turing)", file=out)
        print(f"  admin token:   {ADMIN_TOKEN}  (Grace Hopper, admin of account {sim.data.root_account_id})", file=out)
        print(f"  try:           course:{sim.data.main_course_id}, group:{sim.data.group_id}, user:self", file=out)
        print(
            f"  courses:       {len(sim.data.courses)} ({bulk_courses} generated; exports take {export_duration:g} s)",
            file=out,
        )
        print("Press Ctrl+C to stop.", file=out, flush=True)
        if ready is not None:
            ready(sim)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            print("Stopped.", file=out)
