"""Messages name the form's labels and say where, in words: validation errors and privacy
findings on the web forms, in the API's error message (next to its unchanged machine-readable
fields) and in the import report."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from conftest import lesson_fields, login

from wiki.services import users

BSN = "111222333"  # passes the eleven-test: an exact check, no name detection involved
BODY = "## Aanleiding\n\nDe cliënt met BSN 111222333 kreeg snel hulp.\n"  # the BSN is on line 3


def text_of(response: Any) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def lesson_form(**overrides: Any) -> dict[str, Any]:
    fields = lesson_fields()
    data: dict[str, Any] = {
        "title": fields["title"],
        "slug": "",
        "municipality": fields["municipality"],
        "type": fields["type"],
        "themes": fields["themes"],
        "owner": fields["owner"],
        "active_elements": "vaste contactpersoon",
        "year": "2024",
        "status": "published",
        "level": "",
        "domain": "",
        "evidence": "",
        "body": "## Aanleiding\n\nTekst.\n",
        "save": "1",
    }
    data.update(overrides)
    return data


def test_lesson_form_errors_name_the_labels(client: Any, make_user: Any) -> None:
    login(client, make_user())
    response = client.post("/lessons/new", data=lesson_form(title="", year="vorig jaar"))
    assert response.status_code == 422
    page = text_of(response)
    assert "Titel: verplicht veld ontbreekt" in page
    assert "Jaar van de ervaring: 'vorig jaar' is geen jaartal" in page
    assert "title:" not in page and "year:" not in page

    client.post("/taal", data={"language": "en", "next": "/"})
    page = text_of(client.post("/lessons/new", data=lesson_form(title="")))
    assert "Title: required field is missing" in page


def test_privacy_findings_on_the_form_say_field_and_line(client: Any, make_user: Any) -> None:
    login(client, make_user())
    response = client.post("/lessons/new", data=lesson_form(body=BODY.replace("\n", "\r\n")))
    assert response.status_code == 422
    page = text_of(response)
    assert f"in Tekst, regel 3: '{BSN}' lijkt een burgerservicenummer (BSN)" in page
    assert "positie" not in page and "(body" not in page

    # A draft is saved; the warning after saving says the same.
    saved = client.post(
        "/lessons/new", data=lesson_form(body=BODY, status="draft"), follow_redirects=True
    )
    assert f"Mogelijk persoonsgegevens in Tekst, regel 3: '{BSN}' lijkt een" in text_of(saved)


def test_api_error_keeps_machine_fields_and_adds_messages(client: Any, make_user: Any) -> None:
    headers = {"Authorization": f"Bearer {users.create_token(make_user().email)}"}
    payload = {**lesson_fields(), "markdown": BODY}
    error = client.post("/api/v1/lessons", json=payload, headers=headers).get_json()["error"]
    assert error["code"] == "personal-data"
    (finding,) = error["findings"]
    assert {k: finding[k] for k in ("kind", "text", "field")} == {
        "kind": "bsn",
        "text": BSN,
        "field": "body",
    }
    assert BODY[finding["start"] : finding["end"]] == BSN
    human = f"in Tekst, regel 3: '{BSN}' lijkt een burgerservicenummer (BSN)"
    assert finding["message"] == human
    assert human in error["message"]

    invalid = client.post(
        "/api/v1/lessons", json={**lesson_fields(title=""), "markdown": "x"}, headers=headers
    ).get_json()["error"]
    assert invalid["fields"] == {"title": "verplicht veld ontbreekt"}  # internal names stay
    assert invalid["message"] == "Titel: verplicht veld ontbreekt"


def test_comment_and_collection_errors_use_their_forms_labels(
    client: Any, make_user: Any, make_lesson: Any
) -> None:
    make_lesson()
    login(client, make_user("curator", None))
    response = client.post(
        "/lessons/schuldhulp-aan-de-keukentafel/comments",
        data={"body": "   "},
        follow_redirects=True,
    )
    assert "Uw reactie: een reactie mag niet leeg zijn" in text_of(response)

    response = client.post(
        "/collections/new", data={"title": "Dossier", "introduction": "", "lessons": "bestaat-niet"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    # Next to its field (described by it), and named by its label in the summary.
    assert re.search(
        r'<textarea[^>]*aria-describedby="fout-lessons"[^>]*id="lessons"', page
    ) or re.search(r'<textarea[^>]*id="lessons"[^>]*aria-describedby="fout-lessons"', page)
    assert '<p class="field-error" id="fout-lessons">' in page
    assert "Lessen: les &#39;bestaat-niet&#39; bestaat niet" in page


def test_import_report_names_label_key_and_line(app: Any, runner: Any, tmp_path: Path) -> None:
    header = (
        "---\ntitle: {title}\nmunicipality: Tilburg\ntype: generic\nthemes: [armoede-en-schulden]\n"
        "owner: {owner}\nstatus: published\n---\n"
    )
    (tmp_path / "lek.md").write_text(header.format(title="Lek", owner="Team") + BODY)
    (tmp_path / "leeg.md").write_text(header.format(title="Leeg", owner="''") + "Tekst.\n")
    result = runner.invoke(args=["import-content", str(tmp_path)])
    assert result.exit_code == 1
    assert (
        f"lek.md: in Tekst, regel 3: mogelijk persoonsgegevens: '{BSN}' lijkt een "
        "burgerservicenummer (BSN)" in result.output
    )
    assert "leeg.md: Eigenaar (owner): verplicht veld ontbreekt" in result.output
