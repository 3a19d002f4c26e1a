"""The vectorised evaluator (wiki.search.scoring) against Whoosh's own matchers.

Search scores every document with numpy instead of Whoosh's matcher tree; these tests hold
it to Whoosh's answers on the 44 sample lessons: the same documents for every query shape
the parser produces, and the same BM25F scores.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import lesson_fields
from whoosh import collectors
from whoosh import index as whoosh_index

from wiki.search import scoring
from wiki.search.engine import Filters
from wiki.services import content_io, indexing, lessons
from wiki.services.validation import validate

CONTENT = Path(__file__).resolve().parent.parent / "content"
PUBLISHED = Filters(statuses=("published",))

QUERIES = [
    "wijkteam",  # a common word, with compounds
    "schulden jongeren",  # AND of two words
    "schuld OR mantelzorg",
    "wijkteam -schulden",  # exclusion
    '"eerste gesprek"',  # a phrase
    '"vaste contactpersoon" wijkteam',
    "mantelzorg",  # a compound head: mantelzorgondersteuning
    "jeugd-/gezinszorg",  # hyphen and slash
    "coördinatie",  # accents
    "kangoeroezorg",  # no match
    "",  # everything
]


@pytest.fixture
def index(app: Any) -> Any:
    report = content_io.import_folder(CONTENT)
    assert report.rejected == []
    return indexing.search_index()


def whoosh_scores(searcher: Any, q: Any, allowed: set[int]) -> dict[int, float]:
    """Every match with its score, by Whoosh's own collector."""
    collector = collectors.UnlimitedCollector()
    searcher.search_with_collector(q, collectors.FilterCollector(collector, allow=allowed))
    return {hit.docnum: hit.score for hit in collector.results()}


@pytest.mark.parametrize("text", QUERIES)
def test_same_matches_and_scores_as_whoosh(index: Any, text: str) -> None:
    with index._lease() as lease:
        searcher = lease.searcher
        q, _unknown = index._parse(lease, text)
        allowed = index._allowed(lease, PUBLISHED)
        ours = scoring.Evaluator(searcher, index._arrays).evaluate(q)
        mask = ours.mask & allowed
        theirs = whoosh_scores(searcher, q, set(allowed.nonzero()[0].tolist()))
        assert set(mask.nonzero()[0].tolist()) == set(theirs), text
        if text:  # Every() scores nothing
            for docnum, score in theirs.items():
                assert float(ours.score[docnum]) == pytest.approx(score, rel=1e-4), text


def test_scores_match_whoosh_after_an_edit_deleted_a_segments_first_document(
    index: Any, make_lesson: Any
) -> None:
    """An edit deletes the old version, here the first (and only) document of its segment.
    Whoosh still counts it in a word's document frequency, so the idf taken from our own
    posting lists must count it too, also when they are read after the deletion."""
    from wiki.search.engine import SearchIndex

    made = make_lesson(title="Kangoeroe", slug="kangoeroe", body="De kangoeroezorg.\n")
    data = validate(lesson_fields(title="Kangoeroe"), "Nu de kangoeroezorg en meer.\n")
    lessons.update("kangoeroe", data, made.lesson.revision_number, None, "", "test")
    fresh = SearchIndex(index.path)  # nothing read before the deletion
    try:
        with fresh._lease() as lease:
            q, _unknown = fresh._parse(lease, "kangoeroezorg wijkteam")
            allowed = fresh._allowed(lease, PUBLISHED)
            ours = scoring.Evaluator(lease.searcher, fresh._arrays).evaluate(q)
            theirs = whoosh_scores(lease.searcher, q, set(allowed.nonzero()[0].tolist()))
            assert theirs
            for docnum, score in theirs.items():
                assert float(ours.score[docnum]) == pytest.approx(score, rel=1e-4)
    finally:
        fresh.close()


def test_totals_facets_and_pages_agree(index: Any) -> None:
    everything = index.search("", PUBLISHED, per_page=100)
    assert everything.total == 44
    assert sum(everything.facets["type"].values()) == 44
    pages = [index.search("wijkteam", PUBLISHED, page=p, per_page=3) for p in (1, 2, 3, 4)]
    slugs = [h.slug for r in pages for h in r.hits]
    assert len(slugs) == len(set(slugs))  # no lesson on two pages
    whole = index.search("wijkteam", PUBLISHED, per_page=12)
    assert slugs == [h.slug for h in whole.hits][: len(slugs)]
    scores = [h.score for h in whole.hits]
    assert scores == sorted(scores, reverse=True)


