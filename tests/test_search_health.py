"""The index's health: a lost, emptied or damaged index is told apart from a passing error,
never replaced by a silently empty one, and rebuilt from the database; meanwhile search
answers 503 and other pages keep working."""

from __future__ import annotations

import errno
import fcntl
import secrets
import shutil
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from wiki.search.engine import Filters, LessonDoc, SearchIndex
from wiki.search.health import IndexUnavailable, classify
from wiki.services import indexing

PUBLISHED = Filters(statuses=("published",))


def doc(slug: str, body: str = "Schuldhulp in de wijk.") -> LessonDoc:
    return LessonDoc(
        slug=slug,
        title=slug.capitalize(),
        summary="",
        body=body,
        municipality="Tilburg",
        province="Noord-Brabant",
        type="generic",
        themes=[],
        tags=[],
        status="published",
        owner="Wijkteam",
        updated=datetime.now(timezone.utc),
        revision_id=1,
    )


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SearchIndex]:
    made = SearchIndex(tmp_path / "index")
    yield made
    made.close()


def slugs(index: SearchIndex, text: str = "") -> list[str]:
    return sorted(h.slug for h in index.search(text, PUBLISHED, per_page=100).hits)


# ---- the engine ----------------------------------------------------------------------------


def test_a_missing_index_is_reported_not_made_empty(index: SearchIndex) -> None:
    with pytest.raises(IndexUnavailable) as missing:
        index.search("schuldhulp", PUBLISHED)
    assert missing.value.missing
    with pytest.raises(IndexUnavailable):
        index.update([doc("een")])  # a writer must not start a partial index either
    assert not any(index.path.glob("_MAIN_*.toc"))


def test_an_index_made_anew_elsewhere_is_read_not_the_cached_one(index: SearchIndex) -> None:
    """Deleted and rebuilt by another process (`leerwiki reindex`), the new index has the
    same generation number as the one this process had open: its searchers and caches must
    not answer for it."""
    index.rebuild([doc("oud")])
    assert slugs(index) == ["oud"]
    before = index.generation()
    shutil.rmtree(index.path)
    other = SearchIndex(index.path)
    try:
        other.rebuild([doc("nieuw"), doc("ander")])
    finally:
        other.close()
    assert index.generation() == before  # the same number, another index
    assert slugs(index) == ["ander", "nieuw"]
    assert slugs(index, "schuldhulp") == ["ander", "nieuw"]


def test_the_version_tells_an_index_made_anew_from_the_old_one(index: SearchIndex) -> None:
    index.rebuild([doc("oud")])
    before = index.version()
    shutil.rmtree(index.path)
    other = SearchIndex(index.path)
    try:
        other.rebuild([doc("nieuw")])
    finally:
        other.close()
    assert index.version()[0] == before[0]
    assert index.version() != before


