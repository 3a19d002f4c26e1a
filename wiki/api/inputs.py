"""What an API request may carry, checked before a view runs: the query parameters its
operation declares in the OpenAPI document (and their enums), whole numbers a database can
hold, and JSON bodies that are objects of Unicode text, not nested deeper than a lesson is."""

from __future__ import annotations

import functools
import re
from typing import Any

from flask import request
from flask_babel import gettext

from wiki.api.openapi import API_PREFIX, openapi_document
from wiki.services.errors import DomainError, FieldError, ValidationFailed, shorten
from wiki.services.validation import has_invalid_character

MAX_JSON_DEPTH = 16  # a lesson is three levels deep (object, list, text)
_RULE_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
_MAX_DIGITS = 18  # below 2**63: any number longer than this is past every limit anyway


class BadRequest(DomainError):
    status = 400
    code = "bad-request"


class InvalidParameter(DomainError):
    """A query parameter the operation does not take, or a value outside its enum."""

    status = 400
    code = "invalid-parameter"

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.parameter = name

    def details(self) -> dict[str, Any]:
        return {"parameter": self.parameter}


@functools.cache
def declared_parameters() -> dict[tuple[str, str], dict[str, dict[str, Any]]]:
    """(path as in the document, METHOD) -> query parameter name -> its schema."""
    declared: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for path, item in openapi_document()["paths"].items():
        for method, operation in item.items():
            declared[(path, method.upper())] = {
                p["name"]: p["schema"]
                for p in operation.get("parameters", [])
                if p["in"] == "query"
            }
    return declared


def check_query() -> None:
    """Refuse (400 invalid-parameter) query parameters the operation does not declare and
    values outside a declared enum; the document is the one list of what is allowed."""
    rule = request.url_rule
    if rule is None:
        return  # no route: 404 or 405 follows
    path = _RULE_PARAMETER.sub(r"{\1}", rule.rule.removeprefix(API_PREFIX))
    method = "GET" if request.method == "HEAD" else request.method
    declared = declared_parameters().get((path, method))
    if declared is None:
        return  # OPTIONS, answered by Flask itself
    for name in request.args:
        schema = declared.get(name)
        if schema is None:
            allowed = ", ".join(declared) or "-"
            raise InvalidParameter(
                name,
                gettext(
                    "unknown query parameter '%(name)s'; allowed: %(allowed)s",
                    name=shorten(name),
                    allowed=allowed,
                ),
            )
        options, pattern = schema.get("enum"), schema.get("pattern")
        values = request.args.getlist(name)
        if len(values) > 1 and schema.get("type") != "array":
            raise InvalidParameter(
                name, gettext("'%(name)s' may be given only once", name=shorten(name))
            )
        for value in values:
            if pattern is not None and not re.search(pattern, value):
                raise InvalidParameter(
                    name,
                    gettext("'%(name)s' contains an invalid character (NUL)", name=shorten(name)),
                )
            if options is not None and value not in options:
                raise InvalidParameter(
                    name,
                    gettext(
                        "'%(value)s' is not allowed for '%(name)s'; choose from: %(options)s",
                        value=shorten(value),
                        name=name,
                        options=", ".join(options),
                    ),
                )


def whole_number(name: str, default: int, low: int, high: int) -> int:
    """A whole-number query parameter, clamped to [low, high]; 400 when it is not a number.

    Digits past what any limit needs are not converted (int() refuses 4,300 of them, and a
    database cannot hold more than 19): they are simply past the limit."""
    raw = request.args.get(name, "").strip()
    if raw == "":
        return default
    if not (raw.isascii() and _WHOLE_NUMBER.fullmatch(raw)):  # '²'.isdigit() is true
        raise BadRequest(gettext("'%(name)s' must be a whole number", name=name))
    digits = raw.lstrip("+-").lstrip("0")
    if len(digits) > _MAX_DIGITS:
        return low if raw.startswith("-") else high
    return min(high, max(low, int(raw)))


def json_object(schema: str, *, closed: bool = False) -> dict[str, Any]:
    """The request body as a JSON object of the document's schema `schema`; 400 when it is not
    an object (or nests deeper than any lesson), 422 naming each field that holds a NUL or a
    lone surrogate, has another JSON type than the schema gives it or, when `closed`, is not
    in the schema at all."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # the parser's own limit, far below a 2 MB body of '['
        data = None
    if not isinstance(data, dict) or _depth_exceeds(data, MAX_JSON_DEPTH):
        raise BadRequest(
            gettext(
                "the body must be a JSON object (Content-Type: application/json), "
                "nested at most %(depth)s levels deep",
                depth=MAX_JSON_DEPTH,
            )
        )
    refused = sorted(
        str(k) for k, v in data.items() if _has_invalid_text(k) or _has_invalid_text(v)
    )
    if refused:
        message = gettext("contains an invalid character (NUL or a lone surrogate)")
        raise ValidationFailed([FieldError(k, message) for k in refused])
    properties = _properties(schema)
    unknown = sorted(set(data) - set(properties)) if closed else []
    if unknown:
        raise ValidationFailed([FieldError(k, gettext("unknown field")) for k in unknown])
    mistyped = [
        FieldError(key, gettext("must be of JSON type %(type)s", type=_type_name(properties[key])))
        for key, value in data.items()
        if key in properties and not _has_type(value, properties[key])
    ]
    if mistyped:
        raise ValidationFailed(mistyped)
    # JSON has one kind of number: 1914.0 is the integer 1914 (JSON Schema agrees).
    return {
        k: int(v) if isinstance(v, float) and properties.get(k, {}).get("type") == "integer" else v
        for k, v in data.items()
    }


@functools.cache
def _properties(schema: str) -> dict[str, dict[str, Any]]:
    """The properties of one of the document's schemas (the document is built once)."""
    return dict(openapi_document()["components"]["schemas"][schema]["properties"])


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


def _has_type(value: Any, schema: dict[str, Any]) -> bool:
    """Whether a JSON value has the schema's type (and, for a list, its items theirs)."""
    names = schema.get("type")
    if names is None:
        return True
    for name in [names] if isinstance(names, str) else names:
        fits = isinstance(value, _JSON_TYPES[name]) and not (
            isinstance(value, bool) and name in ("integer", "number")
        )
        if name == "integer" and isinstance(value, float):
            fits = value.is_integer()
        if fits and name == "array" and "items" in schema:
            fits = all(_has_type(item, schema["items"]) for item in value)
        if fits:
            return True
    return False


def _type_name(schema: dict[str, Any]) -> str:
    names = schema.get("type", "")
    shown = names if isinstance(names, str) else " | ".join(names)
    items = schema.get("items", {}).get("type")
    return f"{shown} ({items})" if shown == "array" and items else shown


def _children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    if isinstance(value, list):
        return value
    return []


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether the value nests deeper than `limit` (walked without recursion)."""
    level, depth = [value], 1
    while level:
        level = [child for item in level for child in _children(item)]
        if level and (depth := depth + 1) > limit:
            return True
    return False


def _has_invalid_text(value: Any) -> bool:
    """A NUL or a lone surrogate in any text within the value (keys included)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if has_invalid_character(item):
                return True
        else:
            stack.extend(_children(item))
    return False
