"""The labels of the web forms' fields, per form: the one source for the forms and for every
message that names a field (validation errors, privacy findings, import reports).

Services raise errors with the internal field name (`title`, `body`); a message a person reads
names the field as the form shows it, in the reader's language ("Titel", "Tekst").
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask_babel import LazyString, lazy_gettext

Labels = Mapping[str, LazyString]

LESSON: Labels = {
    "title": lazy_gettext("Title"),
    "slug": lazy_gettext("Slug (web address)"),
    "municipality": lazy_gettext("Municipality"),
    "type": lazy_gettext("Lesson type"),
    "context": lazy_gettext("Context: under which local circumstances did it work?"),
    "active_elements": lazy_gettext("Effective elements (comma-separated)"),
    "themes": lazy_gettext("Themes"),
    "level": lazy_gettext("Level"),
    "domain": lazy_gettext("Domain"),
    "tags": lazy_gettext("Tags (comma-separated)"),
    "owner": lazy_gettext("Owner (person or team)"),
    "organisation": lazy_gettext("Organisation"),
    "year": lazy_gettext("Year of the experience"),
    "status": lazy_gettext("Status"),
    "evidence": lazy_gettext("Evidence"),
    "summary": lazy_gettext("Summary"),
    "target_group": lazy_gettext("Target group"),
    "body": lazy_gettext("Text (Markdown)"),
    "comment": lazy_gettext("Summary of the change"),
}

COLLECTION: Labels = {
    "title": lazy_gettext("Title"),
    "introduction": lazy_gettext("Introduction (Markdown)"),
    "lessons": lazy_gettext("Lessons: one slug per line, in order"),
}

COMMENT: Labels = {"body": lazy_gettext("Your comment (without any client data)")}

CONFIRMATION: Labels = {
    "result": lazy_gettext("Your experience"),
    "note": lazy_gettext("Brief note: what was the context where you are?"),
}

REVIEW: Labels = {
    "note": lazy_gettext("Notes on your review"),
    "status": lazy_gettext("Status"),
}

RECLASSIFY: Labels = {
    "type": lazy_gettext("New type"),
    "to_type": lazy_gettext("New type"),
    "reason": lazy_gettext("Reason (shown with the lesson)"),
    "context": lazy_gettext("Under which local circumstances did it work?"),
}

OVERRIDE: Labels = {
    "kind": lazy_gettext("Kind of personal data"),
    "text": lazy_gettext("Text of the warning"),
    "reason": lazy_gettext("Why is this not personal data?"),
}

# "Text (Markdown)" -> "Text", "Context: under which ..." -> "Context": the name a message uses.
_HINT = re.compile(r"\s*(?:\(.*\)|:.*)$")


def label(name: str, labels: Labels | None = None) -> str:
    """The short label of field `name` in the current language (the internal name if none)."""
    found = (labels if labels is not None else LESSON).get(name)
    if found is None:
        return name
    text = str(found)
    return _HINT.sub("", text) or text
