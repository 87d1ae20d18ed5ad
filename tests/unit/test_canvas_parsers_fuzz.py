"""Every parser of Canvas JSON returns a model or raises a CanvasError, whatever arrives.

Property tests (Hypothesis) over models.py and content.py: random JSON, and valid
objects with keys dropped or replaced by junk (huge, float, NaN, bool ids, nested
junk). A KeyError, TypeError or OverflowError here would be a traceback in the CLI.
"""

from __future__ import annotations

import json
import math
from typing import Any, Callable, Mapping

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from desktop_app.canvas.content import PARSERS, module_item
from desktop_app.canvas.errors import CanvasError, MalformedAnswerError
from desktop_app.canvas.models import Attachment, ContentExport, Course, Group, Progress, SelectKey, User
from desktop_app.canvas.responses import canvas_message

FUZZ = settings(max_examples=200, deadline=None, database=None)  # database=None: no .hypothesis folder

ATTACHMENT = {
    "id": 60001,
    "display_name": "course-export.imscc",
    "filename": "course-export.imscc",
    "size": 2048,
    "url": "https://canvas.example.edu/files/60001/download?verifier=abc",
    "content-type": "application/zip",
}
EXPORT = {
    "id": 9101,
    "user_id": 7,
    "course_id": 12,
    "created_at": "2025-01-01T12:00:00Z",
    "workflow_state": "exported",
    "export_type": "common_cartridge",
    "attachment": ATTACHMENT,
    "progress_url": "https://canvas.example.edu/api/v1/progress/7001",
}
PROGRESS = {
    "id": 7001,
    "workflow_state": "running",
    "completion": 37.5,
    "message": None,
    "updated_at": "2025-01-01T12:00:05Z",
}
USER = {"id": 7, "name": "Tess Teacher", "short_name": "Tess", "login_id": "tess"}
COURSE = {
    "id": 12,
    "name": "Biology",
    "course_code": "BIO-101",
    "workflow_state": "available",
    "term": {"id": 1, "name": "Fall"},
    "enrollments": [{"type": "teacher", "role": "TeacherEnrollment"}],
}
GROUP = {"id": 3, "name": "Lab partners", "context_name": "Biology"}
ITEM = {
    "id": 41,
    "page_id": 41,
    "module_id": 5,
    "parent_folder_id": 2,
    "folder_id": 2,
    "size": 10,
    "name": "Item",
    "title": "Item",
    "display_name": "item.pdf",
    "url": "item",
    "full_name": "course files/item",
}

Parser = Callable[[Any], object]
_DISTINCT_CONTENT_PARSERS = (SelectKey.FOLDERS, SelectKey.FILES, SelectKey.PAGES, SelectKey.MODULES)
"""The other keys' parsers are made by the same factory as MODULES's (content._simple)."""
PARSERS_UNDER_TEST: dict[str, tuple[Parser, Mapping[str, Any]]] = {
    "Attachment": (Attachment.from_json, ATTACHMENT),
    "ContentExport": (ContentExport.from_json, EXPORT),
    "Progress": (Progress.from_json, PROGRESS),
    "User": (User.from_json, USER),
    "Course": (Course.from_json, COURSE),
    "Group": (Group.from_json, GROUP),
    "module_item": (lambda data: module_item(data, 5), ITEM),
    **{f"content:{key.value}": (PARSERS[key], ITEM) for key in _DISTINCT_CONTENT_PARSERS},
}

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**63, -1, 10**400, 0]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["1e400", "12", "\ud800", "2025-13-45", "9999-12-31T23:59:59-12:00", "exported"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=25,
)


@st.composite
def mutated(draw: st.DrawFn, valid: Mapping[str, Any]) -> dict[str, Any]:
    """`valid` with some keys dropped and some values replaced (nested objects too)."""
    data = dict(valid)
    for key in draw(st.lists(st.sampled_from(sorted(valid)), unique=True, max_size=len(valid))):
        action = draw(st.sampled_from(["drop", "junk", "nested"]))
        if action == "drop":
            del data[key]
        elif action == "nested" and isinstance(valid[key], Mapping):
            data[key] = draw(mutated(valid[key]))
        else:
            data[key] = draw(JSON)
    return data


def _model_or_canvas_error(parse: Parser, data: Any) -> None:
    try:
        model = parse(data)
    except CanvasError:
        return
    if isinstance(model, ContentExport):  # what the CLI and the engine read next must work too
        model.expires_at()
        _ = model.progress_id


@pytest.mark.parametrize("name", sorted(PARSERS_UNDER_TEST))
def test_valid_objects_parse(name: str) -> None:
    parse, valid = PARSERS_UNDER_TEST[name]
    assert parse(dict(valid)) is not None or name == "content:pages"


@pytest.mark.parametrize("name", sorted(PARSERS_UNDER_TEST))
@FUZZ
@given(st.data())
def test_any_json_gives_a_model_or_a_canvas_error(name: str, data: st.DataObject) -> None:
    """Half random JSON, half mutations of a valid object (those reach the deeper fields)."""
    parse, valid = PARSERS_UNDER_TEST[name]
    _model_or_canvas_error(parse, data.draw(JSON | mutated(valid)))


@FUZZ
@given(data=JSON)
@example(data={"errors": [{"message": ["nested"]}]})
def test_canvas_message_reads_any_json_body(data: Any) -> None:
    said = canvas_message(json.dumps(data))
    assert said is None or isinstance(said, str)


@pytest.mark.parametrize(
    "change,words",
    [
        ({"workflow_state": None}, "Canvas sent an export without workflow_state"),
        ({"id": math.inf}, "Canvas sent an export whose id is not an id"),
        ({"id": True}, "Canvas sent an export whose id is not an id"),
        ({"id": 12.0}, "Canvas sent an export whose id is not an id"),
        ({"id": 2**63}, "Canvas sent an export whose id is not an id"),
        ({"attachment": "zzz"}, "Canvas sent an export whose attachment is a string, not an object"),
        ({"workflow_state": "paused"}, "whose workflow_state is 'paused', which is not a known state"),
        ({"created_at": "9999-12-31T23:59:59Z"}, "whose created_at is not a date this app can use"),
    ],
)
def test_a_malformed_export_names_the_field(change: dict[str, Any], words: str) -> None:
    data = {**EXPORT, **change}
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(MalformedAnswerError, match=words):
        ContentExport.from_json(data)


def test_ids_as_digit_strings_are_read() -> None:
    """Canvas sends string ids under `Accept: application/json+canvas-string-ids`."""
    assert ContentExport.from_json({**EXPORT, "id": "9101"}).id == 9101


def test_the_exact_json_of_a_huge_id_is_refused() -> None:
    with pytest.raises(MalformedAnswerError, match="id is not an id"):
        ContentExport.from_json(json.loads('{"id": 1e400, "workflow_state": "created"}'))
