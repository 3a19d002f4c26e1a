"""With CSRF protection switched on: forms need their token, the Bearer API does not; headers."""

from __future__ import annotations

import re

import pytest
from conftest import PASSWORD, lesson_fields
from sqlalchemy import func, select

from wiki.extensions import db
from wiki.models import Lesson, Revision
from wiki.services import users

LESSON_FORM = {
    "title": "Beveiligde les",
    "municipality": "Tilburg",
    "type": "generic",
    "themes": ["armoede-en-schulden"],
    "owner": "Wijkteam",
    "status": "published",
    "level": "",  # a browser always submits every <select>
    "domain": "",
    "evidence": "",
    "body": "## Aanleiding\n\nTekst.\n",
}


@pytest.fixture
def csrf_app(app_factory):
    # No app context is held open: every request gets its own, as in production
    # (Flask-WTF caches the token in `g`, which would otherwise leak between clients).
    return app_factory(WTF_CSRF_ENABLED=True)


@pytest.fixture
def client(csrf_app):
    return csrf_app.test_client()


class Account:
    email = "auteur@example.nl"


@pytest.fixture
def author(csrf_app):
    with csrf_app.app_context():
        users.create_user(Account.email, PASSWORD, "author", "Tilburg")
    return Account()


def token_from(client, url: str) -> str:
    """The hidden csrf_token of the form on a page, as a browser would submit it."""
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, f"no csrf_token on {url}"
    return match.group(1)


def sign_in(client, user) -> None:
    token = token_from(client, "/login")
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code


def count(app, model=Lesson) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def is_signed_in(client) -> bool:
    return client.get("/lessons/new").status_code == 200


def test_csrf_is_really_on(csrf_app):
    assert csrf_app.config["WTF_CSRF_ENABLED"] is True


def test_login_without_token_is_400_and_not_signed_in(client, author):
    response = client.post("/login", data={"email": author.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert not is_signed_in(client)


def test_login_with_wrong_token_is_400(client, author):
    token_from(client, "/login")
    response = client.post(
        "/login", data={"email": author.email, "password": PASSWORD, "csrf_token": "vals"}
    )
    assert response.status_code == 400
    assert not is_signed_in(client)


def test_login_with_token_signs_in(client, author):
    assert not is_signed_in(client)
    sign_in(client, author)
    assert is_signed_in(client)


def test_new_lesson_without_token_is_refused(csrf_app, client, author):
    sign_in(client, author)
    response = client.post("/lessons/new", data=LESSON_FORM)
    assert response.status_code == 400
    assert count(csrf_app) == 0 and count(csrf_app, Revision) == 0


def test_new_lesson_with_token_from_form_is_saved(csrf_app, client, author):
    sign_in(client, author)
    token = token_from(client, "/lessons/new")
    response = client.post("/lessons/new", data={**LESSON_FORM, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/lessons/beveiligde-les"
    assert count(csrf_app) == 1


def test_token_of_another_session_is_refused(csrf_app, client, author):
    sign_in(client, author)
    stranger = csrf_app.test_client()
    foreign = token_from(stranger, "/login")
    response = client.post("/lessons/new", data={**LESSON_FORM, "csrf_token": foreign})
    assert response.status_code == 400
    assert count(csrf_app) == 0


def test_preview_without_token_is_400(client, author):
    sign_in(client, author)
    assert client.post("/lessons/preview", data={"body": "**vet**"}).status_code == 400
    token = token_from(client, "/lessons/new")
    response = client.post("/lessons/preview", data={"body": "**vet**", "csrf_token": token})
    assert response.status_code == 200
    assert "<strong>vet</strong>" in response.get_data(as_text=True)


def test_logout_without_token_keeps_session(client, author):
    sign_in(client, author)
    assert client.post("/logout").status_code == 400
    assert is_signed_in(client)


def test_json_api_with_bearer_token_needs_no_csrf_token(csrf_app, client, author):
    with csrf_app.app_context():
        token = users.create_token(author.email)
    payload = {**lesson_fields(title="Via de API"), "markdown": "## Aanleiding\n\nTekst.\n"}
    response = client.post(
        "/api/v1/lessons", json=payload, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.get_json()
    assert response.headers["Location"].endswith("/api/v1/lessons/via-de-api")
    assert count(csrf_app) == 1


@pytest.mark.parametrize("url", ["/", "/login", "/lessons/bestaat-niet", "/recent.atom"])
def test_security_headers_on_pages(client, url):
    response = client.get(url)
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {
        part.strip().split(" ", 1)[0]: part.strip() for part in csp.split(";") if part.strip()
    }
    assert directives.get("script-src") == "script-src 'self'"
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'"
    assert "unsafe-inline" not in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy")
    assert response.headers["Referrer-Policy"] in {
        "same-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
        "strict-origin",
    }


def test_session_cookie_is_httponly_and_samesite_lax(client, author):
    token = token_from(client, "/login")
    response = client.post(
        "/login", data={"email": author.email, "password": PASSWORD, "csrf_token": token}
    )
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers.getlist("Set-Cookie")
    attributes = {
        part.strip().split("=", 1)[0].lower(): part.strip() for part in cookies[-1].split(";")[1:]
    }
    assert "httponly" in attributes
    assert attributes.get("samesite", "").lower() == "samesite=lax"
