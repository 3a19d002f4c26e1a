"""`leerwiki backup` / `leerwiki restore`: an online SQLite copy, restored revision for revision."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import TEST_DATABASE_URL, lesson_fields
from sqlalchemy import select, update

from wiki.extensions import db
from wiki.models import AuditEvent, Lesson, Revision
from wiki.services import indexing, lessons, search
from wiki.services.validation import validate

pytestmark = pytest.mark.skipif(
    bool(TEST_DATABASE_URL), reason="PostgreSQL backups are made with pg_dump (see README)"
)


def snapshot() -> list[tuple[Any, ...]]:
    rows = db.session.execute(select(Revision).order_by(Revision.id)).scalars()
    return [
        (r.id, r.lesson_id, r.number, r.title, r.front_matter, r.body, r.author_label, r.comment)
        for r in rows
    ]


def edit(slug: str, body: str) -> None:
    lesson = lessons.find(slug)
    assert lesson is not None
    data = validate(lesson_fields(title=lesson.title, slug=slug), body)
    lessons.update(slug, data, lesson.revision_number, None, "bewerkt")


def test_restore_brings_back_every_revision(
    app: Any, runner: Any, make_lesson: Any, tmp_path: Path
) -> None:
    make_lesson(title="Eerste les")
    make_lesson(title="Tweede les", body="## Aanleiding\n\nVersie 1.\n")
    for n in range(2, 5):
        edit("tweede-les", f"## Aanleiding\n\nVersie {n}.\n")
    before = snapshot()
    events_before = db.session.execute(select(AuditEvent.id)).scalars().all()
    assert len(before) == 5

    target = tmp_path / "backups" / "leerwiki.sqlite"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.is_file()

    # Life goes on after the backup: more edits, a new lesson, a damaged row.
    edit("tweede-les", "## Aanleiding\n\nNa de backup.\n")
    make_lesson(title="Derde les")
    db.session.execute(update(Lesson).where(Lesson.slug == "eerste-les").values(title="kapot"))
    db.session.commit()
    assert snapshot() != before

    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert "2 lessen geïndexeerd" in result.output
    db.session.remove()
    assert snapshot() == before
    assert lessons.find("eerste-les").title == "Eerste les"
    assert lessons.find("derde-les") is None
    assert db.session.execute(select(AuditEvent.id)).scalars().all() == events_before
    assert indexing.check().clean
    assert search.search("Versie", None).results.total == 1


def test_backup_refuses_to_overwrite_and_restore_refuses_a_foreign_file(
    app: Any, runner: Any, tmp_path: Path
) -> None:
    existing = tmp_path / "bestaat.sqlite"
    existing.write_text("iets")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code == 1 and "bestaat al" in result.output
    result = runner.invoke(args=["restore", str(existing), "--yes"])
    assert result.exit_code == 1 and "geen SQLite-database" in result.output
    assert lessons.find("x") is None  # the database still answers


def test_restore_asks_before_replacing(app: Any, runner: Any, tmp_path: Path) -> None:
    target = tmp_path / "b.sqlite"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    result = runner.invoke(args=["restore", str(target)], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
