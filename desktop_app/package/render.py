"""An item of a package as safe, self-contained HTML, and as plain text for search.

The HTML is rebuilt from a whitelist, never passed through: no scripts, styles, frames,
forms, event handlers or `style` attributes survive. Every reference is resolved inside
the package or neutralised:

- `$IMS-CC-FILEBASE$/x` and `%24IMS-CC-FILEBASE%24/x` (Canvas's marker for the course
  files) -> the entry `web_resources/x`; `$WIKI_REFERENCE$/pages/slug` -> that page;
  `$CANVAS_OBJECT_REFERENCE$/kind/id` -> that item; relative paths -> resolved against
  the item's own folder;
- what the package holds becomes `pkg:<entry>` (images, links) or `item:<key>` (links);
- an image from anywhere else (http, data, a path outside the package) is replaced by
  its description: nothing is ever fetched. A link to the web keeps its address so the
  reader sees it; the viewer opens it only when clicked.

The viewer's QTextBrowser serves `pkg:` from the package and refuses everything else
(`loadResource`), so even a rendering mistake here cannot reach the network.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import quote, unquote, urlsplit

from desktop_app.canvas.errors import CorruptPackageError
from desktop_app.package import xmlutil as x
from desktop_app.package.cartridge import KIND_LABEL, LISTED_PREFIXES, SINGULAR, Contents, Item, entry_name
from desktop_app.package.qti import Quiz, parse_quiz, quiz_meta_title
from desktop_app.package.reader import MAX_PREVIEW, MAX_READ, PackageReader
from desktop_app.sizes import human_size

PKG = "pkg:"
ITEM = "item:"
MAX_TEXT_PREVIEW = 256 << 10
"""A text file shows its first 256 KiB."""
IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".ico"}
TEXT_TYPES = {
    ".txt",
    ".csv",
    ".tsv",
    ".md",
    ".py",
    ".json",
    ".xml",
    ".css",
    ".js",
    ".java",
    ".c",
    ".h",
    ".cpp",
    ".r",
    ".m",
    ".sql",
    ".yaml",
    ".yml",
    ".ini",
    ".log",
    ".tex",
    ".srt",
    ".vtt",
    ".qti",
}
HTML_TYPES = {".html", ".htm"}

_ALLOWED = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "s",
    "strike",
    "sub",
    "sup",
    "span",
    "div",
    "blockquote",
    "pre",
    "code",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "caption",
    "a",
    "img",
    "small",
    "big",
    "center",
    "figure",
    "figcaption",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "abbr",
    "cite",
    "q",
    "kbd",
    "samp",
    "var",
    "mark",
    "del",
    "ins",
    "tt",
    "font",
    "address",
    "nav",
}
_DROP_WITH_CONTENT = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "noscript",
    "template",
    "svg",
    "math",
    "head",
    "title",
    "frameset",
    "frame",
    "applet",
    "canvas",
    "select",
    "textarea",
    "button",
}
_VOID = {"br", "hr", "img"}
_ATTRS = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
    "abbr": {"title"},
}
_FILEBASE = re.compile(r"^(?:\$IMS-CC-FILEBASE\$|%24IMS-CC-FILEBASE%24|\$IMS_CC_FILEBASE\$)/?", re.I)
_WIKI = re.compile(r"^(?:\$WIKI_REFERENCE\$|%24WIKI_REFERENCE%24)/pages/([^?#]+)", re.I)
_OBJECT = re.compile(r"^(?:\$CANVAS_OBJECT_REFERENCE\$|%24CANVAS_OBJECT_REFERENCE%24)/[a-z_]+/([^/?#]+)", re.I)
_SPACES = re.compile(r"\s+")


def pkg_url(name: str) -> str:
    return PKG + quote(name, safe="/")


def pkg_name(url: str) -> str | None:
    """The entry a `pkg:` URL names (None for anything else)."""
    return unquote(url[len(PKG) :]).lstrip("/") if url.startswith(PKG) else None


class _Resolver:
    def __init__(self, reader: PackageReader, contents: Contents | None, base: str) -> None:
        self.reader, self.contents, self.base = reader, contents, posixpath.dirname(base)
        self.blocked = 0

    def entry(self, url: str) -> str | None:
        """The package entry a reference names, or None when it is not in the package."""
        url = url.strip()
        m = _FILEBASE.match(url)
        if m:
            name = "web_resources/" + entry_name(url[m.end() :])
        else:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith("$") or url.startswith("%24"):
                return None
            path = unquote(parts.path)
            if not path or path.startswith("/"):
                return None
            name = posixpath.normpath(posixpath.join(self.base, path))
            if name.startswith("../") or name == "..":
                return None
        return name if self.reader.entry(name) is not None else None

    def link(self, url: str) -> str | None:
        """Where a link goes: `pkg:`/`item:` inside, the web address outside, None if dead."""
        url = url.strip()
        if url.startswith("#"):
            return url
        if self.contents is not None:
            m = _WIKI.match(url)
            if m:
                name = f"wiki_content/{unquote(m.group(1))}.html"
                return pkg_url(name) if self.reader.entry(name) else None
            m = _OBJECT.match(url)
            if m:
                item = self.contents.by_identifier(unquote(m.group(1)))
                return ITEM + quote(item.key, safe="") if item else None
        name = self.entry(url)
        if name is not None:
            return pkg_url(name)
        scheme = urlsplit(url).scheme.lower()
        return url if scheme in ("http", "https", "mailto") else None


class _Sanitizer(HTMLParser):
    def __init__(self, resolver: _Resolver) -> None:
        super().__init__(convert_charrefs=True)
        self.resolver = resolver
        self.out: list[str] = []
        self.text: list[str] = []
        self.skip = 0  # depth inside a dropped element
        self.title = ""
        self._in_title = False
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in _DROP_WITH_CONTENT:
            if tag not in _VOID:
                self.skip += 1
            return
        if self.skip or tag not in _ALLOWED:
            return
        kept: list[str] = []
        allowed = _ATTRS.get(tag, set())
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "img":
            name = self.resolver.entry(values.get("src", ""))
            if name is None:
                self.resolver.blocked += 1
                alt = values.get("alt") or "image"
                self.out.append(f"<i>[{html.escape(alt)}: not in the package, not loaded]</i>")
                return
            values["src"] = pkg_url(name)
        if tag == "a":
            target = self.resolver.link(values.get("href", ""))
            if target is None:
                values.pop("href", None)
            else:
                values["href"] = target
        for key, value in values.items():
            if key in allowed:
                kept.append(f' {key}="{html.escape(value, quote=True)}"')
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag not in _VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and tag in _ALLOWED and not self.skip and self.open and self.open[-1] == tag:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _DROP_WITH_CONTENT:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip or tag not in _ALLOWED or tag in _VOID or tag not in self.open:
            return
        while self.open:
            top = self.open.pop()
            self.out.append(f"</{top}>")
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self.skip:
            return
        self.out.append(html.escape(data, quote=False))
        self.text.append(data)

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{t}>" for t in reversed(self.open))


@dataclass
class Rendered:
    html: str
    title: str
    text: str  # plain text, for search
    blocked: int = 0  # references to outside the package that were not loaded
    extractable: bool = False  # a file with no preview: offer Extract…


def sanitize(
    markup: str, reader: PackageReader, contents: Contents | None = None, base: str = ""
) -> tuple[str, str, str, int]:
    """(safe HTML, its plain text, the <title>, references blocked)."""
    s = _Sanitizer(_Resolver(reader, contents, base))
    s.feed(markup)
    body = s.result()
    return body, _SPACES.sub(" ", " ".join(s.text)).strip(), _SPACES.sub(" ", s.title).strip(), s.resolver.blocked


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in _DROP_WITH_CONTENT:
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_WITH_CONTENT:
            self.skip = max(0, self.skip - 1)

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.text.append(data)


def plain_text(markup: str) -> str:
    """Text of an HTML fragment (question text, answers, descriptions)."""
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    return _SPACES.sub(" ", " ".join(parser.text)).strip()


def _decode(data: bytes) -> str:
    return data.decode("utf-8-sig", errors="replace")


def _e(text: object) -> str:
    return html.escape(str(text), quote=False)


def _head(item: Item, extra: str = "") -> str:
    kind = SINGULAR.get(item.kind, item.kind).capitalize()
    return f"<h2>{_e(item.title)}</h2><p><small>{_e(kind)}{extra}</small></p>"


def _xml(reader: PackageReader, name: str | None):  # type: ignore[no-untyped-def]
    if not name or reader.entry(name) is None:
        return None
    return x.parse(reader.read(name), name)


def render_item(reader: PackageReader, contents: Contents, item: Item) -> Rendered:
    """The item as HTML for the viewer; CorruptPackageError / XmlError reach the caller
    as a sentence, shown in place of the item."""
    if item.missing:
        return Rendered(
            _head(item) + f"<p>The manifest lists <b>{_e(item.href)}</b>, but the package does not hold it.</p>",
            item.title,
            "",
        )
    kind = item.kind
    if kind in ("pages",):
        return _html_entry(reader, contents, item, item.href or "")
    if kind == "assignments":
        return _assignment(reader, contents, item)
    if kind in ("discussion_topics", "announcements"):
        root = _xml(reader, item.href)
        title = x.text(root, "title") or item.title
        body, text, _, blocked = sanitize(x.text(root, "text"), reader, contents, item.href or "")
        return Rendered(_head(item) + body, title, f"{title} {text}", blocked)
    if kind in ("quizzes", "question_banks"):
        return _quiz(reader, contents, item)
    if kind == "calendar_events":
        return _event(reader, contents, item)
    if kind == "rubrics":
        node = _find(reader, item)
        return Rendered(
            _head(item) + _rubric_table(node), x.text(node, "title") or item.title, f"{item.title} {x.text(node)}"
        )
    if kind == "web_links":
        root = _xml(reader, item.href)
        url_node = x.child(root, "url")
        url = (url_node.get("href") or "") if url_node is not None else ""
        title = x.text(root, "title") or item.title
        link = (
            (
                f'<p><a href="{html.escape(url)}">{_e(url)}</a></p><p><small>Opens in your web browser only when '
                "you click it.</small></p>"
            )
            if urlsplit(url).scheme in ("http", "https")
            else f"<p>{_e(url)}</p>"
        )
        return Rendered(_head(item) + link, title, f"{title} {url}")
    if kind == "external_tools":
        root = _find(reader, item)  # an LTI link (imsbasiclti) or an <externalTool> of external_tools.xml
        title = x.text(root, "title") or item.title
        url = x.text(root, "secure_launch_url") or x.text(root, "launch_url") or x.text(root, "url")
        domain = x.text(root, "domain")
        if not url and domain:
            url = domain
        description = plain_text(x.text(root, "description"))
        return Rendered(
            _head(item) + f"<p>{_e(description)}</p><p>Launch address: <tt>{_e(url)}</tt></p>"
            "<p><small>An external tool (LTI) runs at its provider; the package holds only its "
            "settings.</small></p>",
            title,
            f"{title} {description} {url}",
        )
    if kind == "files":
        return _file(reader, contents, item)
    files = "".join(f"<li><tt>{_e(f)}</tt></li>" for f in item.files)
    return Rendered(
        _head(item) + f"<p>A resource this viewer does not show.</p><ul>{files}</ul>", item.title, item.title
    )


def _html_entry(reader: PackageReader, contents: Contents, item: Item, name: str, extra: str = "") -> Rendered:
    data = reader.read(name) if name and reader.entry(name) else b""
    body, text, title, blocked = sanitize(_decode(data), reader, contents, name)
    title = title or item.title
    return Rendered(_head(item, extra) + body, title, f"{title} {text}", blocked)


def _assignment(reader: PackageReader, contents: Contents, item: Item) -> Rendered:
    settings_name = next((f for f in item.files if f.endswith("assignment_settings.xml")), None)
    root = _xml(reader, settings_name)
    facts = []
    points = x.text(root, "points_possible")
    due = x.text(root, "due_at")
    if points:
        facts.append(f"<b>Points:</b> {_e(points)}")
    facts.append(f"<b>Due:</b> {_e(due) if due else 'no due date'}")
    for label, tag in (("Submission", "submission_types"), ("Grading", "grading_type")):
        if x.text(root, tag):
            facts.append(f"<b>{label}:</b> {_e(x.text(root, tag).replace(',', ', '))}")
    rubric_html = ""
    rubric_ref = x.text(root, "rubric_identifierref")
    if rubric_ref:
        rubric = contents.by_identifier(rubric_ref)
        if rubric is not None:
            rubric_html = f"<h3>Rubric: {_e(rubric.title)}</h3>" + _rubric_table(_find(reader, rubric))
        else:
            rubric_html = f"<p>Rubric {_e(rubric_ref)} (not in the package)</p>"
    page = item.href if item.href and item.href.endswith((".html", ".htm")) else None
    rendered = _html_entry(reader, contents, item, page or "")
    title = x.text(root, "title") or rendered.title
    rendered.html = rendered.html.replace("</small></p>", "</small></p><p>" + " &nbsp; ".join(facts) + "</p>", 1)
    rendered.html += rubric_html
    rendered.title, rendered.text = title, f"{title} {rendered.text}"
    return rendered


def _quiz_entry(item: Item) -> str | None:
    """The QTI file: the resource's href, else a `.qti`/assessment file it lists."""
    if item.href and not item.href.endswith("assessment_meta.xml"):
        return item.href
    return next((f for f in item.files if f.endswith((".qti", "assessment_qti.xml"))), None)


