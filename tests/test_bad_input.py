"""Hostile input over the web pages and the API, one table per kind: lone surrogates, numbers
past 64 bits, control characters in `next`, JSON nested 100,000 deep, unknown query parameters
and values outside an enum. Each gets a specific 4xx (or is clamped), never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import login
from flask import Flask
from flask.testing import FlaskClient

from wiki.models import User
from wiki.services import users

SLUG = "schuldhulp-aan-de-keukentafel"
HUGE = [str(2**64), str(10**30), "9" * 5_000, "-1", "-" + "9" * 40, "0"]
LESSON = {
    "title": "Nieuwe les",
    "municipality": "Amsterdam",
    "type": "generic",
    "themes": ["onderwijs"],
    "owner": "Wijkteam",
}
SURROGATE = "\ud800"


@pytest.fixture
def author(app: Flask, make_user: Callable[..., User], make_lesson: Callable[..., Any]) -> User:
    """An author of Tilburg, and a lesson of theirs (revision 1)."""
    user = make_user(role="author", municipality="Tilburg")
    make_lesson(author=user)
    return user


@pytest.fixture
def token(author: User) -> str:
    return users.create_token(author.email)


@pytest.fixture
def web(app: Flask, author: User) -> FlaskClient:
    client = app.test_client()
    login(client, author)
    return client


def _api(client: FlaskClient, token: str, method: str, path: str, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)


def _error(response: Any) -> dict[str, Any]:
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"error"}, response.get_data(as_text=True)
    assert body["error"]["code"] and body["error"]["message"]
    return dict(body["error"])


# --- Lone surrogates in every JSON text field (and in a key): 422 naming the field. -------------

SURROGATE_BODIES: list[tuple[str, str, dict[str, Any], str]] = [
    *[
        ("POST", "/lessons", {**LESSON, field: value}, field)
        for field, value in [
            ("title", f"Les {SURROGATE}"),
            ("municipality", SURROGATE),
            ("owner", SURROGATE),
            ("context", SURROGATE),
            ("summary", SURROGATE),
            ("markdown", f"## Aanleiding\n\n{SURROGATE}"),
            ("comment", SURROGATE),
            ("tags", ["wijk", SURROGATE]),
            ("active_elements", [SURROGATE]),
            ("target_group", "\udfff"),
        ]
    ],
    ("POST", "/lessons", {**LESSON, SURROGATE: "x"}, SURROGATE),
    ("PUT", f"/lessons/{SLUG}", {"base_revision": 1, "title": SURROGATE}, "title"),
    ("PUT", f"/lessons/{SLUG}", {"base_revision": 1, "markdown": SURROGATE}, "markdown"),
    ("POST", f"/lessons/{SLUG}/comments", {"body": f"Mooi {SURROGATE}"}, "body"),
    ("POST", f"/lessons/{SLUG}/confirmations", {"result": "worked", "note": SURROGATE}, "note"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), SURROGATE_BODIES)
def test_a_lone_surrogate_in_json_text_is_refused_naming_the_field(
    client: FlaskClient, token: str, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    response = _api(client, token, method, path, json=body)
    assert response.status_code == 422, response.get_data(as_text=True)
    error = _error(response)
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field.encode("ascii", "backslashreplace").decode()]


# --- Invalid UTF-8 (%ED%A0%80 encodes a surrogate) in URLs and form posts: never a 500. ---------

ENCODED = "%ED%A0%80"
WEB_ENCODED: list[tuple[str, str, str | None, set[int]]] = [
    ("GET", f"/search?q={ENCODED}", None, {200}),
    ("GET", f"/lessons/?tag={ENCODED}&municipality={ENCODED}", None, {200}),
    ("GET", f"/lessons/{ENCODED}", None, {404}),
    ("GET", f"/municipalities/{ENCODED}", None, {404}),
    ("GET", f"/tags/{ENCODED}", None, {200, 404}),
    ("GET", f"/api/v1/lessons?tag={ENCODED}", None, {200}),
    ("GET", f"/api/v1/search?q={ENCODED}", None, {200}),
    ("GET", f"/api/v1/lessons/{ENCODED}", None, {404}),
    ("POST", "/lessons/preview", f"body={ENCODED}", {200}),
    (
        "POST",
        "/lessons/new",
        f"title=Les+{ENCODED}&municipality=Tilburg&type=generic&themes=onderwijs&owner=W",
        {302, 400},
    ),
    ("POST", f"/lessons/{SLUG}/comments", f"body={ENCODED}", {302, 400, 422}),
    ("POST", "/login", f"email={ENCODED}&password={ENCODED}", {401}),
]


@pytest.mark.parametrize(("method", "url", "form", "expected"), WEB_ENCODED)
def test_a_percent_encoded_surrogate_is_never_a_server_error(
    web: FlaskClient, method: str, url: str, form: str | None, expected: set[int]
) -> None:
    content_type = "application/x-www-form-urlencoded" if form is not None else None
    response = web.open(url, method=method, data=form, content_type=content_type)
    assert response.status_code in expected, response.get_data(as_text=True)[:500]


# --- Numbers past 64 bits, negative and not numbers: clamped, 404 or 400; never a 500. ----------


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize(
    "url",
    [
        "/lessons/?page={}",
        "/themes/onderwijs?page={}",
        "/search?q=schuld&page={}",
        f"/lessons/{SLUG}/diff?from={{}}",
        f"/lessons/{SLUG}/diff?to={{}}",
    ],
)
def test_web_numbers_are_clamped_or_not_found(web: FlaskClient, url: str, value: str) -> None:
    response = web.get(url.format(value))
    assert response.status_code in ({200, 404} if "diff" in url else {200}), url


@pytest.mark.parametrize("value", ["99999999999999999999999", str(2**31), "9" * 5_000])
def test_revision_numbers_past_an_integer_column_are_not_found(
    web: FlaskClient, value: str
) -> None:
    assert web.get(f"/lessons/{SLUG}/revisions/{value}").status_code == 404
    response = web.post(f"/lessons/{SLUG}/revert/{value}", data={"base_revision": "1"})
    assert response.status_code == 404


@pytest.mark.parametrize("base", [*HUGE, "²", "abc"])
def test_a_web_base_revision_past_any_revision_is_a_conflict_or_refused(
    web: FlaskClient, base: str
) -> None:
    form = {**LESSON, "municipality": "Tilburg", "title": "Schuldhulp", "base_revision": base}
    form["body"] = "## Aanleiding\n\nAnders.\n"
    response = web.post(f"/lessons/{SLUG}/edit", data=form)
    fits = base.isascii() and base.isdigit() and len(base) <= 10 and base != "0"
    assert response.status_code == (409 if fits else 400), response.get_data(as_text=True)[:300]
    response = web.post(f"/lessons/{SLUG}/revert/1", data={"base_revision": base})
    assert response.status_code in ({302} if fits else {302, 400}), base


@pytest.mark.parametrize("value", [*HUGE, "+5", "1e3", "²", "abc"])
@pytest.mark.parametrize(
    ("path", "name"),
    [("/lessons", "page"), ("/lessons", "per_page"), ("/search", "page"), ("/search", "per_page")],
)
def test_api_paging_is_clamped_or_refused(
    client: FlaskClient, token: str, path: str, name: str, value: str
) -> None:
    response = _api(client, token, "GET", path, query_string={name: value})
    if value in {"1e3", "²", "abc"}:
        assert response.status_code == 400
        assert _error(response)["code"] == "bad-request"
        return
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert 1 <= answer[name] <= (100 if name == "per_page" else 10**6)


@pytest.mark.parametrize("base", [2**64, 10**30, -1, 0])
def test_api_base_revision_past_any_revision_is_a_conflict(
    client: FlaskClient, token: str, base: int
) -> None:
    response = _api(client, token, "PUT", f"/lessons/{SLUG}", json={"base_revision": base})
    assert response.status_code == 409
    assert _error(response)["base_revision"] == base


def test_api_base_revision_of_5000_digits_is_a_bad_request(client: FlaskClient, token: str) -> None:
    body = '{"base_revision": ' + "9" * 5_000 + "}"
    response = _api(
        client, token, "PUT", f"/lessons/{SLUG}", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert _error(response)["code"] == "bad-request"


# --- `next` after sign-in: only paths of this site; never a 500 nor another host. ------------

NEXT = [
    ("/lessons/?page=2", "/lessons/?page=2"),
    ("/lessons/\r\nSet-Cookie: x=1", "/"),
    ("/lessons/\nx", "/"),
    ("/\t/evil.example", "/"),
    ("/\\evil.example", "/"),
    ("\\\\evil.example", "/"),
    ("//evil.example", "/"),
    ("https://evil.example/", "/"),
    ("https:evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("/\x00", "/"),
    ("/" + "a" * 5_000, "/"),
    ("", "/"),
]


@pytest.mark.parametrize(("target", "location"), NEXT)
def test_next_after_sign_in_stays_on_this_site(
    app: Flask, author: User, target: str, location: str
) -> None:
    client = app.test_client()
    assert client.get("/login", query_string={"next": target}).status_code == 200
    response = client.post(
        "/login",
        data={"email": author.email, "password": "correct horse battery", "next": target},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == location


# --- JSON nested 100,000 deep: 400 in the API's error format, never a RecursionError. -------------


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"title": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"a": ' * 100_000 + "1" + "}" * 100_000,
        '{"tags": ' + "[" * 20 + "]" * 20 + "}",
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/lessons"),
        ("PUT", f"/lessons/{SLUG}"),
        ("POST", f"/lessons/{SLUG}/comments"),
        ("POST", f"/lessons/{SLUG}/confirmations"),
    ],
)
def test_deeply_nested_json_is_a_bad_request(
    client: FlaskClient, token: str, method: str, path: str, body: str
) -> None:
    response = _api(client, token, method, path, data=body, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert _error(response)["code"] == "bad-request"


def test_a_body_over_the_size_limit_is_413_in_the_api_format(
    client: FlaskClient, token: str
) -> None:
    body = {**LESSON, "markdown": "x" * (3 * 1024 * 1024)}
    response = _api(client, token, "POST", "/lessons", json=body)
    assert response.status_code == 413
    assert _error(response)["code"] == "request-entity-too-large"


# --- Query parameters: the OpenAPI document's list, enums included. -------------------------

PARAMETERS: list[tuple[str, dict[str, Any], str]] = [
    ("/lessons", {"level": "household"}, "level"),
    ("/lessons", {"level": ""}, "level"),
    ("/lessons", {"type": "null"}, "type"),
    ("/lessons", {"type": "generic", "sort": "title"}, "sort"),
    ("/lessons", {"status": "gepubliceerd"}, "status"),
    ("/lessons", {"theme": "armoede"}, "theme"),
    ("/search", {"sort": "null"}, "sort"),
    ("/search", {"per_page": ["5", "abc"]}, "per_page"),
    ("/lessons", {"type": ["generic", "generic"]}, "type"),
    ("/search", {"q": "schuld", "order": "newest"}, "order"),
    (f"/lessons/{SLUG}", {"fields": "title"}, "fields"),
    (f"/lessons/{SLUG}/revisions", {"page": "2"}, "page"),
    (f"/lessons/{SLUG}/confirmations", {"x": "1"}, "x"),
    ("/municipalities", {"province": "Utrecht"}, "province"),
]


@pytest.mark.parametrize(("path", "query", "name"), PARAMETERS)
def test_unknown_parameters_and_values_outside_an_enum_are_refused(
    client: FlaskClient, token: str, path: str, query: dict[str, Any], name: str
) -> None:
    response = _api(client, token, "GET", path, query_string=query)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    error = _error(response)
    assert error["code"] == "invalid-parameter"
    assert error["parameter"] == name
    assert f"'{name}'" in error["message"]


def test_declared_parameters_and_enum_values_are_accepted(client: FlaskClient, token: str) -> None:
    query = {"type": "generic", "theme": "armoede-en-schulden", "status": "published", "page": "1"}
    assert _api(client, token, "GET", "/lessons", query_string=query).status_code == 200
    query = {"q": "schuld", "sort": "newest", "type": "generiek", "per_page": "5"}
    assert _api(client, token, "GET", "/search", query_string=query).status_code == 200


def test_unknown_body_fields_of_a_comment_or_confirmation_are_refused(
    client: FlaskClient, token: str
) -> None:
    response = _api(
        client, token, "POST", f"/lessons/{SLUG}/comments", json={"body": "Mooi", "x": 1}
    )
    assert response.status_code == 422
    assert list(_error(response)["fields"]) == ["x"]


# --- 405 answers carry Allow, in the API and on pages. ----------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("DELETE", "/api/v1/lessons", {"GET", "POST"}),
        ("TRACE", f"/api/v1/lessons/{SLUG}", {"GET", "PUT"}),
        ("PATCH", "/api/v1/municipalities", {"GET"}),
        ("DELETE", f"/lessons/{SLUG}", {"GET"}),
        ("PUT", "/login", {"GET", "POST"}),
    ],
)
def test_405_answers_carry_allow(
    client: FlaskClient, method: str, url: str, allowed: set[str]
) -> None:
    response = client.open(url, method=method)
    assert response.status_code == 405
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}
    if url.startswith("/api/"):
        assert _error(response)["code"] == "method-not-allowed"


@pytest.mark.parametrize("title", ["学习与合作", "\u0081", "— · —"])
def test_a_title_without_latin_letters_gets_a_stable_slug(client, make_user, title):
    """A title that yields no slug used to be refused (schemathesis found it); now it gets one
    from its text, and the same title twice is refused as taken."""
    author = make_user("author")
    headers = {"Authorization": f"Bearer {users.create_token(author.email)}"}
    body = {
        "title": title,
        "municipality": "Tilburg",
        "type": "generic",
        "themes": ["armoede-en-schulden"],
        "owner": "Wijkteam",
        "markdown": "## Aanleiding\n\nTekst.",
    }
    first = client.post("/api/v1/lessons", json=body, headers=headers)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["slug"].startswith("les-")
    assert client.get(first.headers["Location"]).status_code == 200
    assert client.post("/api/v1/lessons", json=body, headers=headers).status_code == 409
