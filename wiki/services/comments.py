"""Comments: discussion among professionals under a lesson.

Plain text, shown escaped (never rendered as Markdown or HTML), and scanned for personal
data like everything else that is published.
"""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select

from wiki import labels
from wiki.extensions import db
from wiki.models import Comment, Lesson, User
from wiki.services import audit, lessons, permissions, privacy
from wiki.services.errors import FieldError, PersonalDataFound, ValidationFailed

MAX_LENGTH = 4000


def add(slug: str, actor: User | None, body: str) -> Comment:
    user = permissions.require_login(actor, permissions.COMMENT)
    lesson = lessons.get(slug, user)
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationFailed(
            [FieldError("body", gettext("a comment cannot be empty"))], labels.COMMENT
        )
    if len(body) > MAX_LENGTH:
        raise ValidationFailed(
            [FieldError("body", gettext("at most %(max)s characters", max=MAX_LENGTH))],
            labels.COMMENT,
        )
    findings = privacy.scan(body, field="body")
    if findings:
        raise PersonalDataFound(findings, {"body": body}, labels.COMMENT)
    comment = Comment(lesson_id=lesson.id, user_id=user.id, body=body)
    db.session.add(comment)
    audit.record(user, "comment.create", f"lesson:{slug}")
    db.session.commit()
    return comment


def of(lesson: Lesson) -> list[Comment]:
    return list(
        db.session.execute(
            select(Comment).where(Comment.lesson_id == lesson.id).order_by(Comment.id)
        ).scalars()
    )
