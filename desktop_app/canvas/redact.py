"""Keep secrets out of logs, reprs and error messages.

The client never puts the token in a URL, but download URLs carry their own secrets
(`verifier=`, the files host's signed `token=`/`sf_verifier=`, S3 signatures). Anything we
log or show therefore goes through `safe_url`, which keeps the origin and path (useful
for a person reading a log) and hides every query value.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import httpx


def safe_url(url: str | httpx.URL) -> str:
    """`https://host/files/5/download?verifier=…&download_frd=…` — query values hidden."""
    parts = urlsplit(str(url))
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    if not parts.query:
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    names = [name for name, _ in parse_qsl(parts.query, keep_blank_values=True)]
    query = "&".join(f"{name}=…" for name in names)
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def origin(url: str | httpx.URL) -> tuple[str, str, int]:
    """(scheme, host, port) with the default port filled in: the unit of trust for the token."""
    parsed = httpx.URL(str(url))
    scheme = parsed.scheme.lower()
    port = parsed.port or {"https": 443, "http": 80}.get(scheme, 0)
    return scheme, (parsed.host or "").lower(), port


def host_for_people(url: str | httpx.URL) -> str:
    """`canvas.school.edu`, or `127.0.0.1:8443` when the port is not the scheme's default:
    the address as a person typed it, for messages. An IPv6 host keeps its brackets."""
    parsed = httpx.URL(str(url))
    host = parsed.host or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{parsed.port}" if parsed.port is not None else host


class Secret:
    """Holds the token; prints as `Secret(***)` so it cannot leak through a repr."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret(***)"

    __str__ = __repr__

    def __reduce__(self) -> str:  # no pickling a token into a file by accident
        raise TypeError("a Secret cannot be pickled")


class _HttpxUrlFilter(logging.Filter):
    """httpx logs `HTTP Request: GET <full url> ...` at INFO; hide the query values."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(safe_url(a) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


_installed = False


def install_httpx_log_filter() -> None:
    """Idempotent: add the URL filter to httpx's logger once per process."""
    global _installed
    if not _installed:
        logging.getLogger("httpx").addFilter(_HttpxUrlFilter())
        _installed = True
