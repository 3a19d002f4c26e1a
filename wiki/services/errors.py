"""Domain errors. Services raise these; one place maps them to HTML and JSON responses."""

from __future__ import annotations

import reprlib
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext

# The longest value a message repeats back (a title, a municipality, a YAML value ...), and the
# longest message about one field: input is echoed so people can find it, never in full, so a
# megabyte of input cannot become a megabyte of error.
ECHO_LIMIT = 60
MESSAGE_LIMIT = 500
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict = 2, 4, 4
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = ECHO_LIMIT


def shorten(value: Any, limit: int = ECHO_LIMIT) -> str:
    """A value as a message may show it: at most `limit` characters (then '…'), on one line,
    with control characters and lone surrogates escaped."""
    if isinstance(value, str):
        text = value[: limit + 1]
    elif isinstance(value, int) and value.bit_length() > 14_000:
        text = "…"  # str() refuses more than 4,300 digits (and no one reads them)
    else:
        text = _REPR.repr(value)  # bounded work however large or deep the value is
    shown = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text[: limit + 1])
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


class DomainError(Exception):
    """Base class; `code` is the stable machine-readable error code of the API."""

    status = 400
    code = "bad-request"

    def __init__(self, message: str) -> None:
        message = shorten(message, MESSAGE_LIMIT)  # the backstop for a value echoed in full
        super().__init__(message)
        self.message = message

    def details(self) -> dict[str, Any]:
        return {}


@dataclass
class FieldError:
    """One problem with one field of a lesson (or of a file being imported)."""

    field: str
    message: str

    def __post_init__(self) -> None:
        self.field = shorten(self.field)
        self.message = shorten(self.message, MESSAGE_LIMIT)


class ValidationFailed(DomainError):
    """The input is not a valid lesson; lists every problem found, per field."""

    status = 422
    code = "invalid"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    def details(self) -> dict[str, Any]:
        return {"fields": {e.field: e.message for e in self.errors}}


class NotFound(DomainError):
    status = 404
    code = "not-found"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


@dataclass
class ConflictInfo:
    """What the editor needs to show a merge screen."""

    slug: str
    base_revision: int
    current_revision: int
    extra: dict[str, Any] = field(default_factory=dict)


class EditConflict(DomainError):
    """Someone saved the lesson after the revision the edit started from."""

    status = 409
    code = "edit-conflict"

    def __init__(self, info: ConflictInfo) -> None:
        super().__init__(
            gettext(
                "lesson '%(slug)s' was saved as revision %(current)s after your base revision "
                "%(base)s",
                slug=info.slug,
                current=info.current_revision,
                base=info.base_revision,
            )
        )
        self.info = info

    def details(self) -> dict[str, Any]:
        return {
            "base_revision": self.info.base_revision,
            "current_revision": self.info.current_revision,
        }


class SlugTaken(DomainError):
    status = 409
    code = "slug-taken"


class PersonalDataFound(DomainError):
    """Publishing text that holds personal data (AVG): refused, with every finding listed."""

    status = 422
    code = "personal-data"

    def __init__(self, findings: list[Any]) -> None:
        shown = "; ".join(
            gettext(
                "%(kind)s '%(text)s' (%(field)s, position %(start)s)",
                kind=f.label,
                text=f.text,
                field=f.field,
                start=f.start,
            )
            for f in findings
        )
        super().__init__(
            gettext("the text may contain personal data: %(findings)s", findings=shown)
        )
        self.findings = findings

    def details(self) -> dict[str, Any]:
        return {"findings": [f.as_dict() for f in self.findings]}


class AlreadyRecorded(DomainError):
    """The same person already recorded this (a confirmation is given once per lesson)."""

    status = 409
    code = "already-recorded"
