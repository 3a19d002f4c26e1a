"""Configuration: defaults, then the instance folder, then the environment.

Security settings (all overridable in `instance/config.py` or through the environment):

- `SESSION_COOKIE_SECURE` (`LEERWIKI_SESSION_COOKIE_SECURE`): default false, so the wiki works
  on plain http://127.0.0.1 during development. The session cookie is always HttpOnly and
  SameSite=Lax, and it is marked Secure anyway on every request that arrives over HTTPS.
  Behind a proxy that terminates TLS the app only sees http, so there you must either set
  `LEERWIKI_SESSION_COOKIE_SECURE=true` or set `LEERWIKI_TRUST_PROXY` (the number of proxies in
  front of the app, usually 1; "true" means 1), which applies werkzeug's ProxyFix so that
  X-Forwarded-Proto/-For/-Host are believed (`leerwiki serve` then tells waitress to pass them
  on; without it waitress drops them). Only set TRUST_PROXY when such a proxy really
  is in front: otherwise any client can forge those headers (and its rate-limit address).
  The remember-me cookie follows the same settings (`REMEMBER_COOKIE_*`).
- `LOGIN_RATE_LIMIT` (`LEERWIKI_LOGIN_RATE_LIMIT`): failed sign-ins allowed per client address,
  in Flask-Limiter notation, e.g. "5 per minute;20 per hour".
- `PREVIEW_RATE_LIMIT` (`LEERWIKI_PREVIEW_RATE_LIMIT`): live previews allowed per signed-in
  user ("60 per minute"): each one renders Markdown.
- `RATELIMIT_STORAGE_URI` (`LEERWIKI_RATELIMIT_STORAGE_URI`): where the counts live.
  "memory://" (default) counts per process; with several processes or nodes use a shared
  store such as "redis://host:6379/0" (needs the `redis` package).
- `RATELIMIT_ENABLED`: false switches the login and preview rate limits off.
"""

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
    "LEERWIKI_LOGIN_RATE_LIMIT": "LOGIN_RATE_LIMIT",
    "LEERWIKI_PREVIEW_RATE_LIMIT": "PREVIEW_RATE_LIMIT",
    "LEERWIKI_RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "LEERWIKI_SESSION_COOKIE_SECURE": "SESSION_COOKIE_SECURE",
    "LEERWIKI_TRUST_PROXY": "TRUST_PROXY",
    "LEERWIKI_REVIEW_REQUIRED": "REVIEW_REQUIRED",
    "LEERWIKI_PRIVACY_WORKERS": "PRIVACY_WORKERS",
    "LEERWIKI_DATABASE_BUSY_TIMEOUT": "DATABASE_BUSY_TIMEOUT",
}
BOOLEAN_KEYS = frozenset({"SESSION_COOKIE_SECURE", "REVIEW_REQUIRED"})
_TRUE = frozenset({"1", "true", "yes", "on", "ja"})
_FALSE = frozenset({"0", "false", "no", "off", "nee"})


def defaults(instance_path: str) -> dict[str, Any]:
    """Built-in defaults; everything here can be overridden."""
    return {
        "SECRET_KEY": DEV_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "leerwiki.sqlite"),
        "INDEX_DIR": str(PROJECT_ROOT / "search_index"),
        "CONTENT_DIR": str(PROJECT_ROOT / "content"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,  # see the module docstring: set it behind a TLS proxy
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # REMEMBER_COOKIE_SECURE follows SESSION_COOKIE_SECURE unless set itself.
        "TRUST_PROXY": 0,  # number of reverse proxies whose X-Forwarded-* headers are trusted
        "LOGIN_RATE_LIMIT": "5 per minute;20 per hour",
        "PREVIEW_RATE_LIMIT": "60 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": True,
        # True: authors submit lessons for review; only curators publish.
        "REVIEW_REQUIRED": False,
        # Scanner processes `serve` starts for the privacy guard (deduce, 1.1 GB each);
        # 0 scans inside the server process.
        "PRIVACY_WORKERS": 1,
        # Seconds a write waits for SQLite's lock (another writer) before it answers 503.
        "DATABASE_BUSY_TIMEOUT": 10.0,
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
            config[key] = _typed(env_name, key, value)
    return config


def _typed(env_name: str, key: str, value: str) -> Any:
    """Environment values are text; a few keys need a boolean or a number."""
    if key in BOOLEAN_KEYS:
        return parse_bool(env_name, value)
    if key == "TRUST_PROXY":
        return proxy_count(value)
    if key == "DATABASE_BUSY_TIMEOUT":
        try:
            seconds = float(value)
        except ValueError:
            seconds = -1.0
        if not 0 <= seconds <= 3600:
            raise ValueError(f"{env_name}={value!r}: use seconds, 0 to 3600")
        return seconds
    if key == "PRIVACY_WORKERS":
        if not value.strip().isdigit():
            raise ValueError(f"{env_name}={value!r}: use a number of processes (0 or more)")
        return int(value)
    return value


def parse_bool(name: str, value: str) -> bool:
    """'true', '1', 'yes', 'on' -> True; 'false', '0', 'no', 'off' -> False; anything else fails."""
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{name}={value!r}: use true or false")


def proxy_count(value: Any) -> int:
    """How many proxies to trust: a number, or true/false (true means one)."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"TRUST_PROXY={value!r}: use a number of proxies (0 or more)")
        return value
    text = str(value).strip().lower()
    if text.isdigit():
        return int(text)
    return int(parse_bool("LEERWIKI_TRUST_PROXY", text))


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
