"""Writing through the web forms: create, preview, validation, edit, conflict, history, revert."""

from __future__ import annotations

import html
import re
import warnings
from html.parser import HTMLParser

import pytest
from conftest import login
from sqlalchemy import func, select

from wiki.extensions import db
from wiki.models import Lesson, Revision
from wiki.services import lessons


class FormScraper(HTMLParser):
    """What a browser would submit from the first <form method="post"> with class `cls`."""

    def __init__(self, cls: str) -> None:
        super().__init__(convert_charrefs=True)
        self.cls, self.inside, self.done = cls, False, False
        self.fields: dict[str, list[str]] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._buffer = ""

    def _add(self, name: str, value: str) -> None:
        self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done and self.cls in (a.get("class") or "").split():
            self.inside = True
        if not self.inside:
            return
        kind = a.get("type", "text")
        if tag == "input" and a.get("name") and kind not in ("submit", "button"):
            if kind not in ("checkbox", "radio") or "checked" in a:
                self._add(a["name"], a.get("value") or "")
        elif tag == "textarea":
            self._textarea, self._buffer = a["name"], ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value") or "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._buffer += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            text = self._buffer.replace("\r\n", "\n")
            self._add(self._textarea, text[1:] if text.startswith("\n") else text)  # HTML drops it
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def scrape(page: str, cls: str = "lesson-form") -> dict[str, list[str]]:
    parser = FormScraper(cls)
    parser.feed(page)
    assert parser.fields, "form not found"
    return parser.fields


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def body_of(slug: str, number: int) -> str:
    return lessons.get_revision(lessons.find(slug), number).body


FULL_FORM = {
    "title": "Schuldhulp aan de keukentafel",
    "municipality": "tilburg",
    "type": "generic",
    "context": "",
    "active_elements": "vaste contactpersoon, warme overdracht",
    "themes": ["armoede-en-schulden", "integraal-werken"],
    "level": "household",
    "domain": "social",
    "tags": "a, b",
    "owner": "Wijkteam Tilburg-Noord",
    "organisation": "Gemeente Tilburg",
    "year": "2024",
    "status": "published",
    "evidence": "practice",
    "summary": "Eén vaste schuldhulpmaatje.",
    "target_group": "huishoudens met beginnende schulden",
    "body": "## Aanleiding\n\nDe schulden liepen op.\n\n## Les\n\nVroeg erbij zijn helpt.\n",
    "comment": "Eerste versie",
}


@pytest.fixture
def author(make_user):
    return make_user(role="author", name="Anna Auteur")


@pytest.fixture
def author_client(client, author):
    login(client, author)
    return client


@pytest.fixture
def saved(author_client):
    """A lesson created through the form, revision 1."""
    assert author_client.post("/lessons/new", data=FULL_FORM).status_code == 302
    return "schuldhulp-aan-de-keukentafel"


def test_lesson_form_uses_no_deprecated_wtforms_api(author_client):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = author_client.get("/lessons/new")
    assert response.status_code == 200
    assert [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)] == []


