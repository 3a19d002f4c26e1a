"""Search stays honest when its index is lost or damaged.

A search first checks, cheaply, that the index can answer: its table of contents is there
and readable, and it is not empty while the database holds lessons. If not, one rebuild
from the database starts in the background (one per index folder across processes, see
`indexing.heal`) and the search answers 503 with Retry-After meanwhile, never a silent
empty result. Pages other than search do not depend on the index.
"""

from __future__ import annotations

import logging
import threading
from typing import NoReturn

from flask import Flask, current_app
from flask_babel import gettext

from wiki.extensions import db
from wiki.search.caches import LruCache
from wiki.search.engine import Version
from wiki.search.health import IndexUnavailable
from wiki.services import following, indexing
from wiki.services.errors import SearchUnavailable

log = logging.getLogger(__name__)
# (index folder, version) whose document count was checked against the database
_checked: LruCache[bool] = LruCache(64)
_rebuilding = threading.Lock()  # held while this process has a rebuild thread running


def ready() -> Version:
    """The version of an index that can answer searches; otherwise has it rebuilt and
    raises SearchUnavailable."""
    index = indexing.search_index()
    try:
        version = index.version()
        key = (index.path, version)
        if _checked.get(key) is None:
            # Only an empty index costs a database query, once per version.
            if not index.document_count() and _lessons_lost():
                raise IndexUnavailable("empty while the database holds lessons", missing=True)
            _checked.put(key, True)
        return version
    except IndexUnavailable as problem:
        if problem.missing and not indexing.lesson_count():
            indexing.heal(wait=True)  # nothing to rebuild: an empty index, at once
            return index.version()
        unavailable(problem)


def _lessons_lost() -> bool:
    """Whether an empty index should hold lessons. Under `leerwiki serve` the node's change
    follower indexes saves a moment after their commit (and a new node catches up on what
    others wrote): an index behind the change sequence is late, not lost."""
    if not indexing.lesson_count():
        return False
    if not indexing.saves_followed():
        return True  # saves are indexed before their request ends
    applied = following.Position.load(current_app.config["INDEX_DIR"]).applied
    return applied < 0 or applied >= following.latest_change()


def unavailable(problem: IndexUnavailable) -> NoReturn:
    """Start the rebuild (unless one runs) and answer 503."""
    heal_in_background(problem)
    raise SearchUnavailable(
        gettext(
            "Search is briefly unavailable: its index is being rebuilt from the database. "
            "Please try again in a few seconds."
        )
    )


def heal_in_background(problem: IndexUnavailable | None = None) -> None:
    """Run `indexing.heal` in a thread of this process, unless one runs already."""
    if not _rebuilding.acquire(blocking=False):
        return
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # noqa: SLF001
    thread = threading.Thread(target=_heal, args=(app, problem), name="index-rebuild", daemon=True)
    try:
        thread.start()
    except BaseException:
        _rebuilding.release()
        raise


def _heal(app: Flask, problem: IndexUnavailable | None) -> None:
    try:
        with app.app_context():
            try:
                indexing.heal(suspect=problem)
            finally:
                db.session.remove()
    except Exception:  # noqa: BLE001 - a thread has no caller; the next search tries again
        log.exception("rebuilding the search index failed; the next search tries again")
    finally:
        _rebuilding.release()
