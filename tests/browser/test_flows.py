"""The main flows in a real browser: sign in, write with live preview, edit conflict and merge,
search with facets and a spelling suggestion, confirm another municipality's lesson, language."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from .support import ACCOUNTS, expect, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

    NewContext = Callable[..., BrowserContext]

# Sample lessons each test may change without disturbing the others.
CONFLICT_LESSON = "poh-jeugd-bij-de-huisarts"  # Utrecht: author B may edit it
CONFIRM_LESSON = "casustafel-multiprobleemgezinnen"  # Tilburg (municipality A)


def found_count(page: Page) -> int:
    """The number in the search page's "N lessen gevonden" heading."""
    heading = page.locator("h2#resultaten")
    expect(heading).to_have_text(re.compile(r"^\d+ less?en? gevonden$"))
    return int(heading.inner_text().split()[0])


def test_sign_in(page: Page) -> None:
    page.goto("/")
    page.get_by_role("banner").get_by_role("link", name="Inloggen").click()
    expect(page).to_have_url(re.compile(r"/login"))
    sign_in(page, ACCOUNTS["author-a"])
    expect(page.get_by_role("status")).to_contain_text("Welkom, Auteur Tilburg.")
    banner = page.get_by_role("banner")
    expect(banner).to_contain_text("Auteur Tilburg")
    expect(banner.get_by_role("link", name="Nieuwe les")).to_be_visible()
    expect(banner.get_by_role("link", name="Inloggen")).to_have_count(0)


def test_sign_in_refuses_a_wrong_password(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(ACCOUNTS["author-a"].email)
    page.get_by_label("Wachtwoord").fill("niet het wachtwoord")
    page.locator("main").get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("status")).to_contain_text("Onbekend e-mailadres of onjuist wachtwoord")
    expect(page.get_by_role("button", name="Uitloggen")).to_have_count(0)


