"""The Whoosh index: schema, Dutch analysis, writing, searching. The only module importing Whoosh.

Its interface is small on purpose (update, remove, search, related, versions, rebuild) so the
engine could fall back to `whoosh` 2.7.4 without touching services or views.
"""

from __future__ import annotations

import bisect
import os
import re
import secrets
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import fields, qparser, writing
from whoosh import query as wq
from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.codec.whoosh3 import W3Codec, W3Segment
from whoosh.filedb.filestore import FileStorage
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

from wiki.search import scoring
from wiki.search.caches import LruCache, nbytes
from wiki.search.health import INDEX_NAME, IndexUnavailable, classify, diagnose

# (generation, inode, mtime of its table of contents): a generation number alone comes back
# when another process makes the index anew (`leerwiki reindex` after the folder was lost).
Version = tuple[int, int, int]
DAMAGED = "damaged"  # subfolder a damaged index is moved to before it is rebuilt

# Hyphens, slashes and markup characters split words: "re-integratie" -> re, integratie.
WORD_PATTERN = r"\w+"
DUTCH_STOP_WORDS = frozenset(stopwords_for_language("nl"))
TEXT_FIELDS = ("title", "summary", "body", "tagtext", "owner")
FACET_NAMES = {
    "municipality": "municipality",
    "province": "province",
    "type": "type",
    "themes": "theme",
}
# facet in the API -> the sortable column it is counted over
FACET_COLUMNS = {
    "municipality": "municipality",
    "province": "province",
    "type": "type",
    "theme": "themekey",
}
LINKING = ("", "s", "e", "en")  # Dutch linking letters between the parts of a compound
MIN_PART = 4
MAX_CANDIDATES = 400  # compounds examined per searched word
MAX_COMPOUNDS = 24  # ... of which the most frequent are searched
SHOWN_HITS = 4096  # hits kept as shown, least recently used out
PREFIX_TERMS = 200_000  # words kept for compound lookups, least recently used out
IDLE_SEARCHERS = 2  # pooled searchers: about one per core
BULK = 500  # documents in one update from which the multi-process writer pays off
HIT_START, HIT_END = "\x02", "\x03"  # highlight markers; the renderer escapes, then marks
SEGMENT_FILE = re.compile(r"MAIN_[a-z0-9]+\.")  # not the lock, not the _MAIN_n.toc files
TOC_FILE = re.compile(r"_MAIN_[0-9]+\.toc$")  # one per generation; the newest is current
REPLACED_SEGMENT_GRACE = 60.0  # seconds a replaced segment's or generation's files stay
# A listing of the folder is reused while its mtime is unchanged, once the listing began this
# long after that mtime: later changes then get a later mtime even from a coarse clock.
LISTING_SETTLED_NS = 50_000_000
# Cached (segment, filters) masks, a byte per document each: many distinct filter choices
# (a crawler) must not grow a server's memory without bound.
FILTER_PARTS_BYTES = 32 * 1024 * 1024
SNIPPET_BEFORE, SNIPPET_LENGTH = 60, 220  # characters of context before the first match; in all
OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})


def dutch_analyzer() -> Any:
    """Tokenise, lower-case, fold accents, drop Dutch stop words, apply Snowball stemming."""
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=DUTCH_STOP_WORDS, minsize=2)
        | StemFilter(lang="nl", cachesize=50_000)
    )


_TEXT_ANALYZER = dutch_analyzer()  # for highlighting: the same words the index holds
_WORD = re.compile(WORD_PATTERN)


def spelling_analyzer() -> Any:
    """Whole words, lower-cased and accent-folded: the vocabulary for "Bedoelde u ...?"."""
    return RegexTokenizer(r"[^\W\d_]{3,}") | LowercaseFilter() | CharsetFilter(accent_map)


def make_schema() -> fields.Schema:
    text = dutch_analyzer()
    return fields.Schema(
        slug=fields.ID(unique=True, stored=True, sortable=True),
        title=fields.TEXT(analyzer=text, stored=True, field_boost=3.0),
        summary=fields.TEXT(analyzer=text, stored=True, field_boost=1.5),
        body=fields.TEXT(analyzer=text, stored=True),
        spell=fields.TEXT(analyzer=spelling_analyzer(), spelling=True),
        municipality=fields.ID(stored=True, sortable=True),
        province=fields.ID(stored=True, sortable=True),
        type=fields.ID(stored=True, sortable=True),
        themes=fields.KEYWORD(stored=True, commas=True),
        themekey=fields.ID(sortable=True),  # the same themes as one column value, for facets
        tags=fields.KEYWORD(stored=True, commas=True, lowercase=True),  # exact, for tag: filters
        tagtext=fields.TEXT(analyzer=text),  # the same tags as words, analysed like the text
        level=fields.ID(stored=True),
        domain=fields.ID(stored=True),
        status=fields.ID(stored=True),
        owner=fields.TEXT(analyzer=text, stored=True),
        year=fields.NUMERIC(stored=True, sortable=True),
        updated=fields.DATETIME(stored=True, sortable=True),
        confirmations=fields.NUMERIC(stored=True, sortable=True),
        revision_id=fields.NUMERIC(stored=True, bits=64, sortable=True),
        creator=fields.ID(),  # who created the lesson: they may see it while it is a draft
    )


