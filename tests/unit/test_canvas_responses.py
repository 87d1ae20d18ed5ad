"""Error mapping (desktop_app/canvas/responses.py): Canvas's answers -> the typed error tree."""

from __future__ import annotations

import httpx
import pytest

from desktop_app.canvas.errors import (
    AuthError,
    BadRequestError,
    CanvasError,
    NotAuthorizedError,
    NotFoundError,
    ServerError,
    ThrottledError,
    UnreachableError,
)
from desktop_app.canvas.responses import (
    canvas_message,
    error_for_response,
    error_for_transport,
    parse_json,
    strip_json_prefix,
)

WWW = {"WWW-Authenticate": 'Bearer realm="canvas-lms"'}
ACTION = "list the exports of course 12"


def err(status: int, body: str = "", headers: dict[str, str] | None = None, **kw: object) -> CanvasError:
    return error_for_response(status, headers or {}, body, action=ACTION, **kw)  # type: ignore[arg-type]


# ---- Canvas's message shapes ----------------------------------------------------------


@pytest.mark.parametrize(
    "body,expected",
    [
        ('{"message":"invalid export_type"}', "invalid export_type"),
        ('{"errors":[{"message":"The specified resource does not exist."}]}', "The specified resource does not exist."),
        ('{"errors":"Invalid as_user_id"}', "Invalid as_user_id"),
        (
            '{"errors":[{"field":"search_term","code":"invalid","message":"3 or more characters is required"}]}',
            "3 or more characters is required",
        ),
        ('{"errors":{"export_type":[{"attribute":"export_type","message":"is invalid"}]}}', "is invalid"),
        ('{"errors":[{"message":"a"},{"message":"b"}]}', "a; b"),
        ('while(1);{"message":"quiz_id required and must be a valid ID"}', "quiz_id required and must be a valid ID"),
        ("403 Forbidden (Rate Limit Exceeded)", "403 Forbidden (Rate Limit Exceeded)"),
        ("<html><body>Log in</body></html>", None),
        ("", None),
        ("{}", None),
        (
            '{"status":"unauthorized","errors":[{"message":"user not authorized to perform that action"}]}',
            "user not authorized to perform that action",
        ),
    ],
)
def test_canvas_message_shapes(body: str, expected: str | None) -> None:
    assert canvas_message(body) == expected


def test_long_text_bodies_are_shortened() -> None:
    message = canvas_message("x" * 5000)
    assert message is not None and len(message) <= 300


def test_while1_prefix_stripped() -> None:
    assert strip_json_prefix('while(1);[{"id":1}]') == '[{"id":1}]'
    assert strip_json_prefix('  while(1);{"a":1}') == '{"a":1}'
    assert strip_json_prefix('{"a":"while(1);"}') == '{"a":"while(1);"}'
    assert parse_json("while(1);[1,2]") == [1, 2]
    with pytest.raises(ValueError):
        parse_json("<html>")


# ---- 401 with WWW-Authenticate: the token -----------------------------------------------


@pytest.mark.parametrize(
    "message,reason,words",
    [
        ("Invalid access token.", "invalid", "not a valid token"),
        ("Expired access token.", "expired", "it has expired"),
        ("Revoked access token.", "revoked", "revoked"),
        ("user authorization required", "missing", "did not receive"),
    ],
)
def test_401_with_www_authenticate_is_auth_error(message: str, reason: str, words: str) -> None:
    body = '{"errors":[{"message":"%s"}]}' % message
    error = err(401, body, WWW)
    assert type(error) is AuthError
    assert error.reason == reason
    assert error.status == 401
    assert words in str(error)
    assert "Account > Settings" in str(error)
    assert message in error.detail


def test_expired_message_is_the_one_from_the_brief() -> None:
    error = err(401, '{"errors":[{"message":"Expired access token.","expired_at":"2025-01-01T00:00:00Z"}]}', WWW)
    assert str(error) == (
        "Canvas did not accept the access token: it has expired. Create a new token under Account > Settings."
    )


def test_www_authenticate_header_name_is_case_insensitive() -> None:
    assert isinstance(
        err(401, '{"errors":[{"message":"Invalid access token."}]}', {"www-authenticate": "Bearer"}), AuthError
    )


