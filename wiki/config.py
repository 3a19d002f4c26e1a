"""Configuration: defaults, then the instance folder, then the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PACKAGE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_ROOT.parent
DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused outside testing/debug

# Environment variable -> config key (the interface contract in DESIGN.md).
ENV_KEYS = {
    "LEERWIKI_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "LEERWIKI_INDEX_DIR": "INDEX_DIR",
    "LEERWIKI_SECRET_KEY": "SECRET_KEY",
    "LEERWIKI_CONTENT_DIR": "CONTENT_DIR",
}


def defaults(instance_path: str) -> dict[str, Any]:
    """Built-in defaults; everything here can be overridden."""
    return {
        "SECRET_KEY": DEV_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "leerwiki.sqlite"),
        "INDEX_DIR": str(PROJECT_ROOT / "search_index"),
        "CONTENT_DIR": str(PROJECT_ROOT / "content"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,  # a long edit must not lose its token
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "PAGE_SIZE": 25,
        "JSON_SORT_KEYS": False,
    }


def from_environment() -> dict[str, Any]:
    """The LEERWIKI_* variables that are set, mapped to config keys."""
    config: dict[str, Any] = {}
    for env_name, key in ENV_KEYS.items():
        value = os.environ.get(env_name)
        if value:
            config[key] = value
    return config


def normalise_database_url(url: str) -> str:
    """Let a plain postgresql:// URL select the driver this project installs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def instance_secret_key(instance_path: str) -> str:
    """The key stored in `instance/secret_key`, created with 256 random bits if missing."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
