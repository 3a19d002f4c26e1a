"""The audit log: every write is recorded in the same transaction as the write itself."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from flask_babel import LazyString, gettext, lazy_gettext
from sqlalchemy import select

from wiki.extensions import db
from wiki.models import AuditEvent, Collection, Lesson, Revision, User
from wiki.services import permissions
from wiki.services.finding_text import kind_label
from wiki.vocabulary import CONFIRMATION_RESULTS, STATUSES

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


# ---- the log as people read it ---------------------------------------------------------

# What each action is called in the interface (lazy: in the reader's language).
ACTIONS: dict[str, LazyString] = {
    "lesson.create": lazy_gettext("Lesson created"),
    "lesson.update": lazy_gettext("Lesson edited"),
    "lesson.status": lazy_gettext("Status changed"),
    "lesson.reclassify": lazy_gettext("Lesson reclassified"),
    "review.endorsed": lazy_gettext("Lesson reviewed"),
    "review.returned": lazy_gettext("Returned to the author"),
    "privacy.override": lazy_gettext("Privacy warning accepted"),
    "comment.create": lazy_gettext("Comment posted"),
    "confirmation.create": lazy_gettext("Experience recorded"),
    "collection.create": lazy_gettext("Collection created"),
    "collection.update": lazy_gettext("Collection edited"),
    "user.create": lazy_gettext("Account created"),
    "token.create": lazy_gettext("API token created"),
    "token.revoke": lazy_gettext("API token revoked"),
}

# The names of the details recorded with an event.
_DETAILS: dict[str, LazyString] = {
    "status": lazy_gettext("Status"),
    "comment": lazy_gettext("Summary of the change"),
    "note": lazy_gettext("Note"),
    "result": lazy_gettext("Experience"),
    "kind": lazy_gettext("Kind"),
    "text": lazy_gettext("Text"),
    "reason": lazy_gettext("Reason"),
    "lessons": lazy_gettext("Lessons"),
    "role": lazy_gettext("Role"),
}


def action_label(action: str) -> str:
    """The name of an action in the current language (the internal name if it has none)."""
    return str(ACTIONS.get(action, action))


@dataclass
class Entry:
    """One event as the audit page shows it."""

    when: datetime.datetime
    who: str
    action: str
    action_label: str
    kind: str  # what the target is: lesson, collection, user (or another prefix)
    key: str  # the slug or e-mail address after the prefix
    title: str  # the lesson's or collection's title; the key if it no longer exists
    revision: int | None  # the lesson's own revision number, not the global id
    details: list[tuple[str, str]] = field(default_factory=list)


def entries(
    viewer: User | None, *, action: str | None = None, target: str | None = None, limit: int = 200
) -> list[Entry]:
    """The newest events first, with names, titles and revision numbers resolved.

    `target` is an address ("lesson:slug") or just a slug or e-mail address.
    """
    permissions.require_curator(viewer, permissions.VIEW_AUDIT_LOG)
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action == action)
    if target:
        target = target.strip()
        if ":" in target:
            query = query.where(AuditEvent.target == target)
        else:
            query = query.where(
                AuditEvent.target.in_([f"{p}:{target}" for p in ("lesson", "collection", "user")])
            )
    found = list(db.session.execute(query).scalars())
    return _resolved(found)


def _resolved(found: list[AuditEvent]) -> list[Entry]:
    revision_ids = {e.revision_id for e in found if e.revision_id is not None}
    numbers = {
        row.id: row.number
        for row in db.session.execute(
            select(Revision.id, Revision.number).where(Revision.id.in_(revision_ids))
        )
    }
    keys = [e.target.partition(":") for e in found]
    lesson_slugs = {key for kind, _, key in keys if kind == "lesson"}
    collection_slugs = {key for kind, _, key in keys if kind == "collection"}
    titles: dict[tuple[str, str], str] = {}
    for row in db.session.execute(
        select(Lesson.slug, Lesson.title).where(Lesson.slug.in_(lesson_slugs))
    ):
        titles["lesson", row.slug] = row.title
    for row in db.session.execute(
        select(Collection.slug, Collection.title).where(Collection.slug.in_(collection_slugs))
    ):
        titles["collection", row.slug] = row.title
    user_ids = {e.user_id for e in found if e.user_id is not None}
    names = {
        u.id: u.display_name
        for u in db.session.execute(select(User).where(User.id.in_(user_ids))).scalars()
    }
    result = []
    for event, (kind, _, key) in zip(found, keys, strict=True):
        if event.user_id is not None:
            who = names.get(event.user_id, event.actor)
        elif event.actor == CLI_ACTOR:
            who = gettext("command line")
        else:
            who = event.actor
        result.append(
            Entry(
                when=event.created_at,
                who=who,
                action=event.action,
                action_label=action_label(event.action),
                kind=kind,
                key=key,
                title=titles.get((kind, key), key),
                revision=numbers.get(event.revision_id) if event.revision_id else None,
                details=_details(event.detail or {}),
            )
        )
    return result


def _details(detail: dict[str, Any]) -> list[tuple[str, str]]:
    shown = []
    for name, value in detail.items():
        if name == "status" and value in STATUSES:
            value = STATUSES[value]
        elif name == "result" and value in CONFIRMATION_RESULTS:
            value = CONFIRMATION_RESULTS[value]
        elif name == "kind":
            value = kind_label(str(value))
        shown.append((str(_DETAILS.get(name, name)), str(value)))
    return shown
