"""Search over a package's titles and text.

Titles are searchable at once; the text of pages, assignments, discussions, quizzes and
events is read by `index_texts` (a second reader, in zip order so the disk reads forward),
in the background in the app. A query matches an item when every word of it appears in
its title or text, case-insensitively.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import attrgetter

from desktop_app.canvas.errors import CorruptPackageError
from desktop_app.package.cartridge import Contents, Item
from desktop_app.package.reader import PackageReader
from desktop_app.package.render import render_item
from desktop_app.package.xmlutil import XmlError

TEXT_KINDS = {
    "pages",
    "assignments",
    "discussion_topics",
    "announcements",
    "quizzes",
    "question_banks",
    "calendar_events",
    "rubrics",
    "web_links",
    "external_tools",
}
MAX_INDEXED_TEXT = 64 << 10
"""Characters of one item's text kept for search: a page's words, not a novel."""


def index_texts(reader: PackageReader, contents: Contents) -> Iterator[tuple[str, str, str]]:
    """(key, real title, text) for every item with text, in the order the zip stores them."""
    items = [i for i in contents.items.values() if i.kind in TEXT_KINDS and not i.missing]
    offsets = {name: entry.offset for name, entry in reader.entries.items()}
    items.sort(key=lambda i: offsets.get(i.href or "", 0))
    for item in items:
        try:
            rendered = render_item(reader, contents, item)
        except (CorruptPackageError, XmlError):
            continue
        yield item.key, rendered.title or item.title, rendered.text[:MAX_INDEXED_TEXT]


class SearchIndex:
    def __init__(self, contents: Contents) -> None:
        self._titles = {item.key: item.title.casefold() for item in contents.items.values()}
        self._texts: dict[str, str] = {}

    def add(self, key: str, title: str, text: str) -> None:
        self._titles[key] = title.casefold()
        self._texts[key] = text.casefold()

    @property
    def indexed(self) -> int:
        return len(self._texts)

    def search(self, query: str) -> set[str]:
        words = query.casefold().split()
        if not words:
            return set(self._titles)
        texts = self._texts
        found = set()
        for key, title in self._titles.items():
            text = texts.get(key, "")
            if all(w in title or w in text for w in words):
                found.add(key)
        return found


__all__ = ["SearchIndex", "index_texts", "Item", "attrgetter"]