@dataclass
class LessonDoc:
    """What the index holds of one lesson (its current revision)."""

    slug: str
    title: str
    summary: str
    body: str  # plain text, not Markdown: markup would hide words like **cruciaal**
    municipality: str
    province: str
    type: str
    themes: list[str]
    tags: list[str]
    status: str
    owner: str
    updated: datetime
    revision_id: int
    level: str | None = None
    domain: str | None = None
    year: int | None = None
    confirmations: int = 0
    creator: int | None = None


@dataclass(frozen=True)
class Filters:
    """Exact-match restrictions and what the reader may see.

    `statuses` are visible everywhere; `own_statuses` (drafts and the like) only for lessons
    of `own_municipality` or created by `own_creator`.
    """

    statuses: tuple[str, ...]
    own_statuses: tuple[str, ...] = ()
    own_municipality: str | None = None
    own_creator: int | None = None
    municipality: str | None = None
    province: str | None = None
    type: str | None = None
    theme: str | None = None
    tag: str | None = None
    min_confirmations: int | None = None


@dataclass
class Hit:
    slug: str
    title: str
    municipality: str
    province: str
    type: str
    score: float
    highlight: str  # plain text with HIT_START/HIT_END around matches


@dataclass
class Results:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    page: int
    per_page: int
    unknown_words: list[str] = field(default_factory=list)


@dataclass(eq=False)
class _Lease:
    """A searcher for one index generation, with caches tied to its document numbers."""

    ix: Any
    version: Version
    searcher: Any
    filters: dict[Filters, np.ndarray] = field(default_factory=dict)  # visible documents
    columns: dict[str, np.ndarray] = field(default_factory=dict)  # per document, whole index
    compounds: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # word -> compounds
    starts: list[int] = field(default_factory=list)  # each segment's first document number
    segment_ids: list[str] = field(default_factory=list)

    def segment_of(self, docnum: int) -> tuple[str, int]:
        """(segment id, document number within it) of a document number of this searcher."""
        if not self.starts:
            for sub, offset in self.searcher.leaf_searchers():
                segment = sub.reader().segment()
                self.starts.append(offset)
                self.segment_ids.append(segment.segment_id() if segment else "")
        at = bisect.bisect_right(self.starts, docnum) - 1
        return self.segment_ids[at], docnum - self.starts[at]


