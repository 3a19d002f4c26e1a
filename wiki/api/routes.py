"""JSON endpoints. Views parse input, call one service and return JSON."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext

from wiki import rendering
from wiki.api.inputs import BadRequest, check_query, json_object, whole_number
from wiki.api.openapi import API_PREFIX, openapi_document
from wiki.models import User
from wiki.services import (
    comments,
    confirmations,
    history,
    lessons,
    municipalities,
    permissions,
    search,
    users,
)
from wiki.services.errors import (
    FieldError,
    NotFound,
    Unauthenticated,
    ValidationFailed,
)
from wiki.services.validation import validate
from wiki.vocabulary import FRONT_MATTER_KEYS

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)
bp.before_request(check_query)

MAX_PER_PAGE = 100
READ_ONLY_KEYS = {
    "revision",
    "html",
    "province",
    "updated_at",
    "author",
    "excerpt",
    "confirmations",
    "contradictions",
    "findings",
}


def _token_user() -> User | None:
    """The user of a valid Bearer token; 401 for a malformed or unknown token."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(gettext("use 'Authorization: Bearer TOKEN'"))
    user = users.user_for_token(token.strip())
    if user is None:
        raise Unauthenticated(gettext("unknown or revoked token"))
    return user


@bp.url_value_preprocessor
def _refuse_nul_in_path(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """No lesson has a NUL in its slug: answer 404 before the database is asked."""
    slug = (values or {}).get("slug")
    if isinstance(slug, str) and "\x00" in slug:
        raise NotFound(gettext("lesson '%(slug)s' does not exist", slug=slug.replace(chr(0), "")))


def _text_arg(name: str) -> str | None:
    """A text filter; a NUL in it is refused (400) rather than sent to the database."""
    raw = request.args.get(name) or None
    if raw is not None and "\x00" in raw:
        raise BadRequest(gettext("'%(name)s' contains an invalid character (NUL)", name=name))
    return raw


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document())


@bp.get("/lessons")
def list_lessons() -> Any:
    user = _token_user()
    per_page = whole_number("per_page", 25, 1, MAX_PER_PAGE)
    page = lessons.listing(
        user,
        municipality=_text_arg("municipality"),
        province=_text_arg("province"),
        type=_text_arg("type"),
        theme=_text_arg("theme"),
        tag=_text_arg("tag"),
        status=_text_arg("status"),
        page=whole_number("page", 1, 1, 10**6),
        per_page=per_page,
    )
    return jsonify(
        {
            "total": page.total,
            "page": page.page,
            "per_page": page.per_page,
            "lessons": [
                {
                    "slug": lesson.slug,
                    "title": lesson.title,
                    "municipality": lesson.municipality.name,
                    "province": lesson.municipality.province,
                    "type": lesson.type,
                    "status": lesson.status,
                    "themes": [t.slug for t in lesson.themes],
                    "summary": lesson.summary,
                    "revision": lesson.revision_number,
                    "updated_at": lesson.updated_at.isoformat(),
                    "url": url_for("api.get_lesson", slug=lesson.slug),
                }
                for lesson in page.items
            ],
        }
    )


@bp.get("/lessons/<slug>")
def get_lesson(slug: str) -> Any:
    lesson, revision = lessons.get_current(slug, _token_user())
    return jsonify(lessons.as_dict(lesson, revision, lessons.rendered(revision).html))


