"""Several nodes on one database, each with its own index, following the change sequence."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD, lesson_fields
from test_serve import LEERWIKI, Server

from wiki.extensions import db
from wiki.models import LessonChange
from wiki.services import following, indexing, search
from wiki.services.following import Position, follow_once

# ---- the follower against a real database and index ------------------------------------


def test_follow_once_applies_new_changes_and_remembers_them(
    app: Any, make_lesson: Any, tmp_path: Path
) -> None:
    make_lesson(title="Eerste les")
    # A second lesson: an index left empty while the database holds lessons is rebuilt.
    make_lesson(title="Andere les", slug="andere-les")
    position = Position(tmp_path / "pos", applied=0)
    assert follow_once(position) == 0  # already indexed by the save itself
    assert position.applied == following.latest_change() == 2
    assert (tmp_path / "pos").read_text() == "2"
    # A change this node did not index itself (another node wrote it): applied now.
    search_index = indexing.search_index()
    search_index.update([], removed=["eerste-les"])
    db.session.add(LessonChange(lesson_id=1))
    db.session.commit()
    assert search.search("Eerste", None).results.total == 0
    assert follow_once(position) == 1
    assert position.applied == 3
    assert search.search("Eerste", None).results.total == 1


def test_a_gap_is_waited_for_then_skipped(app: Any, make_lesson: Any, tmp_path: Path) -> None:
    make_lesson(title="Eerste les")
    position = Position(tmp_path / "pos", applied=1)
    # Number 2 is taken by a transaction that has not committed (or never will); 3 is here.
    db.session.add(LessonChange(id=3, lesson_id=1))
    db.session.commit()
    follow_once(position, now=100.0)
    assert (position.applied, position.beyond) == (1, {3})
    follow_once(position, now=100.0 + following.GAP_TIMEOUT / 2)
    assert position.applied == 1  # still waiting for number 2
    db.session.add(LessonChange(id=2, lesson_id=1))  # it commits late: applied in order
    db.session.commit()
    follow_once(position, now=101.0)
    assert (position.applied, position.beyond) == (3, set())
    db.session.add(LessonChange(id=5, lesson_id=1))
    db.session.commit()
    follow_once(position, now=200.0)
    follow_once(position, now=200.0 + following.GAP_TIMEOUT + 1)
    assert (position.applied, position.beyond) == (5, set())  # 4 never came: skipped


def test_a_busy_follower_spaces_its_commits_and_each_save_still_arrives(
    app: Any, make_lesson: Any
) -> None:
    """Saves a fifth of a second apart, left to the follower as under `leerwiki serve`: it
    commits about once per COMMIT_SPACING, not once per save (each commit makes every server
    process open a new index generation), and every save is searchable within 2 s."""
    wakeup = following.Wakeup()
    indexing.leave_saves_to(app, wakeup.notify)
    follower = following.Follower(app, wakeup)
    follower.start()
    try:
        index = indexing.search_index()
        indexing.rebuild()  # the empty index a first start makes
        before = index.generation()
        started = time.monotonic()
        for n in range(10):
            make_lesson(title=f"Drukte {n}", slug=f"drukte-{n}", body=f"Zwaluwdrukte{n}.\n")
            time.sleep(0.2)
        saved = time.monotonic()
        for n in range(10):
            wait_for(lambda n=n: search.search(f"zwaluwdrukte{n}", None).results.total == 1, 2.0)
        assert time.monotonic() - saved < 2.0
        commits = index.generation() - before
        most = (time.monotonic() - started) / following.COMMIT_SPACING + 1
        assert 1 <= commits <= most, (commits, most)
    finally:
        follower.stopping.set()
        follower.join(5)


def test_reindex_marks_the_index_current(app: Any, make_lesson: Any, runner: Any) -> None:
    make_lesson(title="Eerste les")
    make_lesson(title="Tweede les")
    assert runner.invoke(args=["reindex"]).exit_code == 0
    position = Position.load(app.config["INDEX_DIR"])
    assert position.applied == following.latest_change() == 2


# ---- two real server processes ------------------------------------------------------------


def call(base: str, method: str, path: str, token: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(  # noqa: S310 - loopback test server
        base + path,
        method=method,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def wait_for(check: Callable[[], bool], timeout: float) -> float:
    """Seconds until `check` held; fails after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(0.05)
    pytest.fail(f"not within {timeout} s")


