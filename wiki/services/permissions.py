"""Who may see and change what. Pages, API and CLI all ask here, so they obey the same rules.

Roles: a reader reads; an author belongs to a municipality, writes lessons for it and edits
those of their own municipality or that they created, but never moves a lesson to another
municipality; a curator (an academic workshop) reviews, reclassifies, endorses, moves and
curates everywhere; an admin manages accounts
and may do everything a curator may. `None` as the actor of a write is the operator at the
command line (import-content), who is trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import LazyString, gettext, lazy_gettext
from sqlalchemy import ColumnElement, and_, false, or_, true

from wiki.models import Lesson, Revision, User
from wiki.services.errors import FieldDenied, PermissionDenied, Unauthenticated

WRITER_ROLES = ("author", "curator", "admin")
CURATOR_ROLES = ("curator", "admin")
PUBLIC_STATUSES = ("published",)
PRIVATE_STATUSES = ("draft", "in-review", "archived")
ALL_STATUSES = ("draft", "in-review", "published", "archived")


@dataclass(frozen=True)
class Action:
    """Something that needs an account (and perhaps a role), with what a refusal says.

    Whole sentences, one per case, so that each translates on its own.
    """

    sign_in: LazyString
    curators_only: LazyString | None = None


WRITE_LESSONS = Action(lazy_gettext("sign in to write lessons"))
COMMENT = Action(lazy_gettext("sign in to comment"))
CREATE_COLLECTIONS = Action(
    lazy_gettext("sign in to create collections"),
    lazy_gettext("only curators may create collections"),
)
EDIT_COLLECTIONS = Action(
    lazy_gettext("sign in to edit collections"),
    lazy_gettext("only curators may edit collections"),
)
RETURN_LESSONS = Action(
    lazy_gettext("sign in to return lessons to their authors"),
    lazy_gettext("only curators may return lessons to their authors"),
)
REVIEW_LESSONS = Action(
    lazy_gettext("sign in to review lessons"),
    lazy_gettext("only curators may review lessons"),
)
RECLASSIFY_LESSONS = Action(
    lazy_gettext("sign in to reclassify lessons"),
    lazy_gettext("only curators may reclassify lessons"),
)
OVERRIDE_PRIVACY = Action(
    lazy_gettext("sign in to override privacy findings"),
    lazy_gettext("only curators may override privacy findings"),
)
SEE_QUEUE = Action(
    lazy_gettext("sign in to see the review queue"),
    lazy_gettext("only curators may see the review queue"),
)
REDACT_REVISIONS = Action(
    lazy_gettext("sign in to redact revisions"),
    lazy_gettext("only curators may redact revisions"),
)
VIEW_AUDIT_LOG = Action(
    lazy_gettext("sign in to view the audit log"),
    lazy_gettext("only curators may view the audit log"),
)
ANYTHING = Action(lazy_gettext("sign in to do this"), lazy_gettext("only curators may do this"))


def _active(user: User | None) -> bool:
    return user is not None and user.is_active


def can_write(user: User | None) -> bool:
    """Authors, curators and admins may create lessons."""
    return _active(user) and user is not None and user.role in WRITER_ROLES


def is_curator(user: User | None) -> bool:
    return _active(user) and user is not None and user.role in CURATOR_ROLES


def is_admin(user: User | None) -> bool:
    return _active(user) and user is not None and user.role == "admin"


def require_login(user: User | None, doing: Action) -> User:
    if user is None:
        raise Unauthenticated(str(doing.sign_in))
    if not user.is_active:
        raise PermissionDenied(gettext("this account is disabled"))
    return user


def require_writer(user: User | None) -> User:
    """The user, if they may write; otherwise a 401 or 403 domain error."""
    user = require_login(user, WRITE_LESSONS)
    if not can_write(user):
        raise PermissionDenied(gettext("your account may not write lessons"))
    return user


def require_curator(user: User | None, doing: Action = ANYTHING) -> User:
    action = doing
    user = require_login(user, action)
    if not is_curator(user):
        raise PermissionDenied(str(action.curators_only or ANYTHING.curators_only))
    return user


def require_admin(user: User | None, doing: Action = ANYTHING) -> User:
    user = require_login(user, doing)
    if not is_admin(user):
        raise PermissionDenied(gettext("only administrators may do this"))
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
            gettext("you may only edit lessons of your own municipality or lessons you created")
        )
    return user


def check_municipality(user: User | None, lesson: Lesson | None, municipality: str) -> None:
    """Authors write for their own municipality; moving a lesson elsewhere is a curator's act.

    `lesson` is None for a new lesson; `municipality` is the official name it is saved with.
    Otherwise a colleague's lesson could appear in another town's name, or be moved to
    another town and then confirmed from one's own.
    """
    if user is None or is_curator(user):
        return
    if lesson is not None:
        if lesson.municipality.name != municipality:
            raise FieldDenied(
                "municipality",
                gettext(
                    "Municipality: only curators may move a lesson to another municipality "
                    "(this lesson is of %(name)s)",
                    name=lesson.municipality.name,
                ),
            )
        return
    own = user.municipality.name if user.municipality is not None else None
    if own is None:
        raise FieldDenied(
            "municipality",
            gettext(
                "Municipality: your account belongs to no municipality, so you cannot write "
                "lessons; ask an administrator to add yours"
            ),
        )
    if municipality != own:
        raise FieldDenied(
            "municipality",
            gettext(
                "Municipality: you write lessons for your own municipality, %(name)s",
                name=own,
            ),
        )


def can_view(user: User | None, lesson: Lesson) -> bool:
    """Drafts, lessons in review and archived ones: their authors, their municipality's
    authors and curators only (everyone else gets a 404, as if the lesson did not exist)."""
    if lesson.status in PUBLIC_STATUSES:
        return True
    return can_edit(user, lesson)


def sees_all_revisions(user: User | None, lesson: Lesson) -> bool:
    """The lesson's own people (its municipality's authors, its creator) and curators see
    every revision, also those that held possible personal data."""
    return can_edit(user, lesson)


def revision_is_public(revision: Revision) -> bool:
    """Whether a revision may be shown to everyone who may see its lesson.

    It passed the privacy guard (or a curator accepted its findings, or it was redacted).
    Revisions saved before this was recorded (None) count as public only when they were
    saved as published: every path refused to publish with findings, so those passed the
    guard then; older drafts were never checked and are not scanned on a reader's request
    (that would load the 1.1 GB scanner into the web process for an anonymous GET and
    write on a read).
    """
    if revision.privacy_clear is not None:
        return revision.privacy_clear
    return revision.front_matter.get("status") in PUBLIC_STATUSES


def can_view_revision(user: User | None, lesson: Lesson, revision: Revision) -> bool:
    """May `user` see the content (text, title, edit summary) of this revision?"""
    if not can_view(user, lesson):
        return False
    return sees_all_revisions(user, lesson) or revision_is_public(revision)


def public_revision_sql() -> ColumnElement[bool]:
    """revision_is_public as SQL (for listings of revisions across lessons)."""
    return or_(
        Revision.privacy_clear.is_(True),
        and_(
            Revision.privacy_clear.is_(None),
            Revision.front_matter["status"].as_string().in_(PUBLIC_STATUSES),
        ),
    )


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
        raise PermissionDenied(
            gettext("publishing goes through a review: set the status to 'in-review'")
        )


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

    def revision_sql(self) -> ColumnElement[bool]:
        """Revisions (joined with their lesson) this viewer may see: can_view_revision."""
        if self.everything:
            return true()
        own = []
        if self.municipality_id is not None:
            own.append(Lesson.municipality_id == self.municipality_id)
        if self.user_id is not None:
            own.append(Lesson.created_by_id == self.user_id)
        return and_(self.sql(), or_(public_revision_sql(), *own))


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
