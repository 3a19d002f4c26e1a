"""Search through the real Whoosh index, the JSON API and the /search page."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from wiki.services import lessons, users


@pytest.fixture
def add(make_lesson: Any) -> Any:
    """add(slug, body, **fields): a lesson whose title/owner/tags cannot match by accident."""

    def build(slug: str, body: str, **fields: Any) -> str:
        fields.setdefault("title", f"Casus {slug}")
        fields.setdefault("owner", "Team Noord")
        fields.setdefault("tags", [])
        make_lesson(body=body + "\n", slug=slug, **fields)
        return slug

    return build


def api(client: Any, headers: dict[str, str] | None = None, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/search", query_string=params, headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()  # type: ignore[no-any-return]


def bearer(make_user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {users.create_token(make_user(role='author').email)}"}


def found(client: Any, q: str, **params: Any) -> set[str]:
    return {hit["slug"] for hit in api(client, q=q, per_page=100, **params)["hits"]}


ANALYSER = [
    ("Onze wijkteams werken samen.", "wijkteam"),
    ("Het wijkteam werkt samen.", "wijkteams"),
    ("Wij spreken jongeren aan op straat.", "jongere"),
    ("Goede coördinatie is nodig.", "coordinatie"),
    ("Een geïntegreerd plan.", "geintegreerd"),
    ("Een plek in de crèche.", "creche"),  # è: the Snowball stemmer itself does not fold it
    ("Gericht op re-integratie.", "integratie"),
    ("Steun voor jeugd-/gezinszorg.", "gezinszorg"),
    ("Dit is **cruciaal** voor iedereen.", "cruciaal"),
]


@pytest.mark.parametrize(("body", "query"), ANALYSER)
def test_analyser_matches_word_forms(client: Any, add: Any, body: str, query: str) -> None:
    add("doel", body)
    add("ruis", "Een gesprek over het weer en de trein.")
    assert found(client, query) == {"doel"}


@pytest.mark.parametrize("query", ["de schuldhulp", "schuldhulp aan de keukentafel"])
def test_stop_words_do_not_block_matches(client: Any, add: Any, query: str) -> None:
    add("doel", "Vroeg beginnen met schuldhulp aan de keukentafel.")
    add("ruis", "Een gesprek over het weer en de trein.")
    assert found(client, query) == {"doel"}


# Common words of the domain; "lijken" makes "-elijk" adjectives look like compounds.
VOCABULARY = (
    "verzekering kosten hulpverlening eiser gever plaats zorg lijken team werk opvang arts "
    "verlener vesting huis kracht ondersteuning"
)
# query -> (word of one lesson, should the query find it?); "buurten" is a plural, not a
# compound, and must be found anyway. Expected misses: linking "er" (kinderopvang), a rest
# whose stem is not in the vocabulary (huisvesting, huisarts). Expected false hits: "-elijk"
# adjectives split as e + "lijk" (stem of "lijken").
# fmt: off
COMPOUNDS = {
    "zorg": [("zorgverzekering", True), ("zorgkosten", True), ("zorgverlener", True),
             ("zorgvuldig", False), ("zorgelijk", False)],
    "schuld": [("schuldhulpverlening", True), ("schuldeiser", True), ("schuldig", False)],
    "werk": [("werkgever", True), ("werkplaats", True), ("werkelijk", False)],
    "huis": [("huisvesting", True), ("huisarts", True), ("huiselijk", False)],
    "jeugd": [("jeugdzorg", True), ("jeugdwerk", True), ("jeugdig", False)],
    "buurt": [("buurtteam", True), ("buurthuis", True), ("buurten", True)],
    "wijk": [("wijkkracht", True), ("wijkteam", True)],
    "kind": [("kinderopvang", True), ("kindvriendelijk", True)],
    "mantelzorg": [("mantelzorgondersteuning", True)],
}
# fmt: on


def test_compound_expansion_and_its_precision(client: Any, add: Any) -> None:
    add("woordenschat", VOCABULARY)
    truth = {}
    for pairs in COMPOUNDS.values():
        for word, relevant in pairs:
            truth[add(f"c-{word}", f"Wij noemen hier {word} als voorbeeld.")] = relevant
    assert "c-schuldhulpverlening" in found(client, "schuld")
    assert found(client, "mantelzorg") == {"c-mantelzorgondersteuning"}
    zorg = found(client, "zorg")
    assert "c-zorgverzekering" in zorg and "c-zorgvuldig" not in zorg
    retrieved = relevant_retrieved = 0
    for query, pairs in COMPOUNDS.items():
        candidates = {f"c-{word}" for word, _ in pairs}
        hits = found(client, query) & candidates
        retrieved += len(hits)
        relevant_retrieved += sum(truth[slug] for slug in hits)
    precision = relevant_retrieved / retrieved
    recall = relevant_retrieved / sum(truth.values())
    print(f"compound precision {precision:.2f} of {retrieved} hits, recall {recall:.2f}")
    assert precision >= 0.8
    assert recall >= 0.6


@pytest.fixture
def corpus(add: Any) -> None:
    add("a", "Een vaste contactpersoon voor schuldhulp in het wijkteam.")
    add("b", "De contactpersoon is niet altijd vast; schuldhulp gaat door.")
    # fmt: off
    add("c", "Een buurtcoach helpt bij schuldhulp.", municipality="Den Haag",
        themes=["onderwijs"], type="context-dependent", context="Alleen in grote steden.")
    # fmt: on
    add("d", "Schuldhulp met een buurtcoach in het zuiden.", municipality="Maastricht")


# fmt: off
SYNTAX = [  # query, URL filters, expected slugs
    ("schuldhulp wijkteam", {}, {"a"}),
    ('"vaste contactpersoon"', {}, {"a"}),
    ("contactpersoon vast", {}, {"a", "b"}),
    ("wijkteam OR buurtcoach", {}, {"a", "c", "d"}),
    ("schuldhulp -buurtcoach", {}, {"a", "b"}),
    ("schuldhulp gemeente:Tilburg", {}, {"a", "b"}),
    ('gemeente:"Den Haag" schuldhulp', {}, {"c"}),
    ("thema:onderwijs", {}, {"c"}),
    ("type:generiek schuldhulp", {}, {"a", "b", "d"}),
    ("provincie:Limburg", {}, {"d"}),
    ("schuldhulp", {"municipality": "Den Haag"}, {"c"}),
    ("schuldhulp", {"municipality": "tilburg"}, {"a", "b"}),
    ("schuldhulp", {"province": "Limburg"}, {"d"}),
    ("schuldhulp", {"theme": "onderwijs"}, {"c"}),
    ("schuldhulp", {"type": "generic"}, {"a", "b", "d"}),
    ("buurtcoach", {"type": "generic", "province": "Limburg"}, {"d"}),
]
# fmt: on


@pytest.mark.parametrize(("query", "params", "expected"), SYNTAX)
def test_query_syntax_and_filters(
    client: Any, corpus: None, query: str, params: dict[str, str], expected: set[str]
) -> None:
    assert found(client, query, **params) == expected


def test_filter_words_are_resolved(client: Any, corpus: None) -> None:
    data = api(client, q='gemeente:"Den Haag" thema:onderwijs type:contextafhankelijk')
    assert data["filters"] == {
        "municipality": "'s-Gravenhage",
        "theme": "onderwijs",
        "type": "context-dependent",
    }
    assert data["query"] == "" and data["total"] == 1 and data["messages"] == []


@pytest.mark.parametrize(
    "params",
    [{"q": "schuldhulp gemeente:Atlantis"}, {"q": "schuldhulp", "municipality": "Atlantis"}],
)
def test_unknown_filter_value_gives_a_message(client: Any, corpus: None, params: Any) -> None:
    data = api(client, **params)
    assert data["total"] == 4 and data["filters"] == {}
    assert len(data["messages"]) == 1 and "Atlantis" in data["messages"][0]
    page = client.get("/search", query_string=params)
    assert page.status_code == 200 and "Atlantis" in page.get_data(as_text=True)


def test_facets_count_all_matches_and_paging_is_exact(client: Any, add: Any) -> None:
    places = ["Tilburg"] * 10 + ["Maastricht"] * 8 + ["Den Haag"] * 7
    for i, place in enumerate(places):
        extra: dict[str, Any] = {"municipality": place}
        if i % 3 == 0:
            extra.update(type="context-dependent", context="Alleen met een wijkteam.")
        if i % 2 == 0:
            extra["themes"] = ["armoede-en-schulden", "onderwijs"]
        add(f"les-{i:02d}", "Gesprekken over schuldhulp.", **extra)
    add("anders", "Iets heel anders.")
    first = api(client, q="schuldhulp", per_page=5)
    facets = first["facets"]
    assert first["total"] == 25 and len(first["hits"]) == 5
    assert facets["municipality"] == {"Tilburg": 10, "Maastricht": 8, "'s-Gravenhage": 7}
    assert facets["province"] == {"Noord-Brabant": 10, "Limburg": 8, "Zuid-Holland": 7}
    assert facets["type"] == {"context-dependent": 9, "generic": 16}
    assert facets["theme"] == {"armoede-en-schulden": 25, "onderwijs": 13}
    seen: list[str] = []
    for page in range(1, 6):
        data = api(client, q="schuldhulp", per_page=5, page=page)
        assert data["total"] == 25 and data["page"] == page and len(data["hits"]) == 5
        seen += [hit["slug"] for hit in data["hits"]]
    assert len(set(seen)) == 25
    assert seen[:5] == [hit["slug"] for hit in first["hits"]]
    assert api(client, q="schuldhulp", per_page=5, page=6)["hits"] == []


def test_sort_newest_follows_updated_time(client: Any, add: Any) -> None:
    for slug in ("oud", "midden", "nieuw"):
        add(slug, "Schuldhulp voor iedereen.")
    lesson = lessons.find("oud")
    data = lessons.input_of(lessons.current_revision(lesson))
    data.body += "\nAangevuld.\n"
    lessons.update("oud", data, 1, None, "bijgewerkt", "test")
    hits = api(client, q="schuldhulp", sort="newest")["hits"]
    assert [hit["slug"] for hit in hits] == ["oud", "nieuw", "midden"]


def test_suggestion_for_a_misspelling_and_none_for_a_known_word(client: Any, add: Any) -> None:
    for i in range(4):
        add(f"les-{i}", "Vroege schuldhulpverlening werkt.")
    wrong = api(client, q="schuldhulpverleneng")
    assert wrong["total"] == 0
    assert "schuldhulpverlening" in wrong["suggestion"]
    right = api(client, q="schuldhulpverlening")
    assert right["total"] == 4 and right["suggestion"] is None
    page = client.get("/search", query_string={"q": "schuldhulpverleneng"}).get_data(as_text=True)
    assert "Bedoelde u" in page and "schuldhulpverlening" in page


# fmt: off
HOSTILE = [
    '"schuldhulp', 'schuldhulp "wijk', "AND", "OR", "NOT", "AND OR NOT", "*", "?", "schuld*",
    "\x00\x01", "schuldhulp " * 1000, "a" * 10_000, "((((", "))", "title:", "-", "+", "- -",
    "🙂🙂", "'; DROP TABLE lessons; --", "\u202eمرحبا بالعالم\u202c", "gemeente:", 'thema:"',
    "~2 ^3", "schuldhulp~", "[a TO z]", "{}", "\\", "", "   ",
]
# fmt: on


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_fail(client: Any, add: Any, query: str) -> None:
    add("doel", "Schuldhulp in de wijk.")
    if "\x00" in query:  # the API refuses a NUL by name (its document's text pattern)
        answer = client.get("/api/v1/search", query_string={"q": query})
        assert answer.status_code == 400
        assert answer.get_json()["error"]["parameter"] == "q"
    else:
        data = api(client, q=query)
        assert isinstance(data["total"], int) and data["total"] == len(data["hits"])
    page = client.get("/search", query_string={"q": query})
    assert page.status_code == 200


def test_drafts_hidden_from_anonymous_but_found_with_a_token(
    client: Any, add: Any, make_user: Any
) -> None:
    add("openbaar", "Geheimzinnige aanpak.")
    add("concept", "Geheimzinnige aanpak in concept.", status="draft")
    anonymous = api(client, q="geheimzinnige")
    assert [hit["slug"] for hit in anonymous["hits"]] == ["openbaar"]
    assert anonymous["total"] == 1 and anonymous["facets"]["type"] == {"generic": 1}
    page = client.get("/search", query_string={"q": "geheimzinnige"}).get_data(as_text=True)
    assert "Casus concept" not in page and "Casus openbaar" in page
    signed = api(client, headers=bearer(make_user), q="geheimzinnige")
    assert {hit["slug"] for hit in signed["hits"]} == {"openbaar", "concept"}
    assert signed["total"] == 2 and signed["facets"]["type"] == {"generic": 2}


def test_search_page_shows_titles_marks_and_removable_chips(client: Any, corpus: None) -> None:
    params = {"q": "buurtcoach", "municipality": "Den Haag", "theme": "onderwijs"}
    response = client.get("/search", query_string=params)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Casus c" in html and "Casus d" not in html
    assert "<mark>buurtcoach</mark>" in html
    # Each chip links to the same search without its own filter, keeping the other one.
    chips = {
        frozenset(parse_qsl(urlsplit(unescape(href)).query))
        for href in re.findall(r'<a class="chip" href="([^"]+)"', html)
    }
    same = {("q", "buurtcoach"), ("sort", "relevance")}
    assert chips == {
        frozenset(same | {("theme", "onderwijs")}),
        frozenset(same | {("municipality", "'s-Gravenhage")}),
    }


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("<script>alert(1)</script> schuldhulp en <b>vet</b>", None),  # the sanitiser drops it
        ("Code: `<script>alert(1)</script>` en schuldhulp", "&lt;script&gt;alert(1)"),
    ],
)
def test_highlights_are_escaped(client: Any, add: Any, body: str, shown: str | None) -> None:
    add("xss", body)
    highlight = api(client, q="schuldhulp")["hits"][0]["highlight"]
    assert "<mark>schuldhulp</mark>" in highlight
    assert "<script" not in highlight and "<b>" not in highlight
    assert shown is None or shown in highlight
    html = client.get("/search", query_string={"q": "schuldhulp"}).get_data(as_text=True)
    assert "<script" not in html and "<mark>schuldhulp</mark>" in html
    assert shown is None or shown in html


def test_lesson_page_lists_similar_lessons_from_other_municipalities_first(
    client: Any, add: Any
) -> None:
    text = "Respijtzorg voor mantelzorgers: logeerhuis, dagopvang en weekendopvang. "
    add("eigen", text + "Respijtzorg en logeerhuis in Tilburg.")
    add("buur", text + "Respijtzorg en dagopvang ook hier.")
    add("elders", text + "Respijtzorg en weekendopvang ook daar.", municipality="Amsterdam")
    add("los", "Iets over fietsenstallingen en parkeren.", municipality="Amsterdam")
    add("concept", text + "Respijtzorg in concept.", municipality="Utrecht", status="draft")
    html = client.get("/lessons/eigen").get_data(as_text=True)
    assert "Vergelijkbare lessen" in html and 'href="/lessons/eigen/related"' in html
    fragment = client.get("/lessons/eigen/related", query_string={"fragment": 1})
    assert fragment.status_code == 200
    listed = re.findall(r'href="/lessons/([^"]+)"', fragment.get_data(as_text=True))
    assert listed == ["elders", "buur"]  # other municipality first, no draft, nothing unrelated
    page = client.get("/lessons/eigen/related").get_data(as_text=True)
    assert "<h1>Vergelijkbare lessen</h1>" in page
    assert page.index('"/lessons/elders"') < page.index('"/lessons/buur"')


def test_update_via_api_leaves_one_hit_with_the_new_title(
    client: Any, add: Any, make_user: Any
) -> None:
    add("wijzig", "Schuldhulp bij de voordeur.", title="Oude titel")
    add("ander", "Schuldhulp op het werk.")
    edit = {"title": "Nieuwe titel", "base_revision": 1}
    response = client.put("/api/v1/lessons/wijzig", json=edit, headers=bearer(make_user))
    assert response.status_code == 200, response.get_data(as_text=True)
    data = api(client, q="schuldhulp")
    hits = sorted((hit["slug"], hit["title"]) for hit in data["hits"])
    assert data["total"] == 2 and hits == [("ander", "Casus ander"), ("wijzig", "Nieuwe titel")]
    assert api(client, q="oude titel")["total"] == 0
    assert [hit["slug"] for hit in api(client, q="nieuwe titel")["hits"]] == ["wijzig"]


def test_total_is_exact_when_a_filter_matches_nothing(client: Any, add: Any) -> None:
    for i in range(30):
        add(f"les-{i}", "Schuldhulp in de wijk.")
    assert api(client, q="schuldhulp")["total"] == 30
    data = api(client, q="schuldhulp", municipality="Amsterdam")
    assert data["filters"] == {"municipality": "Amsterdam"}
    assert (data["total"], data["hits"]) == (0, [])
    assert data["facets"] == {"municipality": {}, "province": {}, "type": {}, "theme": {}}
    assert api(client, q="schuldhulp", type="context-dependent")["total"] == 0
    assert api(client, q="onbestaandwoord")["total"] == 0
    assert api(client, q="", province="Groningen")["total"] == 0
