"""Translations: Dutch by default, English on request, and no untranslated text in either.

The source strings are English. The Dutch catalogue must translate every string the code
and templates use (extracted here as `pybabel extract` does); templates may hold no text
outside gettext; and a page rendered in one language shows none of the other's texts.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from babel.messages import checkers, mofile, pofile
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from jinja2 import Environment

from wiki.i18n import COOKIE_NAME

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "wiki" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}
METHODS = [
    ("wiki/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.xml", "jinja2"),
]
# Text that is the same in both languages (names, formats, symbols).
NOT_WORDS = {"Leerwiki", "Markdown", "API", "Atom", "RSS", "Nederlands", "English"}


def extracted() -> dict[Any, list[str]]:
    """msgid -> where it is used, as pybabel extract finds them with babel.cfg."""
    found: dict[Any, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS
    ):
        found.setdefault(message, []).append(f"{filename}:{lineno}")
    return found


def catalogue() -> Catalog:
    with PO.open("rb") as handle:
        return pofile.read_po(handle, locale="nl")


def test_every_string_has_a_dutch_translation() -> None:
    used = extracted()
    dutch = catalogue()
    missing = []
    for msgid, places in used.items():
        message = dutch.get(msgid)
        strings = message.string if message else None
        if isinstance(strings, tuple):
            complete = all(strings)
        else:
            complete = bool(strings)
        if message is None or not complete or message.fuzzy:
            missing.append((msgid, places[0]))
    assert missing == []
    obsolete = [m.id for m in dutch if m.id and m.id not in used]
    assert obsolete == [], "catalogue entries no code uses any more: run pybabel update"


def test_placeholders_match_between_the_languages() -> None:
    problems = []
    dutch = catalogue()
    for message in dutch:
        if not message.id:
            continue
        try:
            checkers.python_format(dutch, message)
        except Exception as exc:  # noqa: BLE001 - babel raises TranslationError
            problems.append(f"{message.id!r}: {exc}")
    assert problems == []


def test_compiled_catalogue_is_up_to_date() -> None:
    """The .mo the app loads holds exactly the .po's translations (pybabel compile)."""
    with MO.open("rb") as handle:
        compiled = mofile.read_mo(handle)
    expected = BytesIO()
    mofile.write_mo(expected, catalogue())
    expected.seek(0)
    fresh = mofile.read_mo(expected)

    def pairs(catalog: Catalog) -> dict[Any, Any]:
        return {_key(m.id): _key(m.string) for m in catalog if m.id}

    assert pairs(compiled) == pairs(fresh)


def _key(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value


class _Texts(HTMLParser):
    """Text nodes and human-readable attributes of an HTML fragment."""

    ATTRIBUTES = {"title", "alt", "aria-label", "placeholder", "label"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.in_code = 0  # <code> holds syntax ([[slug]]), not words to translate

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.texts += [v for k, v in attrs if k in self.ATTRIBUTES and v]
        self.in_code += tag == "code"

    def handle_endtag(self, tag: str) -> None:
        self.in_code -= tag == "code" and self.in_code > 0

    def handle_data(self, data: str) -> None:
        if not self.in_code:
            self.texts.append(data)


def literal_texts(source: str) -> list[str]:
    """Words in a template that do not go through gettext (outside {% trans %} blocks).

    Every {{ }} and {% %} becomes a placeholder without letters; what remains is the
    template's literal HTML, whose text and readable attributes must hold no words.
    """
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)  # only lexes
    literal: list[str] = []
    in_trans = False
    last = ""
    for _lineno, kind, value in env.lex(source):
        if kind == "name" and last == "block_begin" and value in ("trans", "endtrans"):
            in_trans = value == "trans"
        if kind == "data" and not in_trans:
            literal.append(value)
        elif kind == "variable_begin":
            literal.append("\x00")
        elif kind == "block_begin":  # may sit inside a tag: <li{% if x %} class="a"{% endif %}>
            literal.append(" ")
        if kind != "whitespace":
            last = kind
    parser = _Texts()
    parser.feed("".join(literal))
    found = []
    for text in parser.texts:
        words = [w for w in re.findall(r"[^\W\d_]{2,}", text) if w not in NOT_WORDS]
        if words:
            found.append(text.strip())
    return found


@pytest.mark.parametrize(
    "template", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "templates").rglob("*.*"))
)
def test_templates_hold_no_untranslated_text(template: str) -> None:
    assert literal_texts((ROOT / template).read_text(encoding="utf-8")) == []


