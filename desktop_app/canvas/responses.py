"""Turning Canvas's answers into data or into errors a person can act on.

Pure functions over status, headers and body text, so the whole mapping table
(canvas-api.md sections 7 and 8) is unit-tested without a network:

    401 + WWW-Authenticate             AuthError (reason invalid/expired/revoked/missing)
    401 / 403 without the throttle text NotAuthorizedError
    403 "Rate Limit Exceeded", 429      ThrottledError (retry_after from Retry-After)
      ... with a Retry-After too long   RetryAfterTooLongError (how long, until when)
    404                                 NotFoundError
    400 / 409 / 422 / other 4xx         BadRequestError with Canvas's own message
    5xx                                 ServerError
    transport failures                  UnreachableError (ambiguous when maybe executed)

`action` is a short verb phrase naming what we tried ("list the exports of course 12"),
so each message says what failed and what to do about it.
"""

from __future__ import annotations

import json
import math
import socket
import ssl
from datetime import datetime, timedelta
from typing import Any, Mapping

import httpx

from .errors import (
    AuthError,
    BadRequestError,
    CanvasError,
    NotAuthorizedError,
    NotFoundError,
    RetryAfterTooLongError,
    ServerError,
    ThrottledError,
    UnreachableError,
)
from .retry import parse_remaining, parse_retry_after

JSON_PREFIX = "while(1);"
THROTTLE_TEXT = "rate limit exceeded"
NEW_TOKEN_HINT = "Create a new token under Account > Settings."
_MAX_MESSAGE = 300


def strip_json_prefix(text: str) -> str:
    """Old Canvas prepends `while(1);` to JSON to stop JSON hijacking; drop it."""
    stripped = text.lstrip()
    if stripped.startswith(JSON_PREFIX):
        return stripped[len(JSON_PREFIX) :]
    return text


def parse_json(text: str) -> Any:
    """Canvas JSON, tolerant of the `while(1);` prefix. Raises ValueError on non-JSON."""
    return json.loads(strip_json_prefix(text))


def _messages(value: Any) -> list[str]:
    """Collect every `message` string in Canvas's many error shapes."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [m for item in value for m in _messages(item)]
    if isinstance(value, Mapping):
        if isinstance(value.get("message"), str):
            return [value["message"]]
        found: list[str] = []
        for key, sub in value.items():
            if key in ("status", "error_report_id", "expired_at"):
                continue
            found.extend(_messages(sub))
        return found
    return []


def canvas_message(body: str) -> str | None:
    """Canvas's own explanation from an error body, or None.

    Shapes seen: `{"message": "..."}`, `{"errors": [{"message": "..."}]}`,
    `{"errors": "Invalid as_user_id"}`, `{"errors": {"field": [{"message": "..."}]}}`,
    and plain text (the throttle answer). HTML pages give None: they are not a message.
    """
    text = strip_json_prefix(body or "").strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        if text.startswith("<"):
            return None
        return _shorten(" ".join(text.split()))
    found: list[str] = []
    if isinstance(data, Mapping):
        if isinstance(data.get("message"), str):
            found.append(data["message"])
        if "errors" in data:
            found.extend(_messages(data["errors"]))
    elif isinstance(data, (list, str)):
        found.extend(_messages(data))
    found = [" ".join(m.split()) for m in found if m and m.strip()]
    return _shorten("; ".join(dict.fromkeys(found))) if found else None


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def is_throttled(status: int, body: str) -> bool:
    """Canvas throttles with 403 and a text body; a proxy might use 429."""
    return status == 429 or (status == 403 and THROTTLE_TEXT in (body or "").lower())


def describe_wait(seconds: float) -> str:
    """`90 seconds`, `15 minutes`, `24 hours`, `3 days`: a wait in the unit a person uses."""
    units = (("second", 1, 120), ("minute", 60, 120 * 60), ("hour", 3600, 72 * 3600), ("day", 86400, math.inf))
    unit, size = next((name, size) for name, size, up_to in units if seconds < up_to)
    count = round(seconds / size)
    return f"{count} {unit}{'' if count == 1 else 's'}"


def retry_after_too_long(
    retry_after: float, *, status: int, action: str, limit: float, where: str = "", now: datetime | None = None
) -> RetryAfterTooLongError:
    """The error for a throttled answer whose Retry-After exceeds what we wait (`limit`):
    says what Canvas asked for and until when, in local time, so a person (or the job's
    message in the app) knows when trying again makes sense."""
    until = (now or datetime.now().astimezone()) + timedelta(seconds=retry_after)
    return RetryAfterTooLongError(
        f"Canvas asked us to wait {describe_wait(retry_after)} before the next request (throttled) "
        f"when asked to {action}; this app waits at most {describe_wait(limit)}. "
        f"Try again after {until:%Y-%m-%d %H:%M %Z}.",
        retry_after=retry_after,
        status=status,
        detail=f"Retry-After {retry_after:g} s" + (f" {where}" if where else ""),
    )


def token_problem(message: str | None) -> str:
    """Which kind of AuthError Canvas's 401 message describes."""
    text = (message or "").lower()
    if "expired" in text:
        return "expired"
    if "revoked" in text:
        return "revoked"
    if "user authorization required" in text or "unauthenticated" in text:
        return "missing"
    return "invalid"


