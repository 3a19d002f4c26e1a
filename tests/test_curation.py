"""Roles, workflow and trust (issue 4), through the test client and the real services.

One small world per test: a Tilburg lesson in draft and a published Tilburg lesson, both
created by an author now in Utrecht, and one account per role. Everything goes through real
pages, the real JSON API, a real SQLite file and a real Whoosh index.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from conftest import PASSWORD, lesson_fields, login
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy import update as sql_update

from wiki.extensions import db
from wiki.models import (
    AuditEvent,
    Collection,
    Comment,
    Confirmation,
    Lesson,
    Reclassification,
    Review,
    User,
    utcnow,
)
from wiki.services import audit, collections, curation, lessons, municipalities, users
from wiki.services.errors import PermissionDenied, ValidationFailed
from wiki.services.validation import validate

ATOM = "{http://www.w3.org/2005/Atom}"
ROLES = ("anonymous", "reader", "same", "other", "creator", "curator", "admin")
DRAFT = "verborgen-concept-over-buurtkamers"
PUBLISHED = "open-les-over-buurtkamers"
DRAFT_TITLE = "Verborgen concept over buurtkamers"
PUBLISHED_TITLE = "Open les over buurtkamers"
BODY = "## Aanleiding\n\nBuurtkamers brengen bewoners samen.\n"
DRAFT_BODY = BODY + "\nZie ook [[Open les over buurtkamers]].\n"  # a backlink to the open lesson


# ---- the world ----------------------------------------------------------------------------


ACCOUNTS: dict[str, dict[str, Any]] = {
    "reader": {"role": "reader", "municipality": "Tilburg", "email": "lezer@example.nl"},
    "same": {"role": "author", "municipality": "Tilburg", "email": "tilburg@example.nl"},
    "other": {"role": "author", "municipality": "Amsterdam", "email": "amsterdam@example.nl"},
    "creator": {"role": "author", "municipality": "Utrecht", "email": "maker@example.nl"},
    "curator": {
        "role": "curator",
        "municipality": None,
        "organisation": "Academische Werkplaats Sociaal Domein",
        "email": "curator@example.nl",
    },
    "admin": {"role": "admin", "municipality": None, "email": "beheer@example.nl"},
}


@dataclass
class World:
    """The sample lessons and one account per role, made when first needed (password hashing
    is deliberately slow, so a test only pays for the accounts it uses)."""

    app: Flask
    make_user: Callable[..., User]
    people: dict[str, User]

    def user(self, role: str) -> User | None:
        if role == "anonymous":
            return None
        if role not in self.people:
            self.people[role] = self.make_user(**ACCOUNTS[role])
        return self.people[role]

    def web(self, role: str) -> FlaskClient:
        """A browser, signed in as `role` (anonymous: not signed in)."""
        client = self.app.test_client()
        user = self.user(role)
        if user is not None:
            login(client, user)
        return client

    def api(self, role: str) -> dict[str, str]:
        """Bearer headers for `role` (anonymous: none)."""
        user = self.user(role)
        if user is None:
            return {}
        return {"Authorization": f"Bearer {users.create_token(user.email)}"}


@pytest.fixture
def world(app: Flask, make_user: Any, make_lesson: Any) -> World:
    result = World(app, make_user, {})
    creator = result.user("creator")
    assert creator is not None
    # The creator wrote both lessons while working for Tilburg (authors write for their own
    # municipality) and has since moved to Utrecht: still their lessons, not their town's.
    utrecht = creator.municipality
    creator.municipality = municipalities.get_by_name("Tilburg")
    make_lesson(body=DRAFT_BODY, author=creator, title=DRAFT_TITLE, status="draft")
    make_lesson(body=BODY, author=creator, title=PUBLISHED_TITLE)
    creator.municipality = utrecht
    db.session.commit()
    return result


def fresh(slug: str) -> Lesson:
    """The lesson as the database holds it now (requests commit in their own sessions)."""
    db.session.expire_all()
    lesson = lessons.find(slug)
    assert lesson is not None
    return lesson


def count(model: Any, *where: Any) -> int:
    db.session.expire_all()
    query = select(func.count()).select_from(model)
    for condition in where:
        query = query.where(condition)
    return db.session.execute(query).scalar_one()


def events(action: str | None = None, target: str | None = None) -> list[AuditEvent]:
    """Audit events of content writes (account and token administration left out)."""
    db.session.expire_all()
    query = (
        select(AuditEvent)
        .where(~AuditEvent.action.startswith("user."), ~AuditEvent.action.startswith("token."))
        .order_by(AuditEvent.id)
    )
    if action:
        query = query.where(AuditEvent.action == action)
    if target:
        query = query.where(AuditEvent.target == target)
    return list(db.session.execute(query).scalars())


def text_of(response: Any) -> str:
    return response.get_data(as_text=True)


def followed(client: FlaskClient, response: Any) -> str:
    """The page a redirect leads to (where flashed messages show)."""
    assert response.status_code == 302, text_of(response)
    return text_of(client.get(response.headers["Location"]))


def edit_form(slug: str, base: int, body: str, **changes: Any) -> dict[str, Any]:
    """What the edit form submits for the sample lessons (every field, as a browser would)."""
    lesson = fresh(slug)
    form: dict[str, Any] = {
        "title": lesson.title,
        "municipality": "Tilburg",
        "type": lesson.type,
        "context": "",
        "active_elements": "vaste contactpersoon",
        "themes": ["armoede-en-schulden"],
        "level": "",
        "domain": "",
        "tags": "wijkteam",
        "owner": "Wijkteam Tilburg-Noord",
        "organisation": "",
        "year": "2024",
        "status": lesson.status,
        "evidence": "",
        "summary": "",
        "target_group": "",
        "body": body,
        "comment": "bewerkt",
        "base_revision": str(base),
    }
    form.update(changes)
    return form


def section(page: str, heading: str) -> str:
    """The part of a page from the <h2> that starts with `heading` to the next <h2>."""
    start = page.index(f"<h2>{heading}")
    end = page.find("<h2>", start + 4)
    return page[start : end if end != -1 else len(page)]


def feed_titles(response: Any) -> list[str]:
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)  # noqa: S314 - our own feed, as the brief asks
    assert root.tag == f"{ATOM}feed"
    return [entry.findtext(f"{ATOM}title") or "" for entry in root.iter(f"{ATOM}entry")]


# ---- 1. roles x actions -------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    run: Callable[[World, str], Any]  # (world, role) -> response
    done: Callable[[], bool] | None  # did the write happen? (None for reads)
    ok: int  # the status code of success (web writes redirect back: 302)


def _web_post(path: str, data: Callable[[], dict[str, Any]]) -> Callable[[World, str], Any]:
    return lambda w, role: w.web(role).post(path, data=data())


def _web_get(path: str) -> Callable[[World, str], Any]:
    return lambda w, role: w.web(role).get(path)


def _api(method: str, path: str, body: Callable[[], Any] | None = None) -> Callable[..., Any]:
    def run(w: World, role: str) -> Any:
        kwargs = {"json": body()} if body else {}
        return w.app.test_client().open(path, method=method, headers=w.api(role), **kwargs)

    return run


ACTIONS: dict[str, Action] = {
    "view draft page": Action(_web_get(f"/lessons/{DRAFT}"), None, 200),
    "view draft API": Action(_api("GET", f"/api/v1/lessons/{DRAFT}"), None, 200),
    "edit web": Action(
        _web_post(
            f"/lessons/{PUBLISHED}/edit", lambda: edit_form(PUBLISHED, 1, BODY + "\nMeer.\n")
        ),
        lambda: fresh(PUBLISHED).revision_number == 2,
        302,
    ),
    "edit API": Action(
        _api("PUT", f"/api/v1/lessons/{PUBLISHED}", lambda: {"base_revision": 1, "year": 2023}),
        lambda: fresh(PUBLISHED).revision_number == 2,
        200,
    ),
    "edit draft API": Action(
        _api("PUT", f"/api/v1/lessons/{DRAFT}", lambda: {"base_revision": 1, "year": 2023}),
        lambda: fresh(DRAFT).revision_number == 2,
        200,
    ),
    "change status": Action(
        _web_post(f"/lessons/{DRAFT}/status", lambda: {"status": "in-review", "base_revision": 1}),
        lambda: fresh(DRAFT).status == "in-review",
        302,
    ),
    "endorse": Action(
        _web_post(f"/lessons/{DRAFT}/endorse", lambda: {"base_revision": 1, "note": "Goed"}),
        lambda: count(Review) == 1 and fresh(DRAFT).status == "published",
        302,
    ),
    "reclassify": Action(
        _web_post(
            f"/lessons/{PUBLISHED}/reclassify",
            lambda: {
                "base_revision": 1,
                "to_type": "context-dependent",
                "reason": "Werkt alleen met een bestaand buurtnetwerk.",
                "context": "Er was al een actief buurtnetwerk.",
            },
        ),
        lambda: fresh(PUBLISHED).type == "context-dependent",
        302,
    ),
    "confirm web": Action(
        _web_post(
            f"/lessons/{PUBLISHED}/confirmations",
            lambda: {"result": "worked", "note": "Bij ons werkte het ook via het wijkteam."},
        ),
        lambda: count(Confirmation) == 1,
        302,
    ),
    "confirm API": Action(
        _api(
            "POST",
            f"/api/v1/lessons/{PUBLISHED}/confirmations",
            lambda: {"result": "partly", "note": "Deels: minder vrijwilligers."},
        ),
        lambda: count(Confirmation) == 1,
        201,
    ),
    "comment web": Action(
        _web_post(f"/lessons/{PUBLISHED}/comments", lambda: {"body": "Mooi voorbeeld."}),
        lambda: count(Comment) == 1,
        302,
    ),
    "comment draft web": Action(
        _web_post(f"/lessons/{DRAFT}/comments", lambda: {"body": "Nog een vraag."}),
        lambda: count(Comment) == 1,
        302,
    ),
    "comment API": Action(
        _api("POST", f"/api/v1/lessons/{PUBLISHED}/comments", lambda: {"body": "Via de API."}),
        lambda: count(Comment) == 1,
        201,
    ),
    "view /curation/": Action(_web_get("/curation/"), None, 200),
    "view /audit/": Action(_web_get("/audit/"), None, 200),
    "create collection": Action(
        _web_post(
            "/collections/new",
            lambda: {"title": "Dossier buurtkamers", "introduction": "Inleiding.", "lessons": ""},
        ),
        lambda: count(Collection) == 1,
        302,
    ),
}

OK, LOGIN = "ok", "login"  # success; anonymous web visitor sent to the login page
# Columns: anonymous, reader, same municipality, other municipality, creator, curator, admin.
TABLE: dict[str, tuple[Any, ...]] = {
    "view draft page": (404, 404, OK, 404, OK, OK, OK),
    "view draft API": (404, 404, OK, 404, OK, OK, OK),
    "edit web": (LOGIN, 403, OK, 403, OK, OK, OK),
    "edit API": (401, 403, OK, 403, OK, OK, OK),
    "edit draft API": (401, 403, OK, 404, OK, OK, OK),
    "change status": (LOGIN, 404, OK, 404, OK, OK, OK),
    "endorse": (LOGIN, 403, 403, 403, 403, OK, OK),
    "reclassify": (LOGIN, 403, 403, 403, 403, OK, OK),
    # Same municipality: no self-confirmation. Curators and admins belong to no municipality.
    # The creator may not vouch for their own lesson, even from another municipality.
    "confirm web": (LOGIN, 403, 403, OK, 403, 403, 403),
    "confirm API": (401, 403, 403, OK, 403, 403, 403),
    "comment web": (LOGIN, OK, OK, OK, OK, OK, OK),
    "comment draft web": (LOGIN, 404, OK, 404, OK, OK, OK),
    "comment API": (401, OK, OK, OK, OK, OK, OK),
    "view /curation/": (LOGIN, 403, 403, 403, 403, OK, OK),
    "view /audit/": (LOGIN, 403, 403, 403, 403, OK, OK),
    "create collection": (LOGIN, 403, 403, 403, 403, OK, OK),
}

CASES = [
    pytest.param(action, role, expected, id=f"{action}-{role}")
    for action, row in TABLE.items()
    for role, expected in zip(ROLES, row, strict=True)
]


@pytest.mark.parametrize(("action", "role", "expected"), CASES)
def test_role_action_table(world: World, action: str, role: str, expected: Any) -> None:
    spec = ACTIONS[action]
    response = spec.run(world, role)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    elif expected == OK:
        assert response.status_code == spec.ok, text_of(response)
        if spec.ok == 302:  # back to the lesson, or on to the new collection
            assert not response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == expected, text_of(response)
        if response.mimetype == "application/json":
            assert response.get_json()["error"]["code"]
    if spec.done is not None:
        assert spec.done() is (expected == OK), f"{action} by {role}"


def test_table_covers_every_action() -> None:
    assert set(TABLE) == set(ACTIONS)


# ---- 2. drafts and lessons in review in every channel ----------------------------------------

COLLECTION = "dossier-buurtkamers"


def _channels(w: World, role: str) -> dict[str, bool]:
    """For every channel: does it show the hidden lesson to `role`?"""
    web, headers = w.web(role), w.api(role)
    api = w.app.test_client()

    def page_has(path: str) -> bool:
        response = web.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return DRAFT_TITLE in text_of(response)

    def api_slugs(path: str, key: str) -> list[str]:
        response = api.get(path, headers=headers)
        assert response.status_code == 200, text_of(response)
        return [item["slug"] for item in response.get_json()[key]]

    def status_of(path: str) -> int:
        return web.get(path).status_code

    shown = {
        "page": status_of(f"/lessons/{DRAFT}") == 200,
        "history": status_of(f"/lessons/{DRAFT}/history") == 200,
        "source": status_of(f"/lessons/{DRAFT}/source") == 200,
        "diff": status_of(f"/lessons/{DRAFT}/diff") == 200,
        "revision": status_of(f"/lessons/{DRAFT}/revisions/1") == 200,
        "api lesson": api.get(f"/api/v1/lessons/{DRAFT}", headers=headers).status_code == 200,
        "api revisions": (
            api.get(f"/api/v1/lessons/{DRAFT}/revisions", headers=headers).status_code == 200
        ),
        "api list": DRAFT in api_slugs("/api/v1/lessons", "lessons"),
        "api list by status": DRAFT
        in api_slugs(f"/api/v1/lessons?status={fresh(DRAFT).status}", "lessons"),
        "listing": page_has("/lessons/"),
        "home": page_has("/"),
        "municipality": page_has("/municipalities/Tilburg"),
        "search page": page_has("/search?q=buurtkamers"),
        "api search": DRAFT in api_slugs("/api/v1/search?q=buurtkamers", "hits"),
        "recent": page_has("/recent"),
        "recent feed": any(t.startswith(DRAFT_TITLE) for t in feed_titles(web.get("/recent.atom"))),
        "collection": page_has(f"/collections/{COLLECTION}"),
        "collection feed": DRAFT_TITLE in feed_titles(web.get(f"/collections/{COLLECTION}.atom")),
        "collection count": "Dossier buurtkamers</a> · 2 lessen"
        in text_of(web.get("/collections/")),
        "backlinks": page_has(f"/lessons/{PUBLISHED}"),
    }
    if not shown["page"]:  # similar lessons: never the hidden one (it may or may not be similar)
        assert DRAFT_TITLE not in text_of(web.get(f"/lessons/{PUBLISHED}/related"))
    # The open lesson is there for everyone, so the channels themselves work.
    assert PUBLISHED in api_slugs("/api/v1/search?q=buurtkamers", "hits")
    assert PUBLISHED in api_slugs("/api/v1/lessons", "lessons")
    assert PUBLISHED_TITLE in text_of(web.get(f"/collections/{COLLECTION}"))
    return shown


FEEDS = {"recent feed", "collection feed"}  # read anonymously by feed readers: never private


@pytest.mark.parametrize("status", ["draft", "in-review"])
@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("anonymous", False),
        ("reader", False),
        ("other", False),
        ("same", True),
        ("creator", True),
        ("curator", True),
    ],
)
def test_private_lesson_in_every_channel(world: World, status: str, role: str, sees: bool) -> None:
    curator = world.user("curator")
    if status == "in-review":
        curation.set_status(DRAFT, "in-review", 1, world.user("creator"))
    collections.create(curator, "Dossier buurtkamers", "Twee lessen.", [PUBLISHED, DRAFT])
    assert fresh(DRAFT).status == status

    shown = _channels(world, role)

    expected = {channel: sees and channel not in FEEDS for channel in shown}
    assert shown == expected


def test_hidden_lesson_answers_like_a_missing_one(world: World) -> None:
    """404 with the same message as a slug that never existed: nothing gives the draft away."""
    web = world.web("other")
    hidden, missing = web.get(f"/lessons/{DRAFT}"), web.get("/lessons/bestaat-niet")
    assert hidden.status_code == missing.status_code == 404
    api = world.app.test_client()
    error = api.get(f"/api/v1/lessons/{DRAFT}", headers=world.api("other")).get_json()["error"]
    assert error["code"] == "not-found"
    assert api.get(f"/api/v1/lessons/{DRAFT}/confirmations").status_code == 404


# ---- 3. the workflow ------------------------------------------------------------------------


def test_submit_for_review_then_return_to_author(world: World) -> None:
    author = world.web("same")
    page = text_of(author.get(f"/lessons/{DRAFT}"))
    assert "Ter beoordeling aanbieden" in page
    response = author.post(
        f"/lessons/{DRAFT}/status", data={"status": "in-review", "base_revision": 1}
    )
    assert "Status gewijzigd: In review" in followed(author, response)
    lesson = fresh(DRAFT)
    assert (lesson.status, lesson.revision_number) == ("in-review", 2)
    assert lessons.current_revision(lesson).comment == "Status: In review"

    curator = world.web("curator")
    assert DRAFT_TITLE in section(text_of(curator.get("/curation/")), "Aangeboden")
    assert "Terugsturen naar de auteur" in text_of(curator.get(f"/lessons/{DRAFT}"))

    # A return needs a note for the author.
    response = curator.post(f"/lessons/{DRAFT}/return", data={"base_revision": 2, "note": " "})
    assert "Een toelichting voor de auteur is verplicht" in followed(curator, response)
    assert fresh(DRAFT).status == "in-review" and count(Review) == 0

    note = "Noem de werkzame elementen en de doelgroep."
    response = curator.post(f"/lessons/{DRAFT}/return", data={"base_revision": 2, "note": note})
    assert "teruggestuurd naar de auteur" in followed(curator, response)
    lesson = fresh(DRAFT)
    assert (lesson.status, lesson.revision_number) == ("draft", 3)
    review = db.session.execute(select(Review)).scalar_one()
    assert (review.verdict, review.note, review.revision_number) == ("returned", note, 3)
    assert review.revision_id == lessons.current_revision(lesson).id
    assert review.curator.email == "curator@example.nl"
    # The author reads the note on the lesson and in its history; the queue is empty again.
    assert html.escape(note) in text_of(author.get(f"/lessons/{DRAFT}"))
    assert f"Teruggestuurd: {html.escape(note)}" in text_of(author.get(f"/lessons/{DRAFT}/history"))
    assert DRAFT_TITLE not in section(text_of(curator.get("/curation/")), "Aangeboden")
    # A returned lesson carries no endorsement.
    assert "Beoordeeld door" not in text_of(author.get(f"/lessons/{DRAFT}"))


def test_only_lessons_in_review_can_be_returned_by_web_form_buttons(world: World) -> None:
    page = text_of(world.web("curator").get(f"/lessons/{PUBLISHED}"))
    assert "Terugsturen naar de auteur" not in page
    assert "Beoordelen</button>" in page  # already published: endorse without publishing


def test_endorse_publishes_sets_review_by_and_flags_later_edits(world: World) -> None:
    curation.set_status(DRAFT, "in-review", 1, world.user("creator"))
    curator = world.web("curator")
    assert "Beoordelen en publiceren" in text_of(curator.get(f"/lessons/{DRAFT}"))
    response = curator.post(f"/lessons/{DRAFT}/endorse", data={"base_revision": 2, "note": "Sterk"})
    assert "Beoordeeld" in followed(curator, response)

    lesson = fresh(DRAFT)
    assert (lesson.status, lesson.revision_number) == ("published", 3)
    expected = utcnow() + timedelta(days=730)
    assert abs(lesson.review_by - expected) < timedelta(minutes=1)
    assert lesson.published_at is not None
    review = db.session.execute(select(Review)).scalar_one()
    assert (review.verdict, review.revision_number, review.note) == ("endorsed", 3, "Sterk")
    assert review.revision_id == lessons.current_revision(lesson).id
    assert review.organisation == "Academische Werkplaats Sociaal Domein"

    anonymous = world.app.test_client()
    page = text_of(anonymous.get(f"/lessons/{DRAFT}"))
    assert "Beoordeeld door Academische Werkplaats Sociaal Domein" in page
    assert "revisie 3." in page
    assert "Gewijzigd sinds de beoordeling" not in page

    # A later edit by the author: the endorsement stays, marked as older than the text.
    response = world.app.test_client().put(
        f"/api/v1/lessons/{DRAFT}",
        json={"base_revision": 3, "markdown": DRAFT_BODY + "\nNa de beoordeling toegevoegd.\n"},
        headers=world.api("same"),
    )
    assert response.status_code == 200, text_of(response)
    page = text_of(anonymous.get(f"/lessons/{DRAFT}"))
    assert "Gewijzigd sinds de beoordeling" in page
    link = f"/lessons/{DRAFT}/diff?from=3&amp;to=4"
    assert f'href="{link}"' in page
    diff = anonymous.get(html.unescape(link))
    assert diff.status_code == 200
    shown = re.sub(r"<[^>]+>", "", text_of(diff))
    assert "Revisie 3 (" in shown and "revisie 4 (" in shown
    assert "Na de beoordeling toegevoegd." in shown

    # Endorsing the new revision clears the mark (a published lesson stays at revision 4).
    response = curator.post(f"/lessons/{DRAFT}/endorse", data={"base_revision": 4})
    assert response.status_code == 302
    assert fresh(DRAFT).revision_number == 4
    page = text_of(anonymous.get(f"/lessons/{DRAFT}"))
    assert "revisie 4." in page and "Gewijzigd sinds de beoordeling" not in page


def test_endorsement_of_a_stale_revision_is_refused(world: World) -> None:
    """The curator read revision 1; someone saved revision 2 since: no endorsement of 2."""
    curator = world.web("curator")
    response = world.app.test_client().put(
        f"/api/v1/lessons/{PUBLISHED}",
        json={"base_revision": 1, "markdown": BODY + "\nIntussen gewijzigd.\n"},
        headers=world.api("same"),
    )
    assert response.status_code == 200
    response = curator.post(f"/lessons/{PUBLISHED}/endorse", data={"base_revision": 1})
    assert "intussen gewijzigd" in followed(curator, response)
    assert count(Review) == 0
    assert events("review.endorsed") == []


@pytest.fixture
def review_world(world: World, app_factory: Callable[..., Flask]) -> World:
    """The same data served by a deployment that requires review before publication."""
    world.app = app_factory(REVIEW_REQUIRED=True)
    return world


def test_review_required_refuses_an_authors_direct_publish(review_world: World) -> None:
    w = review_world
    author, api = w.web("same"), w.app.test_client()
    headers = w.api("same")

    page = text_of(author.get(f"/lessons/{DRAFT}"))
    assert "Ter beoordeling aanbieden" in page and ">Publiceren</button>" not in page

    response = author.post(
        f"/lessons/{DRAFT}/status", data={"status": "published", "base_revision": 1}
    )
    assert response.status_code == 403
    response = author.post(
        f"/lessons/{DRAFT}/edit", data=edit_form(DRAFT, 1, DRAFT_BODY, status="published")
    )
    assert response.status_code == 403
    assert "beoordeling" in text_of(response)
    response = api.put(
        f"/api/v1/lessons/{DRAFT}",
        json={"base_revision": 1, "status": "published"},
        headers=headers,
    )
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    new = {**lesson_fields(title="Nieuwe les over buurtkamers"), "markdown": BODY}
    response = api.post("/api/v1/lessons", json={**new, "status": "published"}, headers=headers)
    assert response.status_code == 403
    lesson = fresh(DRAFT)
    assert (lesson.status, lesson.revision_number) == ("draft", 1)
    assert lessons.find("nieuwe-les-over-buurtkamers") is None

    # Drafts and submissions are fine.
    assert (
        api.post("/api/v1/lessons", json={**new, "status": "draft"}, headers=headers).status_code
        == 201
    )
    response = author.post(
        f"/lessons/{DRAFT}/status", data={"status": "in-review", "base_revision": 1}
    )
    assert response.status_code == 302 and fresh(DRAFT).status == "in-review"

    # A curator publishes; then the author edits the published lesson as usual.
    curator = w.web("curator")
    assert ">Publiceren</button>" in text_of(curator.get(f"/lessons/{DRAFT}"))
    response = curator.post(
        f"/lessons/{DRAFT}/status", data={"status": "published", "base_revision": 2}
    )
    assert response.status_code == 302 and fresh(DRAFT).status == "published"
    response = api.put(
        f"/api/v1/lessons/{DRAFT}", json={"base_revision": 3, "year": 2022}, headers=headers
    )
    assert response.status_code == 200 and response.get_json()["status"] == "published"


def test_without_review_required_an_author_publishes_directly(world: World) -> None:
    author = world.web("same")
    response = author.post(
        f"/lessons/{DRAFT}/status", data={"status": "published", "base_revision": 1}
    )
    assert response.status_code == 302
    lesson = fresh(DRAFT)
    assert lesson.status == "published"
    assert abs(lesson.review_by - (utcnow() + timedelta(days=730))) < timedelta(minutes=1)


def test_reclassify_needs_a_reason_and_shows_it(world: World) -> None:
    curator = world.web("curator")
    form = {
        "base_revision": 1,
        "to_type": "context-dependent",
        "context": "Een actief buurtnetwerk.",
    }

    response = curator.post(f"/lessons/{PUBLISHED}/reclassify", data={**form, "reason": ""})
    assert "Een reden is verplicht" in followed(curator, response)
    assert fresh(PUBLISHED).revision_number == 1 and count(Reclassification) == 0
    with pytest.raises(ValidationFailed) as refused:
        curation.reclassify(PUBLISHED, 1, world.user("curator"), "context-dependent", "  ")
    assert refused.value.status == 422
    assert "reason" in refused.value.details()["fields"]
    # Context-dependent needs its context, like any lesson.
    response = curator.post(
        f"/lessons/{PUBLISHED}/reclassify", data={**form, "context": "", "reason": "Lokaal."}
    )
    assert "context" in followed(curator, response)
    assert fresh(PUBLISHED).type == "generic"

    reason = "Werkte alleen dankzij het bestaande buurtnetwerk."
    response = curator.post(f"/lessons/{PUBLISHED}/reclassify", data={**form, "reason": reason})
    assert response.status_code == 302
    lesson = fresh(PUBLISHED)
    assert (lesson.type, lesson.revision_number) == ("context-dependent", 2)
    revision = lessons.current_revision(lesson)
    assert revision.front_matter["type"] == "context-dependent"
    assert revision.front_matter["context"] == "Een actief buurtnetwerk."
    record = db.session.execute(select(Reclassification)).scalar_one()
    assert (record.from_type, record.to_type, record.reason) == (
        "generic",
        "context-dependent",
        reason,
    )
    assert record.revision_id == revision.id

    anonymous = world.app.test_client()
    page = text_of(anonymous.get(f"/lessons/{PUBLISHED}"))
    assert (
        "Hergeclassificeerd van generiek naar contextafhankelijk\n    door "
        "Academische Werkplaats Sociaal Domein" in page
    )
    assert reason in page
    history = text_of(anonymous.get(f"/lessons/{PUBLISHED}/history"))
    assert f"Hergeclassificeerd naar contextafhankelijk: {reason}" in history
    # Revision 1 stays as it was.
    assert lessons.get_revision(lesson, 1).front_matter["type"] == "generic"


# ---- 4. confirmations -----------------------------------------------------------------------


def confirm(w: World, role: str, slug: str, result: str, note: str = "Bij ons ook zo.") -> Any:
    return w.app.test_client().post(
        f"/api/v1/lessons/{slug}/confirmations",
        json={"result": result, "note": note},
        headers=w.api(role),
    )


def test_confirmation_api(world: World) -> None:
    note = "Werkte ook, met een vrijwilliger als gastvrouw."
    response = confirm(world, "other", PUBLISHED, "worked", note)
    assert response.status_code == 201, text_of(response)
    body = response.get_json()
    assert set(body) == {"result", "note", "municipality", "province", "created_at"}
    assert (body["result"], body["note"]) == ("worked", note)
    assert (body["municipality"], body["province"]) == ("Amsterdam", "Noord-Holland")
    assert response.headers["Location"].endswith(f"/api/v1/lessons/{PUBLISHED}/confirmations")

    listed = world.app.test_client().get(response.headers["Location"]).get_json()
    assert listed["counts"] == {"worked": 1, "partly": 0, "did-not-work": 0}
    assert listed["contradicted"] is False
    assert listed["confirmations"] == [body]
    lesson = world.app.test_client().get(f"/api/v1/lessons/{PUBLISHED}").get_json()
    assert (lesson["confirmations"], lesson["contradictions"]) == (1, 0)

    again = confirm(world, "other", PUBLISHED, "partly")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already-recorded"
    own = confirm(world, "same", PUBLISHED, "worked")
    assert own.status_code == 403 and own.get_json()["error"]["code"] == "forbidden"
    bad = confirm(world, "other", PUBLISHED, "misschien")
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"result"}
    empty = confirm(world, "other", PUBLISHED, "worked", "  ")
    assert empty.status_code == 422 and set(empty.get_json()["error"]["fields"]) == {"note"}
    # A draft: invisible to other municipalities, and not confirmable by those who see it.
    assert confirm(world, "other", DRAFT, "worked").status_code == 404
    assert confirm(world, "creator", DRAFT, "worked").status_code == 403
    assert count(Confirmation) == 1
    assert fresh(PUBLISHED).confirmation_count == 1


def test_confirmations_on_the_lesson_page_by_province_and_contradiction_flag(
    world: World, make_user: Any
) -> None:
    make_user(role="author", municipality="Haarlem", email="haarlem@example.nl")
    make_user(role="author", municipality="Zwolle", email="zwolle@example.nl")
    world.people["haarlem"] = users.find_by_email("haarlem@example.nl")
    world.people["zwolle"] = users.find_by_email("zwolle@example.nl")
    assert confirm(world, "other", PUBLISHED, "worked", "Amsterdam: werkte.").status_code == 201
    assert confirm(world, "haarlem", PUBLISHED, "partly", "Haarlem: deels.").status_code == 201
    anonymous = world.app.test_client()
    assert "werkte niet overal" not in text_of(anonymous.get(f"/lessons/{PUBLISHED}"))
    assert PUBLISHED_TITLE not in section(
        text_of(world.web("curator").get("/curation/")), "Tegengesproken"
    )

    assert confirm(world, "zwolle", PUBLISHED, "did-not-work", "Zwolle: niet.").status_code == 201
    page = text_of(anonymous.get(f"/lessons/{PUBLISHED}"))
    part = page[page.index('id="bevestigingen-kop"') :]
    assert "Werkte ook bij ons: <strong>1</strong>" in part
    assert "Werkte deels: <strong>1</strong>" in part
    assert "Werkte niet bij ons: <strong>1</strong>" in part
    north_holland = part[part.index("<h3>Noord-Holland</h3>") : part.index("<h3>Overijssel</h3>")]
    assert (
        "<strong>Amsterdam</strong>" in north_holland
        and "<strong>Haarlem</strong>" in north_holland
    )
    assert "Zwolle" not in north_holland
    assert (
        "<strong>Zwolle</strong>: Werkte niet bij ons" in part[part.index("<h3>Overijssel</h3>") :]
    )
    assert "Haarlem: deels." in part

    # A generic lesson that did not work elsewhere: flagged on the page and for curators.
    assert "Deze generieke les werkte niet overal" in page
    queue_page = text_of(world.web("curator").get("/curation/"))
    assert PUBLISHED_TITLE in section(queue_page, "Tegengesproken")
    listed = anonymous.get(f"/api/v1/lessons/{PUBLISHED}/confirmations").get_json()
    assert listed["contradicted"] is True
    assert listed["counts"] == {"worked": 1, "partly": 1, "did-not-work": 1}
    lesson = fresh(PUBLISHED)
    assert (lesson.confirmation_count, lesson.contradiction_count) == (2, 1)

    # Once reclassified as context-dependent it is no longer a contradiction.
    curation.reclassify(
        PUBLISHED,
        1,
        world.user("curator"),
        "context-dependent",
        "Hangt af van vrijwilligers.",
        "Alleen met vaste vrijwilligers.",
    )
    assert "werkte niet overal" not in text_of(anonymous.get(f"/lessons/{PUBLISHED}"))
    assert PUBLISHED_TITLE not in section(
        text_of(world.web("curator").get("/curation/")), "Tegengesproken"
    )


def test_confirmation_form_only_for_authors_of_other_municipalities(world: World) -> None:
    assert "Ervaring vastleggen" in text_of(world.web("other").get(f"/lessons/{PUBLISHED}"))
    for role in ("anonymous", "reader", "same", "curator"):
        assert "Ervaring vastleggen" not in text_of(world.web(role).get(f"/lessons/{PUBLISHED}"))


TWO, ONE = "twee-keer-bevestigd-over-buurtkamers", "een-keer-bevestigd-over-buurtkamers"


@pytest.fixture
def confirmed(world: World, make_lesson: Any, make_user: Any) -> FlaskClient:
    """Three published lessons about buurtkamers with 2, 1 and 0 counted confirmations."""
    make_lesson(body=BODY, title="Twee keer bevestigd over buurtkamers", municipality="Breda")
    make_lesson(body=BODY, title="Een keer bevestigd over buurtkamers", municipality="Eindhoven")
    world.people["haarlem"] = make_user(role="author", municipality="Haarlem")
    assert confirm(world, "other", TWO, "worked").status_code == 201
    assert confirm(world, "haarlem", TWO, "partly").status_code == 201
    assert confirm(world, "other", ONE, "worked").status_code == 201
    assert confirm(world, "other", PUBLISHED, "did-not-work").status_code == 201  # not counted
    return world.app.test_client()


def search_hits(client: FlaskClient, query: str) -> list[str]:
    response = client.get(f"/api/v1/search?{query}")
    assert response.status_code == 200, text_of(response)
    return [hit["slug"] for hit in response.get_json()["hits"]]


def test_search_filters_on_confirmations(confirmed: FlaskClient) -> None:
    api = confirmed
    assert sorted(search_hits(api, "q=buurtkamers")) == sorted([TWO, ONE, PUBLISHED])
    assert search_hits(api, "q=buurtkamers&confirmations=2") == [TWO]
    assert sorted(search_hits(api, "q=buurtkamers&confirmations=1")) == sorted([TWO, ONE])
    assert search_hits(api, "q=buurtkamers+bevestigd:2") == [TWO]
    assert sorted(search_hits(api, "q=bevestigd:1")) == sorted([TWO, ONE])
    answer = api.get("/api/v1/search?q=buurtkamers+bevestigd:2").get_json()
    assert answer["filters"].get("confirmations") == "2" and answer["query"] == "buurtkamers"
    page = text_of(api.get("/search?q=buurtkamers&confirmations=2"))
    assert "Twee keer bevestigd" in page and "Een keer bevestigd" not in page


def test_search_sorts_on_confirmations(confirmed: FlaskClient) -> None:
    api = confirmed
    assert search_hits(api, "q=buurtkamers&sort=confirmed") == [TWO, ONE, PUBLISHED]
    response = api.get("/search?q=buurtkamers&sort=confirmed")
    assert response.status_code == 200
    page = text_of(response)
    titles = ("Twee keer bevestigd", "Een keer bevestigd", PUBLISHED_TITLE)
    positions = [page.index(title) for title in titles]
    assert positions == sorted(positions)


# ---- 5. the curator's queue -----------------------------------------------------------------


def test_curator_queue(world: World, make_lesson: Any) -> None:
    creator, curator_user = world.user("creator"), world.user("curator")
    for title in (
        "Achterstallige les",
        "Recente les",
        "Ervaring na beoordeling",
        "Beoordeeld na ervaring",
    ):
        make_lesson(body=BODY, author=world.user("same"), title=title)
    curation.set_status(DRAFT, "in-review", 1, creator)
    db.session.execute(
        sql_update(Lesson)
        .where(Lesson.slug == "achterstallige-les")
        .values(review_by=utcnow() - timedelta(days=3))
    )
    db.session.commit()
    # Endorsed, then new evidence; and evidence that the last review already saw.
    curation.endorse("ervaring-na-beoordeling", 1, curator_user)
    assert confirm(world, "other", "ervaring-na-beoordeling", "partly").status_code == 201
    assert confirm(world, "other", "beoordeeld-na-ervaring", "worked").status_code == 201
    curation.endorse("beoordeeld-na-ervaring", 1, curator_user)
    assert confirm(world, "other", PUBLISHED, "worked").status_code == 201  # never reviewed

    page = text_of(world.web("curator").get("/curation/"))
    submitted = section(page, "Aangeboden")
    assert DRAFT_TITLE in submitted and "Recente les" not in submitted
    overdue = section(page, "Over de beoordelingsdatum")
    assert "Achterstallige les" in overdue
    assert "Recente les" not in overdue and PUBLISHED_TITLE not in overdue
    evidence = section(page, "Nieuwe ervaringen")
    assert "Ervaring na beoordeling" in evidence and PUBLISHED_TITLE in evidence
    assert "Beoordeeld na ervaring" not in evidence

    queue = curation.queue(curator_user)
    assert [x.slug for x in queue.submitted] == [DRAFT]
    assert [x.slug for x in queue.overdue] == ["achterstallige-les"]
    assert sorted(x.slug for x in queue.new_evidence) == sorted(
        ["ervaring-na-beoordeling", PUBLISHED]
    )
    assert queue.total == 4

    # Reviewing clears a lesson from the queue; a new review date lies two years ahead.
    curation.endorse("achterstallige-les", 1, curator_user)
    curation.endorse(PUBLISHED, 1, curator_user)
    queue = curation.queue(curator_user)
    assert queue.overdue == [] and [x.slug for x in queue.new_evidence] == [
        "ervaring-na-beoordeling"
    ]
    assert fresh("achterstallige-les").review_by > utcnow() + timedelta(days=729)

    # Two years on, every published lesson is due again.
    later = curation.queue(curator_user, now=utcnow() + timedelta(days=731))
    assert {x.slug for x in later.overdue} >= {"achterstallige-les", "recente-les", PUBLISHED}
    with pytest.raises(PermissionDenied):
        curation.queue(world.user("same"))


# ---- 6. collections -------------------------------------------------------------------------

INTRODUCTION = (
    "Wat werkt in **buurtkamers**?\n\n<script>alert('dossier')</script>\n\n"
    "[klik](javascript:alert(1)) <img src=x onerror=alert(2)>\n"
)


def test_collection_workflow(world: World, make_lesson: Any) -> None:
    make_lesson(body=BODY, title="Derde les over buurtkamers", municipality="Breda")
    third = "derde-les-over-buurtkamers"
    curator = world.web("curator")
    assert curator.get("/collections/new").status_code == 200
    response = curator.post(
        "/collections/new",
        data={
            "title": "Dossier buurtkamers",
            "introduction": INTRODUCTION,
            "lessons": f"{third}\n{PUBLISHED}\n\n{DRAFT}\n{PUBLISHED}\n",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/collections/{COLLECTION}"
    collection = db.session.execute(select(Collection)).scalar_one()
    assert [item.lesson.slug for item in collection.items] == [third, PUBLISHED, DRAFT]
    assert [item.position for item in collection.items] == [0, 1, 2]

    def order(page: str, titles: list[str]) -> list[str]:
        found = [t for t in titles if t in page]
        return sorted(found, key=page.index)

    titles = ["Derde les over buurtkamers", PUBLISHED_TITLE, DRAFT_TITLE]
    page = text_of(curator.get(f"/collections/{COLLECTION}"))
    assert order(page, titles) == titles  # the curator sees the draft, in its place
    anonymous = world.app.test_client()
    page = text_of(anonymous.get(f"/collections/{COLLECTION}"))
    assert order(page, titles) == titles[:2]  # drafts hidden from the public
    intro = page[page.index('<div class="markdown">') :]
    intro = intro[: intro.index("</div>")]
    assert "<strong>buurtkamers</strong>" in intro
    assert "<script" not in intro and "javascript:" not in intro and "onerror" not in intro
    assert "<script>alert" not in page
    assert "Dossier buurtkamers" in text_of(anonymous.get("/collections/"))

    # The feed is XML, public lessons only, in order, whoever asks.
    assert feed_titles(curator.get(f"/collections/{COLLECTION}.atom")) == titles[:2]

    # Edit: reorder, drop one.
    form = text_of(curator.get(f"/collections/{COLLECTION}/edit"))
    assert f"{third}\n{PUBLISHED}\n{DRAFT}" in html.unescape(form)
    response = curator.post(
        f"/collections/{COLLECTION}/edit",
        data={
            "title": "Dossier buurtkamers",
            "introduction": "Nieuw.",
            "lessons": f"{PUBLISHED}\n{third}",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    collection = db.session.execute(select(Collection)).scalar_one()
    assert [item.lesson.slug for item in collection.items] == [PUBLISHED, third]
    assert collection.slug == COLLECTION
    page = text_of(anonymous.get(f"/collections/{COLLECTION}"))
    assert order(page, titles) == [PUBLISHED_TITLE, "Derde les over buurtkamers"]
    assert feed_titles(anonymous.get(f"/collections/{COLLECTION}.atom")) == [
        PUBLISHED_TITLE,
        "Derde les over buurtkamers",
    ]

    # Unknown lessons are named; nothing changes.
    response = curator.post(
        f"/collections/{COLLECTION}/edit",
        data={"title": "Dossier buurtkamers", "introduction": "", "lessons": "bestaat-niet"},
    )
    assert response.status_code == 422 and "bestaat-niet" in text_of(response)
    db.session.expire_all()
    assert len(db.session.execute(select(Collection)).scalar_one().items) == 2


@pytest.mark.parametrize("role", ["reader", "same", "other", "creator"])
def test_collections_are_for_curators_only(world: World, role: str) -> None:
    collections.create(world.user("curator"), "Dossier buurtkamers", "", [PUBLISHED])
    web = world.web(role)
    data = {"title": "Eigen dossier", "introduction": "", "lessons": PUBLISHED}
    assert web.get("/collections/new").status_code == 403
    assert web.post("/collections/new", data=data).status_code == 403
    assert web.get(f"/collections/{COLLECTION}/edit").status_code == 403
    assert web.post(f"/collections/{COLLECTION}/edit", data=data).status_code == 403
    assert web.get(f"/collections/{COLLECTION}").status_code == 200
    assert "Bewerken</a>" not in text_of(web.get(f"/collections/{COLLECTION}"))
    assert count(Collection) == 1
    assert db.session.execute(select(Collection)).scalar_one().title == "Dossier buurtkamers"
    anonymous = world.app.test_client()
    assert anonymous.get(f"/collections/{COLLECTION}/edit").headers["Location"].startswith("/login")


# ---- 7. the audit log ------------------------------------------------------------------------


def test_every_write_leaves_an_audit_event(world: World) -> None:
    creator, curator_user = world.user("creator"), world.user("curator")
    same = world.user("same")
    api = world.app.test_client()
    slug_target = f"lesson:{DRAFT}"

    def revision_id(slug: str, number: int) -> int:
        return lessons.get_revision(fresh(slug), number).id

    curation.set_status(DRAFT, "in-review", 1, same)  # 2
    curation.return_to_author(DRAFT, 2, curator_user, "Graag aanvullen.")  # 3
    response = api.put(
        f"/api/v1/lessons/{DRAFT}",
        json={"base_revision": 3, "status": "in-review", "markdown": DRAFT_BODY + "\nAangevuld.\n"},
        headers=world.api("same"),
    )
    assert response.status_code == 200  # 4
    curation.endorse(DRAFT, 4, curator_user, "Akkoord")  # 5
    curation.reclassify(
        DRAFT, 5, curator_user, "context-dependent", "Lokale factoren.", "Een actief netwerk."
    )  # 6
    assert confirm(world, "other", DRAFT, "worked").status_code == 201
    web = world.web("reader")
    assert (
        web.post(f"/lessons/{DRAFT}/comments", data={"body": "Dank voor het delen."}).status_code
        == 302
    )
    collections.create(curator_user, "Dossier buurtkamers", "", [DRAFT])
    collections.update(
        COLLECTION, curator_user, "Dossier buurtkamers", "Nieuw.", [DRAFT, PUBLISHED]
    )

    expected = [
        ("lesson.create", creator.email, slug_target, revision_id(DRAFT, 1)),
        ("lesson.create", creator.email, f"lesson:{PUBLISHED}", revision_id(PUBLISHED, 1)),
        ("lesson.status", same.email, slug_target, revision_id(DRAFT, 2)),
        ("lesson.status", curator_user.email, slug_target, revision_id(DRAFT, 3)),
        ("review.returned", curator_user.email, slug_target, revision_id(DRAFT, 3)),
        ("lesson.update", same.email, slug_target, revision_id(DRAFT, 4)),
        ("lesson.status", curator_user.email, slug_target, revision_id(DRAFT, 5)),
        ("review.endorsed", curator_user.email, slug_target, revision_id(DRAFT, 5)),
        ("lesson.reclassify", curator_user.email, slug_target, revision_id(DRAFT, 6)),
        ("confirmation.create", "amsterdam@example.nl", slug_target, None),
        ("comment.create", "lezer@example.nl", slug_target, None),
        ("collection.create", curator_user.email, f"collection:{COLLECTION}", None),
        ("collection.update", curator_user.email, f"collection:{COLLECTION}", None),
    ]
    logged = [(e.action, e.actor, e.target, e.revision_id) for e in events()]
    assert logged == expected
    assert all(e.created_at > utcnow() - timedelta(minutes=5) for e in events())
    details = {e.action: e.detail for e in events()}
    assert details["confirmation.create"] == {"result": "worked"}
    assert details["review.returned"]["note"] == "Graag aanvullen."
    assert details["collection.update"] == {"lessons": 2}

    # Curators and admins read it, filtered; nobody else does.
    for role in ("curator", "admin"):
        response = world.web(role).get("/audit/?action=review.endorsed")
        assert response.status_code == 200
        rows = text_of(response).split("<tbody>")[1]  # the filter above lists every action
        assert "Les beoordeeld" in rows and "Les geherclassificeerd" not in rows
        assert curator_user.display_name in rows and ">revisie 5</a>" in rows
    rows = text_of(world.web("admin").get(f"/audit/?target=collection:{COLLECTION}"))
    rows = rows.split("<tbody>")[1]
    assert "Dossier aangemaakt" in rows and "Dossier bewerkt" in rows
    assert "Les aangemaakt" not in rows
    for role in ("reader", "same", "other", "creator"):
        assert world.web(role).get("/audit/").status_code == 403
    assert world.app.test_client().get("/audit/").status_code == 302
    with pytest.raises(PermissionDenied):
        audit.events(same)


def test_refused_writes_leave_no_event(world: World) -> None:
    before = len(events())
    assert confirm(world, "same", PUBLISHED, "worked").status_code == 403
    data = {"base_revision": 1, "to_type": "context-dependent", "reason": "Geen reden."}
    assert world.web("other").post(f"/lessons/{PUBLISHED}/reclassify", data=data).status_code == 403
    assert (
        world.web("same")
        .post(f"/lessons/{PUBLISHED}/endorse", data={"base_revision": 1})
        .status_code
        == 403
    )
    assert len(events()) == before


def test_privacy_override_is_a_logged_write(world: World, make_lesson: Any) -> None:
    body = BODY + "\nVragen? Mail het algemene adres info@buurtkamer-noord.nl.\n"
    make_lesson(
        body=body, author=world.user("same"), title="Les met een algemeen adres", status="draft"
    )
    slug = "les-met-een-algemeen-adres"
    curator = world.web("curator")
    # Publishing is refused while the finding stands (the lesson page again, with the reason).
    response = curator.post(
        f"/lessons/{slug}/status", data={"status": "published", "base_revision": 1}
    )
    assert response.status_code == 422 and "persoonsgegevens" in text_of(response)
    assert fresh(slug).status == "draft"
    # A non-curator may not wave it through.
    data = {"kind": "email", "text": "info@buurtkamer-noord.nl", "reason": "Algemeen adres."}
    assert world.web("same").post(f"/lessons/{slug}/privacy-override", data=data).status_code == 403
    response = curator.post(f"/lessons/{slug}/privacy-override", data=data)
    assert response.status_code == 302
    event = events("privacy.override")[-1]
    assert (event.actor, event.target) == ("curator@example.nl", f"lesson:{slug}")
    assert event.detail["reason"] == "Algemeen adres."
    response = curator.post(
        f"/lessons/{slug}/status", data={"status": "published", "base_revision": 1}
    )
    assert response.status_code == 302 and fresh(slug).status == "published"


# ---- 8. CSRF ----------------------------------------------------------------------------------


def test_status_change_without_csrf_token_is_refused(app_factory: Callable[..., Flask]) -> None:
    csrf_app = app_factory(WTF_CSRF_ENABLED=True)
    with csrf_app.app_context():
        author = users.create_user("csrf@example.nl", PASSWORD, "author", "Tilburg")
        lessons.create(validate(lesson_fields(title=DRAFT_TITLE, status="draft"), BODY), author)
    client = csrf_app.test_client()
    page = text_of(client.get("/login"))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    response = client.post(
        "/login",
        data={"email": "csrf@example.nl", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert response.status_code == 302

    data = {"status": "in-review", "base_revision": 1}
    response = client.post(f"/lessons/{DRAFT}/status", data=data)
    assert response.status_code == 400 and "CSRF" in text_of(response)
    response = client.post(f"/lessons/{DRAFT}/status", data={**data, "csrf_token": "vals"})
    assert response.status_code == 400

    page = text_of(client.get(f"/lessons/{DRAFT}"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    with csrf_app.app_context():
        assert lessons.find(DRAFT).status == "draft"
        assert len(events()) == 1
    response = client.post(f"/lessons/{DRAFT}/status", data={**data, "csrf_token": token.group(1)})
    assert response.status_code == 302
    with csrf_app.app_context():
        assert lessons.find(DRAFT).status == "in-review"


def test_accounts_and_tokens_are_audited(app: Any, runner: Any) -> None:
    result = runner.invoke(
        args=["users", "create", "nieuw@example.nl", "--role", "author"], input=f"{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    token = users.create_token("nieuw@example.nl")
    assert users.revoke_token(token)
    db.session.expire_all()
    logged = [
        (e.action, e.actor, e.target)
        for e in db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
    ]
    assert logged == [
        ("user.create", "cli", "user:nieuw@example.nl"),
        ("token.create", "cli", "user:nieuw@example.nl"),
        ("token.revoke", "cli", "user:nieuw@example.nl"),
    ]


def test_lesson_page_shows_each_optional_part_once_it_exists(world: World) -> None:
    """The page asks once which parts exist and queries only those: each must still appear
    as soon as it exists, and a backlink only to whom may see the linking lesson."""
    markers = {
        "endorsement": "Beoordeeld door",
        "reclassification": "Hergeclassificeerd naar",
        "confirmation": "Bij ons ook zo.",
        "comment": "Dank voor het delen.",
        "backlink": "Verwijzingen hierheen",
    }
    anonymous = world.app.test_client()
    page = text_of(anonymous.get(f"/lessons/{PUBLISHED}"))
    assert [name for name, text in markers.items() if text in page] == []
    # The only link here is from a draft: the curator sees it, an anonymous reader does not.
    assert markers["backlink"] in text_of(world.web("curator").get(f"/lessons/{PUBLISHED}"))

    curator = world.user("curator")
    curation.endorse(PUBLISHED, fresh(PUBLISHED).revision_number, curator, "Akkoord")
    curation.reclassify(
        PUBLISHED,
        fresh(PUBLISHED).revision_number,
        curator,
        "context-dependent",
        "Lokale factoren.",
        "Een actief netwerk.",
    )
    assert confirm(world, "other", PUBLISHED, "worked").status_code == 201
    reader = world.web("reader")
    comment = {"body": markers["comment"]}
    assert reader.post(f"/lessons/{PUBLISHED}/comments", data=comment).status_code == 302
    curation.set_status(DRAFT, "published", fresh(DRAFT).revision_number, curator)

    page = text_of(anonymous.get(f"/lessons/{PUBLISHED}"))
    assert [name for name, text in markers.items() if text not in page] == []
