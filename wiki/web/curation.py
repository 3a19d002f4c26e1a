"""Curation and trust pages: workflow buttons, reviews, reclassification, confirmations,
comments, privacy overrides, the curator's queue, collections and the audit log.

Views parse the form, call one service and redirect back; the rules live in the services.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response as WerkzeugResponse

from wiki import rendering
from wiki.extensions import db
from wiki.models import Lesson, User
from wiki.services import (
    audit,
    collections,
    comments,
    confirmations,
    curation,
    permissions,
)
from wiki.services.errors import DomainError, EditConflict, PersonalDataFound, ValidationFailed
from wiki.vocabulary import STATUSES
from wiki.web import viewer
from wiki.web.forms import (
    CollectionForm,
    CommentForm,
    ConfirmationForm,
    OverrideForm,
    ReclassifyForm,
    ReviewForm,
    StatusForm,
)

bp = Blueprint("curation", __name__)


def trust_context(lesson: Lesson, user: User | None, parts: curation.PageParts) -> dict[str, Any]:
    """Everything the lesson page shows about review, confirmations and discussion."""
    can_edit = permissions.can_edit(user, lesson)
    curator = permissions.is_curator(user)
    can_confirm = (
        permissions.can_write(user)
        and user is not None
        and user.municipality_id is not None
        and user.municipality_id != lesson.municipality_id
        and user.id != lesson.created_by_id
        and lesson.status == "published"
    )
    return {
        "can_edit": can_edit,
        "is_curator": curator,
        "review_state": parts.review_state,
        "reclassifications": parts.reclassifications,
        "confirmations": confirmations.of(lesson, any_given=parts.confirmed),
        "contradicted": confirmations.contradicted(lesson),
        "comments": parts.comments,
        "status_targets": _status_targets(lesson, user) if can_edit else [],
        "review_form": ReviewForm() if curator else None,
        "reclassify_form": ReclassifyForm() if curator else None,
        "confirmation_form": ConfirmationForm() if can_confirm else None,
        "comment_form": CommentForm() if user is not None else None,
        "overrides": curation.overrides(lesson) if curator or can_edit else [],
    }


def _status_targets(lesson: Lesson, user: User | None) -> list[tuple[str, str]]:
    """The status buttons this user gets: (status, label)."""
    labels = {
        "in-review": gettext("Submit for review"),
        "published": gettext("Publish"),
        "draft": gettext("Back to draft"),
        "archived": gettext("Archive"),
    }
    targets = []
    for status in STATUSES:
        if status == lesson.status:
            continue
        if status == "published" and not permissions.is_curator(user):
            if permissions.review_required() and lesson.status != "published":
                continue
        targets.append((status, labels[status]))
    return targets


def _back(slug: str) -> WerkzeugResponse:
    return redirect(url_for("lessons.view", slug=slug))


def _login_first() -> WerkzeugResponse | None:
    if viewer() is None:
        return redirect(url_for("accounts.login", next=request.full_path))
    return None


def _flash_error(error: DomainError) -> None:
    if isinstance(error, ValidationFailed):
        for e in error.errors:
            flash(f"{error.label(e.field)}: {e.message}", "error")
    elif isinstance(error, PersonalDataFound):
        flash(gettext("Not saved: %(reason)s", reason=error.message), "error")
    else:
        flash(error.message, "error")


def _base(form: Any) -> int:
    raw = (form.base_revision.data or "").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10):  # int() refuses '²', 5,000 digits
        abort(400, gettext("base_revision is missing"))
    return int(raw)


def _run(slug: str, action: Any, done: str, form_name: str = "") -> Any:
    """Run a service call for a lesson form; conflicts and refusals come back as messages.

    Permission refusals (403) and missing lessons (404) are raised, not flashed: the
    error pages say so with the right status. Text refused for personal data comes back in
    its form on the lesson page (422), so nothing typed is lost.
    """
    try:
        action()
    except EditConflict:
        flash(
            gettext(
                "Someone has changed the lesson in the meantime; look at the new version and "
                "try again."
            ),
            "error",
        )
        return _back(slug)
    except PersonalDataFound as exc:
        db.session.rollback()
        _flash_error(exc)
        from wiki.web.lessons import lesson_page  # it imports this module

        posted = {f"{form_name}-{name}": value for name, value in request.form.items()}
        return lesson_page(slug, posted), 422
    except ValidationFailed as exc:
        _flash_error(exc)
        return _back(slug)
    flash(done, "success")
    return _back(slug)


@bp.post("/lessons/<slug>/status")
def change_status(slug: str) -> Any:
    if (login := _login_first()) is not None:
        return login
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    status = form.status.data or ""
    return _run(
        slug,
        lambda: curation.set_status(slug, status, _base(form), viewer(), form.note.data or ""),
        gettext("Status changed: %(status)s.", status=STATUSES.get(status, status)),
        "status",
    )


@bp.post("/lessons/<slug>/endorse")
def endorse(slug: str) -> Any:
    if (login := _login_first()) is not None:
        return login
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    user = permissions.require_curator(viewer(), permissions.REVIEW_LESSONS)
    return _run(
        slug,
        lambda: curation.endorse(slug, _base(form), user, form.note.data or ""),
        gettext("Reviewed: the lesson now carries your review."),
        "review",
    )


@bp.post("/lessons/<slug>/return")
def return_to_author(slug: str) -> Any:
    if (login := _login_first()) is not None:
        return login
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    user = permissions.require_curator(viewer(), permissions.RETURN_LESSONS)
    return _run(
        slug,
        lambda: curation.return_to_author(slug, _base(form), user, form.note.data or ""),
        gettext("The lesson has been returned to the author with your remarks."),
        "review",
    )


@bp.post("/lessons/<slug>/reclassify")
def reclassify(slug: str) -> Any:
    if (login := _login_first()) is not None:
        return login
    form = ReclassifyForm()
    if not form.validate_on_submit():
        abort(400)
    user = permissions.require_curator(viewer(), permissions.RECLASSIFY_LESSONS)
    return _run(
        slug,
        lambda: curation.reclassify(
            slug,
            _base(form),
            user,
            form.to_type.data or "",
            form.reason.data or "",
            form.context.data,
        ),
        gettext("The lesson has been reclassified; the reason is shown with the lesson."),
        "reclassify",
    )


@bp.post("/lessons/<slug>/confirmations")
def confirm(slug: str) -> Any:
    if (login := _login_first()) is not None:
        return login
    form = ConfirmationForm()
    if not form.validate_on_submit():
        abort(400)
    return _run(
        slug,
        lambda: confirmations.add(slug, viewer(), form.result.data or "", form.note.data or ""),
        gettext("Thank you: your experience is shown with the lesson."),
        "confirmation",
    )


@bp.post("/lessons/<slug>/comments")
def comment(slug: str) -> Any:
    if (login := _login_first()) is not None:
        return login
    form = CommentForm()
    if not form.validate_on_submit():
        abort(400)
    return _run(
        slug,
        lambda: comments.add(slug, viewer(), form.body.data or ""),
        gettext("Your comment has been posted."),
        "comment",
    )


@bp.post("/lessons/<slug>/privacy-override")
def privacy_override(slug: str) -> Any:
    if (login := _login_first()) is not None:
        return login
    form = OverrideForm()
    if not form.validate_on_submit():
        abort(400)
    user = permissions.require_curator(viewer(), permissions.OVERRIDE_PRIVACY)
    return _run(
        slug,
        lambda: curation.override_privacy(
            slug, user, form.kind.data or "", form.text.data or "", form.reason.data or ""
        ),
        gettext(
            "The warning has been recorded as a false positive; the lesson can now be published."
        ),
    )


@bp.get("/curation/")
def queue() -> Any:
    if (login := _login_first()) is not None:
        return login
    return render_template("curation/queue.html", queue=curation.queue(viewer()))


@bp.get("/audit/")
def audit_log() -> Any:
    if (login := _login_first()) is not None:
        return login
    entries = audit.entries(
        viewer(),
        action=request.args.get("action") or None,
        target=request.args.get("target") or None,
    )
    actions = sorted(((k, str(v)) for k, v in audit.ACTIONS.items()), key=lambda a: a[1])
    return render_template(
        "curation/audit.html", entries=entries, actions=actions, args=request.args
    )


# ---- collections ------------------------------------------------------------------------


@bp.get("/collections/")
def collection_index() -> str:
    user = viewer()
    found = collections.all_collections()
    return render_template(
        "collections/index.html",
        collections=found,
        # Count only what this reader may see: drafts in a dossier must not show, not even
        # as a number.
        counts={c.id: len(collections.visible_lessons(c, user)) for c in found},
        can_curate=permissions.is_curator(user),
    )


@bp.route("/collections/new", methods=["GET", "POST"])
def collection_new() -> Any:
    if (login := _login_first()) is not None:
        return login
    user = permissions.require_curator(viewer(), permissions.CREATE_COLLECTIONS)
    form = CollectionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            created = collections.create(
                user, form.title.data or "", form.introduction.data or "", _slugs(form)
            )
        except (ValidationFailed, PersonalDataFound) as exc:
            return _collection_form(form, None, exc), 422
        except DomainError as exc:
            return _collection_form(form, None, exc), exc.status
        flash(gettext("The collection has been created."), "success")
        return redirect(url_for("curation.collection_view", slug=created.slug))
    return _collection_form(form, None, None)


@bp.route("/collections/<slug>/edit", methods=["GET", "POST"])
def collection_edit(slug: str) -> Any:
    if (login := _login_first()) is not None:
        return login
    user = permissions.require_curator(viewer(), permissions.EDIT_COLLECTIONS)
    collection = collections.get(slug)
    form = CollectionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            collections.update(
                slug, user, form.title.data or "", form.introduction.data or "", _slugs(form)
            )
        except (ValidationFailed, PersonalDataFound) as exc:
            return _collection_form(form, collection, exc), 422
        flash(gettext("The collection has been updated."), "success")
        return redirect(url_for("curation.collection_view", slug=slug))
    form.title.data = collection.title
    form.introduction.data = collection.introduction
    form.lessons.data = "\n".join(item.lesson.slug for item in collection.items)
    return _collection_form(form, collection, None)


def _slugs(form: CollectionForm) -> list[str]:
    return [line.strip() for line in (form.lessons.data or "").splitlines() if line.strip()]


def _collection_form(form: CollectionForm, collection: Any, error: DomainError | None) -> str:
    """The form; a field's problem is shown next to that field, others above the form."""
    field_errors: dict[str, str] = {}
    errors: list[str] = []
    if isinstance(error, ValidationFailed):
        for e in error.errors:
            if e.field in field_errors:
                field_errors[e.field] += "; " + e.message
            else:
                field_errors[e.field] = e.message
    elif isinstance(error, PersonalDataFound):
        for finding, description in zip(error.findings, error.descriptions, strict=True):
            found = gettext("possible personal data %(finding)s", finding=description)
            shown = field_errors.get(finding.field)
            field_errors[finding.field] = f"{shown}; {found}" if shown else found
    elif error is not None:
        errors = [error.message]
    return render_template(
        "collections/form.html",
        form=form,
        collection=collection,
        errors=errors,
        field_errors=field_errors,
    )


@bp.get("/collections/<slug>")
def collection_view(slug: str) -> str:
    collection = collections.get(slug)
    return render_template(
        "collections/view.html",
        collection=collection,
        introduction=rendering.as_markup(collections.introduction_html(collection)),
        lessons=collections.visible_lessons(collection, viewer()),
        can_curate=permissions.is_curator(viewer()),
    )


@bp.get("/collections/<slug>.atom")
def collection_feed(slug: str) -> Response:
    collection = collections.get(slug)
    # Feeds are read anonymously by feed readers: only public lessons.
    body = render_template(
        "collections/feed.xml",
        collection=collection,
        lessons=collections.visible_lessons(collection, None),
    )
    return Response(body, mimetype="application/atom+xml; charset=utf-8")
