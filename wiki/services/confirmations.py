"""Confirmations across municipalities: "werkte ook bij ons", "werkte deels", "werkte niet".

The evidence that makes a lesson generic: counted on the lesson (for search and sorting),
listed by municipality and province, and a generic lesson that did not work elsewhere is
flagged for curators.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from wiki import labels
from wiki.extensions import db
from wiki.models import Confirmation, Lesson, LessonChange, User
from wiki.services import audit, indexing, lessons, permissions, privacy
from wiki.services.errors import (
    AlreadyRecorded,
    FieldError,
    PermissionDenied,
    PersonalDataFound,
    ValidationFailed,
)
from wiki.vocabulary import CONFIRMATION_RESULTS

MAX_NOTE = 1000
COUNTED = ("worked", "partly")  # what counts as a confirmation in search and sorting


def add(slug: str, actor: User | None, result: str, note: str) -> Confirmation:
    """Record another municipality's experience with a published lesson."""
    user = permissions.require_writer(actor)
    lesson = lessons.get(slug, user)
    if lesson.status != "published":
        raise PermissionDenied(gettext("only published lessons can be confirmed"))
    if user.municipality_id is None:
        raise PermissionDenied(gettext("only authors who belong to a municipality can confirm"))
    if user.municipality_id == lesson.municipality_id or user.id == lesson.created_by_id:
        raise PermissionDenied(
            gettext("a lesson can only be confirmed from another municipality, not by its creator")
        )
    errors = []
    if result not in CONFIRMATION_RESULTS:
        options = ", ".join(CONFIRMATION_RESULTS)
        errors.append(FieldError("result", gettext("choose one of: %(options)s", options=options)))
    note = (note or "").strip()
    if not note:
        errors.append(FieldError("note", gettext("briefly describe your own context")))
    elif len(note) > MAX_NOTE:
        errors.append(FieldError("note", gettext("at most %(max)s characters", max=MAX_NOTE)))
    if errors:
        raise ValidationFailed(errors, labels.CONFIRMATION)
    findings = privacy.scan(note, field="note")
    if findings:
        raise PersonalDataFound(findings, {"note": note}, labels.CONFIRMATION)
    confirmation = Confirmation(
        lesson_id=lesson.id,
        user_id=user.id,
        municipality_id=user.municipality_id,
        result=result,
        note=note,
    )
    db.session.add(confirmation)
    # Counted in SQL, not in Python: two confirmations committed at once must both count.
    if result in COUNTED:
        lesson.confirmation_count = Lesson.confirmation_count + 1
    else:
        lesson.contradiction_count = Lesson.contradiction_count + 1
    db.session.add(LessonChange(lesson_id=lesson.id))  # the count is in every node's index
    audit.record(user, "confirmation.create", f"lesson:{slug}", result=result)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise AlreadyRecorded(
            gettext("you have already recorded your experience with this lesson")
        ) from exc
    indexing.lessons_saved([lesson.id])  # the confirmation count is searchable
    return confirmation


def recount(lesson: Lesson) -> None:
    """Count the lesson's confirmations again after it moved to another municipality (no
    commit).

    A confirmation stays bound to the municipality that gave it. If a curator moves the
    lesson into that municipality, it would be the lesson's own town confirming itself: it
    is kept (and shown apart) but no longer counted; it counts again if the lesson moves on.
    """
    rows = db.session.execute(
        select(Confirmation.result, func.count())
        .where(
            Confirmation.lesson_id == lesson.id,
            Confirmation.municipality_id != lesson.municipality_id,
        )
        .group_by(Confirmation.result)
    ).all()
    lesson.confirmation_count = sum(n for result, n in rows if result in COUNTED)
    lesson.contradiction_count = sum(n for result, n in rows if result not in COUNTED)


@dataclass
class Summary:
    """What a lesson page shows: counts per result and the list by province, and apart from
    them the experiences the lesson's own municipality gave before the lesson moved there."""

    counts: dict[str, int]
    by_province: dict[str, list[Confirmation]]
    items: list[Confirmation]
    own: list[Confirmation]

    @property
    def total(self) -> int:
        return len(self.items)


def of(lesson: Lesson, *, any_given: bool = True) -> Summary:
    """The lesson's confirmations, counted as `recount` counts them.

    `any_given=False` (the lesson page knows it from `curation.page_parts`) skips the query:
    most lessons have none. The lesson's counters cannot tell, as they leave out the
    experiences of its own municipality.
    """
    every: Iterable[Confirmation] = (
        db.session.execute(
            select(Confirmation)
            .where(Confirmation.lesson_id == lesson.id)
            .order_by(Confirmation.created_at)
        ).scalars()
        if any_given
        else []
    )
    items: list[Confirmation] = []
    own: list[Confirmation] = []
    for item in every:
        (own if item.municipality_id == lesson.municipality_id else items).append(item)
    counts = {result: 0 for result in CONFIRMATION_RESULTS}
    by_province: dict[str, list[Confirmation]] = {}
    for item in items:
        counts[item.result] += 1
        by_province.setdefault(item.municipality.province, []).append(item)
    return Summary(counts, dict(sorted(by_province.items())), items, own)


def contradicted(lesson: Lesson) -> bool:
    """A generic lesson reported as not working elsewhere: curators look again."""
    return lesson.type == "generic" and lesson.contradiction_count > 0


def as_dict(confirmation: Confirmation) -> dict[str, object]:
    return {
        "result": confirmation.result,
        "note": confirmation.note,
        "municipality": confirmation.municipality.name,
        "province": confirmation.municipality.province,
        "created_at": confirmation.created_at.isoformat(),
    }
