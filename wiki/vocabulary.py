"""The fixed vocabularies of the lesson format (DESIGN.md) and their interface labels.

Keys are the values of the file format and the API. Labels are lazy translations (English
msgids; the Dutch theme labels of DESIGN.md are in wiki/translations/nl): they become text
in the language of the request when shown.
"""

from __future__ import annotations

from flask_babel import LazyString, lazy_gettext

THEMES: dict[str, LazyString] = {
    "armoede-en-schulden": lazy_gettext("Poverty and debt"),
    "werk-en-inkomen": lazy_gettext("Work and income"),
    "jeugd-en-gezin": lazy_gettext("Youth and family"),
    "onderwijs": lazy_gettext("Education"),
    "gezondheid-en-leefstijl": lazy_gettext("Health and lifestyle"),
    "zorg-en-ondersteuning": lazy_gettext("Care and support"),
    "mantelzorg-en-vrijwilligers": lazy_gettext("Informal carers and volunteers"),
    "wonen-en-leefomgeving": lazy_gettext("Housing and living environment"),
    "veiligheid": lazy_gettext("Safety"),
    "participatie-en-eenzaamheid": lazy_gettext("Participation and loneliness"),
    "integraal-werken": lazy_gettext("Integrated working and cooperation"),
    "monitoring-en-evaluatie": lazy_gettext("Monitoring and evaluation"),
    "inkoop-en-bekostiging": lazy_gettext("Procurement and funding"),
}

TYPES: dict[str, LazyString] = {
    "generic": lazy_gettext("Generic"),
    "context-dependent": lazy_gettext("Context-dependent"),
}

LEVELS: dict[str, LazyString] = {
    "individual": lazy_gettext("Individual"),
    "household": lazy_gettext("Household"),
    "neighbourhood": lazy_gettext("Neighbourhood"),
    "municipality": lazy_gettext("Municipality"),
    "region": lazy_gettext("Region"),
}

DOMAINS: dict[str, LazyString] = {
    "social": lazy_gettext("Social domain"),
    "care": lazy_gettext("Care domain"),
    "both": lazy_gettext("Social and care"),
}

STATUSES: dict[str, LazyString] = {
    "draft": lazy_gettext("Draft"),
    "in-review": lazy_gettext("In review"),
    "published": lazy_gettext("Published"),
    "archived": lazy_gettext("Archived"),
}

EVIDENCE: dict[str, LazyString] = {
    "practice": lazy_gettext("Practice"),
    "evaluated": lazy_gettext("Evaluated"),
    "research": lazy_gettext("Researched"),
}

ROLES = ("reader", "author", "curator", "admin")

# What another municipality reports about a lesson (POST .../confirmations `result`).
CONFIRMATION_RESULTS: dict[str, LazyString] = {
    "worked": lazy_gettext("Worked here too"),
    "partly": lazy_gettext("Partly worked"),
    "did-not-work": lazy_gettext("Did not work here"),
}

# Front-matter keys in the order the file format writes them.
FRONT_MATTER_KEYS = (
    "title",
    "slug",
    "municipality",
    "type",
    "context",
    "themes",
    "level",
    "domain",
    "tags",
    "owner",
    "organisation",
    "year",
    "status",
    "evidence",
    "summary",
    "active_elements",
    "target_group",
)
REQUIRED_KEYS = ("title", "municipality", "type", "themes", "owner")

LESSON_TEMPLATE = """## Aanleiding

## Doelen

## Aanpak

## Resultaat

## Geleerde les
"""
