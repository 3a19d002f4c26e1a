"""Database engine settings that depend on the backend."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event

from wiki.extensions import db


def register_sqlite_pragmas(app: Flask) -> None:
    """On SQLite: enforce foreign keys, use WAL so readers never wait for the writer."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine
    event.listen(engine, "connect", _sqlite_on_connect)


def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
