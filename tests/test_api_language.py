"""API error messages follow Accept-Language: Dutch by default, English on request."""

from __future__ import annotations

from typing import Any

from conftest import lesson_fields

from wiki.services import users


def test_a_validation_error_is_english_with_accept_language_en(client: Any, make_user: Any) -> None:
    token = users.create_token(make_user(role="author").email)
    body = {**lesson_fields(year=1800, owner=""), "markdown": "## Aanleiding\n\nTekst.\n"}
    answers = {}
    for language in ("en", None):
        headers = {"Authorization": f"Bearer {token}"}
        if language:
            headers["Accept-Language"] = language
        response = client.post("/api/v1/lessons", json=body, headers=headers)
        assert response.status_code == 422, response.get_data(as_text=True)
        answers[language] = response.get_json()["error"]

    english, dutch = answers["en"], answers[None]
    assert english["code"] == dutch["code"] == "invalid"  # codes and keys never change
    assert english["fields"]["year"] == "1800 is not between 1900 and 2100"
    assert dutch["fields"]["year"] == "1800 ligt niet tussen 1900 en 2100"
    assert english["fields"]["owner"] == "required field is missing"
    assert dutch["fields"]["owner"] == "verplicht veld ontbreekt"
    assert dutch["message"] == (
        "Eigenaar: verplicht veld ontbreekt; "
        "Jaar van de ervaring: 1800 ligt niet tussen 1900 en 2100"
    )
