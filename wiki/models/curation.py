"""Curation and trust: reviews, reclassifications, confirmations, comments, collections.

All rows here are append-only records bound to a lesson (and, where it matters, to the
revision they were about), so the history of who vouched for what is never rewritten.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.models.base import Base, UTCDateTime, utcnow
from wiki.models.lesson import Lesson, Revision
from wiki.models.reference import Municipality
from wiki.models.user import User


class Review(Base):
    """A curator's verdict on one revision: endorsed, or returned to the author."""

    __tablename__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"))
    revision_number: Mapped[int] = mapped_column(Integer)
    curator_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    organisation: Mapped[str] = mapped_column(String(200), default="")  # the workshop
    verdict: Mapped[str] = mapped_column(String(20))  # endorsed | returned
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lesson: Mapped[Lesson] = relationship()
    revision: Mapped[Revision] = relationship()
    curator: Mapped[User] = relationship()


class Reclassification(Base):
    """generic <-> context-dependent, decided by a curator, with the reason shown on the lesson."""

    __tablename__ = "reclassification"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"))
    from_type: Mapped[str] = mapped_column(String(20))
    to_type: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    curator_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    curator: Mapped[User] = relationship()
    revision: Mapped[Revision] = relationship()


class Confirmation(Base):
    """Another municipality's experience with a lesson: worked, partly, did not work."""

    __tablename__ = "confirmation"
    __table_args__ = (UniqueConstraint("lesson_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    result: Mapped[str] = mapped_column(String(20))  # worked | partly | did-not-work
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User] = relationship()
    municipality: Mapped[Municipality] = relationship(lazy="joined")


class Comment(Base):
    """Discussion among professionals under a lesson (plain text, never rendered as HTML)."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class Collection(Base):
    """A curated dossier: a title, an introduction in Markdown and an ordered list of lessons."""

    __tablename__ = "collection"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    introduction: Mapped[str] = mapped_column(Text, default="")
    curator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    curator: Mapped[User | None] = relationship()
    items: Mapped[list[CollectionItem]] = relationship(
        order_by="CollectionItem.position", cascade="all, delete-orphan"
    )


class CollectionItem(Base):
    __tablename__ = "collection_item"

    collection_id: Mapped[int] = mapped_column(
        ForeignKey("collection.id", ondelete="CASCADE"), primary_key=True
    )
    lesson_id: Mapped[int] = mapped_column(
        ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lesson: Mapped[Lesson] = relationship()


class PrivacyOverride(Base):
    """A curator's judgement that one finding is not personal data (a false positive)."""

    __tablename__ = "privacy_override"
    __table_args__ = (UniqueConstraint("lesson_id", "kind", "text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(Text)
    curator_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    curator: Mapped[User] = relationship()
