"""What a package holds, as Canvas organised it: a typed model read from imsmanifest.xml.

Only the central directory and the manifest are read to build it (plus the few small
files that decide a kind: an announcement's meta, the course's events and rubrics lists),
so a package of 20,000 files opens in well under a second; the titles and text of pages,
assignments and quizzes are read afterwards (`details.py`, in the background in the app).

How Canvas writes a cartridge (and how Instructure's common-cartridge-viewer reads one):

| resource type | kind |
|---|---|
| `webcontent`, href under `wiki_content/` | page |
| `webcontent`, anything else (`web_resources/…`) | file |
| `associatedcontent/imscc_xmlv1p1/learning-application-resource` with an `assignment_settings.xml` | assignment |
| the same, under `course_settings/` | course settings: `events.xml` (every calendar event), `rubrics.xml` (every rubric), `external_tools.xml` (older exports: every external tool); this app's demo writes one file per event or rubric |
| the same, anything else (`non_cc_assessments/…`, a topic's meta) | a dependency, not listed |
| `imsdt_xmlv1p1` (v1p3) | discussion, or announcement when its meta says `<type>announcement</type>` |
| `imsqti_xmlv1p2/imscc_xmlv1p1/assessment`, `imsqti_xmlv1p2` (a QTI zip) | quiz |
| `imsqti_xmlv1p2/imscc_xmlv1p1/question-bank` | question bank |
| `imswl_xmlv1p1` (v1p3) | web link |
| `imsbasiclti_xmlv1p0` | external tool |

Modules come from the manifest's organization: Canvas writes one root item
(`LearningModules`) whose children are the modules, each holding its items in order; an
item without `identifierref` is a text header. A files zip has no manifest: every entry is
a file. A manifest that names files the zip lacks, or items that point nowhere, is
reported in `problems`, never a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from desktop_app.canvas.errors import CorruptPackageError
from desktop_app.engine.verify import MAX_MANIFEST_BYTES
from desktop_app.package import xmlutil as x
from desktop_app.package.reader import PackageReader

MANIFEST = "imsmanifest.xml"
META_LIMIT = 256 << 10
"""The most read of a small file that decides a kind (a topic's meta, events.xml)."""
MAX_PROBLEMS = 200
"""Problems listed one by one; more are counted."""
MAX_FOLDER_DEPTH = 64
"""Folders nested deeper than this (a course has a handful; a hostile zip thousands, which
would exhaust Python's recursion walking the tree) are listed in the 64th: a problem."""

KINDS: tuple[tuple[str, str], ...] = (
    ("pages", "Pages"),
    ("assignments", "Assignments"),
    ("quizzes", "Quizzes"),
    ("discussion_topics", "Discussions"),
    ("announcements", "Announcements"),
    ("calendar_events", "Calendar events"),
    ("rubrics", "Rubrics"),
    ("files", "Files"),
    ("web_links", "Web links"),
    ("external_tools", "External tools"),
    ("question_banks", "Question banks"),
    ("other", "Other resources"),
)
KIND_LABEL = dict(KINDS)
SINGULAR = {
    "pages": "page",
    "assignments": "assignment",
    "quizzes": "quiz",
    "discussion_topics": "discussion",
    "announcements": "announcement",
    "calendar_events": "calendar event",
    "rubrics": "rubric",
    "files": "file",
    "web_links": "web link",
    "external_tools": "external tool",
    "question_banks": "question bank",
    "other": "resource",
    "modules": "module",
    "module_items": "module item",
    "folders": "folder",
}

_LEARNING_APP = "learning-application-resource"
LISTED_PREFIXES = ("event:", "rubric:", "tool:")
"""Keys of items that are one element of a course_settings list (`_find` in render.py)."""
_LISTS = {  # Canvas's course_settings files that list many items: (kind, element names, key prefix)
    "course_settings/events.xml": ("calendar_events", {"event"}, "event"),
    "course_settings/rubrics.xml": ("rubrics", {"rubric"}, "rubric"),
    "course_settings/external_tools.xml": ("external_tools", {"externalTool", "external_tool"}, "tool"),
}
_ANNOUNCEMENT = re.compile(rb"<(?:\w+:)?type>\s*announcement\s*</", re.I)


@dataclass
class Item:
    """One thing the package holds. `key` is unique in the package; `identifier` is the
    manifest's (for events and rubrics, their identifier inside course_settings)."""

    key: str
    kind: str
    title: str
    identifier: str = ""
    href: str | None = None  # the entry that shows it
    files: tuple[str, ...] = ()  # every entry that belongs to it
    size: int = 0
    title_known: bool = True  # False: guessed from a file name until details are read
    missing: bool = False  # the manifest names its file, the zip lacks it
    depends: tuple[str, ...] = ()  # identifiers of dependency resources


@dataclass
class ModuleEntry:
    title: str
    identifier: str
    ref: str = ""  # identifierref; "" for a text header
    item_key: str | None = None  # the Item it shows, when the package holds it
    depth: int = 0


@dataclass
class Module:
    title: str
    identifier: str
    entries: list[ModuleEntry] = field(default_factory=list)


@dataclass
class Folder:
    name: str
    path: str  # "" for the root, else "a/b"
    folders: dict[str, "Folder"] = field(default_factory=dict)
    files: list[Item] = field(default_factory=list)
    size: int = 0  # of everything below
    count: int = 0  # files below

    def walk_files(self):  # type: ignore[no-untyped-def]
        yield from self.files
        for sub in self.folders.values():
            yield from sub.walk_files()


@dataclass
class Contents:
    format: str  # "common_cartridge" | "qti" | "files"
    title: str
    items: dict[str, Item] = field(default_factory=dict)
    modules: list[Module] = field(default_factory=list)
    files_root: Folder = field(default_factory=lambda: Folder("", ""))
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    resource_ids: set[str] = field(default_factory=set)  # every manifest resource identifier
    schema: str = ""

    def of_kind(self, kind: str) -> list[Item]:
        return [item for item in self.items.values() if item.kind == kind]

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for item in self.items.values():
            found[item.kind] = found.get(item.kind, 0) + 1
        return {kind: found[kind] for kind, _ in KINDS if found.get(kind)}

    def problem(self, text: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)

    def by_identifier(self, identifier: str) -> Item | None:
        return self._ids().get(identifier)

    def _ids(self) -> dict[str, Item]:
        cache = self.__dict__.get("_id_cache")
        if cache is None or len(cache) < len(self.items) // 2:
            cache = {item.identifier: item for item in self.items.values() if item.identifier}
            self.__dict__["_id_cache"] = cache
        return cache


def read_contents(reader: PackageReader) -> Contents:
    """The package's contents from its central directory and manifest."""
    manifest = reader.entry(MANIFEST)
    if manifest is None:
        contents = _files_zip(reader)
    else:
        if manifest.size > MAX_MANIFEST_BYTES:
            raise CorruptPackageError(
                f"The package is not a valid export: its imsmanifest.xml declares {manifest.size:,} bytes, "
                f"more than the {MAX_MANIFEST_BYTES:,} a manifest can need.",
                detail=f"{manifest.size}",
            )
        try:
            root = x.parse(reader.read(manifest, MAX_MANIFEST_BYTES), "imsmanifest.xml")
        except x.XmlError as err:
            raise CorruptPackageError(f"The package is not a valid export: {err}.", detail=str(err)) from err
        if x.local(root.tag) != "manifest":
            raise CorruptPackageError(
                "The package is not a valid export: imsmanifest.xml is not a manifest.", detail=str(root.tag)
            )
        contents = _Cartridge(reader, root).build()
    for name_problem in reader.problems:
        contents.problem(f"'{name_problem.name}': {name_problem.reason}.")
    return contents


def _files_zip(reader: PackageReader) -> Contents:
    contents = Contents("files", reader.path.stem)
    for entry in reader.files():
        key = "file:" + entry.name
        item = Item(
            key,
            "files",
            PurePosixPath(entry.name.replace("\\", "/")).name or entry.name,
            href=entry.name,
            files=(entry.name,),
            size=entry.size,
        )
        contents.items[key] = item
        _add_to_tree(contents, _tree_parts(entry.name), item)
    _sum_tree(contents.files_root)
    return contents


def _tree_parts(path: str) -> list[str]:
    """The folder parts of an entry name, kept inside the package's tree (safe_parts).
    Files share few folders: each folder's parts are worked out once (`_folder_parts`),
    which matters for 20,000 files (measured: a third of the time to list them)."""
    folder, _, last = path.replace("\\", "/").rpartition("/")
    if last in ("", ".", ".."):  # not a plain file name: let safe_parts decide on the whole
        from desktop_app.package.reader import safe_parts

        return list(safe_parts(path)[0][:-1])
    return list(_folder_parts(folder))


@lru_cache(maxsize=4096)
def _folder_parts(folder: str) -> tuple[str, ...]:
    from desktop_app.package.reader import safe_parts

    return safe_parts(folder + "/_")[0][:-1]


def _add_to_tree(contents: Contents, parts: list[str], item: Item) -> None:
    if len(parts) > MAX_FOLDER_DEPTH:
        contents.problem(
            f"'{item.href or item.title}': more than {MAX_FOLDER_DEPTH} folders deep; listed in the {MAX_FOLDER_DEPTH}th."
        )
        parts = parts[:MAX_FOLDER_DEPTH]
    folder = contents.files_root
    for part in parts:
        sub = folder.folders.get(part)
        if sub is None:
            sub = folder.folders[part] = Folder(part, f"{folder.path}/{part}".lstrip("/"))
        folder = sub
    folder.files.append(item)


def _sum_tree(folder: Folder) -> tuple[int, int]:
    size, count = sum(f.size for f in folder.files), len(folder.files)
    for sub in folder.folders.values():
        s, c = _sum_tree(sub)
        size, count = size + s, count + c
    folder.size, folder.count = size, count
    return size, count


def entry_name(href: str) -> str:
    """A manifest href as a zip entry name: relative, URL-decoded (`%20`)."""
    return unquote(href.split("#", 1)[0].split("?", 1)[0]).lstrip("/") if href else ""


def guess_title(path: str) -> str:
    stem = PurePosixPath(path).stem
    words = re.sub(r"[-_]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else path


@dataclass
class _Resource:
    identifier: str
    type: str
    href: str
    files: list[str]
    depends: list[str]


class _Cartridge:
    def __init__(self, reader: PackageReader, root: Element) -> None:
        self.reader = reader
        self.root = root
        metadata = x.child(root, "metadata")
        self.schema = x.text(metadata, "schema")
        title = x.text(metadata, "lom", "general", "title", "string") or x.text(metadata, "lom", "general", "title")
        self.contents = Contents("common_cartridge", title or reader.path.stem, schema=self.schema)
        self.resources: dict[str, _Resource] = {}
        self.module_titles: dict[str, str] = {}  # identifierref -> a module item's title

    def build(self) -> Contents:
        c = self.contents
        resources = x.child(self.root, "resources")
        for node in x.children(resources, "resource") if resources is not None else ():
            ident = node.get("identifier") or ""
            if not ident:
                c.problem("A resource without an identifier is ignored.")
                continue
            if ident in self.resources:
                c.problem(f"Resource '{ident}' is listed twice (the first one is used).")
                continue
            files = [entry_name(f.get("href") or "") for f in x.children(node, "file")]
            href = entry_name(node.get("href") or "") or (files[0] if files else "")
            self.resources[ident] = _Resource(
                ident,
                (node.get("type") or "").strip(),
                href,
                [f for f in files if f],
                [d.get("identifierref") or "" for d in x.children(node, "dependency")],
            )
        c.resource_ids = set(self.resources)
        self._organization()
        qti_only = bool(self.resources) and all(r.type.lower().startswith("imsqti") for r in self.resources.values())
        if qti_only and "common cartridge" not in self.schema.lower():
            c.format = "qti"
        for res in self.resources.values():
            self._classify(res)
        for module in c.modules:
            for entry in module.entries:
                if entry.ref:
                    item = c.by_identifier(entry.ref)
                    if item is not None:
                        entry.item_key = item.key
                    elif entry.ref not in self.resources:
                        c.problem(
                            f"Module item '{entry.title}' points at '{entry.ref}', which the package does not hold."
                        )
        _sum_tree(c.files_root)
        return c

    # -- modules
    def _organization(self) -> None:
        orgs = x.child(self.root, "organizations")
        org = x.child(orgs, "organization") if orgs is not None else None
        if org is None:
            return
        tops = list(x.children(org, "item"))
        if (
            len(tops) == 1
            and not tops[0].get("identifierref")
            and all(not i.get("identifierref") for i in x.children(tops[0], "item"))
        ):
            tops = list(x.children(tops[0], "item"))  # Canvas's LearningModules root
        for node in tops:
            module = Module(x.text(node, "title") or "Untitled module", node.get("identifier") or "")
            self._module_items(node, module)
            self.contents.modules.append(module)

    def _module_items(self, node: Element, module: Module) -> None:
        """The items below `node` in document order, each with its nesting depth. A loop,
        not recursion: a hostile manifest may nest items thousands deep."""
        levels = [x.children(node, "item")]
        while levels:
            child = next(levels[-1], None)
            if child is None:
                levels.pop()
                continue
            ref = child.get("identifierref") or ""
            title = x.text(child, "title")
            module.entries.append(ModuleEntry(title, child.get("identifier") or "", ref, None, len(levels) - 1))
            if ref and title:
                self.module_titles.setdefault(ref, title)
            levels.append(x.children(child, "item"))

    # -- resources
    def _add(self, res: _Resource, kind: str, title: str | None, *, href: str | None = None) -> Item:
        c = self.contents
        href = res.href if href is None else href
        entry = self.reader.entry(href) if href else None
        known = title is not None
        if title is None:
            title = self.module_titles.get(res.identifier) or guess_title(href or res.identifier)
            known = res.identifier in self.module_titles
        item = Item(
            res.identifier,
            kind,
            title,
            res.identifier,
            href or None,
            tuple(res.files),
            entry.size if entry else 0,
            known,
            bool(href) and entry is None,
            tuple(res.depends),
        )
        c.items[item.key] = item
        if item.missing:
            c.problem(f"The manifest lists '{href}' ({SINGULAR.get(kind, kind)}), but the package does not hold it.")
        return item

    def _classify(self, res: _Resource) -> None:
        kind = res.type.lower()
        href = res.href
        if kind.startswith("imsdt"):
            announcement = self._is_announcement(res)
            title = self._xml_title(href)
            self._add(res, "announcements" if announcement else "discussion_topics", title)
        elif kind.startswith("imswl"):
            self._add(res, "web_links", self._xml_title(href))
        elif kind.startswith("imsbasiclti"):
            self._add(res, "external_tools", self._xml_title(href))
        elif "question-bank" in kind:
            self._add(res, "question_banks", None)
        elif kind.startswith("imsqti"):
            self._add(res, "quizzes", None)
        elif kind == "webcontent":
            if href.startswith("wiki_content/"):
                self._add(res, "pages", None)
            else:
                self._file(res)
        elif _LEARNING_APP in kind:
            if any(f.endswith("assignment_settings.xml") for f in res.files):
                self._add(res, "assignments", None)
            elif href.startswith("course_settings/") or res.identifier == "course_settings":
                self._course_settings(res)
            # anything else is a dependency of a quiz or topic (non_cc_assessments/, topic meta)
        else:
            self._add(res, "other", None)
        for name in res.files:
            if name != href and self.reader.entry(name) is None and not name.endswith("/"):
                self.contents.problem(f"The manifest lists '{name}', but the package does not hold it.")

    def _file(self, res: _Resource) -> None:
        item = self._add(res, "files", res.href.rpartition("/")[2] or res.identifier)
        path = res.href[len("web_resources/") :] if res.href.startswith("web_resources/") else res.href
        _add_to_tree(self.contents, _tree_parts(path), item)

    def _small(self, name: str) -> bytes | None:
        entry = self.reader.entry(name) if name else None
        if entry is None or entry.size > META_LIMIT:
            return None
        try:
            return self.reader.read(entry, META_LIMIT)
        except CorruptPackageError as err:
            self.contents.problem(str(err))
            return None

    def _xml_title(self, name: str) -> str | None:
        data = self._small(name)
        if data is None:
            return None
        try:
            return x.text(x.parse(data, name), "title") or None
        except x.XmlError as err:
            self.contents.problem(f"'{name}': {err}.")
            return None

    def _is_announcement(self, res: _Resource) -> bool:
        metas = [f for f in res.files if f != res.href]
        for dep in res.depends:
            other = self.resources.get(dep)
            if other is not None and _LEARNING_APP in other.type.lower():
                metas.extend(other.files or [other.href])
        return any((data := self._small(name)) is not None and _ANNOUNCEMENT.search(data) for name in metas)

    def _course_settings(self, res: _Resource) -> None:
        for name in res.files or [res.href]:
            if name.startswith("course_settings/events/") or name.startswith("course_settings/rubrics/"):
                kind = "calendar_events" if "/events/" in name else "rubrics"
                self._add(res, kind, self._xml_title(name), href=name)
            elif name in _LISTS:
                self._listed(name, _LISTS[name][0])

    def _listed(self, name: str, kind: str) -> None:
        """Canvas's own layout: every event in events.xml, every rubric in rubrics.xml,
        every external tool of older exports in external_tools.xml (`<externalTool>`)."""
        entry = self.reader.entry(name)
        if entry is None:
            self.contents.problem(f"The manifest lists '{name}', but the package does not hold it.")
            return
        try:
            root = x.parse(self.reader.read(entry), name)
        except (x.XmlError, CorruptPackageError) as err:
            self.contents.problem(f"'{name}': {err}")
            return
        tags, prefix = _LISTS[name][1], _LISTS[name][2]
        for node in root:
            if x.local(node.tag) not in tags:
                continue
            ident = node.get("identifier") or ""
            key = f"{prefix}:{ident or len(self.contents.items)}"
            title = x.text(node, "title") or x.text(node, "name") or f"Untitled {SINGULAR[kind]}"
            self.contents.items[key] = Item(key, kind, title, ident, name, (name,), 0)