def _quiz(reader: PackageReader, contents: Contents, item: Item) -> Rendered:
    name = _quiz_entry(item)
    quiz = parse_quiz(reader.read(name), name) if name and reader.entry(name) else Quiz(item.title)
    meta = next((f for f in item.files if f.endswith("assessment_meta.xml")), None)
    title, description = quiz_meta_title(reader.read(meta)) if meta and reader.entry(meta) else ("", "")
    title = title or quiz.title or item.title
    parts = [_head(item, f" · {len(quiz.questions)} question{'s' if len(quiz.questions) != 1 else ''}")]
    if description:
        parts.append(sanitize(description, reader, contents, name or "")[0])
    texts = [title]
    for n, q in enumerate(quiz.questions, start=1):
        q_html = sanitize(q.text, reader, contents, name or "")[0]
        kind = (
            f" <small>({_e(q.kind.replace('_', ' '))}{', ' + _e(q.points) + ' pts' if q.points else ''})</small>"
            if q.kind
            else ""
        )
        answers = "".join(
            f"<li>{'<b>✔ ' if a.correct else ''}{_e(plain_text(a.text))}{' </b><small>(correct)</small>' if a.correct else ''}</li>"
            for a in q.answers
        )
        parts.append(f"<h3>{n}. {_e(q.title or 'Question')}{kind}</h3>{q_html}<ol type='a'>{answers}</ol>")
        texts.append(plain_text(q.text))
        texts.extend(plain_text(a.text) for a in q.answers)
    if quiz.truncated:
        parts.append("<p><i>More questions than this viewer shows.</i></p>")
    return Rendered("".join(parts), title, " ".join(texts))


