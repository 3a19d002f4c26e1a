"""Security hardening: login rate limit, cookie flags, security headers, CSRF on the other forms.

CSRF on the login form, the new-lesson form, the preview and logout is covered in test_csrf.py.
"""

from __future__ import annotations

import re
import time
import types
from collections.abc import Callable, Iterator
from typing import Any

import limits.storage.memory
import pytest
from conftest import PASSWORD
from flask import Flask
from flask.testing import FlaskClient

import wiki.extensions
from wiki import config as settings
from wiki.extensions import db
from wiki.models import Lesson
from wiki.services import lessons, users
from wiki.services.validation import validate

EMAIL = "inlogger@example.nl"
WRONG = "niet het goede wachtwoord"
TOO_MANY = "Te veel inlogpogingen. Probeer het over een minuut opnieuw."


class Clock:
    """Moves the rate limiter's clock (its storage and the Retry-After sum) forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    shifted = types.SimpleNamespace(time=fake.time)
    monkeypatch.setattr(limits.storage.memory, "time", shifted)
    monkeypatch.setattr(wiki.extensions, "time", shifted)
    return fake


DEFAULT_LIMIT = "5 per minute;20 per hour"
SMALL_LIMIT = "2 per minute;4 per hour"  # the same rules with fewer (slow, argon2) attempts


@pytest.fixture
def limited(app_factory: Callable[..., Flask]) -> Callable[..., Flask]:
    """An app with the rate limit explicitly on (whatever the test defaults are) and a user."""

    def build(**extra: Any) -> Flask:
        extra.setdefault("RATELIMIT_ENABLED", True)
        extra.setdefault("LOGIN_RATE_LIMIT", SMALL_LIMIT)
        application = app_factory(**extra)
        with application.app_context():
            if users.find_by_email(EMAIL) is None:
                users.create_user(EMAIL, PASSWORD, "author", "Tilburg")
        return application

    return build


def attempt(client: FlaskClient, password: str, **kwargs: Any) -> Any:
    return client.post("/login", data={"email": EMAIL, "password": password}, **kwargs)


def fail(client: FlaskClient, times: int, **kwargs: Any) -> None:
    for number in range(times):
        response = attempt(client, WRONG, **kwargs)
        assert response.status_code == 401, f"attempt {number + 1}: {response.status_code}"


def signed_in(client: FlaskClient) -> bool:
    return client.get("/lessons/new").status_code == 200


# --- rate limit -----------------------------------------------------------------------------


def test_five_failed_logins_then_429_with_dutch_message_and_retry_after(limited, clock):
    client = limited(LOGIN_RATE_LIMIT=DEFAULT_LIMIT).test_client()
    fail(client, 5)
    response = attempt(client, WRONG)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert TOO_MANY in page
    assert 'role="alert"' in page
    assert '<form method="post" action="/login"' in page  # still the login page, with its form
    assert response.mimetype == "text/html"
    retry_after = response.headers.get("Retry-After", "")
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 60
    # A correct password is refused too, until the minute has passed.
    response = attempt(client, PASSWORD)
    assert response.status_code == 429
    assert TOO_MANY in response.get_data(as_text=True)
    assert not signed_in(client)
    clock.advance(61)
    assert attempt(client, PASSWORD).status_code == 302
    assert signed_in(client)


def test_correct_password_is_refused_until_the_window_has_passed(limited, clock):
    client = limited().test_client()
    fail(client, 2)
    assert attempt(client, PASSWORD).status_code == 429
    assert not signed_in(client)
    clock.advance(30)
    assert attempt(client, PASSWORD).status_code == 429
    assert not signed_in(client)
    clock.advance(31)
    response = attempt(client, PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_refused_attempts_do_not_extend_the_window(limited, clock):
    client = limited().test_client()
    fail(client, 2)
    for _ in range(5):
        assert attempt(client, WRONG).status_code == 429
    clock.advance(61)
    assert attempt(client, PASSWORD).status_code == 302


def test_hour_limit_says_how_many_minutes(limited, clock):
    client = limited().test_client()
    for _ in range(2):
        fail(client, 2)
        assert attempt(client, WRONG).status_code == 429
        assert TOO_MANY in attempt(client, WRONG).get_data(as_text=True)
        clock.advance(61)
    response = attempt(client, PASSWORD)  # 4 failures this hour: the hour limit holds
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert re.search(r"Te veel inlogpogingen\. Probeer het over \d+ minuten opnieuw\.", page)
    assert int(response.headers["Retry-After"]) > 60


def test_only_failed_logins_count(limited):
    client = limited().test_client()
    for _ in range(3):
        assert attempt(client, PASSWORD).status_code == 302
        assert client.post("/logout").status_code == 302
    fail(client, 1)
    assert attempt(client, PASSWORD).status_code == 302


def test_incomplete_form_does_not_count(limited):
    client = limited().test_client()
    for _ in range(5):
        assert client.post("/login", data={"email": EMAIL}).status_code == 400
    assert attempt(client, PASSWORD).status_code == 302


def test_get_login_and_other_pages_are_not_limited(limited):
    client = limited().test_client()
    fail(client, 2)
    assert attempt(client, WRONG).status_code == 429
    assert client.get("/login").status_code == 200
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/lessons").status_code == 200


def test_limit_is_per_client_address(limited):
    application = limited()
    attacker = application.test_client()
    address = {"REMOTE_ADDR": "192.0.2.66"}
    fail(attacker, 2, environ_base=address)
    assert attempt(attacker, PASSWORD, environ_base=address).status_code == 429
    colleague = application.test_client()
    response = attempt(colleague, PASSWORD, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 302


def test_forwarded_for_is_ignored_without_trust_proxy(limited):
    client = limited().test_client()
    for number in range(2):
        attempt(client, WRONG, headers={"X-Forwarded-For": f"198.51.100.{number}"})
    response = attempt(client, PASSWORD, headers={"X-Forwarded-For": "198.51.100.99"})
    assert response.status_code == 429  # a forged header does not buy new attempts


def test_forwarded_for_names_the_client_behind_a_trusted_proxy(limited):
    client = limited(TRUST_PROXY=1).test_client()
    fail(client, 2, headers={"X-Forwarded-For": "198.51.100.1"})
    assert attempt(client, WRONG, headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 429
    response = attempt(client, PASSWORD, headers={"X-Forwarded-For": "198.51.100.2"})
    assert response.status_code == 302


def test_counts_do_not_leak_between_apps(limited):
    first = limited().test_client()
    fail(first, 2)
    assert attempt(first, PASSWORD).status_code == 429
    second = limited().test_client()  # a new app on the same database: its own counts
    assert attempt(second, PASSWORD).status_code == 302


def test_switched_off_the_limit_never_answers_429(limited):
    client = limited(RATELIMIT_ENABLED=False).test_client()
    fail(client, 4)
    assert attempt(client, PASSWORD).status_code == 302


def test_limit_and_storage_come_from_the_environment(monkeypatch, app_factory):
    monkeypatch.setenv("LEERWIKI_LOGIN_RATE_LIMIT", "2 per minute")
    monkeypatch.setenv("LEERWIKI_RATELIMIT_STORAGE_URI", "memory://")
    application = app_factory(RATELIMIT_ENABLED=True)
    assert application.config["LOGIN_RATE_LIMIT"] == "2 per minute"
    assert application.config["RATELIMIT_STORAGE_URI"] == "memory://"
    with application.app_context():
        users.create_user(EMAIL, PASSWORD, "author", "Tilburg")
    client = application.test_client()
    fail(client, 2)
    assert attempt(client, PASSWORD).status_code == 429


def test_defaults_of_the_security_settings(tmp_path):
    config = settings.defaults(str(tmp_path))
    assert config["LOGIN_RATE_LIMIT"] == DEFAULT_LIMIT
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["RATELIMIT_ENABLED"] is True
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["TRUST_PROXY"] == 0


# --- cookies -------------------------------------------------------------------------------


def session_cookie(response: Any) -> dict[str, str]:
    """The attributes of the session cookie a response sets, lower-cased names."""
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers.getlist("Set-Cookie")
    parts = [part.strip() for part in cookies[-1].split(";")[1:]]
    return {part.split("=", 1)[0].lower(): part for part in parts}


@pytest.mark.parametrize(
    ("extra", "base_url", "headers", "secure"),
    [
        ({}, "http://localhost", {}, False),
        ({}, "https://localhost", {}, True),
        ({"SESSION_COOKIE_SECURE": True}, "http://localhost", {}, True),
        ({"TRUST_PROXY": 1}, "http://localhost", {"X-Forwarded-Proto": "https"}, True),
        ({}, "http://localhost", {"X-Forwarded-Proto": "https"}, False),
    ],
    ids=["http", "https", "configured", "trusted-proxy", "untrusted-forwarded-proto"],
)
def test_session_cookie_flags(limited, extra, base_url, headers, secure):
    client = limited(**extra).test_client()
    response = client.post(
        "/login",
        data={"email": EMAIL, "password": PASSWORD},
        base_url=base_url,
        headers=headers,
    )
    assert response.status_code == 302
    attributes = session_cookie(response)
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=lax"
    assert ("secure" in attributes) is secure


def test_no_remember_me_cookie_and_its_flags_follow_the_session(limited):
    application = limited(SESSION_COOKIE_SECURE=True)
    assert application.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert application.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert application.config["REMEMBER_COOKIE_SECURE"] is True
    assert limited().config["REMEMBER_COOKIE_SECURE"] is False
    response = attempt(application.test_client(), PASSWORD)
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("1", True), ("yes", True), ("false", False), ("0", False), ("off", False)],
)
def test_session_cookie_secure_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("LEERWIKI_SESSION_COOKIE_SECURE", value)
    assert settings.from_environment()["SESSION_COOKIE_SECURE"] is expected


def test_nonsense_boolean_in_the_environment_is_refused(monkeypatch):
    monkeypatch.setenv("LEERWIKI_SESSION_COOKIE_SECURE", "misschien")
    with pytest.raises(ValueError, match="LEERWIKI_SESSION_COOKIE_SECURE"):
        settings.from_environment()


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("2", 2), ("true", 1), ("no", 0)])
def test_trust_proxy_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("LEERWIKI_TRUST_PROXY", value)
    assert settings.from_environment()["TRUST_PROXY"] == expected


# --- security headers ----------------------------------------------------------------------

REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}


def assert_security_headers(response: Any) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {
        part.split()[0]: " ".join(part.split()[1:]) for part in csp.split(";") if part.strip()
    }
    assert directives.get("default-src") == "'self'", csp
    assert directives.get("script-src") == "'self'", csp
    assert directives.get("object-src") == "'none'", csp
    assert directives.get("base-uri") == "'self'", csp
    assert directives.get("form-action") == "'self'", csp
    assert directives.get("frame-ancestors") == "'none'", csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") in REFERRER_POLICIES
    assert response.headers.get("X-Frame-Options") == "DENY"


@pytest.fixture
def published(app: Flask) -> str:
    data = validate(
        {
            "title": "Een les met koppen",
            "municipality": "Tilburg",
            "type": "generic",
            "themes": ["armoede-en-schulden"],
            "owner": "Wijkteam",
        },
        "## Aanleiding\n\nTekst.\n",
    )
    return lessons.create(data, None, "test", "test").lesson.slug


@pytest.mark.parametrize(
    ("url", "mimetype"),
    [
        ("/", "text/html"),
        ("/lessons/{slug}", "text/html"),
        ("/search?q=les", "text/html"),
        ("/lessons/bestaat-niet", "text/html"),
        ("/api/v1/lessons", "application/json"),
        ("/api/v1/lessons/{slug}", "application/json"),
        ("/api/v1/lessons/bestaat-niet", "application/json"),
        ("/recent.atom", "application/atom+xml"),
        ("/static/style.css", "text/css"),
    ],
)
def test_security_headers_on_every_kind_of_response(client, published, url, mimetype):
    response = client.get(url.format(slug=published))
    response.close()  # the static file is streamed from an open file
    assert response.mimetype == mimetype
    assert_security_headers(response)
    assert "Strict-Transport-Security" not in response.headers  # plain http: no HSTS


def test_security_headers_on_the_429_page_and_hsts_over_https(limited):
    client = limited().test_client()
    fail(client, 2, base_url="https://localhost")
    response = attempt(client, WRONG, base_url="https://localhost")
    assert response.status_code == 429
    assert_security_headers(response)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_templates_have_no_inline_script_handlers_or_styles():
    """What the CSP would block: inline <script>, on*= handlers, style attributes or tags."""
    root = settings.PROJECT_ROOT
    offenders = []
    for path in sorted(
        [*root.joinpath("templates").rglob("*.html"), *root.joinpath("static").glob("*.js")]
    ):
        text = path.read_text(encoding="utf-8")
        for pattern in (
            r"<script(?![^>]*\bsrc=)[^>]*>",
            r"<[a-zA-Z][^>]*\son[a-z]+\s*=",
            r"<[a-zA-Z][^>]*\sstyle\s*=",
            r"<style\b",
            r"javascript:",
        ):
            offenders.extend(f"{path.name}: {m.group(0)}" for m in re.finditer(pattern, text))
    assert offenders == []


# --- CSRF on the forms test_csrf.py does not cover -----------------------------------------


@pytest.fixture
def csrf_client(app_factory: Callable[..., Flask]) -> Iterator[tuple[Flask, FlaskClient]]:
    application = app_factory(WTF_CSRF_ENABLED=True)
    with application.app_context():
        author = users.create_user(EMAIL, PASSWORD, "author", "Tilburg")
        data = validate(
            {
                "title": "Bestaande les",
                "municipality": "Tilburg",
                "type": "generic",
                "themes": ["armoede-en-schulden"],
                "owner": "Wijkteam",
            },
            "## Aanleiding\n\nEerste versie.\n",
        )
        lessons.create(data, author, "eerste")
        second = validate(
            {**data.front_matter(), "summary": "Tweede"}, "## Aanleiding\n\nTweede versie.\n"
        )
        lessons.update("bestaande-les", second, 1, author, "tweede")
    client = application.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    response = client.post(
        "/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert response.status_code == 302
    yield application, client


def revision_number(application: Flask) -> int:
    with application.app_context():
        lesson = db.session.query(Lesson).filter_by(slug="bestaande-les").one()
        return int(lesson.revision_number)


def test_edit_without_csrf_token_is_refused(csrf_client):
    application, client = csrf_client
    form = {
        "title": "Overgenomen",
        "municipality": "Tilburg",
        "type": "generic",
        "themes": ["armoede-en-schulden"],
        "owner": "Aanvaller",
        "status": "published",
        "body": "Gewijzigd zonder token.",
        "base_revision": "2",
    }
    response = client.post("/lessons/bestaande-les/edit", data=form)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    response = client.post("/lessons/bestaande-les/edit", data={**form, "csrf_token": "vals"})
    assert response.status_code == 400
    assert revision_number(application) == 2


def test_revert_without_csrf_token_is_refused(csrf_client):
    application, client = csrf_client
    response = client.post("/lessons/bestaande-les/revert/1", data={"base_revision": "2"})
    assert response.status_code == 400
    assert revision_number(application) == 2
