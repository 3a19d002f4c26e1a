"""The audit log: one row per write, for admins and curators."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.models.base import Base, UTCDateTime, utcnow
from wiki.models.user import User


class AuditEvent(Base):
    """Who did what, when, to which object and revision. Never updated or deleted."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    actor: Mapped[str] = mapped_column(String(254))  # e-mail at the time of the act, or "cli"
    action: Mapped[str] = mapped_column(String(50), index=True)  # e.g. lesson.update
    target: Mapped[str] = mapped_column(String(200), index=True)  # e.g. lesson:slug
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revision.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship()
