"""A curator's redaction of one older revision: texts replaced, audited, the rest intact."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import PASSWORD, lesson_fields
from tests.test_revision_privacy import BSN, CLEAN, SECRET, SLUG, client_for
from wiki.extensions import db
from wiki.models import REDACTED_TEXT, AuditEvent, Revision, User, redacted_front_matter
from wiki.services import lessons, search
from wiki.services.validation import validate


@pytest.fixture
def three_revisions(make_user: Any) -> User:
    """1: clean draft, 2: the draft with personal data, 3: clean and published."""
    author = make_user(municipality="Tilburg")
    lessons.create(validate(lesson_fields(status="draft"), CLEAN), author, "Opzet")
    lessons.update(SLUG, validate(lesson_fields(status="draft"), CLEAN + SECRET), 1, author)
    lessons.update(SLUG, validate(lesson_fields(status="published"), CLEAN), 2, author, "Schoon")
    return author


@pytest.fixture
def curator(make_user: Any) -> User:
    return make_user(role="curator", municipality=None, organisation="AW Tilburg")  # type: ignore[no-any-return]


def revision(number: int) -> Revision:
    return db.session.execute(
        select(Revision).where(Revision.number == number).execution_options(populate_existing=True)
    ).scalar_one()


def test_a_curator_redacts_an_older_revision_with_a_reason(
    app: Flask, three_revisions: User, curator: User
) -> None:
    client = client_for(app, curator)
    form = client.get(f"/lessons/{SLUG}/revisions/2").get_data(as_text=True)
    assert f'action="/lessons/{SLUG}/revisions/2/redact"' in form
    done = client.post(
        f"/lessons/{SLUG}/revisions/2/redact", data={"reason": "Bevatte een BSN van een cliënt"}
    )
    assert done.status_code == 302
    redacted = revision(2)
    assert redacted.body == REDACTED_TEXT and redacted.title == REDACTED_TEXT
    assert redacted.comment == REDACTED_TEXT and redacted.redacted_by_id == curator.id
    assert redacted.front_matter["owner"] == REDACTED_TEXT
    assert (
        redacted.front_matter["municipality"] == "Tilburg" and "tags" not in redacted.front_matter
    )
    assert revision(1).body == CLEAN and revision(3).body == CLEAN  # the rest of history stays
    for who in (curator, three_revisions, None):
        page = client_for(app, who).get(f"/lessons/{SLUG}/revisions/2").get_data(as_text=True)
        assert BSN not in page and REDACTED_TEXT in page
        diff = client_for(app, who).get(f"/lessons/{SLUG}/diff", query_string={"from": 1, "to": 2})
        assert diff.status_code == 200 and BSN not in diff.get_data(as_text=True)
    history = client_for(app, None).get(f"/lessons/{SLUG}/history").get_data(as_text=True)
    assert "Verwijderd door de redactie" in history
    (event,) = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "revision.redact")
    ).scalars()
    assert event.revision_id == redacted.id and event.detail["reason"].startswith("Bevatte")
    assert search.search(BSN, None).results.total == 0
    # A redacted revision cannot be brought back.
    own = client_for(app, three_revisions)
    own.post(f"/lessons/{SLUG}/revert/2", data={"base_revision": "3"})
    lesson = lessons.find(SLUG)
    assert lesson is not None and lesson.revision_number == 3


def test_redaction_refusals(app: Flask, three_revisions: User, curator: User) -> None:
    author = client_for(app, three_revisions)
    refused = author.post(f"/lessons/{SLUG}/revisions/2/redact", data={"reason": "weg"})
    assert refused.status_code == 403
    client = client_for(app, curator)
    current = client.post(f"/lessons/{SLUG}/revisions/3/redact", data={"reason": "weg"})
    assert current.status_code == 422
    assert "De huidige revisie kan niet worden verwijderd" in current.get_data(as_text=True)
    no_reason = client.post(f"/lessons/{SLUG}/revisions/2/redact", data={"reason": " "})
    assert no_reason.status_code == 422 and "Een reden is verplicht" in no_reason.text
    leaky = client.post(
        f"/lessons/{SLUG}/revisions/2/redact", data={"reason": f"BSN {BSN} stond erin"}
    )
    assert leaky.status_code == 422
    assert f"BSN {BSN} stond erin</textarea>" in leaky.get_data(as_text=True)  # nothing lost
    assert revision(2).redacted_at is None and BSN in revision(2).body
    assert revision(3).redacted_at is None


def test_redaction_needs_the_csrf_token(app_factory: Any, make_user: Any) -> None:
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        curator = make_user(role="curator", municipality=None)
        author = make_user(municipality="Tilburg")
        lessons.create(validate(lesson_fields(status="draft"), CLEAN), author)
        lessons.update(SLUG, validate(lesson_fields(status="published"), CLEAN + "x\n"), 1, author)
        client = app.test_client()
        token = token_from(client, "/login")
        client.post(
            "/login", data={"email": curator.email, "password": PASSWORD, "csrf_token": token}
        )
        url = f"/lessons/{SLUG}/revisions/1/redact"
        assert client.post(url, data={"reason": "weg"}).status_code == 400
        assert revision(1).redacted_at is None
        token = token_from(client, f"/lessons/{SLUG}/revisions/1")
        assert client.post(url, data={"reason": "weg", "csrf_token": token}).status_code == 302
        assert revision(1).redacted_at is not None


def token_from(client: Any, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, f"no csrf_token on {url}"
    return match.group(1)


def test_the_immutability_guard_allows_exactly_the_redaction(
    app: Flask, three_revisions: User, curator: User
) -> None:
    old = revision(2)
    old.body = "iets anders"
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()
    old = revision(2)
    old.redaction_reason = "zonder redactie"
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()
    old = revision(2)
    old.redacted_at = old.created_at
    old.body = "niet de vaste tekst"
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()
    old = revision(2)
    old.privacy_clear = True  # a curator's acceptance of findings
    db.session.flush()
    db.session.rollback()
    old = revision(2)  # exactly the redaction: texts replaced by the placeholder
    old.redacted_at, old.redacted_by_id, old.redaction_reason = old.created_at, curator.id, "BSN"
    old.title = old.body = old.comment = REDACTED_TEXT
    old.front_matter = redacted_front_matter(old.front_matter)
    db.session.flush()
    db.session.commit()
    again = revision(2)  # a redaction happens once; after it nothing changes any more
    again.redaction_reason = "een andere reden"
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()