def test_posting_cache_follows_new_segments(index: Any, make_lesson: Any) -> None:
    """A save adds a segment; the cached arrays of the old segments stay right."""
    before = index.search("kangoeroezorg", PUBLISHED).total
    make_lesson(title="Kangoeroezorg in de wijk", body="De kangoeroezorg werkt.\n")
    assert before == 0
    assert index.search("kangoeroezorg", PUBLISHED).total == 1
    assert index.search("wijkteam", PUBLISHED).total >= 1


def test_compounds_kept_per_segment_come_from_every_segment(index: Any, make_lesson: Any) -> None:
    """Each segment's words with a prefix are kept by segment id. After more saves, a word
    expands to compounds from the new segments too, ranked by their documents in all of
    them: kangoeroezorg is in two lessons, kangoeroeteam in one."""
    with index._lease() as lease:
        assert index._compounds(lease.searcher, "body", "kangoeroe") == []
    make_lesson(title="Een", slug="een", body="Het kangoeroeteam en de kangoeroezorg.\n")
    make_lesson(title="Twee", slug="twee", body="Weer de kangoeroezorg.\n")
    with index._lease() as lease:
        assert len(lease.searcher.leaf_searchers()) >= 2
        found = index._compounds(lease.searcher, "body", "kangoeroe")
    assert found == ["kangoeroezorg", "kangoeroeteam"]
    assert {h.slug for h in index.search("kangoeroe", PUBLISHED).hits} == {"een", "twee"}


def test_what_is_kept_across_generations_answers_as_a_fresh_index_would(
    index: Any, make_lesson: Any
) -> None:
    """Per-segment caches (filter masks, compounds, hits as shown) carried over several
    commits, with an edit deleting an old version: every answer equals that of a new
    SearchIndex on the same folder, which has no caches."""
    from wiki.search.engine import SearchIndex

    queries = ["wijkteam", "zorg", '"eerste gesprek"', "kangoeroe", ""]
    for text in queries:
        index.search(text, PUBLISHED, per_page=30)  # fill the caches
    made = make_lesson(title="Kangoeroe", slug="kangoeroe", body="De kangoeroezorg.\n")
    make_lesson(title="Wijkteam kangoeroe", slug="wijkteam-kangoeroe", body="Wijkteamzorg.\n")
    for text in queries:
        index.search(text, PUBLISHED, per_page=30)  # the first version is in the caches now
    data = validate(lesson_fields(title="Kangoeroe"), "Nu het kangoeroeteam en de wijkzorg.\n")
    lessons.update("kangoeroe", data, made.lesson.revision_number, None, "", "test")
    # New lessons' first documents have the number 0 in their segments, as the first sample
    # lesson has in its own: each hit must still be its own lesson, in its edited version.
    hits = index.search("kangoeroe", PUBLISHED).hits
    assert sorted(h.slug for h in hits) == ["kangoeroe", "wijkteam-kangoeroe"]
    found = {h.slug: h.highlight for h in hits}
    assert "kangoeroeteam" in found["kangoeroe"] and "kangoeroezorg" not in found["kangoeroe"]
    fresh = SearchIndex(index.path)
    try:
        for text in queries:
            for page in (1, 2):
                ours = index.search(text, PUBLISHED, page=page, per_page=10)
                theirs = fresh.search(text, PUBLISHED, page=page, per_page=10)
                assert (ours.total, ours.hits, ours.facets) == (
                    theirs.total,
                    theirs.hits,
                    theirs.facets,
                ), text
                slugs = [h.slug for h in ours.hits]
                assert (
                    len(slugs) == len(set(slugs)) == min(10, max(0, ours.total - 10 * (page - 1)))
                )
    finally:
        fresh.close()


def test_phrase_needs_the_words_in_order(index: Any, make_lesson: Any) -> None:
    make_lesson(title="Volgorde", slug="volgorde", body="Het gesprek was het eerste.\n")
    found = {h.slug for h in index.search('"eerste gesprek"', PUBLISHED, per_page=100).hits}
    assert "volgorde" not in found
    assert found  # the sample lessons have the phrase


def test_seeding_random_does_not_reuse_a_segment_name(app: Any, make_lesson: Any) -> None:
    """Whoosh names segments with the global `random`; seeded the same way before each commit
    (as Hypothesis does per example), a second segment once overwrote the first one's files."""
    index = indexing.search_index()
    for slug in ("eerste-les", "tweede-les", "derde-les"):
        random.seed(20250101)
        make_lesson(title=slug.replace("-", " ").capitalize(), slug=slug, body="Kangoeroezorg.\n")
    found = index.search("kangoeroezorg", PUBLISHED)
    assert {h.slug for h in found.hits} == {"eerste-les", "tweede-les", "derde-les"}


