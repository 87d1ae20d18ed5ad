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
from typing import Any, Callable, Mapping

from .errors import ValidationError
from .models import ContentItem, Context, ContextKind, SelectKey

log = logging.getLogger(__name__)

Params = list[tuple[str, str]]


@dataclass(frozen=True)
class Listing:
    """One list endpoint: path under /api/v1 and its query (per_page is added by the client)."""

    path: str
    params: Params


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _title(data: Mapping[str, Any], *names: str) -> str:
    for name in names:
        value = data.get(name)
        if value:
            return str(value)
    return f"#{data.get('id')}"


def _folder(data: Mapping[str, Any]) -> ContentItem:
    return ContentItem(
        SelectKey.FOLDERS, int(data["id"]), _title(data, "name", "full_name"), _int_or_none(data.get("parent_folder_id"))
    )


def _file(data: Mapping[str, Any]) -> ContentItem:
    return ContentItem(
        SelectKey.FILES,
        int(data["id"]),
        _title(data, "display_name", "filename"),
        _int_or_none(data.get("folder_id")),
        _int_or_none(data.get("size")),
    )


def _page(data: Mapping[str, Any]) -> ContentItem | None:
    page_id = _int_or_none(data.get("page_id"))
    if page_id is None:
        # Without page_id there is nothing Canvas would match; the url slug is dropped silently.
        log.warning("skipping a page without page_id (%s)", data.get("url"))
        return None
    return ContentItem(SelectKey.PAGES, page_id, _title(data, "title", "url"))


def _simple(key: SelectKey, *names: str) -> Callable[[Mapping[str, Any]], ContentItem]:
    def parse(data: Mapping[str, Any]) -> ContentItem:
        return ContentItem(key, int(data["id"]), _title(data, *names))

    return parse


def module_item(data: Mapping[str, Any], module_id: int) -> ContentItem:
    """A module item: its own id (the ContentTag id), placed under its module."""
    return ContentItem(
        SelectKey.MODULE_ITEMS,
        int(data["id"]),
        _title(data, "title", "page_url"),
        _int_or_none(data.get("module_id")) or module_id,
    )


PARSERS: dict[SelectKey, Callable[[Mapping[str, Any]], ContentItem | None]] = {
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
