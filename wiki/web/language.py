"""The language switch: a POST that sets a cookie.

It is exempt from CSRF (see wiki/web/__init__.py): it changes no data and reads no session,
so the worst a forged request can do is switch a visitor's language, while a token would
give every anonymous page view a session cookie (and make pages uncacheable).
"""

from __future__ import annotations

from flask import Blueprint, redirect, request
from flask_babel import gettext
from werkzeug.wrappers import Response

from wiki.i18n import COOKIE_NAME, LANGUAGES
from wiki.services.errors import DomainError
from wiki.web.accounts import safe_next

bp = Blueprint("language", __name__)
ONE_YEAR = 365 * 24 * 3600


class UnknownLanguage(DomainError):
    status = 400
    code = "unknown-language"


@bp.post("/taal")
def choose() -> Response:
    """Remember the chosen interface language and go back to the page it was chosen on."""
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        raise UnknownLanguage(
            gettext("Unknown language %(language)s; choose nl or en.", language=language[:20])
        )
    response = redirect(safe_next(request.form.get("next")))
    response.set_cookie(
        COOKIE_NAME, language, max_age=ONE_YEAR, httponly=True, samesite="Lax",
        secure=request.is_secure,
    )  # fmt: skip
    return response
