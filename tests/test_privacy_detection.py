"""What the privacy guard finds in the forms issue 13 named, and what it leaves alone.

Real deduce (loaded once per process); lessons go through the real API and import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import lesson_fields
from sqlalchemy import select

from wiki.extensions import db
from wiki.models import Lesson
from wiki.services import privacy, users


@pytest.fixture(scope="module", autouse=True)
def deduce_loaded() -> None:
    privacy.warm()


def found(text: str, field: str = "body") -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in privacy.scan(text, field=field)]


# --- the five failures named in the issue ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "In Parkstad Limburg werken acht gemeenten samen aan armoedebestrijding.",
        "De regio Parkstad Limburg en Zuid-Limburg delen een monitor.",
        "Kop van Noord-Holland, Hollands Midden en De Baarsjes doen mee.",
    ],
)
def test_regions_are_not_names(text: str) -> None:
    assert found(text) == []


def test_a_clean_lesson_about_a_region_is_imported(app: Any, runner: Any, tmp_path: Path) -> None:
    (tmp_path / "parkstad.md").write_text(
        "---\ntitle: Armoede in Parkstad Limburg\nmunicipality: Heerlen\ntype: generic\n"
        "themes: [armoede-en-schulden]\nowner: Team Schuldhulp\nstatus: published\n"
        "tags: [parkstad limburg, armoede]\n---\n"
        "## Aanleiding\n\nParkstad Limburg telt veel huishoudens met schulden.\n"
    )
    result = runner.invoke(args=["import-content", str(tmp_path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        titles = db.session.execute(select(Lesson.title)).scalars().all()
    assert titles == ["Armoede in Parkstad Limburg"]


@pytest.mark.parametrize(
    ("text", "bsn"),
    [
        ("Zijn BSN is 1112 22 333.", "1112 22 333"),
        ("BSN 111-222-333 staat in het dossier.", "111-222-333"),
        ("Nummer 11 122 2333 (vader).", "11 122 2333"),
        ("bsn: 111.222.333", "111.222.333"),
    ],
)
def test_bsn_in_any_grouping_is_found(text: str, bsn: str) -> None:
    assert found(text) == [("bsn", bsn)]


@pytest.mark.parametrize(
    "text",
    [
        "Het budget is € 111.222.333 voor vier jaar.",  # an amount, not next to the word
        "De reeks 1112 22 333 4 is een volgnummer.",  # part of a longer number
        "Zijn BSN is 1112 22 334.",  # fails the eleven-test
    ],
)
def test_numbers_like_a_grouped_bsn_are_not_findings(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("postcode 5011 KL huisnummer 23", "5011 KL huisnummer 23"),
        ("Woonadres 3512 JE 14", "3512 JE 14"),
        ("postcode 3011 bb, huisnummer 5", "3011 bb, huisnummer 5"),
    ],
)
def test_postcode_with_house_number_is_an_address(text: str, address: str) -> None:
    assert found(text) == [("address", address)]


@pytest.mark.parametrize(
    "text",
    [
        "Postbus 90155, 5000 LH Tilburg",
        "De route is 1000 KM lang en kost 2024 EU-subsidie.",
        "In postcodegebied 5011 wonen veel jonge gezinnen.",
        "Sinds 2015 WW en bijstand onder één loket.",
    ],
)
def test_po_boxes_and_units_are_not_addresses(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("12 maart 1975 (cliënt)", "12 maart 1975"),
        ("Cliënt, 12 maart 1975, woont alleen.", "12 maart 1975"),
        ("Moeder (4 oktober 1983) heeft twee kinderen.", "4 oktober 1983"),
        ("DOB 1990-07-21", "1990-07-21"),
        ("Geboren: 7 juli '85", "7 juli '85"),
        ("Hij is op 3 februari 1991 geboren in Paramaribo.", "3 februari 1991"),
    ],
)
def test_date_of_birth_without_the_word_geboren_is_found(text: str, date: str) -> None:
    assert found(text) == [("birthdate", date)]


@pytest.mark.parametrize(
    "text",
    [
        "Op 1 januari 2007 verving de Wmo de Wet voorzieningen gehandicapten.",
        "Sinds de decentralisatie (1 januari 2015) voeren gemeenten de jeugdhulp uit.",
        "De evaluatie van 12 oktober 2023 noemt vier knelpunten.",
        "Start, 1 maart 2024, met twintig deelnemers.",
    ],
)
def test_dates_of_events_are_not_dates_of_birth(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    ("tags", "name"),
    [
        ("schuldhulp, fatima el amrani, armoede", "fatima el amrani"),
        ("jan de vries, wijkteam", "jan de vries"),
        ("arbeidsmigranten, marek kowalski", "marek kowalski"),
    ],
)
def test_names_in_lower_case_tags_are_found(tags: str, name: str) -> None:
    assert found(tags, field="tags") == [("name", name)]


@pytest.mark.parametrize(
    "tags",
    [
        "parkstad limburg, jongeren",
        "best, vrijwilligers, zorg",
        "hof van twente, eenzaamheid, ouderen",
        "bakker, bakkerij, werkervaring",
        "statushouders, inburgering, buddy",
        "kansrijke start, geboortezorg, eerste 1000 dagen",
    ],
)
def test_ordinary_lower_case_tags_are_not_names(tags: str) -> None:
    assert found(tags, field="tags") == []


def test_api_refuses_a_name_in_the_tags(client: Any, make_user: Any) -> None:
    auth = {"Authorization": f"Bearer {users.create_token(make_user().email)}"}
    payload = {
        **lesson_fields(),
        "tags": ["schuldhulp", "Fatima El Amrani"],
        "markdown": "## Aanleiding\n\nEen vaste contactpersoon hielp huishoudens met schulden.\n",
    }
    response = client.post("/api/v1/lessons", json=payload, headers=auth)
    assert response.status_code == 422, response.get_data(as_text=True)
    (finding,) = response.get_json()["error"]["findings"]
    assert (finding["kind"], finding["field"], finding["text"]) == (
        "name",
        "tags",
        "fatima el amrani",
    )


# --- other forms found while building the set --------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bel 06-98765432 als het niet lukt.", [("phone", "06-98765432")]),
        ("Hij appt vanaf 06.22.33.44.55.", [("phone", "06.22.33.44.55")]),
        ("Het gratis nummer 0800 8051 is dag en nacht bereikbaar.", []),
        ("IBAN NL 44 RABO 0123 4567 89 voor leefgeld.", [("iban", "NL 44 RABO 0123 4567 89")]),
        ("Kasia Lewandowska had twee banen.", [("name", "Kasia Lewandowska")]),
        ("Ze luisterde elke ochtend naar Radio Polski.", []),
        ("Bij de familie Amrani thuis.", [("name", "familie Amrani")]),
        ("De Burgemeester Smitsstraat krijgt een speeltuin.", []),
        ("Het Verwey-Jonker Instituut deed onderzoek.", []),
        ("Pijler 3 van het programma gaat over bestaanszekerheid.", []),
    ],
)
def test_other_forms(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected
