"""Where each select key is listed and which id goes back to Canvas (desktop_app/canvas/content.py)."""

from __future__ import annotations

import pytest

from desktop_app.canvas.content import PARSERS, listing, module_item, module_items_listing
from desktop_app.canvas.errors import ValidationError
from desktop_app.canvas.models import ContentItem, Context, SelectKey

COURSE = Context.parse("course:12")


@pytest.mark.parametrize(
    "key,path,params",
    [
        (SelectKey.FOLDERS, "courses/12/folders", []),
        (SelectKey.FILES, "courses/12/files", []),
        (SelectKey.MODULES, "courses/12/modules", []),
        (SelectKey.MODULE_ITEMS, "courses/12/modules", []),
        (SelectKey.PAGES, "courses/12/pages", []),
        (SelectKey.ASSIGNMENTS, "courses/12/assignments", []),
        (SelectKey.QUIZZES, "courses/12/quizzes", []),
        (SelectKey.ANNOUNCEMENTS, "courses/12/discussion_topics", [("only_announcements", "true")]),
        (SelectKey.DISCUSSION_TOPICS, "courses/12/discussion_topics", []),
        (
            SelectKey.CALENDAR_EVENTS,
            "calendar_events",
            [("context_codes[]", "course_12"), ("type", "event"), ("all_events", "true")],
        ),
        (SelectKey.RUBRICS, "courses/12/rubrics", []),
    ],
)
def test_course_listings(key: SelectKey, path: str, params: list[tuple[str, str]]) -> None:
    endpoint = listing(COURSE, key)
    assert endpoint.path == path
    assert endpoint.params == params


def test_module_items_are_listed_per_module() -> None:
    assert module_items_listing(COURSE, 5).path == "courses/12/modules/5/items"


@pytest.mark.parametrize("ctx,prefix", [("group:7", "groups/7"), ("user:self", "users/self"), ("user:3", "users/3")])
def test_groups_and_users_have_folders_and_files_only(ctx: str, prefix: str) -> None:
    context = Context.parse(ctx)
    assert listing(context, SelectKey.FOLDERS).path == f"{prefix}/folders"
    assert listing(context, SelectKey.FILES).path == f"{prefix}/files"
    with pytest.raises(ValidationError, match="only files and folders"):
        listing(context, SelectKey.PAGES)


def test_pages_use_numeric_page_id_never_url() -> None:
    item = PARSERS[SelectKey.PAGES]({"page_id": 555, "url": "week-1", "title": "Week 1"})
    assert item == ContentItem(SelectKey.PAGES, 555, "Week 1")
    assert PARSERS[SelectKey.PAGES]({"url": "week-1", "title": "No id"}) is None


def test_module_item_id_is_the_item_not_its_content() -> None:
    item = module_item({"id": 9001, "module_id": 5, "content_id": 42, "title": "Read me", "type": "Page"}, 5)
    assert item == ContentItem(SelectKey.MODULE_ITEMS, 9001, "Read me", parent_id=5)


def test_folders_and_files_carry_their_tree_position() -> None:
    folder = PARSERS[SelectKey.FOLDERS](
        {"id": 45, "name": "Week 1", "full_name": "course files/Week 1", "parent_folder_id": 1}
    )
    assert folder == ContentItem(SelectKey.FOLDERS, 45, "Week 1", parent_id=1)
    root = PARSERS[SelectKey.FOLDERS]({"id": 1, "name": "course files", "parent_folder_id": None})
    assert root is not None and root.parent_id is None
    file = PARSERS[SelectKey.FILES](
        {"id": 678, "display_name": "notes.pdf", "filename": "notes-1.pdf", "folder_id": 45, "size": 1234}
    )
    assert file == ContentItem(SelectKey.FILES, 678, "notes.pdf", parent_id=45, size=1234)


@pytest.mark.parametrize(
    "key,data,title",
    [
        (SelectKey.ASSIGNMENTS, {"id": 3, "name": "Essay"}, "Essay"),
        (SelectKey.MODULES, {"id": 4, "name": "Week 1"}, "Week 1"),
        (SelectKey.QUIZZES, {"id": 5, "title": "Quiz 1"}, "Quiz 1"),
        (SelectKey.ANNOUNCEMENTS, {"id": 6, "title": "Welcome"}, "Welcome"),
        (SelectKey.DISCUSSION_TOPICS, {"id": 7, "title": "Introduce yourself"}, "Introduce yourself"),
        (SelectKey.CALENDAR_EVENTS, {"id": 8, "title": "Exam"}, "Exam"),
        (SelectKey.RUBRICS, {"id": 9, "title": "Essay rubric"}, "Essay rubric"),
        (SelectKey.RUBRICS, {"id": 10}, "#10"),
    ],
)
def test_simple_items(key: SelectKey, data: dict[str, object], title: str) -> None:
    assert PARSERS[key](data) == ContentItem(key, int(data["id"]), title)  # type: ignore[call-overload]
