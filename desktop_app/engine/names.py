"""The names saved packages get: what a person sorts and recognises them by.

Canvas names every package of a course the same (``biology-101-export.imscc``), so a
folder of them reads ``biology-101-export (2).imscc`` … ``(8)``, which says nothing.
A package is named instead

    <course code, group or context name> <Type label> <YYYY-MM-DD> export <export id>.<ext>

e.g. ``BIO-101 Common Cartridge 2026-12-06 export 9027.imscc``: sorted by name, a
folder lists a course's packages by type, then by the day Canvas made them. The
export id makes the name unique by construction (Canvas never reuses one on a site,
and each site has its own folder), and it matches the id shown in the history and by
``canvas-exports jobs``. The extension is the one Canvas gave the attachment.

Pure string arithmetic; the result is made safe with ``download.safe_filename``.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from desktop_app.canvas.models import Context, ContextKind, ExportType
from desktop_app.engine.download import _EXTENSION, safe_filename
from desktop_app.engine.folders import _READABLE_COLON, MY_FILES, _cut

LABEL_BYTES = 100
"""A long context label is cut to this many UTF-8 bytes, so the date and id always fit."""
TYPE_BYTES = 40
"""An export type this app does not know is named by Canvas's own word, cut to this."""


def context_label_of(context: Context | str) -> str:
    """A label for a context when nothing better is known: ``course 101``,
    ``group 7``, ``My files`` (the command line, jobs recorded before schema 6)."""
    ctx = Context.parse(context) if isinstance(context, str) else context
    if ctx.kind is ContextKind.USER and ctx.id == "self":
        return MY_FILES
    return f"{ctx.kind.value} {ctx.id}"


def package_name(
    context_label: str | None,
    export_type: ExportType | str | None,
    created_at: datetime | None,
    export_id: int,
    display_name: str | None,
    *,
    tz: tzinfo | None = None,
) -> str:
    """``<label> <Type label> <YYYY-MM-DD> export <id>.<ext>`` (see the module).

    `created_at` is the export's creation time; its date is taken in `tz` (None: this
    computer's time zone, the one the history shows). A part that is not known (no
    label, no date) is left out; the export id never is.
    """
    label = _READABLE_COLON.sub(" - ", context_label or "").replace("/", "-").replace("\\", "-")
    label = _cut(" ".join(label.split()), LABEL_BYTES)
    try:
        type_label = ExportType(export_type).label
    except ValueError:
        type_label = _cut(" ".join(str(export_type or "").replace("_", " ").split()), TYPE_BYTES)
    day = created_at.astimezone(tz).date().isoformat() if created_at is not None else ""
    match = _EXTENSION.search((display_name or "").strip())
    if match and match.start() > 0:
        ext = match.group(1)
    else:
        ext = ".imscc" if export_type in (ExportType.COMMON_CARTRIDGE, ExportType.COMMON_CARTRIDGE.value) else ".zip"
    stem = " ".join(part for part in (label, type_label, day, f"export {int(export_id)}") if part)
    return safe_filename(stem + ext, fallback=f"export {int(export_id)}{ext}")
