"""The curation workflow: status changes, reviews bound to revisions, reclassification,
privacy overrides and the curator's queue.

Every change of a lesson goes through lessons.update, so it is a new immutable revision,
checked for conflicts, permissions and personal data like any other edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from wiki.extensions import db
from wiki.models import (
    Confirmation,
    Lesson,
    PrivacyOverride,
    Reclassification,
    Review,
    User,
    utcnow,
)
from wiki.services import audit, lessons, permissions, privacy
from wiki.services.errors import FieldError, ValidationFailed
from wiki.services.lessons import REVIEW_INTERVAL, SaveResult
from wiki.services.validation import validate
from wiki.vocabulary import STATUSES, TYPES

MAX_NOTE = 2000


def _required_text(name: str, value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed([FieldError(name, f"{what} is verplicht")])
    if len(text) > MAX_NOTE:
        raise ValidationFailed(
            [FieldError(name, f"{what} is te lang (maximaal {MAX_NOTE} tekens)")]
        )
    return text


def set_status(
    slug: str, status: str, base_revision: int, actor: User | None, note: str = ""
) -> SaveResult:
    """Move a lesson through draft -> in-review -> published -> archived (a new revision)."""
    if status not in STATUSES:
        raise ValidationFailed([FieldError("status", f"onbekende status '{status}'")])
    lesson = lessons.get(slug, actor)
    data = lessons.input_of(lessons.current_revision(lesson))
    data.status = status
    comment = note.strip() or f"Status: {STATUSES[status]}"
    return lessons.update(slug, data, base_revision, actor, comment, action="lesson.status")


def return_to_author(slug: str, base_revision: int, curator: User, note: str) -> Review:
    """Send a lesson in review back to draft, with the curator's comments."""
    permissions.require_curator(curator, "lessen terug te sturen")
    note = _required_text("note", note, "Een toelichting voor de auteur")
    if lessons.get(slug, curator).status != "in-review":
        raise ValidationFailed(
            [FieldError("status", "alleen lessen die ter beoordeling liggen gaan terug")]
        )
    result = set_status(slug, "draft", base_revision, curator, f"Teruggestuurd: {note[:300]}")
    return _review(result, curator, "returned", note)


def endorse(slug: str, base_revision: int, curator: User, note: str = "") -> Review:
    """A curator's review of the current revision; publishes a lesson that was not yet."""
    permissions.require_curator(curator, "lessen te beoordelen")
    lesson = lessons.get(slug, curator)
    if lesson.status != "published":
        result = set_status(slug, "published", base_revision, curator, "Beoordeeld en gepubliceerd")
    else:
        if base_revision != lesson.revision_number:
            result = lessons.update(  # raises the usual EditConflict
                slug, lessons.input_of(lessons.current_revision(lesson)), base_revision, curator
            )
        result = SaveResult(lesson, lessons.current_revision(lesson), changed=False)
    result.lesson.review_by = utcnow() + REVIEW_INTERVAL
    return _review(result, curator, "endorsed", note.strip()[:MAX_NOTE])


def _review(result: SaveResult, curator: User, verdict: str, note: str) -> Review:
    review = Review(
        lesson_id=result.lesson.id,
        revision_id=result.revision.id,
        revision_number=result.revision.number,
        curator_id=curator.id,
        organisation=curator.organisation or "",
        verdict=verdict,
        note=note,
    )
    db.session.add(review)
    audit.record(
        curator,
        f"review.{verdict}",
        f"lesson:{result.lesson.slug}",
        result.revision,
        note=note[:200],
    )
    db.session.commit()
    return review


def reclassify(
    slug: str,
    base_revision: int,
    curator: User,
    to_type: str,
    reason: str,
    context: str | None = None,
) -> Reclassification:
    """generic <-> context-dependent, with a reason kept in the history and shown on the lesson."""
    permissions.require_curator(curator, "lessen te herclassificeren")
    if to_type not in TYPES:
        raise ValidationFailed([FieldError("type", f"onbekend type '{to_type}'")])
    reason = _required_text("reason", reason, "Een reden")
    lesson = lessons.get(slug, curator)
    if lesson.type == to_type:
        raise ValidationFailed([FieldError("type", f"de les is al {TYPES[to_type].lower()}")])
    current = lessons.current_revision(lesson)
    front_matter = dict(current.front_matter)
    front_matter["type"] = to_type
    if context is not None and context.strip():
        front_matter["context"] = context.strip()
    data = validate(front_matter, current.body)  # context-dependent needs a context
    from_type = lesson.type
    result = lessons.update(
        slug,
        data,
        base_revision,
        curator,
        f"Hergeclassificeerd naar {TYPES[to_type].lower()}: {reason[:300]}",
        action="lesson.reclassify",
    )
    record = Reclassification(
        lesson_id=lesson.id,
        revision_id=result.revision.id,
        from_type=from_type,
        to_type=to_type,
        reason=reason,
        curator_id=curator.id,
    )
    db.session.add(record)
    db.session.commit()
    return record


