"""A lesson's history as one viewer may see it, and a curator's redaction of a revision.

Which revision a viewer may see is decided in permissions.can_view_revision; every channel
that shows revision content (history, old revision, diff, revert, API, feeds) asks there.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import select

from wiki.extensions import db
from wiki.models import (
    REDACTED_TEXT,
    Lesson,
    Revision,
    User,
    redacted_front_matter,
    utcnow,
)
from wiki.services import audit, lessons, permissions, privacy
from wiki.services.errors import FieldError, NotFound, ValidationFailed

MAX_REASON = 500  # the column's size


@dataclass(frozen=True)
class Entry:
    """One line of the history: a revision and whether this viewer may see its content.

    A hidden revision keeps its line (number and date only), so the numbering has no gaps
    that readers would take for an error, and `previous` lets a difference skip it.
    """

    revision: Revision
    visible: bool
    previous: int | None  # the latest earlier revision this viewer may see


def entries(lesson: Lesson, viewer: User | None) -> list[Entry]:
    """The lesson's revisions, newest first, each marked visible or not for `viewer`."""
    result: list[Entry] = []
    previous = None
    for revision in reversed(lessons.revisions(lesson)):
        visible = permissions.can_view_revision(viewer, lesson, revision)
        result.append(Entry(revision, visible, previous))
        if visible:
            previous = revision.number
    return result[::-1]


def visible_numbers(lesson: Lesson, viewer: User | None) -> list[int]:
    """The revision numbers `viewer` may see, oldest first."""
    return sorted(e.revision.number for e in entries(lesson, viewer) if e.visible)


def get(lesson: Lesson, number: int, viewer: User | None) -> Revision:
    """Revision `number`, or NotFound when it does not exist or the viewer may not see it
    (the same answer for both)."""
    revision = lessons.get_revision(lesson, number)
    if not permissions.can_view_revision(viewer, lesson, revision):
        raise NotFound(
            gettext("lesson '%(slug)s' has no revision %(number)s", slug=lesson.slug, number=number)
        )
    return revision


def redact(slug: str, number: int, curator: User | None, reason: str) -> Revision:
    """Replace the texts of one older revision by a placeholder (no commit: the caller's
    commit makes the redaction and its audit event durable together).

    The current revision is refused: it is the lesson itself (page, search index, export),
    so it must first be replaced by a new revision without the text.
    """
    user = permissions.require_curator(curator, permissions.REDACT_REVISIONS)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([FieldError("reason", gettext("A reason is required"))])
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            [
                FieldError(
                    "reason",
                    gettext("A reason is too long (at most %(max)s characters)", max=MAX_REASON),
                )
            ]
        )
    lesson = lessons.get(slug, user)
    revision = lessons.get_revision(lesson, number)
    if revision.number == lesson.revision_number:
        raise ValidationFailed(
            [
                FieldError(
                    "revision",
                    gettext(
                        "The current revision cannot be redacted. Save the lesson without the "
                        "text first; then redact this revision, which is then an older one."
                    ),
                )
            ]
        )
    if revision.redacted_at is not None:
        raise ValidationFailed(
            [FieldError("revision", gettext("This revision has already been redacted."))]
        )
    lessons.refuse_personal_data({"reason": reason}, lesson)
    revision.title = REDACTED_TEXT
    revision.body = REDACTED_TEXT
    revision.comment = REDACTED_TEXT
    revision.front_matter = redacted_front_matter(revision.front_matter)
    revision.redacted_at = utcnow()
    revision.redacted_by_id = user.id
    revision.redaction_reason = reason
    revision.privacy_clear = True  # nothing of the old text is left to hide
    revision.html_cache = None
    revision.toc_cache = None
    audit.record(user, "revision.redact", f"lesson:{lesson.slug}", revision, reason=reason)
    return revision


def settle_privacy(lesson: Lesson) -> int:
    """After a curator accepted a finding: revisions whose findings are now all accepted
    become cleared. Returns how many changed (no commit)."""
    held = db.session.execute(
        select(Revision).where(Revision.lesson_id == lesson.id, Revision.privacy_clear.is_(False))
    ).scalars()
    cleared = 0
    for revision in held:
        try:
            data = lessons.input_of(revision)
        except ValidationFailed:
            continue  # saved under older rules: it stays held, a curator may redact it
        found = lessons.without_overrides(privacy.scan_fields(lessons.text_fields(data)), lesson)
        if not found:
            revision.privacy_clear = True
            cleared += 1
    return cleared
