"""The direct download path's pure parts (no sockets): which URLs it may take, the exact
request it sends (never a credential), how it reads a response head, its TLS settings.
The network behaviour is in tests/integration/test_client_rawget.py."""

from __future__ import annotations

import ssl

import httpx
import pytest

from desktop_app.canvas import rawget


def test_request_has_only_the_fixed_headers() -> None:
    url = httpx.URL("https://files.example.com/files/5/download?sig=a%2Fb&x=1")
    request = rawget._request_bytes(url, 0, "CanvasExportManager/1.0")
    head, _, rest = request.partition(b"\r\n\r\n")
    assert rest == b""
    lines = head.split(b"\r\n")
    assert lines[0] == b"GET /files/5/download?sig=a%2Fb&x=1 HTTP/1.1"
    names = [line.split(b":", 1)[0].lower() for line in lines[1:]]
    assert names == [b"host", b"user-agent", b"accept", b"accept-encoding", b"connection"]
    assert b"Host: files.example.com" in lines and b"Accept-Encoding: identity" in lines
    assert b"authorization" not in request.lower() and b"cookie" not in request.lower()


def test_request_asks_for_the_rest_when_resuming() -> None:
    request = rawget._request_bytes(httpx.URL("http://127.0.0.1:8080/p"), 5000, "UA")
    assert b"\r\nRange: bytes=5000-\r\n" in request
    assert b"\r\nHost: 127.0.0.1:8080\r\n" in request


def test_ipv6_and_international_hosts_are_written_as_on_the_wire() -> None:
    assert b"\r\nHost: [::1]:8080\r\n" in rawget._request_bytes(httpx.URL("http://[::1]:8080/p"), 0, "UA")
    request = rawget._request_bytes(httpx.URL("https://bücher.example/ä b"), 0, "UA")
    assert request.startswith(b"GET /%C3%A4%20b HTTP/1.1\r\n")
    assert b"\r\nHost: xn--bcher-kva.example\r\n" in request


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://files.example.com/x", True),
        ("http://127.0.0.1:9/x", True),
        ("https://user:secret@files.example.com/x", False),  # httpx would send Basic auth
        ("ftp://files.example.com/x", False),
    ],
)
def test_which_urls_may_go_direct(url: str, ok: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert rawget.direct_ok(httpx.URL(url)) is ok


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY"])
def test_a_proxy_setting_leaves_the_hop_to_httpx(variable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, "http://proxy.example:3128")
    assert not rawget.direct_ok(httpx.URL("https://files.example.com/x"))


def test_open_raw_declines_without_connecting_when_a_proxy_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    result = asyncio.run(
        rawget.open_raw(httpx.URL("http://127.0.0.1:9/x"), user_agent="UA", timeout=httpx.Timeout(1.0))
    )
    assert result is None


def test_head_parsing() -> None:
    version, status, reason, headers = rawget._parse_head(
        b"HTTP/1.1 206 Partial Content\r\nContent-Type: application/zip\r\nContent-Range: bytes 5-9/10\r\n"
        b"Content-Length:5\r\n\r\n"
    )
    assert (version, status, reason) == ("HTTP/1.1", 206, "Partial Content")
    assert headers == [
        (b"Content-Type", b"application/zip"),
        (b"Content-Range", b"bytes 5-9/10"),
        (b"Content-Length", b"5"),
    ]
    assert rawget._parse_head(b"HTTP/1.0 200\r\n\r\n")[:3] == ("HTTP/1.0", 200, "")


def test_malformed_status_line_is_a_protocol_error() -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        rawget._parse_head(b"ICY 200 OK\r\n\r\n")


def test_folded_or_odd_header_lines_are_left_to_httpx() -> None:
    with pytest.raises(rawget._Unsupported):
        rawget._parse_head(b"HTTP/1.1 200 OK\r\nX-A: 1\r\n continued\r\n\r\n")
    with pytest.raises(rawget._Unsupported):
        rawget._parse_head(b"HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n")


@pytest.mark.parametrize(
    ("values", "length"),
    [(["10"], 10), (["10", "10"], 10), (["10", "11"], None), (["-1"], None), (["ten"], None), ([], None)],
)
def test_content_length(values: list[str], length: int | None) -> None:
    headers = httpx.Headers([("Content-Length", v) for v in values])
    assert rawget._content_length(headers) == length


def test_tls_context_verifies_like_httpx() -> None:
    context = rawget.make_ssl_context()
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
