"""A save while the privacy scanner is still being prepared (as under `leerwiki serve` right
after an install): it waits a bounded time, then gets a 503 with Retry-After and a clear
message, and the web form keeps everything typed. Pages never wait for the scanner."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import lesson_fields, login
from test_editing import FULL_FORM

from wiki.services import privacy_pool, users

SAVE_WAIT = 0.5  # seconds; a scanner process takes seconds to start and load deduce


@pytest.fixture
def scanner_being_prepared() -> Iterator[privacy_pool.Scanner]:
    """A real scanner process that has just been started (deduce still loading in it)."""
    scanner = privacy_pool.install(1, save_wait=SAVE_WAIT)
    assert not scanner.wait_ready(0), "the scanner process was ready at once"
    yield scanner
    privacy_pool.uninstall()


def test_a_save_meanwhile_gets_503_and_the_form_keeps_the_text(
    client: Any, make_user: Any, scanner_being_prepared: privacy_pool.Scanner
) -> None:
    author = make_user(role="author")
    login(client, author)
    typed = {**FULL_FORM, "body": "## Aanleiding\n\nZorgvuldig getypte tekst van een uur.\n"}

    assert client.get("/").status_code == 200  # pages do not wait for the scanner
    response = client.post("/lessons/new", data=typed)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    page = response.get_data(as_text=True)
    assert "De privacyscanner wordt nog voorbereid" in page
    assert "Zorgvuldig getypte tekst van een uur." in page
    assert 'value="Wijkteam Tilburg-Noord"' in page

    api = client.post(
        "/api/v1/lessons",
        json={**lesson_fields(), "markdown": "## Aanleiding\n\nVia de API.\n"},
        headers={"Authorization": f"Bearer {users.create_token(author.email)}"},
    )
    assert api.status_code == 503
    assert api.headers["Retry-After"] == "30"
    assert api.get_json()["error"]["code"] == "scanner-not-ready"

    assert scanner_being_prepared.wait_ready(privacy_pool.SCAN_TIMEOUT)
    assert client.post("/lessons/new", data=typed).status_code == 302
