"""Lessons, their immutable revisions, tags and wiki links."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.models.base import Base, UTCDateTime, utcnow
from wiki.models.reference import Municipality, Theme

if TYPE_CHECKING:
    from wiki.models.user import User

lesson_theme = Table(
    "lesson_theme",
    Base.metadata,
    Column("lesson_id", ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id"), primary_key=True),
)

lesson_tag = Table(
    "lesson_tag",
    Base.metadata,
    Column("lesson_id", ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id"), primary_key=True),
)


class Tag(Base):
    """A free tag; stored once, shared by lessons."""

    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)


class Lesson(Base):
    """A lesson: its identity plus the current metadata, copied from the latest revision.

    The copied columns exist so lists and filters need no JSON parsing; the revision
    holds the authoritative snapshot.
    """

    __tablename__ = "lesson"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    type: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    level: Mapped[str | None] = mapped_column(String(20))
    domain: Mapped[str | None] = mapped_column(String(20))
    owner: Mapped[str] = mapped_column(String(200))
    year: Mapped[int | None] = mapped_column(Integer)
    revision_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Who created the lesson (None for imports): an author may always edit what they own.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A curator looks at the lesson again by this date (two years after publication/review).
    review_by: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Counts kept with the lesson so lists, search and sorting need no join.
    confirmation_count: Mapped[int] = mapped_column(Integer, default=0)
    contradiction_count: Mapped[int] = mapped_column(Integer, default=0)

    municipality: Mapped[Municipality] = relationship(lazy="joined")
    themes: Mapped[list[Theme]] = relationship(secondary=lesson_theme, order_by=Theme.id)
    tags: Mapped[list[Tag]] = relationship(secondary=lesson_tag, order_by=Tag.name)
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="lesson", order_by="Revision.number", passive_deletes=True
    )


class Revision(Base):
    """One saved state of a lesson. Never changed after insert (see the guard below).

    `id` is global and only grows, so it doubles as the change sequence that the
    search index follows.
    """

    __tablename__ = "revision"
    __table_args__ = (UniqueConstraint("lesson_id", "number", name="uq_revision_lesson_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    front_matter: Mapped[dict[str, Any]] = mapped_column(JSON)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    author_label: Mapped[str] = mapped_column(String(200), default="")
    comment: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Derived caches, not content: rendered HTML and table of contents. Cleared when
    # a wiki link's target appears or disappears, so "missing" marks stay right.
    html_cache: Mapped[str | None] = mapped_column(Text)
    toc_cache: Mapped[str | None] = mapped_column(Text)
    # Whether the revision passed the privacy guard (True, or a curator accepted its findings),
    # held findings (False), or was saved before this was recorded (None: scanned on demand).
    # Only cleared revisions are shown to readers outside the lesson's municipality.
    privacy_clear: Mapped[bool | None] = mapped_column()
    # A curator's redaction replaces the text of one revision; the rest of history stays.
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    redacted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    redaction_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")

    lesson: Mapped[Lesson] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    @property
    def author_name(self) -> str:
        if self.author is not None:
            return self.author.display_name
        return self.author_label or "onbekend"


IMMUTABLE_REVISION_FIELDS = (
    "lesson_id",
    "number",
    "title",
    "front_matter",
    "body",
    "author_id",
    "author_label",
    "comment",
    "created_at",
)


# What a curator's redaction leaves of a revision's texts (content, so not translated).
REDACTED_TEXT = "[verwijderd door redactie]"
# Front-matter values that are free text: replaced by REDACTED_TEXT (lists: left out).
REDACTED_TEXT_KEYS = ("title", "summary", "context", "owner", "organisation", "target_group")
REDACTED_LIST_KEYS = ("active_elements", "tags")
REDACTION_FIELDS = ("redacted_at", "redacted_by_id", "redaction_reason")


def redacted_front_matter(front_matter: dict[str, Any]) -> dict[str, Any]:
    """The front matter with every free text replaced (municipality, type, themes, status and
    the other choices from fixed lists stay, so the history still says what changed)."""
    result = {k: v for k, v in front_matter.items() if k not in REDACTED_LIST_KEYS}
    for key in REDACTED_TEXT_KEYS:
        if key in result:
            result[key] = REDACTED_TEXT
    return result


def _old(state: Any, name: str) -> Any:
    deleted = state.attrs[name].history.deleted
    return deleted[0] if deleted else None


@event.listens_for(Revision, "before_update")
def _refuse_revision_changes(mapper: Any, connection: Any, target: Revision) -> None:
    """Revisions are history: only the derived caches, `privacy_clear` and, once, a redaction
    (the texts replaced by REDACTED_TEXT, see redacted_front_matter) may change."""
    state = inspect(target)
    redacting = (
        state.attrs.redacted_at.history.has_changes()
        and _old(state, "redacted_at") is None
        and target.redacted_at is not None
    )
    allowed = {
        "title": REDACTED_TEXT,
        "body": REDACTED_TEXT,
        "comment": REDACTED_TEXT,
        "front_matter": redacted_front_matter(_old(state, "front_matter") or {"": None}),
    }
    for name in IMMUTABLE_REVISION_FIELDS:
        if not state.attrs[name].history.has_changes():
            continue
        if redacting and name in allowed and getattr(target, name) == allowed[name]:
            continue
        raise ValueError(f"revision {target.id} is immutable (tried to change {name})")
    for name in REDACTION_FIELDS:
        if state.attrs[name].history.has_changes() and not redacting:
            raise ValueError(f"revision {target.id} is immutable (tried to change {name})")


class Link(Base):
    """A wiki link from a lesson's current revision to a slug (which may not exist yet)."""

    __tablename__ = "link"

    source_id: Mapped[int] = mapped_column(
        ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True
    )
    target_slug: Mapped[str] = mapped_column(String(120), primary_key=True, index=True)


class LessonChange(Base):
    """The database's change sequence: one row per change the search index must follow.

    Written in the same transaction as the change (a new revision, a confirmation), so every
    node of a multi-node deployment can bring its own index up to date by reading the rows
    after the last one it applied.
    """

    __tablename__ = "lesson_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
