"""The main flow with the keyboard only (Tab, Shift+Tab, Enter, Space, typing; no mouse):
skip link, sign in, new lesson with the required fields and the live preview, save, search.
Every element focused on the way must show its focus (an outline or a box-shadow)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .support import ACCOUNTS, PASSWORD, FocusTrail, expect

if TYPE_CHECKING:
    from playwright.sync_api import Page

TITLE = "Toetsenbordles over de wijktafel"
SLUG = "toetsenbordles-over-de-wijktafel"


def follow(page: Page, key: str, url: str) -> None:
    """Press a key that navigates (a link, a form submit) and wait for the new page."""
    page.keyboard.press(key)
    page.wait_for_url(re.compile(url))
    page.wait_for_load_state()


def test_keyboard_only_main_flow(page: Page) -> None:
    trail = FocusTrail(page)
    page.goto("/")

    # The first Tab lands on the skip link; Enter moves focus to the main content.
    first = trail.press("Tab", "a.skip-link")
    assert first["matches"], f"first Tab focused {first['describe']}, not the skip link"
    assert first["text"] == "Direct naar de inhoud"
    expect(page.locator("a.skip-link")).to_be_in_viewport()
    landed = trail.press("Enter", "main#inhoud")
    assert landed["matches"], f"Enter on the skip link focused {landed['describe']}, not <main>"

    # Sign in: back up to the header's sign-in link, then the form.
    trail.tab_to("header a[href^='/login']", backwards=True)
    follow(page, "Enter", r"/login")
    trail.tab_to("input#email")
    page.keyboard.type(ACCOUNTS["author-a"].email)
    trail.tab_to("input#password")
    page.keyboard.type(PASSWORD)
    follow(page, "Enter", r"/$")
    expect(page.get_by_role("status")).to_contain_text("Welkom")

    # A new lesson: the required fields, a line of text with its live preview, save.
    trail.tab_to("header a[href='/lessons/new']")
    follow(page, "Enter", r"/lessons/new")
    trail.tab_to("input#title")
    page.keyboard.type(TITLE)
    trail.tab_to("input#municipality")
    expect(page.locator("#municipality")).to_have_value("Tilburg")
    trail.tab_to("input#owner")
    page.keyboard.type("Wijkteam Tilburg-Oost")
    trail.tab_to("input[name=type]")
    expect(page.locator("input[name=type][value=generic]")).to_be_checked()
    trail.tab_to("input[name=themes]")
    page.keyboard.press("Space")
    expect(page.locator("input[name=themes]").first).to_be_checked()
    trail.tab_to("textarea#body")
    page.keyboard.press("Control+End")
    page.keyboard.type("\n## Met het toetsenbord geschreven\n")
    expect(page.locator("#preview-body")).to_contain_text("Met het toetsenbord geschreven")
    trail.tab_to("button[name=save]")
    follow(page, "Enter", rf"/lessons/{SLUG}$")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("status")).to_contain_text("De les is opgeslagen.")

    # Search from the header, then open the first result.
    trail.tab_to("header input#kop-zoek")
    page.keyboard.type("schuld")
    follow(page, "Enter", r"/search\?q=schuld")
    expect(page.locator("h2#resultaten")).to_have_text(re.compile(r"^[1-9]\d* lessen gevonden$"))
    trail.tab_to("ol.hits a.lesson-title")
    follow(page, "Enter", r"/lessons/[a-z0-9-]+$")

    print("\nfocus order:\n  " + "\n  ".join(trail.seen))
    assert not trail.invisible, "focus not visible on:\n" + "\n".join(trail.invisible)
