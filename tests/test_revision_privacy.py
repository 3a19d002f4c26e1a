"""Old revisions that held personal data stay with the lesson's own people and curators.

A draft may hold personal data; after the author removes it and publishes, no channel may
show the old text to anyone else: history, the old revision, diffs, the API, feeds, revert.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy import update as sql_update

from tests.conftest import lesson_fields, login
from wiki.extensions import db
from wiki.models import Revision, User
from wiki.services import lessons, users
from wiki.services.validation import validate

BSN = "111222333"
PHONE = "06-12345678"
SECRET = (
    f"Mevrouw Fatima el Amrani, Kerkstraat 12 in Tilburg, telefoon {PHONE}, "
    f"BSN {BSN}, kreeg hulp.\n"
)
CLEAN = "## Aanleiding\n\nEen huishouden kreeg snel hulp van het wijkteam.\n"
SLUG = "schuldhulp-aan-de-keukentafel"
SECRET_WORDS = (BSN, PHONE, "Amrani", "Kerkstraat", "Quokkaplan")

VIEWERS = ("anonymous", "reader", "other-author", "own-author", "curator")
INSIDERS = {"own-author", "curator"}


@pytest.fixture
def people(make_user: Any) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "reader": make_user(role="reader", municipality=None),
        "other-author": make_user(municipality="Breda"),
        "own-author": make_user(municipality="Tilburg"),
        "curator": make_user(role="curator", municipality=None, organisation="AW Tilburg"),
    }


@pytest.fixture
def published_after_draft(make_user: Any) -> User:
    """Revision 1: a draft with personal data; revision 2: clean and published."""
    author = make_user(municipality="Tilburg")
    draft = validate(
        lesson_fields(status="draft", slug=SLUG, title="Geheim concept Quokkaplan"), SECRET
    )
    first = lessons.create(draft, author, "Eerste versie")
    assert first.findings and first.revision.privacy_clear is False
    clean = validate(lesson_fields(status="published"), CLEAN)
    second = lessons.update(SLUG, clean, 1, author, "Persoonsgegevens weggehaald")
    assert second.revision.privacy_clear is True
    return author


def web_form(**changes: str) -> dict[str, Any]:
    """The lesson form as a browser posts it."""
    form: dict[str, Any] = {
        "title": "Schuldhulp aan de keukentafel",
        "municipality": "tilburg",
        "type": "generic",
        "active_elements": "vaste contactpersoon",
        "themes": ["armoede-en-schulden"],
        "tags": "wijkteam",
        "owner": "Wijkteam Tilburg-Noord",
        "year": "2024",
        "level": "household",
        "domain": "social",
        "evidence": "practice",
        "status": "published",
        "body": CLEAN,
        "comment": "",
    }
    form.update(changes)
    return form


def client_for(app: Flask, user: User | None) -> FlaskClient:
    client = app.test_client()
    if user is not None:
        login(client, user)
    return client


def bearer(user: User | None) -> dict[str, str]:
    if user is None:
        return {}
    return {"Authorization": f"Bearer {users.create_token(user.email)}"}


def leaks(text: str) -> list[str]:
    return [word for word in SECRET_WORDS if word in text]


@pytest.mark.parametrize("who", VIEWERS)
def test_each_viewer_sees_the_draft_revision_only_when_an_insider(
    app: Flask, published_after_draft: User, people: dict[str, User | None], who: str
) -> None:
    client = client_for(app, people[who])
    insider = who in INSIDERS
    old = client.get(f"/lessons/{SLUG}/revisions/1")
    diff = client.get(f"/lessons/{SLUG}/diff", query_string={"from": 1, "to": 2})
    history = client.get(f"/lessons/{SLUG}/history").get_data(as_text=True)
    if insider:
        assert old.status_code == 200 and BSN in old.get_data(as_text=True)
        assert diff.status_code == 200 and BSN in diff.get_data(as_text=True)
        assert "Eerste versie" in history
    else:
        assert old.status_code == 404 and not leaks(old.get_data(as_text=True))
        assert diff.status_code == 404 and not leaks(diff.get_data(as_text=True))
        reverse = client.get(f"/lessons/{SLUG}/diff", query_string={"from": 2, "to": 1})
        assert reverse.status_code == 404
        assert not leaks(history) and "niet openbaar" in history
        assert f'/lessons/{SLUG}/revisions/1"' not in history
        assert "Eerste versie" not in history  # the edit summary is hidden too
    # The published revision and its default diff are there for everyone.
    assert client.get(f"/lessons/{SLUG}/revisions/2").status_code == 200
    default_diff = client.get(f"/lessons/{SLUG}/diff")
    assert default_diff.status_code == 200
    assert bool(leaks(default_diff.get_data(as_text=True))) is insider  # from 1 only for them
    page = client.get(f"/lessons/{SLUG}").get_data(as_text=True)
    assert not leaks(page)


@pytest.mark.parametrize("who", VIEWERS)
def test_api_revision_list_hides_title_comment_and_author_from_outsiders(
    client: FlaskClient, published_after_draft: User, people: dict[str, User | None], who: str
) -> None:
    response = client.get(f"/api/v1/lessons/{SLUG}/revisions", headers=bearer(people[who]))
    assert response.status_code == 200
    items = {item["revision"]: item for item in response.get_json()["revisions"]}
    assert items[2]["visible"] is True and items[2]["comment"] == "Persoonsgegevens weggehaald"
    if who in INSIDERS:
        assert items[1]["visible"] is True and items[1]["title"] == "Geheim concept Quokkaplan"
    else:
        assert items[1] == {
            "revision": 1,
            "created_at": items[1]["created_at"],
            "visible": False,
            "redacted": False,
        }
    assert not leaks(str(items[2]))


def test_feeds_and_recent_changes_leave_out_hidden_revisions(
    app: Flask, published_after_draft: User, people: dict[str, User | None]
) -> None:
    anonymous = client_for(app, None)
    feed = anonymous.get("/recent.atom").get_data(as_text=True)
    assert "Schuldhulp aan de keukentafel (revisie 2)" in feed and not leaks(feed)
    assert "Eerste versie" not in feed
    for who in ("anonymous", "reader", "other-author"):
        recent = client_for(app, people[who]).get("/recent").get_data(as_text=True)
        assert "Persoonsgegevens weggehaald" in recent and "Quokkaplan" not in recent
    insider = client_for(app, people["own-author"]).get("/recent").get_data(as_text=True)
    assert "Quokkaplan" in insider
    # Feeds are anonymous whatever the session.
    signed_feed = client_for(app, people["curator"]).get("/recent.atom").get_data(as_text=True)
    assert not leaks(signed_feed)


def test_revert_to_a_hidden_revision_only_by_insiders(
    app: Flask, published_after_draft: User, people: dict[str, User | None]
) -> None:
    other = client_for(app, people["other-author"])
    refused = other.post(f"/lessons/{SLUG}/revert/1", data={"base_revision": "2"})
    assert refused.status_code in (403, 404)
    own = client_for(app, people["own-author"])
    # Reverting brings the draft text back; publishing it is refused by the guard.
    done = own.post(f"/lessons/{SLUG}/revert/1", data={"base_revision": "2"})
    assert done.status_code == 302
    lesson = lessons.find(SLUG)
    assert lesson is not None and lesson.revision_number == 3 and lesson.status == "draft"
    assert lessons.current_revision(lesson).privacy_clear is False


@pytest.mark.parametrize(
    ("saved_as", "public"), [("draft", False), ("in-review", False), ("published", True)]
)
def test_revisions_saved_before_the_flag_count_as_public_only_if_saved_published(
    app: Flask, make_lesson: Any, make_user: Any, saved_as: str, public: bool
) -> None:
    author = make_user(municipality="Tilburg")
    make_lesson(body=CLEAN, author=author, status=saved_as)
    clean = validate(lesson_fields(status="published"), CLEAN + "Meer.\n")
    lessons.update(SLUG, clean, 1, author, "Gepubliceerd")
    db.session.execute(sql_update(Revision).values(privacy_clear=None))
    db.session.commit()
    anonymous = client_for(app, None)
    expected = 200 if public else 404
    assert anonymous.get(f"/lessons/{SLUG}/revisions/1").status_code == expected
    assert anonymous.get(f"/lessons/{SLUG}/revisions/2").status_code == 200
    feed = anonymous.get("/recent.atom").get_data(as_text=True)
    assert ("(revisie 1)" in feed) is public
    assert client_for(app, author).get(f"/lessons/{SLUG}/revisions/1").status_code == 200


def test_privacy_clear_is_recorded_by_api_web_and_import(
    app: Flask, client: FlaskClient, make_user: Any, runner: Any, tmp_path: Any
) -> None:
    author = make_user(municipality="Tilburg")
    created = client.post(
        "/api/v1/lessons",
        json={**lesson_fields(status="draft", slug="via-api"), "markdown": SECRET},
        headers=bearer(author),
    )
    assert created.status_code == 201
    web = client_for(app, author)
    response = web.post("/lessons/new", data=web_form(title="Via het web", status="draft"))
    assert response.status_code == 302, response.get_data(as_text=True)
    folder = tmp_path / "import"
    folder.mkdir()
    (folder / "via-import.md").write_text(
        "---\ntitle: Via import\nmunicipality: Tilburg\ntype: generic\n"
        "themes: [armoede-en-schulden]\nowner: Team\nstatus: draft\n---\n" + SECRET,
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-content", str(folder)])
    assert result.exit_code == 0, result.output
    flags = dict(
        db.session.execute(
            select(Revision.title, Revision.privacy_clear).where(Revision.number == 1)
        ).all()
    )
    assert flags == {
        "Schuldhulp aan de keukentafel": False,
        "Via het web": True,
        "Via import": False,
    }


def test_a_curators_override_clears_revisions_held_only_for_that_finding(
    app: Flask, make_user: Any, people: dict[str, User | None]
) -> None:
    author = make_user(municipality="Tilburg")
    body = f"Het testnummer {BSN} uit de handleiding van de leverancier.\n"
    lessons.create(validate(lesson_fields(status="draft", slug=SLUG), body), author)
    lessons.update(SLUG, validate(lesson_fields(status="draft"), SECRET), 1, author)
    lessons.update(SLUG, validate(lesson_fields(status="published"), CLEAN), 2, author)
    anonymous = client_for(app, None)
    assert anonymous.get(f"/lessons/{SLUG}/revisions/1").status_code == 404
    curator = client_for(app, people["curator"])
    done = curator.post(
        f"/lessons/{SLUG}/privacy-override",
        data={"kind": "bsn", "text": BSN, "reason": "Testnummer uit de handleiding"},
    )
    assert done.status_code == 302
    assert anonymous.get(f"/lessons/{SLUG}/revisions/1").status_code == 200
    # Revision 2 also holds a phone number and names: it stays with the insiders.
    assert anonymous.get(f"/lessons/{SLUG}/revisions/2").status_code == 404