def _find(reader: PackageReader, item: Item):  # type: ignore[no-untyped-def]
    """An event's, rubric's or tool's element: its own file, or its entry in a course_settings
    list (events.xml, rubrics.xml, external_tools.xml)."""
    root = _xml(reader, item.href)
    if root is None or not item.key.startswith(LISTED_PREFIXES):
        return root
    return next((n for n in root if n.get("identifier") == item.identifier), None)


def _event(reader: PackageReader, contents: Contents, item: Item) -> Rendered:
    node = _find(reader, item)
    title = x.text(node, "title") or item.title
    facts = [
        f"<b>{label}:</b> {_e(x.text(node, tag))}"
        for label, tag in (("Starts", "start_at"), ("Ends", "end_at"), ("Location", "location_name"))
        if x.text(node, tag)
    ]
    description = x.text(node, "description")
    body, text, _, blocked = sanitize(description, reader, contents, item.href or "")
    return Rendered(_head(item) + "<p>" + "<br>".join(facts) + "</p>" + body, title, f"{title} {text}", blocked)


def _rubric_table(node) -> str:  # type: ignore[no-untyped-def]
    if node is None:
        return ""
    rows = []
    for criterion in x.descendants(node, "criterion"):
        ratings = ", ".join(
            f"{x.text(r, 'description')} ({x.text(r, 'points')})" for r in x.descendants(criterion, "rating")
        )
        rows.append(
            f"<tr><td>{_e(x.text(criterion, 'description'))}</td><td>{_e(x.text(criterion, 'points'))}</td>"
            f"<td>{_e(ratings)}</td></tr>"
        )
    points = x.text(node, "points_possible")
    head = f"<p><b>Points:</b> {_e(points)}</p>" if points else ""
    if not rows:
        return head
    return head + (
        "<table border='1' cellspacing='0' cellpadding='4'><tr><th>Criterion</th><th>Points</th>"
        "<th>Ratings</th></tr>" + "".join(rows) + "</table>"
    )


