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


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json(ref: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
_STR_LIST = {"type": "array", "items": {"type": "string"}}


def _query_parameters(*names: str) -> list[dict[str, Any]]:
    """String query parameters plus the paging pair every listing takes."""
    return [
        *({"name": n, "in": "query", "schema": {"type": "string"}} for n in names),
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        {
            "name": "per_page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 100},
        },
    ]


def _lesson_fields(required: bool) -> dict[str, Any]:
    props: dict[str, Any] = {
        "title": {"type": "string", "maxLength": 200},
        "slug": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
        "municipality": {"type": "string", "description": "Name or alias of a Dutch municipality"},
        "type": {"type": "string", "enum": list(TYPES)},
        "context": {"type": "string"},
        "themes": {
            "type": "array",
            "items": {"type": "string", "enum": list(THEMES)},
            "minItems": 1,
        },
        "level": {"type": "string", "enum": list(LEVELS)},
        "domain": {"type": "string", "enum": list(DOMAINS)},
        "tags": _STR_LIST,
        "owner": {"type": "string"},
        "organisation": {"type": "string"},
        "year": {"type": "integer", "minimum": 1900, "maximum": 2100},
        "status": {"type": "string", "enum": list(STATUSES)},
        "evidence": {"type": "string", "enum": list(EVIDENCE)},
        "summary": {"type": "string"},
        "active_elements": _STR_LIST,
        "target_group": {"type": "string"},
        "markdown": {"type": "string"},
        "comment": {"type": "string", "description": "Edit summary"},
    }
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = ["title", "municipality", "type", "themes", "owner"]
    return schema


def openapi_document() -> dict[str, Any]:
    """The API description, built from the same vocabularies the validator uses."""
    lesson = _lesson_fields(required=False)
    lesson["properties"] = {
        **lesson["properties"],
        "html": {"type": "string"},
        "revision": {"type": "integer"},
        "province": {"type": "string"},
        "updated_at": {"type": "string", "format": "date-time"},
        "author": {"type": "string"},
        "excerpt": {"type": "string", "description": "Read-only: summary, or the body's start"},
        "confirmations": {"type": "integer", "description": "Municipalities it worked for"},
        "contradictions": {"type": "integer", "description": "Municipalities it did not work for"},
        "findings": {
            "type": "array",
            "description": "After a save: possible personal data in a draft (publishing refuses)",
            "items": {"$ref": "#/components/schemas/Finding"},
        },
    }
    update = _lesson_fields(required=False)
    update["required"] = ["base_revision"]
    update["properties"] = {**update["properties"], "base_revision": {"type": "integer"}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Leerwiki API",
            "version": "1",
            "description": "Lessons learned in the Dutch social domain. Writes need a Bearer token "
            "(`leerwiki tokens create EMAIL`).",
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        }
                    },
                },
                "Finding": {
                    "type": "object",
                    "required": ["kind", "text", "start", "end", "field"],
                    "properties": {
                        "kind": {
                            "type": "string",
                            "enum": [
                                "name",
                                "bsn",
                                "email",
                                "phone",
                                "iban",
                                "address",
                                "birthdate",
                            ],
                        },
                        "text": {"type": "string"},
                        "start": {"type": "integer"},
                        "end": {"type": "integer"},
                        "field": {"type": "string"},
                    },
                },
                "Confirmation": {
                    "type": "object",
                    "required": ["result", "note", "municipality", "province", "created_at"],
                    "properties": {
                        "result": {"type": "string", "enum": list(CONFIRMATION_RESULTS)},
                        "note": {"type": "string"},
                        "municipality": {"type": "string"},
                        "province": {"type": "string"},
                        "created_at": {"type": "string", "format": "date-time"},
                    },
                },
                "Lesson": lesson,
                "NewLesson": _lesson_fields(required=True),
                "LessonUpdate": update,
            },
        },
        "paths": {
            "/lessons": {
                "get": {
                    "summary": "List lessons",
                    "parameters": _query_parameters(
                        "municipality", "province", "type", "theme", "tag", "status"
                    ),
                    "responses": {
                        "200": {"description": "A page of lessons"},
                        "400": _error("Bad parameter"),
                    },
                },
                "post": {
                    "summary": "Create a lesson",
                    "security": [{"bearer": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/NewLesson"}
                            }
                        },
                    },
                    "responses": {
                        "201": _json("Lesson", "Created; Location names the lesson"),
                        "400": _error("Not a JSON object"),
                        "401": _error("No or bad token"),
                        "403": _error("Role may not write"),
                        "409": _error("Slug taken"),
                        "422": _error("Invalid lesson"),
                    },
                },
            },
            "/lessons/{slug}": {
                "get": {
                    "summary": "A lesson with its Markdown and HTML",
                    "parameters": [_SLUG],
                    "responses": {
                        "200": _json("Lesson", "The lesson"),
                        "404": _error("No such lesson"),
                    },
                },
                "put": {
                    "summary": "Save a new revision (omitted fields keep their value)",
                    "security": [{"bearer": []}],
                    "parameters": [_SLUG],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/LessonUpdate"}
                            }
                        },
                    },
                    "responses": {
                        "200": _json("Lesson", "Saved"),
                        "400": _error("Not a JSON object"),
                        "401": _error("No or bad token"),
                        "403": _error("Role may not write"),
                        "404": _error("No such lesson"),
                        "409": _error("Someone saved after base_revision"),
                        "422": _error("Invalid lesson"),
                    },
                },
            },
            "/lessons/{slug}/revisions": {
                "get": {
                    "summary": "The revision history, newest first",
                    "parameters": [_SLUG],
                    "responses": {
                        "200": {"description": "Revisions"},
                        "404": _error("No such lesson"),
                    },
                }
            },
            "/lessons/{slug}/confirmations": {
                "get": {
                    "summary": "Other municipalities' experience with the lesson",
                    "parameters": [_SLUG],
                    "responses": {
                        "200": {"description": "counts per result and the confirmations"},
                        "404": _error("No such lesson"),
                    },
                },
                "post": {
                    "summary": "Record that the lesson worked, partly worked or did not work in "
                    "your municipality (authors of another municipality)",
                    "security": [{"bearer": []}],
                    "parameters": [_SLUG],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["result", "note"],
                                    "properties": {
                                        "result": {
                                            "type": "string",
                                            "enum": list(CONFIRMATION_RESULTS),
                                        },
                                        "note": {"type": "string", "maxLength": 1000},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": _json("Confirmation", "Recorded"),
                        "400": _error("Not a JSON object"),
                        "401": _error("No or bad token"),
                        "403": _error("Own municipality, no municipality, or not published"),
                        "404": _error("No such lesson"),
                        "409": _error("Already recorded by you"),
                        "422": _error("Invalid, or personal data (code personal-data)"),
                    },
                },
            },
            "/lessons/{slug}/comments": {
                "post": {
                    "summary": "Comment on a lesson (signed-in users)",
                    "security": [{"bearer": []}],
                    "parameters": [_SLUG],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["body"],
                                    "properties": {"body": {"type": "string", "maxLength": 4000}},
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": {"description": "Posted"},
                        "400": _error("Not a JSON object"),
                        "401": _error("No or bad token"),
                        "404": _error("No such lesson"),
                        "422": _error("Empty, too long, or personal data (code personal-data)"),
                    },
                }
            },
            "/search": {
                "get": {
                    "summary": "Search all municipalities' lessons, with facets and suggestions",
                    "parameters": _query_parameters(
                        "q",
                        "municipality",
                        "province",
                        "type",
                        "theme",
                        "tag",
                        "confirmations",
                        "sort",
                    ),
                    "responses": {
                        "200": {
                            "description": "total, hits (slug, title, municipality, type, score, "
                            "highlight), facets (municipality, province, type, theme: value -> "
                            "count), suggestion"
                        },
                        "400": _error("Bad parameter"),
                    },
                }
            },
            "/municipalities": {
                "get": {
                    "summary": "All 342 municipalities with province and lesson count",
                    "responses": {"200": {"description": "Municipalities"}},
                }
            },
        },
    }
