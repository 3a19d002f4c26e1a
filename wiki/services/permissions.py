"""Who may see and change what. Pages, API and CLI all ask here."""

from __future__ import annotations

from wiki.models import Lesson, User
from wiki.services.errors import PermissionDenied, Unauthenticated

WRITER_ROLES = ("author", "curator", "admin")
PUBLIC_STATUSES = ("published",)
ALL_STATUSES = ("draft", "in-review", "published", "archived")


def can_write(user: User | None) -> bool:
    """Authors, curators and admins may create and edit lessons."""
    return user is not None and user.is_active and user.role in WRITER_ROLES


def require_writer(user: User | None) -> User:
    """The user, if they may write; otherwise a 401 or 403 domain error."""
    if user is None:
        raise Unauthenticated("log in om lessen te schrijven")
    if not can_write(user):
        raise PermissionDenied("uw account mag geen lessen schrijven")
    return user


def visible_statuses(user: User | None) -> tuple[str, ...]:
    """Statuses this user may see in lists, feeds and search."""
    return ALL_STATUSES if can_write(user) else PUBLIC_STATUSES


def can_view(user: User | None, lesson: Lesson) -> bool:
    """Whether this user may see this lesson at all (otherwise it is a 404)."""
    return lesson.status in visible_statuses(user)
