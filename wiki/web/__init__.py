"""The HTML side: blueprints by feature, error pages, security headers, template helpers."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import format_date, format_datetime, get_locale, gettext, lazy_gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map

from wiki import labels
from wiki.database import INTEGER_MAX
from wiki.extensions import csrf, db, login_manager
from wiki.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_
from wiki.models import User
from wiki.services import setup, users
from wiki.services.errors import DomainError, database_busy
from wiki.services.finding_text import KIND_LABELS
from wiki.vocabulary import (
    CONFIRMATION_RESULTS,
    DOMAINS,
    EVIDENCE,
    LEVELS,
    STATUSES,
    THEMES,
    TYPES,
)

# Images only from the wiki itself: an image from another site would tell that site who reads
# the page (the renderer turns such images into links; see wiki/rendering.py).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def viewer() -> User | None:
    """The signed-in user, or None for an anonymous visitor."""
    user = current_user._get_current_object()  # noqa: SLF001 - unwrap the proxy for typing
    return user if isinstance(user, User) else None


class DatabaseInteger(IntegerConverter):
    """`<int:...>` in every route: a number past what an integer column holds matches no
    route (404) instead of reaching the database, which would refuse it (a 500)."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, max: int = INTEGER_MAX) -> None:  # noqa: A002 - werkzeug's name
        super().__init__(url_map, fixed_digits=fixed_digits, max=max)


def register_web(app: Flask) -> None:
    """Attach the HTML blueprints, the login loader, error handlers and headers."""
    from wiki.web import accounts, browse, curation, language, lessons, search

    app.url_map.converters["int"] = DatabaseInteger  # before any route is added
    app.register_blueprint(browse.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(lessons.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(curation.bp)
    app.register_blueprint(language.bp)
    csrf.exempt(language.bp)  # a preference cookie, no data: see wiki/web/language.py

    login_manager.login_view = "accounts.login"
    # Flask-Login flashes the message through localize_callback, in the visitor's language.
    login_manager.login_message = N_("Sign in to continue.")
    login_manager.localize_callback = gettext

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        return users.user_for_session(session_id)

    app.jinja_env.globals.update(
        THEMES=THEMES,
        TYPES=TYPES,
        LEVELS=LEVELS,
        DOMAINS=DOMAINS,
        STATUSES=STATUSES,
        CONFIRMATION_RESULTS=CONFIRMATION_RESULTS,
        EVIDENCE=EVIDENCE,
        viewer=viewer,
        LANGUAGES=LANGUAGES,
        current_language=current_language,
        field_label=labels.label,
        COLLECTION_LABELS=labels.COLLECTION,
        KIND_LABELS=KIND_LABELS,
        samples_pending=setup.samples_pending,
    )
    app.jinja_env.filters["date"] = _date
    app.jinja_env.filters["datetime"] = _datetime

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Any:
        body, status = _error_response(error.status, error.code, error.message, error.details())
        return body, status, error.headers()

    @app.errorhandler(OperationalError)
    def database_error(error: OperationalError) -> Any:
        # Nothing half-written stays: the transaction is rolled back before answering.
        db.session.rollback()
        busy = database_busy(error)
        if busy is None:
            return unexpected(error)
        app.logger.warning("database locked, answered 503: %s", error.orig)
        return domain_error(busy)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        return _error_response(
            400, "csrf", gettext("The form has expired or is invalid (CSRF). Reload the page.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        code = (error.name or "error").lower().replace(" ", "-")
        known = HTTP_MESSAGES.get(error.code or 500)
        response = app.make_response(
            _error_response(
                error.code or 500, code, str(known) if known else error.description or ""
            )
        )
        # Keep what the exception says besides its body: Allow on a 405, Retry-After on a 429.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        app.logger.exception("unhandled error")
        db.session.rollback()
        return _error_response(500, "server-error", str(HTTP_MESSAGES[500]))


# What an error page (or the API's error.message) says per HTTP status, in the visitor's language.
HTTP_MESSAGES = {
    400: lazy_gettext("The request is invalid."),
    401: lazy_gettext("You need to sign in first."),
    403: lazy_gettext("You do not have access to this page."),
    404: lazy_gettext("This page does not exist."),
    405: lazy_gettext("This action is not allowed here."),
    409: lazy_gettext("There is a conflict with another change."),
    413: lazy_gettext("The request is too large."),
    422: lazy_gettext("The input is invalid."),
    429: lazy_gettext("Too many requests; please try again later."),
    500: lazy_gettext("Something went wrong on our side. The error has been logged."),
}


def wants_json() -> bool:
    """API paths always answer JSON."""
    return request.path.startswith("/api/")


def _error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> tuple[Response, int]:
    if wants_json():
        body: dict[str, Any] = {"code": code, "message": message}
        if details:
            body.update(details)
        return jsonify({"error": body}), status
    page = render_template("error.html", status=status, message=message, details=details or {})
    return Response(page, mimetype="text/html"), status


def current_language() -> str:
    """The language of this response ('nl' or 'en'), for <html lang> and the switch."""
    return str(get_locale() or DEFAULT_LANGUAGE)


def _date(value: Any) -> str:
    """'1 dec 2026' / 'Dec 1, 2026' in the visitor's language."""
    return format_date(value, "medium") if value else ""


def _datetime(value: Any) -> str:
    """Date and time in Dutch time (Europe/Amsterdam), in the visitor's language."""
    return format_datetime(value, "medium") if value else ""
