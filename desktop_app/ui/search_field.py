"""The search box the picker, the selection tree and the history share.

One look for every "type to narrow this list" field: a magnifier, a clear button, a
placeholder that says what is searched, and an accessible name for screen readers.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QWidget

from desktop_app.ui.icons import icon


def search_field(parent: QWidget, placeholder: str, accessible_name: str, tooltip: str) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setPlaceholderText(placeholder)
    edit.setClearButtonEnabled(True)
    edit.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
    edit.setAccessibleName(accessible_name)
    edit.setToolTip(tooltip)
    return edit