def total(node: Server, query: str) -> int:
    return int(node.json(f"/api/v1/search?q={query}")["total"])


class Cluster:
    """Nodes sharing one database, each with its own index folder."""

    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.tmp_path = tmp_path
        self.env = {
            **os.environ,
            "LEERWIKI_DATABASE_URL": database_url,
            "LEERWIKI_SECRET_KEY": "x" * 32,
            "LEERWIKI_CONTENT_DIR": str(tmp_path / "no-content"),
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("FLASK_APP", None)
        self.nodes: list[Server] = []

    def start(self, name: str) -> Server:
        env = {**self.env, "LEERWIKI_INDEX_DIR": str(self.tmp_path / f"index-{name}")}
        workdir = self.tmp_path / f"cwd-{name}"
        workdir.mkdir(exist_ok=True)
        node = Server(workdir, env, self.tmp_path / f"{name}-{len(self.nodes)}.log")
        self.nodes.append(node)
        node.wait_until_up()
        return node

    def author_token(self, email: str, municipality: str) -> str:
        """An author account and API token, made with the real CLI on the shared database."""
        env = {**self.env, "LEERWIKI_INDEX_DIR": str(self.tmp_path / "index-cli")}
        subprocess.run(  # noqa: S603
            [str(LEERWIKI), "users", "create", email, "--role", "author"]
            + ["--municipality", municipality],
            env=env,
            input=f"{PASSWORD}\n",
            text=True,
            check=True,
            capture_output=True,
        )
        created = subprocess.run(  # noqa: S603
            [str(LEERWIKI), "tokens", "create", email],
            env=env,
            text=True,
            check=True,
            capture_output=True,
        )
        return created.stdout.strip().splitlines()[-1]


@pytest.fixture
def cluster(tmp_path: Path, databases: Any) -> Iterator[Cluster]:
    database_url = databases.fresh(tmp_path, empty=True)
    made = Cluster(tmp_path, database_url)
    try:
        yield made
    finally:
        for node in made.nodes:
            node.stop()
        databases.drop(database_url)


def test_a_save_on_one_node_is_searchable_on_the_other_within_two_seconds(
    cluster: Cluster,
) -> None:
    a = cluster.start("a")
    b = cluster.start("b")
    token = cluster.author_token("schrijver@example.nl", "Tilburg")
    other = cluster.author_token("breda@example.nl", "Breda")

    created = call(
        a.base,
        "POST",
        "/api/v1/lessons",
        token,
        {**lesson_fields(title="Zorg in de wijk"), "markdown": "Tekst over knooppuntzorg.\n"},
    )
    assert wait_for(lambda: total(b, "knooppuntzorg") == 1, timeout=2.0) < 2.0

    # Node B is down while node A takes writes: an edit and a confirmation.
    b.stop()
    slug = created["slug"]
    call(
        a.base,
        "PUT",
        f"/api/v1/lessons/{slug}",
        token,
        {"base_revision": 1, "markdown": "Tekst over de zwaluwstaartaanpak.\n"},
    )
    call(
        a.base,
        "POST",
        f"/api/v1/lessons/{slug}/confirmations",
        other,
        {"result": "worked", "note": "Ook in Breda werkte dit."},
    )
    b = cluster.start("b")  # the same index folder: it catches up from where it stopped
    wait_for(lambda: total(b, "zwaluwstaartaanpak") == 1, timeout=2.0)
    assert total(b, "knooppuntzorg") == 0  # the old text is gone from B's index too
    wait_for(
        lambda: b.json("/api/v1/search?q=zwaluwstaartaanpak&confirmations=1")["total"] == 1,
        timeout=2.0,
    )
