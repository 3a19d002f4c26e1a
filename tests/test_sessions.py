"""Sessions end on the server: a cookie copied before logout, a password change or disabling
the account no longer signs anyone in (issue 13)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import login
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_login.utils import encode_cookie

from wiki.extensions import db
from wiki.models import User
from wiki.services import users

NEW_PASSWORD = "paraplu fietsbel komkommer"


def signed_in(client: FlaskClient) -> bool:
    """Whether the client's cookies still sign it in: the editor is for writers only."""
    response = client.get("/lessons/new")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding the same session cookie (a stolen or second copy)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    other = app.test_client()
    other.set_cookie("session", cookie.value)
    return other


def remembered(app: Flask, user: User) -> FlaskClient:
    """A browser with only a remember-me cookie for `user`, as Flask-Login writes it."""
    client = app.test_client()
    with app.test_request_context():
        value = encode_cookie(user.get_id())
    client.set_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"), value)
    return client


@pytest.fixture
def author(make_user: Any) -> User:
    return make_user(role="author", email="schrijver@example.nl", name="Sam Schrijver")


def test_logout_ends_every_session_of_the_user(app: Flask, author: User) -> None:
    browser = app.test_client()
    login(browser, author)
    copied = copy_of(app, browser)
    laptop = app.test_client()
    login(laptop, author)
    assert signed_in(copied) and signed_in(laptop)

    assert browser.post("/logout").status_code == 302

    assert not signed_in(browser)
    assert not signed_in(copied)  # the cookie from before the logout
    assert not signed_in(laptop)  # another device of the same user
    fresh = app.test_client()
    login(fresh, author)  # signing in again works
    assert signed_in(fresh)


def test_logout_leaves_other_users_signed_in(app: Flask, author: User, make_user: Any) -> None:
    colleague = make_user(role="author")
    mine, theirs = app.test_client(), app.test_client()
    login(mine, author)
    login(theirs, colleague)
    mine.post("/logout")
    assert signed_in(theirs)


def test_a_remember_me_cookie_ends_with_the_sessions(app: Flask, author: User) -> None:
    kept = remembered(app, author)
    assert signed_in(kept)
    browser = app.test_client()
    login(browser, author)
    browser.post("/logout")
    assert not signed_in(kept)


def test_a_session_without_an_epoch_is_refused(app: Flask, author: User) -> None:
    """A cookie naming only the user id (as before epochs) must sign in again."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(author.id)
        session["_fresh"] = True
    assert not signed_in(client)


def test_changing_the_password_ends_every_session(
    app: Flask, runner: FlaskCliRunner, author: User
) -> None:
    browser = app.test_client()
    login(browser, author)
    kept = remembered(app, author)

    result = runner.invoke(args=["users", "set-password", author.email], input=NEW_PASSWORD + "\n")

    assert result.exit_code == 0, result.output
    assert not signed_in(browser)
    assert not signed_in(kept)
    db.session.expire_all()
    assert users.authenticate(author.email, NEW_PASSWORD) is not None
    fresh = app.test_client()
    login(fresh, author, NEW_PASSWORD)
    assert signed_in(fresh)


def test_disabling_an_account_ends_its_sessions_and_tokens(
    app: Flask, runner: FlaskCliRunner, author: User
) -> None:
    browser = app.test_client()
    login(browser, author)
    token = users.create_token(author.email)
    bearer = {"Authorization": f"Bearer {token}"}
    body = {"result": "worked", "note": "x"}
    assert app.test_client().post("/api/v1/lessons/x/confirmations", json=body,
                                  headers=bearer).status_code == 404  # fmt: skip

    result = runner.invoke(args=["users", "disable", author.email])

    assert result.exit_code == 0, result.output
    assert not signed_in(browser)
    answer = app.test_client().post("/api/v1/lessons/x/confirmations", json=body, headers=bearer)
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "unauthenticated"
    refused = app.test_client().post(
        "/login", data={"email": author.email, "password": "correct horse battery"}
    )
    assert refused.status_code == 401

    assert runner.invoke(args=["users", "enable", author.email]).exit_code == 0
    again = app.test_client()
    login(again, author)
    assert signed_in(again)
    assert not signed_in(browser)  # enabling does not bring the old session back


def test_users_commands_name_an_unknown_account(runner: FlaskCliRunner) -> None:
    for args in (["disable", "niemand@example.nl"], ["set-password", "niemand@example.nl"]):
        result = runner.invoke(args=["users", *args], input=NEW_PASSWORD + "\n")
        assert result.exit_code == 1
        assert "niemand@example.nl" in result.output
