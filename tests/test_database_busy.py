"""A save that waits too long for SQLite's write lock answers 503 with Retry-After, not 500."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from conftest import PASSWORD, TEST_DATABASE_URL, lesson_fields, login
from flask import Flask
from sqlalchemy import func, select

from wiki.config import from_environment
from wiki.extensions import db
from wiki.models import Lesson, Revision
from wiki.services import users

pytestmark = pytest.mark.skipif(
    bool(TEST_DATABASE_URL), reason="holds SQLite's write lock from a second connection"
)

FORM = {
    "title": "Schuldhulp aan de keukentafel",
    "municipality": "tilburg",
    "type": "generic",
    "context": "",
    "active_elements": "vaste contactpersoon",
    "themes": ["armoede-en-schulden"],
    "level": "household",
    "domain": "social",
    "tags": "wijkteam",
    "owner": "Wijkteam Tilburg-Noord",
    "organisation": "",
    "year": "2024",
    "status": "draft",
    "evidence": "practice",
    "summary": "Eén vaste contactpersoon.",
    "target_group": "",
    "body": "## Aanleiding\n\nDe schulden liepen op.\n",
    "comment": "Eerste versie",
}


@pytest.fixture
def app(app_factory: Any) -> Iterator[Flask]:
    """An app whose writes wait only briefly for the database's lock."""
    application = app_factory(DATABASE_BUSY_TIMEOUT=0.2)
    with application.app_context():
        yield application


@pytest.fixture
def author(app: Flask) -> Any:
    return users.create_user("anna@example.nl", PASSWORD, "author", "Tilburg", None, "Anna")


@contextmanager
def write_lock(database_uri: str) -> Iterator[None]:
    """Another connection holds SQLite's write lock (as a long import would) until the end."""
    holder = sqlite3.connect(database_uri.removeprefix("sqlite:///"), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
        holder.execute("ROLLBACK")
    finally:
        holder.close()


def counts() -> tuple[int, int]:
    db.session.rollback()
    lessons = db.session.execute(select(func.count()).select_from(Lesson)).scalar_one()
    revisions = db.session.execute(select(func.count()).select_from(Revision)).scalar_one()
    return lessons, revisions


def test_a_form_save_during_a_write_lock_answers_503_then_succeeds(app: Flask, author: Any) -> None:
    client = app.test_client()
    login(client, author)
    with write_lock(app.config["SQLALCHEMY_DATABASE_URI"]):
        response = client.post("/lessons/new", data=FORM)
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.headers["Retry-After"] == "2"
        assert response.mimetype == "text/html"
        assert "niets opgeslagen" in response.get_data(as_text=True)
    assert counts() == (0, 0)  # nothing half-written
    response = client.post("/lessons/new", data=FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert counts() == (1, 1)


def test_an_api_save_during_a_write_lock_answers_503_then_succeeds(app: Flask, author: Any) -> None:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {users.create_token(author.email)}"}
    body = {**lesson_fields(status="draft"), "markdown": "## Aanleiding\n\nTekst.\n"}
    with write_lock(app.config["SQLALCHEMY_DATABASE_URI"]):
        response = client.post("/api/v1/lessons", json=body, headers=headers)
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.headers["Retry-After"] == "2"
        error = response.get_json()["error"]
        assert error["code"] == "database-busy"
        assert "nothing was saved" in error["message"] or "niets opgeslagen" in error["message"]
    assert counts() == (0, 0)
    response = client.post("/api/v1/lessons", json=body, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert counts() == (1, 1)


def test_the_busy_timeout_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEERWIKI_DATABASE_BUSY_TIMEOUT", "0.5")
    assert from_environment()["DATABASE_BUSY_TIMEOUT"] == 0.5
    monkeypatch.setenv("LEERWIKI_DATABASE_BUSY_TIMEOUT", "lang")
    with pytest.raises(ValueError, match="LEERWIKI_DATABASE_BUSY_TIMEOUT"):
        from_environment()
