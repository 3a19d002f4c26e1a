"""Shared fixtures: a fresh migrated SQLite file and index folder per test, real app parts."""

from __future__ import annotations

import contextvars
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, make_url, text

from wiki import create_app
from wiki.config import normalise_database_url
from wiki.extensions import db
from wiki.models import User
from wiki.services import lessons, users
from wiki.services.validation import validate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = PROJECT_ROOT / "content"
PASSWORD = "correct horse battery"


# LEERWIKI_TEST_DATABASE_URL=postgresql://user@host:port/db runs the whole suite on PostgreSQL
# (each test gets its own database, cloned from a migrated template); unset: SQLite files.
TEST_DATABASE_URL = os.environ.get("LEERWIKI_TEST_DATABASE_URL", "")


def _config(tmp: Path, database: Path | str, **extra: Any) -> dict[str, Any]:
    """Test configuration; `database` is a SQLite file or a database URL."""
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
        "INDEX_DIR": str(tmp / "index"),
        "CONTENT_DIR": str(CONTENT_DIR),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        **extra,
    }


class Databases:
    """Fresh databases for tests: copies of one migrated SQLite file, or PostgreSQL databases
    created from a migrated template database (CREATE DATABASE ... TEMPLATE is a file copy)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: list[str] = []
        if TEST_DATABASE_URL:
            self.server = make_url(normalise_database_url(TEST_DATABASE_URL))
            self.template = f"leerwiki_template_{os.getpid()}"
            self._admin(f'DROP DATABASE IF EXISTS "{self.template}"')
            self._admin(f'CREATE DATABASE "{self.template}"')
            self.template_url = self._url(self.template)
        else:
            self.template_url = f"sqlite:///{folder / 'template.sqlite'}"
        self._migrate(self.template_url)

    def _url(self, name: str) -> str:
        return self.server.set(database=name).render_as_string(hide_password=False)

    def _admin(self, statement: str) -> None:
        engine = create_engine(self.server, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(statement))
        finally:
            engine.dispose()

    def _migrate(self, url: str) -> None:
        import flask_migrate

        app = create_app(_config(self.folder, url))
        with app.app_context():
            flask_migrate.upgrade()
            db.engine.dispose()

    def fresh(self, tmp: Path, *, empty: bool = False) -> str:
        """A new database for one test: migrated (a template copy), or empty."""
        if not TEST_DATABASE_URL:
            target = tmp / ("empty.sqlite" if empty else "leerwiki.sqlite")
            if not empty:
                shutil.copy(self.folder / "template.sqlite", target)
            return f"sqlite:///{target}"
        name = f"leerwiki_test_{os.getpid()}_{len(self.made)}"
        self._admin(f'DROP DATABASE IF EXISTS "{name}"')
        template = "" if empty else f' TEMPLATE "{self.template}"'
        self._admin(f'CREATE DATABASE "{name}"{template}')
        self.made.append(name)
        return self._url(name)

    def drop(self, url: str) -> None:
        if TEST_DATABASE_URL:
            name = make_url(url).database
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        if TEST_DATABASE_URL:
            for name in self.made:
                self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    made = Databases(tmp_path_factory.mktemp("template"))
    yield made
    made.close()


@pytest.fixture
def database_url(tmp_path: Path, databases: Databases) -> Iterator[str]:
    """This test's own migrated database."""
    url = databases.fresh(tmp_path)
    yield url
    databases.drop(url)


@pytest.fixture
def app_factory(tmp_path: Path, database_url: str) -> Iterator[Callable[..., Flask]]:
    """Build apps on this test's own database; extra config as keyword arguments."""
    made: list[Flask] = []

    def build(**extra: Any) -> Flask:
        app = create_app(_config(tmp_path, database_url, **extra))
        app.test_client_class = IsolatedClient
        made.append(app)
        return app

    yield build
    for app in made:
        dispose_app(app)


def dispose_app(app: Flask) -> None:
    """Close what an app holds open: its pooled searchers (their segment files) and its
    database connections."""
    app.extensions["search_index"].close()
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
