"""The client's exception tree: every failure a person can act on, told plainly.

    CanvasError                      base; `str(err)` is a sentence for a user
    ├── ValidationError              refused before any request (bad type for context, ...)
    ├── AuthError                    401 with WWW-Authenticate: invalid, expired or revoked token
    ├── NotAuthorizedError           401/403 without "Rate Limit Exceeded": no permission
    ├── ThrottledError               403 "Rate Limit Exceeded" or 429; carries retry_after
    │   └── RetryAfterTooLongError   Canvas asked for a longer wait than we accept
    ├── NotFoundError                404
    ├── BadRequestError              400/422 with Canvas's own message
    ├── ServerError                  5xx (after retries)
    │   ├── MalformedAnswerError     an answer that does not match the API (a field missing or mistyped)
    │   ├── ResponseTooLargeError    an API answer larger than the client accepts
    │   └── EndlessListError         a list whose pages never end or come round again
    ├── UnreachableError             DNS, refused, reset, timeout (after retries);
    │                                `ambiguous` = a POST may have been executed anyway
    └── PackageError                 the downloaded package is not what Canvas promised
        ├── LoginPageError           an HTML page (a login or SSO page) instead of the file
        ├── SizeMismatchError        byte count differs from attachment.size
        └── CorruptPackageError      not a zip, a bad CRC, a .imscc without imsmanifest.xml

No message, repr or attribute ever holds the token or a signed URL.
"""

from __future__ import annotations


class CanvasError(Exception):
    """Base of every error the client raises. `detail` holds technical facts for a
    "Details" pane (status code, Canvas's own message); never the token."""

    def __init__(self, message: str, *, status: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.detail = detail

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r})"


class ValidationError(CanvasError):
    """The request was refused before it was sent: the user can fix the input."""


class AuthError(CanvasError):
    """The token is not accepted: invalid, expired or revoked. `reason` is one of
    'invalid', 'expired', 'revoked', 'missing'."""

    def __init__(self, message: str, *, reason: str = "invalid", status: int | None = 401, detail: str = "") -> None:
        super().__init__(message, status=status, detail=detail)
        self.reason = reason


class NotAuthorizedError(CanvasError):
    """The token works but this user may not do this (e.g. a student asking for a Common Cartridge)."""


class ThrottledError(CanvasError):
    """Canvas's rate limiter said no (403 "Rate Limit Exceeded", or 429 from a proxy)."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, status: int | None = 403, detail: str = ""
    ) -> None:
        super().__init__(message, status=status, detail=detail)
        self.retry_after = retry_after


class RetryAfterTooLongError(ThrottledError):
    """Canvas asked us to wait longer (Retry-After) than the client is willing to: the
    request is given up rather than waiting silently for hours. The message says how
    long Canvas asked for and until when; `retry_after` holds the seconds."""


class NotFoundError(CanvasError):
    """The course, group, user, export or progress does not exist (or is hidden from us)."""


class BadRequestError(CanvasError):
    """Canvas refused the parameters; `message` carries Canvas's own explanation."""


class ServerError(CanvasError):
    """Canvas answered 5xx, still after the retries."""


class MalformedAnswerError(ServerError):
    """Canvas answered, but not with what its API documents: a field is missing or of the
    wrong type. A ServerError because the fault is Canvas's and a later answer may be
    fine: polls retry it, and a create that got one looks for the export it made."""

    def __init__(self, what: str, problem: str, *, detail: str = "") -> None:
        super().__init__(
            f"Canvas sent {what} {problem}, which this app cannot use. Try again later; "
            f"if it keeps happening, tell your Canvas administrator.",
            detail=detail,
        )
        self.what = what
        self.problem = problem


class ResponseTooLargeError(ServerError):
    """An API answer grew past the client's limit (a gzip bomb, or a broken proxy). A
    ServerError because it is Canvas's side misbehaving and may pass: the job stays
    resumable and the command line exits 4."""


class EndlessListError(ServerError):
    """A list's `rel="next"` links came round to a page already read, or went on past the
    page limit. Following them would repeat rows or never end; a ServerError for the same
    reasons as ResponseTooLargeError."""


class UnreachableError(CanvasError):
    """No answer from Canvas: DNS, refused connection, reset, TLS or timeout, after the retries.

    `ambiguous` is True when the request may have reached Canvas before the connection
    failed (a timeout or a reset after the request was sent). For a POST that creates an
    export this means Canvas may have created it anyway: the caller should look for a
    new export in the list before creating another one. False means the request never
    left this machine (DNS failure, refused connection), so repeating it is safe.
    """

    def __init__(self, message: str, *, ambiguous: bool = False, status: int | None = None, detail: str = "") -> None:
        super().__init__(message, status=status, detail=detail)
        self.ambiguous = ambiguous


class PackageError(CanvasError):
    """The downloaded package cannot be trusted."""


class LoginPageError(PackageError):
    """An HTML page arrived instead of the package: usually a login or SSO page."""


class SizeMismatchError(PackageError):
    """The byte count differs from the size Canvas announced."""


class CorruptPackageError(PackageError):
    """Not a valid zip, a CRC error, or a Common Cartridge without imsmanifest.xml."""
