"""The curation workflow: status changes, reviews bound to revisions, reclassification,
privacy overrides and the curator's queue.

Every change of a lesson goes through lessons.update, so it is a new immutable revision,
checked for conflicts, permissions and personal data like any other edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import and_, exists, func, or_, select

from wiki import labels
from wiki.extensions import db
from wiki.models import (
    Comment,
    Confirmation,
    Lesson,
    Link,
    PrivacyOverride,
    Reclassification,
    Review,
    User,
    utcnow,
)
from wiki.services import audit, comments, history, lessons, permissions, privacy
from wiki.services.errors import FieldError, ValidationFailed
from wiki.services.lessons import REVIEW_INTERVAL, SaveResult
from wiki.services.validation import validate
from wiki.vocabulary import STATUSES, TYPES

MAX_NOTE = 2000


def _required_text(
    name: str, value: str | None, missing: str, too_long: str, form: labels.Labels
) -> str:
    """The stripped text, or ValidationFailed with `missing` or `too_long` (whole sentences);
    `form` holds the labels of the form the field is on."""
    text = (value or "").strip()
    if not text:
        raise ValidationFailed([FieldError(name, missing)], form)
    if len(text) > MAX_NOTE:
        raise ValidationFailed([FieldError(name, too_long)], form)
    return text


def _required_reason(reason: str | None, form: labels.Labels) -> str:
    return _required_text(
        "reason",
        reason,
        gettext("A reason is required"),
        gettext("A reason is too long (at most %(max)s characters)", max=MAX_NOTE),
        form,
    )


def set_status(
    slug: str, status: str, base_revision: int, actor: User | None, note: str = ""
) -> SaveResult:
    """Move a lesson through draft -> in-review -> published -> archived (a new revision)."""
    if status not in STATUSES:
        raise ValidationFailed(
            [FieldError("status", gettext("unknown status '%(status)s'", status=status))]
        )
    lesson = lessons.get(slug, actor)
    data = lessons.input_of(lessons.current_revision(lesson))
    data.status = status
    comment = note.strip() or gettext("Status: %(status)s", status=STATUSES[status])
    return lessons.update(slug, data, base_revision, actor, comment, action="lesson.status")


def return_to_author(slug: str, base_revision: int, curator: User, note: str) -> Review:
    """Send a lesson in review back to draft, with the curator's comments."""
    permissions.require_curator(curator, permissions.RETURN_LESSONS)
    note = _required_text(
        "note",
        note,
        gettext("A note for the author is required"),
        gettext("A note for the author is too long (at most %(max)s characters)", max=MAX_NOTE),
        labels.REVIEW,
    )
    lesson = lessons.get(slug, curator)
    if lesson.status != "in-review":
        raise ValidationFailed(
            [FieldError("status", gettext("only lessons in review can be returned"))],
            labels.REVIEW,
        )
    lessons.refuse_personal_data({"note": note}, lesson)  # the author and history show it
    comment = gettext("Returned to the author: %(note)s", note=note[:300])
    result = set_status(slug, "draft", base_revision, curator, comment)
    return _review(result, curator, "returned", note)


def endorse(slug: str, base_revision: int, curator: User, note: str = "") -> Review:
    """A curator's review of the current revision; publishes a lesson that was not yet."""
    permissions.require_curator(curator, permissions.REVIEW_LESSONS)
    lesson = lessons.get(slug, curator)
    lessons.refuse_personal_data({"note": note}, lesson)  # shown with the review
    if lesson.status != "published":
        comment = gettext("Reviewed and published")
        result = set_status(slug, "published", base_revision, curator, comment)
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
    permissions.require_curator(curator, permissions.RECLASSIFY_LESSONS)
    if to_type not in TYPES:
        raise ValidationFailed(
            [FieldError("type", gettext("unknown type '%(type)s'", type=to_type))],
            labels.RECLASSIFY,
        )
    reason = _required_reason(reason, labels.RECLASSIFY)
    lesson = lessons.get(slug, curator)
    lessons.refuse_personal_data({"reason": reason}, lesson)  # printed on the lesson page
    type_label = str(TYPES[to_type]).lower()
    if lesson.type == to_type:
        raise ValidationFailed(
            [FieldError("type", gettext("the lesson is already %(type)s", type=type_label))],
            labels.RECLASSIFY,
        )
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
        gettext("Reclassified as %(type)s: %(reason)s", type=type_label, reason=reason[:300]),
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
    permissions.require_curator(curator, permissions.OVERRIDE_PRIVACY)
    if kind not in privacy.KINDS:
        raise ValidationFailed(
            [FieldError("kind", gettext("unknown kind of finding '%(kind)s'", kind=kind))],
            labels.OVERRIDE,
        )
    reason = _required_reason(reason, labels.OVERRIDE)
    text = (text or "").strip()[:300]
    if not text:
        raise ValidationFailed(
            [FieldError("text", gettext("the text of the finding is missing"))], labels.OVERRIDE
        )
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
        db.session.flush()
        history.settle_privacy(lesson)  # revisions held only for this finding become public
        db.session.commit()


# ---- what a lesson page shows ---------------------------------------------------------


@dataclass
class ReviewState:
    """The latest endorsement and whether the lesson changed after it."""

    review: Review | None
    changed_since: bool


@dataclass(frozen=True)
class PageParts:
    """A lesson page's optional parts: review, reclassifications, comments, backlinks."""

    review_state: ReviewState
    reclassifications: list[Reclassification]
    comments: list[Comment]
    backlinks: list[Lesson]  # those the viewer may see
    confirmed: bool  # whether any municipality recorded its experience (confirmations.of)


def page_parts(lesson: Lesson, viewer: User | None) -> PageParts:
    """Ask once which optional parts a lesson page has, then load only those: most lessons
    have none of them, and each part's own query costs the page more than this one lookup
    (about a quarter of it)."""
    endorsed, reclassified, commented, linked, confirmed = map(
        bool,
        db.session.execute(
            select(
                exists().where(Review.lesson_id == lesson.id, Review.verdict == "endorsed"),
                exists().where(Reclassification.lesson_id == lesson.id),
                exists().where(Comment.lesson_id == lesson.id),
                exists().where(Link.target_slug == lesson.slug),
                exists().where(Confirmation.lesson_id == lesson.id),
            )
        ).one(),
    )
    return PageParts(
        review_state=review_state(lesson) if endorsed else ReviewState(None, changed_since=False),
        reclassifications=reclassifications(lesson) if reclassified else [],
        comments=comments.of(lesson) if commented else [],
        backlinks=lessons.backlinks(lesson, viewer) if linked else [],
        confirmed=confirmed,
    )


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
    permissions.require_curator(curator, permissions.SEE_QUEUE)
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
