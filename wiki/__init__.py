"""Leerwiki: a lessons-learned wiki for the Dutch social domain."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from wiki import config as settings
from wiki.extensions import (
    SessionInterface,
    create_limiter,
    csrf,
    db,
    login_manager,
    migrate,
)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, CLI and error handlers. Nothing else."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(settings.PROJECT_ROOT / "templates"),
        static_folder=str(settings.PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(settings.defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(settings.from_environment())
    if test_config is not None:
        app.config.update(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = settings.normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    from wiki.database import engine_options

    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config["SECRET_KEY"] == settings.DEV_SECRET_KEY and not app.testing:
        # No key configured: use (or once create) a random key kept in the instance folder,
        # so sessions survive restarts and the development key never guards real data.
        app.config["SECRET_KEY"] = settings.instance_secret_key(app.instance_path)
    # The remember-me cookie (Flask-Login) is as secure as the session cookie unless set itself.
    app.config.setdefault("REMEMBER_COOKIE_SECURE", bool(app.config["SESSION_COOKIE_SECURE"]))
    app.session_interface = SessionInterface()  # Secure cookie on every HTTPS request
    proxies = settings.proxy_count(app.config["TRUST_PROXY"])
    if proxies:
        # Believe X-Forwarded-For/-Proto/-Host from this many proxies (see wiki/config.py).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )

    db.init_app(app)
    migrate.init_app(app, db, directory=str(settings.PACKAGE_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter = create_limiter(app)

    from wiki import i18n

    i18n.init_app(app)

    from wiki.search.engine import SearchIndex

    app.extensions["search_index"] = SearchIndex(app.config["INDEX_DIR"])

    from wiki.database import register_sqlite_pragmas

    register_sqlite_pragmas(app)

    from wiki.web import register_web

    register_web(app)

    from wiki.web.accounts import limit_login_attempts

    limit_login_attempts(limiter)

    from wiki.web.lessons import limit_previews

    limit_previews(limiter)

    from wiki.api import api_blueprint

    app.register_blueprint(api_blueprint)
    csrf.exempt(api_blueprint)  # the API authenticates with Bearer tokens, never cookies

    from wiki.cli import register_commands

    register_commands(app)
    return app
