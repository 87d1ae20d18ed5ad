"""The actions on a job's row that both the history and the Activity view offer, defined
once so that their words, icon and shortcut are the same in both places (`row_action`
in table_base.py makes them)."""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtGui import QKeySequence


class ActionSpec(NamedTuple):
    text: str
    icon_name: str
    tip: str
    shortcut: QKeySequence.StandardKey | str


SHOW_IN_FOLDER = ActionSpec(
    "Show in folder", "show-in-folder", "Open the folder that holds the saved package", "Shift+Alt+R"
)
COPY_PATH = ActionSpec("Copy path", "copy", "Copy the saved package's full path", QKeySequence.StandardKey.Copy)
RESUME = ActionSpec("Resume", "download", "Carry on where it stood (interrupted or stopped)", "Ctrl+Shift+R")
RETRY = ActionSpec(
    "Retry",
    "refresh",
    "Try again: carry on, or start a new export of the same selection when Canvas's export failed or expired",
    "Ctrl+Shift+T",
)
FORGET = ActionSpec(
    "Remove from list",
    "remove-from-list",
    "Take it off this app's list; the saved file stays on disk and the export at Canvas",
    "Shift+Del",
)
