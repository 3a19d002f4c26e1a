"""A running `leerwiki serve` whose index folder is lost or damaged heals it: 503 meanwhile,
never silently empty; a `leerwiki reindex` from another process is picked up; a damaged
index at start-up is set aside and rebuilt instead of crashing the server."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import time
import urllib.error
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import TEST_DATABASE_URL
from sqlalchemy import create_engine, text
from test_serve import LEERWIKI, Server, content_lessons, fetch
from test_serve import start_server as start_server  # noqa: PLC0414 - the fixture, by name

HEAL_TIMEOUT = 60.0


def search(server: Server, path: str) -> tuple[int, dict[str, str], str]:
    """Status, headers and body of a search, also when it is an error."""
    try:
        return fetch(server.base + path)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read().decode("utf-8")


def everything(server: Server) -> int:
    status, _, body = search(server, "/api/v1/search?q=")
    assert status == 200, body
    return int(json.loads(body)["total"])


def samples_searchable(server: Server) -> int:
    """The number of sample lessons, once search finds them all: a first start imports them
    after the privacy scanner is ready, and the index follows that commit within a second."""
    expected = len(content_lessons())
    deadline = time.monotonic() + HEAL_TIMEOUT
    while (total := everything(server)) != expected:
        assert time.monotonic() < deadline, (total, server.output())
        time.sleep(0.2)
    return total


def wait_until_healed(server: Server, expected: int) -> None:
    """Every search answers 503 with Retry-After until the index is whole again, then all
    lessons; never a short or empty 200."""
    deadline = time.monotonic() + HEAL_TIMEOUT
    while True:
        status, headers, body = search(server, "/api/v1/search?q=")
        if status == 200:
            assert json.loads(body)["total"] == expected
            return
        assert status == 503, body
        assert int(headers["Retry-After"]) > 0
        assert json.loads(body)["error"]["code"] == "index-unavailable"
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.2)


def test_a_deleted_index_folder_heals_and_a_reindex_is_picked_up(
    start_server: Callable[..., Server], tmp_path: Path
) -> None:
    server = start_server()
    total = samples_searchable(server)
    slug = content_lessons()[0][0]

    shutil.rmtree(tmp_path / "index")
    status, headers, body = search(server, "/api/v1/search?q=wijkteam")
    assert status == 503, body
    assert headers["Retry-After"]
    error = json.loads(body)["error"]
    assert error["code"] == "index-unavailable"
    assert "opnieuw opgebouwd" in error["message"]
    status, headers, page = search(server, "/search?q=wijkteam")
    assert status in (200, 503)
    if status == 503:
        assert headers["Retry-After"] and "opnieuw opgebouwd" in page
    assert fetch(f"{server.base}/lessons/{slug}")[0] == 200  # other pages keep working
    wait_until_healed(server, total)
    assert "rebuilding it from the database" in server.output()

    # The database changes where no change row tells the server's follower; only a rebuild
    # from another process brings it into the index, which the running server must then use.
    rename(server.env["LEERWIKI_DATABASE_URL"], slug, "Kangoeroezorg in de wijk")
    shutil.rmtree(tmp_path / "index")
    reindex = subprocess.run(  # noqa: S603 - our own command line
        [LEERWIKI, "reindex"], env=server.env, capture_output=True, text=True, check=False
    )
    assert reindex.returncode == 0, reindex.stderr
    status, _, body = search(server, "/api/v1/search?q=kangoeroezorg")
    assert status == 200, body
    assert [hit["slug"] for hit in json.loads(body)["hits"]] == [slug]
    assert everything(server) == total


def rename(database_url: str, slug: str, title: str) -> None:
    """Change a lesson's title in the database behind the application's back."""
    if TEST_DATABASE_URL:
        engine = create_engine(database_url)
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE lesson SET title = :title WHERE slug = :slug"),
                {"title": title, "slug": slug},
            )
        engine.dispose()
        return
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
        connection.execute("UPDATE lesson SET title = ? WHERE slug = ?", (title, slug))
    connection.close()


def damage(folder: Path, kind: str) -> Path:
    """Truncate one file of the index as a crash or a full disk would."""
    if kind == "toc":
        victim = max(folder.glob("_MAIN_*.toc"), key=lambda p: int(p.stem.split("_")[-1]))
    else:
        # A file of the latest commit: replaced segments' files stay a while.
        victim = max(folder.glob(f"MAIN_*.{kind}"), key=lambda p: p.stat().st_mtime_ns)
    with victim.open("r+b") as handle:
        handle.truncate(20)
    return victim


@pytest.mark.parametrize("kind", ["trm", "toc"])
def test_a_damaged_index_at_start_up_is_set_aside_and_rebuilt(
    start_server: Callable[..., Server], tmp_path: Path, kind: str
) -> None:
    first = start_server()
    total = samples_searchable(first)
    first.stop()
    victim = damage(tmp_path / "index", kind)

    second = start_server()
    assert everything(second) == total
    status, _, page = search(second, "/search?q=wijkteam")
    assert status == 200
    output = second.output()
    assert "rebuilding it from the database" in output
    assert "damaged" in output
    assert (tmp_path / "index" / "damaged" / victim.name).stat().st_size == 20
    assert "Traceback" not in output


def test_a_segment_damaged_while_serving_heals(
    start_server: Callable[..., Server], tmp_path: Path
) -> None:
    server = start_server()
    total = samples_searchable(server)
    damage(tmp_path / "index", "pst")
    wait_until_healed_after_damage(server, total)
    assert (tmp_path / "index" / "damaged").is_dir()


def wait_until_healed_after_damage(server: Server, total: int) -> None:
    """Searches that read the damaged postings answer 503 (not 500) until rebuilt."""
    deadline = time.monotonic() + HEAL_TIMEOUT
    seen: list[int] = []
    while time.monotonic() < deadline:
        status, _, body = search(server, "/api/v1/search?q=wijkteam+schulden")
        seen.append(status)
        assert status in (200, 503), body
        if status == 200 and 503 in seen:
            assert everything(server) == total
            return
        time.sleep(0.2)
    pytest.fail(f"answers {seen}:\n{server.output()}")
