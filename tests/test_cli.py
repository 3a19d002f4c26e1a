"""The `leerwiki users` and `leerwiki tokens` commands, through Flask's CLI test runner."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import PASSWORD, lesson_fields

from wiki.services import users


def create_user(runner: Any, *args: str, password: str = PASSWORD) -> Any:
    return runner.invoke(args=["users", "create", *args], input=password + "\n")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_users_create_makes_an_account_that_can_sign_in(runner: Any) -> None:
    result = create_user(
        runner,
        "Maria@Example.NL",
        "--role",
        "author",
        "--municipality",
        "Tilburg",
        "--organisation",
        "Wijkteam Noord",
        "--name",
        "Maria Jansen",
    )
    assert result.exit_code == 0, result.output
    assert "maria@example.nl" in result.stdout
    user = users.authenticate("maria@example.nl", PASSWORD)
    assert user is not None
    assert (user.role, user.municipality.name) == ("author", "Tilburg")
    assert (user.organisation, user.name) == ("Wijkteam Noord", "Maria Jansen")
    assert users.authenticate("maria@example.nl", PASSWORD + "x") is None


def test_users_create_accepts_a_municipality_alias(runner: Any) -> None:
    result = create_user(
        runner, "bosch@example.nl", "--role", "reader", "--municipality", "den bosch"
    )
    assert result.exit_code == 0, result.output
    user = users.find_by_email("bosch@example.nl")
    assert user is not None and user.municipality.name == "'s-Hertogenbosch"


def test_users_create_without_municipality(runner: Any) -> None:
    result = create_user(runner, "curator@example.nl", "--role", "curator")
    assert result.exit_code == 0, result.output
    user = users.authenticate("curator@example.nl", PASSWORD)
    assert user is not None and user.role == "curator" and user.municipality is None


def test_users_create_refuses_a_short_password(runner: Any) -> None:
    result = create_user(runner, "kort@example.nl", "--role", "author", password="kort")
    assert result.exit_code != 0
    assert "Wachtwoord:" in result.stderr and "10" in result.stderr
    assert users.find_by_email("kort@example.nl") is None


def test_users_create_refuses_an_unknown_role(runner: Any) -> None:
    result = create_user(runner, "rol@example.nl", "--role", "superuser")
    assert result.exit_code != 0
    assert "superuser" in result.output
    assert "--role" in result.output
    assert users.find_by_email("rol@example.nl") is None


def test_users_create_suggests_a_close_municipality(runner: Any) -> None:
    result = create_user(runner, "typo@example.nl", "--role", "author", "--municipality", "Tilbrug")
    assert result.exit_code != 0
    assert "--municipality:" in result.output  # the option the operator typed
    assert "Tilbrug" in result.output
    assert "Tilburg" in result.output.replace("Tilbrug", "")
    assert users.find_by_email("typo@example.nl") is None


def test_users_create_refuses_a_duplicate_and_a_bad_email(runner: Any) -> None:
    assert create_user(runner, "dubbel@example.nl", "--role", "author").exit_code == 0
    again = create_user(runner, "DUBBEL@example.nl", "--role", "admin")
    assert again.exit_code != 0
    assert "dubbel@example.nl" in again.output
    assert users.find_by_email("dubbel@example.nl").role == "author"
    bad = create_user(runner, "geen-adres", "--role", "author")
    assert bad.exit_code != 0
    assert "EMAIL: 'geen-adres' is geen geldig e-mailadres" in bad.stderr


def test_tokens_create_prints_a_working_token(runner: Any, client: Any, make_user: Any) -> None:
    user = make_user(role="author")
    result = runner.invoke(args=["tokens", "create", user.email])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    token = lines[-1]
    assert token == token.strip() and " " not in token and len(token) >= 32
    assert users.user_for_token(token) is not None
    assert users.user_for_token(token).email == user.email

    body = {**lesson_fields(), "markdown": "## Aanleiding\n\nVia de CLI-token.\n"}
    created = client.post("/api/v1/lessons", json=body, headers=bearer(token))
    assert created.status_code == 201, created.get_data(as_text=True)
    fetched = client.get(created.headers["Location"], headers=bearer(token))
    assert fetched.status_code == 200
    assert fetched.get_json()["markdown"] == "## Aanleiding\n\nVia de CLI-token.\n"
    listed = client.get("/api/v1/lessons", headers=bearer(token)).get_json()
    assert listed["total"] == 1


def test_tokens_create_gives_a_new_token_each_time(runner: Any, make_user: Any) -> None:
    user = make_user(role="author")
    first = runner.invoke(args=["tokens", "create", user.email]).stdout.strip().splitlines()[-1]
    second = runner.invoke(args=["tokens", "create", user.email]).stdout.strip().splitlines()[-1]
    assert first != second
    assert users.user_for_token(first) is not None
    assert users.user_for_token(second) is not None


def test_tokens_create_for_an_unknown_email_fails(runner: Any) -> None:
    result = runner.invoke(args=["tokens", "create", "niemand@example.nl"])
    assert result.exit_code != 0
    assert "niemand@example.nl" in result.output
    assert result.stdout.strip() == ""


def test_a_reader_token_cannot_write(runner: Any, client: Any, make_user: Any) -> None:
    reader = make_user(role="reader")
    token = runner.invoke(args=["tokens", "create", reader.email]).stdout.strip().splitlines()[-1]
    response = client.post("/api/v1/lessons", json=lesson_fields(), headers=bearer(token))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_tokens_revoke(runner: Any, client: Any, make_user: Any) -> None:
    user = make_user(role="author")
    token = runner.invoke(args=["tokens", "create", user.email]).stdout.strip().splitlines()[-1]
    other = users.create_token(user.email)
    result = runner.invoke(args=["tokens", "revoke", token])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Token ingetrokken.\n"
    assert users.user_for_token(token) is None
    response = client.post("/api/v1/lessons", json=lesson_fields(), headers=bearer(token))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"
    assert client.get("/api/v1/lessons", headers=bearer(token)).status_code == 401
    # Revoking one token leaves the user's other tokens working.
    assert (
        client.post("/api/v1/lessons", json=lesson_fields(), headers=bearer(other)).status_code
        == 201
    )
    again = runner.invoke(args=["tokens", "revoke", token])
    assert again.exit_code != 0
    assert again.stderr == "Fout: onbekend of al ingetrokken token\n"


@pytest.mark.parametrize("token", ["lw_does-not-exist", ""])
def test_tokens_revoke_unknown_fails(runner: Any, token: str) -> None:
    result = runner.invoke(args=["tokens", "revoke", token])
    assert result.exit_code != 0
    assert result.stderr == "Fout: onbekend of al ingetrokken token\n"
