"""Keeping the search index in step with the database (the index is derived data)."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wiki.extensions import db
from wiki.models import Lesson, Revision
from wiki.search.engine import LessonDoc, SearchIndex

log = logging.getLogger(__name__)
_TAG = re.compile(r"<[^>]+>")


def search_index() -> SearchIndex:
    """The index of the current app (one per index folder)."""
    return current_app.extensions["search_index"]  # type: ignore[no-any-return]


def plain_text(rendered_html: str) -> str:
    """Rendered (sanitised) HTML to text: the index holds words, not Markdown markup."""
    return html.unescape(_TAG.sub(" ", rendered_html))


def _current(lesson_ids: Iterable[int] | None) -> Iterator[tuple[Lesson, Revision]]:
    query = (
        select(Lesson, Revision)
        .join(Revision, Revision.lesson_id == Lesson.id)
        .where(Revision.number == Lesson.revision_number)
        .options(selectinload(Lesson.themes), selectinload(Lesson.tags))
        .order_by(Lesson.id)
    )
    if lesson_ids is not None:
        query = query.where(Lesson.id.in_(list(lesson_ids)))
    for row in db.session.execute(query.execution_options(yield_per=500)):
        yield row[0], row[1]


def document(lesson: Lesson, revision: Revision) -> LessonDoc:
    """The index document of a lesson's current revision."""
    from wiki.services import lessons  # lessons imports this module

    return LessonDoc(
        slug=lesson.slug,
        title=lesson.title,
        summary=lesson.summary,
        body=plain_text(lessons.rendered(revision, store=False).html),
        municipality=lesson.municipality.name,
        province=lesson.municipality.province,
        type=lesson.type,
        themes=[t.slug for t in lesson.themes],
        tags=[t.name for t in lesson.tags],
        status=lesson.status,
        owner=lesson.owner,
        updated=lesson.updated_at,
        revision_id=revision.id,
        level=lesson.level,
        domain=lesson.domain,
        year=lesson.year,
        confirmations=lesson.confirmation_count,
        creator=lesson.created_by_id,
    )


def index_lessons(lesson_ids: Iterable[int], *, skip_current: bool = False) -> int:
    """Index the current revisions of these lessons now (raises on failure).

    `skip_current` leaves out lessons the index already holds as they are (same revision,
    same confirmation count), such as this node's own saves; returns how many were written.
    """
    ids = list(lesson_ids)
    docs: list[LessonDoc] = []
    for start in range(0, len(ids), 500):  # IN lists stay small on every backend
        docs.extend(document(lesson, rev) for lesson, rev in _current(ids[start : start + 500]))
    if skip_current and docs:
        indexed = search_index().states(d.slug for d in docs)
        docs = [d for d in docs if indexed.get(d.slug) != (d.revision_id, d.confirmations)]
    if docs:
        search_index().update(docs)
    return len(docs)


_SAVES_TO = "leerwiki.index_saves_to"  # app extension: wakes the node's indexer


def leave_saves_to(app: Flask, notify: Callable[[], None]) -> None:
    """From now on this app's saves are indexed by the node's change follower, which
    `notify` wakes: under `leerwiki serve` one writer per node then commits many saves at
    once, instead of every request thread taking Whoosh's lock for a commit of its own."""
    app.extensions[_SAVES_TO] = notify


def lessons_saved(lesson_ids: Iterable[int]) -> None:
    """Index lessons after their save was committed (or have the node's follower do so;
    every save adds a change row in its transaction). A failure costs only freshness: the
    database is the truth, and start-up or `leerwiki reindex` repairs the drift."""
    ids = list(lesson_ids)
    if not ids:
        return
    notify = current_app.extensions.get(_SAVES_TO)
    if notify is not None:
        notify()
        return
    try:
        index_lessons(ids)
    except Exception:
        log.exception("search index update failed for lessons %s; run `leerwiki reindex`", ids)


@dataclass
class Drift:
    """Differences between the database and the index."""

    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.extra)

    def summary(self) -> str:
        return f"missing {len(self.missing)}, stale {len(self.stale)}, extra {len(self.extra)}"


def check() -> Drift:
    """Compare current revision ids in the database with those in the index (cheap)."""
    wanted = dict(
        db.session.execute(
            select(Lesson.slug, Revision.id)
            .join(Revision, Revision.lesson_id == Lesson.id)
            .where(Revision.number == Lesson.revision_number)
        ).all()
    )
    indexed = search_index().versions()
    return Drift(
        missing=sorted(set(wanted) - set(indexed)),
        stale=sorted(s for s in wanted.keys() & indexed.keys() if wanted[s] != indexed[s]),
        extra=sorted(set(indexed) - set(wanted)),
    )


def repair() -> Drift:
    """Fix drift left by a crash between a commit and an index write; returns what was fixed."""
    drift = check()
    if drift.clean:
        return drift
    slugs = drift.missing + drift.stale
    ids = db.session.execute(select(Lesson.id).where(Lesson.slug.in_(slugs))).scalars().all()
    docs = [document(lesson, revision) for lesson, revision in _current(ids)] if ids else []
    search_index().update(docs, removed=drift.extra)
    return drift


def rebuild(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database (and mark it current for following)."""
    from wiki.services import following

    upto = following.latest_change()

    def docs() -> Iterator[LessonDoc]:
        for n, (lesson, revision) in enumerate(_current(None), start=1):
            if progress is not None:
                progress(n)
            yield document(lesson, revision)

    count = search_index().rebuild(docs())
    following.mark_current(current_app.config["INDEX_DIR"], upto)
    return count


def lesson_count() -> int:
    """How many lessons the database holds (for progress bars)."""
    from sqlalchemy import func

    return int(db.session.execute(select(func.count()).select_from(Lesson)).scalar_one())
