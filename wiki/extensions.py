"""Flask extensions, created unbound here and bound in the app factory.

The rate limiter is the exception: `create_limiter` builds one per app, because a Limiter
keeps its storage and its on/off switch on the instance. One shared module-level limiter
would carry counts (and `RATELIMIT_ENABLED`) from one app to the next, and the tests build
an app per test.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from wiki.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()

LIMITER_KEY = "rate_limiter"  # where create_limiter keeps the app's limiter in app.extensions


class SessionInterface(SecureCookieSessionInterface):
    """Signed cookie sessions whose cookie is Secure whenever the request came over HTTPS.

    `SESSION_COOKIE_SECURE` forces the flag everywhere. Behind a proxy that terminates TLS the
    request only looks secure when TRUST_PROXY lets ProxyFix believe X-Forwarded-Proto.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        if super().get_cookie_secure(app):
            return True
        return has_request_context() and request.is_secure


def client_address() -> str:
    """The rate-limit key: the client's IP address (X-Forwarded-For only through ProxyFix)."""
    return request.remote_addr or "onbekend"


def create_limiter(app: Flask) -> Limiter:
    """This app's own limiter, with storage from RATELIMIT_STORAGE_URI.

    "memory://" counts per process (and per app); "redis://..." shares the counts between
    processes and nodes. If a shared store becomes unreachable the limiter falls back to
    memory instead of failing every sign-in. No limits are global: routes opt in.
    """
    limiter = Limiter(
        key_func=client_address,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        key_prefix="leerwiki",
        in_memory_fallback_enabled=True,
        enabled=bool(app.config["RATELIMIT_ENABLED"]),
    )
    limiter.init_app(app)
    app.extensions[LIMITER_KEY] = limiter
    return limiter


def retry_after_seconds() -> int:
    """Seconds until the limit breached in this request lets the client try again (at least 1)."""
    limiter = current_app.extensions.get(LIMITER_KEY)
    breached = limiter.current_limit if isinstance(limiter, Limiter) else None
    if breached is None:
        return 60
    return max(1, math.ceil(breached.window.reset_time - time.time()))
