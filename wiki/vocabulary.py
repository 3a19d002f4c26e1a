"""The fixed vocabularies of the lesson format (DESIGN.md), with Dutch labels."""

from __future__ import annotations

THEMES: dict[str, str] = {
    "armoede-en-schulden": "Armoede en schulden",
    "werk-en-inkomen": "Werk en inkomen",
    "jeugd-en-gezin": "Jeugd en gezin",
    "onderwijs": "Onderwijs",
    "gezondheid-en-leefstijl": "Gezondheid en leefstijl",
    "zorg-en-ondersteuning": "Zorg en ondersteuning",
    "mantelzorg-en-vrijwilligers": "Mantelzorg en vrijwilligers",
    "wonen-en-leefomgeving": "Wonen en leefomgeving",
    "veiligheid": "Veiligheid",
    "participatie-en-eenzaamheid": "Participatie en eenzaamheid",
    "integraal-werken": "Integraal werken en samenwerking",
    "monitoring-en-evaluatie": "Monitoring en evaluatie",
    "inkoop-en-bekostiging": "Inkoop en bekostiging",
}

TYPES: dict[str, str] = {
    "generic": "Generiek",
    "context-dependent": "Contextafhankelijk",
}

LEVELS: dict[str, str] = {
    "individual": "Individu",
    "household": "Huishouden",
    "neighbourhood": "Wijk",
    "municipality": "Gemeente",
    "region": "Regio",
}

DOMAINS: dict[str, str] = {
    "social": "Sociaal domein",
    "care": "Zorgdomein",
    "both": "Sociaal en zorg",
}

STATUSES: dict[str, str] = {
    "draft": "Concept",
    "in-review": "In review",
    "published": "Gepubliceerd",
    "archived": "Gearchiveerd",
}

EVIDENCE: dict[str, str] = {
    "practice": "Praktijkervaring",
    "evaluated": "Geëvalueerd",
    "research": "Onderzocht",
}

ROLES = ("reader", "author", "curator", "admin")

# What another municipality reports about a lesson (POST .../confirmations `result`).
CONFIRMATION_RESULTS: dict[str, str] = {
    "worked": "Werkte ook bij ons",
    "partly": "Werkte deels",
    "did-not-work": "Werkte niet bij ons",
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
