"""Parsing Canvas's `Link` pagination header (RFC 8288), robustly.

Canvas joins links with commas *without* spaces, puts opaque bookmark cursors
(`page=bookmark:WyJ...`) in the URLs, may omit `rel="last"`, and header-name case is
not guaranteed (canvas-api.md section 6). URLs are treated as opaque: we follow the
`next` URL exactly as given and never rebuild it from page numbers.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping, cast

# One link-value: <URI> followed by any number of ;-separated parameters. URIs cannot
# contain '>' and parameter values are either quoted strings or tokens, so a comma that
# separates two links can only appear outside <...> and outside quotes.
_LINK = re.compile(
    r"""<(?P<url>[^>]*)>                  # the target, opaque
        (?P<params>(?:\s*;\s*[^;,=\s]+\s*(?:=\s*(?:"(?:[^"\\]|\\.)*"|[^;,\s]*))?)*)""",
    re.VERBOSE,
)
_PARAM = re.compile(r"""\s*;\s*(?P<name>[^;,=\s]+)\s*(?:=\s*(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<token>[^;,\s]*)))?""")


def parse_link_header(values: str | Iterable[str] | None) -> dict[str, str]:
    """Map each rel to its URL. Several header lines may be given; the first of a rel wins.

    A rel parameter may list several space-separated relation types (`rel="next last"`).
    """
    if values is None:
        return {}
    if isinstance(values, str):
        values = [values]
    links: dict[str, str] = {}
    for value in values:
        for match in _LINK.finditer(value):
            url = match.group("url").strip()
            for param in _PARAM.finditer(match.group("params")):
                if param.group("name").lower() != "rel":
                    continue
                rel_text = param.group("quoted")
                if rel_text is None:
                    rel_text = param.group("token") or ""
                for rel in rel_text.lower().split():
                    links.setdefault(rel, url)
    return links


def page_links(headers: Mapping[str, str] | object) -> dict[str, str]:
    """Each rel of the response's Link header(s) and its URL: `next` (absent on the last
    page) and `current`, the name Canvas gives the page just read.

    Accepts an `httpx.Headers` (case-insensitive, may hold several Link lines) or any
    mapping, whose keys are compared case-insensitively.
    """
    get_list = getattr(headers, "get_list", None)
    if callable(get_list):
        values = list(get_list("link"))
    else:
        items = cast(Mapping[str, str], headers)  # not httpx.Headers: a mapping, per the docstring
        values = [v for k, v in items.items() if k.lower() == "link"]
    return {rel: url for rel, url in parse_link_header(values).items() if url}
