"""Backup and restore of the database, the one source of truth (the index is rebuilt).

SQLite uses its online backup API: a consistent copy while the wiki keeps serving, page by
page, without stopping writers. For PostgreSQL use its own tools, which do the same with
more options: `pg_dump --format=custom -f leerwiki.dump URL` and
`pg_restore --clean --if-exists -d URL leerwiki.dump`, then `leerwiki reindex`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flask_babel import gettext
from sqlalchemy import make_url

from wiki.extensions import db
from wiki.services.errors import DomainError


class BackupError(DomainError):
    code = "backup"


def _sqlite_file() -> Path:
    url = make_url(str(db.engine.url))
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            gettext(
                "for PostgreSQL use pg_dump / pg_restore: "
                "pg_dump --format=custom -f leerwiki.dump URL; "
                "pg_restore --clean --if-exists -d URL leerwiki.dump; then leerwiki reindex"
            )
        )
    if not url.database or url.database == ":memory:":
        raise BackupError(gettext("this database is not stored in a file"))
    return Path(url.database)


def backup(target: Path) -> int:
    """Copy the live database to `target` (a new file); returns its size in bytes."""
    source = _sqlite_file()
    if target.exists():
        raise BackupError(
            gettext("%(path)s already exists; choose a new file name", path=str(target))
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst, pages=1024)  # in steps, so writers are not held up for long
    _check(target)
    return target.stat().st_size


def restore(source: Path) -> None:
    """Replace the database with a backup. Stop the server first; reindex afterwards."""
    target = _sqlite_file()
    if not source.is_file():
        raise BackupError(gettext("%(path)s does not exist", path=str(source)))
    _check(source)
    db.session.remove()
    db.engine.dispose()  # no pooled connection may keep reading the old pages
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def _check(path: Path) -> None:
    """Refuse a file that is not an intact Leerwiki database."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            (result,) = conn.execute("PRAGMA integrity_check").fetchone()
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            gettext("%(path)s is not an SQLite database: %(error)s", path=str(path), error=exc)
        ) from exc
    if result != "ok":
        raise BackupError(gettext("%(path)s is damaged: %(result)s", path=str(path), result=result))
    if not {"lesson", "revision", "alembic_version"} <= tables:
        raise BackupError(gettext("%(path)s is not a Leerwiki database", path=str(path)))
