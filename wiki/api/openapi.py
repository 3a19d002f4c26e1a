"""The OpenAPI 3.1 document for /api/v1."""

from __future__ import annotations

from typing import Any

from wiki.vocabulary import (
    CONFIRMATION_RESULTS,
    DOMAINS,
    EVIDENCE,
    LEVELS,
    STATUSES,
    THEMES,
    TYPES,
)

API_PREFIX = "/api/v1"
_SCHEMAS = "#/components/schemas/"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _SCHEMAS + name}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _json(ref: str, description: str, **headers: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": _ref(ref)}},
    }
    if headers:
        response["headers"] = {
            name: {"description": text, "required": True, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    return response


def _body(schema: dict[str, Any], example: dict[str, Any] | None = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"required": True, "content": {"application/json": media}}


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


# Every write refuses the same way before it looks at the lesson.
_WRITE_ERRORS = {
    "400": _error(
        "The body is not a JSON object or nests too deeply (code bad-request), or an unknown "
        "query parameter (code invalid-parameter)"
    ),
    "401": _error("No, a malformed, an unknown or a revoked token (code unauthenticated)"),
    "403": _error("The account may not do this (code forbidden)"),
    "413": _error("The body is larger than the server accepts"),
    "503": _error(
        "Another writer held the database too long; nothing was saved, try again after "
        "Retry-After seconds (code database-busy)"
    ),
}
# Reads take an optional token: a writer also sees their own drafts; a bad token is refused.
_OPTIONAL_BEARER: list[dict[str, list[str]]] = [{}, {"bearer": []}]
_READ_401 = _error("A malformed, unknown or revoked token (code unauthenticated)")
_NOT_FOUND = _error("No such lesson, or one the caller may not see (code not-found)")
_BAD_PAGING = _error(
    "A paging parameter is not a whole number (code bad-request); an unknown parameter or a "
    "value outside an enum (code invalid-parameter)"
)
_BAD_PARAMETER = _error(
    "A query parameter the operation does not take, or a value outside its enum "
    "(code invalid-parameter, naming the `parameter`)"
)

_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
# Text the API accepts: no NUL (PostgreSQL can neither store nor compare it), refused with 422
# in a body and 400 in a query parameter. Lone surrogates (not Unicode) are refused as well;
# the pattern leaves them out, as generators cannot use a surrogate range in a pattern.
_TEXT = {"type": "string", "pattern": "^[^\\u0000]*$"}
# A required text field: something besides white space.
_FILLED = {
    **_TEXT,
    "minLength": 1,
    "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$",
}
_STR_LIST = {"type": "array", "items": {"type": "string"}}
_CONTEXT_DEPENDENT = {"required": ["type"], "properties": {"type": {"const": "context-dependent"}}}
_DATE_TIME = {"type": "string", "format": "date-time"}
_COUNT = {"type": "integer", "minimum": 0}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    if schema.get("type") == "string" and "enum" not in schema:
        schema = {**_TEXT, **schema}
    return {"name": name, "in": "query", "schema": schema, "description": description}


def _paging(per_page: int) -> list[dict[str, Any]]:
    """The paging pair every listing takes; out-of-range numbers are clamped, not refused."""
    return [
        _query("page", {"type": "integer"}, "Page number, from 1 (smaller numbers count as 1)"),
        _query(
            "per_page",
            {"type": "integer"},
            f"Items per page (default {per_page}; clamped to 1 to 100)",
        ),
    ]


def _municipality_names() -> list[str]:
    """Every official name and alias, as the directory resolves them."""
    from wiki.services.municipalities import directory

    return sorted({name for r in directory().records for name in (r.name, *r.aliases)})


def _front_matter() -> dict[str, Any]:
    """The lesson's own fields, as the file format and the validator have them."""
    return {
        "title": {**_FILLED, "maxLength": 200},
        "slug": {
            "type": "string",
            "maxLength": 120,
            "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$",
            "description": "Derived from the title when omitted; never changes after creation",
        },
        "municipality": {
            "type": "string",
            "enum": _municipality_names(),
            "description": "Name or alias of a Dutch municipality (case and accents are "
            "ignored); answers give the official name",
            "examples": ["Tilburg", "Den Bosch"],
        },
        "type": {"type": "string", "enum": list(TYPES)},
        "context": {
            **_TEXT,
            "maxLength": 5000,
            "description": "Required when type is context-dependent: the local conditions",
        },
        "themes": {
            "type": "array",
            "items": {"type": "string", "enum": list(THEMES)},
            "minItems": 1,
        },
        "level": {"type": "string", "enum": list(LEVELS)},
        "domain": {"type": "string", "enum": list(DOMAINS)},
        "tags": {"type": "array", "items": {**_TEXT, "maxLength": 80}},
        "owner": {**_FILLED, "maxLength": 200, "description": "Person or team"},
        "organisation": {**_TEXT, "maxLength": 200},
        "year": {"type": "integer", "minimum": 1900, "maximum": 2100},
        "status": {"type": "string", "enum": list(STATUSES), "default": "published"},
        "evidence": {"type": "string", "enum": list(EVIDENCE)},
        "summary": {**_TEXT, "maxLength": 1000},
        "active_elements": {"type": "array", "items": {**_TEXT, "maxLength": 200}},
        "target_group": {**_TEXT, "maxLength": 500},
    }


def _read_only() -> dict[str, Any]:
    """What a lesson answer adds to the front matter; ignored when a client sends it back."""
    return {
        "markdown": {**_TEXT, "description": "The body, Markdown"},
        "html": {"type": "string", "readOnly": True, "description": "The body, rendered"},
        "revision": {"type": "integer", "minimum": 1, "readOnly": True},
        "province": {"type": "string", "readOnly": True},
        "updated_at": {**_DATE_TIME, "readOnly": True},
        "author": {"type": "string", "readOnly": True, "description": "Of this revision"},
        "excerpt": {
            "type": "string",
            "readOnly": True,
            "description": "The summary, or the start of the body",
        },
        "confirmations": {
            **_COUNT,
            "readOnly": True,
            "description": "Municipalities it worked (partly) for",
        },
        "contradictions": {
            **_COUNT,
            "readOnly": True,
            "description": "Municipalities it did not work for",
        },
        "findings": {
            "type": "array",
            "readOnly": True,
            "description": "After a save: possible personal data in a draft (publishing refuses)",
            "items": _ref("Finding"),
        },
    }


def _lesson_input(*required: str, **extra: Any) -> dict[str, Any]:
    """A request body: the front matter, `markdown` and `comment`; a GET answer is accepted as
    it is (its read-only fields are ignored); other keys are refused (422)."""
    return {
        "type": "object",
        "required": list(required),
        "additionalProperties": False,
        "properties": {
            **_front_matter(),
            **_read_only(),
            "comment": {**_TEXT, "description": "Edit summary"},
            **extra,
        },
    }


def _schemas() -> dict[str, Any]:
    lesson_required = [
        "slug",
        "title",
        "municipality",
        "province",
        "type",
        "themes",
        "owner",
        "status",
        "markdown",
        "html",
        "revision",
        "updated_at",
        "author",
        "excerpt",
        "confirmations",
        "contradictions",
    ]
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {
                            "type": "string",
                            "minLength": 1,
                            "description": "Stable, machine-readable: bad-request, "
                            "unauthenticated, forbidden, not-found, slug-taken, edit-conflict, "
                            "already-recorded, invalid, personal-data, ...",
                        },
                        "message": {
                            "type": "string",
                            "minLength": 1,
                            "description": "For people: Dutch, or English with "
                            "`Accept-Language: en`; names fields by their form labels",
                        },
                        "fields": {
                            "type": "object",
                            "description": "invalid: the problem per field",
                            "additionalProperties": {"type": "string"},
                        },
                        "findings": {
                            "type": "array",
                            "description": "personal-data: every finding",
                            "items": _ref("Finding"),
                        },
                        "base_revision": {
                            "type": "integer",
                            "description": "edit-conflict: the revision the edit started from",
                        },
                        "current_revision": {
                            "type": "integer",
                            "description": "edit-conflict: the revision saved in between",
                        },
                        "parameter": {
                            "type": "string",
                            "description": "invalid-parameter: the query parameter refused",
                        },
                    },
                }
            },
        },
        "Finding": _object(
            ["kind", "text", "start", "end", "field"],
            kind={
                "type": "string",
                "enum": ["name", "bsn", "email", "phone", "iban", "address", "birthdate"],
            },
            text={"type": "string"},
            start={"type": "integer", "minimum": 0},
            end={"type": "integer", "minimum": 0},
            field={"type": "string", "description": "The field it was found in"},
            message={
                "type": "string",
                "description": "In a refusal: for people, naming the field's form label and "
                "line (\"in Tekst, regel 3: '…' lijkt een persoonsnaam\")",
            },
        ),
        "Lesson": {
            "type": "object",
            "required": lesson_required,
            "properties": {**_front_matter(), **_read_only()},
        },
        "LessonSummary": _object(
            [
                "slug",
                "title",
                "municipality",
                "province",
                "type",
                "status",
                "themes",
                "summary",
                "revision",
                "updated_at",
                "url",
            ],
            slug={"type": "string"},
            title={"type": "string"},
            municipality={"type": "string"},
            province={"type": "string"},
            type={"type": "string", "enum": list(TYPES)},
            status={"type": "string", "enum": list(STATUSES)},
            themes={"type": "array", "items": {"type": "string", "enum": list(THEMES)}},
            summary={"type": "string", "description": "The summary, or the start of the body"},
            revision={"type": "integer", "minimum": 1},
            updated_at=_DATE_TIME,
            url={"type": "string", "description": "The lesson in this API"},
        ),
        "LessonPage": _object(
            ["total", "page", "per_page", "lessons"],
            total=_COUNT,
            page={"type": "integer", "minimum": 1},
            per_page={"type": "integer", "minimum": 1, "maximum": 100},
            lessons={"type": "array", "items": _ref("LessonSummary")},
        ),
        "NewLesson": {
            **_lesson_input("title", "municipality", "type", "themes", "owner"),
            # A context-dependent lesson names its local conditions.
            "if": _CONTEXT_DEPENDENT,
            "then": {"required": ["context"], "properties": {"context": _FILLED}},
        },
        "LessonUpdate": {
            # The context may be left out (it keeps its value), not emptied.
            "if": _CONTEXT_DEPENDENT,
            "then": {"properties": {"context": _FILLED}},
            **_lesson_input(
                "base_revision",
                slug={
                    "type": "string",
                    "readOnly": True,
                    "description": "The lesson's own slug may be sent back; "
                    "another is refused (422)",
                },
                base_revision={
                    "type": "integer",
                    "description": "The revision the edit started from; "
                    "409 if another was saved since",
                },
            ),
        },
        "Revisions": _object(
            ["slug", "revisions"],
            slug={"type": "string"},
            revisions={
                "type": "array",
                "description": (
                    "Newest first. A revision that may have held personal data is shown only "
                    "to the lesson's municipality and curators; others get its number and date "
                    "with `visible: false` and no author, comment or title"
                ),
                "items": _object(
                    ["revision", "created_at", "visible", "redacted"],
                    revision={"type": "integer", "minimum": 1},
                    created_at=_DATE_TIME,
                    visible={"type": "boolean"},
                    redacted={
                        "type": "boolean",
                        "description": "A curator replaced its texts by a placeholder",
                    },
                    author={"type": "string"},
                    comment={"type": "string"},
                    title={"type": "string"},
                ),
            },
        ),
        "Confirmation": _object(
            ["result", "note", "municipality", "province", "created_at"],
            result={"type": "string", "enum": list(CONFIRMATION_RESULTS)},
            note={"type": "string"},
            municipality={"type": "string"},
            province={"type": "string"},
            created_at=_DATE_TIME,
        ),
        "NewConfirmation": {
            **_object(
                ["result", "note"],
                result={"type": "string", "enum": list(CONFIRMATION_RESULTS)},
                note={
                    **_FILLED,
                    "maxLength": 1000,
                    "description": "The context in your municipality",
                },
            ),
            "additionalProperties": False,
        },
        "Confirmations": _object(
            ["slug", "counts", "contradicted", "confirmations", "own_municipality"],
            slug={"type": "string"},
            counts={
                "type": "object",
                "description": "Confirmations per result",
                "required": list(CONFIRMATION_RESULTS),
                "properties": {result: _COUNT for result in CONFIRMATION_RESULTS},
                "additionalProperties": False,
            },
            contradicted={
                "type": "boolean",
                "description": "Worked somewhere and did not work somewhere else",
            },
            confirmations={"type": "array", "items": _ref("Confirmation")},
            own_municipality={
                "type": "array",
                "items": _ref("Confirmation"),
                "description": "Given by the lesson's own municipality before the lesson moved "
                "there: kept, but not counted",
            },
        ),
        "NewComment": {
            **_object(["body"], body={**_FILLED, "maxLength": 4000}),
            "additionalProperties": False,
        },
        "Comment": _object(
            ["id", "body", "created_at"],
            id={"type": "integer"},
            body={"type": "string"},
            created_at=_DATE_TIME,
        ),
        "SearchResults": _object(
            [
                "query",
                "filters",
                "total",
                "page",
                "per_page",
                "hits",
                "facets",
                "suggestion",
                "messages",
            ],
            query={"type": "string", "description": "The words searched for, filters removed"},
            filters={
                "type": "object",
                "description": "The filters applied (from parameters and from the query)",
                "additionalProperties": {"type": "string"},
            },
            total=_COUNT,
            page={"type": "integer", "minimum": 1},
            per_page={"type": "integer", "minimum": 1, "maximum": 100},
            hits={
                "type": "array",
                "items": _object(
                    ["slug", "title", "municipality", "province", "type", "score", "highlight"],
                    slug={"type": "string"},
                    title={"type": "string"},
                    municipality={"type": "string"},
                    province={"type": "string"},
                    type={"type": "string", "enum": list(TYPES)},
                    score={"type": "number"},
                    highlight={"type": "string", "description": "HTML: matches in <mark>"},
                ),
            },
            facets={
                "type": "object",
                "description": "Over every match: value -> count",
                "required": ["municipality", "province", "type", "theme"],
                "properties": {
                    name: {"type": "object", "additionalProperties": _COUNT}
                    for name in ("municipality", "province", "type", "theme")
                },
            },
            suggestion={
                "type": ["string", "null"],
                "description": "The query with unknown words corrected, when few matched",
            },
            messages={
                "type": "array",
                "items": {"type": "string"},
                "description": "Why a filter was ignored or the query shortened",
            },
        ),
        "Municipalities": _object(
            ["municipalities"],
            municipalities={
                "type": "array",
                "items": _object(
                    ["name", "code", "province", "aliases", "lesson_count"],
                    name={"type": "string"},
                    code={"type": "string", "pattern": "^GM[0-9]{4}$"},
                    province={"type": "string"},
                    aliases=_STR_LIST,
                    lesson_count={
                        **_COUNT,
                        "description": "Published lessons (public statistics)",
                    },
                ),
            },
        ),
    }


