"""Counts for the home page charts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select

from wiki.extensions import db
from wiki.models import Lesson, Municipality, Theme, lesson_theme
from wiki.vocabulary import THEMES, TYPES


@dataclass
class Bar:
    """One bar of a chart: label, value, link and its share of the largest bar."""

    key: str
    label: str
    value: int
    fraction: float


def _bars(counts: dict[str, int], labels: Mapping[str, object]) -> list[Bar]:
    """Bars with their labels as text in the current language (labels may be lazy)."""
    top = max(counts.values(), default=0) or 1
    return [Bar(k, str(labels.get(k, k)), v, v / top) for k, v in counts.items()]


def by_type(statuses: tuple[str, ...]) -> list[Bar]:
    rows = dict(
        db.session.execute(
            select(Lesson.type, func.count())
            .where(Lesson.status.in_(statuses))
            .group_by(Lesson.type)
        ).all()
    )
    return _bars({t: rows.get(t, 0) for t in TYPES}, TYPES)


def by_theme(statuses: tuple[str, ...]) -> list[Bar]:
    rows = dict(
        db.session.execute(
            select(Theme.slug, func.count())
            .join(lesson_theme, lesson_theme.c.theme_id == Theme.id)
            .join(Lesson, Lesson.id == lesson_theme.c.lesson_id)
            .where(Lesson.status.in_(statuses))
            .group_by(Theme.slug)
        ).all()
    )
    counts = {t: rows.get(t, 0) for t in THEMES}
    return _bars(dict(sorted(counts.items(), key=lambda kv: -kv[1])), THEMES)


def by_province(statuses: tuple[str, ...]) -> list[Bar]:
    rows = dict(
        db.session.execute(
            select(Municipality.province, func.count())
            .join(Lesson, Lesson.municipality_id == Municipality.id)
            .where(Lesson.status.in_(statuses))
            .group_by(Municipality.province)
        ).all()
    )
    provinces = db.session.execute(select(Municipality.province).distinct()).scalars()
    counts = {p: rows.get(p, 0) for p in provinces}
    ordered = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return _bars(ordered, {p: p for p in ordered})


def total(statuses: tuple[str, ...]) -> int:
    return db.session.execute(
        select(func.count()).select_from(Lesson).where(Lesson.status.in_(statuses))
    ).scalar_one()
