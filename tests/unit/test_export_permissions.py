"""Which export types a person may create (validation.allowed_export_types), and the
typed reading of Canvas's permissions answer (Fields.flag, models.Permissions)."""

from __future__ import annotations

import pytest

from desktop_app.canvas.errors import MalformedAnswerError, ValidationError
from desktop_app.canvas.fields import Fields
from desktop_app.canvas.models import Context, ContextKind, ExportType, Permissions
from desktop_app.canvas.validation import allowed_export_types, validate_export_request

COURSE = Context.parse("course:12")
CC, QTI, ZIP = ExportType.COMMON_CARTRIDGE, ExportType.QTI, ExportType.ZIP


@pytest.mark.parametrize("may_read_as_admin", [True, None])
def test_course_admins_and_unknown_permissions_offer_every_type(may_read_as_admin: bool | None) -> None:
    assert allowed_export_types(ContextKind.COURSE, may_read_as_admin) == {CC: None, QTI: None, ZIP: None}


def test_without_read_as_admin_a_course_is_zip_only_with_one_reason() -> None:
    allowed = allowed_export_types(ContextKind.COURSE, False)
    assert allowed[ZIP] is None
    assert (
        allowed[CC]
        == allowed[QTI]
        == (
            "Only teachers, TAs and designers of this course can make Common Cartridge or QTI exports; "
            "you can export its files as a zip."
        )
    )


@pytest.mark.parametrize("kind", [ContextKind.GROUP, ContextKind.USER])
@pytest.mark.parametrize("may_read_as_admin", [True, False, None])
def test_groups_and_users_are_zip_only_whoever_asks(kind: ContextKind, may_read_as_admin: bool | None) -> None:
    allowed = allowed_export_types(kind, may_read_as_admin)
    assert allowed[ZIP] is None
    assert allowed[CC] and allowed[CC] == allowed[QTI] and "only be exported as a zip" in allowed[CC]


def test_the_request_check_uses_the_same_rule() -> None:
    validate_export_request(COURSE, ZIP, {"files": [1]}, may_read_as_admin=False)
    validate_export_request(COURSE, CC, may_read_as_admin=True)
    for export_type in (CC, QTI):
        with pytest.raises(ValidationError) as caught:
            validate_export_request(COURSE, export_type, may_read_as_admin=False)
        assert str(caught.value) == allowed_export_types(ContextKind.COURSE, False)[export_type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("true", True), ("false", False), (" TRUE ", True), (None, False)],
)
def test_flag_reads_booleans_and_canvas_documented_strings(value: object, expected: bool) -> None:
    assert Fields({"read_as_admin": value}, "a permissions answer").flag("read_as_admin") is expected
    assert Fields({}, "a permissions answer").flag("read_as_admin") is False


@pytest.mark.parametrize("value", [1, 0, "yes", [], {}, 1.0])
def test_flag_refuses_anything_else_naming_the_field(value: object) -> None:
    with pytest.raises(MalformedAnswerError, match="read_as_admin"):
        Fields({"read_as_admin": value}, "a permissions answer").flag("read_as_admin")


def test_permissions_answer_is_typed_and_left_out_names_are_not_granted() -> None:
    perms = Permissions.from_json({"read_as_admin": "true", "extra": True}, COURSE, ("read_as_admin", "manage_grades"))
    assert perms.read_as_admin and not perms.allows("manage_grades")
    assert perms.granted == frozenset({"read_as_admin"})
    with pytest.raises(KeyError):
        perms.allows("extra")  # not asked: the answer says nothing reliable about it
    with pytest.raises(MalformedAnswerError):
        Permissions.from_json(["read_as_admin"], COURSE, ("read_as_admin",))
