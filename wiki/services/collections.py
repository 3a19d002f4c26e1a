"""Curated collections (dossiers): a title, an introduction in Markdown, an ordered list of
lessons. Curators make them; everyone reads them (only the lessons they may see)."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wiki import labels, rendering, rendering_limits
from wiki.extensions import db
from wiki.models import Collection, CollectionItem, Lesson, User, utcnow
from wiki.services import audit, lessons, permissions, privacy
from wiki.services.errors import (
    FieldError,
    NotFound,
    PersonalDataFound,
    SlugTaken,
    TooComplexText,
    ValidationFailed,
    describe_refusal,
)
from wiki.services.validation import RESERVED_SLUGS, slugify

MAX_INTRODUCTION = 20_000


def all_collections() -> list[Collection]:
    return list(db.session.execute(select(Collection).order_by(Collection.title)).scalars())


def get(slug: str) -> Collection:
    found = db.session.execute(
        select(Collection).where(Collection.slug == slug)
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(gettext("collection '%(slug)s' does not exist", slug=slug))
    return found


def visible_lessons(collection: Collection, viewer: User | None) -> list[Lesson]:
    """The collection's lessons in order, leaving out those the viewer may not see."""
    return [i.lesson for i in collection.items if permissions.can_view(viewer, i.lesson)]


def introduction_html(collection: Collection) -> str:
    try:
        return lessons.render_body(collection.introduction, None).html
    except TooComplexText:  # stored before the renderer had limits: show it, unformatted
        return rendering.plain(collection.introduction)


def _checked(
    title: str, introduction: str, lesson_slugs: list[str]
) -> tuple[str, str, list[Lesson]]:
    errors = []
    title = (title or "").strip()
    introduction = (introduction or "").replace("\r\n", "\n").strip()
    if not title:
        errors.append(FieldError("title", gettext("a title is required")))
    elif len(title) > 200:
        errors.append(FieldError("title", gettext("at most %(max)s characters", max=200)))
    if len(introduction) > MAX_INTRODUCTION:
        errors.append(
            FieldError("introduction", gettext("at most %(max)s characters", max=MAX_INTRODUCTION))
        )
    else:
        try:
            rendering_limits.check(introduction)
        except rendering_limits.TooComplex as exc:
            errors.append(FieldError("introduction", describe_refusal(exc)))
    found: list[Lesson] = []
    seen: set[str] = set()
    for slug in lesson_slugs:
        slug = slug.strip()
        if not slug or slug in seen:
            continue
        seen.add(slug)
        lesson = lessons.find(slug)
        if lesson is None:
            errors.append(
                FieldError("lessons", gettext("lesson '%(slug)s' does not exist", slug=slug))
            )
        else:
            found.append(lesson)
    if errors:
        raise ValidationFailed(errors, labels.COLLECTION)
    findings = privacy.scan_fields({"title": title, "introduction": introduction})
    if findings:
        raise PersonalDataFound(
            findings, {"title": title, "introduction": introduction}, labels.COLLECTION
        )
    return title, introduction, found


def create(
    curator: User | None, title: str, introduction: str, lesson_slugs: list[str]
) -> Collection:
    user = permissions.require_curator(curator, permissions.CREATE_COLLECTIONS)
    title, introduction, found = _checked(title, introduction, lesson_slugs)
    slug = slugify(title)
    if not slug or slug in RESERVED_SLUGS:
        raise ValidationFailed(
            [FieldError("title", gettext("choose a title with letters or digits"))],
            labels.COLLECTION,
        )
    collection = Collection(slug=slug, title=title, introduction=introduction, curator_id=user.id)
    collection.items = [CollectionItem(lesson=lesson, position=n) for n, lesson in enumerate(found)]
    db.session.add(collection)
    audit.record(user, "collection.create", f"collection:{slug}", lessons=len(found))
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise SlugTaken(
            gettext("a collection with slug '%(slug)s' already exists", slug=slug)
        ) from exc
    return collection


def update(
    slug: str, curator: User | None, title: str, introduction: str, lesson_slugs: list[str]
) -> Collection:
    """Replace title, introduction and the ordered list (the slug stays: links depend on it)."""
    user = permissions.require_curator(curator, permissions.EDIT_COLLECTIONS)
    collection = get(slug)
    title, introduction, found = _checked(title, introduction, lesson_slugs)
    collection.title = title
    collection.introduction = introduction
    collection.items.clear()
    db.session.flush()
    collection.items.extend(
        CollectionItem(lesson=lesson, position=n) for n, lesson in enumerate(found)
    )
    collection.updated_at = utcnow()
    audit.record(user, "collection.update", f"collection:{slug}", lessons=len(found))
    db.session.commit()
    return collection
