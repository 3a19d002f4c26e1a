"""The search page: a GET form, so every search can be linked."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from wiki import rendering
from wiki.services import search
from wiki.web import viewer

bp = Blueprint("search", __name__)


@bp.get("/search")
def page() -> str:
    filters = {name: request.args.get(name, "") for name in search.FILTER_NAMES}
    outcome = search.search(
        request.args.get("q", ""),
        viewer(),
        filters=filters,
        page=request.args.get("page", 1, type=int),
        sort=request.args.get("sort", "relevance"),
    )
    return render_template(
        "search.html",
        outcome=outcome,
        q=request.args.get("q", ""),
        highlight=rendering.highlight,
    )
