"""Browsing: home, municipalities, themes, tags, recent changes and the Atom feed."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext
from sqlalchemy import func, select

from wiki.extensions import db
from wiki.models import Lesson, Tag, lesson_tag
from wiki.services import lessons, municipalities, permissions, stats
from wiki.services.errors import NotFound
from wiki.vocabulary import THEMES
from wiki.web import viewer

bp = Blueprint("browse", __name__)


@bp.get("/")
def home() -> str:
    statuses = permissions.PUBLIC_STATUSES
    return render_template(
        "home.html",
        recent=lessons.listing(viewer(), order="updated", per_page=8).items,
        total=stats.total(statuses),
        by_type=stats.by_type(statuses),
        by_theme=stats.by_theme(statuses),
        by_province=stats.by_province(statuses),
    )


@bp.get("/municipalities/")
def municipality_index() -> str:
    statuses = permissions.PUBLIC_STATUSES
    return render_template(
        "municipalities/index.html", provinces=municipalities.by_province(statuses)
    )


@bp.get("/municipalities/<name>")
def municipality(name: str) -> str:
    place = municipalities.get_by_name(name)
    if place is None:
        raise NotFound(gettext("municipality '%(name)s' does not exist", name=name))
    page = lessons.listing(viewer(), municipality=place.name, per_page=1000)
    generic = [lesson for lesson in page.items if lesson.type == "generic"]
    specific = [lesson for lesson in page.items if lesson.type == "context-dependent"]
    return render_template(
        "municipalities/view.html", place=place, generic=generic, specific=specific
    )


@bp.get("/provinces/<name>")
def province(name: str) -> str:
    page = lessons.listing(viewer(), province=name, per_page=1000)
    if name not in municipalities.directory().provinces:
        raise NotFound(gettext("province '%(name)s' does not exist", name=name))
    return render_template("municipalities/province.html", province=name, lessons=page.items)


@bp.get("/themes/")
def theme_index() -> str:
    statuses = permissions.PUBLIC_STATUSES
    return render_template("themes/index.html", bars=stats.by_theme(statuses))


@bp.get("/themes/<slug>")
def theme(slug: str) -> str:
    if slug not in THEMES:
        raise NotFound(gettext("theme '%(slug)s' does not exist", slug=slug))
    page = lessons.listing(
        viewer(), theme=slug, page=request.args.get("page", 1, type=int), per_page=50
    )
    return render_template("themes/view.html", slug=slug, label=THEMES[slug], page=page)


@bp.get("/tags/")
def tag_index() -> str:
    statuses = permissions.PUBLIC_STATUSES
    rows = db.session.execute(
        select(Tag.name, func.count())
        .join(lesson_tag, lesson_tag.c.tag_id == Tag.id)
        .join(Lesson, Lesson.id == lesson_tag.c.lesson_id)
        .where(Lesson.status.in_(statuses))
        .group_by(Tag.name)
        .order_by(Tag.name)
    ).all()
    return render_template("tags/index.html", tags=rows)


@bp.get("/tags/<name>")
def tag(name: str) -> str:
    page = lessons.listing(viewer(), tag=name, per_page=1000)
    if page.total == 0:
        raise NotFound(gettext("no lessons with tag '%(name)s'", name=name))
    return render_template("tags/view.html", name=name, lessons=page.items)


@bp.get("/recent")
def recent() -> str:
    return render_template("recent.html", revisions=lessons.recent_revisions(viewer(), 100))


@bp.get("/recent.atom")
def feed() -> Response:
    # Feeds are read anonymously by feed readers: only public lessons, whatever the session.
    body = render_template("feed.xml", revisions=lessons.recent_revisions(None, 50))
    return Response(body, mimetype="application/atom+xml; charset=utf-8")


@bp.get("/toegankelijkheid")
def accessibility() -> str:
    """The accessibility statement (WCAG 2.1 AA, as the Dutch accessibility decree asks)."""
    return render_template("accessibility.html")
