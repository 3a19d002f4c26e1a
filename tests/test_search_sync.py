"""The index stays in step with the database: drift checks, repair, rebuild, concurrent saves."""

from __future__ import annotations

import multiprocessing
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import _config, lesson_fields

from wiki import create_app
from wiki.extensions import db
from wiki.search.engine import LessonDoc
from wiki.services import indexing, lessons, privacy, users
from wiki.services.validation import validate

CLEAN = "missing 0, stale 0, extra 0"


@pytest.fixture
def three(make_lesson: Any) -> list[str]:
    for slug in ("een", "twee", "drie"):
        make_lesson(body="Schuldhulp in de wijk.\n", slug=slug, title=f"Les {slug}")
    return ["een", "twee", "drie"]


def check(runner: Any) -> tuple[int, list[str]]:
    result = runner.invoke(args=["reindex", "--check"])
    return result.exit_code, result.stdout.strip().splitlines()


def save_without_indexing(slug: str, title: str) -> None:
    """A crash between the database commit and the index write."""
    lesson = lessons.find(slug)
    assert lesson is not None
    revision = lessons.current_revision(lesson)
    data = validate({**revision.front_matter, "title": title}, revision.body)
    lessons.update(slug, data, lesson.revision_number, None, "crash", "test", commit=False)
    db.session.commit()


def ghost() -> LessonDoc:
    return LessonDoc(
        slug="spook",
        title="Spook",
        summary="",
        body="Schuldhulp die niet bestaat.",
        municipality="Tilburg",
        province="Noord-Brabant",
        type="generic",
        themes=[],
        tags=[],
        status="published",
        owner="Niemand",
        updated=datetime.now(timezone.utc),
        revision_id=999,
    )


def search_total(client: Any, q: str) -> tuple[int, list[str]]:
    response = client.get("/api/v1/search", query_string={"q": q, "per_page": 100})
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    return data["total"], sorted(hit["slug"] for hit in data["hits"])


# ---- reindex --check -----------------------------------------------------------------------


def test_check_on_a_clean_index(runner: Any, three: list[str]) -> None:
    assert check(runner) == (0, [CLEAN])


def test_check_reports_a_removed_document(runner: Any, three: list[str]) -> None:
    indexing.search_index().update([], removed=["twee"])
    assert check(runner) == (1, ["missing twee", "missing 1, stale 0, extra 0"])


def test_check_after_the_index_folder_was_emptied(
    app_factory: Any, three: list[str], tmp_path: Path
) -> None:
    folder = tmp_path / "index"
    for item in folder.iterdir():
        shutil.rmtree(item) if item.is_dir() else item.unlink()
    fresh = app_factory()  # a new process, as when `leerwiki reindex --check` runs in a shell
    with fresh.app_context():
        code, lines = check(fresh.test_cli_runner())
    assert code == 1
    assert lines[-1] == "missing 3, stale 0, extra 0"
    assert sorted(lines[:-1]) == ["missing drie", "missing een", "missing twee"]


def test_running_app_rebuilds_an_emptied_index_folder(
    runner: Any, client: Any, three: list[str], tmp_path: Path
) -> None:
    """Not an empty answer: 503 while the index is rebuilt from the database, then all."""
    for item in (tmp_path / "index").iterdir():
        shutil.rmtree(item) if item.is_dir() else item.unlink()
    response = client.get("/api/v1/search", query_string={"q": "schuldhulp"})
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.get_json()["error"]["code"] == "index-unavailable"
    deadline = time.monotonic() + 30
    while (
        response := client.get("/api/v1/search", query_string={"q": "schuldhulp"})
    ).status_code == 503:
        assert time.monotonic() < deadline, "the index was not rebuilt"
        time.sleep(0.1)
    assert response.status_code == 200
    assert search_total(client, "schuldhulp") == (3, ["drie", "een", "twee"])
    assert check(runner) == (0, [CLEAN])


def test_check_reports_a_stale_document(runner: Any, three: list[str]) -> None:
    save_without_indexing("een", "Nieuwe titel")
    assert check(runner) == (1, ["stale een", "missing 0, stale 1, extra 0"])


def test_check_reports_an_extra_document(runner: Any, three: list[str]) -> None:
    indexing.search_index().update([ghost()])
    assert check(runner) == (1, ["extra spook", "missing 0, stale 0, extra 1"])


# ---- rebuild and repair --------------------------------------------------------------------


@pytest.fixture
def drifted(three: list[str]) -> None:
    """One document of each kind of drift."""
    indexing.search_index().update([ghost()], removed=["twee"])
    save_without_indexing("een", "Nieuwe titel")
    assert indexing.check().summary() == "missing 1, stale 1, extra 1"


