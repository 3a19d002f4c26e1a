"""Database engine settings that depend on the backend."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Flask
from sqlalchemy import event

from wiki.extensions import db

# A request holds a connection from its first query to its end, so the pool must cover every
# waitress thread (8 by default) plus the change follower and background work. Connections
# beyond pool_size are closed after use and opened anew, which on SQLite also re-reads the
# schema (a profile of the load run showed 4-5% of the server's time in connecting).
POOL_SIZE = 16
# The largest value of an integer column on PostgreSQL (SQLite's are wider): a number past it
# in a URL or a parameter names nothing, and sent as a query parameter it would be refused.
INTEGER_MAX = 2**31 - 1


def engine_options(url: str) -> dict[str, Any]:
    """Pool settings for the engine; an in-memory SQLite database has a pool of one."""
    if url.startswith("sqlite") and (":memory:" in url or url.rstrip("/") == "sqlite:"):
        return {}
    return {"pool_size": POOL_SIZE}


def register_sqlite_pragmas(app: Flask) -> None:
    """On SQLite: enforce foreign keys, use WAL so readers never wait for the writer."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine
    busy_ms = int(float(app.config["DATABASE_BUSY_TIMEOUT"]) * 1000)
    event.listen(engine, "connect", partial(_sqlite_on_connect, busy_ms))


def _sqlite_on_connect(busy_ms: int, dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # A write waits this long for another writer's lock; then it fails with "database is
    # locked", which the error handlers answer with 503 and Retry-After.
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    cursor.close()
