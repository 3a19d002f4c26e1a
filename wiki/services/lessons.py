"""Lessons: reading, saving as immutable revisions, conflict detection, reverting."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy import and_, delete, event, func, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from wiki import rendering, rendering_limits
from wiki.database import INTEGER_MAX
from wiki.extensions import db
from wiki.models import (
    Lesson,
    LessonChange,
    Link,
    Municipality,
    PrivacyOverride,
    Revision,
    Tag,
    Theme,
    User,
    utcnow,
)
from wiki.services import audit, indexing, municipalities, permissions, privacy
from wiki.services.errors import (
    ConflictInfo,
    EditConflict,
    FieldError,
    NotFound,
    PersonalDataFound,
    SlugTaken,
    TooComplexText,
    ValidationFailed,
    shorten,
)
from wiki.services.validation import LessonInput, validate


@dataclass
class SaveResult:
    """The revision that is now current, and whether this save created it."""

    lesson: Lesson
    revision: Revision
    changed: bool
    # Possible personal data in a saved draft, shown next to the text (publishing refuses it).
    findings: list[privacy.Finding] = field(default_factory=list)


REVIEW_INTERVAL = timedelta(days=730)  # a curator looks again two years after publication


@dataclass
class Page:
    """One page of a listing."""

    items: list[Lesson]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# ---- reading ---------------------------------------------------------------


def find(slug: str) -> Lesson | None:
    """The lesson with this slug, whoever may see it."""
    return db.session.execute(select(Lesson).where(Lesson.slug == slug)).scalar_one_or_none()


def get(slug: str, viewer: User | None) -> Lesson:
    """The lesson, or NotFound when it does not exist or the viewer may not see it."""
    return _visible(find(slug), slug, viewer)


def _visible(lesson: Lesson | None, slug: str, viewer: User | None) -> Lesson:
    """The lesson, or NotFound when it does not exist or the viewer may not see it (the
    same answer for both, so a draft's slug gives nothing away)."""
    if lesson is None or not permissions.can_view(viewer, lesson):
        raise NotFound(gettext("lesson '%(slug)s' does not exist", slug=slug))
    return lesson


def get_current(slug: str, viewer: User | None) -> tuple[Lesson, Revision]:
    """The lesson and its latest revision in one query (a page view needs both), or
    NotFound as get() gives it."""
    row = db.session.execute(
        select(Lesson, Revision)
        .join(
            Revision,
            and_(Revision.lesson_id == Lesson.id, Revision.number == Lesson.revision_number),
        )
        .options(joinedload(Revision.author))
        .where(Lesson.slug == slug)
    ).one_or_none()
    if row is None:
        raise NotFound(gettext("lesson '%(slug)s' does not exist", slug=slug))
    return _visible(row[0], slug, viewer), row[1]


def current_revision(lesson: Lesson) -> Revision:
    """The latest revision of a lesson."""
    return get_revision(lesson, lesson.revision_number)


def get_revision(lesson: Lesson, number: int) -> Revision:
    """Revision `number` of a lesson, or NotFound."""
    revision = (
        None
        if not 1 <= number <= INTEGER_MAX
        else db.session.execute(
            select(Revision)
            .options(joinedload(Revision.author))
            .where(Revision.lesson_id == lesson.id, Revision.number == number)
        ).scalar_one_or_none()
    )
    if revision is None:
        raise NotFound(
            gettext(
                "lesson '%(slug)s' has no revision %(number)s",
                slug=lesson.slug,
                number=shorten(number, 20),
            )
        )
    return revision


def revisions(lesson: Lesson) -> list[Revision]:
    """All revisions, newest first."""
    return list(
        db.session.execute(
            select(Revision)
            .options(selectinload(Revision.author))
            .where(Revision.lesson_id == lesson.id)
            .order_by(Revision.number.desc())
        ).scalars()
    )


def input_of(revision: Revision) -> LessonInput:
    """The lesson as it stood at a revision, as editable input."""
    return validate(dict(revision.front_matter), revision.body)


def file_text(revision: Revision) -> str:
    """The revision in the file format (front matter + body), the unit that diffs compare."""
    from wiki import lessonfile

    return lessonfile.dump(revision.front_matter, revision.body)


def rendered(revision: Revision, *, store: bool = True) -> rendering.Rendered:
    """The revision's HTML, from its cache when the cache is valid.

    `store=False` renders without writing the cache (for bulk readers such as reindexing).
    """
    if revision.html_cache is not None and revision.toc_cache is not None:
        return rendering.Rendered(html=revision.html_cache, toc=json.loads(revision.toc_cache))
    try:
        result = _render(revision.body)
    except TooComplexText:  # stored before the renderer had limits: show it, unformatted
        result = rendering.Rendered(html=rendering.plain(revision.body))
    if not store:
        return result
    # A derived cache: write it in its own statement so a failure costs nothing but speed.
    db.session.execute(
        sql_update(Revision)
        .where(Revision.id == revision.id)
        .values(html_cache=result.html, toc_cache=result.toc_json())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result


def render_body(body: str, viewer: User | None) -> rendering.Rendered:
    """Render Markdown for `viewer` now (a preview), marking wiki links to lessons that do not
    exist or that the viewer may not see alike, so a link tells nobody a hidden draft exists.

    Raises TooComplexText when the renderer refuses the body.
    """
    result = _render(body, permissions.visibility(viewer))
    result.html = rendering.localise(result.html)
    return result


def _render(body: str, seen_by: permissions.Visibility | None = None) -> rendering.Rendered:
    """Render Markdown as cached for every visitor: no interface text (see `localise`).

    The cache is shared by all visitors, so by default only public lessons count as existing
    link targets (a link to a draft shows as missing, also to its authors).
    """
    try:
        targets = rendering.find_links(body)
        seen = seen_by or permissions.visibility(None)
        existing = (
            set(
                db.session.execute(
                    select(Lesson.slug).where(Lesson.slug.in_(targets), seen.sql())
                ).scalars()
            )
            if targets
            else set()
        )
        return rendering.render(body, rendering.LinkResolver(exists=existing.__contains__))
    except rendering_limits.TooComplex as exc:
        raise TooComplexText("body", exc) from exc


def backlinks(lesson: Lesson, viewer: User | None) -> list[Lesson]:
    """Lessons the viewer may see whose current text links here."""
    return list(
        db.session.execute(
            select(Lesson)
            .join(Link, Link.source_id == Lesson.id)
            .where(
                Link.target_slug == lesson.slug,
                permissions.visibility(viewer).sql(),
            )
            .order_by(Lesson.title)
        ).scalars()
    )


def listing(
    viewer: User | None,
    *,
    municipality: str | None = None,
    province: str | None = None,
    type: str | None = None,
    theme: str | None = None,
    tag: str | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 25,
    order: str = "title",
) -> Page:
    """Visible lessons matching the filters, one page of them."""
    query = select(Lesson).where(permissions.visibility(viewer).sql())
    if status:
        query = query.where(Lesson.status == status)
    if municipality:
        record = municipalities.directory().resolve(municipality)
        query = query.join(Municipality).where(Municipality.code == (record.code if record else ""))
    if province:
        query = query.where(
            Lesson.municipality_id.in_(
                select(Municipality.id).where(func.lower(Municipality.province) == province.lower())
            )
        )
    if type:
        query = query.where(Lesson.type == type)
    if theme:
        query = query.where(Lesson.themes.any(Theme.slug == theme))
    if tag:
        query = query.where(Lesson.tags.any(Tag.name == tag.lower()))
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    ordering = Lesson.updated_at.desc() if order == "updated" else Lesson.title
    page = max(1, min(page, INTEGER_MAX // max(1, per_page)))  # an offset the database can take
    items = db.session.execute(
        query.options(selectinload(Lesson.themes))
        .order_by(ordering, Lesson.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).scalars()
    return Page(items=list(items), total=total, page=page, per_page=per_page)


def recent_revisions(viewer: User | None, limit: int = 50) -> list[Revision]:
    """The latest saves the viewer may see (permissions.can_view_revision), newest first."""
    return list(
        db.session.execute(
            select(Revision)
            .join(Lesson)
            .options(selectinload(Revision.author), selectinload(Revision.lesson))
            .where(permissions.visibility(viewer).revision_sql())
            .order_by(Revision.id.desc())
            .limit(limit)
        ).scalars()
    )


# ---- writing ---------------------------------------------------------------


def create(
    data: LessonInput,
    author: User | None,
    comment: str = "",
    author_label: str = "",
    *,
    commit: bool = True,
    privacy_checked: bool = False,
    findings: list[privacy.Finding] | None = None,
) -> SaveResult:
    """Create a lesson with its first revision. SlugTaken if the slug is in use.

    `author=None` is the trusted command line (import). `commit=False` is for bulk imports,
    which have checked the slug and the privacy guard already (`privacy_checked`, with the
    `findings` left after check_privacy): the caller commits in batches and then calls
    `invalidate_links_to` and indexes the lessons.
    """
    if author is not None:
        permissions.require_writer(author)
    permissions.check_municipality(author, None, data.municipality)
    permissions.check_status_change(author, None, data.status)
    if not privacy_checked:
        findings = check_privacy(data, None)
        refuse_personal_data({"comment": comment}, None)
    findings = findings or []
    if commit and find(data.slug) is not None:
        raise SlugTaken(_slug_taken(data.slug))
    lesson = Lesson(
        slug=data.slug,
        revision_number=0,
        created_by_id=author.id if author is not None else None,
    )
    db.session.add(lesson)
    comment = comment or gettext("Created")
    revision = _write(lesson, data, author, comment, author_label, privacy_clear=not findings)
    audit.record(author, "lesson.create", f"lesson:{lesson.slug}", revision, status=data.status)
    if commit:
        invalidate_links_to([data.slug])
        try:
            db.session.commit()
        except IntegrityError as exc:
            db.session.rollback()
            raise SlugTaken(_slug_taken(data.slug)) from exc
        indexing.lessons_saved([lesson.id])
    return SaveResult(lesson, revision, changed=True, findings=findings)


def update(
    slug: str,
    data: LessonInput,
    base_revision: int,
    author: User | None,
    comment: str = "",
    author_label: str = "",
    *,
    commit: bool = True,
    privacy_checked: bool = False,
    findings: list[privacy.Finding] | None = None,
    action: str = "lesson.update",
) -> SaveResult:
    """Save a new revision on top of `base_revision`; EditConflict if someone saved since.

    `privacy_checked` and `findings` as for create(). The edit summary (`comment`) can become
    public, so personal data in it is refused whatever the status.
    """
    lesson = find(slug)
    if lesson is None or (author is not None and not permissions.can_view(author, lesson)):
        raise NotFound(gettext("lesson '%(slug)s' does not exist", slug=slug))
    permissions.require_edit(author, lesson)
    if base_revision != lesson.revision_number:
        raise EditConflict(ConflictInfo(slug, base_revision, lesson.revision_number))
    permissions.check_municipality(author, lesson, data.municipality)
    permissions.check_status_change(author, lesson.status, data.status)
    current = current_revision(lesson)
    data.slug = lesson.slug  # the slug is the lesson's identity; links depend on it
    if data.front_matter() == current.front_matter and data.body == current.body:
        return SaveResult(lesson, current, changed=False)
    if not privacy_checked:
        findings = check_privacy(data, lesson)
        refuse_personal_data({"comment": comment}, lesson)
    findings = findings or []
    old_status = lesson.status
    old_municipality = lesson.municipality_id
    try:
        # _write flushes: a writer that took the same revision number between our read and
        # now makes the flush (or the commit) hit the unique (lesson, number) constraint.
        revision = _write(lesson, data, author, comment, author_label, privacy_clear=not findings)
        if (old_status in permissions.PUBLIC_STATUSES) != (
            data.status in permissions.PUBLIC_STATUSES
        ):
            relink(lesson.slug)
        if lesson.municipality_id != old_municipality:
            from wiki.services import confirmations  # it imports this module

            confirmations.recount(lesson)
        audit.record(
            author,
            action,
            f"lesson:{lesson.slug}",
            revision,
            status=data.status if data.status != old_status else None,
            comment=comment[:200],
        )
        if commit:
            db.session.commit()
    except IntegrityError as exc:
        if not commit:  # a bulk import's batch: its caller decides what to roll back
            raise
        db.session.rollback()
        fresh = find(slug)
        number = fresh.revision_number if fresh else base_revision + 1
        raise EditConflict(
            ConflictInfo(slug, base_revision, max(number, base_revision + 1))
        ) from exc
    if not commit:
        return SaveResult(lesson, revision, changed=True, findings=findings)
    indexing.lessons_saved([lesson.id])
    return SaveResult(lesson, revision, changed=True, findings=findings)


def _slug_taken(slug: str) -> str:
    message: str = gettext("a lesson with slug '%(slug)s' already exists", slug=slug)
    return message


def check_privacy(
    data: LessonInput,
    lesson: Lesson | None,
    findings: list[privacy.Finding] | None = None,
) -> list[privacy.Finding]:
    """Scan the lesson's text fields for personal data (or take the findings of a scan made
    ahead, as a bulk import does).

    Findings a curator has overridden for this lesson are left out. Publishing with findings
    raises PersonalDataFound; for other statuses they are returned, to show next to the text.
    """
    if findings is None:
        findings = privacy.scan_fields(text_fields(data))
    findings = without_overrides(findings, lesson)
    if findings and data.status == "published":
        raise PersonalDataFound(findings, text_fields(data))
    return findings


def refuse_personal_data(fields: dict[str, str | None], lesson: Lesson | None) -> None:
    """PersonalDataFound for personal data in texts that can become public whatever the
    lesson's status (edit summaries, status notes, reasons); a curator's overrides for the
    lesson count here too."""
    if not any(text and text.strip() for text in fields.values()):
        return  # no scan (and no scanner start) for an empty summary
    findings = without_overrides(privacy.scan_fields(fields), lesson)
    if findings:
        raise PersonalDataFound(findings)


def without_overrides(
    findings: list[privacy.Finding], lesson: Lesson | None
) -> list[privacy.Finding]:
    """The findings a curator has not accepted as false positives for this lesson."""
    if lesson is None or not findings:
        return findings
    rows = db.session.execute(
        select(PrivacyOverride.kind, PrivacyOverride.text).where(
            PrivacyOverride.lesson_id == lesson.id
        )
    )
    overridden = {(kind, text) for kind, text in rows}
    return [f for f in findings if (f.kind, f.text) not in overridden]


def text_fields(data: LessonInput) -> dict[str, str | None]:
    """The free-text parts of a lesson, by front-matter name ('body' for the Markdown)."""
    return {
        "title": data.title,
        "summary": data.summary,
        "context": data.context,
        "owner": data.owner,
        "organisation": data.organisation,
        "target_group": data.target_group,
        "active_elements": "; ".join(data.active_elements),
        "tags": ", ".join(data.tags),
        "body": data.body,
    }


def revert(slug: str, number: int, base_revision: int, author: User | None) -> SaveResult:
    """Make an old revision current again, as a new revision (history is never rewritten)."""
    lesson = find(slug)
    if lesson is None:
        raise NotFound(gettext("lesson '%(slug)s' does not exist", slug=slug))
    old = get_revision(lesson, number)
    if author is not None and not permissions.can_view_revision(author, lesson, old):
        raise NotFound(
            gettext("lesson '%(slug)s' has no revision %(number)s", slug=slug, number=number)
        )
    if old.redacted_at is not None:
        raise ValidationFailed(
            [FieldError("revision", gettext("a redacted revision cannot be restored"))]
        )
    comment = gettext("Reverted to revision %(number)s", number=number)
    return update(slug, input_of(old), base_revision, author, comment)


def _write(
    lesson: Lesson,
    data: LessonInput,
    author: User | None,
    comment: str,
    author_label: str,
    *,
    privacy_clear: bool,
) -> Revision:
    """Add the next revision and copy its metadata onto the lesson (no commit).

    `privacy_clear`: no findings are left (see Revision.privacy_clear).
    """
    # Render first, while this transaction has only read: on SQLite the first write (a new
    # tag, the flush) takes the database's one write lock, which every other save waits for.
    with db.session.no_autoflush:
        result = _render(data.body)
        municipality = municipalities.get_by_name(data.municipality)
        if municipality is None:  # validate() resolved it against the same data file
            raise NotFound(
                gettext(
                    "municipality '%(name)s' is missing from the database", name=data.municipality
                )
            )
        now = utcnow()
        lesson.revision_number += 1
        lesson.title = data.title
        lesson.summary = data.summary or summary_from_body(data.body)
        lesson.municipality = municipality
        lesson.type = data.type
        lesson.status = data.status
        lesson.level = data.level
        lesson.domain = data.domain
        lesson.owner = data.owner
        lesson.year = data.year
        lesson.updated_at = now
        if data.status == "published" and lesson.published_at is None:
            lesson.published_at = now
            lesson.review_by = now + REVIEW_INTERVAL
        lesson.themes = [_theme(slug) for slug in data.themes]
        lesson.tags = [_tag(name) for name in data.tags]
        revision = Revision(
            lesson=lesson,
            number=lesson.revision_number,
            title=data.title,
            front_matter=data.front_matter(),
            body=data.body,
            author=author,
            author_label=author_label,
            comment=comment[:500],
            created_at=now,
            html_cache=result.html,
            toc_cache=result.toc_json(),
            privacy_clear=privacy_clear,
        )
        db.session.add(revision)
        db.session.flush()
        db.session.add(LessonChange(lesson_id=lesson.id))  # other nodes' indexes follow it
        db.session.execute(delete(Link).where(Link.source_id == lesson.id))
        for target in sorted(rendering.find_links(data.body)):
            db.session.add(Link(source_id=lesson.id, target_slug=target))
        return revision


def _cache() -> dict[tuple[str, str], Any]:
    """Themes and tags already loaded in this session (bulk imports would re-query them)."""
    return db.session.info.setdefault("lesson_refs", {})  # type: ignore[no-any-return]


@event.listens_for(Session, "after_rollback")
def _forget_refs(session: Session) -> None:
    # A rolled-back tag may never have existed: drop everything the cache holds.
    session.info.pop("lesson_refs", None)


def _theme(slug: str) -> Theme:
    cache = _cache()
    theme = cache.get(("theme", slug))
    if theme is None:
        theme = db.session.execute(select(Theme).where(Theme.slug == slug)).scalar_one()
        cache[("theme", slug)] = theme
    return theme


def _tag(name: str) -> Tag:
    cached = _cache().get(("tag", name))
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    # Insert-or-ignore, then read: two writers adding the same new tag at once must both
    # succeed (a plain select-then-insert loses one save to the unique constraint).
    db.session.execute(_insert_ignoring_duplicates(Tag, name=name))
    tag = db.session.execute(select(Tag).where(Tag.name == name)).scalar_one()
    _cache()[("tag", name)] = tag
    return tag


def _insert_ignoring_duplicates(model: Any, **values: Any) -> Any:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model).values(**values).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model).values(**values).on_conflict_do_nothing()


def invalidate_links_to(slugs: list[str]) -> None:
    """New lessons turn 'missing' links to them into real ones: render again what showed one.

    Current revisions are rendered here, in the saving transaction, so that no visitor's page
    view has to render and write (a write per first view serialises readers on SQLite);
    older revisions only lose their cache and render when next shown.
    """
    shows_missing = Revision.html_cache.contains('class="wikilink missing"')
    for start in range(0, len(slugs), 500):
        sources = select(Link.source_id).where(Link.target_slug.in_(slugs[start : start + 500]))
        _render_again(sources, shows_missing)


def relink(slug: str) -> None:
    """The lesson `slug` became public or stopped being public: the shared renders of the
    lessons that link to it must say so (a link to a hidden lesson shows as missing).

    Current revisions are rendered again in this transaction (as in invalidate_links_to);
    older revisions of those lessons lose their cache. Old revisions of lessons whose current
    text no longer links here keep their render: it shows what was public when it was made.
    """
    _render_again(select(Link.source_id).where(Link.target_slug == slug))


def _render_again(sources: Any, *only: Any) -> None:
    """Render the current revisions of the lessons `sources` selects again (those matching
    `only`), and drop the cached render of their older revisions."""
    stale = (
        db.session.execute(
            select(Revision)
            .join(Lesson, Lesson.id == Revision.lesson_id)
            .where(
                Revision.lesson_id.in_(sources), Revision.number == Lesson.revision_number, *only
            )
        )
        .scalars()
        .all()
    )
    for revision in stale:
        result = _render(revision.body)
        revision.html_cache, revision.toc_cache = result.html, result.toc_json()
    current_number = select(Lesson.revision_number).where(Lesson.id == Revision.lesson_id)
    db.session.execute(
        sql_update(Revision)
        .where(
            Revision.lesson_id.in_(sources),
            *only,
            Revision.number < current_number.scalar_subquery(),
        )
        .values(html_cache=None, toc_cache=None)
        .execution_options(synchronize_session=False)
    )


def summary_from_body(body: str, limit: int = 240) -> str:
    """The first paragraph of plain text, shortened, for lessons without a summary."""
    for block in body.split("\n\n"):
        text = " ".join(line.strip() for line in block.splitlines()).strip()
        if text and not text.startswith(("#", "|", "```", "---")):
            plain = text.replace("**", "").replace("[[", "").replace("]]", "")
            return plain if len(plain) <= limit else plain[: limit - 1].rsplit(" ", 1)[0] + "…"
    return ""


def as_dict(lesson: Lesson, revision: Revision, html: str | None = None) -> dict[str, Any]:
    """The API's view of a lesson at a revision."""
    data: dict[str, Any] = dict(revision.front_matter)
    data.setdefault("slug", lesson.slug)
    data["province"] = lesson.municipality.province
    # Read-only: the author's summary or, without one, the start of the body. Kept apart from
    # `summary` so a client that PUTs a GET answer back does not freeze a derived text.
    data["excerpt"] = lesson.summary
    data["markdown"] = revision.body
    if html is not None:
        data["html"] = rendering.localise(html)
    data["revision"] = revision.number
    data["updated_at"] = revision.created_at.isoformat()
    data["author"] = revision.author_name
    data["confirmations"] = lesson.confirmation_count
    data["contradictions"] = lesson.contradiction_count
    return data
