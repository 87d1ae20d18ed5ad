"""Export request validation and `select` encoding (desktop_app/canvas/validation.py)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest

from desktop_app.canvas.errors import ValidationError
from desktop_app.canvas.models import ACCEPTED_KEYS, Context, ExportType, SelectKey
from desktop_app.canvas.validation import export_form, normalise_select, validate_export_request

COURSE = Context.parse("course:12")
GROUP = Context.parse("group:7")
USER = Context.parse("user:3")
SELF = Context.parse("user:self")


@pytest.mark.parametrize("export_type", list(ExportType))
def test_courses_take_every_type(export_type: ExportType) -> None:
    validate_export_request(COURSE, export_type)


@pytest.mark.parametrize("ctx", [GROUP, USER, SELF])
def test_groups_and_users_are_zip_only(ctx: Context) -> None:
    validate_export_request(ctx, ExportType.ZIP)
    validate_export_request(ctx, "zip", {"folders": [1], "files": [2]})
    for export_type in (ExportType.COMMON_CARTRIDGE, ExportType.QTI):
        with pytest.raises(ValidationError, match="only be exported as a zip"):
            validate_export_request(ctx, export_type)


@pytest.mark.parametrize("export_type", list(ExportType))
@pytest.mark.parametrize("key", list(SelectKey))
def test_accepted_keys_matrix(export_type: ExportType, key: SelectKey) -> None:
    select = {key: [5]}
    if key in ACCEPTED_KEYS[export_type]:
        validate_export_request(COURSE, export_type, select)
    else:
        with pytest.raises(ValidationError) as caught:
            validate_export_request(COURSE, export_type, select)
        assert key.label in str(caught.value) or "folders" in str(caught.value)


def test_zip_with_pages_explains_what_to_use_instead() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_export_request(COURSE, ExportType.ZIP, {SelectKey.FILES: [1], SelectKey.PAGES: [2]})
    assert str(caught.value) == (
        "A Zip export contains only files and folders, so it cannot include Pages. "
        "Use Common Cartridge to export other course content."
    )


def test_qti_takes_only_quizzes() -> None:
    validate_export_request(COURSE, ExportType.QTI, {SelectKey.QUIZZES: [3]})
    with pytest.raises(ValidationError, match="only quizzes"):
        validate_export_request(COURSE, ExportType.QTI, {SelectKey.QUIZZES: [3], SelectKey.ASSIGNMENTS: [4]})


def test_cc_refuses_folders_with_advice() -> None:
    with pytest.raises(ValidationError, match="select the files inside the folder"):
        validate_export_request(COURSE, ExportType.COMMON_CARTRIDGE, {SelectKey.FOLDERS: [1]})


def test_unknown_key_and_type() -> None:
    with pytest.raises(ValidationError, match="'wiki_pages' is not something an export can select"):
        validate_export_request(COURSE, ExportType.COMMON_CARTRIDGE, {"wiki_pages": [1]})
    with pytest.raises(ValidationError, match="'quizzes2' is not an export type"):
        validate_export_request(COURSE, "quizzes2")


def test_ids_must_be_numeric() -> None:
    with pytest.raises(ValidationError, match="numeric page id, not their URL"):
        validate_export_request(COURSE, ExportType.COMMON_CARTRIDGE, {SelectKey.PAGES: ["syllabus-week-1"]})
    with pytest.raises(ValidationError):
        validate_export_request(COURSE, ExportType.ZIP, {SelectKey.FILES: [0]})
    with pytest.raises(ValidationError):
        validate_export_request(COURSE, ExportType.ZIP, {SelectKey.FILES: [True]})


def test_empty_selection_is_refused_but_none_means_everything() -> None:
    validate_export_request(COURSE, ExportType.ZIP, None)
    with pytest.raises(ValidationError, match="Nothing is selected"):
        validate_export_request(COURSE, ExportType.ZIP, {})
    with pytest.raises(ValidationError, match="Nothing is selected"):
        validate_export_request(COURSE, ExportType.ZIP, {SelectKey.FILES: []})


def test_normalise_select_dedupes_and_accepts_strings() -> None:
    assert normalise_select({"files": ["12", 13, 12], SelectKey.FOLDERS: (4,)}) == {
        SelectKey.FILES: (12, 13),
        SelectKey.FOLDERS: (4,),
    }


def test_export_form_encodes_arrays_like_canvas_expects() -> None:
    form = export_form(
        ExportType.COMMON_CARTRIDGE,
        {SelectKey.MODULES: [101], SelectKey.PAGES: [555, 556], SelectKey.FILES: [678]},
        skip_notifications=True,
    )
    assert form == [
        ("export_type", "common_cartridge"),
        ("skip_notifications", "true"),
        ("select[modules][]", "101"),
        ("select[pages][]", "555"),
        ("select[pages][]", "556"),
        ("select[files][]", "678"),
    ]
    body = urlencode(form)
    assert "select%5Bpages%5D%5B%5D=555&select%5Bpages%5D%5B%5D=556" in body
    assert parse_qsl(body) == form  # what Rails will decode


def test_export_form_without_select_or_notifications() -> None:
    assert export_form("zip") == [("export_type", "zip")]