def test_new_redirects_anonymous_to_login(client):
    response = client.get("/lessons/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    response = client.post("/lessons/new", data=FULL_FORM)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert count(Lesson) == 0


def test_reader_gets_403(client, make_user):
    login(client, make_user(role="reader"))
    assert client.get("/lessons/new").status_code == 403
    assert client.post("/lessons/new", data=FULL_FORM).status_code == 403
    assert count(Lesson) == 0


def test_new_form_prefilled_with_template(author_client):
    fields = scrape(author_client.get("/lessons/new").get_data(as_text=True))
    headings = re.findall(r"^## (.+)$", fields["body"][0], re.M)
    assert headings == ["Aanleiding", "Doelen", "Aanpak", "Resultaat", "Geleerde les"]
    assert fields["municipality"] == ["Tilburg"]  # the author's own municipality


def test_author_creates_lesson_with_every_field(author_client, author, saved):
    revision = lessons.current_revision(lessons.find(saved))
    assert revision.number == 1
    assert revision.author_id == author.id
    assert revision.comment == "Eerste versie"
    assert revision.body == FULL_FORM["body"]
    expected = {k: v for k, v in FULL_FORM.items() if k not in ("body", "comment", "context")}
    expected.update(slug=saved, municipality="Tilburg", tags=["a", "b"], year=2024)
    expected["active_elements"] = ["vaste contactpersoon", "warme overdracht"]
    assert revision.front_matter == expected
    page = html.unescape(author_client.get(f"/lessons/{saved}").get_data(as_text=True))
    assert "Revisie 1 door Anna Auteur" in page
    assert "De les is opgeslagen." in page


def test_context_dependent_lesson_via_form(author_client):
    context = {"type": "context-dependent", "context": "Alleen met een sterk wijkteam"}
    assert author_client.post("/lessons/new", data={**FULL_FORM, **context}).status_code == 302
    fm = lessons.current_revision(lessons.find("schuldhulp-aan-de-keukentafel")).front_matter
    assert fm["type"] == "context-dependent" and fm["context"] == "Alleen met een sterk wijkteam"


def test_preview_renders_and_saves_nothing(author_client):
    data = dict(FULL_FORM, body="## Kop\n\nMet **vet** erin.\n", preview="1")
    response = author_client.post("/lessons/new", data=data)
    assert response.status_code == 200
    preview = response.get_data(as_text=True).split('id="preview-body"', 1)[1]
    assert "<strong>vet</strong>" in preview and '<h2 id="h-kop">Kop</h2>' in preview
    assert count(Lesson) == 0 and count(Revision) == 0


def test_preview_endpoint_returns_sanitised_html(author_client):
    body = (
        "**vet** <script>alert(1)</script> [klik](javascript:alert(2)) <img src=x onerror=alert(3)>"
    )
    response = author_client.post("/lessons/preview", data={"body": body})
    assert response.status_code == 200 and response.mimetype == "text/html"
    out = response.get_data(as_text=True)
    assert "<strong>vet</strong>" in out
    assert "<script" not in out and "javascript:" not in out and "onerror" not in out


INVALID = {  # field: (what is posted, the Dutch message shown next to the field)
    "municipality": ({"municipality": "Tilburgg"}, "gemeente 'Tilburgg'; bedoelt u Tilburg"),
    "context": ({"type": "context-dependent"}, "verplicht bij type context-dependent"),
    "year": ({"year": "twintig"}, "'twintig' is geen jaartal"),
}


@pytest.mark.parametrize("field", INVALID)
def test_invalid_input_is_422_with_message_at_field(author_client, field):
    changes, message = INVALID[field]
    body = "## Aanleiding\n\nMijn zorgvuldig getypte tekst.\n"
    response = author_client.post("/lessons/new", data=dict(FULL_FORM, body=body, **changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    errors = re.findall(r'<p class="field-error" id="fout-(\w+)">(.*?)</p>', page)
    assert [name for name, _ in errors] == [field]
    assert message in html.unescape(errors[0][1])
    blocks = re.findall(r'<div class="field has-error">(.*?)</div>', page, re.S)
    assert len(blocks) == 1 and f'name="{field}"' in blocks[0]  # the message sits with its field
    assert scrape(page)["body"] == [body]
    assert count(Lesson) == 0 and count(Revision) == 0


def test_edit_creates_revision_two_and_keeps_one(author_client, saved):
    fields = scrape(author_client.get(f"/lessons/{saved}/edit").get_data(as_text=True))
    assert fields["base_revision"] == ["1"]
    fields["body"] = ["## Aanleiding\n\nNieuwe tekst.\n"]
    fields["comment"] = ["Tekst aangepast"]
    assert author_client.post(f"/lessons/{saved}/edit", data=fields).status_code == 302
    assert lessons.find(saved).revision_number == 2
    assert body_of(saved, 1) == FULL_FORM["body"]
    assert body_of(saved, 2) == "## Aanleiding\n\nNieuwe tekst.\n"


def test_saving_unchanged_content_creates_no_revision(author_client, saved):
    fields = scrape(author_client.get(f"/lessons/{saved}/edit").get_data(as_text=True))
    response = author_client.post(f"/lessons/{saved}/edit", data=fields, follow_redirects=True)
    assert "Er was niets gewijzigd; geen nieuwe revisie." in response.get_data(as_text=True)
    assert lessons.find(saved).revision_number == 1
    assert count(Revision) == 1


def test_browser_resubmitting_unchanged_form_creates_no_revision(author_client, saved):
    fields = scrape(author_client.get(f"/lessons/{saved}/edit").get_data(as_text=True))
    fields["body"] = [fields["body"][0].replace("\n", "\r\n")]  # what every browser sends
    assert author_client.post(f"/lessons/{saved}/edit", data=fields).status_code == 302
    assert lessons.find(saved).revision_number == 1


def revisions_of(web, slug: str) -> list[tuple[int, str, str]]:
    """(number, body, author) of every revision, read in a fresh app context."""
    with web.app_context():
        return [
            (r.number, r.body, r.author_name)
            for r in reversed(lessons.revisions(lessons.find(slug)))
        ]


def test_edit_conflict_shows_merge_screen_and_overwrites_nothing(app_factory, author, make_user):
    # Two people need two sessions: use an app without the fixture's shared app context
    # (its `g` would otherwise carry one client's signed-in user into the other's requests).
    web = app_factory()
    anna, bram = web.test_client(), web.test_client()
    login(anna, author)
    login(bram, make_user(role="author", name="Bram Tweede"))
    assert anna.post("/lessons/new", data=FULL_FORM).status_code == 302
    slug = "schuldhulp-aan-de-keukentafel"
    mine = scrape(anna.get(f"/lessons/{slug}/edit").get_data(as_text=True))
    theirs = scrape(bram.get(f"/lessons/{slug}/edit").get_data(as_text=True))
    assert mine["base_revision"] == theirs["base_revision"] == ["1"]

    first = "## Aanleiding\n\nEerste editor was sneller.\n"
    second = "## Aanleiding\n\nTweede editor typte dit met zorg.\n"
    assert anna.post(f"/lessons/{slug}/edit", data={**mine, "body": [first]}).status_code == 302
    response = bram.post(f"/lessons/{slug}/edit", data={**theirs, "body": [second]})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Bewerkingsconflict" in page and "Anna Auteur" in page
    sources = re.findall(r'<pre class="source">(.*?)</pre>', page, re.S)
    assert len(sources) == 2
    assert "Eerste editor was sneller." in sources[0]
    assert "Tweede editor typte dit met zorg." in sources[1]
    diff_table = re.search(r'<table class="diff">.*?</table>', page, re.S).group(0)
    assert "<del>Eerste</del>" in diff_table and "<ins>Tweede</ins>" in diff_table
    merge_form = scrape(page)
    assert merge_form["body"] == [second]
    assert merge_form["base_revision"] == ["2"]
    assert revisions_of(web, slug) == [
        (1, FULL_FORM["body"], "Anna Auteur"),
        (2, first, "Anna Auteur"),
    ]

    assert bram.post(f"/lessons/{slug}/edit", data=merge_form).status_code == 302
    assert revisions_of(web, slug)[1:] == [(2, first, "Anna Auteur"), (3, second, "Bram Tweede")]


def _edit_body(client, slug: str, body: str) -> None:
    fields = scrape(client.get(f"/lessons/{slug}/edit").get_data(as_text=True))
    fields["body"] = [body]
    assert client.post(f"/lessons/{slug}/edit", data=fields).status_code == 302


def test_history_lists_revisions(author_client, saved):
    _edit_body(author_client, saved, "## Aanleiding\n\nVersie twee.\n")
    page = author_client.get(f"/lessons/{saved}/history").get_data(as_text=True)
    numbers = re.findall(rf'href="/lessons/{saved}/revisions/(\d+)"', page)
    assert numbers == ["2", "1"]
    table = re.search(r'<table class="history">.*?</table>', page, re.S).group(0)
    assert "Eerste versie" in table and table.count("Anna Auteur") == 2


def test_diff_highlights_changed_words_only(author_client, saved):
    changed_body = FULL_FORM["body"].replace("zijn helpt.", "zijn werkt.")
    _edit_body(author_client, saved, changed_body)
    page = author_client.get(f"/lessons/{saved}/diff?from=1&to=2").get_data(as_text=True)
    assert re.findall(r"<ins>(.*?)</ins>", page) == ["werkt"]
    assert re.findall(r"<del>(.*?)</del>", page) == ["helpt"]
    changed = re.findall(r'<tr class="diff-(\w+)">', page)
    assert changed.count("change") == 1 and set(changed) == {"equal", "change"}
    assert "Vroeg erbij zijn <del>helpt</del><ins>werkt</ins>." in page


def test_revert_creates_new_revision_with_old_content(author_client, saved):
    _edit_body(author_client, saved, "## Aanleiding\n\nVersie twee.\n")
    _edit_body(author_client, saved, "## Aanleiding\n\nVersie drie.\n")
    page = author_client.get(f"/lessons/{saved}/history").get_data(as_text=True)
    forms = re.findall(
        rf'action="/lessons/{saved}/revert/(\d+)".*?name="base_revision" value="(\d+)"', page, re.S
    )
    assert forms == [("2", "3"), ("1", "3")]  # no revert button on the current revision
    response = author_client.post(f"/lessons/{saved}/revert/1", data={"base_revision": "3"})
    assert response.status_code == 302
    assert lessons.find(saved).revision_number == 4
    assert body_of(saved, 4) == body_of(saved, 1) == FULL_FORM["body"]
    assert body_of(saved, 3) == "## Aanleiding\n\nVersie drie.\n"
    assert lessons.get_revision(lessons.find(saved), 4).comment == "Teruggezet naar revisie 1"


def test_revert_with_stale_base_creates_nothing(author_client, saved):
    _edit_body(author_client, saved, "## Aanleiding\n\nVersie twee.\n")
    response = author_client.post(
        f"/lessons/{saved}/revert/1", data={"base_revision": "1"}, follow_redirects=True
    )
    assert "Iemand heeft de les intussen gewijzigd" in response.get_data(as_text=True)
    assert lessons.find(saved).revision_number == 2
    assert count(Revision) == 2


def test_revision_rows_are_immutable(make_lesson):
    result = make_lesson(body="Origineel.\n")
    revision = db.session.get(Revision, result.revision.id)
    revision.body = "Stiekem herschreven.\n"
    with pytest.raises(ValueError, match="immutable"):
        db.session.commit()
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Revision, result.revision.id).body == "Origineel.\n"
