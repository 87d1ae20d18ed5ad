"""The `select` hash: parsed the way Canvas parses it (canvas-api.md §2.3), then resolved
into what each export type really puts in its package.

Canvas never rejects a selection: unknown keys, bare ids in the hash form and page slugs
simply match nothing. The simulator does the same, so a client that encodes `select`
wrongly gets a package without the item, exactly as it would from a real Canvas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from .data import ITEM_KIND, Content, Ctx, File, Folder, Module, ModuleItem, SampleData

ALIASES = {"modules": "context_modules", "module_items": "content_tags", "pages": "wiki_pages", "files": "attachments"}
_TRUE = {"1", "true", "t", "yes", "y", "on"}
_CC_KINDS = ("wiki_pages", "assignments", "quizzes", "discussion_topics", "calendar_events", "rubrics")


class MalformedSelect(ValueError):
    """`select` was a scalar, not a hash: Canvas fails inside `to_unsafe_h` (a 500)."""


def truthy(value: Any) -> bool:
    """Canvas's `value_to_boolean`."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _TRUE


def asset_prefix(collection: str) -> str:
    if collection == "quizzes":
        return "quizzes:quiz"
    if collection == "announcements":
        return "discussion_topic"
    return collection[:-1] if collection.endswith("s") else collection


def nest_form(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Rack-style nesting: `select[files][]=1` -> {"select": {"files": ["1"]}}."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = re.fullmatch(r"([^\[\]]+)((?:\[[^\[\]]*\])*)", key)
        if not match:
            continue
        names = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = root
        for index, name in enumerate(names):
            if index == len(names) - 1:
                node[name] = value
            elif names[index + 1] == "":
                if not isinstance(node.get(name), list):
                    node[name] = []
                node[name].append(value)
                break
            else:
                if not isinstance(node.get(name), dict):
                    node[name] = {}
                node = node[name]
    return root


@dataclass(frozen=True)
class Selection:
    """`selected_content` after Canvas's processing: aliased collection -> asset strings,
    plus the scalar `all_*` flags. `everything` means "not selective"."""

    everything: bool = True
    flags: frozenset[str] = frozenset()
    assets: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Any) -> "Selection":
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise MalformedSelect("select must be a hash")
        flags: set[str] = set()
        assets: dict[str, set[str]] = {}
        everything = False
        for key, value in raw.items():
            collection = ALIASES.get(str(key), str(key))
            if isinstance(value, list):
                assets.setdefault(collection, set()).update(f"{asset_prefix(collection)}_{v}" for v in value)
            elif isinstance(value, dict):
                assets.setdefault(collection, set()).update(str(k) for k, v in value.items() if truthy(v))
            elif collection == "everything":
                everything = truthy(value)
            elif truthy(value):
                flags.add(collection)
        return cls(everything, frozenset(flags), {k: frozenset(v) for k, v in assets.items()})

    def has(self, collection: str, asset: str) -> bool:
        return asset in self.assets.get(collection, ())

    def wants(self, collection: str, asset: str) -> bool:
        return self.everything or f"all_{collection}" in self.flags or self.has(collection, asset)


@dataclass
class CCPlan:
    """What a Common Cartridge holds: content objects, files, module structure, web links."""

    course_settings: bool = False
    content: list[Content] = field(default_factory=list)
    files: list[File] = field(default_factory=list)
    modules: list[tuple[Module, list[ModuleItem]]] = field(default_factory=list)
    weblinks: list[ModuleItem] = field(default_factory=list)

    @property
    def has_quizzes(self) -> bool:
        return any(c.kind == "quizzes" for c in self.content)


