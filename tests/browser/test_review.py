"""Review before publishing: with LEERWIKI_REVIEW_REQUIRED=true an author's new lesson goes to
the curator's queue, stays invisible to others, and a curator endorses and so publishes it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from conftest import Databases

from .server import Wiki, start_wiki, stop_wiki
from .support import expect

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

    NewContext = Callable[..., BrowserContext]

TITLE = "Ontbijt op school tegen armoede"
SLUG = "ontbijt-op-school-tegen-armoede"


@pytest.fixture(scope="module")
def wiki(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory, databases: Databases
) -> Iterator[Wiki]:
    """This module's own server: authors may not publish, curators review first."""
    server = start_wiki(
        tmp_path_factory,
        databases,
        browser,
        roles=("author-a", "curator"),
        LEERWIKI_REVIEW_REQUIRED="true",
    )
    yield server
    stop_wiki(server, databases)


def test_curator_reviews_and_publishes_a_submitted_lesson(new_context: NewContext) -> None:
    author = new_context("author-a").new_page()
    author.goto("/lessons/new")
    expect(author.get_by_label("Status")).to_have_value("in-review")
    author.get_by_role("textbox", name="Titel", exact=True).fill(TITLE)
    author.get_by_label("Eigenaar (persoon of team)").fill("Team Onderwijs Tilburg")
    author.get_by_label("Armoede en schulden").check()
    author.get_by_label("Onderwijs").check()
    author.get_by_label("Tekst (Markdown)").fill(
        "## Aanpak\n\nScholen in de wijk bieden elke ochtend een gezond ontbijt aan.\n"
    )
    author.get_by_role("button", name="Opslaan").click()
    expect(author).to_have_url(re.compile(rf"/lessons/{SLUG}$"))
    expect(author.get_by_role("status")).to_contain_text("De les is opgeslagen.")
    expect(author.locator("article")).to_contain_text("niet openbaar zichtbaar")
    # The author may not publish it themselves.
    workflow = author.locator("section.workflow")
    expect(workflow).to_be_visible()
    expect(workflow.get_by_role("button", name="Publiceren")).to_have_count(0)

    anonymous = new_context().new_page()
    response = anonymous.goto(f"/lessons/{SLUG}")
    assert response is not None and response.status == 404

    curator = new_context("curator").new_page()
    curator.goto("/")
    menu = curator.get_by_role("navigation", name="Hoofdmenu")
    menu.get_by_role("link", name="Beoordelen").click()
    expect(curator).to_have_url(re.compile(r"/curation/$"))
    submitted = curator.locator("h2", has_text="Aangeboden ter beoordeling")
    expect(submitted).to_contain_text("(1)")
    curator.get_by_role("link", name=TITLE).click()

    expect(curator).to_have_url(re.compile(rf"/lessons/{SLUG}$"))
    review = curator.locator("section.workflow")
    review.get_by_label("Toelichting bij uw beoordeling").fill(
        "Goed onderbouwd; de werkzame elementen zijn duidelijk."
    )
    review.get_by_role("button", name="Beoordelen en publiceren").click()
    expect(curator.get_by_role("status")).to_contain_text("Beoordeeld")
    review_line = curator.locator(".review-line")
    expect(review_line).to_contain_text("Beoordeeld door Academische Werkplaats")
    # The review is bound to the revision it published, the current one.
    current = curator.locator(".lesson-meta").get_by_text(re.compile(r"^Revisie \d+ door"))
    number = re.match(r"Revisie (\d+)", current.inner_text())
    assert number is not None
    expect(review_line).to_contain_text(f"revisie {number.group(1)}.")
    expect(review_line).not_to_contain_text("Gewijzigd sinds de beoordeling")
    expect(curator.locator(".lesson-meta")).to_contain_text("Gepubliceerd")

    response = anonymous.goto(f"/lessons/{SLUG}")
    assert response is not None and response.status == 200
    expect(anonymous.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(anonymous.locator(".review-line")).to_contain_text("Beoordeeld door")

    curator.goto("/curation/")
    expect(curator.locator("h2", has_text="Aangeboden ter beoordeling")).to_contain_text("(0)")
