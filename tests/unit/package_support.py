"""Packages for the package-reader tests: real ones from the simulator, rewritten ones
(Canvas's md5 identifiers, global identifiers) and hostile ones."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

from desktop_app.simulator.data import SampleData
from desktop_app.simulator.packages import build_cc, build_qti, build_zip
from desktop_app.simulator.selection import Selection, plan_cc, plan_qti, plan_zip

WHEN = datetime(2026, 9, 1, 12, 0)
DATA = SampleData.build()
COURSE = DATA.courses[DATA.main_course_id]


def raw(selection: dict[str, list[int]]) -> dict[str, list[str]]:
    return {key: [str(i) for i in ids] for key, ids in selection.items()}


def cc_bytes(selection: dict[str, list[int]] | None = None) -> bytes:
    sel = Selection.parse(raw(selection)) if selection else Selection()
    return build_cc(DATA, COURSE, plan_cc(DATA, COURSE.id, sel), WHEN)


def qti_bytes(selection: dict[str, list[int]] | None = None) -> bytes:
    sel = Selection.parse(raw(selection)) if selection else Selection()
    return build_qti(COURSE, plan_qti(DATA, COURSE.id, sel), WHEN)


def files_zip_bytes() -> bytes:
    plan = plan_zip(DATA, ("course", COURSE.id), Selection(), True)
    assert plan is not None
    return build_zip(DATA, plan, WHEN)


def write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def rewrite(data: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    """The same zip with `change(name, bytes) -> (name, bytes) | None` applied to every entry."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            changed = change(info.filename, src.read(info))
            if changed is not None:
                dst.writestr(changed[0], changed[1])
    return out.getvalue()


_ASSET = re.compile(r'(identifier(?:ref)?=")((?:wiki_page|assignment|quiz|discussion_topic|calendar_event|rubric|'
                    r'attachment|context_module|content_tag)_(\d+))"')


def canvas_identifiers(data: bytes, prefix: str = "i", shard: int | None = None) -> bytes:
    """Identifiers as a real Canvas writes them: `i` + md5(asset string), or with global
    identifiers `g` + md5(global asset string) (the shard's id * 10**13 + the id)."""

    def key(match: re.Match[str]) -> str:
        asset, object_id = match.group(2), int(match.group(3))
        kind = asset.rsplit("_", 1)[0]
        if kind == "quiz":
            kind = "quizzes:quiz"
        if shard is not None:
            object_id += shard * 10**13
        return f'{match.group(1)}{prefix}{hashlib.md5(f"{kind}_{object_id}".encode()).hexdigest()}"'

    def change(name: str, payload: bytes):  # type: ignore[no-untyped-def]
        if name == "imsmanifest.xml":
            return name, _ASSET.sub(key, payload.decode()).encode()
        return name, payload

    return rewrite(data, change)
