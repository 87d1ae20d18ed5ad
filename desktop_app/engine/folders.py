"""Where the desktop app saves packages by default: one folder per Canvas site and course.

The user chooses one download folder, once (Settings); inside it, packages are sorted

    <download folder>/<site host>/<course or group name (kind id)>/

e.g. ``Canvas exports/canvas.school.edu/Linear Algebra (course 4021)/``. Why: a
teacher exports many courses from one or more Canvas sites, and Canvas names every
course package ``<course name>-export.imscc`` and every files zip the same way for
every course, so one flat folder mixes courses and piles up "(2)", "(3)" copies.

- The host alone names the site (no port, no scheme): it is what people recognise, and
  the demo Canvas's port changes on every start.
- The course or group name makes the folder recognisable; the id keeps two courses of
  the same name apart, and keeps a course in one place when it is found by id. A
  course renamed at Canvas gets a new folder from then on; nothing is moved.
- Names are made safe for Linux, macOS and Windows the same way as file names (a
  colon or slash becomes a dash first, as it reads better).

Pure path arithmetic: folders are created on demand by the download itself. The command
line's ``--download DIR`` saves into DIR as given, without this layout.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from desktop_app.canvas.models import Context, ContextKind
from desktop_app.engine.download import safe_filename

MY_FILES = "My files"
_READABLE_COLON = re.compile(r"\s*:\s*")
"""Course titles love colons ("Analytical Engines: Foundations"), which Windows forbids:
a dash reads better than the underscore every other forbidden character becomes."""
NAME_BYTES = 120
"""A long course name is cut to this many UTF-8 bytes, so the id always fits."""


def site_folder_name(site: str) -> str:
    """`https://canvas.school.edu:8443/` -> `canvas.school.edu`."""
    parts = urlsplit(site if "://" in site else f"//{site}")
    host = (parts.hostname or site).strip().lower()
    return safe_filename(host, fallback="canvas")


def context_folder_name(ctx: Context, name: str | None = None) -> str:
    """`Linear Algebra (course 4021)`, `Project Team (group 7)`, `My files`."""
    if ctx.kind is ContextKind.USER and ctx.id == "self":
        return MY_FILES
    label = f"{ctx.kind.value} {ctx.id}"
    title = readable_name(name or "")
    if not title:
        return safe_filename(label.capitalize(), fallback=label)
    return safe_filename(f"{title} ({label})", fallback=label)


def readable_name(name: str) -> str:
    """A course or term name ready to name a folder: colons and slashes read as dashes,
    one line with single spaces, cut to `NAME_BYTES` (so an id after it always fits)."""
    title = _READABLE_COLON.sub(" - ", name).replace("/", "-").replace("\\", "-")
    return _cut(" ".join(title.split()), NAME_BYTES)


def default_dest_dir(
    root: Path | str, site: str, ctx: Context, name: str | None = None, *, site_name: str | None = None
) -> Path:
    """The folder a package of `ctx` on `site` is saved in by default (see the module).
    `site_name` names the site's folder instead of its host (the demo Canvas: "Demo
    Canvas", not "127.0.0.1")."""
    site_dir = safe_filename(site_name, fallback="canvas") if site_name else site_folder_name(site)
    return Path(root) / site_dir / context_folder_name(ctx, name)


def _cut(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore").rstrip() + "…"
