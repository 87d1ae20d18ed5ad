"""Folders as a person reads them: `~/Canvas exports/Fall 2026`, not the full home path.

A header that names a folder under the user's home shows it from `~`: shorter, the
same on every machine, and a screenshot of it gives away no account name. Paths
outside the home stay as they are. The full path stays in tooltips and in what the
app opens.
"""

from __future__ import annotations

from pathlib import Path, PurePath


def home_relative(path: PurePath | str, home: Path | None = None) -> str:
    """ "~/Canvas exports/Fall 2026" for a path under the home folder, else the path."""
    path = PurePath(path)
    home = home if home is not None else Path.home()
    try:
        inside = path.relative_to(home)
    except ValueError:
        return str(path)
    return "~" if not inside.parts else str(PurePath("~", inside))
