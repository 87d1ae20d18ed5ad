"""Reading the fields of one Canvas JSON object, refusing what the models cannot hold.

Canvas's answers are parsed once, at the edge (models.py, content.py). Whatever arrives
there, a parser either returns a model or raises MalformedAnswerError naming the object
and the field ("Canvas sent an export without workflow_state"): never a KeyError,
TypeError or OverflowError deep in the CLI or the GUI. The rules are the API's types:

* ids are whole numbers 0..2**63-1 (what SQLite stores), or strings of ASCII digits
  (Canvas's `application/json+canvas-string-ids`); never a bool, a float or NaN;
* counts (sizes) are whole numbers >= 0; fractions (completion) are finite numbers;
* yes/no answers are true/false (or Canvas's documented "true"/"false" strings);
* text is a string, its lone surrogates (JSON's "\\ud800") replaced by U+FFFD, since
  neither SQLite, a file system nor a UTF-8 terminal accepts them; dates are ISO 8601 within years 1900..9000, so adding the expiry
  days or converting to UTC cannot overflow;
* a missing key and `null` both mean "not given".
"""

from __future__ import annotations

import enum
import math
import re
from datetime import datetime, timezone
from typing import Any, Mapping, TypeVar

from .errors import MalformedAnswerError
from .text import replace_lone_surrogates

E = TypeVar("E", bound=enum.Enum)

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")
_FIRST_YEAR, _LAST_YEAR = 1900, 9000
_MAX_SHOWN = 40


def canvas_object(data: Any, what: str) -> Mapping[str, Any]:
    """`data` if it is a JSON object, else MalformedAnswerError ("... is not an object")."""
    if not isinstance(data, Mapping):
        raise MalformedAnswerError(what, f"that is not an object but {_kind(data)}")
    return data


def canvas_list(data: Any, what: str, *, detail: str = "") -> list[Any]:
    """`data` if it is a JSON array, else MalformedAnswerError ("... is not a list")."""
    if not isinstance(data, list):
        raise MalformedAnswerError(what, f"that is not a list but {_kind(data)}", detail=detail)
    return data


def _kind(value: Any) -> str:
    """A few words for a JSON value's type, for messages (never the value: it may be long)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    return "an object" if isinstance(value, Mapping) else type(value).__name__


def _shown(value: str) -> str:
    """A short, printable quote of an unknown value for a message."""
    text = value if len(value) <= _MAX_SHOWN else value[: _MAX_SHOWN - 1] + "…"
    return repr(text)


class Fields:
    """Typed access to one Canvas object; `what` names it in messages ("an export")."""

    def __init__(self, data: Any, what: str) -> None:
        self.data = canvas_object(data, what)
        self.what = what

    def _bad(self, name: str, problem: str) -> MalformedAnswerError:
        return MalformedAnswerError(self.what, f"whose {name} {problem}", detail=f"field {name}")

    def _missing(self, name: str) -> MalformedAnswerError:
        return MalformedAnswerError(self.what, f"without {name}", detail=f"field {name}")

    def _given(self, name: str) -> Any:
        return self.data.get(name)

    def id(self, name: str = "id") -> int:
        """A required id."""
        value = self.optional_id(name)
        if value is None:
            raise self._missing(name)
        return value

    def optional_id(self, name: str) -> int | None:
        value = self._given(name)
        if value is None:
            return None
        if isinstance(value, str) and _DIGITS.fullmatch(value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
            raise self._bad(name, "is not an id (a whole number)")
        return value

    def optional_count(self, name: str) -> int | None:
        """A size or other count."""
        value = self._given(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
            raise self._bad(name, "is not a size (a whole number of bytes)")
        return value

    def number(self, name: str) -> float:
        """A finite number such as a completion percentage; missing or null is 0."""
        value = self._given(name)
        if value is None:
            return 0.0
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._bad(name, "is not a number")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise self._bad(name, "is not a finite number")
        return number

    def optional_text(self, name: str) -> str | None:
        value = self._given(name)
        if value is None:
            return None
        if isinstance(value, str):
            return replace_lone_surrogates(value)
        raise self._bad(name, f"is {_kind(value)}, not text")

    def required_text(self, name: str) -> str:
        value = self.optional_text(name)
        if not value:
            raise self._missing(name)
        return value

    def text(self, *names: str, default: str = "") -> str:
        """The first non-empty text among `names` (Canvas's fallbacks), else `default`."""
        for name in names:
            value = self.optional_text(name)
            if value:
                return value
        return default

    def flag(self, name: str) -> bool:
        """A yes/no answer such as a permission; missing or null is False (not granted).

        JSON true/false, or the strings "true"/"false" that Canvas's own docs show for
        the permissions endpoints; anything else is refused rather than guessed.
        """
        value = self._given(name)
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise self._bad(name, f"is {_kind(value)}, not true or false")

    def choice(self, name: str, kind: type[E]) -> E:
        """A required value of the enum `kind` (a state such as workflow_state)."""
        value = self._given(name)
        if value is None:
            raise self._missing(name)
        try:
            return kind(value)
        except (ValueError, TypeError):
            shown = _shown(value) if isinstance(value, str) else _kind(value)
            raise self._bad(name, f"is {shown}, which is not a known state") from None

    def time(self, name: str) -> datetime | None:
        """An ISO 8601 date, as an aware datetime; missing, null or "" is None."""
        value = self.optional_text(name)
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise self._bad(name, "is not a date") from None
        if not _FIRST_YEAR <= parsed.year <= _LAST_YEAR:
            raise self._bad(name, "is not a date this app can use")
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)

    def optional_object(self, name: str) -> Mapping[str, Any] | None:
        value = self._given(name)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self._bad(name, f"is {_kind(value)}, not an object")
        return value

    def objects(self, name: str) -> list[Mapping[str, Any]]:
        """A list of objects (e.g. enrollments); missing or null is an empty list."""
        value = self._given(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise self._bad(name, "is not a list of objects")
        return value