_EXAMPLE_LESSON = {
    "title": "Schuldhulp aan de keukentafel via het wijkteam",
    "municipality": "Tilburg",
    "type": "generic",
    "themes": ["armoede-en-schulden", "integraal-werken"],
    "owner": "Wijkteam Tilburg-Noord",
    "active_elements": ["vaste contactpersoon", "warme overdracht"],
    "year": 2024,
    "markdown": "## Aanleiding\n\nSchulden komen vaak laat in beeld.\n",
}


def openapi_document() -> dict[str, Any]:
    """The API description, built from the same vocabularies the validator uses."""
    document = _document()
    for item in document["paths"].values():
        for operation in item.values():
            # Every operation checks its query parameters against this document (inputs.py).
            operation["responses"].setdefault("400", _BAD_PARAMETER)
    return document


def _document() -> dict[str, Any]:
    """The document, less the refusal every operation shares."""
    search_filters = [
        _query("q", {"type": "string"}, "Words; field filters such as gemeente:Tilburg work too"),
        _query("municipality", {"type": "string"}, "Name or alias"),
        _query("province", {"type": "string"}, "Province name"),
        _query("type", {"type": "string"}, "generic or context-dependent (Dutch words too)"),
        _query("theme", {"type": "string"}, "Theme slug or label"),
        _query("tag", {"type": "string"}, "A tag"),
        _query(
            "confirmations",
            {"type": "string"},
            "Confirmed by at least this many municipalities (a number, or ja)",
        ),
        _query(
            "sort",
            {"type": "string", "enum": ["relevance", "newest", "confirmed"]},
            "Order (default relevance)",
        ),
    ]
    listing_filters = [
        _query("municipality", {"type": "string"}, "Name or alias"),
        _query("province", {"type": "string"}, "Province name"),
        _query("type", {"type": "string", "enum": list(TYPES)}, "Lesson type"),
        _query("theme", {"type": "string", "enum": list(THEMES)}, "Theme slug"),
        _query("tag", {"type": "string"}, "A tag"),
        _query(
            "status",
            {"type": "string", "enum": list(STATUSES)},
            "Status; only writers see lessons that are not published",
        ),
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Leerwiki API",
            "version": "1",
            "description": "Lessons learned in the Dutch social domain. Writes need a Bearer token "
            "(`leerwiki tokens create EMAIL`); reads take one optionally. Every error is "
            '`{"error": {"code", "message"}}`; messages are Dutch unless `Accept-Language` '
            "prefers English (`en`). Text may not contain NUL characters or lone surrogates "
            "(refused). Unknown query parameters are refused (400 invalid-parameter).",
        },
        "servers": [{"url": API_PREFIX}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": _schemas(),
        },
        "paths": {
            "/lessons": {
                "get": {
                    "summary": "List lessons, by title",
                    "security": _OPTIONAL_BEARER,
                    "parameters": [*listing_filters, *_paging(25)],
                    "responses": {
                        "200": _json("LessonPage", "A page of lessons"),
                        "400": _error(
                            "A paging parameter is not a whole number, or a filter holds a NUL "
                            "character (code bad-request); an unknown parameter or a value "
                            "outside an enum (code invalid-parameter)"
                        ),
                        "401": _READ_401,
                    },
                },
                "post": {
                    "summary": "Create a lesson",
                    "security": [{"bearer": []}],
                    "requestBody": _body(_ref("NewLesson"), _EXAMPLE_LESSON),
                    "responses": {
                        "201": _json(
                            "Lesson",
                            "Created, as GET shows it (a draft may carry `findings`)",
                            Location="The new lesson",
                        ),
                        **_WRITE_ERRORS,
                        "409": _error("The slug is taken (code slug-taken)"),
                        "422": _error(
                            "Invalid (code invalid, `fields`), or personal data in what would "
                            "be published (code personal-data, `findings`)"
                        ),
                    },
                },
            },
            "/lessons/{slug}": {
                "get": {
                    "summary": "A lesson with its Markdown and HTML",
                    "security": _OPTIONAL_BEARER,
                    "parameters": [_SLUG],
                    "responses": {
                        "200": _json("Lesson", "The lesson"),
                        "401": _READ_401,
                        "404": _NOT_FOUND,
                    },
                },
                "put": {
                    "summary": "Save a new revision (omitted fields keep their value)",
                    "security": [{"bearer": []}],
                    "parameters": [_SLUG],
                    "requestBody": _body(_ref("LessonUpdate")),
                    "responses": {
                        "200": _json("Lesson", "Saved (unchanged content: no new revision)"),
                        **_WRITE_ERRORS,
                        "404": _NOT_FOUND,
                        "409": _error(
                            "Someone saved after base_revision (code edit-conflict, with "
                            "base_revision and current_revision)"
                        ),
                        "422": _error(
                            "Invalid (code invalid, `fields`), or personal data in what would "
                            "be published (code personal-data, `findings`)"
                        ),
                    },
                },
            },
            "/lessons/{slug}/revisions": {
                "get": {
                    "summary": "The revision history, newest first",
                    "security": _OPTIONAL_BEARER,
                    "parameters": [_SLUG],
                    "responses": {
                        "200": _json("Revisions", "Revisions"),
                        "401": _READ_401,
                        "404": _NOT_FOUND,
                    },
                }
            },
            "/lessons/{slug}/confirmations": {
                "get": {
                    "summary": "Other municipalities' experience with the lesson",
                    "security": _OPTIONAL_BEARER,
                    "parameters": [_SLUG],
                    "responses": {
                        "200": _json("Confirmations", "Counts per result and the confirmations"),
                        "401": _READ_401,
                        "404": _NOT_FOUND,
                    },
                },
                "post": {
                    "summary": "Record that the lesson worked, partly worked or did not work in "
                    "your municipality (authors of another municipality)",
                    "security": [{"bearer": []}],
                    "parameters": [_SLUG],
                    "requestBody": _body(_ref("NewConfirmation")),
                    "responses": {
                        "201": _json(
                            "Confirmation",
                            "Recorded",
                            Location="The lesson's confirmations",
                        ),
                        **_WRITE_ERRORS,
                        "403": _error(
                            "Not an author, own municipality, no municipality, or the lesson is "
                            "not published (code forbidden)"
                        ),
                        "404": _NOT_FOUND,
                        "409": _error("Already recorded by you (code already-recorded)"),
                        "422": _error(
                            "Invalid (code invalid), or personal data in the note "
                            "(code personal-data)"
                        ),
                    },
                },
            },
            "/lessons/{slug}/comments": {
                "post": {
                    "summary": "Comment on a lesson (signed-in users)",
                    "security": [{"bearer": []}],
                    "parameters": [_SLUG],
                    "requestBody": _body(_ref("NewComment")),
                    "responses": {
                        "201": _json("Comment", "Posted"),
                        **_WRITE_ERRORS,
                        "403": _error("The account is disabled (code forbidden)"),
                        "404": _NOT_FOUND,
                        "422": _error(
                            "Empty or too long (code invalid), or personal data "
                            "(code personal-data)"
                        ),
                    },
                }
            },
            "/search": {
                "get": {
                    "summary": "Search all municipalities' lessons, with facets and suggestions",
                    "security": _OPTIONAL_BEARER,
                    "parameters": [*search_filters, *_paging(20)],
                    "responses": {
                        "200": _json("SearchResults", "One page of hits, facets, suggestion"),
                        "400": _BAD_PAGING,
                        "401": _READ_401,
                        "503": _error(
                            "The index is being rebuilt from the database; try again after "
                            "Retry-After seconds (code index-unavailable)"
                        ),
                    },
                }
            },
            "/municipalities": {
                "get": {
                    "summary": "All 342 municipalities with province and published lesson count",
                    "responses": {"200": _json("Municipalities", "Municipalities, by province")},
                }
            },
        },
    }
