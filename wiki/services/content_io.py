"""Moving lessons in and out as Markdown files (the `content/` format)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext
from sqlalchemy import select

from wiki import lessonfile
from wiki.extensions import db
from wiki.labels import label
from wiki.models import Lesson, Revision
from wiki.services import finding_text, indexing, lessons, privacy, privacy_pool
from wiki.services.errors import PersonalDataFound, ValidationFailed
from wiki.services.validation import LessonInput, validate

IMPORT_LABEL = "import"
BATCH_SIZE = 200
SCAN_CHUNK = 64  # files scanned ahead (in the scanner pool) while the previous chunk is written


@dataclass
class Rejection:
    """A file that was not imported, and why (field and message)."""

    path: str
    field: str  # the front-matter key (body: the Markdown text)
    message: str
    place: str = ""  # where in the file, in words, if more precise than the field

    def __str__(self) -> str:
        """'a.md: Titel (title): verplicht veld ontbreekt': the form's label and the file's key."""
        where = self.place
        if not where:
            shown = label(self.field)
            where = shown if shown == self.field else f"{shown} ({self.field})"
        return f"{self.path}: {where}: {self.message}"


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


@dataclass
class _Candidate:
    """A valid file that would create or change a lesson, waiting for its privacy scan."""

    shown: str
    data: LessonInput
    existing: Lesson | None
    findings: Callable[[], list[privacy.Finding]] = field(repr=False, default=list)


def import_folder(
    folder: Path,
    *,
    dry_run: bool = False,
    progress: Callable[[Path], None] | None = None,
) -> ImportReport:
    """Import every lesson file below `folder`: idempotent, and each bad file is rejected alone.

    Files that would change a lesson are privacy-scanned a chunk ahead: with a scanner pool
    installed (privacy_pool) the next chunk is scanned in the workers while this process
    writes the current one.
    """
    report = ImportReport()
    claimed: dict[str, Path] = {}
    known = set(db.session.execute(select(Lesson.slug)).scalars())
    written: list[str] = []
    created: list[str] = []
    waiting: list[_Candidate] = []
    scanning: list[_Candidate] = []
    for path in lesson_files(folder):
        if progress is not None:
            progress(path)
        candidate = _candidate(folder, path, claimed, known, report)
        if candidate is None:
            continue
        waiting.append(candidate)
        if len(waiting) >= SCAN_CHUNK:
            _start_scans(waiting)
            _apply_all(scanning, dry_run, report, written, created)
            scanning, waiting = waiting, []
    _start_scans(waiting)
    _apply_all(scanning + waiting, dry_run, report, written, created)
    if not dry_run:
        lessons.invalidate_links_to(created)
        db.session.commit()
        # One index writer for the whole import: per-batch commits would re-merge segments.
        # A crash before this line leaves drift that start-up repair or `reindex` fixes.
        _index(written)
    report.rejected.sort(key=lambda r: r.path)
    return report


def _candidate(
    folder: Path,
    path: Path,
    claimed: dict[str, Path],
    known: set[str],
    report: ImportReport,
) -> _Candidate | None:
    """Read and check one file; None when it is rejected or changes nothing."""
    shown = str(path.relative_to(folder))
    try:
        data = read_file(path)
    except lessonfile.FileFormatError as exc:
        report.rejected.append(Rejection(shown, exc.field, exc.message))
        return None
    except ValidationFailed as exc:
        report.rejected.extend(Rejection(shown, e.field, e.message) for e in exc.errors)
        return None
    if data.slug in claimed:
        other = claimed[data.slug].relative_to(folder)
        message = gettext("'%(slug)s' is also used by %(other)s", slug=data.slug, other=str(other))
        report.rejected.append(Rejection(shown, "slug", message))
        return None
    claimed[data.slug] = path
    existing = lessons.find(data.slug) if data.slug in known else None
    if existing is not None:
        current = lessons.current_revision(existing)
        if data.front_matter() == current.front_matter and data.body == current.body:
            report.unchanged += 1  # unchanged files are not even scanned
            return None
    return _Candidate(shown, data, existing)


def _start_scans(candidates: list[_Candidate]) -> None:
    """Begin the privacy scans of these candidates (in the scanner pool when there is one)."""
    pool = privacy_pool.installed()
    for candidate in candidates:
        fields = lessons.text_fields(candidate.data)
        if pool is None:
            candidate.findings = functools.partial(privacy.scan_fields, fields)
        else:
            candidate.findings = pool.submit(fields).result


def _apply_all(
    candidates: list[_Candidate],
    dry_run: bool,
    report: ImportReport,
    written: list[str],
    created: list[str],
) -> None:
    for candidate in candidates:
        try:
            outcome = _apply(candidate, dry_run)
        except PersonalDataFound as exc:
            texts = lessons.text_fields(candidate.data)
            report.rejected.extend(
                Rejection(
                    candidate.shown,
                    f.field,
                    gettext("possible personal data: %(what)s", what=finding_text.what(f)),
                    finding_text.place(f, texts, None),
                )
                for f in exc.findings
            )
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
        if dry_run:
            continue
        if outcome == "created":
            created.append(candidate.data.slug)
        written.append(candidate.data.slug)
        if len(written) % BATCH_SIZE == 0:
            db.session.commit()


def _index(slugs: list[str]) -> None:
    """Index the imported lessons after their commit."""
    ids: list[int] = []
    for start in range(0, len(slugs), 500):
        chunk = slugs[start : start + 500]
        ids.extend(db.session.execute(select(Lesson.id).where(Lesson.slug.in_(chunk))).scalars())
    indexing.lessons_saved(ids)


def _apply(candidate: _Candidate, dry_run: bool) -> str:
    """Create or update one lesson (no commit).

    The privacy guard runs here, also in a dry run: a published file with personal data
    raises PersonalDataFound and is rejected.
    """
    data, existing = candidate.data, candidate.existing
    findings = lessons.check_privacy(data, existing, findings=candidate.findings())
    if dry_run:
        return "created" if existing is None else "updated"
    if existing is None:
        comment = gettext("Imported")
        lessons.create(
            data,
            None,
            comment,
            IMPORT_LABEL,
            commit=False,
            privacy_checked=True,
            findings=findings,
        )
        return "created"
    lessons.update(
        data.slug,
        data,
        existing.revision_number,
        None,
        gettext("Updated by import"),
        IMPORT_LABEL,
        commit=False,
        privacy_checked=True,
        findings=findings,
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
