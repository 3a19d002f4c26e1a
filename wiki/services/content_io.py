"""Moving lessons in and out as Markdown files (the `content/` format)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from wiki import lessonfile
from wiki.extensions import db
from wiki.models import Lesson, Revision
from wiki.services import indexing, lessons
from wiki.services.errors import PersonalDataFound, ValidationFailed
from wiki.services.validation import LessonInput, validate

IMPORT_LABEL = "import"
BATCH_SIZE = 200


@dataclass
class Rejection:
    """A file that was not imported, and why (field and message)."""

    path: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {self.rejected_files}"
        )

    @property
    def rejected_files(self) -> int:
        """Distinct files rejected (one file may have several problems)."""
        return len({r.path for r in self.rejected})


def lesson_files(folder: Path) -> list[Path]:
    """The Markdown files below a folder, in a stable order."""
    return sorted(p for p in folder.rglob("*.md") if p.is_file())


def read_file(path: Path) -> LessonInput:
    """Parse and validate one lesson file; raises FileFormatError or ValidationFailed."""
    parsed = lessonfile.parse(path.read_bytes())
    return validate(parsed.front_matter, parsed.body)


def import_folder(
    folder: Path,
    *,
    dry_run: bool = False,
    progress: Callable[[Path], None] | None = None,
) -> ImportReport:
    """Import every lesson file below `folder`: idempotent, and each bad file is rejected alone."""
    report = ImportReport()
    claimed: dict[str, Path] = {}
    pending = 0
    changed: list[str] = []
    created: list[str] = []
    for path in lesson_files(folder):
        if progress is not None:
            progress(path)
        shown = str(path.relative_to(folder))
        try:
            data = read_file(path)
        except lessonfile.FileFormatError as exc:
            report.rejected.append(Rejection(shown, exc.field, exc.message))
            continue
        except ValidationFailed as exc:
            report.rejected.extend(Rejection(shown, e.field, e.message) for e in exc.errors)
            continue
        if data.slug in claimed:
            other = claimed[data.slug].relative_to(folder)
            report.rejected.append(
                Rejection(shown, "slug", f"'{data.slug}' wordt ook gebruikt door {other}")
            )
            continue
        claimed[data.slug] = path
        try:
            outcome = _apply(data, dry_run)
        except PersonalDataFound as exc:
            report.rejected.extend(
                Rejection(shown, f.field, f"mogelijk persoonsgegevens: {f.label} '{f.text}'")
                for f in exc.findings
            )
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome == "created":
            created.append(data.slug)
        if outcome != "unchanged" and not dry_run:
            changed.append(data.slug)
            pending += 1
            if pending >= BATCH_SIZE:
                db.session.commit()
                pending = 0
    if not dry_run:
        lessons.invalidate_links_to(created)
        db.session.commit()
        # One index writer for the whole import: per-batch commits would re-merge segments.
        # A crash before this line leaves drift that start-up repair or `reindex` fixes.
        _index(changed)
    report.rejected.sort(key=lambda r: r.path)
    return report


def _index(slugs: list[str]) -> None:
    """Index the imported lessons after their commit."""
    ids: list[int] = []
    for start in range(0, len(slugs), 500):
        chunk = slugs[start : start + 500]
        ids.extend(db.session.execute(select(Lesson.id).where(Lesson.slug.in_(chunk))).scalars())
    indexing.lessons_saved(ids)


def _apply(data: LessonInput, dry_run: bool) -> str:
    """Create or update one lesson (no commit); unchanged files are not even scanned.

    The privacy guard runs here, also in a dry run: a published file with personal data
    raises PersonalDataFound and is rejected.
    """
    existing = lessons.find(data.slug)
    if existing is not None:
        current = lessons.current_revision(existing)
        if data.front_matter() == current.front_matter and data.body == current.body:
            return "unchanged"
    lessons.check_privacy(data, existing)
    if dry_run:
        return "created" if existing is None else "updated"
    if existing is None:
        lessons.create(data, None, "Geïmporteerd", IMPORT_LABEL, commit=False, privacy_checked=True)
        return "created"
    lessons.update(
        data.slug,
        data,
        existing.revision_number,
        None,
        "Bijgewerkt door import",
        IMPORT_LABEL,
        commit=False,
        privacy_checked=True,
    )
    return "updated"


def export_folder(folder: Path) -> int:
    """Write every lesson's current revision to `folder/<slug>.md`; returns the count."""
    folder.mkdir(parents=True, exist_ok=True)
    query = (
        select(Lesson.slug, Revision)
        .join(Revision, Revision.lesson_id == Lesson.id)
        .where(Revision.number == Lesson.revision_number)
        .order_by(Lesson.slug)
        .execution_options(yield_per=500)
    )
    count = 0
    for slug, revision in db.session.execute(query):
        (folder / f"{slug}.md").write_text(lessons.file_text(revision), encoding="utf-8")
        count += 1
    return count
