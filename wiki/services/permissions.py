"""Who may see and change what. Pages, API and CLI all ask here, so they obey the same rules.

Roles: a reader reads; an author belongs to a municipality or organisation, creates lessons
and edits those of their own municipality or that they created; a curator (an academic
workshop) reviews, reclassifies, endorses and curates everywhere; an admin manages accounts
and may do everything a curator may. `None` as the actor of a write is the operator at the
command line (import-content), who is trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import ColumnElement, and_, false, or_, true

from wiki.models import Lesson, User
from wiki.services.errors import PermissionDenied, Unauthenticated

WRITER_ROLES = ("author", "curator", "admin")
CURATOR_ROLES = ("curator", "admin")
PUBLIC_STATUSES = ("published",)
PRIVATE_STATUSES = ("draft", "in-review", "archived")
ALL_STATUSES = ("draft", "in-review", "published", "archived")


def _active(user: User | None) -> bool:
    return user is not None and user.is_active


def can_write(user: User | None) -> bool:
    """Authors, curators and admins may create lessons."""
    return _active(user) and user is not None and user.role in WRITER_ROLES


def is_curator(user: User | None) -> bool:
    return _active(user) and user is not None and user.role in CURATOR_ROLES


def is_admin(user: User | None) -> bool:
    return _active(user) and user is not None and user.role == "admin"


def require_login(user: User | None, doing: str) -> User:
    if user is None:
        raise Unauthenticated(f"log in om {doing}")
    if not user.is_active:
        raise PermissionDenied("dit account is uitgeschakeld")
    return user


def require_writer(user: User | None) -> User:
    """The user, if they may write; otherwise a 401 or 403 domain error."""
    user = require_login(user, "lessen te schrijven")
    if not can_write(user):
        raise PermissionDenied("uw account mag geen lessen schrijven")
    return user


def require_curator(user: User | None, doing: str = "dit te doen") -> User:
    user = require_login(user, doing)
    if not is_curator(user):
        raise PermissionDenied(f"alleen curatoren mogen {doing}")
    return user


def require_admin(user: User | None, doing: str = "dit te doen") -> User:
    user = require_login(user, doing)
    if not is_admin(user):
        raise PermissionDenied(f"alleen beheerders mogen {doing}")
    return user


def _own(user: User, lesson: Lesson) -> bool:
    """The lesson is the author's: they created it, or it is of their municipality."""
    return lesson.created_by_id == user.id or (
        user.municipality_id is not None and lesson.municipality_id == user.municipality_id
    )


def can_edit(user: User | None, lesson: Lesson) -> bool:
    if not can_write(user) or user is None:
        return False
    return is_curator(user) or _own(user, lesson)


def require_edit(user: User | None, lesson: Lesson) -> User | None:
    """Refuse unless `user` may change `lesson` (None: the trusted command line)."""
    if user is None:
        return None
    user = require_writer(user)
    if not can_edit(user, lesson):
        raise PermissionDenied(
            "u mag alleen lessen van uw eigen gemeente of die u zelf hebt gemaakt bewerken"
        )
    return user


def can_view(user: User | None, lesson: Lesson) -> bool:
    """Drafts, lessons in review and archived ones: their authors, their municipality's
    authors and curators only (everyone else gets a 404, as if the lesson did not exist)."""
    if lesson.status in PUBLIC_STATUSES:
        return True
    return can_edit(user, lesson)


def review_required() -> bool:
    return bool(current_app.config.get("REVIEW_REQUIRED", False))


def check_status_change(user: User | None, old: str | None, new: str) -> None:
    """Authors may publish directly unless the deployment requires review first.

    Keeping an already published lesson published is an ordinary edit; the lesson then
    shows "changed since review" until a curator looks again.
    """
    if user is None or is_curator(user) or new != "published" or old == "published":
        return
    if review_required():
        raise PermissionDenied("publiceren gaat via een beoordeling: zet de status op 'in-review'")


@dataclass(frozen=True)
class Visibility:
    """Which lessons one viewer may see, as SQL and as search-filter terms."""

    everything: bool = False
    municipality_id: int | None = None
    municipality: str | None = None
    user_id: int | None = None

    def sql(self) -> ColumnElement[bool]:
        if self.everything:
            return true()
        private = []
        if self.municipality_id is not None:
            private.append(Lesson.municipality_id == self.municipality_id)
        if self.user_id is not None:
            private.append(Lesson.created_by_id == self.user_id)
        return or_(
            Lesson.status.in_(PUBLIC_STATUSES),
            and_(Lesson.status.in_(PRIVATE_STATUSES), or_(*private)) if private else false(),
        )


def visibility(user: User | None) -> Visibility:
    if is_curator(user):
        return Visibility(everything=True)
    if can_write(user) and user is not None:
        return Visibility(
            municipality_id=user.municipality_id,
            municipality=user.municipality.name if user.municipality else None,
            user_id=user.id,
        )
    return Visibility()