def test_caches_kept_by_segment_do_not_answer_for_an_index_made_anew(
    index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per-segment caches (hits as shown, filter masks, posting arrays) are keyed by segment
    id; an index made anew whose segment has the same name must not get the old answers."""
    monkeypatch.setattr(secrets, "token_hex", lambda n: "ab" * n)  # every segment one name
    index.rebuild([doc("oud", "Schuldhulp aan de oude keukentafel.")])
    assert [h.highlight for h in index.search("schuldhulp", PUBLISHED).hits] == [
        "\x02Schuldhulp\x03 aan de oude keukentafel."
    ]
    shutil.rmtree(index.path)
    other = SearchIndex(index.path)
    try:
        other.rebuild([doc("nieuw", "Schuldhulp in de nieuwe wijk.")])
    finally:
        other.close()
    hits = index.search("schuldhulp", PUBLISHED).hits
    assert [(h.slug, h.highlight) for h in hits] == [
        ("nieuw", "\x02Schuldhulp\x03 in de nieuwe wijk.")
    ]


def test_a_failed_rebuild_leaves_the_index_as_it_was(index: SearchIndex) -> None:
    index.rebuild([doc("een"), doc("twee")])

    def failing() -> Iterator[LessonDoc]:
        yield doc("drie")
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        index.rebuild(failing())
    assert slugs(index) == ["een", "twee"]


def test_a_rebuild_replaces_every_document_and_counts_generations_on(
    index: SearchIndex,
) -> None:
    index.rebuild([doc("een"), doc("twee")])
    before = index.generation()
    index.rebuild([doc("drie")])
    assert index.generation() > before
    assert slugs(index) == ["drie"]


def truncate(folder: Path, pattern: str) -> Path:
    """Damage a file of the latest commit (replaced segments' files stay a while)."""
    victim = max(folder.glob(pattern), key=lambda p: p.stat().st_mtime_ns)
    with victim.open("r+b") as handle:
        handle.truncate(20)
    return victim


@pytest.mark.parametrize("pattern", ["MAIN_*.trm", "MAIN_*.pst", "MAIN_*.slug.col", "_MAIN_*.toc"])
def test_diagnose_finds_a_damaged_file(index: SearchIndex, pattern: str) -> None:
    index.rebuild([doc(f"les-{n}") for n in range(5)])
    assert index.diagnose() is None
    truncate(index.path, pattern)
    problem = index.diagnose()
    assert problem is not None and not problem.missing
    assert "damaged" in problem.reason


def test_diagnose_of_a_lost_folder(index: SearchIndex) -> None:
    index.rebuild([doc("een")])
    shutil.rmtree(index.path)
    problem = index.diagnose()
    assert problem is not None and problem.missing


@pytest.mark.parametrize("number", [errno.EMFILE, errno.ENFILE, errno.EACCES, errno.EIO])
def test_errors_of_the_machine_pass(number: int) -> None:
    assert classify(OSError(number, "passing")) is None
    assert classify(MemoryError()) is None


def test_a_damaged_index_is_set_aside_with_its_files(index: SearchIndex) -> None:
    index.rebuild([doc("een")])
    victim = truncate(index.path, "MAIN_*.trm")
    aside = index.set_aside()
    assert (aside / victim.name).stat().st_size == 20
    assert not any(index.path.glob("*MAIN_*.t*"))
    with pytest.raises(IndexUnavailable):
        index.version()


# ---- through the app -----------------------------------------------------------------------


@pytest.fixture
def three(make_lesson: Any) -> list[str]:
    for slug in ("een", "twee", "drie"):
        make_lesson(body="Schuldhulp in de wijk.\n", slug=slug, title=f"Les {slug}")
    return ["een", "twee", "drie"]


def healed(client: Any, path: str) -> Any:
    """The first answer that is not a 503 (each 503 says when to try again)."""
    deadline = time.monotonic() + 30
    while (response := client.get(path)).status_code == 503:
        assert response.headers["Retry-After"]
        assert time.monotonic() < deadline, "not rebuilt"
        time.sleep(0.05)
    return response


def test_an_emptied_index_answers_503_then_everything(client: Any, three: list[str]) -> None:
    indexing.search_index().clear()
    response = client.get("/search?q=schuldhulp")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "opnieuw opgebouwd" in response.get_data(as_text=True)
    response = healed(client, "/api/v1/search?q=schuldhulp")
    assert response.status_code == 200
    assert response.get_json()["total"] == 3


def test_a_damaged_segment_answers_503_then_everything(
    app: Any, client: Any, three: list[str]
) -> None:
    index = indexing.search_index()
    indexing.rebuild()  # one segment holding every lesson
    truncate(index.path, "MAIN_*.pst")
    response = client.get("/api/v1/search?q=schuldhulp")
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "index-unavailable"
    response = healed(client, "/api/v1/search?q=schuldhulp")
    assert response.status_code == 200
    assert response.get_json()["total"] == 3
    assert (index.path / "damaged").is_dir()


def test_lesson_pages_work_while_the_index_is_lost(
    client: Any, three: list[str], tmp_path: Path
) -> None:
    shutil.rmtree(tmp_path / "index")
    assert client.get("/lessons/een").status_code == 200
    assert client.get("/").status_code == 200


def test_a_healthy_index_is_left_alone(app: Any, three: list[str]) -> None:
    index = indexing.search_index()
    before = index.version()
    assert indexing.heal(wait=True) is None
    assert indexing.heal(wait=True, suspect=IndexUnavailable("passing")) is None
    assert index.version() == before


def test_one_rebuilder_per_index_folder(app: Any, three: list[str]) -> None:
    """While one process holds the rebuild lock, another does not rebuild as well."""
    shutil.rmtree(indexing.search_index().path)
    lock = Path(app.config["INDEX_DIR"])
    lock.mkdir(parents=True)
    with (lock / indexing.REBUILD_LOCK).open("ab") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert indexing.heal() is None  # someone else is at it
        assert not any(lock.glob("_MAIN_*.toc"))
        fcntl.flock(held, fcntl.LOCK_UN)
    assert indexing.heal() == "no index in the folder"
    assert indexing.check().clean
