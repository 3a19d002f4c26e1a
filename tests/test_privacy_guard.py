"""The privacy guard wired into saving: web form, API, import, comments, confirmations and the
curator's override. Real deduce, real database, real index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import lesson_fields, login
from sqlalchemy import select

from wiki.extensions import db
from wiki.models import AuditEvent, Lesson
from wiki.services import users

BSN = "111222333"  # passes the eleven-test
LEAK = f"De cliënt met BSN {BSN} kreeg snel hulp.\n"
CLEAN = "## Aanleiding\n\nEen vaste contactpersoon hielp huishoudens met schulden.\n"


def bearer(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {users.create_token(user.email)}"}


def form_data(**overrides: Any) -> dict[str, Any]:
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
        "body": CLEAN,
        "save": "1",
    }
    data.update(overrides)
    return data


def test_api_refuses_to_publish_personal_data_with_positions(client: Any, make_user: Any) -> None:
    auth = bearer(make_user())
    payload = {**lesson_fields(), "markdown": CLEAN + LEAK}
    response = client.post("/api/v1/lessons", json=payload, headers=auth)
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "personal-data"
    (finding,) = [f for f in error["findings"] if f["kind"] == "bsn"]
    assert finding["text"] == BSN and finding["field"] == "body"
    assert payload["markdown"][finding["start"] : finding["end"]] == BSN
    assert db.session.execute(select(Lesson)).first() is None  # nothing saved


def test_api_saves_a_draft_with_findings_and_reports_them(client: Any, make_user: Any) -> None:
    auth = bearer(make_user())
    payload = {**lesson_fields(status="draft"), "markdown": CLEAN + LEAK}
    response = client.post("/api/v1/lessons", json=payload, headers=auth)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert [f["kind"] for f in response.get_json()["findings"]] == ["bsn"]
    # Publishing that draft is refused; removing the number lets it through.
    url = response.headers["Location"]
    refused = client.put(url, json={"base_revision": 1, "status": "published"}, headers=auth)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "personal-data"
    fixed = client.put(
        url, json={"base_revision": 1, "status": "published", "markdown": CLEAN}, headers=auth
    )
    assert fixed.status_code == 200, fixed.get_data(as_text=True)
    assert "findings" not in fixed.get_json()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Hulp voor mevrouw Jansen uit de Kerkstraat 12"),
        ("context", "Werkte bij gezin De Vries, bereikbaar via j.devries@example.nl."),
        ("summary", "Bel 06-12345678 voor meer informatie over deze cliënt."),
    ],
)
def test_front_matter_fields_are_scanned_too(
    client: Any, make_user: Any, field: str, value: str
) -> None:
    auth = bearer(make_user())
    extra = {"type": "context-dependent"} if field == "context" else {}
    payload = {**lesson_fields(**extra), field: value, "markdown": CLEAN}
    response = client.post("/api/v1/lessons", json=payload, headers=auth)
    assert response.status_code == 422, response.get_data(as_text=True)
    findings = response.get_json()["error"]["findings"]
    assert {f["field"] for f in findings} == {field}


def test_web_form_refuses_publishing_and_names_the_finding(client: Any, make_user: Any) -> None:
    login(client, make_user())
    response = client.post("/lessons/new", data=form_data(body=CLEAN + LEAK))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "mogelijk persoonsgegevens" in page and BSN in page
    assert db.session.execute(select(Lesson)).first() is None
    # The same text as a draft is saved, with a warning to remove the number before publishing.
    saved = client.post(
        "/lessons/new", data=form_data(body=CLEAN + LEAK, status="draft"), follow_redirects=True
    )
    assert saved.status_code == 200
    assert "Mogelijk persoonsgegevens in Tekst, regel 4" in saved.get_data(as_text=True)


def test_municipality_and_organisation_names_are_not_findings(client: Any, make_user: Any) -> None:
    auth = bearer(make_user())
    body = (
        "## Aanleiding\n\nGemeente 's-Hertogenbosch werkte samen met Den Haag, Súdwest-Fryslân "
        "en GGD Hart voor Brabant. In 2023 werden 1.234 huishoudens geholpen.\n"
    )
    payload = {**lesson_fields(organisation="Gemeente Tilburg"), "markdown": body}
    response = client.post("/api/v1/lessons", json=payload, headers=auth)
    assert response.status_code == 201, response.get_data(as_text=True)


def test_import_rejects_a_published_file_with_findings_naming_them(
    app: Any, runner: Any, tmp_path: Path
) -> None:
    header = (
        "---\ntitle: {title}\nmunicipality: Tilburg\ntype: generic\nthemes: [armoede-en-schulden]\n"
        "owner: Team Schuldhulp\nstatus: {status}\n---\n"
    )
    (tmp_path / "lek.md").write_text(header.format(title="Lek", status="published") + LEAK)
    (tmp_path / "concept.md").write_text(header.format(title="Concept", status="draft") + LEAK)
    (tmp_path / "schoon.md").write_text(header.format(title="Schoon", status="published") + CLEAN)
    result = runner.invoke(args=["import-content", str(tmp_path)])
    assert result.exit_code == 1
    assert "created 2, updated 0, unchanged 0, rejected 1" in result.output
    assert (
        f"lek.md: in Tekst: mogelijk persoonsgegevens: '{BSN}' lijkt een burgerservicenummer (BSN)"
        in result.output
    )


def test_comments_and_confirmations_with_personal_data_are_refused(
    client: Any, make_user: Any, make_lesson: Any
) -> None:
    make_lesson(body=CLEAN)
    slug = "schuldhulp-aan-de-keukentafel"
    other = make_user(municipality="Breda")
    auth = bearer(other)
    comment = client.post(
        f"/api/v1/lessons/{slug}/comments", json={"body": "Mail p.bakker@example.nl"}, headers=auth
    )
    assert comment.status_code == 422
    assert comment.get_json()["error"]["findings"][0]["kind"] == "email"
    confirmation = client.post(
        f"/api/v1/lessons/{slug}/confirmations",
        json={"result": "worked", "note": "Bij ons via IBAN NL91 ABNA 0417 1643 00 betaald."},
        headers=auth,
    )
    assert confirmation.status_code == 422
    assert confirmation.get_json()["error"]["findings"][0]["kind"] == "iban"


def test_a_curator_overrides_a_false_positive_with_a_logged_reason(
    client: Any, make_user: Any
) -> None:
    author = make_user()
    auth = bearer(author)
    # A false positive of the kind a name detector makes: an ordinary word read as a name.
    draft = {**lesson_fields(status="draft"), "markdown": CLEAN + LEAK}
    created = client.post("/api/v1/lessons", json=draft, headers=auth)
    assert created.status_code == 201
    finding = created.get_json()["findings"][0]
    url = created.headers["Location"]
    slug = url.rsplit("/", 1)[-1]

    # An author may not override; a curator may, with a reason.
    login(client, author)
    refused = client.post(
        f"/lessons/{slug}/privacy-override",
        data={"kind": finding["kind"], "text": finding["text"], "reason": "testnummer"},
    )
    assert refused.status_code == 403
    client.post("/logout")
    curator = make_user(role="curator", municipality=None, organisation="AW Tilburg")
    login(client, curator)
    no_reason = client.post(
        f"/lessons/{slug}/privacy-override",
        data={"kind": finding["kind"], "text": finding["text"], "reason": ""},
        follow_redirects=True,
    )
    assert "Een reden is verplicht" in no_reason.get_data(as_text=True)
    done = client.post(
        f"/lessons/{slug}/privacy-override",
        data={
            "kind": finding["kind"],
            "text": finding["text"],
            "reason": "Een testnummer uit de handleiding",
        },
    )
    assert done.status_code == 302
    published = client.put(url, json={"base_revision": 1, "status": "published"}, headers=auth)
    assert published.status_code == 200, published.get_data(as_text=True)
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "privacy.override")
    ).scalar_one()
    assert event.actor == curator.email
    assert event.detail["reason"] == "Een testnummer uit de handleiding"
