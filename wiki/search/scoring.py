"""Vectorised query evaluation over Whoosh postings, with numpy.

Whoosh's matchers make several Python calls per matching document and per query term; a
common word at 100,000 lessons then costs hundreds of milliseconds before any facet is
counted. Here each posting list is read block by block into arrays (cached per immutable
segment), scored with Whoosh's own BM25F formula in one vector operation, and combined
along the boolean structure of the query (AND multiplies masks, OR adds scores). Whoosh
stays the index: analysis, postings, statistics, stored fields and highlighting. A query
type this module does not know is evaluated by Whoosh's own matcher, so results never
depend on it knowing everything.

Part of the search package, the only one that imports Whoosh (with engine.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from wiki.search.caches import LruCache, nbytes

B, K1 = 0.75, 1.2  # Whoosh's BM25F defaults, so scores match its own searcher
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


@dataclass
class Matches:
    """Which documents match (by global document number) and their scores."""

    mask: np.ndarray  # bool, one per document
    score: np.ndarray  # float32, one per document (0 where not matched)


class SegmentArrays:
    """Posting lists, field lengths and columns as arrays, per immutable segment.

    Keys start with the segment id; a segment never changes once written (a commit adds or
    merges segments), so entries stay valid until the segment disappears. Least recently
    used posting lists are dropped beyond `max_bytes`.
    """

    def __init__(self, max_bytes: int = 96 * 1024 * 1024) -> None:
        self._postings: LruCache[tuple[np.ndarray, np.ndarray]] = LruCache(
            max_bytes, lambda found: found[0].nbytes + found[1].nbytes
        )
        self._lengths: LruCache[np.ndarray] = LruCache()
        # Word positions, read only for phrases.
        self._occurrences: LruCache[np.ndarray] = LruCache(max_bytes // 2, nbytes)

    def postings(self, reader: Any, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(local document numbers, term weights) of one term in one segment."""
        key = (_segment_id(reader), field, text)
        found = self._postings.get(key)
        if found is None:
            found = self._postings.put(key, _read_postings(reader, field, text))
        return found

    def occurrences(self, reader: Any, field: str, text: str) -> np.ndarray:
        """Every occurrence of a term in one segment as (local document << 32) | position."""
        key = (_segment_id(reader), field, text)
        found = self._occurrences.get(key)
        if found is None:
            found = self._occurrences.put(key, _read_occurrences(reader, field, text))
        return found

    def lengths(self, reader: Any, field: str) -> np.ndarray:
        """The length of `field` in every document of the segment (as BM25 sees it)."""
        key = (_segment_id(reader), field)
        found = self._lengths.get(key)
        if found is None:
            count = reader.doc_count_all()
            getter = reader.doc_field_length
            found = np.fromiter((getter(d, field) or 0 for d in range(count)), np.float32, count)
            found = self._lengths.put(key, found)
        return found

    def forget(self, live_segments: set[str]) -> None:
        """Drop arrays of segments that are no longer part of the index."""
        for cache in (self._postings, self._lengths, self._occurrences):
            cache.forget(live_segments)


def _segment_id(reader: Any) -> str:
    return str(reader.segment().segment_id())