def test_write_a_lesson_with_live_preview(new_context: NewContext) -> None:
    page = new_context("author-a").new_page()
    page.goto("/")
    page.get_by_role("banner").get_by_role("link", name="Nieuwe les").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuwe les")
    expect(page.get_by_label("Gemeente")).to_have_value("Tilburg")  # the author's own

    page.get_by_role("textbox", name="Titel", exact=True).fill("Wijkgesprekken over geldzorgen")
    page.get_by_label("Eigenaar (persoon of team)").fill("Wijkteam Tilburg-West")
    page.get_by_label("Armoede en schulden").check()
    page.get_by_label("Werkzame elementen (komma-gescheiden)").fill("vaste tafel, koffie")
    body = page.get_by_label("Tekst (Markdown)")
    body.fill(
        "## Aanpak aan de wijktafel\n\nElke maand schuiven bewoners aan met **vragen over geld**.\n"
    )
    # The live preview: the server renders the Markdown; the script shows it while typing.
    preview = page.locator("#preview-body")
    expect(preview.get_by_role("heading", name="Aanpak aan de wijktafel")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("vragen over geld")
    body.press("End")
    body.type("\nDe wijkcoach noteert wat terugkomt.")
    expect(preview).to_contain_text("De wijkcoach noteert wat terugkomt.")

    # The server-side preview keeps everything typed.
    page.get_by_role("button", name="Voorbeeld bekijken").click()
    expect(page.locator("#preview-body h2")).to_have_text("Aanpak aan de wijktafel")
    expect(page.get_by_role("textbox", name="Titel", exact=True)).to_have_value(
        "Wijkgesprekken over geldzorgen"
    )
    expect(page.get_by_label("Armoede en schulden")).to_be_checked()

    page.get_by_label("Samenvatting van de wijziging").fill("eerste versie")
    page.get_by_role("button", name="Opslaan").click()
    expect(page).to_have_url(re.compile(r"/lessons/wijkgesprekken-over-geldzorgen$"))
    expect(page.get_by_role("status")).to_contain_text("De les is opgeslagen.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Wijkgesprekken over geldzorgen")
    expect(page.locator(".markdown h2")).to_have_text("Aanpak aan de wijktafel")
    expect(page.locator("article")).to_contain_text("GENERIEK")


def test_live_preview_shows_why_a_text_is_refused(new_context: NewContext) -> None:
    page = new_context("author-a").new_page()
    page.goto("/lessons/new")
    page.get_by_label("Tekst (Markdown)").fill("[" * 40 + "x" + "]" * 40)
    expect(page.locator("#preview-body p.error")).to_contain_text(
        "Tekst: op regel 1 staan 17 vierkante haken [ tegelijk open"
    )


def test_edit_conflict_shows_the_merge_screen_and_resolves(new_context: NewContext) -> None:
    first = new_context("author-b").new_page()
    second = new_context("author-b").new_page()
    for page in (first, second):
        page.goto(f"/lessons/{CONFLICT_LESSON}/edit")
    base = int(first.locator("input[name=base_revision]").input_value())
    assert second.locator("input[name=base_revision]").input_value() == str(base)

    body = first.get_by_label("Tekst (Markdown)")
    body.fill(body.input_value() + "\nAanvulling uit het eerste venster.\n")
    first.get_by_label("Samenvatting van de wijziging").fill("eerste venster")
    first.get_by_role("button", name="Opslaan").click()
    expect(first.get_by_role("status")).to_contain_text(f"Opgeslagen als revisie {base + 1}.")

    body = second.get_by_label("Tekst (Markdown)")
    mine = body.input_value() + "\nAanvulling uit het tweede venster.\n"
    body.fill(mine)
    second.get_by_label("Samenvatting van de wijziging").fill("tweede venster")
    second.get_by_role("button", name="Opslaan").click()

    # Nothing overwritten: the merge screen shows both versions and keeps my text.
    expect(second.get_by_role("heading", level=1)).to_have_text("Bewerkingsconflict")
    expect(second.get_by_role("alert")).to_contain_text(f"revisie {base + 1}")
    expect(second.get_by_role("alert")).to_contain_text("Auteur Utrecht")
    expect(second.locator("main")).to_contain_text("Aanvulling uit het eerste venster.")
    merged = second.get_by_label("Tekst (Markdown)")
    expect(merged).to_have_value(re.compile("Aanvulling uit het tweede venster."))

    # Resolve: take over the other window's line too, and save from the merge screen.
    merged.fill(merged.input_value() + "Aanvulling uit het eerste venster.\n")
    second.get_by_role("button", name=f"Mijn versie opslaan als revisie {base + 2}").click()
    expect(second).to_have_url(re.compile(rf"/lessons/{CONFLICT_LESSON}$"))
    expect(second.get_by_role("status")).to_contain_text(f"Opgeslagen als revisie {base + 2}.")
    lesson_text = second.locator(".markdown").first
    expect(lesson_text).to_contain_text("Aanvulling uit het eerste venster.")
    expect(lesson_text).to_contain_text("Aanvulling uit het tweede venster.")

    second.goto(f"/lessons/{CONFLICT_LESSON}/history")
    rows = second.locator("table.history tbody tr")
    expect(rows).to_have_count(base + 2)
    expect(second.locator("table.history")).to_contain_text("tweede venster")


def test_search_with_a_facet_as_removable_filter(page: Page) -> None:
    page.goto("/")
    page.get_by_role("search").first.get_by_role("searchbox").fill("schuld")
    page.get_by_role("search").first.get_by_role("button", name="Zoeken").click()
    expect(page).to_have_url(re.compile(r"/search\?q=schuld"))
    everything = found_count(page)
    assert everything > 1

    facets = page.get_by_role("complementary", name="Verfijnen")
    facet_label = "Armoede en schulden"
    facet = facets.get_by_role("link", name=facet_label)
    entry = facets.get_by_role("listitem").filter(has=page.get_by_role("link", name=facet_label))
    expected = int(entry.locator(".count").inner_text().strip("()"))
    assert 0 < expected < everything
    facet.click()

    chips = page.get_by_role("list", name="Actieve filters")
    chip = chips.get_by_role("link", name="Filter armoede-en-schulden verwijderen")
    expect(chip).to_be_visible()
    expect(chip).to_contain_text("Armoede en schulden")
    assert found_count(page) == expected
    expect(page.get_by_label("Zoekvraag")).to_have_value("schuld")

    chip.click()
    expect(page.get_by_role("list", name="Actieve filters")).to_have_count(0)
    assert found_count(page) == everything
    expect(page.get_by_label("Zoekvraag")).to_have_value("schuld")


def test_search_suggests_the_spelling_and_follows_it(page: Page) -> None:
    page.goto("/search")
    query = page.get_by_label("Zoekvraag")
    query.fill("schuldhulpverleneng")
    query.press("Enter")
    assert found_count(page) == 0
    suggestion = page.locator("main p", has_text="Bedoelde u")
    expect(suggestion).to_be_visible()
    link = suggestion.get_by_role("link", name="schuldhulpverlening")
    link.click()
    expect(page.get_by_label("Zoekvraag")).to_have_value("schuldhulpverlening")
    assert found_count(page) > 0
    expect(page.locator("main p", has_text="Bedoelde u")).to_have_count(0)


def test_author_of_another_municipality_confirms_a_lesson(new_context: NewContext) -> None:
    page = new_context("author-b").new_page()
    page.goto(f"/lessons/{CONFIRM_LESSON}")
    expect(page.locator(".lesson-sub")).to_contain_text("Tilburg")
    experiences = page.locator("section.confirmations")
    form = experiences.locator("form")
    expect(form.get_by_role("group", name="Uw ervaring in Utrecht")).to_be_visible()
    form.get_by_label("Werkte ook bij ons").check()
    note = "Bij ons werkte de vaste casustafel ook, met de wijkteams als voorzitter."
    form.get_by_label("Korte toelichting: hoe was de context bij u?").fill(note)
    form.get_by_role("button", name="Ervaring vastleggen").click()

    expect(page).to_have_url(re.compile(rf"/lessons/{CONFIRM_LESSON}$"))
    expect(page.get_by_role("status")).to_contain_text("Dank u")
    experiences = page.locator("section.confirmations")
    expect(experiences).to_contain_text("Werkte ook bij ons: 1")
    item = experiences.locator("li", has_text=note)
    expect(item).to_contain_text("Utrecht")
    expect(item).to_contain_text("Werkte ook bij ons")

    # Everyone sees it, not only the author who wrote it.
    anonymous = new_context().new_page()
    anonymous.goto(f"/lessons/{CONFIRM_LESSON}")
    expect(anonymous.locator("section.confirmations li", has_text=note)).to_contain_text("Utrecht")


def test_language_switch_to_english_and_back(page: Page) -> None:
    page.goto("/lessons/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(re.compile(r"/lessons/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    nav = page.get_by_role("navigation", name="Main menu")
    expect(nav.get_by_role("link", name="Lessons", exact=True)).to_be_visible()
    expect(page.locator(".skip-link")).to_have_text("Skip to content")
    expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()

    page.get_by_role("button", name="Nederlands").click()
    expect(page).to_have_url(re.compile(r"/lessons/$"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    nav = page.get_by_role("navigation", name="Hoofdmenu")
    expect(nav.get_by_role("link", name="Lessen", exact=True)).to_be_visible()
    expect(page.locator(".skip-link")).to_have_text("Direct naar de inhoud")
    expect(page.get_by_role("button", name="English")).to_be_visible()