def override_privacy(slug: str, curator: User, kind: str, text: str, reason: str) -> None:
    """Accept one finding as not personal data (a false positive); the reason is logged."""
    permissions.require_curator(curator, "privacymeldingen te overrulen")
    if kind not in privacy.KINDS:
        raise ValidationFailed([FieldError("kind", f"onbekende soort melding '{kind}'")])
    reason = _required_text("reason", reason, "Een reden")
    text = (text or "").strip()[:300]
    if not text:
        raise ValidationFailed([FieldError("text", "de tekst van de melding ontbreekt")])
    lesson = lessons.get(slug, curator)
    exists = db.session.execute(
        select(PrivacyOverride.id).where(
            PrivacyOverride.lesson_id == lesson.id,
            PrivacyOverride.kind == kind,
            PrivacyOverride.text == text,
        )
    ).first()
    if exists is None:
        db.session.add(
            PrivacyOverride(
                lesson_id=lesson.id, kind=kind, text=text, reason=reason, curator_id=curator.id
            )
        )
        audit.record(
            curator, "privacy.override", f"lesson:{slug}", kind=kind, text=text, reason=reason
        )
        db.session.commit()


# ---- what a lesson page shows ---------------------------------------------------------


@dataclass
class ReviewState:
    """The latest endorsement and whether the lesson changed after it."""

    review: Review | None
    changed_since: bool


def review_state(lesson: Lesson) -> ReviewState:
    review = db.session.execute(
        select(Review)
        .where(Review.lesson_id == lesson.id, Review.verdict == "endorsed")
        .order_by(Review.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    changed = review is not None and lesson.revision_number > review.revision_number
    return ReviewState(review, changed)


def reviews(lesson: Lesson) -> list[Review]:
    return list(
        db.session.execute(
            select(Review).where(Review.lesson_id == lesson.id).order_by(Review.id.desc())
        ).scalars()
    )


def reclassifications(lesson: Lesson) -> list[Reclassification]:
    return list(
        db.session.execute(
            select(Reclassification)
            .where(Reclassification.lesson_id == lesson.id)
            .order_by(Reclassification.id.desc())
        ).scalars()
    )


def overrides(lesson: Lesson) -> list[PrivacyOverride]:
    return list(
        db.session.execute(
            select(PrivacyOverride)
            .where(PrivacyOverride.lesson_id == lesson.id)
            .order_by(PrivacyOverride.id)
        ).scalars()
    )


# ---- the curator's queue ----------------------------------------------------------------


@dataclass
class Queue:
    submitted: list[Lesson]  # in review, oldest first
    overdue: list[Lesson]  # past their review-by date
    new_evidence: list[Lesson]  # confirmations since the last review
    contradicted: list[Lesson]  # generic, yet reported as not working elsewhere

    @property
    def total(self) -> int:
        return len(
            {x.id for x in self.submitted + self.overdue + self.new_evidence + self.contradicted}
        )


def queue(curator: User | None, now: datetime | None = None) -> Queue:
    permissions.require_curator(curator, "de beoordelingswachtrij te zien")
    now = now or utcnow()
    submitted = db.session.execute(
        select(Lesson).where(Lesson.status == "in-review").order_by(Lesson.updated_at)
    ).scalars()
    overdue = db.session.execute(
        select(Lesson)
        .where(
            Lesson.status == "published",
            or_(
                Lesson.review_by < now,
                and_(Lesson.review_by.is_(None), Lesson.updated_at < now - REVIEW_INTERVAL),
            ),
        )
        .order_by(Lesson.review_by)
    ).scalars()
    last_review = (
        select(Review.lesson_id, func.max(Review.created_at).label("at"))
        .where(Review.verdict == "endorsed")
        .group_by(Review.lesson_id)
        .subquery()
    )
    new_evidence = db.session.execute(
        select(Lesson)
        .join(Confirmation, Confirmation.lesson_id == Lesson.id)
        .outerjoin(last_review, last_review.c.lesson_id == Lesson.id)
        .where(
            Lesson.status == "published",
            or_(last_review.c.at.is_(None), Confirmation.created_at > last_review.c.at),
        )
        .group_by(Lesson.id)
        .order_by(func.max(Confirmation.created_at).desc())
    ).scalars()
    contradicted = db.session.execute(
        select(Lesson)
        .where(Lesson.type == "generic", Lesson.contradiction_count > 0)
        .order_by(Lesson.contradiction_count.desc(), Lesson.title)
    ).scalars()
    return Queue(list(submitted), list(overdue), list(new_evidence), list(contradicted))
