"""Keeping the search index in step with the database (the index is derived data)."""

from __future__ import annotations

import fcntl
import html
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wiki.extensions import db
from wiki.models import Lesson, Revision
from wiki.search.engine import LessonDoc, SearchIndex
from wiki.search.health import IndexUnavailable

log = logging.getLogger(__name__)
_TAG = re.compile(r"<[^>]+>")
REBUILD_LOCK = "rebuild.lock"  # in the index folder: held by the one process rebuilding it


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
    try:
        return _index_now(ids, skip_current)
    except IndexUnavailable as problem:
        # Missing or damaged: rebuilt from the database, which holds these lessons already.
        if heal(wait=True, suspect=problem) is not None:
            return len(ids)
        return _index_now(ids, skip_current)  # another process rebuilt it meanwhile


def _index_now(ids: list[int], skip_current: bool) -> int:
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


def saves_followed() -> bool:
    """Whether this app leaves indexing its saves to the node's change follower."""
    return _SAVES_TO in current_app.extensions


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
    rebuilt: str = ""  # why the whole index was rebuilt from the database, if it was

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.extra or self.rebuilt)

    def summary(self) -> str:
        if self.rebuilt:
            return f"rebuilt from the database ({self.rebuilt})"
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
    try:
        indexed = search_index().versions()
    except IndexUnavailable:
        indexed = {}  # every lesson is missing from it
    return Drift(
        missing=sorted(set(wanted) - set(indexed)),
        stale=sorted(s for s in wanted.keys() & indexed.keys() if wanted[s] != indexed[s]),
        extra=sorted(set(indexed) - set(wanted)),
    )


def repair() -> Drift:
    """Fix drift left by a crash between a commit and an index write, or rebuild a missing
    or damaged index; returns what was fixed."""
    problem = heal(wait=True)
    if problem is not None:
        return Drift(rebuilt=problem)
    drift = check()
    if drift.clean:
        return drift
    slugs = drift.missing + drift.stale
    ids = db.session.execute(select(Lesson.id).where(Lesson.slug.in_(slugs))).scalars().all()
    docs = [document(lesson, revision) for lesson, revision in _current(ids)] if ids else []
    search_index().update(docs, removed=drift.extra)
    return drift


@contextmanager
def _rebuild_lock(wait: bool) -> Iterator[bool]:
    """Whether this process holds the index folder's rebuild lock (for the block): one
    rebuilder per folder across server processes and commands. An flock ends with its
    process, so a rebuilder that died leaves no stale lock."""
    folder = Path(current_app.config["INDEX_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / REBUILD_LOCK).open("ab") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def heal(wait: bool = False, suspect: IndexUnavailable | None = None) -> str | None:
    """Rebuild the index from the database when it is missing, damaged, or empty while the
    database holds lessons. Returns what was wrong, or None when nothing was (or another
    process holds the rebuild lock and `wait` is false).

    The index is read through afresh under the lock first, so an error that passes never
    costs a healthy index; only Whoosh's own verdict of a damaged block (`suspect`) counts
    without that. A damaged index is moved aside, not deleted.
    """
    index = search_index()
    with _rebuild_lock(wait) as held:
        if not held:
            return None
        problem = index.diagnose()
        if problem is None and suspect is not None and suspect.definite:
            problem = suspect
        if problem is None:
            if index.document_count() or not lesson_count():
                return None
            # Every lesson is missing from it: rebuilt in place, nothing to set aside.
            problem = IndexUnavailable("empty while the database holds lessons", missing=True)
        # A new, empty wiki has no index yet: creating it is routine, not a warning.
        report = log.debug if problem.missing and not lesson_count() else log.warning
        report("search index %s: %s; rebuilding it from the database", index.path, problem)
        if not problem.missing:
            log.warning("the damaged index was moved to %s", index.set_aside())
        started = time.perf_counter()
        count = _rebuild(None)
        report("search index rebuilt: %d lessons in %.1f s", count, time.perf_counter() - started)
        return problem.reason


def rebuild(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database (and mark it current for following)."""
    with _rebuild_lock(wait=True):
        return _rebuild(progress)


def _rebuild(progress: Callable[[int], None] | None) -> int:
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
