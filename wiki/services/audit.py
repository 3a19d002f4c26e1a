"""The audit log: every write is recorded in the same transaction as the write itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from wiki.extensions import db
from wiki.models import AuditEvent, Revision, User
from wiki.services import permissions

CLI_ACTOR = "cli"  # writes from the command line (import-content, users, tokens)


def record(
    actor: User | None,
    action: str,
    target: str,
    revision: Revision | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an event to the session; the caller's commit makes it durable with the write."""
    event = AuditEvent(
        user_id=actor.id if actor is not None else None,
        actor=actor.email if actor is not None else CLI_ACTOR,
        action=action,
        target=target,
        revision_id=revision.id if revision is not None else None,
        detail={k: v for k, v in detail.items() if v not in (None, "")},
    )
    db.session.add(event)
    return event


def events(
    viewer: User | None, *, action: str | None = None, target: str | None = None, limit: int = 200
) -> list[AuditEvent]:
    """The newest events first; for curators and admins only."""
    permissions.require_curator(viewer, permissions.VIEW_AUDIT_LOG)
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action == action)
    if target:
        query = query.where(AuditEvent.target == target)
    return list(db.session.execute(query).scalars())
