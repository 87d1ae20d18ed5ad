"""Turning what a person pastes into a Canvas base URL we can safely use."""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, urlsplit, urlunsplit

_API_SUFFIXES = ("/api/v1", "/api")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalise_base_url(text: str) -> str:
    """Return `https://canvas.example.edu` from whatever was pasted.

    Adds a missing scheme, drops the query, fragment, trailing slashes and a pasted
    `/api/v1`, lower-cases the host. Plain `http://` is refused except on loopback
    (the demo Canvas), because the token would cross the network in clear text.
    Raises ValueError with a sentence a person can act on.
    """
    raw = text.strip()
    if not raw:
        raise ValueError("Enter the address of your Canvas site, e.g. https://canvas.example.edu")
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"'{text.strip()}' is not a web address: it must start with https://")
    host = (parts.hostname or "").lower()
    if not host or " " in host:
        raise ValueError(f"'{text.strip()}' has no host name; use an address like https://canvas.example.edu")
    if scheme == "http" and not _is_loopback(host):
        raise ValueError(
            "Canvas must be reached over https://: a plain http:// address would send your access token unencrypted"
        )
    if parts.username or parts.password:
        raise ValueError("Leave user names and passwords out of the address; use an access token instead")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"'{text.strip()}' has an invalid port number") from None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    path = parts.path.rstrip("/")
    for suffix in _API_SUFFIXES:
        if path.lower().endswith(suffix):
            path = path[: -len(suffix)].rstrip("/")
            break
    return urlunsplit((scheme, netloc, path, "", ""))


def same_origin(url_a: str, url_b: str) -> bool:
    """True when both URLs share scheme, host and port: only then may the token go along."""
    a, b = urlsplit(url_a), urlsplit(url_b)

    def origin(p: SplitResult) -> tuple[str, str, int | None]:
        default = {"http": 80, "https": 443}.get(p.scheme.lower())
        return (p.scheme.lower(), (p.hostname or "").lower(), p.port or default)

    return origin(a) == origin(b)
