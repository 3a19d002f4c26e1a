"""First start: bring the schema up to date and load the sample content into an empty wiki."""

from __future__ import annotations

import threading
from pathlib import Path

import flask_migrate
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import func, make_url, select

from wiki.extensions import db
from wiki.models import Lesson
from wiki.services import content_io

# Set while a first start waits for the privacy scanner before importing the sample lessons,
# so pages can say why the new wiki is still empty (per process: under `serve --processes`
# only the interim worker, forked while it is set, shows it).
_samples_pending = threading.Event()


def samples_pending() -> bool:
    """Whether this process's first start is still to import the sample lessons."""
    return _samples_pending.is_set()


def expect_samples() -> None:
    """Mark the sample lessons as on their way (until load_content_if_empty has run)."""
    _samples_pending.set()


def upgrade_database() -> None:
    """Create or upgrade the schema through the migrations (never `create_all`)."""
    flask_migrate.upgrade()


def schema_revisions() -> tuple[str | None, str | None]:
    """The database's migration revision (None: no schema yet) and the newest one there is."""
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    config = current_app.extensions["migrate"].migrate.get_config()
    return current, ScriptDirectory.from_config(config).get_current_head()


def sqlite_file() -> Path | None:
    """The database file when the database is SQLite in a file, else None."""
    url = make_url(str(db.engine.url))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def load_content_if_empty(content_dir: Path) -> content_io.ImportReport | None:
    """Import `content_dir` when the wiki has no lessons yet; None when it already has some."""
    try:
        if not content_dir.is_dir() or not is_empty():
            return None
        return content_io.import_folder(content_dir)
    finally:
        _samples_pending.clear()


def is_empty() -> bool:
    """Whether the wiki has no lessons yet (a first start)."""
    return not db.session.execute(select(func.count()).select_from(Lesson)).scalar_one()
