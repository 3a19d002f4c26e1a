"""A draft gives nothing away: no "Bedoelde u" words from it, no link that shows it exists."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.conftest import lesson_fields
from tests.test_revision_privacy import bearer, client_for
from wiki.services import lessons
from wiki.services.validation import validate

DRAFT = "geheim-concept-quokkaplan"


def add(author: Any, status: str, title: str, body: str = "Tekst over schuldhulp.\n") -> str:
    result = lessons.create(validate(lesson_fields(status=status, title=title), body), author)
    return result.lesson.slug


def test_suggestions_come_only_from_lessons_the_reader_may_see(app: Flask, make_user: Any) -> None:
    author = make_user(municipality="Tilburg")
    add(author, "draft", "Geheim concept Quokkaplan")
    add(author, "published", "Schuldhulp aan de keukentafel")
    anonymous = client_for(app, None)
    page = anonymous.get("/search", query_string={"q": "Quokaplan"}).get_data(as_text=True)
    assert "quokkaplan" not in page.lower().replace("quokaplan", "")
    api = anonymous.get("/api/v1/search", query_string={"q": "Quokaplan"}).get_json()
    assert api["suggestion"] is None
    reader = make_user(role="reader", municipality=None)
    assert (
        app.test_client()
        .get("/api/v1/search", query_string={"q": "Quokaplan"}, headers=bearer(reader))
        .get_json()["suggestion"]
        is None
    )
    # Its own municipality's author may see the draft, so the word is offered to them.
    own = app.test_client().get(
        "/api/v1/search", query_string={"q": "Quokaplan"}, headers=bearer(author)
    )
    assert own.get_json()["suggestion"] == "quokkaplan"
    own_page = client_for(app, author).get("/search", query_string={"q": "Quokaplan"}).text
    assert "Bedoelde u" in own_page and "quokkaplan" in own_page
    # Words of visible lessons are still offered to everyone.
    assert (
        anonymous.get("/api/v1/search", query_string={"q": "keukentafell"}).get_json()["suggestion"]
        == "keukentafel"
    )


def test_preview_shows_a_hidden_draft_as_missing(app: Flask, make_user: Any) -> None:
    author = make_user(municipality="Tilburg")
    add(author, "draft", "Geheim concept Quokkaplan")
    body = f"Zie [[{DRAFT}]] en [[bestaat-echt-niet]]."
    outsider = client_for(app, make_user(municipality="Breda"))
    html = outsider.post("/lessons/preview", data={"body": body}).get_data(as_text=True)
    assert f'class="wikilink missing" href="/lessons/new?slug={DRAFT}"' in html
    insider = client_for(app, author)
    html = insider.post("/lessons/preview", data={"body": body}).get_data(as_text=True)
    assert f'class="wikilink" href="/lessons/{DRAFT}"' in html


def test_the_shared_render_of_a_public_lesson_follows_the_target_being_public(
    app: Flask, make_user: Any
) -> None:
    author = make_user(municipality="Tilburg")
    add(author, "draft", "Geheim concept Quokkaplan")
    linking = add(author, "published", "Verwijzende les", f"Zie [[{DRAFT}]].\n")
    anonymous = client_for(app, None)
    missing = f'class="wikilink missing" href="/lessons/new?slug={DRAFT}"'
    present = f'class="wikilink" href="/lessons/{DRAFT}"'
    assert missing in anonymous.get(f"/lessons/{linking}").text
    assert missing in anonymous.get(f"/api/v1/lessons/{linking}").get_json()["html"]
    draft = lessons.find(DRAFT)
    assert draft is not None
    data = validate(
        lesson_fields(status="published", title="Geheim concept Quokkaplan"), "Nu openbaar.\n"
    )
    lessons.update(DRAFT, data, 1, author)
    assert present in anonymous.get(f"/lessons/{linking}").text
    data.status = "archived"
    lessons.update(DRAFT, data, 2, author)
    assert missing in anonymous.get(f"/lessons/{linking}").text