_AUTH_MESSAGES = {
    "invalid": "Canvas did not accept the access token: it is not a valid token for this Canvas site. "
    "Check that you copied the whole token and chose the right site, or create a new token "
    "under Account > Settings.",
    "expired": "Canvas did not accept the access token: it has expired. " + NEW_TOKEN_HINT,
    "revoked": "Canvas did not accept the access token: it has been deleted or revoked. " + NEW_TOKEN_HINT,
    "missing": "Canvas did not receive an access token. Enter your token for this site again "
    "(create one under Account > Settings in Canvas).",
}


def error_for_response(
    status: int,
    headers: Mapping[str, str] | httpx.Headers,
    body: str,
    *,
    action: str,
    attempts: int = 1,
    where: str = "",
) -> CanvasError:
    """The error for a Canvas answer with status >= 400.

    `where` is a redacted method and URL for the technical detail; `attempts` how many
    tries were made (said in the message when more than one).
    """
    headers = httpx.Headers(headers)
    said = canvas_message(body)
    detail = f"HTTP {status}" + (f" {where}" if where else "") + (f"; Canvas said: {said}" if said else "")
    if attempts > 1:
        detail += f"; {attempts} attempts"

    if is_throttled(status, body):
        retry_after = parse_retry_after(headers.get("retry-after"))
        remaining = parse_remaining(headers.get("x-rate-limit-remaining"))
        if remaining is not None:
            detail += f"; X-Rate-Limit-Remaining {remaining:g}"
        return ThrottledError(
            f"Canvas is limiting how fast this app may send requests and still refused to {action} "
            f"after waiting. Wait a minute and try again, or run fewer exports at once.",
            retry_after=retry_after,
            status=status,
            detail=detail,
        )
    if status == 401 and "www-authenticate" in headers:
        reason = token_problem(said)
        return AuthError(_AUTH_MESSAGES[reason], reason=reason, status=status, detail=detail)
    if status in (401, 403):
        if said and "scope" in said.lower():
            message = (
                f"The access token is limited to certain scopes and may not {action}. "
                f"Create a token without scope limits under Account > Settings."
            )
        else:
            message = (
                f"Your Canvas account is not allowed to {action}. Only teachers, TAs and course "
                f"designers may export whole courses; students can export files as a zip. "
                f"Ask someone with that role, or choose something you may export."
            )
        return NotAuthorizedError(message, status=status, detail=detail)
    if status == 404:
        return NotFoundError(
            f"Canvas could not find what is needed to {action}: it does not exist, was deleted, "
            f"or is hidden from your account. Check the id and the Canvas site.",
            status=status,
            detail=detail,
        )
    if 400 <= status < 500:
        reason = f": {said.rstrip('.')}." if said else " (it gave no reason)."
        return BadRequestError(
            f"Canvas refused to {action}{reason} Check the export type and the selection.",
            status=status,
            detail=detail,
        )
    tried = f", also after {attempts} tries" if attempts > 1 else ""
    return ServerError(
        f"Canvas had an internal problem (HTTP {status}) when asked to {action}{tried}. "
        f"This is on Canvas's side: try again in a few minutes.",
        status=status,
        detail=detail,
    )


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and what it was raised from (httpx -> httpcore -> anyio -> OSError)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 10 and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


class DeadlineExceeded(httpx.ReadTimeout):
    """A whole request took longer than its deadline (a server trickling bytes keeps
    each read under the read timeout). A ReadTimeout, so the usual retry rules apply."""

    def __init__(self, seconds: float, request: httpx.Request) -> None:
        super().__init__(f"Canvas did not finish answering within {seconds:g} seconds", request=request)


def describe_transport_error(exc: BaseException) -> str:
    """A few words on what the network did; never the URL (it may carry a signature)."""
    if isinstance(exc, DeadlineExceeded):
        return str(exc)
    chain = _causes(exc)
    text = " ".join(str(e) for e in chain).lower()
    if isinstance(exc, httpx.ConnectTimeout):
        return "the connection timed out"
    if isinstance(exc, httpx.TimeoutException):
        return "Canvas stopped answering (timeout)"
    if isinstance(exc, httpx.ConnectError):
        if (
            any(isinstance(e, socket.gaierror) for e in chain)
            or "name or service" in text
            or "nodename" in text
            or "getaddrinfo" in text
        ):
            return "the address could not be found (DNS)"
        if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
            return "the connection was refused"
        if any(isinstance(e, ssl.SSLError) for e in chain) or "ssl" in text or "certificate" in text:
            return "the secure connection (TLS) failed"
        return "no connection could be made"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the connection was closed unexpectedly"
    if isinstance(exc, (httpx.ReadError, httpx.WriteError)):
        return "the connection broke"
    return "a network error occurred"


def error_for_transport(
    exc: BaseException, *, action: str, host: str, ambiguous: bool, attempts: int = 1, where: str = ""
) -> UnreachableError:
    """UnreachableError for a failure below HTTP. `host` is shown (it holds no secret)."""
    what = describe_transport_error(exc)
    detail = (
        f"{type(exc).__name__}" + (f" {where}" if where else "") + (f"; {attempts} attempts" if attempts > 1 else "")
    )
    if ambiguous:
        message = (
            f"The connection to Canvas at {host} broke while trying to {action} ({what}), so it is "
            f"not known whether Canvas did it. Check the list of exports before trying again."
        )
    elif isinstance(exc, DeadlineExceeded):  # it answered, far too slowly: not our network
        message = (
            f"Canvas at {host} answered too slowly to {action}: {what}. Canvas may be overloaded; try again later."
        )
    else:
        message = (
            f"Could not reach Canvas at {host} to {action}: {what}. "
            f"Check your internet connection and the Canvas address, then try again."
        )
    return UnreachableError(message, ambiguous=ambiguous, detail=detail)
