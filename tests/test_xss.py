"""Cross-site scripting, end to end: hostile text in every field comes out harmless everywhere.

Each vector goes in through the real JSON API (and once through the HTML form) into the body,
the title, the tags, the text fields of the front matter, the edit comment and the author's
name. Then every place that shows it is parsed as a browser would (html.parser for HTML,
ElementTree for the Atom feed) and checked: no script that is not one of our own static files,
no on* attributes, no style, no javascript:/vbscript:/data: URLs, no iframe/object/embed/base
or meta http-equiv. Escaped text such as "&lt;script&gt;" is fine and expected. A field may
also refuse the input with a 422 JSON error: that is harmless too, and is asserted as such.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import pytest
from conftest import PASSWORD, Databases, IsolatedClient, _config, dispose_app
from flask import Flask
from flask.testing import FlaskClient

from wiki import create_app
from wiki.extensions import db
from wiki.services import users

VECTORS = [
    "<script>alert(1)</script>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    '<img src="x" onerror="alert(1)"//',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text y="20">x</text></a></svg>',
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    "[klik](javascript:alert(1))",
    "[klik](JaVaScRiPt:alert(1))",
    "![plaatje](javascript:alert(1))",
    "[klik](vbscript:msgbox(1))",
    "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![plaatje](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[klik](&#106;avascript:alert(1))",
    "[klik](jav&#x09;ascript:alert(1))",
    "[klik](javascript&colon;alert(1))",
    "[klik][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    "[klik](\uff4aavascript:alert(1)) en [klik](java\u200bscript:alert(1))",
    '<a href="&#0000106&#0000097vascript:alert(1)">x</a>',
    '<a href="https://example.org" onclick="alert(1)">x</a>',
    '<iframe src="https://example.org"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="width:expression(alert(1))">x</p>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    '<input autofocus onfocus="alert(1)">',
    '"><script>alert(1)</script>',
    "' onmouseover='alert(1)' x='",
    '" autofocus onfocus="alert(1)',
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "[[x|<script>alert(1)</script>]]",
    "[[<img src=x onerror=alert(1)>]]",
    "[[javascript:alert(1)]]",
    '[[x" onmouseover="alert(1)|label]]',
    "<!-- <script>alert(1)</script> -->",
    "<!--><img src=x onerror=alert(1)>-->",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<template><script>alert(1)</script></template>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    "]]></summary><script>alert(1)</script><summary>",
]

# Attributes that hold a URL a browser follows, loads or (for data-*) our JavaScript fetches.
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "data", "xlink:href", "poster", "background",
    "cite", "longdesc", "srcset", "ping", "data-fragment", "data-preview-url",
}  # fmt: skip
SAFE_SCHEMES = {"http", "https", "mailto"}
FETCHED_BY_OUR_SCRIPTS = {"data-fragment", "data-preview-url", "action"}  # same-site paths only
FORBIDDEN_ELEMENTS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "param", "base", "style",
    "template", "noscript", "math", "portal",
}  # fmt: skip
OUR_SCRIPT = re.compile(r"^/static/[\w.-]+\.js$")
ALLOWED_LINK_RELS = {"stylesheet", "alternate"}
ATOM = "{http://www.w3.org/2005/Atom}"
ATOM_ELEMENTS = {"feed", "title", "id", "link", "updated", "entry", "author", "name", "summary"}


C0_AND_SPACE = "".join(chr(code) for code in range(0x21))


def url_scheme(value: str) -> str:
    """The scheme a browser would see: tabs and newlines removed, control characters trimmed."""
    cleaned = re.sub(r"[\t\n\r]", "", value).strip(C0_AND_SPACE)
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):", cleaned)
    return match.group(1).lower() if match else ""


class Harmless(HTMLParser):
    """Parses a page (entities decoded, as a browser does) and lists every dangerous thing."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []
        self.links: list[tuple[str, str]] = []  # (class, href) of every <a>
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = {name: value or "" for name, value in attrs}
        if tag == "a":
            self.links.append((values.get("class", ""), values.get("href", "")))
        if tag in FORBIDDEN_ELEMENTS:
            self.problems.append(f"<{tag}> element")
        if tag == "script":
            self._in_script = True
            if not OUR_SCRIPT.match(values.get("src", "")):
                self.problems.append(f"<script> that is not ours: {attrs}")
        if tag == "meta" and (
            "http-equiv" in values or set(values) - {"charset", "name", "content"}
        ):
            self.problems.append(f"<meta> {attrs}")
        if tag == "link" and (
            values.get("rel") not in ALLOWED_LINK_RELS or not values.get("href", "").startswith("/")
        ):
            self.problems.append(f"<link> {attrs}")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            if name == "style":
                self.problems.append(f"<{tag} style=...>")
            if name in URL_ATTRIBUTES:
                scheme = url_scheme(value)
                if scheme and scheme not in SAFE_SCHEMES:
                    self.problems.append(f"<{tag} {name}={value!r}> {scheme}: URL")
                if name in FETCHED_BY_OUR_SCRIPTS and not (
                    value.startswith("/") and not value.startswith("//")
                ):
                    self.problems.append(f"<{tag} {name}={value!r}> leaves the site")
            if name == "http-equiv":
                self.problems.append(f"<{tag} http-equiv>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._in_script = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data[:60]!r}")
        self.text.append(data)