def _read_postings(reader: Any, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """A term's postings in one segment, read a block at a time (not a document at a time).

    Deleted documents are included: every search intersects with the visibility filter,
    which excludes them.
    """
    matcher = _leaf(reader, field, text)
    if matcher is None:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    ids: list[int] = []
    weights: list[float] = []
    if isinstance(matcher, W3LeafMatcher):
        # Whoosh's own block reader: ids and weights of 128 postings per call.
        while matcher.is_active():
            matcher._read_ids()  # noqa: SLF001 - the block API of the W3 codec
            matcher._read_weights()  # noqa: SLF001
            ids.extend(matcher._ids)  # noqa: SLF001
            weights.extend(matcher._weights)  # noqa: SLF001
            matcher._next_block()  # noqa: SLF001
    else:  # another codec: the public, per-document interface
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    return np.array(ids, np.int64), np.array(weights, np.float32)


def _read_occurrences(reader: Any, field: str, text: str) -> np.ndarray:
    """A term's positions in one segment, decoded once, as sorted (document << 32) | position."""
    matcher = _leaf(reader, field, text)
    keys: list[int] = []
    if matcher is not None:
        decode = reader.schema[field].format.decode_positions
        while matcher.is_active():
            base = matcher.id() << 32
            keys.extend(base | p for p in decode(matcher.value()))
            matcher.next()
    return np.array(keys, np.int64)


def _leaf(reader: Any, field: str, text: str) -> Any:
    """The term's posting matcher without the deletion filter, at its first posting, or None."""
    try:
        wrapped = matcher = reader.postings(field, text)
    except TermNotFound:
        return None
    while not isinstance(matcher, W3LeafMatcher) and hasattr(matcher, "child"):
        matcher = matcher.child
    if matcher is not wrapped:
        # The filter already stepped past the deleted documents at the start of the list;
        # they count in the document frequency (idf) as Whoosh counts them.
        matcher.reset()
    return matcher


class Evaluator:
    """Evaluates one parsed query against one searcher's segments."""

    def __init__(self, searcher: Any, arrays: SegmentArrays) -> None:
        self.searcher = searcher
        self.arrays = arrays
        self.count = int(searcher.doc_count_all())
        self.leaves = [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()]

    def evaluate(self, q: Any) -> Matches:
        """Matches and scores of `q`; any query type works."""
        if not self.count:  # an empty index (statistics such as idf are undefined)
            return self._none()
        if isinstance(q, wq.Term):
            return self._term(q.fieldname, q.text, q.boost)
        if isinstance(q, wq.Not):
            inner = self.evaluate(q.query)
            return Matches(~inner.mask, self._zeros())
        if isinstance(q, wq.Every):
            return Matches(np.ones(self.count, bool), self._zeros())
        if isinstance(q, type(wq.NullQuery)):
            return self._none()
        if isinstance(q, wq.And):
            return self._boost(self._and(q.subqueries), q.boost)
        if isinstance(q, wq.Or) and not getattr(q, "scale", None) and not q.minmatch:
            return self._boost(self._or([self.evaluate(s) for s in q.subqueries]), q.boost)
        if isinstance(q, wq.AndNot):
            positive, negative = self.evaluate(q.a), self.evaluate(q.b)
            return self._boost(_without(positive, negative.mask), q.boost)
        if isinstance(q, wq.AndMaybe):
            required, optional = self.evaluate(q.a), self.evaluate(q.b)
            score = required.score + np.where(required.mask, optional.score, 0)
            return self._boost(Matches(required.mask, score.astype(np.float32)), q.boost)
        if isinstance(q, wq.Phrase) and self._has_positions(q.fieldname):
            return self._boost(self._phrase(q), q.boost)
        if isinstance(q, wq.Require):
            scored, required = self.evaluate(q.a), self.evaluate(q.b)
            mask = scored.mask & required.mask
            return self._boost(Matches(mask, np.where(mask, scored.score, 0)), q.boost)
        return self._by_whoosh(q)

    # ---- leaves ------------------------------------------------------------------

    def _term(self, field: str, text: Any, boost: float) -> Matches:
        mask = np.zeros(self.count, bool)
        score = self._zeros()
        if field not in self.searcher.schema:
            return Matches(mask, score)
        text = text.decode() if isinstance(text, bytes) else text
        found = []
        for reader, offset in self.leaves:
            if reader.segment() is None:
                continue
            ids, weights = self.arrays.postings(reader, field, text)
            if len(ids):
                found.append((reader, offset, ids, weights))
        # Whoosh's idf, log(N / (df + 1)) + 1, with the document frequency counted from the
        # cached posting lists (deleted documents included, as Whoosh counts them): asking
        # Whoosh looks the term up in every segment again for each new generation.
        frequency = sum(len(ids) for _reader, _offset, ids, _weights in found)
        idf = math.log(self.count / (frequency + 1)) + 1
        average = float(self.searcher.avg_field_length(field)) or 1.0
        for reader, offset, ids, weights in found:
            lengths = self.arrays.lengths(reader, field)[ids]
            part = idf * (weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * lengths / average))
            mask[ids + offset] = True
            score[ids + offset] = part * boost
        return Matches(mask, score)

    def _has_positions(self, field: str) -> bool:
        return field in self.searcher.schema and self.searcher.schema[field].format.supports(
            "positions"
        )

    def _phrase(self, q: Any) -> Matches:
        """Documents with all the words (vector AND), then positions checked for those only.

        Scored as the sum of the words' scores, as Whoosh scores a phrase."""
        words = [w.decode() if isinstance(w, bytes) else w for w in q.words]
        parts = [self._term(q.fieldname, word, 1.0) for word in words]
        if not parts:
            return self._none()
        candidates = self._and_matches(parts)
        if len(parts) == 1 or not candidates.mask.any():
            return candidates
        found = np.zeros(self.count, bool)
        for reader, offset in self.leaves:
            if reader.segment() is None:
                continue
            starts = self.arrays.occurrences(reader, q.fieldname, words[0])
            for word in words[1:]:
                following = self.arrays.occurrences(reader, q.fieldname, word)
                steps = np.concatenate([starts + d for d in range(1, max(1, q.slop) + 1)])
                starts = steps[np.isin(steps, following)]
                if not len(starts):
                    break
            found[np.unique(starts >> 32) + offset] = True
        found &= candidates.mask
        return Matches(found, np.where(found, candidates.score, 0).astype(np.float32))

    def _by_whoosh(self, q: Any) -> Matches:
        """Whoosh's own matcher, a document at a time (phrases and anything unusual)."""
        mask = np.zeros(self.count, bool)
        score = self._zeros()
        matcher = q.matcher(self.searcher, self.searcher.context())
        ids: list[int] = []
        scores: list[float] = []
        while matcher.is_active():
            ids.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
        if ids:
            index = np.array(ids, np.int64)
            mask[index] = True
            score[index] = np.array(scores, np.float32)
        return Matches(mask, score)

    # ---- combinations ------------------------------------------------------------

    def _and(self, subqueries: list[Any]) -> Matches:
        positives = [s for s in subqueries if not isinstance(s, wq.Not)]
        negatives = [s.query for s in subqueries if isinstance(s, wq.Not)]
        if positives:
            result = self._and_matches([self.evaluate(s) for s in positives])
        else:
            result = Matches(np.ones(self.count, bool), self._zeros())
        for negative in negatives:
            result = _without(result, self.evaluate(negative).mask)
        return result

    def _and_matches(self, parts: list[Matches]) -> Matches:
        mask = parts[0].mask.copy()
        score = parts[0].score.copy()
        for part in parts[1:]:
            mask &= part.mask
            score += part.score
        score *= mask
        return Matches(mask, score)

    def _or(self, parts: list[Matches]) -> Matches:
        if not parts:
            return self._none()
        mask = parts[0].mask.copy()
        score = parts[0].score.copy()
        for part in parts[1:]:
            mask |= part.mask
            score += part.score
        return Matches(mask, score)

    def _boost(self, matches: Matches, boost: float) -> Matches:
        if boost != 1.0:
            matches.score *= np.float32(boost)
        return matches

    def _zeros(self) -> np.ndarray:
        return np.zeros(self.count, np.float32)

    def _none(self) -> Matches:
        return Matches(np.zeros(self.count, bool), self._zeros())


def _without(matches: Matches, excluded: np.ndarray) -> Matches:
    mask = matches.mask & ~excluded
    return Matches(mask, np.where(mask, matches.score, 0).astype(np.float32))


def top(matches: np.ndarray, keys: list[np.ndarray], limit: int) -> np.ndarray:
    """The first `limit` matching document numbers in ascending order of `keys` (the first
    key decides, the next breaks ties, and so on; the document number breaks the rest), so
    every page of the same search is cut from the same order."""
    docs = np.flatnonzero(matches)
    if not len(docs) or limit <= 0:
        return docs[:0]
    columns = [k[docs] for k in keys]
    if len(docs) > limit:
        # Sorting 100,000 scores for a page of 20 wastes time: keep what can still be on
        # the page (everything up to the limit-th first key, ties included), then sort.
        threshold = np.partition(columns[0], limit - 1)[limit - 1]
        keep = columns[0] <= threshold
        docs, columns = docs[keep], [c[keep] for c in columns]
    order = np.lexsort((docs, *reversed(columns)))
    return docs[order[:limit]]