def plan_cc(data: SampleData, course_id: int, sel: Selection) -> CCPlan:
    plan = CCPlan(course_settings=sel.everything or "all_course_settings" in sel.flags)
    chosen: set[int] = set()
    for kind in _CC_KINDS:
        for obj in data.of_kind(kind, course_id):
            if obj.is_announcement:
                picked = (
                    sel.everything
                    or "all_announcements" in sel.flags
                    or sel.has("announcements", obj.asset_string)
                    or sel.has("discussion_topics", obj.asset_string)
                )
            else:
                picked = sel.wants(kind, obj.asset_string)
            if picked:
                chosen.add(obj.id)
    files = {
        f.id
        for f in data.files.values()
        if f.context == ("course", course_id) and sel.wants("attachments", f"attachment_{f.id}")
    }
    for module in sorted((m for m in data.modules.values() if m.course_id == course_id), key=lambda m: m.position):
        whole = sel.wants("context_modules", f"context_module_{module.id}")
        items = [data.module_items[i] for i in module.item_ids if whole or sel.has("content_tags", f"content_tag_{i}")]
        if not items and not whole:
            continue
        plan.modules.append((module, items))
        for item in items:  # a selected module or item brings its content along
            if item.type == "File" and item.content_id:
                files.add(item.content_id)
            elif item.type in ITEM_KIND and item.content_id:
                chosen.add(item.content_id)
            elif item.type == "ExternalUrl":
                plan.weblinks.append(item)
    plan.content = [data.content[i] for i in sorted(chosen, key=lambda i: (_CC_KINDS.index(data.content[i].kind), i))]
    plan.files = [data.files[i] for i in sorted(files)]
    return plan


def plan_qti(data: SampleData, course_id: int, sel: Selection) -> list[Content]:
    everything = sel.everything or "all_quizzes" in sel.flags
    return [q for q in data.of_kind("quizzes", course_id) if everything or sel.has("quizzes", q.asset_string)]


@dataclass
class ZipPlan:
    name: str  # "<common folder>_export.zip"
    entries: list[tuple[str, File | None]]  # path in the zip; None marks a directory entry


def plan_zip(data: SampleData, ctx: Ctx, sel: Selection, include_hidden: bool) -> ZipPlan | None:
    """None when the selection names no valid folder or file: the export then fails."""

    def ok_folder(folder: Folder | None) -> bool:
        return folder is not None and folder.context == ctx and (include_hidden or not data.folder_hidden(folder.id))

    def ok_file(file: File | None) -> bool:
        return file is not None and file.context == ctx and (include_hidden or not data.file_hidden(file))

    def ids(collection: str) -> list[int]:
        prefix = asset_prefix(collection) + "_"
        return [int(a[len(prefix) :]) for a in sel.assets.get(collection, ()) if a[len(prefix) :].isdigit()]

    if sel.everything or "all_attachments" in sel.flags:
        folders, files = [data.root_folder(ctx)], []
    else:
        folders = [f for f in (data.folders.get(i) for i in ids("folders")) if ok_folder(f)]
        files = [f for f in (data.files.get(i) for i in ids("attachments")) if ok_file(f)]
    if not folders and not files:
        return None

    def chain(folder_id: int | None) -> list[int]:
        path: list[int] = []
        while folder_id is not None:
            path.insert(0, folder_id)
            folder_id = data.folders[folder_id].parent_id
        return path

    chains = [chain(f.id) for f in folders] + [chain(f.folder_id) for f in files]
    common = chains[0]
    for other in chains[1:]:
        n = 0
        while n < min(len(common), len(other)) and common[n] == other[n]:
            n += 1
        common = common[:n]
    base = data.folders[common[-1]]

    def rel(folder: Folder) -> str:
        return folder.full_name[len(base.full_name) :].lstrip("/")

    entries: dict[str, File | None] = {}
    for top in folders:
        for folder in data.folder_tree(top.id):
            if not ok_folder(folder):
                continue
            if rel(folder):
                entries.setdefault(rel(folder) + "/", None)
            for file in data.folder_files(folder.id):
                if ok_file(file):
                    entries[f"{rel(folder)}/{file.display_name}".lstrip("/")] = file
    for file in files:
        entries[f"{rel(data.folders[file.folder_id])}/{file.display_name}".lstrip("/")] = file
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", base.name) + "_export.zip"
    return ZipPlan(name, sorted(entries.items(), key=lambda kv: kv[0]))