def parse_html(markup: str) -> Harmless:
    parser = Harmless()
    parser.feed(markup)
    parser.close()
    return parser


def assert_harmless_html(markup: str, where: str) -> Harmless:
    parsed = parse_html(markup)
    assert parsed.problems == [], f"{where}: {parsed.problems}"
    return parsed


def assert_harmless_page(response: Any, where: str) -> Harmless:
    assert response.status_code in {200, 404, 422}, f"{where}: {response.status_code}"
    assert response.mimetype == "text/html", where
    return assert_harmless_html(response.get_data(as_text=True), where)


def assert_harmless_feed(xml_text: str) -> ET.Element:
    root = ET.fromstring(xml_text)  # noqa: S314 - our own feed; well-formed = all escaped
    for element in root.iter():
        assert element.tag.startswith(ATOM), element.tag
        assert element.tag[len(ATOM) :] in ATOM_ELEMENTS, element.tag
        if element.get("type") in {"html", "xhtml"}:
            assert_harmless_html(element.text or "", f"feed <{element.tag}>")
        if element.tag == f"{ATOM}link":
            assert url_scheme(element.get("href", "")) in {"http", "https"}
    return root


def assert_refused_harmlessly(response: Any) -> set[str]:
    """A 422 answer in JSON naming the refused fields (so nothing is rendered as HTML)."""
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    error = response.get_json()["error"]
    fields = set(error.get("fields", {}))
    fields.update(finding.get("field", "") for finding in error.get("findings", []))
    assert fields, error
    return fields


# What each field gets when it refuses the vector, so the rest can still be tested.
SAFE = {
    "title": "Xsszoek{n} veilige titel",
    "owner": "Wijkteam",
    "context": "Alleen met een wijkteam.",
    "markdown": "## Aanleiding\n\nXsszoek{n} veilige tekst.\n",
    "body": "## Aanleiding\n\nXsszoek{n} veilige tekst.\n",
}


def lesson_payload(number: int, vector: str, variant: str) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "title": f"Xsszoek{number} {vector} einde {variant}",
        "slug": f"xss-{number}-{variant}",
        "municipality": "Tilburg",
        "themes": ["armoede-en-schulden"],
        "tags": [vector, f"xss tag {number}"],
        "owner": vector,
        "organisation": vector,
        "summary": f"Xsszoek{number} {vector}",
        "target_group": vector,
        "year": 2024,
        "comment": vector,
        "markdown": (
            f"## Aanleiding {vector}\n\nXsszoek{number} begin {vector} einde.\n\n{vector}\n\n"
            f"- punt {vector}\n\n> {vector}\n\n| kop |\n| --- |\n| {vector} |\n"
        ),
    }
    if variant == "a":
        payload.update(type="context-dependent", context=vector)
    else:
        payload.update(type="generic", active_elements=[vector, "warme overdracht"])
    return payload


