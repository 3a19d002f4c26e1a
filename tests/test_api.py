"""The JSON API under /api/v1, through the test client with real Bearer tokens."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from conftest import lesson_fields

from wiki.services import users


def bearer(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {users.create_token(user.email)}"}


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert isinstance(error["code"], str) and error["code"] == (code or error["code"]) != ""
    assert isinstance(error["message"], str) and error["message"]
    return error


def new_lesson(**overrides: Any) -> dict[str, Any]:
    body = lesson_fields(**overrides)
    body.setdefault("markdown", "## Aanleiding\n\nEen **vaste** contactpersoon.\n")
    return body


@pytest.fixture
def author(make_user: Any) -> Any:
    return make_user(role="author", name="Anna de Vries")


@pytest.fixture
def auth(author: Any) -> dict[str, str]:
    return bearer(author)


@pytest.fixture
def sample(make_lesson: Any) -> None:
    make_lesson(title="Alpha in Den Bosch", municipality="'s-Hertogenbosch", themes=["onderwijs"])
    make_lesson(
        title="Beta in Tilburg", type="context-dependent", context="Alleen met een wijkteam."
    )
    make_lesson(title="Gamma in Amsterdam", municipality="Amsterdam", themes=["veiligheid"])
    make_lesson(title="Delta concept", status="draft")


URL = "/api/v1/lessons/schuldhulp-aan-de-keukentafel"


def slugs(response: Any) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["slug"] for item in response.get_json()["lessons"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["alpha-in-den-bosch", "beta-in-tilburg", "gamma-in-amsterdam"]),
        ("municipality=Den%20Bosch", ["alpha-in-den-bosch"]),
        ("municipality=%27s-Hertogenbosch", ["alpha-in-den-bosch"]),
        ("municipality=tilburg", ["beta-in-tilburg"]),
        ("province=Noord-Brabant", ["alpha-in-den-bosch", "beta-in-tilburg"]),
        ("province=Noord-Holland", ["gamma-in-amsterdam"]),
        ("type=context-dependent", ["beta-in-tilburg"]),
        ("type=generic", ["alpha-in-den-bosch", "gamma-in-amsterdam"]),
        ("theme=veiligheid", ["gamma-in-amsterdam"]),
        ("theme=armoede-en-schulden", ["beta-in-tilburg"]),
        ("status=published", ["alpha-in-den-bosch", "beta-in-tilburg", "gamma-in-amsterdam"]),
        ("status=draft", []),
        ("municipality=Amsterdam&type=context-dependent", []),
    ],
)
def test_list_filters(client: Any, sample: None, query: str, expected: list[str]) -> None:
    response = client.get(f"/api/v1/lessons?{query}")
    assert slugs(response) == expected
    assert response.get_json()["total"] == len(expected)


def test_paging(client: Any, sample: None) -> None:
    first = client.get("/api/v1/lessons?per_page=2").get_json()
    assert (first["total"], first["page"], first["per_page"]) == (3, 1, 2)
    assert [i["slug"] for i in first["lessons"]] == ["alpha-in-den-bosch", "beta-in-tilburg"]
    second = client.get("/api/v1/lessons?per_page=2&page=2").get_json()
    assert second["page"] == 2
    assert [i["slug"] for i in second["lessons"]] == ["gamma-in-amsterdam"]
    assert client.get("/api/v1/lessons?per_page=2&page=3").get_json()["lessons"] == []
    item = client.get("/api/v1/lessons?municipality=Den%20Bosch").get_json()["lessons"][0]
    assert (item["municipality"], item["province"]) == ("'s-Hertogenbosch", "Noord-Brabant")
    assert (item["type"], item["themes"], item["status"]) == ("generic", ["onderwijs"], "published")
    assert (item["revision"], item["url"]) == (1, "/api/v1/lessons/alpha-in-den-bosch")


@pytest.mark.parametrize("query", ["page=abc", "per_page=abc", "page=1.5"])
def test_bad_paging_is_400(client: Any, query: str) -> None:
    assert_error(client.get(f"/api/v1/lessons?{query}"), 400, "bad-request")


def test_paging_below_one_is_clamped_as_documented(client: Any) -> None:
    answer = client.get("/api/v1/lessons?page=-1&per_page=0").get_json()
    assert (answer["page"], answer["per_page"]) == (1, 1)


def test_get_lesson(client: Any, make_lesson: Any) -> None:
    make_lesson(body="## Aanleiding\n\nEen *mooie* les.\n", year=2023)
    data = client.get(URL).get_json()
    expected = {**lesson_fields(year=2023), "slug": "schuldhulp-aan-de-keukentafel"}
    assert {k: data[k] for k in expected} == expected
    assert data["province"] == "Noord-Brabant"
    assert data["markdown"] == "## Aanleiding\n\nEen *mooie* les.\n"
    assert "<em>mooie</em>" in data["html"] and "<h2" in data["html"]
    assert data["revision"] == 1


def test_unknown_lesson_is_404_json(client: Any) -> None:
    error = assert_error(client.get("/api/v1/lessons/bestaat-niet"), 404, "not-found")
    assert "bestaat-niet" in error["message"]
    assert_error(client.get("/api/v1/lessons/bestaat-niet/revisions"), 404, "not-found")
    assert_error(client.get("/api/v1/nergens"), 404)


def test_post_creates(client: Any, auth: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/lessons", json=new_lesson(comment="eerste versie"), headers=auth
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Location"] == "/api/v1/lessons/schuldhulp-aan-de-keukentafel"
    created = response.get_json()
    assert created["revision"] == 1
    assert created["author"] == "Anna de Vries"
    assert created["markdown"] == "## Aanleiding\n\nEen **vaste** contactpersoon.\n"
    assert "<strong>vaste</strong>" in created["html"]
    assert client.get(response.headers["Location"]).get_json() == created


def test_post_authentication(client: Any, make_user: Any) -> None:
    assert_error(client.post("/api/v1/lessons", json=new_lesson()), 401, "unauthenticated")
    bad = {"Authorization": "Bearer lw_not-a-real-token"}
    assert_error(client.post("/api/v1/lessons", json=new_lesson(), headers=bad), 401)
    basic = {"Authorization": "Basic dXNlcjpwYXNz"}
    assert_error(client.post("/api/v1/lessons", json=new_lesson(), headers=basic), 401)
    reader = bearer(make_user(role="reader"))
    assert_error(
        client.post("/api/v1/lessons", json=new_lesson(), headers=reader), 403, "forbidden"
    )
    assert client.get(URL).status_code == 404


def test_revoked_token_is_401(client: Any, author: Any) -> None:
    token = users.create_token(author.email)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/lessons", json=new_lesson(), headers=headers).status_code == 201
    assert users.revoke_token(token) is True
    response = client.post("/api/v1/lessons", json=new_lesson(title="Tweede les"), headers=headers)
    assert_error(response, 401, "unauthenticated")
    assert users.revoke_token(token) is False


@pytest.mark.parametrize(
    ("overrides", "field", "hint"),
    [
        ({"municipality": "Tilburgg"}, "municipality", "Tilburg"),
        ({"title": None}, "title", None),
        ({"type": "context-dependent"}, "context", None),
        ({"themes": ["geen-thema"]}, "themes", None),
        ({"year": 1800}, "year", None),
        ({"colour": "blue"}, "colour", None),
    ],
)
def test_post_invalid_is_422(
    client: Any, auth: dict[str, str], overrides: dict[str, Any], field: str, hint: str | None
) -> None:
    response = client.post("/api/v1/lessons", json=new_lesson(**overrides), headers=auth)
    error = assert_error(response, 422, "invalid")
    assert field in error["fields"]
    if hint:
        assert hint in error["fields"][field]
    assert client.get("/api/v1/lessons").get_json()["total"] == 0


def test_post_existing_slug_is_409(client: Any, auth: dict[str, str], make_lesson: Any) -> None:
    make_lesson()
    response = client.post("/api/v1/lessons", json=new_lesson(owner="Iemand anders"), headers=auth)
    assert_error(response, 409, "slug-taken")
    assert client.get(URL).get_json()["owner"] == "Wijkteam Tilburg-Noord"


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("dit is geen json", "text/plain"),
        ("{kapot", "application/json"),
        ("[1, 2]", "application/json"),
    ],
)
def test_non_json_body_is_400(
    client: Any, auth: dict[str, str], data: str, content_type: str
) -> None:
    response = client.post("/api/v1/lessons", data=data, content_type=content_type, headers=auth)
    assert_error(response, 400, "bad-request")


def test_put_keeps_omitted_fields(client: Any, auth: dict[str, str], make_lesson: Any) -> None:
    make_lesson(body="Oude tekst.\n", tags=["wijkteam", "schulden"])
    response = client.put(URL, json={"base_revision": 1, "title": "Nieuwe titel"}, headers=auth)
    assert response.status_code == 200, response.get_data(as_text=True)
    saved = response.get_json()
    assert saved["revision"] == 2
    assert saved["title"] == "Nieuwe titel"
    assert (saved["slug"], saved["markdown"]) == ("schuldhulp-aan-de-keukentafel", "Oude tekst.\n")
    assert saved["tags"] == ["wijkteam", "schulden"]
    assert (saved["municipality"], saved["owner"]) == ("Tilburg", "Wijkteam Tilburg-Noord")
    assert client.get(URL).get_json() == saved
    again = client.put(URL, json={"base_revision": 2, "markdown": "Nieuwe tekst.\n"}, headers=auth)
    assert again.status_code == 200
    assert (again.get_json()["revision"], again.get_json()["title"]) == (3, "Nieuwe titel")
    assert again.get_json()["markdown"] == "Nieuwe tekst.\n"


def test_put_stale_base_revision_is_conflict(
    client: Any, auth: dict[str, str], make_lesson: Any
) -> None:
    make_lesson()
    first = client.put(URL, json={"base_revision": 1, "title": "Eerste wijziging"}, headers=auth)
    assert first.status_code == 200
    before = client.get(URL).get_json()
    stale = client.put(
        URL, json={"base_revision": 1, "title": "Tweede wijziging", "markdown": "X\n"}, headers=auth
    )
    error = assert_error(stale, 409, "edit-conflict")
    assert (error["base_revision"], error["current_revision"]) == (1, 2)
    assert client.get(URL).get_json() == before
    assert (before["revision"], before["title"]) == (2, "Eerste wijziging")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "Zonder basis"}, "base_revision"),
        ({"title": "Tekst", "base_revision": "1"}, "base_revision"),
        ({"base_revision": 1, "slug": "andere-slug"}, "slug"),
        ({"base_revision": 1, "municipality": "Nergenshuizen"}, "municipality"),
    ],
)
def test_put_refused_is_422(
    client: Any, auth: dict[str, str], make_lesson: Any, body: dict[str, Any], field: str
) -> None:
    make_lesson()
    error = assert_error(client.put(URL, json=body, headers=auth), 422, "invalid")
    assert field in error["fields"]
    assert client.get(URL).get_json()["revision"] == 1
    assert client.get("/api/v1/lessons/andere-slug").status_code == 404


def test_put_auth_and_missing(client: Any, make_lesson: Any, auth: dict[str, str]) -> None:
    make_lesson()
    assert_error(client.put(URL, json={"base_revision": 1, "title": "X"}), 401)
    missing = client.put("/api/v1/lessons/nergens", json={"base_revision": 1}, headers=auth)
    assert_error(missing, 404, "not-found")


def test_revisions_newest_first(client: Any, auth: dict[str, str], make_lesson: Any) -> None:
    make_lesson()
    body = {"base_revision": 1, "title": "Bijgewerkt", "comment": "titel verbeterd"}
    assert client.put(URL, json=body, headers=auth).status_code == 200
    data = client.get(URL + "/revisions").get_json()
    assert data["slug"] == "schuldhulp-aan-de-keukentafel"
    revisions = data["revisions"]
    assert [r["revision"] for r in revisions] == [2, 1]
    assert [r["author"] for r in revisions] == ["Anna de Vries", "test"]
    assert [r["title"] for r in revisions] == ["Bijgewerkt", "Schuldhulp aan de keukentafel"]
    assert revisions[0]["comment"] == "titel verbeterd"
    assert revisions[0]["created_at"] >= revisions[1]["created_at"]


def test_municipalities(client: Any, auth: dict[str, str], sample: None, make_lesson: Any) -> None:
    make_lesson(title="Tweede in Tilburg")
    places = client.get("/api/v1/municipalities").get_json()["municipalities"]
    by_name = {p["name"]: p for p in places}
    assert len(places) == len(by_name) == 342
    assert by_name["Tilburg"]["province"] == "Noord-Brabant"
    assert by_name["Tilburg"]["lesson_count"] == 2  # the draft is not public
    assert by_name["'s-Hertogenbosch"]["lesson_count"] == 1
    assert "Den Bosch" in by_name["'s-Hertogenbosch"]["aliases"]
    assert by_name["Amsterdam"]["province"] == "Noord-Holland"
    assert by_name["Groningen"]["lesson_count"] == 0
    assert sum(p["lesson_count"] for p in places) == 4
    assert len({p["province"] for p in places}) == 12
    # Counts are public statistics: published lessons only, whoever asks.
    authored = client.get("/api/v1/municipalities", headers=auth).get_json()["municipalities"]
    assert {p["name"]: p["lesson_count"] for p in authored}["Tilburg"] == 2


def test_openapi_document_lists_every_route(app: Any, client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert doc["info"]["title"] and doc["info"]["version"]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    prefix = "/api/v1"
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix + "/") or rule.endpoint == "api.openapi":
            continue
        path = rule.rule[len(prefix) :].replace("<", "{").replace(">", "}")
        assert path in doc["paths"], f"{path} missing from openapi.json"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = doc["paths"][path].get(method.lower())
            assert operation is not None, f"{method} {path} missing from openapi.json"
            assert operation["responses"], f"{method} {path} has no responses"
    for ref in re.findall(r'"\$ref": "([^"]+)"', json.dumps(doc)):
        assert ref.removeprefix("#/components/schemas/") in doc["components"]["schemas"], ref


def test_drafts_only_for_writers(
    client: Any, auth: dict[str, str], sample: None, make_user: Any
) -> None:
    draft = "/api/v1/lessons/delta-concept"
    assert_error(client.get(draft), 404, "not-found")
    assert_error(client.get(draft + "/revisions"), 404)
    assert "delta-concept" not in slugs(client.get("/api/v1/lessons"))
    assert slugs(client.get("/api/v1/lessons?status=draft")) == []
    reader = bearer(make_user(role="reader"))
    assert client.get(draft, headers=reader).status_code == 404
    assert client.get(draft, headers=auth).get_json()["status"] == "draft"
    assert "delta-concept" in slugs(client.get("/api/v1/lessons", headers=auth))
    assert slugs(client.get("/api/v1/lessons?status=draft", headers=auth)) == ["delta-concept"]
    assert client.get("/api/v1/lessons", headers=auth).get_json()["total"] == 4


def test_post_accepts_a_get_answer(client: Any, auth: dict[str, str], make_lesson: Any) -> None:
    make_lesson()
    answer = client.get(URL).get_json()
    copy = {**answer, "slug": "kopie", "title": "Kopie"}
    response = client.post("/api/v1/lessons", json=copy, headers=auth)
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert (created["slug"], created["revision"], created["markdown"]) == (
        "kopie",
        1,
        answer["markdown"],
    )


def test_put_of_unchanged_get_answer_is_no_new_revision(
    client: Any, auth: dict[str, str], make_lesson: Any
) -> None:
    make_lesson(body="Eerste tekst over schulden.\n")
    answer = client.get(URL).get_json()
    response = client.put(URL, json={**answer, "base_revision": 1}, headers=auth)
    assert response.status_code == 200
    assert response.get_json()["revision"] == 1
    assert [r["revision"] for r in client.get(URL + "/revisions").get_json()["revisions"]] == [1]


def test_put_of_edited_get_answer_updates_summary(
    client: Any, auth: dict[str, str], make_lesson: Any
) -> None:
    make_lesson(body="Eerste tekst over schulden.\n")
    answer = client.get(URL).get_json()
    assert answer["excerpt"] == "Eerste tekst over schulden."
    assert "summary" not in answer  # no summary of its own: nothing to freeze on PUT
    edited = {**answer, "base_revision": 1, "markdown": "Heel andere tekst nu.\n"}
    response = client.put(URL, json=edited, headers=auth)
    assert response.status_code == 200
    assert response.get_json()["excerpt"] == "Heel andere tekst nu."
    assert "summary" not in response.get_json()
