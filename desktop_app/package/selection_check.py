"""Did the selection land? A job's recorded selection against what its package holds.

A job records what was asked for as Canvas ids per select key (`{"pages": [401, 402]}`).
A cartridge names what it holds by identifiers Canvas derives from those ids:

- Canvas: `i` + md5 of the object's asset string (`md5("wiki_page_3603")`);
- a Canvas with global identifiers: `g` + md5 of the global asset string, whose id is the
  shard's id times 10**13 plus the local id; the shard is found once, by trying the ids
  it can be (bounded: `MAX_SHARD`);
- this app's demo Canvas: the asset string itself (`wiki_page_401`).

Each selected object is looked for by identifier first. When a kind's identifiers match
nothing (a package from elsewhere, or renamed ids), it is matched by title when the
caller knows the titles, else by kind and count, and the check says which it used.
A files zip names no ids, so a zip export's selection is reported as not checkable.
An empty selection means "everything": there is nothing to compare.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.package.cartridge import KIND_LABEL, SINGULAR, Contents

MAX_SHARD = 20_000
"""Shard ids tried when a package uses global identifiers: md5 is ~1 us, so at most a few
tens of milliseconds for the first id, then the shard is known."""
_GLOBAL = 10**13

_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # select key: (asset string prefixes, package kinds)
    "pages": (("wiki_page",), ("pages",)),
    "assignments": (("assignment",), ("assignments",)),
    "quizzes": (("quiz", "quizzes:quiz"), ("quizzes",)),
    "discussion_topics": (("discussion_topic",), ("discussion_topics", "announcements")),
    "announcements": (("discussion_topic", "announcement"), ("announcements", "discussion_topics")),
    "calendar_events": (("calendar_event",), ("calendar_events",)),
    "rubrics": (("rubric",), ("rubrics",)),
    "files": (("attachment",), ("files",)),
    "modules": (("context_module",), ()),
    "module_items": (("content_tag",), ()),
}
_ORDER = [
    "modules",
    "module_items",
    "pages",
    "assignments",
    "quizzes",
    "discussion_topics",
    "announcements",
    "calendar_events",
    "rubrics",
    "files",
    "folders",
]
_NOTES = {
    "quizzes": "New Quizzes are exported by their own tool",
    "files": "files a student may not see are left out of a student's export",
}


@dataclass
class KindCheck:
    key: str  # the select key
    asked: int
    found: int
    missing: list[str] = field(default_factory=list)  # 'Final exam' or "quiz 903"
    method: str = "identifier"  # identifier | title | kind | unchecked

    @property
    def label(self) -> str:
        plural = {"modules": "modules", "module_items": "module items", "folders": "folders"}.get(self.key)
        return plural or KIND_LABEL.get(self.key, self.key).lower()

    def text(self) -> str:
        if self.method == "unchecked":
            return f"{self.asked} {self.label} (not checkable in a files zip)"
        line = f"{self.found} of {self.asked} {self.label}"
        if self.missing:
            shown = ", ".join(self.missing[:5]) + (
                f" and {len(self.missing) - 5} more" if len(self.missing) > 5 else ""
            )
            line += f": missing {shown}"
            if self.key in _NOTES:
                line += f" ({_NOTES[self.key]})"
        if self.method == "title":
            line += " [matched by title]"
        elif self.method == "kind":
            line += " [matched by kind and count only: the package's identifiers are not Canvas's ids]"
        return line


@dataclass
class SelectionCheck:
    everything: bool
    kinds: list[KindCheck] = field(default_factory=list)
    job_id: int | None = None

    @property
    def ok(self) -> bool:
        return all(k.found >= k.asked or k.method == "unchecked" for k in self.kinds)

    def summary(self) -> str:
        if self.everything:
            return "Everything was selected: nothing to compare."
        checked = [k for k in self.kinds]
        return ", ".join(k.text() for k in checked) if checked else "Nothing was selected."

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "everything": self.everything,
            "ok": self.ok,
            "summary": self.summary(),
            "kinds": [
                {"key": k.key, "asked": k.asked, "found": k.found, "missing": k.missing, "method": k.method}
                for k in self.kinds
            ],
        }


def md5_key(prefix: str, asset: str) -> str:
    return prefix + hashlib.md5(asset.encode()).hexdigest()


class _Identifiers:
    """Every identifier the package uses, and the shard of its global identifiers."""

    def __init__(self, contents: Contents) -> None:
        self.all: set[str] = set(contents.resource_ids)
        self.all.update(item.identifier for item in contents.items.values() if item.identifier)
        self.org: dict[str, str] = {}  # module and module item identifiers -> title
        self.ref_titles: dict[str, str] = {}  # identifierref -> a module item's title
        for module in contents.modules:
            self.org[module.identifier] = module.title
            for entry in module.entries:
                self.org[entry.identifier] = entry.title
                if entry.ref and entry.title:
                    self.ref_titles.setdefault(entry.ref, entry.title)
        self.all.update(self.org)
        self.has_global = any(len(i) == 33 and i[0] == "g" for i in self.all)
        self._shard: int | None = None
        self._shard_tried = False

    def candidates(self, prefixes: Sequence[str], object_id: int) -> list[str]:
        out = []
        for prefix in prefixes:
            asset = f"{prefix}_{object_id}"
            out += [asset, md5_key("i", asset), md5_key("g", asset)]
            if self._shard is not None and object_id < _GLOBAL:
                out.append(md5_key("g", f"{prefix}_{self._shard * _GLOBAL + object_id}"))
        return out

    def find(self, prefixes: Sequence[str], object_id: int) -> str | None:
        for candidate in self.candidates(prefixes, object_id):
            if candidate in self.all:
                return candidate
        if self.has_global and not self._shard_tried and object_id < _GLOBAL:
            self._shard_tried = True
            for shard in range(1, MAX_SHARD + 1):
                for prefix in prefixes:
                    if md5_key("g", f"{prefix}_{shard * _GLOBAL + object_id}") in self.all:
                        self._shard = shard
                        return self.find(prefixes, object_id)
        return None

    def hint(self, prefixes: Sequence[str], object_id: int) -> str | None:
        """A title for a missing object, from a module item that pointed at it."""
        return next((self.ref_titles[c] for c in self.candidates(prefixes, object_id) if c in self.ref_titles), None)


def check_selection(
    contents: Contents,
    selection: Mapping[str, Iterable[int]],
    *,
    export_type: str = "common_cartridge",
    titles: Mapping[str, Mapping[int, str]] | None = None,
    job_id: int | None = None,
) -> SelectionCheck:
    """`selection`: select key -> Canvas ids, as a job records it. `titles` (optional):
    select key -> id -> title, for matching a package that uses other identifiers."""
    wanted = {key: list(dict.fromkeys(int(i) for i in ids)) for key, ids in selection.items() if ids}
    result = SelectionCheck(everything=not wanted, job_id=job_id)
    if not wanted:
        return result
    ids = _Identifiers(contents)
    titles = titles or {}
    for key in sorted(wanted, key=lambda k: _ORDER.index(k) if k in _ORDER else 99):
        asked = wanted[key]
        if export_type == "zip" or contents.format == "files" or key not in _KEYS:
            result.kinds.append(KindCheck(key, len(asked), 0, method="unchecked"))
            continue
        prefixes, kinds = _KEYS[key]
        found = {object_id: ids.find(prefixes, object_id) for object_id in asked}
        hits = [i for i, ident in found.items() if ident]
        check = KindCheck(key, len(asked), len(hits))
        if not hits and kinds:
            pool = [item for item in contents.items.values() if item.kind in kinds]
            named = titles.get(key, {})
            if named:
                present = {item.title.casefold() for item in pool}
                hits = [i for i in asked if named.get(i, "").casefold() in present and named.get(i)]
                check.method, check.found = "title", len(hits)
            elif pool and not any(ident in ids.all for ident in _simple_ids(pool)):
                hits = asked[: len(pool)]
                check.method, check.found = "kind", len(hits)
        for object_id in asked:
            if object_id not in hits:
                title = titles.get(key, {}).get(object_id) or ids.hint(prefixes, object_id)
                check.missing.append(f"'{title}'" if title else f"{SINGULAR.get(key, key.rstrip('s'))} {object_id}")
        result.kinds.append(check)
    return result


def _simple_ids(pool: list) -> list[str]:  # type: ignore[type-arg]
    """Identifiers Canvas (or the demo) would have written for these kinds: used to tell
    'a package from this Canvas that lacks the objects' from 'a package naming things
    its own way', where only kind and count can be compared."""
    return [item.identifier for item in pool if _looks_canvas(item.identifier)]


def _looks_canvas(identifier: str) -> bool:
    if len(identifier) == 33 and identifier[0] in "ig":
        return all(c in "0123456789abcdef" for c in identifier[1:])
    head, _, tail = identifier.rpartition("_")
    return bool(head) and tail.isdigit()


def find_job(jobs: Iterable[Any], path: Path, sha256: Callable[[Path], str]) -> Any | None:
    """The job that saved `path`: by saved path, else (for a copy or a moved file) by its
    SHA-256, computed only when a job of the same size has one."""
    try:
        real = path.resolve()
        size = path.stat().st_size
    except OSError:
        return None
    jobs = list(jobs)
    for job in jobs:
        saved = getattr(job, "saved_path", None)
        if saved is not None:
            try:
                if Path(saved).resolve() == real:
                    return job
            except OSError:
                continue
    same_size = [job for job in jobs if getattr(job, "sha256", None) and getattr(job, "size", None) == size]
    if not same_size:
        return None
    digest = sha256(path)
    return next((job for job in same_size if job.sha256 == digest), None)