def create_through_api(
    client: FlaskClient, headers: dict[str, str], payload: dict[str, Any], number: int
) -> tuple[str, set[str]]:
    """POST the lesson; on 422 replace each refused field with a safe value and try again."""
    refused: set[str] = set()
    for _ in range(len(payload)):
        response = client.post("/api/v1/lessons", json=payload, headers=headers)
        if response.status_code == 201:
            return str(response.get_json()["slug"]), refused
        fields = assert_refused_harmlessly(response)
        assert fields - refused, f"the same fields were refused twice: {fields}"
        refused |= fields
        for name in fields:
            if name in SAFE:
                payload[name] = SAFE[name].format(n=number)
            else:
                payload.pop(name, None)
    raise AssertionError(f"never accepted; refused {refused}")


class Site:
    """One app for the whole module (building one per vector would double the run time)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.visitor = app.test_client()  # anonymous, like most readers
        self.writer = app.test_client()  # signed in as the author
        with app.app_context():
            users.create_user(AUTHOR, PASSWORD, "author", "Tilburg", None, "Auteur")
            self.headers = {"Authorization": f"Bearer {users.create_token(AUTHOR)}"}
        response = self.writer.post("/login", data={"email": AUTHOR, "password": PASSWORD})
        assert response.status_code == 302

    def rename_author(self, name: str) -> None:
        """The author's display name is shown with every revision, in pages and in the feed."""
        with self.app.app_context():
            user = users.find_by_email(AUTHOR)
            assert user is not None
            user.name = name
            db.session.commit()


AUTHOR = "xss-auteur@example.nl"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("xss")
    url = databases.fresh(folder)
    application = create_app(_config(folder, url))
    application.test_client_class = IsolatedClient
    yield Site(application)
    dispose_app(application)
    databases.drop(url)


def test_the_table_is_big_and_distinct() -> None:
    assert len(VECTORS) >= 25
    assert len(set(VECTORS)) == len(VECTORS)


@pytest.mark.parametrize("vector", VECTORS)
def test_vector_renders_harmlessly_everywhere(site: Site, vector: str) -> None:
    number = VECTORS.index(vector)
    client = site.visitor
    site.rename_author(vector[:200])

    created: list[str] = []
    refused: set[str] = set()
    for variant in ("a", "b"):
        slug, refused_here = create_through_api(
            site.writer, site.headers, lesson_payload(number, vector, variant), number
        )
        created.append(slug)
        refused |= refused_here

    for slug in created:
        page = assert_harmless_page(client.get(f"/lessons/{slug}"), f"lesson page {slug}")
        assert f"Xsszoek{number}" in "".join(page.text)
        if "title" not in refused:  # the title: escaped text, never markup
            assert f"Xsszoek{number} {vector}" in "".join(page.text)
        api = client.get(f"/api/v1/lessons/{slug}")
        assert api.status_code == 200 and api.mimetype == "application/json"
        assert_harmless_html(api.get_json()["html"], f"API html of {slug}")
        source = client.get(f"/lessons/{slug}/source")
        assert source.mimetype == "text/markdown"  # shown as text, never as a page
        assert_harmless_page(client.get(f"/lessons/{slug}/history"), f"history of {slug}")
        tag_links = [link for css_class, link in page.links if css_class == "tag"]
        assert tag_links or "tags" in refused
        for link in tag_links:
            assert_harmless_page(client.get(link), f"tag page {link}")
        # The edit form puts every value in an attribute or a textarea.
        edit = site.writer.get(f"/lessons/{slug}/edit")
        assert edit.status_code == 200
        assert_harmless_page(edit, f"edit form of {slug}")

    for url in ("/", "/lessons/", "/recent", "/tags/"):
        assert_harmless_page(client.get(url), url)

    feed = client.get("/recent.atom")
    assert feed.status_code == 200
    root = assert_harmless_feed(feed.get_data(as_text=True))
    titles = [e.text or "" for e in root.iter(f"{ATOM}title")]
    if "title" not in refused:
        assert any(f"Xsszoek{number} {vector}" in t for t in titles), titles

    results = client.get(f"/search?q=xsszoek{number}")
    parsed = assert_harmless_page(results, "search results")
    if "title" not in refused:
        assert any(f"Xsszoek{number} {vector}" in text for text in parsed.text)
    hits = client.get(f"/api/v1/search?q=xsszoek{number}").get_json()["hits"]
    assert {hit["slug"] for hit in hits} == set(created)
    for hit in hits:
        highlight = parse_html(hit["highlight"])
        assert highlight.problems == [] and set(highlight.tags) <= {"mark"}, hit["highlight"]

    # The query itself is reflected on the results page and in the API.
    assert_harmless_page(client.get(f"/search?q={quote(vector)}"), "search for the vector")
    reflected = client.get(f"/api/v1/search?q={quote(vector)}")
    assert reflected.status_code == 200 and reflected.mimetype == "application/json"
    for hit in reflected.get_json()["hits"]:
        assert set(parse_html(hit["highlight"]).tags) <= {"mark"}