class _Storage(FileStorage):
    """The index folder; files of segments a commit replaced stay for a grace period.

    After each commit Whoosh deletes the files of the segments it merged away, but a searcher
    opens a segment's column files (stored fields, field lengths, sort columns) only when it
    first reads them: one opened on the previous generation a moment earlier, in another
    thread or server process, then failed on them or read them as absent. Likewise a table
    of contents: opening the index finds the newest generation and then reads its file, and a
    commit in between (in another process) deleted it. Whoosh asks again at every later
    commit, and a file goes once it has been unused for the grace period. An older table of
    contents left meanwhile changes nothing: the newest generation is the current one.
    """

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self._unused_since: dict[str, float] = {}
        self._creating = threading.local()
        self._listing: tuple[int, int, list[str]] | None = None  # (mtime, listed at, names)

    def list(self) -> list[str]:
        """The folder's file names, read again only when the folder has changed.

        Whoosh lists the folder to find the current generation, several times per search and
        per commit, and under steady writes the replaced segments kept for the grace period
        are thousands of files (2 ms a listing). A change by any process updates the folder's
        mtime; a listing is trusted only when it began well after that mtime.
        """
        try:
            changed = os.stat(self.folder).st_mtime_ns
        except OSError:
            return []
        seen = self._listing
        if seen is not None and seen[0] == changed and seen[1] - changed > LISTING_SETTLED_NS:
            return list(seen[2])
        listed_at = time.time_ns()
        names = super().list()
        self._listing = (changed, listed_at, names)
        return list(names)

    def forget_listing(self) -> None:
        """Files were moved by hand: list the folder afresh next time."""
        self._listing = None

    def create_file(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self._listing = None
        return super().create_file(name, *args, **kwargs)

    def rename_file(self, oldname: str, newname: str, safe: bool = False) -> None:
        super().rename_file(oldname, newname, safe)
        self._listing = None

    def create_index(self, *args: Any, **kwargs: Any) -> Any:
        # A new index starts at generation 0: every older table of contents must go now, or
        # the highest one left would still count as the current generation.
        self._creating.active = True
        try:
            return super().create_index(*args, **kwargs)
        finally:
            self._creating.active = False

    def delete_file(self, name: str) -> None:
        creating = getattr(self._creating, "active", False)
        if SEGMENT_FILE.match(name) or (TOC_FILE.match(name) and not creating):
            now = time.monotonic()
            if now - self._unused_since.setdefault(name, now) < REPLACED_SEGMENT_GRACE:
                return
            self._unused_since.pop(name, None)
        self._listing = None
        super().delete_file(name)


class _Codec(W3Codec):
    """Whoosh's own codec, with segment names that do not come from the global `random`.

    Whoosh names a new segment with `random.choice`, so any code that seeds `random` (Hypothesis
    does, the same way for every example) made a commit reuse the name of a live segment and
    truncate its files. The segment itself stays a plain W3Segment with a plain W3Codec, so
    the index on disk is exactly Whoosh's (the table of contents pickles both).
    """

    def new_segment(self, storage: Any, indexname: str) -> Any:
        return W3Segment(W3Codec(), indexname, segid=secrets.token_hex(8))


class SearchIndex:
    """One index folder. Opens lazily; every search uses a fresh searcher (never refresh())."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._storage = _Storage(str(self.path))  # one per index: it keeps the grace times
        self._ix: Any = None
        self._lock = threading.Lock()
        self._idle: list[_Lease] = []  # searchers of the latest generation, free to lend
        self._newest: tuple[Any, Version] = (None, (-1, 0, 0))  # (index, version) last lent
        # Kept per immutable segment, keyed by segment id first:
        # (segment id, column name or 'lexicon:body') -> values
        self._segments: LruCache[Any] = LruCache()
        # (segment id, filters) -> which of the segment's documents match
        self._filter_parts: LruCache[np.ndarray] = LruCache(FILTER_PARTS_BYTES, nbytes)
        # (segment id, (field, stem)) -> the segment's words with that prefix: their counts
        self._prefixes: LruCache[dict[str, int]] = LruCache(PREFIX_TERMS, _entries)
        # (segment id, document in it, searched words) -> the hit as shown
        self._shown_hits: LruCache[Hit] = LruCache(SHOWN_HITS)
        self._live: set[str] = set()  # the segments of the latest _per_segment call
        self._arrays = scoring.SegmentArrays()  # posting lists and field lengths as arrays
        # Facet values as small numbers, the same in every segment (append-only).
        self._codes: dict[str, int] = {}
        self._labels: list[str] = []
        self._codes_lock = threading.Lock()

    # ---- lifecycle -------------------------------------------------------------

    def _index(self, create: bool = False) -> Any:
        """The index, opened once; a missing one raises IndexUnavailable unless `create`:
        an empty index made silently where one was lost would answer every search with
        nothing (only a rebuild from the database creates one)."""
        with self._lock:
            if self._ix is None:
                self.path.mkdir(parents=True, exist_ok=True)
                try:
                    ix = self._storage.open_index() if self._storage.index_exists() else None
                except Exception as error:  # noqa: BLE001 - classify tells damage from passing
                    raise _unavailable(error) from error
                if ix is None:
                    if not create:
                        raise IndexUnavailable("no index in the folder", missing=True)
                    ix = self._storage.create_index(make_schema())
                elif _shape(ix.schema) != _shape(make_schema()):
                    # An index from an older schema: start again empty; start-up repair
                    # (or `leerwiki reindex`) fills it from the database.
                    ix = self._storage.create_index(make_schema())
                self._ix = ix
            return self._ix

    def clear(self) -> None:
        """Replace the index with an empty one."""
        with self._lock:
            self.path.mkdir(parents=True, exist_ok=True)
            self._ix = self._storage.create_index(make_schema())

    def generation(self) -> int:
        """The number of the latest commit (IndexUnavailable when there is no index)."""
        return self.version()[0]

    def version(self) -> Version:
        """Changes whenever a commit lands or the index is made anew; keys caches. Raises
        IndexUnavailable when the folder holds no index."""
        return self._version(self._index())

    def _version(self, ix: Any) -> Version:
        for _attempt in range(2):
            generation = int(ix.latest_generation())
            if generation < 0:
                break
            try:
                toc = os.stat(self.path / f"_{INDEX_NAME}_{generation}.toc")
            except FileNotFoundError:
                continue  # made anew this moment: list the folder again
            return generation, toc.st_ino, toc.st_mtime_ns
        self._reset()
        raise IndexUnavailable("no index in the folder", missing=True)

    def _made_anew(self, version: Version, newest: Version) -> bool:
        """Whether `version` belongs to another index than `newest` (made anew since)."""
        if version[0] > newest[0]:
            # A later commit. (Or an index made anew that already got that far: its segment
            # ids are random, and _per_segment drops what is no longer in the index.)
            return False
        if version[0] == newest[0]:
            return version != newest
        try:
            toc = os.stat(self.path / f"_{INDEX_NAME}_{newest[0]}.toc")
        except FileNotFoundError:
            return newest[0] >= 0
        return (newest[0], toc.st_ino, toc.st_mtime_ns) != newest

    def _reset(self) -> None:
        with self._lock:
            self._ix = None

    def document_count(self) -> int:
        """How many lessons the index holds (IndexUnavailable when it cannot tell)."""
        with self._searcher() as searcher:
            return int(searcher.doc_count())

    def diagnose(self) -> IndexUnavailable | None:
        """Read the folder's index through afresh: None when it is whole (see health)."""
        return diagnose(self.path)

    def set_aside(self) -> Path:
        """Move the index's files into the DAMAGED subfolder (replacing an earlier one), for
        a fresh start that keeps them for a look; returns that folder."""
        with self._lock:
            idle, self._idle, self._ix = self._idle, [], None
        for lease in idle:
            lease.searcher.close()
        target = self.path / DAMAGED
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for item in self.path.iterdir():
            if item.is_file() and _index_file(item.name):
                os.replace(item, target / item.name)
        self._storage.forget_listing()
        self._forget_segments_but(set())
        return target

    def close(self) -> None:
        """Close the pooled searchers and their files (searches reopen them when needed)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for lease in idle:
            lease.searcher.close()

    @contextmanager
    def _searcher(self) -> Iterator[Any]:
        with self._lease() as lease:
            yield lease.searcher

    @contextmanager
    def _lease(self) -> Iterator[_Lease]:
        """Lend a searcher of the latest index generation to one thread at a time.

        Searchers are reused until a commit lands (their column and term caches make repeat
        searches several times faster), then replaced by fresh ones: never refresh(), which
        returned old and new versions of updated documents. A Whoosh searcher must not be
        used by two threads at once, and each holds tens of MB of caches, so a small pool
        (not one per server thread) keeps memory flat however many threads serve.
        """
        try:
            lease = self._open_lease()
        except Exception as error:  # noqa: BLE001 - opened once more, then classified
            if classify(error) is None:
                raise
            self._reset()  # a commit or a rebuild in between: look at the folder afresh
            try:
                lease = self._open_lease()
            except Exception as again:  # noqa: BLE001
                raise _unavailable(again) from again
        try:
            yield lease
        finally:
            with self._lock:
                # The newest generation a lease began on, not the folder's (listing it
                # here would cost every search): a stale searcher kept now is closed when
                # next lent.
                newest_ix, newest = self._newest
                if (
                    len(self._idle) < IDLE_SEARCHERS
                    and lease.ix is newest_ix
                    and lease.version == newest
                ):
                    self._idle.append(lease)
                else:
                    lease.searcher.close()

    def _open_lease(self) -> _Lease:
        """A pooled searcher of the latest version, or a new one."""
        ix = self._index()
        version = self._version(ix)
        with self._lock:
            newest_ix, newest = self._newest
            renewed = version != newest and newest[0] >= 0 and self._made_anew(version, newest)
            if renewed or newest_ix is not ix or version[0] > newest[0]:
                self._newest = (ix, version)
            while self._idle:
                candidate = self._idle.pop()
                if candidate.version == version and candidate.ix is ix:
                    return candidate
                candidate.searcher.close()
        if renewed:
            # Another index now: nothing kept for the old one's segments may answer for it.
            self._forget_segments_but(set())
        return _Lease(ix, version, ix.searcher())

    def _writer(self, **options: Any) -> Any:
        # Segments as separate files, not one compound file: Whoosh copies each part of a
        # compound segment it opens into memory (a BytesIO per searcher), which at 100,000
        # lessons cost some 300 MB per searcher; plain files are read through the page cache.
        options.setdefault("compound", False)
        options.setdefault("codec", _Codec())
        try:
            return self._index().writer(**options)
        except Exception as error:  # noqa: BLE001 - classify tells damage from passing
            problem = classify(error)
            if problem is None:
                raise
            self._reset()
            raise problem from error

    def warm(self) -> None:
        """Read the per-segment caches (facet columns, compound vocabulary) ahead of the first
        search, so the first visitor after a start does not wait for them."""
        try:
            self._warm()
        except IndexUnavailable:
            return  # the first search finds it out and has it rebuilt

    def _warm(self) -> None:
        with self._lease() as lease:
            for column in FACET_COLUMNS.values():
                self._column_codes(lease, column)
            for column in ("updated", "confirmations"):
                self._column_numbers(lease, column)
            for sub, _offset in lease.searcher.leaf_searchers():
                reader = sub.reader()
                if reader.segment() is not None:
                    for name in TEXT_FIELDS:
                        self._arrays.lengths(reader, name)
            self._body_vocabulary(lease.searcher)

    # ---- writing ---------------------------------------------------------------

    def update(
        self, docs: Iterable[LessonDoc], removed: Iterable[str] = (), timeout: float = 30.0
    ) -> int:
        """Add or replace documents and delete slugs, in one commit. Waits for the writer lock.

        Large batches (bulk imports) use Whoosh's multi-process writer: analysis runs in
        parallel, about 1.8x faster on two cores.
        """
        docs = list(docs)
        options: dict[str, Any] = {"timeout": timeout, "delay": 0.02}
        if len(docs) >= BULK and (os.cpu_count() or 1) > 1:
            # multisegment: keep one segment per process instead of merging them at the end.
            options.update(procs=min(4, os.cpu_count() or 1), limitmb=128, multisegment=True)
        writer = self._writer(**options)
        count = 0
        try:
            for doc in docs:
                writer.update_document(**_fields_of(doc))
                count += 1
            for slug in removed:
                writer.delete_by_term("slug", slug)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return count

    def rebuild(self, docs: Iterable[LessonDoc]) -> int:
        """Replace every document with `docs` (one writer, one commit that drops the old
        segments): searches see the old index until the new one is whole, a failure leaves
        it as it was, and generations keep counting up. A missing index is created first."""
        try:
            self.version()  # not just the index object: the folder may be gone under it
        except IndexUnavailable as problem:
            if not problem.missing:
                raise
            self._index(create=True)
        writer = self._writer(timeout=30.0, limitmb=256)
        count = 0
        try:
            for doc in docs:
                writer.add_document(**_fields_of(doc))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=writing.CLEAR)
        return count

    # ---- reading ---------------------------------------------------------------

    def versions(self) -> dict[str, int]:
        """slug -> revision id of every indexed document (for drift checks)."""
        with self._searcher() as searcher:
            reader = searcher.reader()
            if not reader.doc_count():
                return {}
            # Columns, not stored fields: reading every stored body would cost memory and time.
            slugs = reader.column_reader("slug")
            revisions = reader.column_reader("revision_id")
            return {_text(slugs[d]): int(revisions[d]) for d in reader.all_doc_ids()}

    def states(self, slugs: Iterable[str]) -> dict[str, tuple[int, int]]:
        """slug -> (revision id, confirmations) of these indexed documents."""
        found: dict[str, tuple[int, int]] = {}
        with self._searcher() as searcher:
            for slug in slugs:
                stored = searcher.document(slug=slug)
                if stored is not None:
                    found[slug] = (int(stored["revision_id"]), int(stored["confirmations"]))
        return found

    def search(
        self,
        text: str,
        filters: Filters,
        *,
        page: int = 1,
        per_page: int = 20,
        sort: str = "relevance",
    ) -> Results:
        """All words must match by default; facets are counted over every match.

        The query is scored for every document at once (scoring.Evaluator), then the
        matches are intersected with what the reader may see; the total, the facets and
        the page all come from that one set.
        """
        with self._lease() as lease:
            searcher = lease.searcher
            user_query, unknown = self._parse(lease, text)
            allowed = self._allowed(lease, filters)
            matches = scoring.Evaluator(searcher, self._arrays).evaluate(user_query)
            visible = matches.mask & allowed
            counts = self._facet_counts(lease, visible)
            limit = page * per_page
            docs = scoring.top(visible, self._sort_keys(lease, sort, matches.score), limit)
            body_terms, summary_terms = (
                _query_terms(user_query, "body"),
                _query_terms(user_query, "summary"),
            )
            hits = []
            for docnum in docs[(page - 1) * per_page :].tolist():
                shown = self._shown(lease, docnum, body_terms, summary_terms)
                # Sorted searches have no relevance score to show.
                score = float(matches.score[docnum]) if sort == "relevance" else 0.0
                hits.append(replace(shown, score=round(score, 4)))
            total = int(np.count_nonzero(visible))
            return Results(total, hits, counts, page, per_page, unknown)

    def _allowed(self, lease: _Lease, filters: Filters) -> np.ndarray:
        """Which documents pass the filters (a mask), kept with the searcher it belongs to.

        Built per segment: a document's fields never change, so which documents of a
        segment match is kept by segment id across generations, and only this generation's
        deletions (an edit deletes the old version) are applied anew. A part computed by a
        newer searcher may lack an old version an older searcher still holds: that searcher
        then hides it a moment early, never shows more.
        """
        cache = lease.filters
        allowed = cache.get(filters)
        if allowed is None:
            if len(cache) >= 64:
                cache.clear()
            allowed = np.zeros(lease.searcher.doc_count_all(), bool)
            query = _filter_query(filters)
            for sub, offset in lease.searcher.leaf_searchers():
                reader = sub.reader()
                segment = reader.segment()
                if segment is None:  # an empty index has no segments
                    continue
                key = (segment.segment_id(), filters)
                part = self._filter_parts.get(key)
                if part is None:
                    part = np.zeros(reader.doc_count_all(), bool)
                    part[np.fromiter(sub.docs_for_query(query), np.int64)] = True
                    part = self._filter_parts.put(key, part)
                allowed[offset : offset + len(part)] = part
                deleted = reader.deleted_docs_set
                if deleted:
                    allowed[offset + np.fromiter(deleted, np.int64)] = False
            cache[filters] = allowed
        return allowed

    def _shown(
        self,
        lease: _Lease,
        docnum: int,
        body_terms: frozenset[str],
        summary_terms: frozenset[str],
    ) -> Hit:
        """A hit as shown (score 0), kept by segment id and the searched words: the same
        lessons top a query in every generation, and reading a lesson's stored text and
        marking the words in it cost a fifth of a search."""
        segment, local = lease.segment_of(docnum)
        key = (segment, local, body_terms, summary_terms)
        shown = self._shown_hits.get(key)
        if shown is not None:
            return shown
        stored = lease.searcher.stored_fields(docnum)
        snippet = (
            _highlight(stored.get("body", ""), body_terms)
            or _highlight(stored.get("summary", ""), summary_terms)
            or stored.get("summary", "")
        )
        return self._shown_hits.put(key, _hit(stored, 0.0, snippet))

    def _sort_keys(self, lease: _Lease, sort: str, score: np.ndarray) -> list[np.ndarray]:
        """Ascending keys for scoring.top: best first, newest first, most confirmed first."""
        if sort == "newest":
            return [-self._column_numbers(lease, "updated")]
        if sort == "confirmed":
            return [
                -self._column_numbers(lease, "confirmations"),
                -self._column_numbers(lease, "updated"),
            ]
        return [-score]

    def _facet_counts(self, lease: _Lease, visible: np.ndarray) -> dict[str, dict[str, int]]:
        """Counts per facet value over every visible match, named as in the API contract."""
        counts: dict[str, dict[str, int]] = {}
        for facet, column in FACET_COLUMNS.items():
            codes = self._column_codes(lease, column)
            tally = np.bincount(codes[visible], minlength=0)
            found = {self._labels[c]: int(n) for c, n in enumerate(tally.tolist()) if n}
            if facet == "theme":  # the column holds each lesson's themes as "a,b"
                split: Counter[str] = Counter()
                for key, n in found.items():
                    for theme in key.split(","):
                        split[theme] += n
                found = dict(split)
            counts[facet] = {k: v for k, v in found.items() if k}
        return counts

    def _column_codes(self, lease: _Lease, column: str) -> np.ndarray:
        """One column as value codes (an index into self._labels) for every document."""
        key = f"codes:{column}"
        codes = lease.columns.get(key)
        if codes is None:

            def read(reader: Any) -> np.ndarray:
                count = reader.doc_count_all()
                if not reader.has_column(column):
                    return np.full(count, self._code(""), np.int32)
                values = map(_text, reader.column_reader(column))
                return np.fromiter(map(self._code, values), np.int32, count)

            parts = self._per_segment(lease.searcher, key, read)
            codes = lease.columns[key] = np.concatenate(parts) if parts else np.empty(0, np.int32)
        return codes

    def _code(self, value: str) -> int:
        """A stable small number for a column value (municipality, province, type, themes)."""
        code = self._codes.get(value)
        if code is None:
            with self._codes_lock:
                code = self._codes.setdefault(value, len(self._labels))
                if code == len(self._labels):
                    self._labels.append(value)
        return code

    def _column_numbers(self, lease: _Lease, column: str) -> np.ndarray:
        """A numeric or date column (its raw sortable number) for every document."""
        key = f"numbers:{column}"
        numbers = lease.columns.get(key)
        if numbers is None:

            def read(reader: Any) -> np.ndarray:
                count = reader.doc_count_all()
                if not reader.has_column(column):
                    return np.zeros(count, np.float64)
                values = reader.column_reader(column, translate=False)
                return np.fromiter(values, np.float64, count)

            parts = self._per_segment(lease.searcher, key, read)
            numbers = lease.columns[key] = (
                np.concatenate(parts) if parts else np.empty(0, np.float64)
            )
        return numbers

    def _per_segment(
        self, searcher: Any, name: Any, build: Any, cache: LruCache[Any] | None = None
    ) -> list[Any]:
        """build(segment reader) for each segment of the searcher, kept in `cache` (the
        column cache by default) by segment id.

        Segments are immutable (a commit adds or merges segments; deletions are kept apart),
        so after a save only the new small segment is read.
        """
        cache = self._segments if cache is None else cache
        parts = []
        live = set()
        for sub, _offset in searcher.leaf_searchers():
            reader = sub.reader()
            segment = reader.segment()
            if segment is None:  # an empty index has no segments
                continue
            key = (segment.segment_id(), name)
            live.add(key[0])
            part = cache.get(key)
            if part is None:
                part = cache.put(key, build(reader))
            parts.append(part)
        self._forget_segments_but(live)
        return parts

    def _forget_segments_but(self, live: set[str]) -> None:
        """When the segments changed, drop what every cache kept for segments no longer in
        the index (only then: the caches hold thousands of entries, too many to walk on
        every call)."""
        with self._lock:
            if live == self._live:
                return
            self._live = live
        for cache in (self._segments, self._filter_parts, self._prefixes, self._shown_hits):
            cache.forget(live)
        self._arrays.forget(live)

    def related(self, slug: str, filters: Filters, limit: int = 5) -> list[Hit]:
        """More like this: similar lessons, other municipalities first."""
        with self._searcher() as searcher:
            docnum = searcher.document_number(slug=slug)
            if docnum is None:
                return []
            own = searcher.stored_fields(docnum)["municipality"]
            similar = searcher.more_like(
                docnum, "body", top=limit * 4, numterms=15, filter=_filter_query(filters)
            )
            hits = [_hit(h.fields(), h.score, "") for h in similar]
        hits.sort(key=lambda h: (h.municipality == own, -h.score))
        return hits[:limit]

    def suggest(self, text: str, filters: Filters) -> str | None:
        """The query with unknown words replaced by close index words, or None.

        Only words of lessons that `filters` let the reader see are offered: the spelling
        vocabulary holds the words of every lesson, drafts too.
        """
        with self._searcher() as searcher:
            corrector = searcher.corrector("spell")
            visible = _filter_query(filters)

            def seen(word: str) -> bool:
                query = wq.And([wq.Term("spell", word), visible])
                return bool(searcher.search(query, limit=1, scored=False))

            changed = False

            def fix(match: re.Match[str]) -> str:
                nonlocal changed
                word = match.group(0)
                folded = _fold(word)
                if word in OPERATORS or self._known(searcher, word):
                    return word
                best = [w for w in corrector.suggest(folded, limit=5, maxdist=2) if seen(w)]
                if not best:
                    return word
                changed = True
                return str(best[0])

            corrected = re.sub(r"[^\W\d_]{3,}", fix, text)
            return corrected if changed else None

    # ---- query parsing ---------------------------------------------------------

    def _parse(self, lease: _Lease, text: str) -> tuple[Any, list[str]]:
        """Parse the user's words; never raises. Returns the query and unknown words."""
        searcher = lease.searcher
        if not text.strip():
            return wq.Every(), []
        schema = searcher.schema  # the searcher's own: reading the latest TOC races commits
        parser = qparser.MultifieldParser(list(TEXT_FIELDS), schema, group=qparser.AndGroup)
        parser.remove_plugin_class(qparser.FieldsPlugin)  # field filters are handled by us
        parser.remove_plugin_class(qparser.WildcardPlugin)  # no '*' scans over the lexicon
        parser.add_plugin(qparser.PlusMinusPlugin())
        try:
            parsed = parser.parse(text)
        except Exception:  # noqa: BLE001 - any parser failure falls back to plain words
            words = re.findall(r"\w+", text)
            parsed = parser.parse(" ".join(words)) if words else wq.NullQuery
        expanded = self._expand_compounds(lease, parsed)
        unknown = [
            w
            for w in re.findall(r"[^\W\d_]{3,}", text)
            if not searcher.reader().frequency("spell", _fold(w))
        ]
        return expanded, unknown

    def _expand_compounds(self, lease: _Lease, q: Any) -> Any:
        """Let a word also find compounds that start with it: schuld -> schuldhulpverlening.

        A candidate counts only when what follows the word (after a linking s/e/en) itself
        begins with a word of the index vocabulary, so 'zorg' finds 'zorgverzekering' but
        not 'zorgvuldig'. Splitting against our own vocabulary needs no dictionary.
        """
        if isinstance(q, wq.Term) and q.fieldname in ("title", "summary", "body"):
            stem = q.text
            if not isinstance(stem, str) or len(stem) < MIN_PART:
                return q
            key = (q.fieldname, stem)
            compounds = lease.compounds.get(key)
            if compounds is None:
                compounds = lease.compounds[key] = self._compounds(lease.searcher, *key)
            if not compounds:
                return q
            terms = [wq.Term(q.fieldname, t, boost=0.5) for t in compounds]
            # The compounds are many short posting lists: one preloaded union of them.
            return wq.Or([q, wq.PreloadedOr(terms)])
        if isinstance(q, wq.Not):
            return q  # excluded words stay exact
        return q.apply(lambda sub: self._expand_compounds(lease, sub))

    def _compounds(self, searcher: Any, fieldname: str, stem: str) -> list[str]:
        """The most used index words of `fieldname` that are compounds starting with `stem`."""
        vocabulary = self._body_vocabulary(searcher)
        frequency: Counter[str] = Counter()
        for part in self._prefixed(searcher, fieldname, stem):
            frequency.update(part)
        found = []
        for candidate in sorted(frequency):  # in lexicon order, as the reader lists them
            rest = candidate[len(stem) :]
            if any(
                _starts_with_word(rest[len(link) :], vocabulary)
                for link in LINKING
                if rest.startswith(link)
            ):
                found.append(candidate)
            if len(found) >= MAX_CANDIDATES:
                break
        # The most used compounds carry the recall; a long tail of rare ones costs time.
        found.sort(key=lambda t: -frequency[t])
        return found[:MAX_COMPOUNDS]

    def _prefixed(self, searcher: Any, fieldname: str, stem: str) -> list[dict[str, int]]:
        """Per segment: its words of `fieldname` that start with `stem` (not `stem` itself)
        and in how many documents each is. Kept by segment id, so after a commit only the
        new segment is looked up; reading them from every segment for each generation took
        a third of all search time in the load run (10,000 lessons, saves every second)."""

        def read(reader: Any) -> dict[str, int]:
            words = reader.iter_prefix(fieldname, stem)
            found = {_text(term): info.doc_frequency() for term, info in words}
            found.pop(stem, None)
            return found

        return self._per_segment(searcher, (fieldname, stem), read, self._prefixes)

    def _known(self, searcher: Any, word: str) -> bool:
        """A word is known when the spelling vocabulary or (stemmed) any lesson text has it."""
        reader = searcher.reader()
        if reader.frequency("spell", _fold(word)):
            return True
        stems = [t.text for t in searcher.schema["body"].analyzer(word)]
        return bool(stems) and all(reader.frequency("body", stem) for stem in stems)

    def _body_vocabulary(self, searcher: Any) -> _Vocabulary:
        """Body words of four letters or more, read once per segment."""

        def read(reader: Any) -> frozenset[str]:
            return frozenset(_text(w) for w in reader.lexicon("body") if len(w) >= MIN_PART)

        return _Vocabulary(self._per_segment(searcher, "lexicon:body", read))


def _unavailable(error: BaseException) -> BaseException:
    """IndexUnavailable for an error that shows a missing or damaged index, else the error."""
    problem = classify(error)
    return error if problem is None else problem


def _index_file(name: str) -> bool:
    """Whoosh's files of the index (segments, tables of contents), not its lock or ours."""
    return (name.startswith(f"{INDEX_NAME}_") or name.startswith(f"_{INDEX_NAME}_")) and (
        name != f"{INDEX_NAME}_WRITELOCK"
    )


def _entries(words: dict[str, int]) -> int:
    return len(words) + 1


def _shape(schema: Any) -> set[tuple[str, str, bool]]:
    """What must match for an existing index to be used as is: fields, kinds, columns."""
    return {(n, type(f).__name__, f.column_type is not None) for n, f in schema.items()}


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _query_terms(q: Any, field: str) -> frozenset[str]:
    """The analysed words the query looks for in one field (compounds included)."""
    return frozenset(_text(t) for f, t in q.iter_all_terms(phrases=True) if f == field)


def _highlight(text: str, terms: frozenset[str]) -> str:
    """A fragment of `text` around the searched words, marked for the renderer.

    Each word is analysed as the index analysed it (cached per distinct word), so
    'wijkteams' is marked for a search on 'wijkteam'. Whoosh's highlighter re-analyses
    every token through the whole filter chain and cost more than the search itself.
    """
    if not text or not terms:
        return ""
    words = (m for m in _WORD.finditer(text) if _analysed(m.group()) & terms)
    first = next(words, None)
    if first is None:
        return ""
    start = _word_start(text, max(0, first.start() - SNIPPET_BEFORE))
    end = _word_end(text, min(len(text), start + SNIPPET_LENGTH))
    pieces, at = [], start
    for match in (first, *_until(words, end)):
        if match.end() > end:
            break
        pieces += [text[at : match.start()], HIT_START, match.group(), HIT_END]
        at = match.end()
    pieces.append(text[at:end])
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + " ".join("".join(pieces).split()) + suffix


def _until(matches: Iterator[re.Match[str]], end: int) -> Iterator[re.Match[str]]:
    for match in matches:
        if match.start() >= end:
            return
        yield match


@lru_cache(maxsize=200_000)
def _analysed(word: str) -> frozenset[str]:
    return frozenset(token.text for token in _TEXT_ANALYZER(word))


def _word_start(text: str, at: int) -> int:
    """Move back to the start of the word `at` falls in."""
    while at > 0 and text[at - 1].isalnum():
        at -= 1
    return at


def _word_end(text: str, at: int) -> int:
    """Move back to the end of the last whole word before `at`."""
    if at >= len(text):
        return len(text)
    cut = at
    while cut > 0 and text[cut].isalnum():
        cut -= 1
    return cut if cut > 0 else at


def _hit(stored: dict[str, Any], score: float | None, highlight: str) -> Hit:
    return Hit(
        slug=stored["slug"],
        title=stored["title"],
        municipality=stored["municipality"],
        province=stored["province"],
        type=stored["type"],
        score=round(float(score or 0.0), 4),
        highlight=highlight,
    )


class _Vocabulary:
    """Membership across the per-segment word sets of one searcher."""

    def __init__(self, parts: list[frozenset[str]]) -> None:
        self.parts = parts

    def __contains__(self, word: str) -> bool:
        return any(word in part for part in self.parts)


def _starts_with_word(rest: str, vocabulary: _Vocabulary) -> bool:
    return any(rest[:n] in vocabulary for n in range(len(rest), MIN_PART - 1, -1))


def _fold(word: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _fields_of(doc: LessonDoc) -> dict[str, Any]:
    values: dict[str, Any] = {
        "slug": doc.slug,
        "title": doc.title,
        "summary": doc.summary,
        "body": doc.body,
        # Titles, summaries and tags carry the vocabulary people search with; leaving the body
        # out of the spelling field keeps bulk indexing about a third faster.
        "spell": f"{doc.title} {doc.summary} {' '.join(doc.tags)}",
        "municipality": doc.municipality,
        "province": doc.province,
        "type": doc.type,
        "themes": ",".join(doc.themes),
        "themekey": ",".join(doc.themes),
        "tags": ",".join(doc.tags),
        "tagtext": " ".join(doc.tags),
        "status": doc.status,
        "owner": doc.owner,
        "updated": doc.updated.replace(tzinfo=None),
        "confirmations": doc.confirmations,
        "revision_id": doc.revision_id,
    }
    if doc.creator is not None:
        values["creator"] = str(doc.creator)
    for name in ("level", "domain", "year"):
        value = getattr(doc, name)
        if value is not None:
            values[name] = value
    return values


def _filter_query(filters: Filters) -> Any:
    visible: list[Any] = [wq.Term("status", s) for s in filters.statuses]
    owned = [wq.Term("municipality", filters.own_municipality)] if filters.own_municipality else []
    if filters.own_creator is not None:
        owned.append(wq.Term("creator", str(filters.own_creator)))
    if filters.own_statuses and owned:
        visible.append(
            wq.And([wq.Or([wq.Term("status", s) for s in filters.own_statuses]), wq.Or(owned)])
        )
    parts: list[Any] = [wq.Or(visible)]
    for name, value in (
        ("municipality", filters.municipality),
        ("province", filters.province),
        ("type", filters.type),
        ("themes", filters.theme),
        ("tags", filters.tag),
    ):
        if value:
            parts.append(wq.Term(name, value))
    if filters.min_confirmations:
        parts.append(wq.NumericRange("confirmations", filters.min_confirmations, None))
    return wq.And(parts)