def test_reindex_rebuilds(runner: Any, client: Any, drifted: None) -> None:
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "3 lessen geïndexeerd" in result.stdout
    assert check(runner) == (0, [CLEAN])
    assert search_total(client, "schuldhulp") == (3, ["drie", "een", "twee"])
    assert search_total(client, "nieuwe titel") == (1, ["een"])


def test_repair_fixes_every_kind_and_says_what(client: Any, drifted: None) -> None:
    fixed = indexing.repair()
    assert (fixed.missing, fixed.stale, fixed.extra) == (["twee"], ["een"], ["spook"])
    assert indexing.check().clean
    assert indexing.repair().summary() == CLEAN
    assert search_total(client, "schuldhulp") == (3, ["drie", "een", "twee"])
    assert search_total(client, "nieuwe titel") == (1, ["een"])


# ---- concurrent writers --------------------------------------------------------------------

WORKERS = 4
PER_WORKER = 15


def _save_many(
    config: dict[str, Any], worker: int, shared_tags: bool, start: Any, out: Any
) -> None:
    """Runs in a spawned process: its own app on the shared database and index folder."""
    app = create_app(config)
    errors: list[str] = []
    with app.app_context():
        privacy.warm()  # as `serve` does at start: loading deduce must not skew the race
        batch = [
            validate(
                lesson_fields(
                    title=f"Gelijktijdig {worker} {n}",
                    slug=f"w{worker}-les-{n}",
                    tags=[f"ronde-{n}" if shared_tags else f"werker-{worker}"],
                ),
                f"Parallelle opslag nummer {n} van werker {worker}.\n",
            )
            for n in range(PER_WORKER)
        ]
        for data in batch:
            start.wait(timeout=240)  # every round, all workers save at the same moment
            try:
                lessons.create(data, None, "parallel", "test")
            except Exception as exc:  # noqa: BLE001 - reported to the test
                db.session.rollback()
                errors.append(f"{data.slug}: {exc!r}"[:160])
        db.session.remove()
        db.engine.dispose()
    out.put(errors)


def run_workers(app: Any, tmp_path: Path, shared_tags: bool) -> list[str]:
    config = _config(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"])
    assert config["INDEX_DIR"] == app.config["INDEX_DIR"]
    indexing.rebuild()  # the index exists before the race
    context = multiprocessing.get_context("spawn")
    start, out = context.Barrier(WORKERS), context.Queue()
    workers = [
        context.Process(target=_save_many, args=(config, w, shared_tags, start, out))
        for w in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    try:
        errors = [e for _ in workers for e in out.get(timeout=300)]
    finally:
        for worker in workers:
            worker.join(timeout=60)
            if worker.is_alive():
                worker.terminate()
    assert [worker.exitcode for worker in workers] == [0] * WORKERS
    return errors


def check_all_saved(client: Any, errors: list[str]) -> None:
    assert errors == []
    assert indexing.lesson_count() == WORKERS * PER_WORKER
    drift = indexing.check()
    assert drift.summary() == CLEAN, drift
    total, found = search_total(client, "parallelle")
    assert total == WORKERS * PER_WORKER == len(found)


def test_concurrent_saves_from_processes_lose_nothing(
    app: Any, client: Any, tmp_path: Path
) -> None:
    started = time.perf_counter()
    errors = run_workers(app, tmp_path, shared_tags=False)
    # Not a speed target: a writer that waits out Whoosh's lock timeout instead of retrying
    # would take minutes; a loaded 2-core CI machine needs a generous margin.
    assert time.perf_counter() - started < 120
    check_all_saved(client, errors)


def test_concurrent_saves_sharing_new_tags_lose_nothing(
    app: Any, client: Any, tmp_path: Path
) -> None:
    check_all_saved(client, run_workers(app, tmp_path, shared_tags=True))


# ---- freshness -----------------------------------------------------------------------------


def test_a_save_is_searchable_at_once(client: Any, make_user: Any) -> None:
    author = make_user(role="author")
    token = {"Authorization": f"Bearer {users.create_token(author.email)}"}
    assert search_total(client, "vliegwiel") == (0, [])
    body = {**lesson_fields(slug="snel"), "markdown": "Het vliegwiel van de wijk.\n"}
    started = time.perf_counter()
    response = client.post("/api/v1/lessons", json=body, headers=token)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert search_total(client, "vliegwiel") == (1, ["snel"])
    update = {"base_revision": 1, "markdown": "Nu gaat het over een trekpaard.\n"}
    response = client.put("/api/v1/lessons/snel", json=update, headers=token)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert search_total(client, "trekpaard") == (1, ["snel"])
    assert search_total(client, "vliegwiel") == (0, [])
    assert time.perf_counter() - started < 1.0
