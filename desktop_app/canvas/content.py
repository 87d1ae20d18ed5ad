"""Where each selectable kind of content is listed, and which id Canvas expects back.

canvas-api.md section 10.2, as data: the endpoint and query per `SelectKey`, and a parser
that turns one JSON object into a `ContentItem` whose `id` is exactly what goes into
`select[key][]`. The traps this table avoids:

* pages are selected by numeric `page_id`, never by `url` (a slug is silently dropped);
* module items by the module item's own `id` (ContentTag id), not `content_id`;
* announcements come from `discussion_topics?only_announcements=true` (the
  announcements endpoint only returns a 14-day window);
* calendar events need `type=event&all_events=true` (else only today's).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

from .errors import ValidationError
from .fields import Fields
from .models import ContentItem, Context, ContextKind, SelectKey

log = logging.getLogger(__name__)

Params = list[tuple[str, str]]


@dataclass(frozen=True)
class Listing:
    """One list endpoint: path under /api/v1 and its query (per_page is added by the client)."""

    path: str
    params: Params


def _what(key: SelectKey) -> str:
    """How messages name one object of this kind: "an entry of the pages list"."""
    return f"an entry of the {key.label.lower()} list"


def _item(key: SelectKey, data: Any, *titles: str) -> tuple[Fields, int, str]:
    """The fields, the required `id` and the title (the first of `titles` given, else #id)."""
    f = Fields(data, _what(key))
    ident = f.id()
    return f, ident, f.text(*titles, default=f"#{ident}")


def _folder(data: Any) -> ContentItem:
    f, ident, title = _item(SelectKey.FOLDERS, data, "name", "full_name")
    return ContentItem(SelectKey.FOLDERS, ident, title, f.optional_id("parent_folder_id"))


def _file(data: Any) -> ContentItem:
    f, ident, title = _item(SelectKey.FILES, data, "display_name", "filename")
    return ContentItem(SelectKey.FILES, ident, title, f.optional_id("folder_id"), f.optional_count("size"))


def _page(data: Any) -> ContentItem | None:
    f = Fields(data, _what(SelectKey.PAGES))
    page_id = f.optional_id("page_id")
    if page_id is None:
        # Without page_id there is nothing Canvas would match; the url slug is dropped silently.
        log.warning("skipping a page without page_id")
        return None
    return ContentItem(SelectKey.PAGES, page_id, f.text("title", "url", default=f"#{page_id}"))


def _simple(key: SelectKey, *names: str) -> Callable[[Any], ContentItem]:
    def parse(data: Any) -> ContentItem:
        _, ident, title = _item(key, data, *names)
        return ContentItem(key, ident, title)

    return parse


def module_item(data: Any, module_id: int) -> ContentItem:
    """A module item: its own id (the ContentTag id), placed under its module."""
    f, ident, title = _item(SelectKey.MODULE_ITEMS, data, "title", "page_url")
    return ContentItem(SelectKey.MODULE_ITEMS, ident, title, f.optional_id("module_id") or module_id)


PARSERS: dict[SelectKey, Callable[[Any], ContentItem | None]] = {
    SelectKey.FOLDERS: _folder,
    SelectKey.FILES: _file,
    SelectKey.MODULES: _simple(SelectKey.MODULES, "name"),
    SelectKey.PAGES: _page,
    SelectKey.ASSIGNMENTS: _simple(SelectKey.ASSIGNMENTS, "name", "title"),
    SelectKey.QUIZZES: _simple(SelectKey.QUIZZES, "title"),
    SelectKey.ANNOUNCEMENTS: _simple(SelectKey.ANNOUNCEMENTS, "title"),
    SelectKey.DISCUSSION_TOPICS: _simple(SelectKey.DISCUSSION_TOPICS, "title"),
    SelectKey.CALENDAR_EVENTS: _simple(SelectKey.CALENDAR_EVENTS, "title"),
    SelectKey.RUBRICS: _simple(SelectKey.RUBRICS, "title"),
}
"""JSON object -> ContentItem per key. MODULE_ITEMS is listed per module, see `module_item`."""


def listing(ctx: Context, key: SelectKey) -> Listing:
    """The endpoint that lists `key` in `ctx`. Groups and users only have folders and files.

    For MODULE_ITEMS this is the module list; the client then lists each module's items.
    """
    if ctx.kind is not ContextKind.COURSE and key not in (SelectKey.FOLDERS, SelectKey.FILES):
        who = "A group" if ctx.kind is ContextKind.GROUP else "A user"
        raise ValidationError(f"{who} has only files and folders to export, not {key.label.lower()}.")
    base = ctx.api_path
    if key is SelectKey.FOLDERS:
        return Listing(f"{base}/folders", [])
    if key is SelectKey.FILES:
        return Listing(f"{base}/files", [])
    if key in (SelectKey.MODULES, SelectKey.MODULE_ITEMS):
        return Listing(f"{base}/modules", [])
    if key is SelectKey.PAGES:
        return Listing(f"{base}/pages", [])
    if key is SelectKey.ASSIGNMENTS:
        return Listing(f"{base}/assignments", [])
    if key is SelectKey.QUIZZES:
        return Listing(f"{base}/quizzes", [])
    if key is SelectKey.ANNOUNCEMENTS:
        return Listing(f"{base}/discussion_topics", [("only_announcements", "true")])
    if key is SelectKey.DISCUSSION_TOPICS:
        return Listing(f"{base}/discussion_topics", [])
    if key is SelectKey.CALENDAR_EVENTS:
        return Listing(
            "calendar_events",
            [("context_codes[]", f"course_{ctx.id}"), ("type", "event"), ("all_events", "true")],
        )
    if key is SelectKey.RUBRICS:
        return Listing(f"{base}/rubrics", [])
    raise ValidationError(f"'{key}' is not something an export can select.")  # pragma: no cover


def module_items_listing(ctx: Context, module_id: int) -> Listing:
    return Listing(f"{ctx.api_path}/modules/{module_id}/items", [])
