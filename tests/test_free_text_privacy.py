"""Every free text that can become public goes through the privacy guard: edit summaries,
status notes, review notes and reclassification reasons are refused with personal data."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from tests.conftest import lesson_fields
from tests.test_revision_privacy import BSN, CLEAN, SLUG, bearer, client_for, web_form
from wiki.extensions import db
from wiki.models import Reclassification, Review, Revision
from wiki.services import lessons
from wiki.services.validation import validate

LEAKY = f"BSN {BSN} verwijderd"


def revision_count() -> int:
    return db.session.execute(select(func.count()).select_from(Revision)).scalar_one()


def test_api_comment_with_personal_data_is_refused_like_the_body(
    app: Flask, make_user: Any
) -> None:
    author = make_user(municipality="Tilburg")
    client = app.test_client()
    created = client.post(
        "/api/v1/lessons",
        json={**lesson_fields(status="draft"), "markdown": CLEAN, "comment": LEAKY},
        headers=bearer(author),
    )
    assert created.status_code == 422
    error = created.get_json()["error"]
    assert error["code"] == "personal-data"
    (finding,) = error["findings"]
    assert finding["kind"] == "bsn" and finding["field"] == "comment" and finding["text"] == BSN
    lessons.create(validate(lesson_fields(status="draft"), CLEAN), author)
    updated = client.put(
        f"/api/v1/lessons/{SLUG}",
        json={"base_revision": 1, "markdown": CLEAN + "Meer.\n", "comment": LEAKY},
        headers=bearer(author),
    )
    assert updated.status_code == 422 and updated.get_json()["error"]["code"] == "personal-data"
    assert revision_count() == 1


def test_web_edit_summary_with_personal_data_shows_the_form_again(
    app: Flask, make_user: Any
) -> None:
    author = make_user(municipality="Tilburg")
    client = client_for(app, author)
    body = CLEAN + "Een nieuwe alinea die niet verloren mag gaan.\n"
    response = client.post("/lessons/new", data=web_form(status="draft", body=body, comment=LEAKY))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert BSN in page and "niet verloren mag gaan" in page and f'value="{LEAKY}"' in page
    assert revision_count() == 0


def test_status_note_review_note_and_reclassification_reason_are_scanned(
    app: Flask, make_user: Any
) -> None:
    author = make_user(municipality="Tilburg")
    curator = make_user(role="curator", municipality=None, organisation="AW Tilburg")
    lessons.create(validate(lesson_fields(status="draft"), CLEAN), author)
    own = client_for(app, author)
    note = own.post(
        f"/lessons/{SLUG}/status",
        data={"status": "in-review", "base_revision": "1", "note": LEAKY},
    )
    assert note.status_code == 422
    assert revision_count() == 1
    assert (
        own.post(
            f"/lessons/{SLUG}/status", data={"status": "in-review", "base_revision": "1"}
        ).status_code
        == 302
    )
    cur = client_for(app, curator)
    returned = cur.post(f"/lessons/{SLUG}/return", data={"base_revision": "2", "note": LEAKY})
    assert returned.status_code == 422 and revision_count() == 2
    assert f">{LEAKY}</textarea>" in returned.get_data(as_text=True)  # nothing typed is lost
    endorsed = cur.post(f"/lessons/{SLUG}/endorse", data={"base_revision": "2", "note": LEAKY})
    assert endorsed.status_code == 422 and revision_count() == 2
    assert db.session.execute(select(func.count()).select_from(Review)).scalar_one() == 0
    assert cur.post(f"/lessons/{SLUG}/endorse", data={"base_revision": "2"}).status_code == 302
    reason = cur.post(
        f"/lessons/{SLUG}/reclassify",
        data={
            "base_revision": "3",
            "to_type": "context-dependent",
            "reason": f"Werkt alleen bij mevrouw met {LEAKY}",
            "context": "Alleen met een vast wijkteam.",
        },
    )
    assert reason.status_code == 422
    page = reason.get_data(as_text=True)
    assert f"Werkt alleen bij mevrouw met {LEAKY}</textarea>" in page
    assert "Alleen met een vast wijkteam.</textarea>" in page
    assert db.session.execute(select(func.count()).select_from(Reclassification)).scalar_one() == 0
    lesson_page = client_for(app, None).get(f"/lessons/{SLUG}").get_data(as_text=True)
    assert BSN not in lesson_page
