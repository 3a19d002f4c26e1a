"""Domain errors. Services raise these; one place maps them to HTML and JSON responses."""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext

from wiki.i18n import N_
from wiki.labels import Labels, label
from wiki.rendering_limits import TooComplex
from wiki.services.finding_text import describe

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
    retry_after: int | None = None  # seconds, sent as Retry-After (with a 503)

    def __init__(self, message: str) -> None:
        message = shorten(message, MESSAGE_LIMIT)  # the backstop for a value echoed in full
        super().__init__(message)
        self.message = message

    def details(self) -> dict[str, Any]:
        return {}

    def headers(self) -> dict[str, str]:
        """Extra HTTP headers for the answer (Retry-After for a 503)."""
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


@dataclass
class FieldError:
    """One problem with one field of a lesson (or of a file being imported)."""

    field: str
    message: str

    def __post_init__(self) -> None:
        self.field = shorten(self.field)
        self.message = shorten(self.message, MESSAGE_LIMIT)


class ValidationFailed(DomainError):
    """The input is not valid; lists every problem found, per field.

    `labels` are the labels of the form the fields belong to (wiki.labels; the lesson form's
    by default): the message names each field as that form shows it, `fields` in the API
    keeps the internal names.
    """

    status = 422
    code = "invalid"

    def __init__(self, errors: list[FieldError], labels: Labels | None = None) -> None:
        self.labels = labels
        super().__init__("; ".join(f"{self.label(e.field)}: {e.message}" for e in errors))
        self.errors = errors

    def label(self, name: str) -> str:
        """The label of field `name` in the current language."""
        return label(name, self.labels)

    def details(self) -> dict[str, Any]:
        return {"fields": {e.field: e.message for e in self.errors}}


class NotFound(DomainError):
    status = 404
    code = "not-found"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class FieldDenied(PermissionDenied):
    """Refused because of what one field holds, e.g. a municipality an author may not use."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field

    def details(self) -> dict[str, Any]:
        return {"fields": {self.field: self.message}}


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

    def __init__(
        self,
        findings: list[Any],
        texts: Mapping[str, Any] | None = None,
        labels: Labels | None = None,
    ) -> None:
        """`texts`: the scanned text per field (to name the line); `labels`: as ValidationFailed."""
        self.descriptions = [describe(f, texts, labels) for f in findings]
        super().__init__(
            gettext(
                "the text may contain personal data: %(findings)s",
                findings="; ".join(self.descriptions),
            )
        )
        self.findings = findings

    def details(self) -> dict[str, Any]:
        """Each finding as privacy.Finding.as_dict has it, plus `message` for people."""
        return {
            "findings": [
                {**f.as_dict(), "message": text}
                for f, text in zip(self.findings, self.descriptions, strict=True)
            ]
        }


class AlreadyRecorded(DomainError):
    """The same person already recorded this (a confirmation is given once per lesson)."""

    status = 409
    code = "already-recorded"


class ScannerNotReady(DomainError):
    """The privacy scanner is still being prepared (once after an install): try again soon."""

    status = 503
    code = "scanner-not-ready"
    retry_after = 30  # seconds

    def __init__(self) -> None:
        super().__init__(
            gettext(
                "The privacy scanner is still being prepared (once after installation, about "
                "2 minutes). Nothing has been saved yet: try again in half a minute."
            )
        )


# Why the renderer refuses a text, per limit of wiki/rendering_limits.py ("nesting-0": no line).
_REFUSALS = {
    "length": N_("the text is longer than %(max)s characters."),
    "text-lines": N_(
        "the text has %(found)s lines with text; at most %(max)s are allowed. "
        "Shorten it or split it up."
    ),
    "markup": N_(
        "the text has %(found)s markup characters (* _ ` [ ] < > | & # ! \\); "
        "at most %(max)s are allowed."
    ),
    "headings": N_("the text has %(found)s headings; at most %(max)s are allowed."),
    "brackets": N_(
        "on line %(line)s, %(found)s square brackets [ are open at once; at most "
        "%(max)s are allowed. Close them, or write \\[ for a bracket as text."
    ),
    "emphasis": N_(
        "on line %(line)s, %(found)s emphasis marks (* or _) are open at once; at "
        "most %(max)s are allowed. Close them, or write \\* for an asterisk as text."
    ),
    "nesting": N_("on line %(line)s, lists or quotes are nested more than %(max)s levels deep."),
    "nesting-0": N_("lists, quotes or emphasis are nested more than %(max)s levels deep."),
    "paragraph": N_(
        "the paragraph on line %(line)s is long and holds much markup; split it "
        "into shorter paragraphs with blank lines."
    ),
    "scan": N_(
        "the text has too many unclosed square brackets [, parentheses (, "
        "backticks ` or angle brackets <; close them, or write them as \\[, \\(, \\` or &lt;."
    ),
}


def describe_refusal(refusal: TooComplex) -> str:
    """Why the renderer refuses a text (the field's label is added where it is shown)."""
    key = "nesting-0" if refusal.limit == "nesting" and not refusal.line else refusal.limit
    return str(
        gettext(
            _REFUSALS[key],
            found=refusal.found,
            max=refusal.maximum,
            line=refusal.line,
        )
    )


class TooComplexText(ValidationFailed):
    """Markdown the renderer refuses: too large or too deeply nested to render quickly."""

    def __init__(self, field: str, refusal: TooComplex, labels: Labels | None = None) -> None:
        super().__init__([FieldError(field, describe_refusal(refusal))], labels)
        self.refusal = refusal


class DatabaseBusy(DomainError):
    """Another writer held the database's lock for longer than a write waits (503)."""

    status = 503
    code = "database-busy"
    retry_after = 2


class SearchUnavailable(DomainError):
    """The search index is missing or damaged and is being rebuilt from the database (503)."""

    status = 503
    code = "index-unavailable"
    retry_after = 10


# SQLite's messages when the busy timeout ran out; PostgreSQL's lock_not_available (a
# lock_timeout ran out) and deadlock_detected: all say "try again", none is the request's fault.
_SQLITE_LOCKED = ("database is locked", "database table is locked")
_POSTGRES_LOCKED = frozenset({"55P03", "40P01"})


def database_busy(error: Exception) -> DatabaseBusy | None:
    """The domain error for a database error that only means "locked, try again", or None."""
    original = getattr(error, "orig", None)
    text = str(original if original is not None else error).lower()
    locked = any(m in text for m in _SQLITE_LOCKED)
    locked = locked or getattr(original, "pgcode", None) in _POSTGRES_LOCKED
    if not locked:
        return None
    return DatabaseBusy(
        gettext(
            "The wiki is busy saving other changes; nothing was saved. Try again in a few seconds."
        )
    )
