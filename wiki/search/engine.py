"""The Whoosh index: schema, Dutch analysis, writing, searching. The only module importing Whoosh.

Its interface is small on purpose (update, remove, search, related, versions, rebuild) so the
engine could fall back to `whoosh` 2.7.4 without touching services or views.
"""

from __future__ import annotations

import os
import re
import threading
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from whoosh import collectors, fields, index, qparser, sorting
from whoosh import query as wq
from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.highlight import ContextFragmenter, Formatter, get_text
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

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
IDLE_SEARCHERS = 2  # pooled searchers: about one per core
BULK = 500  # documents in one update from which the multi-process writer pays off
HIT_START, HIT_END = "\x02", "\x03"  # highlight markers; the renderer escapes, then marks
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


class _MarkerFormatter(Formatter):
    """Marks matches with control characters so HTML escaping stays in one place."""

    between = " … "

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"{HIT_START}{get_text(text, token, replace)}{HIT_END}"


class _Recording:
    """Mixin for Whoosh collectors: remember every matching document number.

    Facets and the exact total come from this list, so a search walks the matches once
    (scoring and counting together) instead of running the query a second time.
    """

    matched: array[int]

    def prepare(self, top_searcher: Any, q: Any, context: Any) -> None:
        super().prepare(top_searcher, q, context)  # type: ignore[misc]
        self.matched = array("I")


class _TopRecording(_Recording, collectors.TopCollector):
    def _collect(self, global_docnum: int, score: float) -> Any:
        self.matched.append(global_docnum)
        return super()._collect(global_docnum, score)


class _SortingRecording(_Recording, collectors.SortingCollector):
    def collect(self, sub_docnum: int) -> Any:
        self.matched.append(self.offset + sub_docnum)
        return super().collect(sub_docnum)


@dataclass(eq=False)
class _Lease:
    """A searcher for one index generation, with caches tied to its document numbers."""

    ix: Any
    generation: int
    searcher: Any
    filters: dict[Filters, set[int]] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)


