"""Domain errors. Services raise these; one place maps them to HTML and JSON responses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext


class DomainError(Exception):
    """Base class; `code` is the stable machine-readable error code of the API."""

    status = 400
    code = "bad-request"
    retry_after: int | None = None  # seconds, sent as Retry-After (with a 503)

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def details(self) -> dict[str, Any]:
        return {}


@dataclass
class FieldError:
    """One problem with one field of a lesson (or of a file being imported)."""

    field: str
    message: str


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
