"""Link header parsing (desktop_app/canvas/links.py) on the shapes real Canvas sends."""

from __future__ import annotations

import httpx

from desktop_app.canvas.links import page_links, parse_link_header

BASE = "https://canvas.example.edu/api/v1/courses/123/content_exports"


def test_canvas_numbered_links_joined_without_spaces() -> None:
    header = (
        f'<{BASE}?page=1&per_page=10>; rel="current",<{BASE}?page=2&per_page=10>; rel="next",'
        f'<{BASE}?page=1&per_page=10>; rel="first",<{BASE}?page=3&per_page=10>; rel="last"'
    )
    links = parse_link_header(header)
    assert links["next"] == f"{BASE}?page=2&per_page=10"
    assert links["last"] == f"{BASE}?page=3&per_page=10"
    assert links["current"] == f"{BASE}?page=1&per_page=10"


def test_bookmark_cursor_is_kept_opaque() -> None:
    cursor = "bookmark:WyJjbHVzdGVyMSIsMTIzNDUsIjIwMjUtMDEtMDEiXQ=="
    header = (
        f'<{BASE}?start_time=2025-01-01T00:00:00Z&page=first&per_page=2>; rel="current",'
        f'<{BASE}?start_time=2025-01-01T00:00:00Z&page={cursor}&per_page=2>; rel="next",'
        f'<{BASE}?page=first&per_page=2>; rel="first"'
    )
    assert parse_link_header(header)["next"] == f"{BASE}?start_time=2025-01-01T00:00:00Z&page={cursor}&per_page=2"


def test_spaces_unquoted_rel_and_other_params() -> None:
    header = f'< {BASE}?page=2 > ; title="a, b; c" ; rel=next , <{BASE}?page=9>;rel="last"'
    links = parse_link_header(header)
    assert links["next"] == f"{BASE}?page=2"
    assert links["last"] == f"{BASE}?page=9"


def test_multiple_rels_in_one_param_and_case() -> None:
    links = parse_link_header(f'<{BASE}?page=2>; REL="Next Last"')
    assert links["next"] == links["last"] == f"{BASE}?page=2"


def test_commas_inside_urls_do_not_split_links() -> None:
    url = f"{BASE}?include[]=a,b&page=2"
    assert parse_link_header(f'<{BASE}?page=1>; rel="current",<{url}>; rel="next"')["next"] == url


def test_no_next_on_last_page_and_empty_header() -> None:
    assert "next" not in parse_link_header(f'<{BASE}?page=3>; rel="current",<{BASE}?page=1>; rel="first"')
    assert parse_link_header("") == {}
    assert parse_link_header(None) == {}
    assert parse_link_header("garbage without brackets") == {}


def test_page_links_read_the_header_case_insensitively_and_across_lines() -> None:
    headers = httpx.Headers([("LINK", f'<{BASE}?page=1>; rel="current"'), ("link", f'<{BASE}?page=2>; rel="next"')])
    assert page_links(headers)["next"] == f"{BASE}?page=2"
    assert page_links({"lInK": f'<{BASE}?page=5>; rel="next"'}) == {"next": f"{BASE}?page=5"}
    assert page_links(httpx.Headers({"content-type": "application/json"})) == {}