class SearchIndex:
    """One index folder. Opens lazily; every search uses a fresh searcher (never refresh())."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._ix: Any = None
        self._lock = threading.Lock()
        self._idle: list[_Lease] = []  # searchers of the latest generation, free to lend
        # (segment id, column name or 'lexicon:body') -> values; segments are immutable
        self._segments: dict[tuple[str, str], Any] = {}

    # ---- lifecycle -------------------------------------------------------------

    def _index(self) -> Any:
        with self._lock:
            if self._ix is None:
                self.path.mkdir(parents=True, exist_ok=True)
                if index.exists_in(str(self.path)):
                    ix = index.open_dir(str(self.path))
                    if _shape(ix.schema) != _shape(make_schema()):
                        # An index from an older schema: start again empty; start-up repair
                        # (or `leerwiki reindex`) fills it from the database.
                        ix = index.create_in(str(self.path), make_schema())
                else:
                    ix = index.create_in(str(self.path), make_schema())
                self._ix = ix
            return self._ix

    def clear(self) -> None:
        """Replace the index with an empty one."""
        with self._lock:
            self.path.mkdir(parents=True, exist_ok=True)
            self._ix = index.create_in(str(self.path), make_schema())

    def generation(self) -> int:
        """Changes whenever a commit lands; keys caches."""
        generation = int(self._index().latest_generation())
        if generation < 0:  # the folder was emptied under us: start a fresh index
            self._reset()
            generation = int(self._index().latest_generation())
        return generation

    def _reset(self) -> None:
        with self._lock:
            self._ix = None

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
        lease = None
        try:
            ix = self._index()
            generation = ix.latest_generation()
            with self._lock:
                while self._idle:
                    candidate = self._idle.pop()
                    if candidate.generation == generation and candidate.ix is ix:
                        lease = candidate
                        break
                    candidate.searcher.close()
            if lease is None:
                lease = _Lease(ix, generation, ix.searcher())
        except (index.EmptyIndexError, FileNotFoundError, OSError):
            self._reset()
            ix = self._index()
            lease = _Lease(ix, ix.latest_generation(), ix.searcher())
        try:
            yield lease
        finally:
            with self._lock:
                if len(self._idle) < IDLE_SEARCHERS and lease.generation == (
                    self._ix.latest_generation() if self._ix is lease.ix else None
                ):
                    self._idle.append(lease)
                else:
                    lease.searcher.close()

    def _writer(self, **options: Any) -> Any:
        try:
            return self._index().writer(**options)
        except (index.EmptyIndexError, FileNotFoundError):
            self._reset()
            return self._index().writer(**options)

    def warm(self) -> None:
        """Read the per-segment caches (facet columns, compound vocabulary) ahead of the first
        search, so the first visitor after a start does not wait for them."""
        with self._lease() as lease:
            for column in FACET_COLUMNS.values():
                self._column_values(lease, column)
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
        """Build a fresh index from all documents (one writer, one commit)."""
        self.clear()
        writer = self._writer(timeout=30.0, limitmb=256)
        count = 0
        try:
            for doc in docs:
                writer.add_document(**_fields_of(doc))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
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
        """All words must match by default; facets are counted over every match."""
        with self._lease() as lease:
            searcher = lease.searcher
            user_query, unknown = self._parse(searcher, text)
            limit = page * per_page
            collector: _Recording
            if sort == "newest":
                collector = _SortingRecording(
                    sorting.FieldFacet("updated", reverse=True), limit=limit
                )
            elif sort == "confirmed":
                collector = _SortingRecording(
                    sorting.MultiFacet(
                        [
                            sorting.FieldFacet("confirmations", reverse=True),
                            sorting.FieldFacet("updated", reverse=True),
                        ]
                    ),
                    limit=limit,
                )
            else:
                # No block-quality skipping or matcher replacement (both drop low-scoring
                # matches): every match is visited anyway, to count facets and the total.
                collector = _TopRecording(limit=limit, usequality=False, replace=0)
            allowed = self._allowed(lease, filters)
            if not allowed:  # Whoosh reads an empty allow set as "no filter"
                return Results(0, [], {f: {} for f in FACET_COLUMNS}, page, per_page, unknown)
            wrapped = collectors.FilterCollector(collector, allow=allowed)
            searcher.search_with_collector(user_query, wrapped)
            results = wrapped.results()
            results.fragmenter = ContextFragmenter(maxchars=220, surround=60)
            results.formatter = _MarkerFormatter()
            counts = self._facet_counts(lease, collector.matched)
            first_match = _first_match_pattern(user_query)
            hits = []
            for hit in results[(page - 1) * per_page : limit]:
                stored = hit.fields()
                body = _around_first_match(stored.get("body", ""), first_match)
                snippet = (
                    hit.highlights("body", text=body)
                    or hit.highlights("summary")
                    or stored.get("summary", "")
                )
                # Sorted searches carry a sort key in `score`, not a relevance score.
                score = hit.score if sort == "relevance" else None
                hits.append(_hit(stored, score, snippet))
            return Results(len(collector.matched), hits, counts, page, per_page, unknown)

    def _allowed(self, lease: _Lease, filters: Filters) -> set[int]:
        """Document numbers passing the filters, kept with the searcher they belong to."""
        cache = lease.filters
        allowed = cache.get(filters)
        if allowed is None:
            if len(cache) >= 64:
                cache.clear()
            allowed = cache[filters] = set(lease.searcher.docs_for_query(_filter_query(filters)))
        return allowed

    def _facet_counts(self, lease: _Lease, matched: array[int]) -> dict[str, dict[str, int]]:
        """Counts per facet value over every matching document, named as in the API contract.

        Reads the sortable columns into lists once per segment (segments never change; a new
        commit adds or merges segments), so counting is a C-speed pass over the matches.
        """
        counts: dict[str, dict[str, int]] = {}
        for facet, column in FACET_COLUMNS.items():
            values = self._column_values(lease, column)
            tally: Counter[str] = Counter(map(values.__getitem__, matched))
            if facet == "theme":
                split: Counter[str] = Counter()
                for key, n in tally.items():
                    for theme in key.split(","):
                        if theme:
                            split[theme] += n
                tally = split
            counts[facet] = {k: v for k, v in tally.items() if k}
        return counts

    def _column_values(self, lease: _Lease, column: str) -> list[str]:
        """One column's value for every document number of this searcher."""
        per_searcher = lease.columns
        values = per_searcher.get(column)
        if values is None:

            def read(reader: Any) -> list[str]:
                if not reader.has_column(column):
                    return [""] * reader.doc_count_all()
                seen: dict[str, str] = {}  # one string object per distinct value
                return [seen.setdefault(v, v) for v in map(_text, reader.column_reader(column))]

            values = per_searcher[column] = [
                v for part in self._per_segment(lease.searcher, column, read) for v in part
            ]
        return values

    def _per_segment(self, searcher: Any, name: str, build: Any) -> list[Any]:
        """build(segment reader) for each segment of the searcher, cached by segment id.

        Segments are immutable (a commit adds or merges segments; deletions are kept apart),
        so after a save only the new small segment is read. Entries for segments that are no
        longer in the index are dropped.
        """
        parts = []
        with self._lock:
            live = set()
            for sub, _offset in searcher.leaf_searchers():
                reader = sub.reader()
                segment = reader.segment()
                if segment is None:  # an empty index has no segments
                    continue
                key = (segment.segment_id(), name)
                live.add(key[0])
                part = self._segments.get(key)
                if part is None:
                    part = self._segments[key] = build(reader)
                parts.append(part)
            for gone in [k for k in self._segments if k[0] not in live and k[1] == name]:
                del self._segments[gone]
        return parts

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

    def suggest(self, text: str) -> str | None:
        """The query with unknown words replaced by close index words, or None."""
        with self._searcher() as searcher:
            corrector = searcher.corrector("spell")
            changed = False

            def fix(match: re.Match[str]) -> str:
                nonlocal changed
                word = match.group(0)
                folded = _fold(word)
                if word in OPERATORS or self._known(searcher, word):
                    return word
                best = corrector.suggest(folded, limit=1, maxdist=2)
                if not best:
                    return word
                changed = True
                return str(best[0])

            corrected = re.sub(r"[^\W\d_]{3,}", fix, text)
            return corrected if changed else None

    # ---- query parsing ---------------------------------------------------------

    def _parse(self, searcher: Any, text: str) -> tuple[Any, list[str]]:
        """Parse the user's words; never raises. Returns the query and unknown words."""
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
        expanded = self._expand_compounds(searcher, parsed)
        unknown = [
            w
            for w in re.findall(r"[^\W\d_]{3,}", text)
            if not searcher.reader().frequency("spell", _fold(w))
        ]
        return expanded, unknown

    def _expand_compounds(self, searcher: Any, q: Any) -> Any:
        """Let a word also find compounds that start with it: schuld -> schuldhulpverlening.

        A candidate counts only when what follows the word (after a linking s/e/en) itself
        begins with a word of the index vocabulary, so 'zorg' finds 'zorgverzekering' but
        not 'zorgvuldig'. Splitting against our own vocabulary needs no dictionary.
        """
        if isinstance(q, wq.Term) and q.fieldname in ("title", "summary", "body"):
            stem = q.text
            if not isinstance(stem, str) or len(stem) < MIN_PART:
                return q
            vocabulary = self._body_vocabulary(searcher)
            extra = []
            for raw in searcher.reader().expand_prefix(q.fieldname, stem):
                candidate = raw.decode() if isinstance(raw, bytes) else raw
                if candidate == stem:
                    continue
                rest = candidate[len(stem) :]
                if any(
                    _starts_with_word(rest[len(link) :], vocabulary)
                    for link in LINKING
                    if rest.startswith(link)
                ):
                    extra.append(candidate)
                if len(extra) >= MAX_CANDIDATES:
                    break
            if not extra:
                return q
            # The most used compounds carry the recall; a long tail of rare ones costs time.
            reader = searcher.reader()
            extra.sort(key=lambda t: -reader.doc_frequency(q.fieldname, t))
            terms = [wq.Term(q.fieldname, t, boost=0.5) for t in extra[:MAX_COMPOUNDS]]
            # The compounds are many short posting lists: a preloaded union scores them in one
            # array pass instead of a deep tree of union matchers (2-3x faster here).
            return wq.Or([q, wq.PreloadedOr(terms)])
        if isinstance(q, wq.Not):
            return q  # excluded words stay exact
        return q.apply(lambda sub: self._expand_compounds(searcher, sub))

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


def _shape(schema: Any) -> set[tuple[str, str, bool]]:
    """What must match for an existing index to be used as is: fields, kinds, columns."""
    return {(n, type(f).__name__, f.column_type is not None) for n, f in schema.items()}


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _first_match_pattern(q: Any) -> re.Pattern[str] | None:
    """A regex for where a searched body word (a stem, so a prefix) first appears."""
    stems = sorted(
        {
            t.decode() if isinstance(t, bytes) else str(t)
            for f, t in q.iter_all_terms()
            if f == "body"
        },
        key=len,
        reverse=True,
    )
    if not stems:
        return None
    return re.compile(r"\b(?:" + "|".join(map(re.escape, stems)) + ")", re.IGNORECASE)


def _around_first_match(body: str, pattern: re.Pattern[str] | None, size: int = 1500) -> str:
    """The part of a long body the snippet will come from.

    The highlighter re-analyses (stems) all the text it is given, which cost more than the
    search itself for long lessons; a window around the first match gives the same snippet.
    Accent-folded matches the regex cannot see fall back to the whole text.
    """
    if len(body) <= size or pattern is None:
        return body
    found = pattern.search(body)
    if found is None:
        return body
    start = max(0, found.start() - size // 4)
    return body[start : start + size]


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