def preview_kind(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in IMAGE_TYPES:
        return "image"
    if suffix in HTML_TYPES:
        return "html"
    if suffix in TEXT_TYPES:
        return "text"
    return ""


def _file(reader: PackageReader, contents: Contents, item: Item) -> Rendered:
    name = item.href or ""
    where = f" · {human_size(item.size)} · <tt>{_e(name)}</tt>"
    kind = preview_kind(name)
    if kind == "image" and item.size <= MAX_PREVIEW:
        return Rendered(
            _head(item, where) + f'<p><img src="{pkg_url(name)}" alt="{html.escape(item.title)}"></p>',
            item.title,
            item.title,
        )
    if kind == "html" and item.size <= MAX_READ:
        return _html_entry(reader, contents, item, name, where)
    if kind == "text":
        entry = reader.entry(name)
        if entry is not None:
            data = _prefix(reader, name, MAX_TEXT_PREVIEW)
            cut = (
                "<p><i>The first 256 KiB; extract the file to see it all.</i></p>"
                if entry.size > MAX_TEXT_PREVIEW
                else ""
            )
            text = _decode(data)
            return Rendered(_head(item, where) + f"<pre>{_e(text)}</pre>{cut}", item.title, item.title)
    return Rendered(
        _head(item, where) + "<p>No preview for this kind of file. Use <b>Extract…</b> to save it "
        "to a folder and open it with its own program.</p>",
        item.title,
        item.title,
        extractable=True,
    )


def _prefix(reader: PackageReader, name: str, limit: int) -> bytes:
    entry = reader.entry(name)
    if entry is None:
        return b""
    if entry.size <= limit:
        return reader.read(entry, limit)

    class _Head:
        def __init__(self) -> None:
            self.data = bytearray()

        def write(self, piece: bytes) -> None:
            if len(self.data) < limit:
                self.data += bytes(piece[: limit - len(self.data)])
            else:
                raise _Enough

    sink = _Head()
    try:
        reader.copy(entry, sink)  # type: ignore[arg-type]
    except _Enough:
        pass
    return bytes(sink.data)


class _Enough(Exception):
    pass


def kind_label(kind: str) -> str:
    return KIND_LABEL.get(kind, kind)


__all__ = ["CorruptPackageError", "Rendered", "render_item", "sanitize", "pkg_url", "pkg_name", "preview_kind"]
