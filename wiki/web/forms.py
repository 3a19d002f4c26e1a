"""Web forms. They carry CSRF and render fields; the lesson rules live in services.validation."""

from __future__ import annotations

from typing import Any

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


def _choices(choices: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in choices.items()]


def _optional(choices: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice("", "— niet ingevuld —"), *_choices(choices)]


class LessonForm(FlaskForm):
    """Every front-matter field as a form field, plus the body and an edit summary."""

    title = StringField("Titel")
    slug = StringField("Slug (webadres)")
    municipality = StringField("Gemeente")
    type = RadioField("Type les", choices=_choices(TYPES), default="generic")
    context = TextAreaField("Context: onder welke lokale omstandigheden werkte het?")
    active_elements = StringField("Werkzame elementen (komma-gescheiden)")
    themes = MultiCheckboxField("Thema's", choices=_choices(THEMES))
    level = SelectField("Niveau", choices=_optional(LEVELS))
    domain = SelectField("Domein", choices=_optional(DOMAINS))
    tags = StringField("Tags (komma-gescheiden)")
    owner = StringField("Eigenaar (persoon of team)")
    organisation = StringField("Organisatie")
    year = StringField("Jaar van de ervaring")
    status = SelectField("Status", choices=_choices(STATUSES), default="published")
    evidence = SelectField("Onderbouwing", choices=_optional(EVIDENCE))
    summary = TextAreaField("Samenvatting")
    target_group = StringField("Doelgroep")
    body = TextAreaField("Tekst (Markdown)")
    comment = StringField("Samenvatting van de wijziging")
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
    email = EmailField("E-mailadres", validators=[DataRequired("Vul uw e-mailadres in.")])
    password = PasswordField("Wachtwoord", validators=[DataRequired("Vul uw wachtwoord in.")])
    next = HiddenField()


# ---- curation -------------------------------------------------------------------------


class StatusForm(FlaskForm):
    """Submit for review, publish, archive, withdraw: one button per target status."""

    status = HiddenField()
    base_revision = HiddenField()
    note = StringField("Toelichting (optioneel)")


class ReviewForm(FlaskForm):
    """A curator endorses (and so publishes) the current revision, or returns it."""

    base_revision = HiddenField()
    note = TextAreaField("Toelichting")


class ReclassifyForm(FlaskForm):
    base_revision = HiddenField()
    to_type = RadioField("Nieuw type", choices=_choices(TYPES))
    reason = TextAreaField("Reden van de herclassificatie")
    context = TextAreaField("Context (nodig bij contextafhankelijk)")


class ConfirmationForm(FlaskForm):
    result = RadioField("Uw ervaring", choices=_choices(CONFIRMATION_RESULTS))
    note = TextAreaField("Korte toelichting: hoe was de context bij u?")


class CommentForm(FlaskForm):
    body = TextAreaField("Uw reactie")


class OverrideForm(FlaskForm):
    kind = HiddenField()
    text = HiddenField()
    reason = StringField("Waarom is dit geen persoonsgegeven?")


class CollectionForm(FlaskForm):
    title = StringField("Titel")
    introduction = TextAreaField("Inleiding (Markdown)")
    lessons = TextAreaField("Lessen: één slug per regel, in volgorde")
