"""Checks a lesson's front matter and body and turns them into a normalised LessonInput."""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext

from wiki.lessonfile import normalise_body
from wiki.rendering_limits import MAX_LENGTH, TooComplex, check
from wiki.services import municipalities
from wiki.services.errors import FieldError, ValidationFailed, describe_refusal, shorten
from wiki.vocabulary import (
    DOMAINS,
    EVIDENCE,
    FRONT_MATTER_KEYS,
    LEVELS,
    REQUIRED_KEYS,
    STATUSES,
    THEMES,
    TYPES,
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_TITLE = 200
MAX_SLUG = 120
MAX_BODY = MAX_LENGTH  # what the renderer accepts (wiki/rendering_limits.py)
MAX_NAME = 200  # a municipality name or alias is far shorter; longer input gets no suggestions
# Paths under /lessons/ that are pages of their own, so no lesson may take them as its slug.
RESERVED_SLUGS = frozenset({"new", "preview"})


@dataclass
class LessonInput:
    """A valid lesson, ready to be saved. `municipality` is the official name."""

    title: str
    slug: str
    municipality: str
    type: str
    themes: list[str]
    owner: str
    body: str
    context: str | None = None
    level: str | None = None
    domain: str | None = None
    tags: list[str] = field(default_factory=list)
    organisation: str | None = None
    year: int | None = None
    status: str = "published"
    evidence: str | None = None
    summary: str | None = None
    active_elements: list[str] = field(default_factory=list)
    target_group: str | None = None

    def front_matter(self) -> dict[str, Any]:
        """The snapshot stored with a revision and written to files, in contract order."""
        values = {key: getattr(self, key) for key in FRONT_MATTER_KEYS}
        return {k: v for k, v in values.items() if v not in (None, "", [])}


def slugify(text: str) -> str:
    """'Schuldhulp aan de keukentafel!' -> 'schuldhulp-aan-de-keukentafel'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    return slug[:MAX_SLUG].rstrip("-")


def validate(front_matter: dict[str, Any], body: str) -> LessonInput:
    """Check every field; raise ValidationFailed listing all problems at once."""
    errors: list[FieldError] = []
    # Browsers post CRLF; files and API may not: one canonical form, so "unchanged" is unchanged.
    body = normalise_body(body)
    fm = {k: (v.strip() if isinstance(v, str) else v) for k, v in front_matter.items()}

    for key in REQUIRED_KEYS:
        if fm.get(key) in (None, "", []):
            errors.append(FieldError(key, gettext("required field is missing")))

    unknown = sorted(set(fm) - set(FRONT_MATTER_KEYS))
    for key in unknown:
        close = difflib.get_close_matches(key, FRONT_MATTER_KEYS, n=1)
        message = (
            gettext("unknown field (did you mean '%(suggestion)s'?)", suggestion=close[0])
            if close
            else gettext("unknown field")
        )
        errors.append(FieldError(key, message))

    title = _text(fm, "title", errors, MAX_TITLE)
    slug = _slug(fm, title, errors)
    municipality = _municipality(fm, errors)
    lesson_type = _choice(fm, "type", TYPES, errors)
    context = _text(fm, "context", errors)
    if lesson_type == "context-dependent" and not context:
        errors.append(
            FieldError(
                "context",
                gettext("required for type context-dependent: describe the local circumstances"),
            )
        )
    themes = _themes(fm, errors)
    status = _choice(fm, "status", STATUSES, errors) or "published"
    if len(body) > MAX_BODY:
        errors.append(
            FieldError("body", gettext("the text is longer than %(max)s characters", max=MAX_BODY))
        )
    else:
        try:
            check(body)  # every save renders before it writes: refuse what cannot render quickly
        except TooComplex as exc:
            errors.append(FieldError("body", describe_refusal(exc)))

    result = LessonInput(
        title=title or "",
        slug=slug,
        municipality=municipality or "",
        type=lesson_type or "",
        themes=themes,
        owner=_text(fm, "owner", errors, 200) or "",
        body=body,
        context=context,
        level=_choice(fm, "level", LEVELS, errors),
        domain=_choice(fm, "domain", DOMAINS, errors),
        tags=_tags(fm, errors),
        organisation=_text(fm, "organisation", errors, 200),
        year=_year(fm, errors),
        status=status,
        evidence=_choice(fm, "evidence", EVIDENCE, errors),
        summary=_text(fm, "summary", errors, 1000),
        active_elements=_list(fm, "active_elements", errors),
        target_group=_text(fm, "target_group", errors, 500),
    )
    if errors:
        raise ValidationFailed(_dedupe(errors))
    return result


def _dedupe(errors: list[FieldError]) -> list[FieldError]:
    seen: dict[str, FieldError] = {}
    for error in errors:
        seen.setdefault(error.field, error)
    return list(seen.values())


def _text(fm: dict[str, Any], key: str, errors: list[FieldError], limit: int = 5000) -> str | None:
    value = fm.get(key)
    if value is None or value == "":
        return None
    if not _scalar(value):
        errors.append(FieldError(key, gettext("must be text")))
        return None
    text = str(value).strip()
    if has_invalid_character(text):
        errors.append(FieldError(key, gettext("contains an invalid character")))
        return None
    if len(text) > limit:
        errors.append(FieldError(key, gettext("is longer than %(max)s characters", max=limit)))
        return None
    return text or None


def _scalar(value: Any) -> bool:
    """Text, or a number YAML read from text (not a list, mapping, date or boolean)."""
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def has_invalid_character(text: str) -> bool:
    """NUL (PostgreSQL can neither store nor compare it) or a lone surrogate (not Unicode text:
    no database driver can encode it); JSON can carry both."""
    return _INVALID_CHARACTER.search(text) is not None


_INVALID_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def _slug(fm: dict[str, Any], title: str | None, errors: list[FieldError]) -> str:
    given = fm.get("slug")
    if given in (None, ""):
        slug = slugify(title or "")
        if slug in RESERVED_SLUGS:
            slug += "-les"
        if title and not slug:
            # A title without a Latin letter or digit ("学习", "—") still gets a stable address:
            # the same title gives the same slug, so a second one is refused as taken.
            digest = hashlib.sha256(title.encode("utf-8", "surrogatepass")).hexdigest()
            slug = f"les-{digest[:10]}"
        return slug
    if not _scalar(given):
        errors.append(FieldError("slug", gettext("must be text")))
        return ""
    slug = str(given).strip()
    if not SLUG_RE.match(slug) or len(slug) > MAX_SLUG:
        errors.append(
            FieldError(
                "slug",
                gettext(
                    "'%(slug)s' is not a valid slug (lower-case letters, digits and '-')",
                    slug=shorten(slug),
                ),
            )
        )
    elif slug in RESERVED_SLUGS:
        errors.append(
            FieldError("slug", gettext("'%(slug)s' is reserved; choose another slug", slug=slug))
        )
    return slug


def _municipality(fm: dict[str, Any], errors: list[FieldError]) -> str | None:
    value = fm.get("municipality")
    if value in (None, ""):
        return None
    if not isinstance(value, str) or has_invalid_character(value):
        errors.append(FieldError("municipality", gettext("must be text")))
        return None
    name = value
    record = municipalities.directory().resolve(name) if len(name) <= MAX_NAME else None
    if record is None:
        suggestions = municipalities.directory().suggest(name) if len(name) <= MAX_NAME else []
        errors.append(FieldError("municipality", unknown_municipality(name, suggestions)))
        return None
    return record.name


def unknown_municipality(name: str, suggestions: list[str]) -> str:
    """The message for a municipality name that is not in the directory, with suggestions."""
    message: str = (
        gettext(
            "unknown municipality '%(name)s'; did you mean %(suggestions)s?",
            name=shorten(name),
            suggestions=", ".join(suggestions),
        )
        if suggestions
        else gettext("unknown municipality '%(name)s'", name=shorten(name))
    )
    return message


def _choice(
    fm: dict[str, Any], key: str, allowed: dict[str, str], errors: list[FieldError]
) -> str | None:
    value = fm.get(key)
    if value in (None, ""):
        return None
    if not _scalar(value):
        errors.append(FieldError(key, gettext("must be text")))
        return None
    text = str(value).strip().lower()
    if text not in allowed:
        errors.append(
            FieldError(
                key,
                gettext(
                    "'%(value)s' is not allowed; choose from: %(options)s",
                    value=shorten(value),
                    options=", ".join(allowed),
                ),
            )
        )
        return None
    return text


def _list(fm: dict[str, Any], key: str, errors: list[FieldError]) -> list[str]:
    value = fm.get(key)
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")]
    elif isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        items = [str(v).strip() for v in value]
    else:
        errors.append(FieldError(key, gettext("must be a list of texts")))
        return []
    if any(has_invalid_character(item) for item in items):
        errors.append(FieldError(key, gettext("contains an invalid character")))
        return []
    result: list[str] = []
    for item in items:
        if item and item not in result:
            result.append(item)
    if any(len(item) > 200 for item in result):
        errors.append(
            FieldError(key, gettext("a value is longer than %(max)s characters", max=200))
        )
    return result


def _themes(fm: dict[str, Any], errors: list[FieldError]) -> list[str]:
    themes = [t.lower() for t in _list(fm, "themes", errors)]
    for theme in themes:
        if theme not in THEMES:
            close = difflib.get_close_matches(theme, THEMES, n=1)
            message = (
                gettext(
                    "unknown theme '%(theme)s' (did you mean '%(suggestion)s'?)",
                    theme=shorten(theme),
                    suggestion=close[0],
                )
                if close
                else gettext("unknown theme '%(theme)s'", theme=shorten(theme))
            )
            errors.append(FieldError("themes", message))
            return []
    return themes


def _tags(fm: dict[str, Any], errors: list[FieldError]) -> list[str]:
    tags: list[str] = []
    for tag in _list(fm, "tags", errors):
        normal = re.sub(r"\s+", " ", tag.lower())
        if len(normal) > 80:
            errors.append(
                FieldError(
                    "tags",
                    gettext(
                        "tag '%(tag)s' is longer than %(max)s characters",
                        tag=shorten(tag, 20),
                        max=80,
                    ),
                )
            )
        elif normal not in tags:
            tags.append(normal)
    return tags


def _year(fm: dict[str, Any], errors: list[FieldError]) -> int | None:
    value = fm.get("year")
    if value in (None, ""):
        return None
    if (
        isinstance(value, bool)
        or not (
            isinstance(value, int)
            or (isinstance(value, str) and value.strip().isascii() and value.strip().isdigit())
        )
        or len(str(value).strip()) > 4
    ):  # 4,300+ digits make int() raise; no year has five
        errors.append(
            FieldError("year", gettext("'%(value)s' is not a year", value=shorten(value)))
        )
        return None
    year = int(value)
    if not 1900 <= year <= 2100:
        errors.append(
            FieldError(
                "year", gettext("%(year)s is not between 1900 and 2100", year=shorten(year, 20))
            )
        )
        return None
    return year
