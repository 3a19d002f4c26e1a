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

from wiki import labels
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

    title = StringField(labels.LESSON["title"])
    slug = StringField(labels.LESSON["slug"])
    municipality = StringField(labels.LESSON["municipality"])
    type = RadioField(labels.LESSON["type"], choices=_choices(TYPES), default="generic")
    context = TextAreaField(labels.LESSON["context"])
    active_elements = StringField(labels.LESSON["active_elements"])
    themes = MultiCheckboxField(labels.LESSON["themes"], choices=_choices(THEMES))
    level = SelectField(labels.LESSON["level"], choices=_optional(LEVELS))
    domain = SelectField(labels.LESSON["domain"], choices=_optional(DOMAINS))
    tags = StringField(labels.LESSON["tags"])
    owner = StringField(labels.LESSON["owner"])
    organisation = StringField(labels.LESSON["organisation"])
    year = StringField(labels.LESSON["year"])
    status = SelectField(labels.LESSON["status"], choices=_choices(STATUSES), default="published")
    evidence = SelectField(labels.LESSON["evidence"], choices=_optional(EVIDENCE))
    summary = TextAreaField(labels.LESSON["summary"])
    target_group = StringField(labels.LESSON["target_group"])
    body = TextAreaField(labels.LESSON["body"])
    comment = StringField(labels.LESSON["comment"])
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
    note = TextAreaField(labels.REVIEW["note"])


class ReclassifyForm(FlaskForm):
    base_revision = HiddenField()
    to_type = RadioField(labels.RECLASSIFY["to_type"], choices=_choices(TYPES))
    reason = TextAreaField(labels.RECLASSIFY["reason"])
    context = TextAreaField(labels.RECLASSIFY["context"])


class ConfirmationForm(FlaskForm):
    result = RadioField(labels.CONFIRMATION["result"], choices=_choices(CONFIRMATION_RESULTS))
    note = TextAreaField(labels.CONFIRMATION["note"])


class CommentForm(FlaskForm):
    body = TextAreaField(labels.COMMENT["body"])


class OverrideForm(FlaskForm):
    kind = HiddenField()
    text = HiddenField()
    reason = StringField(labels.OVERRIDE["reason"])


class RedactForm(FlaskForm):
    reason = TextAreaField(lazy_gettext("Reason for the redaction"))


class CollectionForm(FlaskForm):
    title = StringField(labels.COLLECTION["title"])
    introduction = TextAreaField(labels.COLLECTION["introduction"])
    lessons = TextAreaField(labels.COLLECTION["lessons"])
