"""Search across all municipalities: field filters in the query, facets, suggestions, caching."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from flask_babel import force_locale, gettext

from wiki.i18n import LANGUAGES
from wiki.models import User
from wiki.search.caches import LruCache
from wiki.search.engine import Filters, Hit, Results, SearchIndex
from wiki.search.health import IndexUnavailable, classify
from wiki.services import index_health, indexing, municipalities, permissions
from wiki.services.municipalities import name_key
from wiki.vocabulary import THEMES

MAX_QUERY = 500
PER_PAGE = 20
SORTS = ("relevance", "newest", "confirmed")
FILTER_NAMES = ("municipality", "province", "type", "theme", "tag", "confirmations")
# Dutch and English field names users may type: gemeente:Tilburg, thema:onderwijs, type:generiek.
FIELD_WORDS = {
    "gemeente": "municipality",
    "municipality": "municipality",
    "provincie": "province",
    "province": "province",
    "type": "type",
    "thema": "theme",
    "theme": "theme",
    "tag": "tag",
    "bevestigd": "confirmations",  # bevestigd:2 = confirmed by at least two municipalities
    "confirmations": "confirmations",
}
_FIELD_RE = re.compile(r"(?<!\S)(" + "|".join(FIELD_WORDS) + r')\s*:\s*("([^"]*)"?|\S+)', re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TYPE_WORDS = {
    "generic": "generic", "generiek": "generic",
    "context-dependent": "context-dependent", "contextafhankelijk": "context-dependent",
    "context": "context-dependent", "maatwerk": "context-dependent",
}  # fmt: skip


@dataclass
class SearchOutcome:
    """What a search page or the API shows."""

    text: str
    filters: dict[str, str]
    results: Results
    suggestion: str | None = None
    messages: list[str] = field(default_factory=list)
    sort: str = "relevance"

    @property
    def pages(self) -> int:
        return max(1, -(-self.results.total // self.results.per_page))


def resolve_filter(name: str, value: str) -> str | None:
    """The canonical value of a filter, or None if nothing matches it."""
    value = value.strip()
    if not value:
        return None
    if name == "municipality":
        record = municipalities.directory().resolve(value)
        return record.name if record else None
    if name == "province":
        for province in municipalities.directory().provinces:
            if name_key(province) == name_key(value):
                return province
        return None
    if name == "type":
        return _TYPE_WORDS.get(value.lower())
    if name == "theme":
        key = name_key(value)
        names = _theme_names()
        for slug, keys in names.items():
            if key in keys:
                return slug
        matches = [slug for slug, keys in names.items() if any(k.startswith(key) for k in keys)]
        return matches[0] if len(matches) == 1 else None
    if name == "tag":
        return value.lower()[:80]
    if name == "confirmations":
        if value.lower() in ("ja", "yes"):
            return "1"
        return value if value.isascii() and value.isdigit() and 0 < int(value) <= 1000 else None
    return None


def _theme_names() -> dict[str, set[str]]:
    """Per theme: its slug and its Dutch and English labels, as name keys. Search takes
    `thema:armoede` and `thema:poverty` whatever the interface language."""
    names = {slug: {name_key(slug)} for slug in THEMES}
    for language in LANGUAGES:
        with force_locale(language):
            for slug, label in THEMES.items():
                names[slug].add(name_key(str(label)))
    return names


def _apply_filter(
    filters: dict[str, str], messages: list[str], name: str, raw: str, shown: str
) -> None:
    """Add a resolved filter, or a message saying why it was ignored."""
    value = resolve_filter(name, raw)
    if value is None:
        messages.append(
            gettext(
                "Unknown value for %(filter)s: '%(value)s'; this filter was ignored.",
                filter=shown,
                value=raw[:80],
            )
        )
    else:
        filters[name] = value


def parse_query(q: str) -> tuple[str, dict[str, str], list[str]]:
    """Split `gemeente:Tilburg schulden` into words and filters; clean hostile input."""
    messages: list[str] = []
    text = _CONTROL.sub(" ", q)
    if len(text) > MAX_QUERY:
        text = text[:MAX_QUERY]
        messages.append(
            gettext("Your query was shortened to %(count)d characters.", count=MAX_QUERY)
        )
    filters: dict[str, str] = {}
    for match in _FIELD_RE.finditer(text):
        name = FIELD_WORDS[match.group(1).lower()]
        raw = match.group(3) if match.group(3) is not None else match.group(2)
        _apply_filter(filters, messages, name, raw, shown=match.group(1))
    words = _FIELD_RE.sub(" ", text)
    return " ".join(words.split()), filters, messages


# Recent answers, keyed on the index generation, so a new commit invalidates them.
_cache: LruCache[SearchOutcome] = LruCache(512)


def reader_filters(viewer: User | None) -> Filters:
    """The search-side form of permissions.visibility(): what this viewer may find."""
    seen = permissions.visibility(viewer)
    if seen.everything:
        return Filters(statuses=permissions.ALL_STATUSES)
    return Filters(
        statuses=permissions.PUBLIC_STATUSES,
        own_statuses=permissions.PRIVATE_STATUSES if seen.user_id is not None else (),
        own_municipality=seen.municipality,
        own_creator=seen.user_id,
    )


def _typed(chosen: dict[str, str]) -> dict[str, Any]:
    """Filter values as the engine takes them (confirmations is a number)."""
    values: dict[str, Any] = dict(chosen)
    if "confirmations" in values:
        values["min_confirmations"] = int(values.pop("confirmations"))
    return values


def search(
    q: str,
    viewer: User | None,
    *,
    filters: dict[str, str] | None = None,
    page: int = 1,
    sort: str = "relevance",
    per_page: int = PER_PAGE,
) -> SearchOutcome:
    """Search lessons the viewer may see. Any input gives results or a friendly message."""
    text, from_query, messages = parse_query(q or "")
    chosen: dict[str, str] = {}
    for name, raw in (filters or {}).items():
        if name in FILTER_NAMES and raw:
            _apply_filter(chosen, messages, name, raw, shown=name)
    chosen.update(from_query)
    sort = sort if sort in SORTS else "relevance"
    page = max(1, min(page, 500))
    visibility = reader_filters(viewer)
    index = indexing.search_index()
    key = (
        index.path,
        index_health.ready(),
        visibility,
        text,
        tuple(sorted(chosen.items())),
        page,
        sort,
        per_page,
    )
    cached = _cache.get(key)
    if cached is not None:
        return cached
    try:
        results = index.search(
            text,
            replace(visibility, **_typed(chosen)),
            page=page,
            per_page=per_page,
            sort=sort,
        )
        suggestion = None
        if text and results.total < 3:
            suggestion = index.suggest(text, visibility)
    except Exception as error:  # noqa: BLE001 - a damaged index answers 503, anything else raises
        problem = _damage(index, error)
        if problem is None:
            raise
        index_health.unavailable(problem)
    outcome = SearchOutcome(text, chosen, results, suggestion, messages, sort)
    if not messages:
        _cache.put(key, outcome)
    return outcome


def _damage(index: SearchIndex, error: Exception) -> IndexUnavailable | None:
    """The problem a failed search shows in the index, or None when the index reads whole
    (then the error is ours, not the index's)."""
    problem = classify(error)
    if problem is None or problem.missing or problem.definite:
        return problem
    return index.diagnose()


_related_cache: LruCache[list[Hit]] = LruCache(2048)


def related(slug: str, viewer: User | None, limit: int = 5) -> list[Hit]:
    """Similar lessons, other municipalities first; cached per index generation."""
    index = indexing.search_index()
    visibility = reader_filters(viewer)
    try:
        key = (index.path, index.version(), visibility, slug, limit)
        hits = _related_cache.get(key)
        if hits is None:
            hits = _related_cache.put(key, index.related(slug, visibility, limit))
    except Exception:  # noqa: BLE001 - a missing or broken index must not break a lesson page
        return []
    return hits
