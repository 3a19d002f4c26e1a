"""Schemathesis against /api/v1/openapi.json: no server errors, responses as documented.

One migrated database seeded with a few lessons (published ones in several municipalities,
a draft), and an author's real Bearer token, so the write calls get past authentication and
reach validation, the privacy guard and the database. Generation is deterministic and bounded,
so this runs the same way, and quickly, on every machine and in CI.

The schema is built at import from `openapi_document()`, the function that serves
/api/v1/openapi.json (a test below checks they are the same): the eager
`schema.parametrize()` needs it then, and the lazy `schemathesis.pytest.from_fixture`, which
could load it through the app, does not run on pytest 9.2 (it sets `Function._nodeid`).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from conftest import PASSWORD, Databases, dispose_app, lesson_fields
from conftest import _config as config_for
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from wiki import create_app
from wiki.api.openapi import openapi_document
from wiki.services import lessons, users
from wiki.services.validation import validate

# Seeded lessons. The author below is of Amsterdam: the Amsterdam lessons are theirs to edit
# (and the draft theirs to see), the others theirs to confirm.
SEEDED = {
    "schulden-in-tilburg": {"municipality": "Tilburg"},
    "maatwerk-in-den-bosch": {
        "municipality": "'s-Hertogenbosch",
        "type": "context-dependent",
        "context": "Alleen waar het wijkteam de schuldhulp zelf doet.",
        "themes": ["armoede-en-schulden", "integraal-werken"],
    },
    "buurtkamer-in-amsterdam": {"municipality": "Amsterdam", "themes": ["veiligheid"]},
    "concept-in-amsterdam": {"municipality": "Amsterdam", "status": "draft"},
}
SLUGS = sorted(SEEDED)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

# Every check (`st run --checks all`), on valid and on invalid input (`--mode all`), in the
# examples, coverage and fuzzing phases; the stateful phase needs a live server (see README).
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20250101,
        "checks": {"enabled": True},
        "generation": {
            "mode": "all",
            "no-shrink": True,
            "max-examples": 25,
            "deterministic": True,
            "database": "none",
            # The token is the fixture's, set per call below (401s are steered there too).
            "with-security-parameters": False,
        },
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
    }
)
schema = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)


def _seed(app: Flask) -> str:
    """The seeded lessons, and a valid token of an author of Amsterdam."""
    with app.app_context():
        author = users.create_user(
            "auteur@example.nl", PASSWORD, "author", "Amsterdam", None, "Anna de Vries"
        )
        for slug, fields in SEEDED.items():
            title = slug.replace("-", " ").capitalize()
            body = "## Aanleiding\n\nTekst.\n"
            data = validate(lesson_fields(title=title, slug=slug, **fields), body)
            lessons.create(data, None, "import", "seed")
        return users.create_token(author.email)


@pytest.fixture
def api(app_factory: Callable[..., Flask]) -> tuple[Flask, str]:
    """An app on its own seeded database (no app context left open: calls run as a server
    runs them), and the author's token."""
    app = app_factory()
    return app, _seed(app)


@pytest.fixture(scope="module")
def refusing_api(
    databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Flask, str]]:
    """One seeded app for all the refusals below: they change nothing, so they can share it
    (a database per case costs a second each on PostgreSQL)."""
    tmp = tmp_path_factory.mktemp("refusals")
    url = databases.fresh(tmp)
    app = create_app(config_for(tmp, url))
    yield app, _seed(app)
    dispose_app(app)
    databases.drop(url)


def test_the_served_document_is_the_one_tested(client: FlaskClient) -> None:
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.get_json() == json.loads(json.dumps(openapi_document()))
    schema.validate()  # against the OpenAPI 3.1 meta-schema


def _steer(case: Any, app: Flask, token: str) -> dict[str, str]:
    """Point part of the generated calls at what exists, deterministically (a function of the
    case), and return the headers to send.

    - Two in three calls on one lesson go to a seeded lesson instead of a random slug (404).
    - One in eight calls goes without a token and one in eight with an unknown one (401).
    - Half the updates of a seeded lesson name its current revision and slug, so they save (or
      are refused for their content) instead of all being edit conflicts (409).
    - Half the new lessons get a title of their own, so they are not all the example (409).
    """
    # Not repr(): a case without a body holds a NotSet object, whose repr is an address.
    data = [case.path_parameters, case.query, case.body]
    key = zlib.crc32(json.dumps(data, sort_keys=True, default=lambda _: None).encode())
    auth, seeded, choice, steer = key % 8, (key >> 3) % 3, (key >> 5) % 4, (key >> 7) % 2
    if case.path_parameters and "slug" in case.path_parameters and seeded:
        case.path_parameters["slug"] = SLUGS[choice]
    headers = {"Authorization": f"Bearer {token}"}
    slug = (case.path_parameters or {}).get("slug")
    # A body made invalid on purpose stays as it is, so its refusal is what is checked.
    positive = case.meta is None or case.meta.generation.mode.is_positive
    steer = steer and positive
    # What the document cannot say, as it depends on the stored lesson: a context-dependent
    # lesson needs a context, and a PUT that leaves it out keeps the stored one (a generic
    # lesson has none) while an empty one clears it (a context-dependent lesson needs it).
    body = case.body if isinstance(case.body, dict) else {}
    if case.method == "PUT" and positive:
        if not str(body.get("context", "-")).strip():
            del body["context"]
        if body.get("type") == "context-dependent":
            body.setdefault("context", "Alleen waar het wijkteam de schuldhulp zelf doet.")
    if case.method == "PUT" and isinstance(case.body, dict) and slug in SEEDED and steer:
        current = app.test_client().get(f"/api/v1/lessons/{slug}", headers=headers)
        if current.status_code == 200:  # an earlier save may have moved it out of sight
            case.body["base_revision"] = current.get_json()["revision"]
        if "slug" in case.body:  # the slug cannot change (422)
            case.body["slug"] = slug
    title = case.body.get("title") if isinstance(case.body, dict) else None
    if case.method == "POST" and case.path == "/lessons" and isinstance(title, str) and steer:
        # A new slug, not the example's (409); letters, as digits may pass the BSN check.
        case.body["title"] = f"{title[:180]} {''.join(chr(97 + int(d)) for d in str(key))}"
    if auth == 0:
        return {}
    if auth == 1:
        return {"Authorization": "Bearer lw_geen-echt-token"}
    return headers


