"""First start: bring the schema up to date and load the sample content into an empty wiki."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
from sqlalchemy import func, select

from wiki.extensions import db
from wiki.models import Lesson
from wiki.services import content_io


def upgrade_database() -> None:
    """Create or upgrade the schema through the migrations (never `create_all`)."""
    flask_migrate.upgrade()


def load_content_if_empty(content_dir: Path) -> content_io.ImportReport | None:
    """Import `content_dir` when the wiki has no lessons yet; None when it already has some."""
    count = db.session.execute(select(func.count()).select_from(Lesson)).scalar_one()
    if count or not content_dir.is_dir():
        return None
    return content_io.import_folder(content_dir)