# ---- 401/403 without throttle text: permission --------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
def test_not_authorized(status: int) -> None:
    body = '{"status":"unauthorized","errors":[{"message":"user not authorized to perform that action"}]}'
    error = err(status, body)
    assert type(error) is NotAuthorizedError
    assert error.status == status
    assert ACTION in str(error)


def test_insufficient_scope_says_so() -> None:
    error = err(401, '{"errors":[{"message":"Insufficient scopes on access token."}]}')
    assert type(error) is NotAuthorizedError
    assert "scope" in str(error)


def test_invalid_as_user_id_is_not_an_auth_error() -> None:
    assert type(err(401, '{"errors":"Invalid as_user_id"}')) is NotAuthorizedError


# ---- throttling --------------------------------------------------------------------------


def test_403_rate_limit_exceeded_is_throttled() -> None:
    error = err(
        403, "403 Forbidden (Rate Limit Exceeded)", {"X-Rate-Limit-Remaining": "0.0", "Content-Type": "text/plain"}
    )
    assert type(error) is ThrottledError
    assert error.retry_after is None
    assert "X-Rate-Limit-Remaining 0" in error.detail
    assert "Wait a minute" in str(error)


def test_429_with_retry_after_is_throttled() -> None:
    error = err(429, "Too Many Requests", {"Retry-After": "17"})
    assert type(error) is ThrottledError
    assert error.retry_after == 17.0
    assert error.status == 429


def test_throttle_text_is_matched_case_insensitively() -> None:
    assert isinstance(err(403, "403 forbidden (rate limit exceeded)"), ThrottledError)


# ---- the rest ----------------------------------------------------------------------------


def test_404() -> None:
    error = err(404, '{"errors":[{"message":"The specified resource does not exist."}]}')
    assert type(error) is NotFoundError
    assert "could not find" in str(error)


@pytest.mark.parametrize("status", [400, 409, 422])
def test_bad_request_carries_canvas_message(status: int) -> None:
    error = err(status, '{"message":"invalid export_type"}')
    assert type(error) is BadRequestError
    assert "invalid export_type" in str(error)
    assert str(error).startswith(f"Canvas refused to {ACTION}")


def test_bad_request_without_message() -> None:
    assert "gave no reason" in str(err(400, ""))


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors(status: int) -> None:
    error = err(status, "<html>oops</html>", attempts=4)
    assert type(error) is ServerError
    assert f"HTTP {status}" in str(error)
    assert "after 4 tries" in str(error)
    assert "4 attempts" in error.detail


def test_detail_includes_where_but_message_stays_plain() -> None:
    error = err(404, "", where="GET https://canvas.example.edu/api/v1/courses/12/content_exports")
    assert "GET https://canvas.example.edu" in error.detail
    assert "https://" not in str(error)


# ---- transport -----------------------------------------------------------------------------


def test_connect_failure_is_not_ambiguous() -> None:
    exc = httpx.ConnectError("[Errno 111] Connection refused")
    error = error_for_transport(exc, action=ACTION, host="canvas.example.edu", ambiguous=False, attempts=5)
    assert type(error) is UnreachableError
    assert error.ambiguous is False
    assert "connection was refused" in str(error)
    assert "canvas.example.edu" in str(error)


def test_dns_failure_is_named() -> None:
    exc = httpx.ConnectError("[Errno -2] Name or service not known")
    assert "DNS" in str(error_for_transport(exc, action=ACTION, host="x", ambiguous=False))


def test_timeout_after_sending_a_create_is_ambiguous() -> None:
    exc = httpx.ReadTimeout("timed out")
    error = error_for_transport(exc, action="create a Common Cartridge export of course 12", host="h", ambiguous=True)
    assert error.ambiguous is True
    assert "not known whether Canvas did it" in str(error)
    assert "list of exports" in str(error)


def test_refused_is_found_down_the_cause_chain() -> None:
    """httpx's async transport says "All connection attempts failed"; the cause says why."""
    try:
        try:
            try:
                raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 9)")
            except ConnectionRefusedError as inner:
                raise OSError("All connection attempts failed") from inner
        except OSError as middle:
            raise httpx.ConnectError("All connection attempts failed") from middle
    except httpx.ConnectError as exc:
        error = error_for_transport(exc, action=ACTION, host="h", ambiguous=False)
    assert "connection was refused" in str(error)
