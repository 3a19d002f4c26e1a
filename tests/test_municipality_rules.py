"""Authors write for their own municipality; moving a lesson is a curator's act; a
confirmation stays bound to the municipality that gave it (issue 13). Web and API alike."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from conftest import login
from flask import Flask
from flask.testing import FlaskClient

from wiki.extensions import db
from wiki.models import Confirmation, Lesson, User
from wiki.services import lessons, users
from wiki.services.errors import PermissionDenied
from wiki.services.validation import validate

BODY = "## Aanleiding\n\nEen buurtkamer in elke wijk.\n"


def form(**overrides: str) -> dict[str, Any]:
    """The lesson editor's fields as a browser submits them."""
    data: dict[str, Any] = {
        "title": "Buurtkamer in elke wijk",
        "slug": "",
        "municipality": "Tilburg",
        "type": "generic",
        "active_elements": "vaste gastvrouw",
        "themes": ["participatie-en-eenzaamheid"],
        "owner": "Wijkteam Noord",
        "year": "2024",
        "status": "published",
        "level": "",
        "domain": "",
        "evidence": "",
        "body": BODY,
    }
    data.update(overrides)
    return data


def api_fields(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Buurtkamer in elke wijk",
        "municipality": "Tilburg",
        "type": "generic",
        "active_elements": ["vaste gastvrouw"],
        "themes": ["participatie-en-eenzaamheid"],
        "owner": "Wijkteam Noord",
        "markdown": BODY,
    }
    data.update(overrides)
    return data


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {users.create_token(user.email)}"}


def page_text(response: Any) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def field_error(response: Any, name: str) -> str:
    """The error the editor shows at one field."""
    found = re.search(rf'id="fout-{name}">([^<]*)<', response.get_data(as_text=True))
    return html.unescape(found.group(1)) if found else ""


def lesson_count() -> int:
    db.session.expire_all()
    return len(db.session.execute(db.select(Lesson)).scalars().all())


@pytest.fixture
def author(make_user: Any) -> User:
    return make_user(role="author", municipality="Tilburg")


@pytest.fixture
def curator(make_user: Any) -> User:
    return make_user(role="curator", municipality=None, organisation="AW Sociaal Domein")


