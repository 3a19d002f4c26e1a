"""Web forms. They carry CSRF and render fields; the lesson rules live in services.validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from wiki.services.validation import LessonInput
from wiki.vocabulary import (
    CONFIRMATION_RESULTS,
    DOMAINS,
    EVIDENCE,
    LEVELS,
    STATUSES,
    THEMES,
    TYPES,
)


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes (works without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _choices(choices: Mapping[str, Any]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in choices.items()]


def _optional(choices: Mapping[str, Any]) -> list[SelectChoice]:
    return [SelectChoice("", lazy_gettext("— not specified —")), *_choices(choices)]


class LessonForm(FlaskForm):
    """Every front-matter field as a form field, plus the body and an edit summary."""

    title = StringField(lazy_gettext("Title"))
    slug = StringField(lazy_gettext("Slug (web address)"))
    municipality = StringField(lazy_gettext("Municipality"))
    type = RadioField(lazy_gettext("Lesson type"), choices=_choices(TYPES), default="generic")
    context = TextAreaField(lazy_gettext("Context: under which local circumstances did it work?"))
    active_elements = StringField(lazy_gettext("Effective elements (comma-separated)"))
    themes = MultiCheckboxField(lazy_gettext("Themes"), choices=_choices(THEMES))
    level = SelectField(lazy_gettext("Level"), choices=_optional(LEVELS))
    domain = SelectField(lazy_gettext("Domain"), choices=_optional(DOMAINS))
    tags = StringField(lazy_gettext("Tags (comma-separated)"))
    owner = StringField(lazy_gettext("Owner (person or team)"))
    organisation = StringField(lazy_gettext("Organisation"))
    year = StringField(lazy_gettext("Year of the experience"))
    status = SelectField(lazy_gettext("Status"), choices=_choices(STATUSES), default="published")
    evidence = SelectField(lazy_gettext("Evidence"), choices=_optional(EVIDENCE))
    summary = TextAreaField(lazy_gettext("Summary"))
    target_group = StringField(lazy_gettext("Target group"))
    body = TextAreaField(lazy_gettext("Text (Markdown)"))
    comment = StringField(lazy_gettext("Summary of the change"))
    base_revision = HiddenField()

    def front_matter(self) -> dict[str, Any]:
        """The submitted fields as a front-matter dict for services.validation."""
        return {
            "title": self.title.data,
            "slug": self.slug.data,
            "municipality": self.municipality.data,
            "type": self.type.data,
            "context": self.context.data,
            "themes": list(self.themes.data or []),
            "level": self.level.data,
            "domain": self.domain.data,
            "tags": self.tags.data,
            "owner": self.owner.data,
            "organisation": self.organisation.data,
            "year": self.year.data,
            "status": self.status.data,
            "evidence": self.evidence.data,
            "summary": self.summary.data,
            "active_elements": self.active_elements.data,
            "target_group": self.target_group.data,
        }

    def fill_from(self, data: LessonInput) -> None:
        """Pre-fill the form with a lesson's values."""
        for name in (
            "title", "slug", "municipality", "type", "context", "level", "domain", "owner",
            "organisation", "status", "evidence", "summary", "target_group",
        ):  # fmt: skip
            getattr(self, name).data = getattr(data, name) or ""
        self.themes.data = list(data.themes)
        self.tags.data = ", ".join(data.tags)
        self.active_elements.data = ", ".join(data.active_elements)
        self.year.data = str(data.year) if data.year else ""
        self.body.data = data.body


class PreviewForm(FlaskForm):
    """Only the CSRF token and the text: the live preview posts this."""

    body = TextAreaField()


class RevertForm(FlaskForm):
    base_revision = HiddenField()


class LoginForm(FlaskForm):
    email = EmailField(
        lazy_gettext("Email address"),
        validators=[DataRequired(lazy_gettext("Enter your email address."))],
    )
    password = PasswordField(
        lazy_gettext("Password"), validators=[DataRequired(lazy_gettext("Enter your password."))]
    )
    next = HiddenField()


# ---- curation -------------------------------------------------------------------------


class StatusForm(FlaskForm):
    """Submit for review, publish, archive, withdraw: one button per target status."""

    status = HiddenField()
    base_revision = HiddenField()
    note = StringField(lazy_gettext("Note (optional)"))


class ReviewForm(FlaskForm):
    """A curator endorses (and so publishes) the current revision, or returns it."""

    base_revision = HiddenField()
    note = TextAreaField(lazy_gettext("Note"))


class ReclassifyForm(FlaskForm):
    base_revision = HiddenField()
    to_type = RadioField(lazy_gettext("New type"), choices=_choices(TYPES))
    reason = TextAreaField(lazy_gettext("Reason for the reclassification"))
    context = TextAreaField(lazy_gettext("Context (required if context-dependent)"))


class ConfirmationForm(FlaskForm):
    result = RadioField(lazy_gettext("Your experience"), choices=_choices(CONFIRMATION_RESULTS))
    note = TextAreaField(lazy_gettext("Brief note: what was the context where you are?"))


class CommentForm(FlaskForm):
    body = TextAreaField(lazy_gettext("Your comment"))


class OverrideForm(FlaskForm):
    kind = HiddenField()
    text = HiddenField()
    reason = StringField(lazy_gettext("Why is this not personal data?"))


class RedactForm(FlaskForm):
    reason = TextAreaField(lazy_gettext("Reason for the redaction"))


class CollectionForm(FlaskForm):
    title = StringField(lazy_gettext("Title"))
    introduction = TextAreaField(lazy_gettext("Introduction (Markdown)"))
    lessons = TextAreaField(lazy_gettext("Lessons: one slug per line, in order"))
