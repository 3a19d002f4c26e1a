"""Signing in and out."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from wiki.services import users
from wiki.web.forms import LoginForm

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect to another host after login."""
    if not target:
        return url_for("browse.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
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
        flash("Onbekend e-mailadres of onjuist wachtwoord.", "error")
        return render_template("accounts/login.html", form=form), 401
    login_user(user)
    flash(f"Welkom, {user.display_name}.", "success")
    return redirect(_safe_next(form.next.data))


@bp.post("/logout")
def logout() -> Any:
    logout_user()
    flash("U bent uitgelogd.", "info")
    return redirect(url_for("browse.home"))
