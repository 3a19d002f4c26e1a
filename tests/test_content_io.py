"""Import and export of lesson files: rejections, idempotence, round trip, the sample content."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import CONTENT_DIR
from wiki import lessonfile
from wiki.extensions import db
from wiki.models import Lesson, Revision
from wiki.services import content_io
from wiki.vocabulary import THEMES

GOOD = """---
title: Vaste contactpersoon bij schulden
municipality: Tilburg
type: generic
themes: [armoede-en-schulden]
owner: Team Schuldhulp
year: 2023
---
## Aanleiding

Tekst.
"""


def _write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


REJECTIONS = [
    ("no front matter", "## Alleen tekst\n", "front matter", "geen front matter"),
    ("invalid yaml", "---\ntitle: [open\n---\nTekst\n", "front matter", "ongeldige YAML"),
    (
        "missing title",
        GOOD.replace("title: Vaste contactpersoon bij schulden\n", ""),
        "title",
        "verplicht",
    ),
    ("missing owner", GOOD.replace("owner: Team Schuldhulp\n", ""), "owner", "verplicht"),
    (
        "unknown municipality",
        GOOD.replace("Tilburg", "Tilbrug"),
        "municipality",
        "bedoelt u Tilburg",
    ),
    (
        "type outside list",
        GOOD.replace("type: generic", "type: universeel"),
        "type",
        "niet toegestaan",
    ),
    (
        "context-dependent without context",
        GOOD.replace("type: generic", "type: context-dependent"),
        "context",
        "verplicht bij type context-dependent",
    ),
    (
        "unknown theme",
        GOOD.replace("armoede-en-schulden", "armoede-en-schuld"),
        "themes",
        "onbekend thema",
    ),
    ("year not a number", GOOD.replace("year: 2023", "year: vorig jaar"), "year", "geen jaartal"),
    ("not utf-8", GOOD.replace("Tekst.", "Caf\xe9").encode("latin-1"), "file", "geen UTF-8"),
    ("empty file", "", "file", "leeg"),
    ("unclosed front matter", "---\ntitle: x\n", "front matter", "niet afgesloten"),
    (
        "front matter not a mapping",
        "---\n- a\n- b\n---\nTekst\n",
        "front matter",
        "sleutel: waarde",
    ),
]


@pytest.mark.parametrize(
    ("case", "content", "field", "message"), REJECTIONS, ids=[r[0] for r in REJECTIONS]
)
def test_each_bad_file_is_rejected_with_its_reason_and_good_files_still_import(
    app, runner, tmp_path, case, content, field, message
):
    _write(tmp_path, "good.md", GOOD)
    _write(tmp_path, "bad.md", content)
    result = runner.invoke(args=["import-content", str(tmp_path)])
    assert result.exit_code == 1
    assert "created 1, updated 0, unchanged 0, rejected 1" in result.output
    rejected = [line for line in result.output.splitlines() if line.startswith("rejected bad.md")]
    assert rejected, result.output
    # A lesson field by its form label and the file's key; the file or front matter as such.
    assert f"bad.md: {field}: " in rejected[0] or f"({field}): " in rejected[0]
    assert message in rejected[0]
    assert db.session.execute(select(func.count()).select_from(Lesson)).scalar_one() == 1


def test_slug_collision_rejects_the_second_file(app, tmp_path):
    _write(tmp_path, "a.md", GOOD)
    _write(tmp_path, "b.md", GOOD.replace("year: 2023", "year: 2024"))
    report = content_io.import_folder(tmp_path)
    assert (report.created, report.rejected_files) == (1, 1)
    assert report.rejected[0].path == "b.md"
    assert report.rejected[0].field == "slug"
    assert "a.md" in report.rejected[0].message


def test_import_is_idempotent_and_updates_make_new_revisions(app, tmp_path):
    path = _write(tmp_path, "les.md", GOOD)
    assert (
        content_io.import_folder(tmp_path).summary()
        == "created 1, updated 0, unchanged 0, rejected 0"
    )
    assert (
        content_io.import_folder(tmp_path).summary()
        == "created 0, updated 0, unchanged 1, rejected 0"
    )
    path.write_text(GOOD.replace("Tekst.", "Andere tekst."), encoding="utf-8")
    assert (
        content_io.import_folder(tmp_path).summary()
        == "created 0, updated 1, unchanged 0, rejected 0"
    )
    bodies = db.session.execute(select(Revision.body).order_by(Revision.number)).scalars().all()
    assert bodies == ["## Aanleiding\n\nTekst.\n", "## Aanleiding\n\nAndere tekst.\n"]


def test_dry_run_saves_nothing(app, runner, tmp_path):
    _write(tmp_path, "les.md", GOOD)
    result = runner.invoke(args=["import-content", str(tmp_path), "--dry-run"])
    assert result.exit_code == 0
    assert "dry run: created 1, updated 0, unchanged 0, rejected 0" in result.output
    assert db.session.execute(select(func.count()).select_from(Lesson)).scalar_one() == 0


def test_aliases_and_accents_resolve_to_the_official_name(app, tmp_path):
    _write(tmp_path, "a.md", GOOD.replace("Tilburg", "den bosch"))
    _write(
        tmp_path,
        "b.md",
        GOOD.replace("Tilburg", "Sudwest Fryslan").replace("title: Vaste", "title: Andere"),
    )
    content_io.import_folder(tmp_path)
    names = db.session.execute(select(Lesson.slug, Revision.front_matter).join(Revision)).all()
    assert sorted(fm["municipality"] for _, fm in names) == ["'s-Hertogenbosch", "Súdwest-Fryslân"]


def test_export_import_export_gives_identical_files(app, tmp_path):
    report = content_io.import_folder(CONTENT_DIR)
    assert report.rejected == []
    first, second = tmp_path / "one", tmp_path / "two"
    assert content_io.export_folder(first) == report.created
    again = content_io.import_folder(first)
    assert again.summary() == f"created 0, updated 0, unchanged {report.created}, rejected 0"
    content_io.export_folder(second)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_export_keeps_every_field(app, tmp_path, make_lesson):
    make_lesson(
        type="context-dependent",
        context="Alleen waar het wijkteam een eigen budget heeft.",
        level="household",
        domain="both",
        organisation="Gemeente Tilburg",
        status="draft",
        evidence="evaluated",
        summary="Korte samenvatting: met dubbele punt.",
        target_group="huishoudens met schulden",
        body="## Aanpak\n\n- één\n- twee\n",
    )
    content_io.export_folder(tmp_path)
    parsed = lessonfile.parse((tmp_path / "schuldhulp-aan-de-keukentafel.md").read_bytes())
    assert parsed.front_matter["context"] == "Alleen waar het wijkteam een eigen budget heeft."
    assert parsed.front_matter["status"] == "draft"
    assert parsed.front_matter["summary"] == "Korte samenvatting: met dubbele punt."
    assert parsed.front_matter["tags"] == ["wijkteam"]
    assert parsed.body == "## Aanpak\n\n- één\n- twee\n"


def test_sample_content_meets_the_brief(app):
    report = content_io.import_folder(CONTENT_DIR)
    assert report.rejected == [] and report.created >= 40
    rows = db.session.execute(select(Lesson)).scalars().all()
    types = Counter(lesson.type for lesson in rows)
    assert abs(types["generic"] - types["context-dependent"]) <= len(rows) * 0.2
    assert len({lesson.municipality.name for lesson in rows}) >= 15
    assert len({lesson.municipality.province for lesson in rows}) >= 8
    themes = {theme.slug for lesson in rows for theme in lesson.themes}
    assert len(themes) >= len(THEMES) - 2


@pytest.mark.parametrize("slug", ["new", "preview"])
def test_reserved_slugs_are_refused(app, tmp_path, slug):
    _write(tmp_path, "a.md", GOOD.replace("title:", f"slug: {slug}\ntitle:"))
    report = content_io.import_folder(tmp_path)
    assert report.rejected[0].field == "slug" and "gereserveerd" in report.rejected[0].message
