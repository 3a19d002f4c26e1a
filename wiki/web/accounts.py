"""Signing in and out."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import login_user, logout_user

from wiki.extensions import db, retry_after_seconds
from wiki.services import users
from wiki.web import viewer
from wiki.web.forms import LoginForm

bp = Blueprint("accounts", __name__)
MAX_NEXT = 2000  # longer than any page of ours needs
FAILED_LOGIN_STATUS = 401  # the status of refused credentials: only these count towards the limit


def safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect to another host after login.

    Browsers read a backslash as a slash and drop tabs and line breaks, so a backslash or a
    tab after the first slash leads off-site; a line break would also split the header."""
    if not target or len(target) > MAX_NEXT or not target.startswith("/"):
        return url_for("browse.home")
    if "\\" in target or any(c.isspace() or not c.isprintable() for c in target):
        return url_for("browse.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return url_for("browse.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        return render_template("accounts/login.html", form=form)
    if not form.validate_on_submit():
        return render_template("accounts/login.html", form=form), 400
    user = users.authenticate(form.email.data or "", form.password.data or "")
    if user is None:
        flash(gettext("Unknown email address or wrong password."), "error")
        return render_template("accounts/login.html", form=form), 401
    login_user(user)
    flash(gettext("Welcome, %(name)s.", name=user.display_name), "success")
    return redirect(safe_next(form.next.data))


def limit_login_attempts(limiter: Limiter) -> None:
    """Limit failed sign-ins per client address to LOGIN_RATE_LIMIT ("5 per minute;20 per hour").

    Only POST /login is limited and only refused credentials count, so people who sign in
    correctly are never slowed down; once the limit is reached, every POST /login from that
    address is refused with 429 (a correct password too) until the window has passed.
    """
    limiter.limit(
        _login_rate_limit,
        methods=["POST"],
        exempt_when=lambda: request.endpoint != "accounts.login",
        deduct_when=lambda response: response.status_code == FAILED_LOGIN_STATUS,
    )(bp)


def _login_rate_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(error: RateLimitExceeded) -> Response:
    """The login page again, with the reason and a Retry-After header (RFC 6585)."""
    seconds = retry_after_seconds()
    minutes = max(1, math.ceil(seconds / 60))
    form = LoginForm()
    form.password.data = ""
    response = make_response(
        render_template(
            "accounts/login.html",
            form=form,
            blocked=ngettext(
                "Too many sign-in attempts. Try again in a minute.",
                "Too many sign-in attempts. Try again in %(num)d minutes.",
                minutes,
            ),
        ),
        429,
    )
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.post("/logout")
def logout() -> Any:
    user = viewer()
    if user is not None:
        # Signing out ends the session on every device, not only this cookie's.
        users.end_sessions(user)
        db.session.commit()
    logout_user()
    flash(gettext("You have been signed out."), "info")
    return redirect(url_for("browse.home"))