def browser(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    login(client, user)
    return client


# ---- writing in another municipality's name ------------------------------------------------


def test_an_author_cannot_publish_in_another_municipalitys_name_on_the_web(
    app: Flask, author: User
) -> None:
    response = browser(app, author).post("/lessons/new", data=form(municipality="Breda"))
    assert response.status_code == 403
    message = field_error(response, "municipality")
    assert message.startswith("Gemeente:")
    assert "uw eigen gemeente, Tilburg" in message
    assert 'value="Breda"' in response.get_data(as_text=True)  # nothing typed is lost
    assert lesson_count() == 0


def test_an_author_cannot_publish_in_another_municipalitys_name_through_the_api(
    app: Flask, author: User
) -> None:
    response = app.test_client().post(
        "/api/v1/lessons", json=api_fields(municipality="Breda"), headers=bearer(author)
    )
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "forbidden"
    assert error["fields"]["municipality"].startswith("Gemeente:")
    assert lesson_count() == 0


def test_an_alias_of_the_own_municipality_is_the_own_municipality(
    app: Flask, make_user: Any
) -> None:
    author = make_user(role="author", municipality="'s-Hertogenbosch")
    response = app.test_client().post(
        "/api/v1/lessons", json=api_fields(municipality="Den Bosch"), headers=bearer(author)
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["municipality"] == "'s-Hertogenbosch"


def test_an_author_without_a_municipality_cannot_write(app: Flask, make_user: Any) -> None:
    author = make_user(role="author", municipality=None, organisation="GGD")
    response = app.test_client().post("/api/v1/lessons", json=api_fields(), headers=bearer(author))
    assert response.status_code == 403
    assert "hoort bij geen gemeente" in response.get_json()["error"]["fields"]["municipality"]


def test_the_command_line_imports_for_any_municipality(make_lesson: Any) -> None:
    saved = make_lesson(municipality="Breda")  # author None: the operator's import
    assert saved.lesson.municipality.name == "Breda"


# ---- moving a lesson -----------------------------------------------------------------------


def test_an_author_cannot_move_a_lesson_on_the_web(
    app: Flask, author: User, make_lesson: Any
) -> None:
    slug = make_lesson(author=author, body=BODY).lesson.slug
    response = browser(app, author).post(
        f"/lessons/{slug}/edit", data=form(municipality="Breda", base_revision="1")
    )
    assert response.status_code == 403
    message = field_error(response, "municipality")
    assert message.startswith("Gemeente: alleen curatoren")
    assert lessons.find(slug).municipality.name == "Tilburg"  # type: ignore[union-attr]


def test_an_author_cannot_move_a_lesson_through_the_api(
    app: Flask, author: User, make_lesson: Any
) -> None:
    slug = make_lesson(author=author).lesson.slug
    response = app.test_client().put(
        f"/api/v1/lessons/{slug}",
        json={"municipality": "Breda", "base_revision": 1},
        headers=bearer(author),
    )
    assert response.status_code == 403
    assert "alleen curatoren" in response.get_json()["error"]["fields"]["municipality"]
    db.session.expire_all()
    assert lessons.find(slug).revision_number == 1  # type: ignore[union-attr]


def test_an_author_may_still_edit_their_lesson_in_place(
    app: Flask, author: User, make_lesson: Any
) -> None:
    slug = make_lesson(author=author).lesson.slug
    response = app.test_client().put(
        f"/api/v1/lessons/{slug}",
        json={"owner": "Wijkteam Zuid", "base_revision": 1},
        headers=bearer(author),
    )
    assert response.status_code == 200, response.get_json()


def test_a_curator_moves_a_lesson(app: Flask, curator: User, make_lesson: Any) -> None:
    slug = make_lesson().lesson.slug
    response = app.test_client().put(
        f"/api/v1/lessons/{slug}",
        json={"municipality": "Breda", "base_revision": 1},
        headers=bearer(curator),
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["municipality"] == "Breda"


# ---- confirmations stay bound to who gave them ---------------------------------------------


def confirm(app: Flask, user: User, slug: str, result: str = "worked") -> Any:
    return app.test_client().post(
        f"/api/v1/lessons/{slug}/confirmations",
        json={"result": result, "note": "Bij ons werkte het ook."},
        headers=bearer(user),
    )


def move(slug: str, to: str, curator: User) -> None:
    lesson = lessons.find(slug)
    assert lesson is not None
    current = lessons.current_revision(lesson)
    data = validate({**current.front_matter, "municipality": to}, current.body)
    lessons.update(slug, data, lesson.revision_number, curator, "verplaatst")


def test_a_confirmation_keeps_the_municipality_that_gave_it(
    app: Flask, make_user: Any, curator: User, make_lesson: Any
) -> None:
    slug = make_lesson(municipality="Breda").lesson.slug
    tilburg = make_user(role="author", municipality="Tilburg")
    assert confirm(app, tilburg, slug).status_code == 201
    # The confirming author later works for another municipality: the confirmation was
    # Tilburg's and stays Tilburg's.
    tilburg.municipality = make_user(role="author", municipality="Eindhoven").municipality
    db.session.commit()
    listed = app.test_client().get(f"/api/v1/lessons/{slug}/confirmations").get_json()
    assert [c["municipality"] for c in listed["confirmations"]] == ["Tilburg"]


def test_moving_a_lesson_into_the_confirming_municipality_keeps_but_stops_counting_it(
    app: Flask, make_user: Any, curator: User, make_lesson: Any
) -> None:
    slug = make_lesson(municipality="Breda").lesson.slug
    tilburg = make_user(role="author", municipality="Tilburg")
    haarlem = make_user(role="author", municipality="Haarlem")
    assert confirm(app, tilburg, slug, "worked").status_code == 201
    assert confirm(app, haarlem, slug, "did-not-work").status_code == 201

    move(slug, "Tilburg", curator)

    db.session.expire_all()
    lesson = lessons.find(slug)
    assert lesson is not None
    assert (lesson.confirmation_count, lesson.contradiction_count) == (0, 1)
    assert len(db.session.execute(db.select(Confirmation)).scalars().all()) == 2  # none lost
    listed = app.test_client().get(f"/api/v1/lessons/{slug}/confirmations").get_json()
    assert listed["counts"] == {"worked": 0, "partly": 0, "did-not-work": 1}
    assert [c["municipality"] for c in listed["confirmations"]] == ["Haarlem"]
    assert [c["municipality"] for c in listed["own_municipality"]] == ["Tilburg"]
    page = page_text(app.test_client().get(f"/lessons/{slug}"))
    assert "Vastgelegd door Tilburg voordat de les daarheen verhuisde; telt niet mee" in page

    move(slug, "Breda", curator)  # moved on: Tilburg's experience counts again

    db.session.expire_all()
    lesson = lessons.find(slug)
    assert lesson is not None
    assert (lesson.confirmation_count, lesson.contradiction_count) == (1, 1)


def test_the_confirmer_of_a_moved_lesson_cannot_confirm_again(
    app: Flask, make_user: Any, curator: User, make_lesson: Any
) -> None:
    slug = make_lesson(municipality="Breda").lesson.slug
    tilburg = make_user(role="author", municipality="Tilburg")
    assert confirm(app, tilburg, slug).status_code == 201
    move(slug, "Tilburg", curator)
    refused = confirm(app, tilburg, slug)
    assert refused.status_code == 403  # now its own municipality's lesson


def test_the_service_refuses_with_the_field(author: User, make_lesson: Any) -> None:
    data = validate(
        {
            "title": "Elders",
            "municipality": "Breda",
            "type": "generic",
            "themes": ["onderwijs"],
            "owner": "Team",
            "active_elements": ["x"],
        },
        BODY,
    )
    with pytest.raises(PermissionDenied) as refused:
        lessons.create(data, author)
    assert getattr(refused.value, "field", None) == "municipality"  # shown at that field
