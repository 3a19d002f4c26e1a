"""The privacy guard: client data in lessons is found, ordinary lesson text is not.

Runs the real deduce (loaded once per process by the module's own singleton); the first test
that scans pays the few seconds of loading.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from wiki.lessonfile import parse
from wiki.services import privacy
from wiki.services.municipalities import read_data_file

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
SAMPLE_FILES = sorted(CONTENT_DIR.glob("*.md"))
TEXT_FIELDS = ("title", "summary", "context", "owner", "organisation", "target_group")


@pytest.fixture(scope="module", autouse=True)
def deduce_loaded() -> None:
    """Load deduce once up front, so a slow first test is visibly the fixture."""
    privacy.warm()


def found(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in privacy.scan(text)]


def kinds(text: str) -> set[str]:
    return {f.kind for f in privacy.scan(text)}


# --- the interface ---------------------------------------------------------------------


def test_kinds_have_dutch_labels(app: Any) -> None:
    # The labels are lazy translations: Dutch in the app's default language.
    assert privacy.KINDS == {
        "name": "persoonsnaam",
        "bsn": "BSN",
        "email": "e-mailadres",
        "phone": "telefoonnummer",
        "iban": "IBAN",
        "address": "adres",
        "birthdate": "geboortedatum",
    }
    finding = privacy.Finding(kind="bsn", text="111222333", start=4, end=13, field="context")
    assert finding.label == "BSN"
    assert finding.as_dict() == {
        "kind": "bsn",
        "text": "111222333",
        "start": 4,
        "end": 13,
        "field": "context",
    }


def test_importing_the_module_does_not_load_deduce() -> None:
    code = "import sys, wiki.services.privacy; print('deduce' in sys.modules)"
    result = subprocess.run(  # noqa: S603 - our own interpreter with a fixed snippet
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_warm_is_idempotent_and_thread_safe() -> None:
    engines = []

    def load() -> None:
        privacy.warm()
        engines.append(privacy._engine())

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(engines) == 4
    assert all(engine is engines[0] for engine in engines)


def test_concurrent_scans_give_the_same_findings() -> None:
    """The server scans from several request threads at once on one deduce instance."""
    texts = [
        "Mevrouw Jansen woont aan de Kerkstraat 12.",
        "Piet de Vries belde op 06-12345678.",
        "Gemeente Tilburg en GGD Hart voor Brabant werken samen.",
        "Ahmed Yilmaz, BSN 111222333, geboren op 3 maart 1984.",
    ] * 5
    expected = [privacy.scan(t) for t in texts]
    results: list[list[privacy.Finding]] = [[] for _ in texts]

    def work(i: int) -> None:
        results[i] = privacy.scan(texts[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == expected


# --- one kind at a time: found -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Tijdens het huisbezoek vertelde mevrouw De Jong over de aanmaningen.", "mevrouw De Jong"),
        (
            "Casus: Sandra van der Meer (34) kreeg hulp van de schuldhulpconsulent.",
            "Sandra van der Meer",
        ),
        ("Meneer El Idrissi belde over zijn uitkering.", "Meneer El Idrissi"),
        ("Het wijkteam sprak met Jan-Willem Bakker over de schulden.", "Jan-Willem Bakker"),
        ("De consulent nam contact op met J. de Boer.", "J. de Boer"),
        ("Haar zoon Daan ging niet meer naar school.", "Daan"),
        ("Ahmed Yilmaz kwam pas na drie maanden op gesprek.", "Ahmed Yilmaz"),
        ("De Vries belde zelf toen de energie werd afgesloten.", "De Vries"),
        ("Dhr. Emmen wilde geen hulp.", "Dhr. Emmen"),
        ("Kees belde zelf toen de deurwaarder kwam.", "Kees"),
        ("Jansen (45) had al jaren schulden.", "Jansen"),
        ("Het gezin Yilmaz woont sinds 2019 in de wijk.", "Yilmaz"),
        # A person is still a person when an organisation word comes earlier in the sentence.
        ("Het wijkteam van Piet Jansen deed de intake.", "Piet Jansen"),
    ],
)
def test_person_names_are_found(text: str, name: str) -> None:
    assert ("name", name) in found(text)


def test_name_after_an_organisation_in_the_previous_sentence_is_found() -> None:
    text = "Werkgeversservicepunt Kop van Noord-Holland hielp. Ahmed Yilmaz vond werk."
    assert found(text) == [("name", "Ahmed Yilmaz")]


@pytest.mark.parametrize(
    ("text", "bsn"),
    [
        ("Het BSN van de cliënt (111222333) stond in de verwijzing.", "111222333"),
        ("Burgerservicenummer 1234.56.782 werd meegestuurd.", "1234.56.782"),
        ("In de mail stond 123 456 782 als nummer.", "123 456 782"),
        ("Zijn BSN: 23456711.", "23456711"),  # eight digits, padded by stdnum, next to the word
    ],
)
def test_bsn_is_found(text: str, bsn: str) -> None:
    assert found(text) == [("bsn", bsn)]


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("Mail haar op piet.jansen@example.nl voor een afspraak.", "piet.jansen@example.nl"),
        (
            "Contact: s.el-amrani+wijkteam@gemeente.tilburg.nl.",
            "s.el-amrani+wijkteam@gemeente.tilburg.nl",
        ),
    ],
)
def test_email_is_found(text: str, email: str) -> None:
    assert found(text) == [("email", email)]


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Bel mevrouw op 06-12345678 als ze niet komt.", "06-12345678"),
        ("Haar nummer is +31 6 1234 5678.", "+31 6 1234 5678"),
        ("Het vaste nummer 013 - 543 21 00 werkte niet.", "013 - 543 21 00"),
        ("telefoon 0612345678.", "0612345678"),
    ],
)
def test_phone_is_found(text: str, phone: str) -> None:
    assert ("phone", phone) in found(text)


@pytest.mark.parametrize(
    ("text", "iban"),
    [
        ("De huur ging van NL91 ABNA 0417 1643 00 af.", "NL91 ABNA 0417 1643 00"),
        ("Het rekeningnummer NL91ABNA0417164300 stond op de brief.", "NL91ABNA0417164300"),
        ("Rekening NL91 ABNA 0417 1643 00 voor de vaste lasten.", "NL91 ABNA 0417 1643 00"),
    ],
)
def test_iban_is_found(text: str, iban: str) -> None:
    assert found(text) == [("iban", iban)]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Het gezin woont aan de Kerkstraat 12 in Tilburg.", "Kerkstraat 12"),
        ("Na de ontruiming kwam hij op Dorpsstraat 4a terecht.", "Dorpsstraat 4a"),
        ("De melding kwam van de Hoofdstraat 23b.", "Hoofdstraat 23b"),
    ],
)
def test_street_address_with_house_number_is_found(text: str, address: str) -> None:
    assert found(text) == [("address", address)]


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("De moeder (geboren op 3 maart 1984) had drie banen.", "3 maart 1984"),
        ("Cliënt, geb. 03-03-1984, meldde zich zelf.", "03-03-1984"),
        ("Haar geboortedatum is 12-11-1975.", "12-11-1975"),
        ("Geboortedatum: 1975-11-12.", "1975-11-12"),
    ],
)
def test_birthdate_is_found(text: str, date: str) -> None:
    assert found(text) == [("birthdate", date)]


# --- not personal data -------------------------------------------------------------------


def _municipality_names() -> list[str]:
    return sorted({n for r in read_data_file() for n in (r.name, *r.aliases)})


def test_no_municipality_name_or_alias_is_a_finding() -> None:
    flagged = {}
    for name in _municipality_names():
        text = (
            f"De wethouder van {name} en de Gemeente {name} werken samen. "
            f"In {name} werkt het. Van {name} tot Groningen: Wijkteam {name}-Noord."
        )
        if findings := found(text):
            flagged[name] = findings
    assert flagged == {}


@pytest.mark.parametrize(
    "text",
    [
        "In Den Bosch en in 's-Hertogenbosch werkt het wijkteam met de huisarts.",
        "Súdwest-Fryslân, Den Haag en 's-Gravenhage deden mee; Bergen (NH.) niet.",
        "Vanuit Berg en Dal en Horst aan de Maas kwamen de meeste aanmeldingen.",
        "Het Rijk van Nijmegen, Zeeuws-Vlaanderen en Almere Haven zijn regio's en wijken.",
        "De Kerkstraat en het Stationsplein liggen in het centrum.",
    ],
)
def test_places_are_not_findings(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Gemeente Tilburg en GGD Hart voor Brabant werken samen.",
        "Stichting Vrienden van Jan betaalt de activiteiten.",
        "Team Jonge Kind Rotterdam-Zuid en Wijkteam Tilburg-Noord delen een casusoverleg.",
        "Sociaal Wijkteam Almere Haven en Steunpunt Mantelzorg Zeeuws-Vlaanderen.",
        "Vereniging Nederlandse Gemeenten, Movisie en het Nederlands Jeugdinstituut.",
        "Het Leger des Heils, Humanitas en Vluchtelingenwerk Nederland doen mee.",
        "Zorg- en Veiligheidshuis Gelderland-Midden en Regionaal Bureau Jeugdhulp Rijk van "
        "Nijmegen.",
        "Van Dam & Partners adviseerde het college.",
        "De Jeugdverpleegkundige en de POH-GGZ bespraken het met de Wijkverpleegkundige.",
        "Sinds januari 2024 werkt het Sociaal Team met Kansrijke Start en Housing First.",
    ],
)
def test_organisations_and_roles_are_not_findings(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Het nummer 123456789 haalt de elfproef niet, en 111222334 ook niet.",
        "In 2023 werden 1.234 huishoudens bereikt, tegen 212 in 2022 (40%).",
        "Het budget was € 123.456.782; KvK 12345678.",
        "Tussen 2019 en 2023 groeide het aantal van 1.500 naar 20.000 inwoners.",
        "Geboren in 2023: 1.234 kinderen. De geboortecijfers daalden met 3,5 procent.",
        "Per 1 januari 2025 gaat de regeling in; de evaluatie volgt op 01-07-2025.",
        "Herfst 2023 startte de pilot. Postbus 90155, 5000 LH Tilburg.",
        "Versie 2.1.3 van het protocol, artikel 12 lid 3.",
        "Het rekeningnummer NL91 ABNA 0417 1643 01 is ongeldig.",
    ],
)
def test_numbers_that_fail_the_checks_are_not_findings(text: str) -> None:
    assert found(text) == []


def test_common_words_at_sentence_start_are_not_names() -> None:
    assert found("- Pas als er vertrouwen is, komt de hulp op gang.") == []
    # A surname that is also a noun, where the capital only marks the sentence start.
    assert found("## Doelen\n- Levering van hulpmiddelen binnen vijf dagen.") == []
    # "Buddy" is a first name to deduce; the lesson itself uses it as an ordinary word.
    assert found("De buddy belde wekelijks. Buddy's stopten soms na een maand.") == []


# --- offsets and fields ------------------------------------------------------------------

MIXED = (
    "Mevrouw Jansen (geboren op 3 maart 1984) woont aan de Kerkstraat 12 in Tilburg.\n"
    "Haar BSN is 111222333, IBAN NL91 ABNA 0417 1643 00; mail piet.jansen@example.nl "
    "of bel 06-12345678. Gemeente Tilburg en Den Bosch weten ervan."
)


def test_offsets_point_into_the_text_and_findings_are_sorted() -> None:
    findings = privacy.scan(MIXED, field="context")
    assert [f.kind for f in findings] == [
        "name",
        "birthdate",
        "address",
        "bsn",
        "iban",
        "email",
        "phone",
    ]
    for finding in findings:
        assert MIXED[finding.start : finding.end] == finding.text
        assert finding.field == "context"
    assert [f.start for f in findings] == sorted(f.start for f in findings)


def test_scan_fields_names_the_field_and_skips_empty_ones() -> None:
    findings = privacy.scan_fields(
        {
            "title": "Schuldhulp aan de keukentafel",
            "summary": None,
            "context": "",
            "body": "## Aanleiding\nMevrouw Jansen belde op 06-12345678.\n",
            "note": "Werkte ook bij Piet de Vries thuis.",
        }
    )
    assert [(f.field, f.kind, f.text) for f in findings] == [
        ("body", "name", "Mevrouw Jansen"),
        ("body", "phone", "06-12345678"),
        ("note", "name", "Piet de Vries"),
    ]
    body = "## Aanleiding\nMevrouw Jansen belde op 06-12345678.\n"
    assert all(body[f.start : f.end] == f.text for f in findings if f.field == "body")


def test_scan_fields_shares_the_lessons_vocabulary() -> None:
    fields = {"title": "Buddy's voor statushouders", "body": "Elke statushouder krijgt een buddy."}
    assert privacy.scan_fields(fields) == []


# --- the real sample lessons -------------------------------------------------------------


def test_there_are_44_sample_lessons() -> None:
    assert len(SAMPLE_FILES) == 44


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=[p.stem for p in SAMPLE_FILES])
def test_sample_lesson_has_no_findings(path: Path) -> None:
    lesson = parse(path.read_bytes())
    meta = lesson.front_matter
    fields: dict[str, str | None] = {
        name: None if meta.get(name) is None else str(meta[name]) for name in TEXT_FIELDS
    }
    fields["active_elements"] = "; ".join(map(str, meta.get("active_elements") or []))
    fields["tags"] = ", ".join(map(str, meta.get("tags") or []))
    fields["body"] = lesson.body
    assert [f.as_dict() for f in privacy.scan_fields(fields)] == []
    # Field by field as well: without the shared vocabulary of the whole lesson.
    for name, text in fields.items():
        if text:
            assert privacy.scan(text, field=name) == [], name
