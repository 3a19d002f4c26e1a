"""Shared fixtures: a fresh migrated SQLite file and index folder per test, real app parts."""

from __future__ import annotations

import contextvars
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from wiki import create_app
from wiki.extensions import db
from wiki.models import User
from wiki.services import lessons, users
from wiki.services.validation import validate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = PROJECT_ROOT / "content"
PASSWORD = "correct horse battery"


def _config(tmp: Path, database_file: Path, **extra: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database_file}",
        "INDEX_DIR": str(tmp / "index"),
        "CONTENT_DIR": str(CONTENT_DIR),
        "WTF_CSRF_ENABLED": False,
        **extra,
    }


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file brought up through the real migrations; each test gets a copy."""
    import flask_migrate

    folder = tmp_path_factory.mktemp("template")
    database_file = folder / "template.sqlite"
    app = create_app(_config(folder, database_file))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return database_file


@pytest.fixture
def app_factory(tmp_path: Path, migrated_template: Path) -> Iterator[Callable[..., Flask]]:
    """Build apps on this test's own database copy; extra config as keyword arguments."""
    database_file = tmp_path / "leerwiki.sqlite"
    shutil.copy(migrated_template, database_file)
    made: list[Flask] = []

    def build(**extra: Any) -> Flask:
        app = create_app(_config(tmp_path, database_file, **extra))
        app.test_client_class = IsolatedClient
        made.append(app)
        return app

    yield build
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_factory: Callable[..., Flask]) -> Iterator[Flask]:
    application = app_factory()
    with application.app_context():
        yield application


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as a server would.

    The `app` fixture keeps an app context open for service calls; without this, requests
    would reuse it and share `g` (the signed-in user, the CSRF token) across clients.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Create an account: make_user(role="author", municipality="Tilburg")."""
    counter = [0]

    def build(role: str = "author", municipality: str | None = "Tilburg", **kw: Any) -> User:
        counter[0] += 1
        email = kw.pop("email", f"{role}{counter[0]}@example.nl")
        return users.create_user(
            email, PASSWORD, role, municipality, kw.pop("organisation", None), kw.pop("name", None)
        )

    return build


def lesson_fields(**overrides: Any) -> dict[str, Any]:
    """A valid lesson's front matter; override any field."""
    fields: dict[str, Any] = {
        "title": "Schuldhulp aan de keukentafel",
        "municipality": "Tilburg",
        "type": "generic",
        "themes": ["armoede-en-schulden"],
        "owner": "Wijkteam Tilburg-Noord",
        "active_elements": ["vaste contactpersoon"],
        "year": 2024,
        "tags": ["wijkteam"],
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


@pytest.fixture
def make_lesson(app: Flask) -> Callable[..., lessons.SaveResult]:
    """Save a lesson through the real service: make_lesson(body=..., title=..., author=user)."""

    def build(
        body: str = "## Aanleiding\n\nTekst.\n", author: User | None = None, **fields: Any
    ) -> lessons.SaveResult:
        data = validate(lesson_fields(**fields), body)
        return lessons.create(data, author, "test", "" if author else "test")

    return build


def login(client: FlaskClient, user: User, password: str = PASSWORD) -> None:
    """Sign in through the real login form."""
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