@pytest.mark.parametrize("vector", VECTORS)
def test_vector_in_the_html_form_and_its_preview(site: Site, vector: str) -> None:
    """The form shown again with what was submitted: the preview, or the errors (422)."""
    form = {
        "title": vector,
        "municipality": "Tilburg",
        "type": "context-dependent",
        "context": vector,
        "themes": ["armoede-en-schulden"],
        "owner": vector,
        "organisation": vector,
        "tags": vector,
        "summary": vector,
        "target_group": vector,
        "active_elements": vector,
        "status": "published",
        "level": "",
        "domain": "",
        "evidence": "",
        "year": "2024",
        "body": f"Tekst {vector} einde",
        "comment": vector,
        "preview": "1",
    }
    response = site.writer.post("/lessons/new", data=form)
    assert response.status_code in {200, 422}
    assert_harmless_page(response, "form with its preview")
    refused = site.writer.post("/lessons/new", data=dict(form, municipality=vector, year=vector))
    assert refused.status_code == 422  # the errors quote the input back
    assert_harmless_page(refused, "form with errors")
    preview = site.writer.post("/lessons/preview", data={"body": f"Tekst {vector} einde"})
    assert preview.status_code == 200
    assert_harmless_html(preview.get_data(as_text=True), "live preview")


@pytest.mark.parametrize(
    "dangerous",
    [
        "<script>alert(1)</script>",
        '<script src="https://evil.example/x.js"></script>',
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href="&#0000106&#0000097vascript:alert(1)">x</a>',
        '<a href=" JaVaScRiPt:alert(1)">x</a>',
        '<a href="vbscript:msgbox(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        '<iframe src="https://example.org"></iframe>',
        "<object data=x></object>",
        "<embed src=x>",
        '<base href="https://evil.example/">',
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
        '<p style="color:red">x</p>',
        '<form action="javascript:alert(1)"></form>',
        '<section data-fragment="https://evil.example/x">',
    ],
)
def test_the_checker_catches_what_it_must(dangerous: str) -> None:
    """The checks above would fail if any of this reached a page."""
    assert parse_html(f"<p>tekst</p>{dangerous}").problems


def test_the_checker_accepts_escaped_text_and_our_own_markup() -> None:
    page = (
        '<script src="/static/lesson.js" defer></script><a href="/lessons/x">x</a>'
        '<a href="https://example.org" rel="noopener noreferrer">y</a>'
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;</p>"
        '<input value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">'
    )
    assert parse_html(page).problems == []
