"""Leerwiki: a lessons-learned wiki for the Dutch social domain."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from wiki import config as settings
from wiki.extensions import csrf, db, login_manager, migrate


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
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config["SECRET_KEY"] == settings.DEV_SECRET_KEY and not app.testing:
        # No key configured: use (or once create) a random key kept in the instance folder,
        # so sessions survive restarts and the development key never guards real data.
        app.config["SECRET_KEY"] = settings.instance_secret_key(app.instance_path)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(settings.PACKAGE_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)

    from wiki.search.engine import SearchIndex

    app.extensions["search_index"] = SearchIndex(app.config["INDEX_DIR"])

    from wiki.database import register_sqlite_pragmas

    register_sqlite_pragmas(app)

    from wiki.web import register_web

    register_web(app)

    from wiki.api import api_blueprint

    app.register_blueprint(api_blueprint)
    csrf.exempt(api_blueprint)  # the API authenticates with Bearer tokens, never cookies

    from wiki.cli import register_commands

    register_commands(app)
    return app
