"""Weak and common passwords are refused wherever a password is set, with the reason in
Dutch (issue 13)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import PASSWORD
from flask.testing import FlaskCliRunner

from wiki.extensions import db
from wiki.models import User
from wiki.services import users
from wiki.services.errors import ValidationFailed


def create(runner: FlaskCliRunner, password: str, email: str = "nieuw@example.nl") -> Any:
    """`leerwiki users create` with the password on standard input, as an operator runs it."""
    return runner.invoke(
        args=["users", "create", email, "--role", "author", "--municipality", "Tilburg",
              "--name", "Fatima Bakker"],
        input=password + "\n",
    )  # fmt: skip


# (password, what the Dutch refusal names)
WEAK = [
    ("aaaaaaaaaa", "Herhalingen"),
    (" " * 10, "Herhalingen"),
    ("password12", "meest gebruikte wachtwoorden"),
    ("wachtwoord123", "veelgebruikt Nederlands woord"),  # zxcvbn's own lists are English
    ("qwertyuiop", "meest gebruikte wachtwoorden"),
    ("1234567890", "meest gebruikte wachtwoorden"),
    ("abcdefghijkl", "Reeksen"),
    ("tilburg2024", "uw naam, e-mailadres, gemeente"),  # the account's own municipality
    ("fatimabakker", "uw naam, e-mailadres, gemeente"),  # the account's own name
    ("nieuw@example.nl", "uw naam, e-mailadres, gemeente"),  # the account's own e-mail
    ("Welkom2024!", "veelgebruikt Nederlands woord"),
    ("zomerzomer2024", "Herhalingen"),
    ("kort", "minstens 10 tekens"),
]


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_weak_passwords_are_refused_with_a_dutch_reason(
    runner: FlaskCliRunner, password: str, reason: str
) -> None:
    result = create(runner, password)
    assert result.exit_code == 1, result.output
    assert reason in result.output
    assert "wachtwoord" in result.output.lower()
    assert users.find_by_email("nieuw@example.nl") is None


def test_the_reason_is_ours_not_the_estimators_english(runner: FlaskCliRunner) -> None:
    result = create(runner, "password12")
    assert "Kies een paar ongewone woorden" in result.output
    assert "common password" not in result.output and "Add another word" not in result.output


@pytest.mark.parametrize(
    "password", [PASSWORD, "fiets paraplu kaasschaaf", "Mijn kat heet Minoes en is 7"]
)
def test_strong_passwords_are_accepted(runner: FlaskCliRunner, password: str) -> None:
    result = create(runner, password)
    assert result.exit_code == 0, result.output
    assert users.authenticate("nieuw@example.nl", password) is not None


def test_a_too_long_password_is_refused_not_scored(runner: FlaskCliRunner) -> None:
    result = create(runner, "lang " * 40)
    assert result.exit_code == 1
    assert "hoogstens 128 tekens" in result.output


def test_a_new_password_is_checked_too(runner: FlaskCliRunner, make_user: Any) -> None:
    user: User = make_user(role="author", email="jan.devries@example.nl")
    result = runner.invoke(args=["users", "set-password", user.email], input="devries2024\n")
    assert result.exit_code == 1
    assert "uw naam, e-mailadres, gemeente" in result.output
    db.session.expire_all()
    assert users.authenticate(user.email, PASSWORD) is not None  # the old one still works


def test_the_service_names_the_password_field(make_user: Any) -> None:
    user: User = make_user(role="author")
    with pytest.raises(ValidationFailed) as refused:
        users.set_password(user.email, "welkom1234")
    assert [error.field for error in refused.value.errors] == ["password"]
