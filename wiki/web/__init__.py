"""The HTML side: blueprints by feature, error pages, security headers, template helpers."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from wiki.extensions import db, login_manager
from wiki.i18n import DEFAULT_LANGUAGE, LANGUAGES
from wiki.models import User
from wiki.services.errors import DomainError
from wiki.vocabulary import (
    CONFIRMATION_RESULTS,
    DOMAINS,
    EVIDENCE,
    LEVELS,
    STATUSES,
    THEMES,
    TYPES,
)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def viewer() -> User | None:
    """The signed-in user, or None for an anonymous visitor."""
    user = current_user._get_current_object()  # noqa: SLF001 - unwrap the proxy for typing
    return user if isinstance(user, User) else None


def register_web(app: Flask) -> None:
    """Attach the HTML blueprints, the login loader, error handlers and headers."""
    from wiki.web import accounts, browse, curation, language, lessons, search

    app.register_blueprint(browse.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(lessons.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(curation.bp)
    app.register_blueprint(language.bp)

    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Log in om verder te gaan."

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id)) if user_id.isdigit() else None

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
        return _error_response(error.status, error.code, error.message, error.details())

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        return _error_response(
            400, "csrf", "Het formulier is verlopen of ongeldig (CSRF). Laad de pagina opnieuw."
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        code = (error.name or "error").lower().replace(" ", "-")
        return _error_response(
            error.code or 500, code, _DUTCH.get(error.code or 500, error.description or "")
        )

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        app.logger.exception("unhandled error")
        db.session.rollback()
        return _error_response(500, "server-error", _DUTCH[500])


_DUTCH = {
    400: "Het verzoek is ongeldig.",
    401: "U moet eerst inloggen.",
    403: "U hebt geen toegang tot deze pagina.",
    404: "Deze pagina bestaat niet.",
    405: "Deze handeling is hier niet toegestaan.",
    409: "Er is een conflict met een andere wijziging.",
    413: "Het verzoek is te groot.",
    422: "De invoer is ongeldig.",
    429: "Te veel verzoeken; probeer het straks opnieuw.",
    500: "Er ging iets mis aan onze kant. De fout is gelogd.",
}


def wants_json() -> bool:
    """API paths always answer JSON."""
    return request.path.startswith("/api/")


def _error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> Any:
    if wants_json():
        body: dict[str, Any] = {"code": code, "message": message}
        if details:
            body.update(details)
        return jsonify({"error": body}), status
    return render_template(
        "error.html", status=status, message=message, details=details or {}
    ), status


def current_language() -> str:
    """The language of this response ('nl' or 'en'), for <html lang> and the switch."""
    return str(get_locale() or DEFAULT_LANGUAGE)


def _date(value: Any) -> str:
    """'1 dec 2026' / 'Dec 1, 2026' in the visitor's language."""
    return format_date(value, "medium") if value else ""


def _datetime(value: Any) -> str:
    """Date and time in Dutch time (Europe/Amsterdam), in the visitor's language."""
    return format_datetime(value, "medium") if value else ""