def test_a_searcher_outlives_the_merge_of_its_segments(index: Any, make_lesson: Any) -> None:
    """Whoosh opens a segment's stored fields when first read; a commit elsewhere (another
    thread, another server process) that merged the segment away once deleted its files first,
    and the searcher opened a moment earlier failed on them."""
    make_lesson(title="Nog een segment", slug="nog-een-segment")
    with index._lease() as lease:
        searcher = lease.searcher
        assert len(searcher.leaf_searchers()) >= 2
        writer = index._writer()
        writer.commit(optimize=True)  # one segment now; the old ones are no longer in the index
        slugs = {searcher.stored_fields(n)["slug"] for n in range(searcher.doc_count_all())}
    assert "nog-een-segment" in slugs
    assert len(slugs) == 45


def test_the_previous_generation_stays_readable_after_a_commit(
    index: Any, make_lesson: Any
) -> None:
    """Opening the index finds the newest generation, then reads its table of contents; a
    commit in another server process in between once deleted that file (a 500 in the load
    run). The generation a reader just found must stay readable, and the newest stays current."""
    found = index.generation()
    make_lesson(title="Nog een generatie", slug="nog-een-generatie")
    assert index.generation() > found
    toc = whoosh_index.TOC.read(index._storage, "MAIN", gen=found)  # what the reader reads next
    assert toc.generation == found
    reopened = whoosh_index.open_dir(str(index.path))
    assert reopened.latest_generation() == index.generation()
    assert "nog-een-generatie" in {h.slug for h in index.search("generatie", PUBLISHED).hits}


def test_clearing_the_index_starts_a_new_generation_at_once(index: Any, make_lesson: Any) -> None:
    """The tables of contents of replaced generations stay a while, but not through clear():
    the highest one left would still count as the current index."""
    make_lesson(title="Nog een generatie", slug="nog-een-generatie")
    assert index.search("", PUBLISHED).total > 0
    index.clear()
    assert index.generation() == 0
    assert index.search("", PUBLISHED).total == 0


def test_a_reused_folder_listing_still_sees_other_processes_files(tmp_path: Path) -> None:
    """The index folder's listing is reused while the folder is unchanged; a file another
    process (another storage object) adds or removes must show at the next listing."""
    from wiki.search.engine import _Storage

    ours, theirs = _Storage(str(tmp_path)), _Storage(str(tmp_path))
    theirs.create_file("_MAIN_1.toc").close()
    time.sleep(0.1)  # settled: the next listing may be reused
    assert ours.list() == ["_MAIN_1.toc"]
    assert ours.list() == ["_MAIN_1.toc"]
    theirs.create_file("_MAIN_2.toc").close()
    assert sorted(ours.list()) == ["_MAIN_1.toc", "_MAIN_2.toc"]
    time.sleep(0.1)
    assert sorted(ours.list()) == ["_MAIN_1.toc", "_MAIN_2.toc"]
    os.remove(tmp_path / "_MAIN_1.toc")
    assert ours.list() == ["_MAIN_2.toc"]


def test_filter_masks_kept_per_segment_follow_a_lesson_back_to_draft(
    index: Any, make_lesson: Any, make_user: Any
) -> None:
    """Which documents of a segment pass the filters is kept across generations; the old,
    published version of a lesson that went back to draft must stop counting as published
    (its deletion applies anew), and the draft must not show to readers."""
    from wiki.services import curation

    made = make_lesson(title="Terug naar concept", slug="terug-naar-concept", body="Kangoeroe.\n")
    everyone = Filters(statuses=("draft", "in-review", "published", "archived"))
    before = index.search("", PUBLISHED, per_page=100)  # caches the parts of every segment
    assert "terug-naar-concept" in {h.slug for h in before.hits}
    curator = make_user(role="curator")
    curation.set_status("terug-naar-concept", "draft", made.lesson.revision_number, curator)
    assert lessons.find("terug-naar-concept").status == "draft"

    after = index.search("", PUBLISHED, per_page=100)
    assert "terug-naar-concept" not in {h.slug for h in after.hits}
    assert after.total == before.total - 1
    assert index.search("kangoeroe", PUBLISHED).total == 0
    found = index.search("kangoeroe", everyone)
    assert [h.slug for h in found.hits] == ["terug-naar-concept"]  # once: the draft only
