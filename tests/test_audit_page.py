"""The audit log as curators read it: action names in their language, the lesson's title linked,
the lesson's own revision number (not the global revision id), people by display name."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from conftest import lesson_fields, login
from flask import Flask
from flask.testing import FlaskClient

from wiki.extensions import db
from wiki.models import User
from wiki.services import lessons
from wiki.services.validation import validate


def table_body(page: str) -> str:
    """The rows of the log (the filter's list of actions above it names every action)."""
    match = re.search(r"<tbody>(.*)</tbody>", page, re.S)
    assert match, page
    return re.sub(r"\s+", " ", match.group(1))


def last_edit(rows: str) -> str:
    """The newest row about a lesson edit (accounts were made after it)."""
    edits = [row for row in rows.split("</tr>") if "/revisions/" in row]
    assert edits, rows
    return edits[0]


def edited_lesson(make_user: Callable[..., User], make_lesson: Callable[..., Any]) -> Any:
    """A lesson by Anna Auteur at revision 3; another lesson first, so that the global revision
    ids differ from the lesson's own numbers."""
    author = make_user("author", name="Anna Auteur", email="anna@example.nl")
    make_lesson(title="Een andere les over buurtkamers", author=author)
    make_lesson(title="Een derde les over mantelzorg", author=author)
    result = make_lesson(author=author)
    for number, extra in ((1, "Eerste aanvulling."), (2, "Tweede aanvulling.")):
        data = validate(lesson_fields(), f"## Aanleiding\n\nTekst.\n\n{extra}\n")
        lessons.update(result.lesson.slug, data, number, author, f"aanvulling {number}")
    db.session.commit()
    revision = lessons.current_revision(result.lesson)
    assert revision.number == 3 and revision.id != 3
    return result.lesson, revision


def test_audit_log_names_actions_titles_and_lesson_revisions(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., User],
    make_lesson: Callable[..., Any],
) -> None:
    lesson, revision = edited_lesson(make_user, make_lesson)
    curator = make_user("curator", None, name="Carla Curator")
    login(client, curator)

    rows = table_body(client.get("/audit/").get_data(as_text=True))
    assert "lesson.update" not in rows and "lesson.create" not in rows
    assert "Les aangemaakt" in rows and "Account aangemaakt" in rows
    assert f">{revision.id}<" not in rows.replace(" ", "")  # no bare global id in a cell
    newest = last_edit(rows)
    assert "Les bewerkt" in newest
    assert f'<a href="/lessons/{lesson.slug}">{lesson.title}</a>' in newest
    assert f'href="/lessons/{lesson.slug}/revisions/3">revisie 3</a>' in newest
    assert "<td>Anna Auteur</td>" in newest and "anna@example.nl" not in newest
    assert re.search(r"<td>\d{1,2} [a-z]{3}\.? \d{4}", newest), newest  # "3 dec 2026"

    client.post("/taal", data={"language": "en", "next": "/audit/"})
    newest = last_edit(table_body(client.get("/audit/").get_data(as_text=True)))
    assert "Lesson edited" in newest and "revision 3" in newest
    assert re.search(r"<td>[A-Z][a-z]{2} \d{1,2}, \d{4}", newest), newest  # "Dec 3, 2026"


def test_audit_log_filters_by_action_and_by_slug(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., User],
    make_lesson: Callable[..., Any],
) -> None:
    lesson, _revision = edited_lesson(make_user, make_lesson)
    login(client, make_user("curator", None))

    page = client.get("/audit/?action=lesson.update").get_data(as_text=True)
    assert '<option value="lesson.update" selected>Les bewerkt</option>' in page
    rows = table_body(page)
    assert rows.count("<tr>") == 2 and "Les aangemaakt" not in rows

    rows = table_body(client.get(f"/audit/?target={lesson.slug}").get_data(as_text=True))
    assert rows.count("<tr>") == 3  # created, edited twice: only this lesson
    assert "Een andere les" not in rows
