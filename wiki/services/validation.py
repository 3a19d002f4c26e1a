"""Checks a lesson's front matter and body and turns them into a normalised LessonInput."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from wiki.lessonfile import normalise_body
from wiki.services import municipalities
from wiki.services.errors import FieldError, ValidationFailed
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
MAX_BODY = 500_000
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
            errors.append(FieldError(key, "verplicht veld ontbreekt"))

    unknown = sorted(set(fm) - set(FRONT_MATTER_KEYS))
    for key in unknown:
        close = difflib.get_close_matches(key, FRONT_MATTER_KEYS, n=1)
        hint = f" (bedoelt u '{close[0]}'?)" if close else ""
        errors.append(FieldError(key, f"onbekend veld{hint}"))

    title = _text(fm, "title", errors, MAX_TITLE)
    slug = _slug(fm, title, errors)
    municipality = _municipality(fm, errors)
    lesson_type = _choice(fm, "type", TYPES, errors)
    context = _text(fm, "context", errors)
    if lesson_type == "context-dependent" and not context:
        errors.append(
            FieldError(
                "context", "verplicht bij type context-dependent: noem de lokale omstandigheden"
            )
        )
    themes = _themes(fm, errors)
    status = _choice(fm, "status", STATUSES, errors) or "published"
    if len(body) > MAX_BODY:
        errors.append(FieldError("body", f"de tekst is langer dan {MAX_BODY} tekens"))

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
    if isinstance(value, bool) or isinstance(value, (list, dict)):
        errors.append(FieldError(key, "moet tekst zijn"))
        return None
    text = str(value).strip()
    if "\x00" in text:
        errors.append(FieldError(key, "bevat een ongeldig teken"))
        return None
    if len(text) > limit:
        errors.append(FieldError(key, f"is langer dan {limit} tekens"))
        return None
    return text or None


def _slug(fm: dict[str, Any], title: str | None, errors: list[FieldError]) -> str:
    given = fm.get("slug")
    if given in (None, ""):
        slug = slugify(title or "")
        if slug in RESERVED_SLUGS:
            slug += "-les"
        if title and not slug:
            errors.append(
                FieldError("slug", "kan niet uit de titel worden afgeleid; geef een slug op")
            )
        return slug
    slug = str(given).strip()
    if not SLUG_RE.match(slug) or len(slug) > MAX_SLUG:
        errors.append(
            FieldError("slug", f"'{slug}' is geen geldige slug (kleine letters, cijfers en '-')")
        )
    elif slug in RESERVED_SLUGS:
        errors.append(FieldError("slug", f"'{slug}' is gereserveerd; kies een andere slug"))
    return slug


def _municipality(fm: dict[str, Any], errors: list[FieldError]) -> str | None:
    value = fm.get("municipality")
    if value in (None, ""):
        return None
    name = str(value)
    record = municipalities.directory().resolve(name)
    if record is None:
        suggestions = municipalities.directory().suggest(name)
        hint = f"; bedoelt u {', '.join(suggestions)}?" if suggestions else ""
        errors.append(FieldError("municipality", f"onbekende gemeente '{name}'{hint}"))
        return None
    return record.name


def _choice(
    fm: dict[str, Any], key: str, allowed: dict[str, str], errors: list[FieldError]
) -> str | None:
    value = fm.get(key)
    if value in (None, ""):
        return None
    text = str(value).strip().lower()
    if text not in allowed:
        errors.append(
            FieldError(key, f"'{value}' is niet toegestaan; kies uit: {', '.join(allowed)}")
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
        errors.append(FieldError(key, "moet een lijst van teksten zijn"))
        return []
    result: list[str] = []
    for item in items:
        if item and item not in result:
            result.append(item)
    if any(len(item) > 200 for item in result):
        errors.append(FieldError(key, "een waarde is langer dan 200 tekens"))
    return result


def _themes(fm: dict[str, Any], errors: list[FieldError]) -> list[str]:
    themes = [t.lower() for t in _list(fm, "themes", errors)]
    for theme in themes:
        if theme not in THEMES:
            close = difflib.get_close_matches(theme, THEMES, n=1)
            hint = f" (bedoelt u '{close[0]}'?)" if close else ""
            errors.append(FieldError("themes", f"onbekend thema '{theme}'{hint}"))
            return []
    return themes


def _tags(fm: dict[str, Any], errors: list[FieldError]) -> list[str]:
    tags: list[str] = []
    for tag in _list(fm, "tags", errors):
        normal = re.sub(r"\s+", " ", tag.lower())
        if len(normal) > 80:
            errors.append(FieldError("tags", f"tag '{tag[:20]}…' is langer dan 80 tekens"))
        elif normal not in tags:
            tags.append(normal)
    return tags


def _year(fm: dict[str, Any], errors: list[FieldError]) -> int | None:
    value = fm.get("year")
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not (
        isinstance(value, int)
        or (isinstance(value, str) and value.strip().isascii() and value.strip().isdigit())
    ):
        errors.append(FieldError("year", f"'{value}' is geen jaartal"))
        return None
    year = int(value)
    if not 1900 <= year <= 2100:
        errors.append(FieldError("year", f"{year} ligt niet tussen 1900 en 2100"))
        return None
    return year