def test_the_check_finds_literal_text() -> None:
    assert literal_texts("<p>Welkom</p><a title='Terug'>{{ _('Back') }}</a>") == [
        "Welkom",
        "Terug",
    ]
    assert literal_texts("{% trans %}Hello {{ name }}{% endtrans %}<b>{{ x }}</b>") == []


# ---- rendered pages --------------------------------------------------------------------


def visible_text(html: str) -> str:
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    parser = _Texts()
    parser.feed(html)
    return " ".join(" ".join(parser.texts).split())


def distinctive(pairs: list[tuple[str, str]]) -> list[str]:
    """Texts that would give away the other language: several words, not the same in both."""
    return [
        text
        for text, other in pairs
        if text != other and len(re.findall(r"[^\W\d_]{2,}", text)) >= 3 and "%(" not in text
    ]


@pytest.fixture
def english_lesson(make_lesson: Any, make_user: Any) -> Any:
    """A lesson whose own content is English, so Dutch on its page can only be interface."""
    author = make_user(role="author", municipality="Tilburg", name="Test Author")
    make_lesson(
        title="Budget coaching at the kitchen table",
        slug="budget-coaching",
        body="## Background\n\nA fixed coach per household.\n",
        tags=["coaching"],
        active_elements=["fixed contact"],
        author=author,
    )
    return author


PAGES = [
    "/",
    "/lessons/",
    "/lessons/budget-coaching",
    "/lessons/budget-coaching/history",
    "/municipalities/",
    "/search?q=coaching",
    "/themes/",
    "/tags/",
    "/recent",
    "/collections/",
    "/login",
    "/toegankelijkheid",
    "/lessons/no-such-lesson",
]


@pytest.mark.parametrize("url", PAGES)
def test_english_pages_show_no_dutch_interface_text(
    app: Any, english_lesson: Any, url: str
) -> None:
    dutch_texts = distinctive([(m.string, m.id) for m in catalogue() if isinstance(m.id, str)])
    client = app.test_client()
    client.set_cookie(COOKIE_NAME, "en")
    page = client.get(url)
    assert '<html lang="en">' in page.get_data(as_text=True)
    text = visible_text(page.get_data(as_text=True))
    assert [t for t in dutch_texts if t in text] == [], url


@pytest.mark.parametrize("url", PAGES)
def test_dutch_pages_show_no_english_interface_text(
    app: Any, english_lesson: Any, url: str
) -> None:
    english_texts = distinctive([(m.id, m.string) for m in catalogue() if isinstance(m.id, str)])
    page = app.test_client().get(url)
    assert '<html lang="nl">' in page.get_data(as_text=True)
    text = visible_text(page.get_data(as_text=True))
    assert [t for t in english_texts if t in text] == [], url


def test_language_switch_sets_a_cookie_and_goes_back(app: Any) -> None:
    client = app.test_client()
    answer = client.post("/taal", data={"language": "en", "next": "/lessons/?type=generic"})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/lessons/?type=generic"
    assert f"{COOKIE_NAME}=en" in answer.headers["Set-Cookie"]
    assert "HttpOnly" in answer.headers["Set-Cookie"]
    assert "Lessons" in client.get("/").get_data(as_text=True)
    client.post("/taal", data={"language": "nl", "next": "/"})
    assert "Lessen" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("bad", ["de", "", "en;drop"])
def test_unknown_language_is_refused_clearly(app: Any, bad: str) -> None:
    answer = app.test_client().post("/taal", data={"language": bad, "next": "/"})
    assert answer.status_code == 400
    assert "nl of en" in answer.get_data(as_text=True)


def test_language_switch_never_redirects_elsewhere(app: Any) -> None:
    answer = app.test_client().post(
        "/taal", data={"language": "en", "next": "https://evil.example/"}
    )
    assert answer.headers["Location"] == "/"
