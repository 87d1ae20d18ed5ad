"""Refuse export requests Canvas would reject or silently mangle, before sending them.

Canvas answers 400 for an export type the context does not support, but it *silently
ignores* select keys the export type does not read (a zip of pages even ends `failed`
later, canvas-api.md section 2.3). A person should hear about that at once, in words
that say what to do instead, so every request goes through `validate_export_request`.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from .errors import ValidationError
from .models import ACCEPTED_KEYS, ALLOWED_TYPES, Context, ContextKind, ExportType, SelectKey

SelectArg = Mapping[SelectKey | str, Iterable[int | str]]

_TYPE_CONTENTS = {
    ExportType.ZIP: "only files and folders",
    ExportType.QTI: "only quizzes",
    ExportType.COMMON_CARTRIDGE: "course content, but not folders",
}


def coerce_export_type(export_type: ExportType | str) -> ExportType:
    """Accept the enum or its value; refuse anything else (e.g. `quizzes2`) clearly."""
    if isinstance(export_type, ExportType):
        return export_type
    try:
        return ExportType(str(export_type).strip().lower())
    except ValueError:
        choices = ", ".join(t.value for t in ExportType)
        raise ValidationError(
            f"'{export_type}' is not an export type this app creates: use one of {choices}."
        ) from None


def coerce_select_key(key: SelectKey | str) -> SelectKey:
    """Accept the enum or its value (`"pages"`); refuse unknown keys with the valid ones."""
    if isinstance(key, SelectKey):
        return key
    try:
        return SelectKey(str(key).strip().lower())
    except ValueError:
        choices = ", ".join(k.value for k in SelectKey)
        raise ValidationError(f"'{key}' is not something an export can select: use one of {choices}.") from None


def _coerce_id(key: SelectKey, value: int | str) -> int:
    if isinstance(value, bool):
        raise ValidationError(f"{key.label}: {value!r} is not an id.")
    if isinstance(value, int):
        ident = value
    else:
        text = str(value).strip()
        if not text.isdigit():
            raise ValidationError(
                f"{key.label}: '{value}' is not a numeric id"
                + (" (pages are selected by their numeric page id, not their URL)." if key is SelectKey.PAGES else ".")
            )
        ident = int(text)
    if ident <= 0:
        raise ValidationError(f"{key.label}: {ident} is not a valid id.")
    return ident


def normalise_select(select: SelectArg) -> dict[SelectKey, tuple[int, ...]]:
    """Keys as SelectKey, ids as ints without duplicates (order kept); empty keys dropped.

    Raises ValidationError for an unknown key, a non-numeric id, or nothing selected at
    all: an empty selection is almost certainly a mistake, and `None` already means
    "export everything".
    """
    result: dict[SelectKey, tuple[int, ...]] = {}
    for raw_key, raw_ids in select.items():
        key = coerce_select_key(raw_key)
        if isinstance(raw_ids, (str, bytes, int)):
            raw_ids = [raw_ids]  # type: ignore[list-item]  # one id given without a list
        ids = tuple(dict.fromkeys(_coerce_id(key, v) for v in raw_ids))
        if ids:
            result[key] = tuple(dict.fromkeys(result.get(key, ()) + ids))
    if not result:
        raise ValidationError("Nothing is selected: pick at least one item, or export everything.")
    return result


READ_AS_ADMIN = "read_as_admin"
"""The Canvas permission that decides which export types a person may create in a
course (teachers, TAs, designers and admins have it; students do not)."""

_ZIP_ONLY = {
    ContextKind.GROUP: "A group's content can only be exported as a zip of its files.",
    ContextKind.USER: "A user's files can only be exported as a zip.",
}
_NOT_COURSE_ADMIN = (
    "Only teachers, TAs and designers of this course can make Common Cartridge or QTI exports; "
    "you can export its files as a zip."
)


def allowed_export_types(kind: ContextKind, may_read_as_admin: bool | None = None) -> dict[ExportType, str | None]:
    """Every export type, mapped to None when Canvas allows it here, else to the reason why not.

    * groups and users: zip only, whoever asks (Canvas answers 400 "invalid export_type");
    * courses: every type for people with `read_as_admin` on the course; zip only for
      everyone else (Canvas answers 401/403, canvas-api.md 2.2). `may_read_as_admin`
      None means "not known (yet)": the course's types are offered and Canvas decides.

    The reasons are the same for every refused type of a context, so a window can show
    one line for all of them.
    """
    allowed: dict[ExportType, str | None] = {}
    for export_type in ExportType:
        if export_type not in ALLOWED_TYPES[kind]:
            allowed[export_type] = _ZIP_ONLY[kind]
        elif export_type is not ExportType.ZIP and may_read_as_admin is False:
            allowed[export_type] = _NOT_COURSE_ADMIN
        else:
            allowed[export_type] = None
    return allowed


def validate_export_request(
    ctx: Context,
    export_type: ExportType | str,
    select: SelectArg | None = None,
    *,
    may_read_as_admin: bool | None = None,
) -> None:
    """Raise ValidationError unless Canvas will do exactly what was asked.

    * the type must be allowed here (`allowed_export_types`): groups and users zip only,
      and courses zip only without `read_as_admin` when that is known;
    * zip reads only folders and files, QTI only quizzes, Common Cartridge everything
      except folders (select the folder's files instead), per `ACCEPTED_KEYS`;
    * select keys must be known and ids numeric.
    """
    export_type = coerce_export_type(export_type)
    why_not = allowed_export_types(ctx.kind, may_read_as_admin)[export_type]
    if why_not is not None:
        raise ValidationError(why_not)
    if select is None:
        return
    keys = normalise_select(select)
    accepted = ACCEPTED_KEYS[export_type]
    refused = [k for k in keys if k not in accepted]
    if not refused:
        return
    names = ", ".join(k.label for k in refused)
    if export_type is ExportType.COMMON_CARTRIDGE and refused == [SelectKey.FOLDERS]:
        raise ValidationError("A Common Cartridge export ignores folders: select the files inside the folder instead.")
    advice = (
        " Use Common Cartridge to export other course content."
        if ctx.kind is ContextKind.COURSE and export_type is not ExportType.COMMON_CARTRIDGE
        else ""
    )
    raise ValidationError(
        f"A {export_type.label} export contains {_TYPE_CONTENTS[export_type]}, so it cannot include {names}.{advice}"
    )


def notifications_apply(kind: ContextKind, export_type: ExportType) -> bool:
    """Does `skip_notifications` mean anything here? Canvas e-mails the user when a
    course's Common Cartridge or QTI export ends; zip, group and user exports send none,
    so the flag is neither offered nor sent for them."""
    return kind is ContextKind.COURSE and export_type is not ExportType.ZIP


def export_form(
    export_type: ExportType | str,
    select: SelectArg | None = None,
    *,
    skip_notifications: bool = False,
) -> list[tuple[str, str]]:
    """The POST body as form fields, exactly as Canvas's docs and canvasapi send it.

    `select[files][]=12&select[files][]=13` (array form, ids as strings, which Canvas
    turns into `attachment_12`). Form encoding rather than JSON because it is what the
    Canvas API documentation, its own specs and canvasapi use, so every Canvas version
    and proxy understands it; JSON would work on current Canvas too (canvas-api.md 2.3).
    """
    fields = [("export_type", coerce_export_type(export_type).value)]
    if skip_notifications:
        fields.append(("skip_notifications", "true"))
    if select is not None:
        for key, ids in normalise_select(select).items():
            fields.extend((f"select[{key.value}][]", str(i)) for i in ids)
    return fields
