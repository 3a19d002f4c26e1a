"""The Whoosh index: schema, Dutch analysis, writing, searching. The only module importing Whoosh.

Its interface is small on purpose (update, remove, search, related, versions, rebuild) so the
engine could fall back to `whoosh` 2.7.4 without touching services or views.
"""

from __future__ import annotations

import os
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from whoosh import fields, index, qparser, sorting
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
LINKING = ("", "s", "e", "en")  # Dutch linking letters between the parts of a compound
MIN_PART = 4
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
        slug=fields.ID(unique=True, stored=True),
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
        revision_id=fields.NUMERIC(stored=True, bits=64),
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


@dataclass
class Filters:
    """Exact-match restrictions; `statuses` is what the reader may see."""

    statuses: tuple[str, ...]
    municipality: str | None = None
    province: str | None = None
    type: str | None = None
    theme: str | None = None
    tag: str | None = None


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


class _Borrowed:
    """Lends a cached searcher to a `with` block without closing it afterwards."""

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher

    def __enter__(self) -> Any:
        return self.searcher

    def __exit__(self, *exc: object) -> None:
        return None


class SearchIndex:
    """One index folder. Opens lazily; every search uses a fresh searcher (never refresh())."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._ix: Any = None
        self._lock = threading.Lock()
        self._vocabulary: tuple[int, frozenset[str]] | None = None
        self._local = threading.local()

    # ---- lifecycle -------------------------------------------------------------

    def _index(self) -> Any:
        with self._lock:
            if self._ix is None:
                self.path.mkdir(parents=True, exist_ok=True)
                if index.exists_in(str(self.path)):
                    ix = index.open_dir(str(self.path))
                    if "themekey" not in ix.schema:  # an index from an older schema: start again
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
            self._vocabulary = None

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
            self._vocabulary = None

    def _searcher(self) -> _Borrowed:
        """This thread's searcher for the latest index generation.

        A searcher is reused until a commit lands (its column and term caches make repeat
        searches several times faster), then replaced by a fresh one: never refresh(), which
        returned old and new versions of updated documents. One per thread, because Whoosh
        readers are not safe to share between threads.
        """
        try:
            ix = self._index()
            generation = ix.latest_generation()
            cached = getattr(self._local, "searcher", None)
            if cached is not None and cached[0] == generation and cached[1] is ix:
                return _Borrowed(cached[2])
            if cached is not None:
                cached[2].close()
            searcher = ix.searcher()
        except (index.EmptyIndexError, FileNotFoundError, OSError):
            self._reset()
            ix = self._index()
            generation, searcher = ix.latest_generation(), ix.searcher()
        self._local.searcher = (generation, ix, searcher)
        return _Borrowed(searcher)

    def _writer(self, **options: Any) -> Any:
        try:
            return self._index().writer(**options)
        except (index.EmptyIndexError, FileNotFoundError):
            self._reset()
            return self._index().writer(**options)

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
            return {
                stored["slug"]: int(stored["revision_id"])
                for stored in searcher.reader().all_stored_fields()
            }

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
        with self._searcher() as searcher:
            user_query, unknown = self._parse(searcher, text)
            sortedby: Any = None
            if sort == "newest":
                sortedby = sorting.FieldFacet("updated", reverse=True)
            elif sort == "confirmed":
                sortedby = [
                    sorting.FieldFacet("confirmations", reverse=True),
                    sorting.FieldFacet("updated", reverse=True),
                ]
            limit = page * per_page
            filter_query = _filter_query(filters)
            results = searcher.search(
                user_query, filter=filter_query, limit=limit, sortedby=sortedby, terms=True
            )
            results.fragmenter = ContextFragmenter(maxchars=220, surround=60)
            results.formatter = _MarkerFormatter()
            matching = (
                wq.And([user_query, filter_query]) if filter_query is not None else user_query
            )
            counts = _facet_counts(searcher, matching)
            # Every document has exactly one type, so the type counts add up to the exact total.
            total = sum(counts["type"].values())
            hits = []
            for hit in results[(page - 1) * per_page : limit]:
                stored = hit.fields()
                snippet = (
                    hit.highlights("body") or hit.highlights("summary") or stored.get("summary", "")
                )
                hits.append(_hit(stored, hit.score, snippet))
            return Results(total, hits, counts, page, per_page, unknown)

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
        schema = self._index().schema
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
                    extra.append(wq.Term(q.fieldname, candidate, boost=0.5))
                if len(extra) >= 50:
                    break
            return wq.Or([q, *extra]) if extra else q
        if isinstance(q, wq.Not):
            return q  # excluded words stay exact
        return q.apply(lambda sub: self._expand_compounds(searcher, sub))

    def _known(self, searcher: Any, word: str) -> bool:
        """A word is known when the spelling vocabulary or (stemmed) any lesson text has it."""
        reader = searcher.reader()
        if reader.frequency("spell", _fold(word)):
            return True
        stems = [t.text for t in self._index().schema["body"].analyzer(word)]
        return bool(stems) and all(reader.frequency("body", stem) for stem in stems)

    def _body_vocabulary(self, searcher: Any) -> frozenset[str]:
        generation = searcher.reader().generation()
        cached = self._vocabulary
        if cached is None or cached[0] != generation:
            words = frozenset(
                w.decode() if isinstance(w, bytes) else w
                for w in searcher.reader().lexicon("body")
                if len(w) >= MIN_PART
            )
            self._vocabulary = cached = (generation, words)
        return cached[1]


def _facet_counts(searcher: Any, matching: Any) -> dict[str, dict[str, int]]:
    """Counts per facet value over every matching document, named as in the API contract.

    Counting over the sortable columns is several times faster than Whoosh's groupedby, which
    scores and categorises document by document.
    """
    reader = searcher.reader()
    docs = list(searcher.docs_for_query(matching))
    counts: dict[str, dict[str, int]] = {name: {} for name in FACET_NAMES.values()}
    if not docs:  # also spares an empty index, whose reader has no columns
        return counts
    for field_name, facet in (
        ("municipality", "municipality"),
        ("province", "province"),
        ("type", "type"),
        ("themekey", "theme"),
    ):
        column = reader.column_reader(field_name)
        tally: Counter[str] = Counter(column[d] for d in docs)
        if field_name == "themekey":
            split: Counter[str] = Counter()
            for key, n in tally.items():
                for theme in _text(key).split(","):
                    if theme:
                        split[theme] += n
            tally = split
        counts[facet] = {_text(k): v for k, v in tally.items() if k}
    return counts


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


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


def _starts_with_word(rest: str, vocabulary: frozenset[str]) -> bool:
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
    for name in ("level", "domain", "year"):
        value = getattr(doc, name)
        if value is not None:
            values[name] = value
    return values


def _filter_query(filters: Filters) -> Any:
    parts: list[Any] = [wq.Or([wq.Term("status", s) for s in filters.statuses])]
    for name, value in (
        ("municipality", filters.municipality),
        ("province", filters.province),
        ("type", filters.type),
        ("themes", filters.theme),
        ("tags", filters.tag),
    ):
        if value:
            parts.append(wq.Term(name, value))
    return wq.And(parts)
