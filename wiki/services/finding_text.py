"""The wording of privacy findings: what a person reads about a piece of possible personal data.

privacy.py finds the data (kind, text, field, offsets); this module says where it is in words
("in Text, line 3") and what it looks like ("'Jan de Vries' looks like a person's name"), in the
reader's language, with the field named by its form label (wiki.labels).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from flask_babel import LazyString, gettext, lazy_gettext

from wiki.labels import Labels, label

# The kinds of finding and their names (lazy: text in the language of the request).
KIND_LABELS: dict[str, LazyString] = {
    "name": lazy_gettext("personal name"),
    "bsn": lazy_gettext("BSN"),
    "email": lazy_gettext("e-mail address"),
    "phone": lazy_gettext("phone number"),
    "iban": lazy_gettext("IBAN"),
    "address": lazy_gettext("address"),
    "birthdate": lazy_gettext("date of birth"),
}

# Whole sentences per kind: articles and word order differ per language.
_LOOKS_LIKE: dict[str, LazyString] = {
    "name": lazy_gettext("'%(text)s' looks like a person's name"),
    "bsn": lazy_gettext("'%(text)s' looks like a citizen service number (BSN)"),
    "email": lazy_gettext("'%(text)s' looks like an e-mail address"),
    "phone": lazy_gettext("'%(text)s' looks like a phone number"),
    "iban": lazy_gettext("'%(text)s' looks like a bank account number (IBAN)"),
    "address": lazy_gettext("'%(text)s' looks like an address"),
    "birthdate": lazy_gettext("'%(text)s' looks like a date of birth"),
}


class FindingLike(Protocol):
    kind: str
    text: str
    start: int
    field: str


def kind_label(kind: str) -> str:
    """The name of a kind of finding in the current language."""
    return str(KIND_LABELS.get(kind, kind))


def line_number(text: str, offset: int) -> int:
    """The 1-based line of `text` that holds character `offset`."""
    return text.count("\n", 0, max(0, int(offset))) + 1


def place(finding: FindingLike, texts: Mapping[str, Any] | None, labels: Labels | None) -> str:
    """Where a finding is, in words: "in Text, line 3" (the line only for multi-line text)."""
    field = label(finding.field, labels)
    text = (texts or {}).get(finding.field)
    if isinstance(text, str) and "\n" in text.strip():
        return str(
            gettext(
                "in %(field)s, line %(line)s", field=field, line=line_number(text, finding.start)
            )
        )
    return str(gettext("in %(field)s", field=field))


def what(finding: FindingLike) -> str:
    """What the text looks like: "'Jan de Vries' looks like a person's name"."""
    sentence = _LOOKS_LIKE.get(finding.kind)
    if sentence is None:
        return f"'{finding.text}': {kind_label(finding.kind)}"
    return str(sentence) % {"text": finding.text}


def describe(
    finding: FindingLike,
    texts: Mapping[str, Any] | None = None,
    labels: Labels | None = None,
) -> str:
    """One finding for a person: "in Text, line 3: 'Jan de Vries' looks like a person's name"."""
    return str(
        gettext("%(place)s: %(what)s", place=place(finding, texts, labels), what=what(finding))
    )
