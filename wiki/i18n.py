"""The interface language: Dutch by default, English on request (Flask-Babel).

Source strings (msgids) are English; `wiki/translations/nl` holds the Dutch catalogue, and
English needs none. Pages are Dutch unless the visitor chose English with the language
switch (a cookie); API clients may ask for English with `Accept-Language`.

Updating the catalogue after changing texts (see README, "Translations"):
    pybabel extract -F babel.cfg -k lazy_gettext -k N_ -o wiki/translations/messages.pot .
    pybabel update -i wiki/translations/messages.pot -d wiki/translations -l nl
    pybabel compile -d wiki/translations
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_app_context, has_request_context, request
from flask_babel import Babel, get_translations

from wiki.config import PACKAGE_ROOT

LANGUAGES = {"nl": "Nederlands", "en": "English"}
DEFAULT_LANGUAGE = "nl"
COOKIE_NAME = "leerwiki_lang"
TRANSLATIONS_DIR = PACKAGE_ROOT / "translations"

babel = Babel()


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a string for extraction without translating it here (translated where shown)."""
    return message


def select_language() -> str:
    """The visitor's choice (cookie), else for the API `Accept-Language`, else Dutch."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    chosen = request.cookies.get(COOKIE_NAME)
    if chosen in LANGUAGES:
        return chosen
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def init_app(app: Flask) -> None:
    """Bind Flask-Babel: Dutch default, catalogues in the package, Amsterdam time."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Amsterdam")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    babel.init_app(app, locale_selector=select_language)
    # Templates call gettext dozens of times per page; Flask-Babel looks the catalogue up
    # anew each time (several context lookups, ~30 µs). Once per request is enough.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # i18n ext
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
    )


def _translations() -> Any:
    """This request's catalogue (Flask-Babel's own, looked up once and kept on `g`)."""
    if not has_app_context():
        return get_translations()
    found = g.get("_leerwiki_translations")
    if found is None:
        found = g._leerwiki_translations = get_translations()
    return found
