"""The Canvas REST client: one `httpx.AsyncClient` per Canvas site, no Qt.

Everything that touches the network for Canvas goes through here, so the rules live in
one place:

* the token goes only to the Canvas origin (scheme, host and port), as
  `Authorization: Bearer`, never in a URL; it is kept in a `Secret` so no repr, log line
  or exception can show it; query values of URLs we log are hidden (`safe_url`);
* `Accept: application/json`, a leading `while(1);` stripped, explicit timeouts;
* lists follow the `Link: rel="next"` header lazily (async iterators, per_page=100),
  and end with EndlessListError when the links come round again or exceed a page limit;
* API answers are streamed and decoded as they are read, within a size limit and a
  deadline for the whole request (`limits.py`), so neither a gzip bomb nor a server
  trickling bytes can fill memory or hold a request forever;
* failures become the typed errors of `errors.py` with a sentence a person can act on
  (mapping in `responses.py`); GETs are retried on 5xx and network failures, every
  request is retried when throttled, and the client slows down when Canvas's
  `X-Rate-Limit-Remaining` runs low (decisions in `retry.py`);
* export packages are fetched by `open_package`, which follows redirects itself so the
  token never reaches the files host or storage; hops without the token are sent by
  `rawget` (a direct HTTP/1.1 GET: ~0.4 s of CPU per GiB read where httpx takes ~1.5),
  which hands anything unusual back to httpx.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import re
import ssl
import time
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable, TypeVar
from urllib.parse import urlencode

import httpx

from .. import __version__
from . import rawget
from .content import PARSERS, listing, module_item, module_items_listing
from .errors import (
    BadRequestError,
    EndlessListError,
    LoginPageError,
    MalformedAnswerError,
    NotAuthorizedError,
    PackageError,
    ResponseTooLargeError,
    ServerError,
    UnreachableError,
    ValidationError,
)
from .fields import Fields, canvas_list, canvas_object
from .limits import ApiLimits
from .links import page_links
from .models import (
    Account,
    ContentExport,
    ContentItem,
    Context,
    ContextKind,
    Course,
    ExportType,
    Group,
    Permissions,
    Progress,
    SelectKey,
    Term,
    User,
)
from .redact import Secret, host_for_people, install_httpx_log_filter, origin, safe_url
from .responses import (
    DeadlineExceeded,
    error_for_response,
    error_for_transport,
    is_throttled,
    parse_json,
    retry_after_too_long,
)
from .retry import Failure, RateBudget, RetryPolicy, parse_remaining, parse_retry_after, retry_delay
from .urls import normalise_base_url
from .validation import (
    READ_AS_ADMIN,
    SelectArg,
    allowed_export_types,
    coerce_export_type,
    coerce_select_key,
    export_form,
    validate_export_request,
)

T = TypeVar("T")
log = logging.getLogger(__name__)

USER_AGENT = f"CanvasExportManager/{__version__}"
PER_PAGE = 100
MAX_REDIRECTS = 10
DEFAULT_TIMEOUT = httpx.Timeout(connect=15.0, read=60.0, write=60.0, pool=30.0)
"""Connect fast-fail, but a slow Canvas may take a while to answer a big list page."""

_JSON = "application/json"
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol, httpx.ProxyError)
"""Transport errors raised before any byte of the request left: repeating is always safe."""
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)", re.IGNORECASE)


class _Again(Exception):
    """One attempt failed in a way the retry rules may repeat (raised inside
    `CanvasClient._with_retries`, never out of it). `give_up(attempts)` is the error
    to raise when they say no more."""

    def __init__(
        self,
        failure: Failure,
        where: str,
        what: str,
        give_up: Callable[[int], BaseException],
        *,
        retry_after: float | None = None,
        remaining: float | None = None,
    ) -> None:
        super().__init__(where)
        self.failure, self.where, self.what, self.give_up = failure, where, what, give_up
        self.retry_after, self.remaining = retry_after, remaining


@dataclass(frozen=True)
class ApiAnswer:
    """One API answer, read whole: the body decoded, within `ApiLimits.max_body` for a
    success and `rawget.ERROR_BODY_LIMIT` for anything else."""

    status_code: int
    headers: httpx.Headers
    url: httpx.URL
    method: str
    content: bytes

    @property
    def text(self) -> str:
        """Canvas sends JSON as UTF-8; a stray bad byte must not hide the error around it."""
        return self.content.decode("utf-8", "replace")


async def _read_capped(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """Up to `limit` bytes of the *decoded* body, and whether that was all of it.

    `aiter_bytes` decodes each piece as it arrives, so a small compressed body that would
    decode to gigabytes costs at most `limit` plus one decoded piece of memory.
    """
    body = bytearray()
    async for piece in response.aiter_bytes():
        room = limit - len(body)
        if len(piece) > room:
            body += piece[:room]
            return bytes(body), False
        body += piece
    return bytes(body), True


async def _error_body(response: httpx.Response | rawget.RawResponse) -> bytes:
    """The start of an error answer (for its message), at most `rawget.ERROR_BODY_LIMIT`
    bytes decoded; the response is closed."""
    if isinstance(response, rawget.RawResponse):
        return await response.aread()  # capped at ERROR_BODY_LIMIT, and closes
    try:
        return (await _read_capped(response, rawget.ERROR_BODY_LIMIT))[0]
    finally:
        await response.aclose()


def _mib(size: int) -> str:
    """A limit in bytes as a person reads it: `32 MiB` (or KiB, for the small limits of tests)."""
    return f"{size / (1 << 20):g} MiB" if size >= 1 << 20 else f"{size / 1024:g} KiB"


def describe(ctx: Context) -> str:
    """`course 12`, `group 7`, `your user account`, `the course with SIS id BIO-1`:
    the context in a sentence."""
    if ctx.kind is ContextKind.USER and ctx.id == "self":
        return "your user account"
    if ctx.sis_id is not None:
        return f"the course with SIS id {ctx.sis_id}"
    return f"{ctx.kind.value} {ctx.id}"


MIN_SEARCH = 2
"""Canvas refuses a shorter `search_term` (400); we refuse it before asking."""
COURSE_STATES = ("created", "claimed", "available", "completed")
"""`state[]` for an account's course list: every course but deleted ones (unpublished too)."""