def _lesson_fields(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Split a JSON body into front matter and Markdown, refusing unknown keys."""
    allowed = set(FRONT_MATTER_KEYS) | {"markdown", "comment", "base_revision"} | READ_ONLY_KEYS
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationFailed([FieldError(k, gettext("unknown field")) for k in unknown])
    markdown = data.get("markdown", "")
    if not isinstance(markdown, str):
        raise ValidationFailed([FieldError("markdown", gettext("must be text"))])
    if not isinstance(data.get("comment", ""), str):
        raise ValidationFailed([FieldError("comment", gettext("must be text"))])
    front_matter = {k: v for k, v in data.items() if k in FRONT_MATTER_KEYS}
    return front_matter, markdown


@bp.post("/lessons")
def create_lesson() -> Any:
    user = permissions.require_writer(_token_user())
    payload = json_object("NewLesson")
    front_matter, markdown = _lesson_fields(payload)
    data = validate(front_matter, markdown)
    result = lessons.create(data, user, str(payload.get("comment", "")))
    body = lessons.as_dict(result.lesson, result.revision, lessons.rendered(result.revision).html)
    if result.findings:  # only drafts may hold them; a clean save answers exactly like GET
        body["findings"] = [f.as_dict() for f in result.findings]
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_lesson", slug=result.lesson.slug)
    return response


@bp.put("/lessons/<slug>")
def update_lesson(slug: str) -> Any:
    user = permissions.require_writer(_token_user())
    payload = json_object("LessonUpdate")
    lesson = lessons.get(slug, user)
    base = payload.get("base_revision")
    if isinstance(base, bool) or not isinstance(base, int):
        raise ValidationFailed(
            [
                FieldError(
                    "base_revision",
                    gettext("required: the number of the revision your change builds on"),
                )
            ]
        )
    front_matter, markdown = _lesson_fields(payload)
    if "slug" in front_matter and front_matter["slug"] != slug:
        raise ValidationFailed([FieldError("slug", gettext("the slug of a lesson cannot change"))])
    current = lessons.current_revision(lesson)
    merged = {**current.front_matter, **front_matter}
    data = validate(merged, markdown if "markdown" in payload else current.body)
    comment = str(payload.get("comment", ""))
    result = lessons.update(slug, data, base, user, comment)
    body = lessons.as_dict(result.lesson, result.revision, lessons.rendered(result.revision).html)
    if result.findings:  # only drafts may hold them; a clean save answers exactly like GET
        body["findings"] = [f.as_dict() for f in result.findings]
    return jsonify(body)


@bp.get("/lessons/<slug>/confirmations")
def list_confirmations(slug: str) -> Any:
    lesson = lessons.get(slug, _token_user())
    summary = confirmations.of(lesson)
    return jsonify(
        {
            "slug": lesson.slug,
            "counts": summary.counts,
            "contradicted": confirmations.contradicted(lesson),
            "confirmations": [confirmations.as_dict(c) for c in summary.items],
            "own_municipality": [confirmations.as_dict(c) for c in summary.own],
        }
    )


@bp.post("/lessons/<slug>/confirmations")
def add_confirmation(slug: str) -> Any:
    user = permissions.require_writer(_token_user())
    payload = json_object("NewConfirmation", closed=True)
    result, note = payload.get("result", ""), payload.get("note", "")
    if not isinstance(result, str) or not isinstance(note, str):
        raise ValidationFailed([FieldError("result", gettext("result and note must be text"))])
    confirmation = confirmations.add(slug, user, result, note)
    response = jsonify(confirmations.as_dict(confirmation))
    response.status_code = 201
    response.headers["Location"] = url_for("api.list_confirmations", slug=slug)
    return response


@bp.post("/lessons/<slug>/comments")
def add_comment(slug: str) -> Any:
    user = permissions.require_login(_token_user(), permissions.COMMENT)
    body = json_object("NewComment", closed=True).get("body", "")
    if not isinstance(body, str):
        raise ValidationFailed([FieldError("body", gettext("must be text"))])
    comment = comments.add(slug, user, body)
    response = jsonify(
        {"id": comment.id, "body": comment.body, "created_at": comment.created_at.isoformat()}
    )
    response.status_code = 201
    return response


@bp.get("/lessons/<slug>/revisions")
def list_revisions(slug: str) -> Any:
    user = _token_user()
    lesson = lessons.get(slug, user)
    return jsonify(
        {"slug": lesson.slug, "revisions": [_entry(e) for e in history.entries(lesson, user)]}
    )


def _entry(entry: history.Entry) -> dict[str, Any]:
    """One history line; a hidden revision gives only its number and date (as on the page)."""
    revision = entry.revision
    item: dict[str, Any] = {
        "revision": revision.number,
        "created_at": revision.created_at.isoformat(),
        "visible": entry.visible,
        "redacted": revision.redacted_at is not None,
    }
    if entry.visible:
        item.update(author=revision.author_name, comment=revision.comment, title=revision.title)
    return item


@bp.get("/search")
def search_lessons() -> Any:
    outcome = search.search(
        request.args.get("q", ""),
        _token_user(),
        filters={name: request.args.get(name, "") for name in search.FILTER_NAMES},
        page=whole_number("page", 1, 1, 500),
        sort=request.args.get("sort", "relevance"),
        per_page=whole_number("per_page", search.PER_PAGE, 1, MAX_PER_PAGE),
    )
    return jsonify(
        {
            "query": outcome.text,
            "filters": outcome.filters,
            "total": outcome.results.total,
            "page": outcome.results.page,
            "per_page": outcome.results.per_page,
            "hits": [
                {
                    "slug": hit.slug,
                    "title": hit.title,
                    "municipality": hit.municipality,
                    "province": hit.province,
                    "type": hit.type,
                    "score": hit.score,
                    "highlight": str(rendering.highlight(hit.highlight)),
                }
                for hit in outcome.results.hits
            ],
            "facets": outcome.results.facets,
            "suggestion": outcome.suggestion,
            "messages": outcome.messages,
        }
    )


@bp.get("/municipalities")
def list_municipalities() -> Any:
    statuses = permissions.PUBLIC_STATUSES
    return jsonify(
        {
            "municipalities": [
                {
                    "name": m.name,
                    "code": m.code,
                    "province": m.province,
                    "aliases": m.alias_list,
                    "lesson_count": count,
                }
                for m, count in municipalities.with_counts(statuses)
            ]
        }
    )
