"""Markdown the renderer refuses is refused everywhere a lesson is saved or previewed, with a
Dutch message naming the field; the preview needs sign-in and is rate-limited; the CSP keeps
images on the wiki itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PASSWORD, lesson_fields, login
from sqlalchemy import func, select
from sqlalchemy import update as sql_update

from wiki.extensions import db
from wiki.models import Lesson, Revision
from wiki.services import users

BRACKETS = "[" * 4000 + "x" + "]" * 4000  # the body: 12-25 s to render before
DUTCH = "Tekst: de tekst heeft 8000 opmaaktekens"

FORM = {
    "title": "Schuldhulp aan de keukentafel",
    "municipality": "tilburg",
    "type": "generic",
    "active_elements": "vaste contactpersoon",
    "themes": ["armoede-en-schulden"],
    "owner": "Wijkteam Tilburg-Noord",
    "year": "2024",
    "status": "published",
    "level": "household",
    "domain": "social",
    "evidence": "practice",
}


def lesson_count() -> int:
    return db.session.execute(select(func.count()).select_from(Lesson)).scalar_one()


@pytest.fixture
def author(make_user):
    return make_user("author")


def test_web_form_refuses_with_422_and_keeps_the_text(client, author):
    login(client, author)
    response = client.post("/lessons/new", data={**FORM, "body": BRACKETS})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert DUTCH in page
    assert "[[[[[[[[" in page  # the text is still in the form: nothing typed is lost
    assert lesson_count() == 0


def test_web_preview_button_refuses_with_422(client, author):
    login(client, author)
    response = client.post("/lessons/new", data={**FORM, "body": "- " * 20 + "x", "preview": "1"})
    assert response.status_code == 422
    assert "Tekst: op regel 1 zijn lijsten of citaten meer dan 16 niveaus diep genest" in (
        response.get_data(as_text=True)
    )


def test_api_create_and_update_refuse_with_422(client, author):
    headers = {"Authorization": f"Bearer {users.create_token(author.email)}"}
    response = client.post(
        "/api/v1/lessons", json={**lesson_fields(), "markdown": BRACKETS}, headers=headers
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["message"].startswith(DUTCH)
    assert error["fields"]["body"].startswith("de tekst heeft 8000 opmaaktekens")
    assert lesson_count() == 0
    created = client.post("/api/v1/lessons", json=lesson_fields(), headers=headers)
    assert created.status_code == 201
    slug = created.get_json()["slug"]
    response = client.put(
        f"/api/v1/lessons/{slug}",
        json={"markdown": "*" * 100000, "base_revision": 1},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["message"].startswith("Tekst: ")


def test_import_content_rejects_the_file_with_its_reason(app, runner, tmp_path: Path):
    text = "---\ntitle: Haken\nmunicipality: Tilburg\ntype: generic\n"
    text += "themes: [armoede-en-schulden]\nowner: Team\nyear: 2023\n---\n" + BRACKETS + "\n"
    (tmp_path / "haken.md").write_text(text, encoding="utf-8")
    result = runner.invoke(args=["import-content", str(tmp_path)])
    assert result.exit_code == 1
    assert "rejected haken.md: Tekst (body): de tekst heeft 8000 opmaaktekens" in result.output
    assert lesson_count() == 0


def test_preview_needs_sign_in(client):
    response = client.post("/lessons/preview", data={"body": "**vet**"})
    assert response.status_code == 401


def test_preview_refuses_for_readers(client, make_user):
    login(client, make_user("reader"))
    assert client.post("/lessons/preview", data={"body": "**vet**"}).status_code == 403


def test_preview_answers_422_with_the_reason_as_a_paragraph(client, author):
    login(client, author)
    assert "<strong>vet</strong>" in client.post(
        "/lessons/preview", data={"body": "**vet**"}
    ).get_data(as_text=True)
    response = client.post("/lessons/preview", data={"body": BRACKETS})
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert response.get_data(as_text=True).startswith(f'<p class="error">{DUTCH}')


def test_preview_is_rate_limited_per_user(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, PREVIEW_RATE_LIMIT="3 per minute")
    with app.app_context():
        for email in ("a@example.nl", "b@example.nl"):
            users.create_user(email, PASSWORD, "author", "Tilburg")
    one, two = app.test_client(), app.test_client()
    for client, email in ((one, "a@example.nl"), (two, "b@example.nl")):
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302
    codes = [one.post("/lessons/preview", data={"body": "x"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert two.post("/lessons/preview", data={"body": "x"}).status_code == 200  # per user
    assert one.post("/lessons/preview", data={"body": "x"}).status_code == 429


def test_preview_limit_comes_from_the_environment(monkeypatch, app_factory):
    monkeypatch.setenv("LEERWIKI_PREVIEW_RATE_LIMIT", "7 per minute")
    assert app_factory().config["PREVIEW_RATE_LIMIT"] == "7 per minute"


def test_content_security_policy_allows_images_only_from_the_wiki(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives["img-src"] == ["'self'", "data:"]


def test_lesson_page_shows_external_images_as_links(client, make_lesson):
    slug = make_lesson(body="![volgpixel](https://tracker.example/p.gif)\n").lesson.slug
    page = client.get(f"/lessons/{slug}").get_data(as_text=True)
    assert "<img" not in page.split('class="markdown"', 1)[1].split("</article>", 1)[0]
    assert 'href="https://tracker.example/p.gif"' in page and ">volgpixel</a>" in page


def test_a_stored_body_the_renderer_refuses_shows_as_plain_text(client, make_lesson):
    slug = make_lesson().lesson.slug
    db.session.execute(sql_update(Revision).values(body=BRACKETS, html_cache=None, toc_cache=None))
    db.session.commit()
    response = client.get(f"/lessons/{slug}")
    assert response.status_code == 200
    assert '<pre class="unrendered">[[[[' in response.get_data(as_text=True)