def _not_admin(err: NotAuthorizedError, account_id: int, action: str) -> NotAuthorizedError:
    """Canvas's "unauthorized" for an account's lists means: not an admin there."""
    return NotAuthorizedError(
        f"Your Canvas account is not an administrator of account {account_id}, so it may not {action}. "
        f"Choose your own courses instead, or ask a Canvas administrator.",
        status=err.status,
        detail=err.detail,
    )


class PackageResponse:
    """An open download of an export package; read it with `aiter_bytes`.

    * `status`: 200 (whole package) or 206 (the rest, from `start`);
    * `resumed`: True when a Range request was honoured (206), so the bytes continue a
      `.part` file; False means start again from byte 0;
    * `start`: offset of the first byte `aiter_bytes` yields (0 unless resumed);
    * `total_size`: size of the *whole* package when the server said it (Content-Range
      total for 206, Content-Length for 200), else None;
    * `content_type`: as sent by the final hop.
    """

    def __init__(self, response: httpx.Response | rawget.RawResponse, requested_start: int) -> None:
        self._response = response
        self.status = response.status_code
        self.resumed = response.status_code == 206
        self.content_type = response.headers.get("content-type", "")
        self.start = 0
        self.total_size: int | None = None
        if self.resumed:
            match = _CONTENT_RANGE.search(response.headers.get("content-range", ""))
            if match is None or int(match.group(1)) != requested_start:
                raise PackageError(
                    "The download server sent a different part of the package than asked for; "
                    "the download will start again from the beginning.",
                    status=206,
                    detail=f"Range start {requested_start}, Content-Range {response.headers.get('content-range')!r}",
                )
            self.start = requested_start
            if match.group(3) != "*":
                self.total_size = int(match.group(3))
        else:
            length = response.headers.get("content-length")
            if length and length.isdigit():
                self.total_size = int(length)

    async def aiter_bytes(self, chunk_size: int = 1 << 20) -> AsyncIterator[bytes | bytearray]:
        """The body as it arrives, in pieces of at most `chunk_size` bytes.

        Pieces are passed on as the network delivers them, not regrouped: regrouping
        (and the copies it takes) cost more Python per byte than anything else in a
        loopback download (tests/benchmarks/bench_download.py); the caller gathers
        them into disk-sized blocks itself. From a direct hop (`rawget`) the pieces are
        whole blocks of up to 1 MiB, some of them `bytearray`s the caller now owns;
        from httpx, the raw body as read (no decoder: we ask for `Accept-Encoding:
        identity`, and a zip is not compressed again) unless the host encodes anyway.

        A broken connection becomes UnreachableError, raised only after every byte that
        did arrive has been yielded, so a `.part` file keeps all of it for the resume.
        """
        response = self._response
        source: AsyncIterator[bytes] | AsyncIterator[bytes | bytearray]
        if isinstance(response, rawget.RawResponse):
            source = response.aiter_blocks(chunk_size)
        elif (
            response.headers.get("content-encoding", "").strip().lower() not in ("", "identity")
            or response.is_stream_consumed
        ):
            source = response.aiter_bytes()  # decoded, or already in memory (mock transports)
        else:
            source = response.aiter_raw()
        try:
            async for piece in source:
                if len(piece) <= chunk_size:
                    yield piece
                else:
                    for at in range(0, len(piece), chunk_size):
                        yield piece[at : at + chunk_size]
        except httpx.TransportError as exc:
            raise error_for_transport(
                exc, action="download the export package", host=host_for_people(response.url), ambiguous=False
            ) from None

    def recycle(self, piece: bytes | bytearray) -> None:
        """Give back a piece `aiter_bytes` yielded, once nothing uses it any more: from
        a direct hop, its buffer is filled again (`rawget.RawResponse.recycle`)."""
        if isinstance(self._response, rawget.RawResponse):
            self._response.recycle(piece)

    def __repr__(self) -> str:
        return (
            f"PackageResponse(status={self.status}, resumed={self.resumed}, start={self.start}, "
            f"total_size={self.total_size}, content_type={self.content_type!r})"
        )


