"""HTML pages through the test client: home, lesson page, wiki links, browsing, feed, drafts."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

import pytest
from conftest import lesson_fields, login
from sqlalchemy import select

from wiki.extensions import db
from wiki.models import Lesson, Revision
from wiki.services import lessons
from wiki.services.validation import validate

ATOM = "{http://www.w3.org/2005/Atom}"


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


def chart(page: str, title: str) -> str:
    """The <figure> of one home-page chart."""
    caption = rf'<figure class="chart">\s*<figcaption>{re.escape(title)}</figcaption>'
    match = re.search(caption + r"(.*?)</figure>", page, re.S)
    assert match, f"chart {title!r} missing"
    return match.group(1)


def bar_values(figure: str) -> dict[str, int]:
    return {
        label: int(value) for label, value in re.findall(r"<title>(.*?): (\d+)</title>", figure)
    }


@pytest.fixture
def three_lessons(make_lesson):
    make_lesson(title="Schuldhulp Tilburg", themes=["armoede-en-schulden", "integraal-werken"])
    make_lesson(
        title="Jongeren aan het werk in Breda", municipality="Breda", themes=["werk-en-inkomen"]
    )
    make_lesson(
        title="Buurtkamer Groningen",
        municipality="Groningen",
        type="context-dependent",
        context="Werkt alleen met een sterke buurtvereniging",
        active_elements=None,
        themes=["participatie-en-eenzaamheid", "armoede-en-schulden"],
    )


def test_home_shows_recent_lessons_and_three_charts_with_true_counts(client, three_lessons):
    page = text_of(client.get("/"))
    for title in ("Schuldhulp Tilburg", "Jongeren aan het werk in Breda", "Buurtkamer Groningen"):
        assert title in page
    assert page.count("<svg") == 3
    assert "3 lessen uit 2 provincies." in page
    assert bar_values(chart(page, "Lessen per type")) == {"Generiek": 2, "Contextafhankelijk": 1}
    themes = bar_values(chart(page, "Lessen per thema"))
    assert themes["Armoede en schulden"] == 2
    assert themes["Werk en inkomen"] == 1
    assert themes["Participatie en eenzaamheid"] == 1
    assert themes["Integraal werken en samenwerking"] == 1
    assert themes["Onderwijs"] == 0
    assert len(themes) == 13
    provinces = bar_values(chart(page, "Lessen per provincie"))
    assert provinces["Noord-Brabant"] == 2
    assert provinces["Groningen"] == 1
    assert provinces["Utrecht"] == 0
    assert len(provinces) == 12


def test_lesson_page_renders_markdown_toc_and_metadata(client, make_lesson, make_user):
    author = make_user(name="Anna de Vries", municipality="'s-Hertogenbosch")
    body = (
        "## Aanleiding\n\nDe **schulden** liepen op.\n\n"
        "## Aanpak\n\n- keukentafel\n- wijkteam\n\n## Geleerde les\n\nVroeg erbij zijn.\n"
    )
    make_lesson(
        body=body,
        author=author,
        title="Schuldhulp aan de keukentafel",
        municipality="Den Bosch",
        themes=["armoede-en-schulden", "integraal-werken"],
        level="household",
        domain="social",
        owner="Wijkteam Noord",
        year=2023,
        active_elements=["vaste contactpersoon", "warme overdracht"],
    )
    page = text_of(client.get("/lessons/schuldhulp-aan-de-keukentafel"))
    assert "<strong>schulden</strong>" in page
    assert "<li>keukentafel</li>" in page
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0)
    assert re.findall(r'<a href="#([^"]+)">([^<]+)</a>', toc) == [
        ("h-aanleiding", "Aanleiding"),
        ("h-aanpak", "Aanpak"),
        ("h-geleerde-les", "Geleerde les"),
    ]
    assert '<h2 id="h-aanpak">Aanpak</h2>' in page
    meta = re.search(r'<aside class="lesson-meta".*?</aside>', page, re.S).group(0)
    assert "GENERIEK" in meta and "CONTEXTAFHANKELIJK" not in meta
    assert "<li>vaste contactpersoon</li>" in meta and "<li>warme overdracht</li>" in meta
    assert "<dd>Noord-Brabant</dd>" in meta
    assert ">'s-Hertogenbosch</a>" in meta
    assert ">Armoede en schulden</a>, " in meta and ">Integraal werken en samenwerking</a>" in meta
    assert "<dd>Huishouden</dd>" in meta
    assert "<dd>Sociaal domein</dd>" in meta
    assert "<dd>Wijkteam Noord</dd>" in meta
    assert "<dd>2023</dd>" in meta
    assert "<dd>Gepubliceerd</dd>" in meta
    assert "Revisie 1 door Anna de Vries" in meta


def test_context_dependent_lesson_shows_badge_and_context(client, make_lesson):
    make_lesson(
        title="Buurtkamer",
        type="context-dependent",
        active_elements=None,
        context="Alleen met een actieve buurtvereniging",
        status="published",
    )
    meta = re.search(
        r'<aside class="lesson-meta".*?</aside>', text_of(client.get("/lessons/buurtkamer")), re.S
    ).group(0)
    assert "CONTEXTAFHANKELIJK" in meta and "GENERIEK" not in meta
    assert "Alleen met een actieve buurtvereniging" in meta
    assert "Werkzame elementen" not in meta


def test_backlinks_and_last_revision(client, make_lesson):
    make_lesson(title="Lesson A", slug="les-a")
    make_lesson(title="Lesson B", slug="les-b", body="Zie ook [[les-a]].\n")
    make_lesson(title="Lesson C", slug="les-c", body="Niets.\n")
    page = text_of(client.get("/lessons/les-a"))
    backlinks = page.split("Verwijzingen hierheen", 1)[1]
    assert 'href="/lessons/les-b">Lesson B</a>' in backlinks
    assert "Lesson C" not in backlinks
    assert "Verwijzingen hierheen" not in text_of(client.get("/lessons/les-c"))


def anchor(page: str, label: str) -> dict[str, str]:
    """The attributes of the one <a> whose text is `label`."""
    found = re.findall(r"<a ([^>]*)>" + re.escape(label) + "</a>", page)
    assert len(found) == 1, found
    return {k: html.unescape(v) for k, v in re.findall(r'([\w-]+)="([^"]*)"', found[0])}


def test_wiki_links_existing_and_missing_then_created(client, make_lesson):
    make_lesson(title="Bestaande les", slug="bestaande-les")
    make_lesson(
        title="Verwijzer",
        slug="verwijzer",
        body="Zie [[bestaande-les]] en [[missing-slug|nog te schrijven]].\n",
    )
    page = client.get("/lessons/verwijzer").get_data(as_text=True)
    existing = anchor(page, "bestaande-les")
    assert existing["class"].split() == ["wikilink"]
    assert existing["href"] == "/lessons/bestaande-les"
    missing = anchor(page, "nog te schrijven")
    assert "missing" in missing["class"].split()
    assert missing["href"] == "/lessons/new?slug=missing-slug"

    make_lesson(title="Missing slug", slug="missing-slug")  # the cached render must be dropped
    page = client.get("/lessons/verwijzer").get_data(as_text=True)
    created = anchor(page, "nog te schrijven")
    assert created["class"].split() == ["wikilink"]
    assert created["href"] == "/lessons/missing-slug"


def test_a_new_lesson_renders_the_pages_linking_to_it(app, client, make_lesson):
    """Saving the link target renders the current text of the pages linking to it at once (a
    first visitor would otherwise render and write); older revisions render when shown."""
    make_lesson(title="Verwijzer", slug="verwijzer", body="Zie [[later]].\n")
    data = validate(lesson_fields(title="Verwijzer", slug="verwijzer"), "Nog steeds [[later]].\n")
    lessons.update("verwijzer", data, 1, None, "tweede versie", "test")
    make_lesson(title="Later", slug="later")
    cached = dict(
        db.session.execute(
            select(Revision.number, Revision.html_cache)
            .join(Lesson)
            .where(Lesson.slug == "verwijzer")
        ).all()
    )
    assert cached[1] is None
    assert cached[2] is not None
    assert 'href="/lessons/later"' in cached[2] and "missing" not in cached[2]
    old = client.get("/lessons/verwijzer/revisions/1").get_data(as_text=True)
    assert anchor(old, "later")["class"].split() == ["wikilink"]


def test_municipality_index_grouped_by_province(client, three_lessons):
    page = text_of(client.get("/municipalities/"))
    sections = dict(
        re.findall(r'<h2 id="p-\d+"><a href="[^"]+">([^<]+)</a></h2>(.*?)</section>', page, re.S)
    )
    assert len(sections) == 12
    assert '>Tilburg</a> <span class="count">(1)</span>' in sections["Noord-Brabant"]
    assert '>Breda</a> <span class="count">(1)</span>' in sections["Noord-Brabant"]
    assert '>Groningen</a> <span class="count">(1)</span>' in sections["Groningen"]
    assert ">Tilburg</a>" not in sections["Groningen"]
    assert ">Utrecht</a>" in sections["Utrecht"]


def test_municipality_page_splits_generic_and_context_dependent(client, make_lesson):
    make_lesson(title="Generieke les")
    make_lesson(
        title="Maatwerk les", type="context-dependent", context="Alleen hier", active_elements=None
    )
    page = text_of(client.get("/municipalities/Tilburg"))
    generic, specific = page.split("Contextafhankelijke lessen", 1)
    generic = generic.split("Generieke lessen", 1)[1]
    assert "Generieke les</a>" in generic and "Maatwerk les" not in generic
    assert "Maatwerk les</a>" in specific and "Generieke les" not in specific
    assert "(1)" in generic and "(1)" in specific


def test_municipality_alias_url(client, make_lesson):
    make_lesson(title="Bossche aanpak", municipality="'s-Hertogenbosch")
    page = text_of(client.get("/municipalities/Den%20Bosch"))
    assert "<h1>'s-Hertogenbosch</h1>" in page
    assert "Bossche aanpak" in page


def test_province_theme_and_tag_pages(client, three_lessons):
    province = text_of(client.get("/provinces/Noord-Brabant"))
    assert "Schuldhulp Tilburg" in province and "Jongeren aan het werk in Breda" in province
    assert "Buurtkamer Groningen" not in province
    theme = text_of(client.get("/themes/armoede-en-schulden"))
    assert "Thema: Armoede en schulden" in theme and "2 lessen." in theme
    assert "Schuldhulp Tilburg" in theme and "Buurtkamer Groningen" in theme
    assert "Jongeren aan het werk" not in theme
    tag = text_of(client.get("/tags/wijkteam"))
    assert tag.count('class="lesson-title"') == 3


def test_tag_page_lists_only_tagged_lessons(client, make_lesson):
    make_lesson(title="Met tag", tags=["vroegsignalering", "wijkteam"])
    make_lesson(title="Zonder tag", tags=["anders"])
    page = text_of(client.get("/tags/vroegsignalering"))
    assert "Met tag" in page and "Zonder tag" not in page
    index = text_of(client.get("/tags/"))
    assert 'vroegsignalering</a> <span class="count">(1)</span>' in index


@pytest.mark.parametrize(
    "url",
    [
        "/themes/bestaat-niet",
        "/municipalities/Atlantis",
        "/tags/onbekend",
        "/provinces/Vlaanderen",
        "/lessons/bestaat-niet",
    ],
)
def test_unknown_pages_are_404(client, make_lesson, url):
    make_lesson()
    assert client.get(url).status_code == 404


def test_recent_changes_lists_revisions(client, make_lesson, make_user):
    author = make_user(name="Bert")
    make_lesson(title="Eerste les", author=author)
    make_lesson(title="Tweede les")
    page = text_of(client.get("/recent"))
    rows = re.findall(r"<tr>\s*<td>.*?</tr>", page, re.S)
    assert len(rows) == 2
    assert "Tweede les" in rows[0] and "Eerste les" in rows[1]
    assert "Bert" in rows[1] and "1 (nieuw)" in rows[1]


def test_atom_feed_is_well_formed_with_entries(client, make_lesson):
    make_lesson(title="Armoede & <schulden> aanpak", slug="armoede-schulden")
    make_lesson(title="Tweede les")
    response = client.get("/recent.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)  # noqa: S314 - our own output, parsed to check it
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}id").text and root.find(f"{ATOM}updated").text
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert titles == ["Tweede les (revisie 1)", "Armoede & <schulden> aanpak (revisie 1)"]
    for entry in entries:
        assert entry.find(f"{ATOM}id").text and entry.find(f"{ATOM}updated").text
        assert entry.find(f"{ATOM}link").get("href").startswith("http://localhost/lessons/")


def test_drafts_hidden_from_anonymous_visitors(client, make_lesson, make_user):
    make_lesson(title="Openbare les", tags=["gedeeld"])
    make_lesson(
        title="Geheime concept les", slug="concept", status="draft", tags=["gedeeld", "geheim"]
    )
    assert client.get("/lessons/concept").status_code == 404
    assert client.get("/lessons/concept/source").status_code == 404
    assert client.get("/lessons/concept/history").status_code == 404
    for url in (
        "/",
        "/lessons/",
        "/recent",
        "/municipalities/Tilburg",
        "/provinces/Noord-Brabant",
        "/themes/armoede-en-schulden",
        "/tags/gedeeld",
    ):
        page = text_of(client.get(url))
        assert "Openbare les" in page, url
        assert "Geheime concept" not in page, url
    assert client.get("/tags/geheim").status_code == 404
    assert "1 les uit 1 provincie." in text_of(client.get("/"))
    assert "Geheime" not in client.get("/recent.atom").get_data(as_text=True)

    login(client, make_user(role="author"))
    page = text_of(client.get("/lessons/concept"))
    assert "Geheime concept les" in page and "Concept" in page
    for url in ("/", "/recent", "/municipalities/Tilburg", "/tags/gedeeld"):
        assert "Geheime concept les" in text_of(client.get(url)), url
    # the feed is for anonymous feed readers, whoever asks
    assert "Geheime" not in client.get("/recent.atom").get_data(as_text=True)


def test_draft_backlink_hidden_from_anonymous(client, make_lesson):
    make_lesson(title="Doel", slug="doel")
    make_lesson(title="Concept verwijzer", status="draft", body="[[doel]]\n")
    assert "Concept verwijzer" not in text_of(client.get("/lessons/doel"))


def test_source_returns_markdown_file(client, make_lesson):
    make_lesson(title="Bronles", slug="bronles", body="## Aanleiding\n\nTekst met *nadruk*.\n")
    response = client.get("/lessons/bronles/source")
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    text = response.get_data(as_text=True)
    assert text.startswith(
        "---\ntitle: Bronles\nslug: bronles\nmunicipality: Tilburg\ntype: generic\n"
    )
    assert "\n---\n\n## Aanleiding\n\nTekst met *nadruk*.\n" in text
    assert text.endswith("Tekst met *nadruk*.\n")


def test_a_plain_lesson_page_asks_the_database_twice_and_shows_the_latest_revision(
    app, client, make_lesson
) -> None:
    """Lesson and current revision come in one query, the optional parts' existence in a
    second; nothing else is asked for a lesson that has none of them. After an edit the
    page shows the new revision, never the one before."""
    from sqlalchemy import event

    made = make_lesson(title="Twee vragen", slug="twee-vragen", body="Eerste versie.\n")
    data = validate(lesson_fields(title="Twee vragen"), "Tweede versie.\n")
    lessons.update("twee-vragen", data, made.lesson.revision_number, None, "", "test")
    client.get("/lessons/twee-vragen")  # first request: the app's own set-up queries
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        page = text_of(client.get("/lessons/twee-vragen"))
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert "Tweede versie." in page and "Eerste versie." not in page
    assert len(statements) == 2, statements
