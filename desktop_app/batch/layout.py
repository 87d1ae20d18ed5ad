"""Where a batch saves each course: `FOLDER/<term>/<course code> <name> (course ID)/`.

An archive of a term is browsed by people who know courses by their code and name, and
kept for years; the Canvas id in the folder name keeps two sections of the same name
apart and finds the course again at Canvas. Names are made safe the way single exports'
are (`engine/folders.py`), so a course called "Bio: Cells/Tissues" is a folder on
Windows too. Packages inside are named as single exports are (`engine/names.py`).
"""

from __future__ import annotations

import os
from pathlib import Path

from desktop_app.batch.model import BatchTarget
from desktop_app.engine.download import safe_filename
from desktop_app.engine.folders import readable_name

NO_TERM = "No term"


def term_folder_name(term: str) -> str:
    return safe_filename(readable_name(term), fallback=NO_TERM) if term.strip() else NO_TERM


def course_folder_name(target: BatchTarget) -> str:
    """`BIO-101 Cells and Tissues (course 4021)`; the code is left out when it is the name."""
    label = f"course {target.course_id}"
    code, name = target.course_code.strip(), target.name.strip()
    title = name if not code or code == name else f"{code} {name}" if name else code
    title = readable_name(title)
    return safe_filename(f"{title} ({label})", fallback=label) if title else safe_filename(label.capitalize())


def course_folder(root: Path, target: BatchTarget) -> Path:
    """The folder of one course of a batch saved under `root`."""
    return root / term_folder_name(target.term) / course_folder_name(target)


def same_folder(a: Path, b: Path) -> bool:
    """One folder however it is written: `..`, links, and the letter case where the
    file system ignores it (Windows, macOS)."""
    return os.path.normcase(a.resolve()) == os.path.normcase(b.resolve())


def link_inside(root: Path, folder: Path) -> Path | None:
    """The first folder between `root` (excluded) and `folder` that is a symbolic link,
    if any: a link planted as a term or course folder would send packages elsewhere."""
    current = root
    for part in folder.relative_to(root).parts:
        current = current / part
        if current.is_symlink():
            return current
    return None