def _transport_give_up(
    exc: BaseException, action: str, host: str, ambiguous: bool, where: str, attempts: int
) -> UnreachableError:
    """The error for a transport failure once the retries are spent (bound early by
    `functools.partial`: the exception variable is unbound once its except block ends)."""
    return error_for_transport(exc, action=action, host=host, ambiguous=ambiguous, attempts=attempts, where=where)


class CanvasClient:
    """Async client for one Canvas site and one token. Use as `async with CanvasClient(...)`.

    `transport` is the test seam (an `httpx.MockTransport` in unit tests); everything
    else talks real HTTP. `policy` bounds retries and pacing, `limits` what an answer
    may cost (size, time, pages).
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | None = None,
        policy: RetryPolicy | None = None,
        limits: ApiLimits | None = None,
    ) -> None:
        if not token or not token.strip():
            raise ValueError("An access token is needed: create one in Canvas under Account > Settings.")
        install_httpx_log_filter()
        self.base_url = normalise_base_url(base_url)
        self.policy = policy or RetryPolicy()
        self.limits = limits or ApiLimits()
        self._token = Secret(token.strip())
        self._origin = origin(self.base_url)
        self._timeout = timeout or DEFAULT_TIMEOUT
        # Direct package hops only when talking real HTTP: a given transport is a test
        # seam (or a counting wrapper) that must see every request. They share httpx's
        # own TLS context, so both paths trust exactly the same certificates.
        self._direct = transport is None
        tls: dict[str, Any] = {}
        self._ssl_context: ssl.SSLContext | None = None
        if self._direct:
            self._ssl_context = tls["verify"] = rawget.make_ssl_context()
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=self._timeout,
            follow_redirects=False,  # we follow them ourselves, deciding per hop about the token
            headers={"User-Agent": USER_AGENT},
            **tls,
        )
        self._in_flight = asyncio.Semaphore(self.policy.max_in_flight)
        self._budget = RateBudget(self.policy)
        self._pace_lock = asyncio.Lock()
        self._unanswered = 0  # requests sent to the Canvas API and not answered yet
        # Seams for tests of the retry loop; production uses real randomness, sleep and time.
        self._rng: Callable[[], float] = random.Random().random
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self._clock: Callable[[], float] = time.monotonic

    def __repr__(self) -> str:
        return f"CanvasClient({self.base_url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> "CanvasClient":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    @property
    def rate_limit_remaining(self) -> float | None:
        """The last `X-Rate-Limit-Remaining` Canvas reported (None before the first answer)."""
        return self._budget.remaining

    # ---- identity and pickers -------------------------------------------------------

    async def get_self(self) -> User:
        """The token's owner; also the cheapest way to check a token works."""
        return User.from_json(await self._get_json("users/self", action="check who you are"))

    def courses(self) -> AsyncIterator[Course]:
        """Your courses with their term; `Course.is_teacher` comes from the enrollments
        Canvas includes for the caller. Date-restricted courses (no name) are skipped."""

        async def gen() -> AsyncIterator[Course]:
            params = [("include[]", "term")]
            async for data in self._paginate("courses", params, action="list your courses"):
                if canvas_object(data, "a course").get("access_restricted_by_date"):
                    continue
                yield Course.from_json(data)

        return gen()

    async def get_course(self, ctx: Context) -> Course:
        """One course with its term (`GET /courses/:id?include[]=term`); `ctx` may name it
        by SIS id (`course:sis_course_id:BIO-2026FA-0042`), which Canvas resolves: the
        answer carries the numeric id to use from then on."""
        if ctx.kind is not ContextKind.COURSE:
            raise ValidationError(f"{ctx} is not a course: use course:ID or course:sis_course_id:ID.")
        query = urlencode([("include[]", "term")])
        return Course.from_json(await self._get_json(f"{ctx.api_path}?{query}", action=f"look up {describe(ctx)}"))

    def accounts(self) -> AsyncIterator[Account]:
        """The accounts you are an admin of (`GET /accounts`); empty for everyone else."""

        async def gen() -> AsyncIterator[Account]:
            async for data in self._paginate("accounts", [], action="list the accounts you administer"):
                yield Account.from_json(data)

        return gen()

    def sub_accounts(self, account_id: int) -> AsyncIterator[Account]:
        """Every account below `account_id`, however deep (`recursive=true`)."""
        account_id = int(account_id)
        return self._admin_list(
            account_id,
            f"accounts/{account_id}/sub_accounts",
            [("recursive", "true")],
            f"list the sub-accounts of account {account_id}",
            Account.from_json,
        )

    def terms(self, account_id: int) -> AsyncIterator[Term]:
        """The enrollment terms of an account (`GET /accounts/:id/terms`, pages of
        `{"enrollment_terms": [...]}`). Terms live in root accounts: for a sub-account
        Canvas answers 400, and its root account's terms are listed instead."""
        account_id = int(account_id)
        action = f"list the terms of account {account_id}"

        async def gen() -> AsyncIterator[Term]:
            path = f"accounts/{account_id}/terms"
            try:
                async for term in self._admin_list(
                    account_id, path, [], action, Term.from_json, key="enrollment_terms"
                ):
                    yield term
                return
            except BadRequestError:
                account = Account.from_json(await self._get_json(f"accounts/{account_id}", action=action))
                if account.root_account_id is None or account.root_account_id == account_id:
                    raise
            root = account.root_account_id
            async for term in self._admin_list(
                root, f"accounts/{root}/terms", [], action, Term.from_json, key="enrollment_terms"
            ):
                yield term

        return gen()

    def account_courses(
        self, account_id: int, *, term_id: int | None = None, search: str | None = None
    ) -> AsyncIterator[Course]:
        """The courses of an account and its sub-accounts (`GET /accounts/:id/courses`):
        every state but deleted, with term and teachers, optionally of one term and
        matching `search` (part of a name or course code, or a SIS or Canvas id).

        Raises ValidationError at once, before any request, for a search of fewer than
        MIN_SEARCH characters (Canvas would answer 400)."""
        account_id = int(account_id)
        params = [("include[]", "term"), ("include[]", "teachers")]
        params += [("state[]", state) for state in COURSE_STATES]
        if term_id is not None:
            params.append(("enrollment_term_id", str(int(term_id))))
        if search is not None and search.strip():
            if len(search.strip()) < MIN_SEARCH:
                raise ValidationError(f"Type at least {MIN_SEARCH} characters to search for courses.")
            params.append(("search_term", search.strip()))
        return self._admin_list(
            account_id,
            f"accounts/{account_id}/courses",
            params,
            f"list the courses of account {account_id}",
            Course.from_json,
        )

    def _admin_list(
        self,
        account_id: int,
        path: str,
        params: list[tuple[str, str]],
        action: str,
        parse: Callable[[Any], T],
        *,
        key: str | None = None,
    ) -> AsyncIterator[T]:
        """A list only an account's admins may read; Canvas's "unauthorized" becomes an
        error that says so."""

        async def gen() -> AsyncIterator[T]:
            try:
                async for data in self._paginate(path, params, action=action, key=key):
                    yield parse(data)
            except NotAuthorizedError as err:
                raise _not_admin(err, account_id, action) from None

        return gen()

    def groups(self) -> AsyncIterator[Group]:
        """The groups you belong to (`users/self/groups`)."""

        async def gen() -> AsyncIterator[Group]:
            async for data in self._paginate("users/self/groups", [], action="list your groups"):
                yield Group.from_json(data)

        return gen()

    def content(self, ctx: Context, key: SelectKey | str) -> AsyncIterator[ContentItem]:
        """What can be selected under `key` in `ctx`, with the ids `select[key][]` expects.

        Raises ValidationError at once (not on first iteration) for a key the context
        does not have, e.g. pages of a group.
        """
        key = coerce_select_key(key)
        endpoint = listing(ctx, key)
        action = f"list the {key.label.lower()} of {describe(ctx)}"

        async def gen() -> AsyncIterator[ContentItem]:
            if key is SelectKey.MODULE_ITEMS:
                async for module in self._paginate(endpoint.path, endpoint.params, action=action):
                    module_id = Fields(module, "a module").id()
                    items = module_items_listing(ctx, module_id)
                    async for data in self._paginate(items.path, items.params, action=action):
                        yield module_item(data, module_id)
                return
            parse = PARSERS[key]
            async for data in self._paginate(endpoint.path, endpoint.params, action=action):
                item = parse(data)
                if item is not None:
                    yield item

        return gen()

    async def permissions(self, ctx: Context, names: Iterable[str]) -> Permissions:
        """Ask Canvas which of `names` the caller has in a course or group
        (`GET .../permissions?permissions[]=...`); a user's files have no such endpoint."""
        asked = tuple(dict.fromkeys(str(n) for n in names))
        if ctx.kind is ContextKind.USER:
            raise ValidationError("Canvas has no permission check for a user's files.")
        if not asked:
            raise ValueError("ask for at least one permission")
        query = urlencode([("permissions[]", name) for name in asked])
        data = await self._get_json(
            f"{ctx.api_path}/permissions?{query}", action=f"check what you may do in {describe(ctx)}"
        )
        return Permissions.from_json(data, ctx, asked)

    async def allowed_export_types(self, ctx: Context) -> dict[ExportType, str | None]:
        """Each export type -> None if this user may create it in `ctx`, else why not
        (`validation.allowed_export_types`). Asks Canvas for `read_as_admin` in a course;
        groups and users need no request (zip only for everyone)."""
        may_read_as_admin = None
        if ctx.kind is ContextKind.COURSE:
            may_read_as_admin = (await self.permissions(ctx, [READ_AS_ADMIN])).read_as_admin
        return allowed_export_types(ctx.kind, may_read_as_admin)

    # ---- content exports ------------------------------------------------------------

    def list_exports(self, ctx: Context) -> AsyncIterator[ContentExport]:
        """The context's exports, newest first (Canvas orders by id descending)."""

        async def gen() -> AsyncIterator[ContentExport]:
            path = f"{ctx.api_path}/content_exports"
            async for data in self._paginate(path, [], action=f"list the exports of {describe(ctx)}"):
                yield ContentExport.from_json(data)

        return gen()

    async def get_export(self, ctx: Context, export_id: int) -> ContentExport:
        data = await self._get_json(
            f"{ctx.api_path}/content_exports/{int(export_id)}",
            action=f"show export {export_id} of {describe(ctx)}",
        )
        return ContentExport.from_json(data)

    async def create_export(
        self,
        ctx: Context,
        export_type: ExportType | str,
        select: SelectArg | None = None,
        *,
        skip_notifications: bool = False,
    ) -> ContentExport:
        """Start an export; Canvas answers 200 with the new export (state `created`).

        Validated first (ValidationError, nothing sent). Never retried on a network
        failure: UnreachableError.ambiguous tells whether Canvas may have created it.
        Retried only when throttled, because a throttled request was not executed.
        """
        validate_export_request(ctx, export_type, select)
        kind = coerce_export_type(export_type)
        body = urlencode(export_form(kind, select, skip_notifications=skip_notifications))
        response = await self._request(
            "POST",
            self._api_url(f"{ctx.api_path}/content_exports"),
            content=body.encode("ascii"),
            content_type="application/x-www-form-urlencoded",
            action=f"create a {kind.label} export of {describe(ctx)}",
        )
        return ContentExport.from_json(self._json(response, "create the export"))

    async def get_progress(self, progress_id: int) -> Progress:
        data = await self._get_json(f"progress/{int(progress_id)}", action="check the export's progress")
        return Progress.from_json(data)

    # ---- package download -----------------------------------------------------------

    @contextlib.asynccontextmanager
    async def open_package(self, url: str, *, start: int = 0) -> AsyncIterator[PackageResponse]:
        """Open `attachment.url` for streaming, from byte `start` when resuming.

        Redirects are followed here (at most 10, relative Locations resolved), adding the
        token only on hops to the Canvas origin. A final `text/html` answer is a login or
        SSO page: LoginPageError. 5xx and network failures are retried per hop. A 416
        (nothing left from `start`) starts over from byte 0 (`resumed` False).
        """
        if start < 0:
            raise ValueError("start must be >= 0")
        response = await self._resolve_package(url, start)
        try:
            package = PackageResponse(response, start)
        except BaseException:
            await response.aclose()
            raise
        try:
            yield package
        finally:
            await response.aclose()

    async def _send_hop(self, current: httpx.URL, start: int) -> httpx.Response | rawget.RawResponse:
        """One GET of the redirect chain. With the token (Canvas origin) through httpx;
        without it directly (`rawget`) when possible, else through httpx too."""
        auth = self._auth_for(current)
        if not auth and self._direct:
            direct = await rawget.open_raw(
                current, start=start, user_agent=USER_AGENT, timeout=self._timeout, ssl_context=self._ssl_context
            )
            if direct is not None:
                return direct
            log.debug("package hop %s: answer left to httpx", safe_url(current))
        headers = {"Accept": "*/*", "Accept-Encoding": "identity", **auth}
        if start > 0:
            headers["Range"] = f"bytes={start}-"
        return await self._http.send(self._http.build_request("GET", current, headers=headers), stream=True)

    async def _resolve_package(self, url: str, start: int) -> httpx.Response | rawget.RawResponse:
        action = "download the export package"
        current = httpx.URL(self.base_url + "/").join(url)
        hops = 0
        while True:  # one hop of the redirect chain a turn, each with its own retries
            where = f"GET {safe_url(current)}"
            log.debug("package hop %d: %s%s", hops, where, " (with token)" if origin(current) == self._origin else "")
            response = await self._with_retries("GET", functools.partial(self._try_hop, current, start, action))
            if response.is_redirect:
                location = response.headers.get("location", "")
                await response.aclose()
                hops += 1
                if hops > MAX_REDIRECTS:
                    raise PackageError(
                        f"The download was redirected more than {MAX_REDIRECTS} times; Canvas or its file "
                        f"storage is misconfigured. Try again later or download it in the browser.",
                        status=response.status_code,
                        detail=where,
                    )
                current = response.url.join(location)
                continue

            if response.status_code == 416 and start > 0:
                await response.aclose()
                log.info("range from %d not satisfiable, starting the download again", start)
                return await self._resolve_package(url, 0)

            content_type = response.headers.get("content-type", "")
            if "text/html" in content_type.lower():
                await response.aclose()
                raise LoginPageError(
                    "Canvas sent a web page (probably a login page) instead of the export package. "
                    "Check that your token is for this Canvas site, then try the download again.",
                    status=response.status_code,
                    detail=f"{where}; Content-Type {content_type}",
                )
            return response

    async def _try_hop(self, current: httpx.URL, start: int, action: str) -> httpx.Response | rawget.RawResponse:
        """One attempt at one hop: the answer (a redirect, a 416, a success), the error
        for a refusal, or `_Again` for what may be retried."""
        where = f"GET {safe_url(current)}"
        try:
            response = await self._send_hop(current, start)
        except httpx.TransportError as exc:
            raise _Again(
                Failure.CONNECT_FAILED if isinstance(exc, _NOT_SENT) else Failure.AMBIGUOUS,
                where,
                type(exc).__name__,
                functools.partial(_transport_give_up, exc, action, host_for_people(current), False, where),
            ) from None
        if response.status_code < 400 or (response.status_code == 416 and start > 0):
            return response
        body = (await _error_body(response))[:4096].decode("utf-8", "replace")
        if is_throttled(response.status_code, body):
            failure = Failure.THROTTLED
        elif response.status_code >= 500:
            failure = Failure.SERVER_ERROR
        else:
            raise error_for_response(response.status_code, response.headers, body, action=action, where=where)
        raise _Again(
            failure,
            where,
            str(response.status_code),
            lambda attempts: error_for_response(
                response.status_code, response.headers, body, action=action, attempts=attempts, where=where
            ),
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )

    async def _with_retries(self, method: str, attempt_once: Callable[[], Awaitable[T]]) -> T:
        """The one retry loop, for API calls and package hops alike: run `attempt_once`
        until it answers, or raises anything but `_Again`, or the retry rules
        (`retry.retry_delay`: attempts, time spent, Retry-After) say no more."""
        attempt = 0
        started = time.monotonic()
        while True:
            attempt += 1
            try:
                return await attempt_once()
            except _Again as again:
                delay = retry_delay(
                    method,
                    again.failure,
                    attempt,
                    time.monotonic() - started,
                    self.policy,
                    self._rng,
                    again.retry_after,
                    remaining=again.remaining,
                )
                log.info(
                    "%s -> %s, attempt %d%s",
                    again.where,
                    again.what,
                    attempt,
                    f", retrying in {delay:.2f} s" if delay is not None else "",
                )
                if delay is None:
                    raise again.give_up(attempt) from None
            await self._sleep(delay)
            self._budget.waited(delay)

    # ---- plumbing -------------------------------------------------------------------

    def _api_url(self, path: str) -> str:
        return f"{self.base_url}/api/v1/{path.lstrip('/')}"

    def _auth_for(self, url: httpx.URL | str) -> dict[str, str]:
        """The Bearer header, only for the Canvas origin (scheme, host and port)."""
        if origin(url) == self._origin:
            return {"Authorization": f"Bearer {self._token.reveal()}"}
        return {}

    async def _get_json(self, path: str, *, action: str) -> Any:
        response = await self._request("GET", self._api_url(path), action=action)
        return self._json(response, action)

    def _json(self, response: ApiAnswer, action: str) -> Any:
        try:
            return parse_json(response.text)
        except ValueError:
            kind = response.headers.get("content-type", "unknown content")
            raise UnreachableError(
                f"The server at {self.base_url} did not answer like Canvas when asked to {action} "
                f"(it sent {kind.split(';')[0]}, not JSON). Check the Canvas address: it should be "
                f"your school's Canvas site, such as https://school.instructure.com.",
                status=response.status_code,
                detail=f"{response.method} {safe_url(response.url)}",
            ) from None

    async def _paginate(
        self, path: str, params: Iterable[tuple[str, str]], *, action: str, key: str | None = None
    ) -> AsyncIterator[Any]:
        """Every element of a Canvas list, page by page, following rel="next" as given.
        With `key`, each page is an object holding the list under that key (the terms
        list's `{"enrollment_terms": [...]}`).

        A page is known by the URL we asked for and by the one Canvas calls it
        (rel="current", e.g. `page=1` for a first request without a page number), so a
        next link back to any page already read is caught before its rows repeat.
        """
        url: httpx.URL | str = self._api_url(path)
        query: list[tuple[str, str]] | None = [*params, ("per_page", str(PER_PAGE))]
        seen: set[str] = set()
        for _ in range(self.limits.max_pages):
            response = await self._request("GET", url, params=query, action=action)
            page = self._json(response, action)
            if key is not None:
                wrapper = canvas_object(page, f"a page of the list when asked to {action}")
                page = wrapper.get(key)
                if not isinstance(page, list):
                    raise MalformedAnswerError(
                        f"a page of the list when asked to {action}",
                        f"without the list {key!r}",
                        detail=f"GET {safe_url(response.url)}",
                    )
            page = canvas_list(
                page, f"a page of the list when asked to {action}", detail=f"GET {safe_url(response.url)}"
            )
            for element in page:
                yield element
            links = page_links(response.headers)
            seen.add(str(response.url))
            if "current" in links:
                seen.add(str(response.url.join(links["current"])))
            if "next" not in links:
                return
            url, query = self._next_page(response.url.join(links["next"]), seen, action=action), None
        raise EndlessListError(
            f"Canvas's list had more than {self.limits.max_pages} pages when asked to {action}, and its "
            f"pages go on. Try again later; if it persists, Canvas (or a proxy in front of it) is "
            f"misconfigured.",
            detail=f"stopped before {safe_url(url)}",
        )

    def _next_page(self, following: httpx.URL, seen: set[str], *, action: str) -> httpx.URL:
        """The next page's URL once it is known to be safe to follow: on the Canvas
        origin (the token goes with it) and not read before."""
        if origin(following) != self._origin:
            # A ServerError like a malformed answer: the list cannot be read whole (exit 4,
            # a job stays resumable); the token never goes to that other site.
            raise ServerError(
                f"Canvas pointed the next page of the list to another site ({host_for_people(following)}) "
                f"when asked to {action}; your access token goes only to {host_for_people(self.base_url)}, so "
                f"the list was given up there. Check that the Canvas address is the one your browser shows.",
                detail=f"next page at {safe_url(following)}",
            )
        if str(following) in seen:
            raise EndlessListError(
                f"Canvas's list pages came round to a page already read when asked to {action}, so the "
                f"list cannot be trusted to be complete. Try again later; if it persists, Canvas (or a "
                f"proxy in front of it) is misconfigured.",
                detail=f"next page at {safe_url(following)} was read before",
            )
        return following

    @contextlib.asynccontextmanager
    async def _paced(self) -> AsyncIterator[None]:
        """Send one API request within the rate budget: wait first if Canvas's bucket,
        less what the unanswered requests and this one will cost, is below the
        low-water mark (`RateBudget.delay`). One request decides at a time, so jobs
        polling together queue behind one pause instead of all sending into a full
        bucket; a request counts as unanswered until the block ends."""
        async with self._pace_lock:
            delay = self._budget.delay(self._unanswered, self._clock())
            if delay > 0:
                log.info(
                    "Canvas rate limit running low (about %.0f left, %d requests unanswered); waiting %.1f s",
                    self._budget.estimate(self._clock()) or 0,
                    self._unanswered,
                    delay,
                )
                await self._sleep(delay)
                self._budget.waited(delay)
            self._unanswered += 1
        try:
            yield
        finally:
            self._unanswered -= 1

    def _note_rate_limit(self, headers: httpx.Headers) -> None:
        self._budget.observe(
            parse_remaining(headers.get("x-rate-limit-remaining")),
            parse_remaining(headers.get("x-request-cost")),
            self._clock(),
        )

    async def _request(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        action: str,
        params: list[tuple[str, str]] | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> ApiAnswer:
        """One API call with retries; returns a successful (2xx) answer, read whole."""

        async def attempt_once() -> ApiAnswer:
            headers = {"Accept": _JSON, **self._auth_for(url)}
            if content_type:
                headers["Content-Type"] = content_type
            query = httpx.QueryParams(tuple(params)) if params is not None else None
            request = self._http.build_request(method, url, params=query, content=content, headers=headers)
            where = f"{method} {safe_url(request.url)}"
            try:
                async with self._in_flight, self._paced():
                    response = await self._exchange(request, action=action, where=where)
            except httpx.TransportError as exc:
                sent = not isinstance(exc, _NOT_SENT)
                ambiguous = sent and method.upper() not in ("GET", "HEAD")
                raise _Again(
                    Failure.AMBIGUOUS if sent else Failure.CONNECT_FAILED,
                    where,
                    f"failed ({type(exc).__name__})",
                    functools.partial(_transport_give_up, exc, action, host_for_people(request.url), ambiguous, where),
                ) from None

            self._note_rate_limit(response.headers)
            status = response.status_code
            log.debug("%s -> %d", where, status)
            if status < 300:
                return response
            if status < 400:
                target = response.headers.get("location", "")
                raise UnreachableError(
                    f"Canvas at {self.base_url} redirected the request to "
                    f"{safe_url(response.url.join(target)) if target else 'another address'}. "
                    f"Use the address your browser shows after logging in to Canvas as this profile's Canvas address.",
                    status=status,
                    detail=where,
                )
            body = response.text
            if is_throttled(status, body):
                failure = Failure.THROTTLED
            elif status >= 500:
                failure = Failure.SERVER_ERROR
            else:
                raise error_for_response(status, response.headers, body, action=action, where=where)
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if failure is Failure.THROTTLED and retry_after is not None and retry_after > self.policy.max_retry_after:
                raise retry_after_too_long(
                    retry_after, status=status, action=action, limit=self.policy.max_retry_after, where=where
                )
            # a throttled retry waits at least until the bucket is back at the low-water mark
            remaining = self._budget.estimate(self._clock()) if failure is Failure.THROTTLED else None
            raise _Again(
                failure,
                where,
                str(status),
                lambda attempts: error_for_response(
                    status, response.headers, body, action=action, attempts=attempts, where=where
                ),
                retry_after=retry_after,
                remaining=remaining,
            )

        return await self._with_retries(method, attempt_once)

    async def _exchange(self, request: httpx.Request, *, action: str, where: str) -> ApiAnswer:
        """Send one request and read its answer, within the deadline for the whole
        exchange and the size limit of the body (ResponseTooLargeError beyond it).

        Running out of time raises DeadlineExceeded, a ReadTimeout, so the caller's
        retry rules treat it like any other timeout after sending.
        """
        deadline = self.limits.request_deadline
        try:
            async with asyncio.timeout(deadline):
                response = await self._http.send(request, stream=True)
                try:
                    limit = self.limits.max_body if response.status_code < 300 else rawget.ERROR_BODY_LIMIT
                    body, whole = await _read_capped(response, limit)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise DeadlineExceeded(deadline, request) from None
        if not whole and response.status_code < 300:
            raise ResponseTooLargeError(
                f"Canvas sent an answer larger than {_mib(limit)} when asked to {action}; this app reads at "
                f"most that much, so the request was given up. Try again later; if it persists, Canvas (or a "
                f"proxy in front of it) is misconfigured.",
                status=response.status_code,
                detail=f"{where}; Content-Encoding {response.headers.get('content-encoding', 'none')}",
            )
        return ApiAnswer(response.status_code, response.headers, response.url, request.method, body)