@schema.parametrize()
# The fixture is function-scoped on purpose: each operation gets a database of its own, which
# its generated calls share (what they create and change is there for the next one).
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api_matches_its_document(case: Any, api: tuple[Flask, str]) -> None:
    app, token = api
    headers = _steer(case, app, token)
    # The checks that send probes of their own (ignored_auth) find the app on the schema.
    case.operation.schema.app = app
    case.call_and_validate(app=app, headers=headers)  # every check the config enables: all


NUL = "\x00"
LESSON = {
    "title": "Nieuwe les",
    "municipality": "Amsterdam",
    "type": "generic",
    "themes": ["onderwijs"],
    "owner": "Wijkteam",
}


# Refusals that generation seldom or never reaches, checked against the document all the same.
# The first ones once gave 500s: digits int() cannot read, and NUL characters, which PostgreSQL
# can neither store nor compare (a slug with a NUL is no lesson: 404).
REFUSALS: list[tuple[str, str, dict[str, Any], int, str]] = [
    ("GET", "/lessons", {"query": {"page": "²"}}, 400, "bad-request"),  # '²'.isdigit()
    ("GET", "/search", {"query": {"per_page": "²"}}, 400, "bad-request"),
    ("GET", "/lessons", {"query": {"tag": NUL}}, 400, "invalid-parameter"),
    ("GET", "/lessons", {"query": {"province": NUL}}, 400, "invalid-parameter"),
    ("GET", "/search", {"query": {"type": f"a{NUL}"}}, 400, "invalid-parameter"),
    # Outside the enums: refused before any filter is read.
    (
        "GET",
        "/lessons",
        {"query": {"status": NUL, "type": NUL, "theme": NUL}},
        400,
        "invalid-parameter",
    ),
    ("GET", "/lessons/{slug}", {}, 404, "not-found"),
    ("GET", "/lessons/{slug}/revisions", {}, 404, "not-found"),
    ("GET", "/lessons/{slug}/confirmations", {}, 404, "not-found"),
    ("PUT", "/lessons/{slug}", {"body": {"base_revision": 1}}, 404, "not-found"),
    ("POST", "/lessons/{slug}/comments", {"body": {"body": "Mooi."}}, 404, "not-found"),
    ("POST", "/lessons", {"body": {**LESSON, "markdown": f"a{NUL}b"}}, 422, "invalid"),
    ("POST", "/lessons", {"body": {**LESSON, "comment": NUL}}, 422, "invalid"),
    ("POST", "/lessons", {"body": {**LESSON, "tags": [f"a{NUL}"]}}, 422, "invalid"),
    (
        "PUT",
        "/lessons/buurtkamer-in-amsterdam",
        {"body": {"base_revision": 1, "markdown": f"a{NUL}"}},
        422,
        "invalid",
    ),
    ("POST", "/lessons/schulden-in-tilburg/comments", {"body": {"body": NUL}}, 422, "invalid"),
    (
        "POST",
        "/lessons/schulden-in-tilburg/confirmations",
        {"body": {"result": "worked", "note": f"Ook hier{NUL}"}},
        422,
        "invalid",
    ),
    # The privacy guard's refusal, with its findings, and a body over the size limit.
    (
        "POST",
        "/lessons/schulden-in-tilburg/comments",
        {"body": {"body": "Bel mevrouw Jansen op 06-12345678."}},
        422,
        "personal-data",
    ),
    (
        "POST",
        "/lessons",
        {"body": {**LESSON, "markdown": "x" * (2 * 1024 * 1024)}},
        413,
        "request-entity-too-large",
    ),
]


@pytest.mark.parametrize(("method", "path", "case_data", "status", "code"), REFUSALS)
def test_refusals_match_the_document(
    refusing_api: tuple[Flask, str],
    method: str,
    path: str,
    case_data: dict[str, Any],
    status: int,
    code: str,
) -> None:
    app, token = refusing_api
    if path.startswith("/lessons/") and "{slug}" not in path:
        slug = path.split("/")[2]
        path = path.replace(slug, "{slug}", 1)
    else:
        slug = f"les{NUL}"
    case = schema[path][method].Case(
        path_parameters={"slug": slug} if "{slug}" in path else {}, **case_data
    )
    response = case.call_and_validate(
        app=app, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
    )
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
