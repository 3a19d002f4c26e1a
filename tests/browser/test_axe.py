"""axe-core on every page type: no serious or critical violation of WCAG 2.0/2.1 A and AA.

`python -m pytest tests/browser -s -k axe` prints each page's result as it runs, and the
terminal summary has the whole table (violated rules per impact, rule ids). The Markdown source
(/lessons/{slug}/source) is plain text, so it has no page to check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from .support import expect, run_axe

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

    NewContext = Callable[..., BrowserContext]

MERGE_LESSON = "wijkdashboard-sociaal-domein"  # the curator runs into a conflict on it


def settle(page: Page) -> None:
    """Wait until the live preview script has fetched and shown the server's rendering."""
    page.wait_for_load_state("networkidle")


def goto(path: str) -> Callable[[Page, pytest.FixtureRequest], None]:
    def visit(page: Page, request: pytest.FixtureRequest) -> None:
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"

    return visit


def lesson_page(page: Page, request: pytest.FixtureRequest) -> None:
    slug = request.getfixturevalue("edited_lesson")
    page.goto(f"/lessons/{slug}")
    # lesson.js has replaced the link with the similar lessons it fetched.
    expect(page.locator("section.related")).not_to_contain_text("Toon vergelijkbare lessen")


def edit_with_preview(page: Page, request: pytest.FixtureRequest) -> None:
    slug = request.getfixturevalue("edited_lesson")
    page.goto(f"/lessons/{slug}/edit")
    body = page.locator("#body")
    body.fill(body.input_value() + "\n## Nieuwe kop voor het voorbeeld\n\nMet een *nadruk*.\n")
    expect(page.locator("#preview-body")).to_contain_text("Nieuwe kop voor het voorbeeld")
    page.locator("button[name=preview]").click()  # the server-side preview as well
    expect(
        page.locator("#preview-body h2", has_text="Nieuwe kop voor het voorbeeld")
    ).to_be_visible()
    settle(page)


def new_lesson(page: Page, request: pytest.FixtureRequest) -> None:
    page.goto("/lessons/new")
    expect(page.locator("#preview-body h2").first).to_be_visible()  # live preview of the template
    settle(page)


def merge_screen(page: Page, request: pytest.FixtureRequest) -> None:
    other = request.getfixturevalue("new_context")("curator").new_page()
    for p in (page, other):
        p.goto(f"/lessons/{MERGE_LESSON}/edit")
    for p, line in ((other, "Aanvulling van de ander."), (page, "Mijn eigen aanvulling.")):
        body = p.locator("#body")
        body.fill(body.input_value() + f"\n{line}\n")
        p.locator("button[name=save]").click()
        if p is other:  # saved before the second one saves on the same base revision
            expect(other).to_have_url(re.compile(rf"/lessons/{MERGE_LESSON}$"))
    expect(page.locator("h1")).to_have_text("Bewerkingsconflict")
    expect(page.locator("main table").first).to_be_visible()


def history(page: Page, request: pytest.FixtureRequest) -> None:
    page.goto(f"/lessons/{request.getfixturevalue('edited_lesson')}/history")
    expect(page.locator("table tbody tr")).to_have_count(2)


def diff(page: Page, request: pytest.FixtureRequest) -> None:
    page.goto(f"/lessons/{request.getfixturevalue('edited_lesson')}/diff?from=1&to=2")
    expect(page.locator("main table").first).to_be_visible()


def search_with_filters(page: Page, request: pytest.FixtureRequest) -> None:
    page.goto("/search?q=schuld&theme=armoede-en-schulden&type=generic")
    expect(page.get_by_role("list", name="Actieve filters").get_by_role("link")).to_have_count(2)


def search_with_suggestion(page: Page, request: pytest.FixtureRequest) -> None:
    page.goto("/search?q=schuldhulpverleneng")
    expect(page.locator("main p", has_text="Bedoelde u")).to_be_visible()


def a_collection(page: Page, request: pytest.FixtureRequest) -> None:
    page.goto(request.getfixturevalue("collection"))
    expect(page.locator("main a[href^='/lessons/']")).to_have_count(3)


def not_found(page: Page, request: pytest.FixtureRequest) -> None:
    response = page.goto("/lessons/deze-les-bestaat-niet")
    assert response is not None and response.status == 404


@dataclass(frozen=True)
class Case:
    name: str
    open: Callable[[Page, pytest.FixtureRequest], None]
    role: str | None = None


CASES = [
    Case("home", goto("/")),
    Case("home (curator)", goto("/"), "curator"),
    Case("lessons index", goto("/lessons/")),
    Case("lesson page (curator)", lesson_page, "curator"),
    Case("lesson page (other municipality)", lesson_page, "author-b"),
    Case("lesson edit form with preview", edit_with_preview, "author-a"),
    Case("new lesson form", new_lesson, "author-a"),
    Case("merge screen", merge_screen, "curator"),
    Case("history", history),
    Case("diff", diff),
    Case("search results with filters", search_with_filters),
    Case("search with suggestion", search_with_suggestion),
    Case("municipalities index", goto("/municipalities/")),
    Case("a municipality", goto("/municipalities/Tilburg")),
    Case("a province", goto("/provinces/Noord-Brabant")),
    Case("themes index", goto("/themes/")),
    Case("a theme", goto("/themes/armoede-en-schulden")),
    Case("tags index", goto("/tags/")),
    Case("a tag", goto("/tags/wijkteam")),
    Case("recent changes", goto("/recent")),
    Case("collections index", goto("/collections/")),
    Case("a collection", a_collection),
    Case("curator queue", goto("/curation/"), "curator"),
    Case("audit log", goto("/audit/"), "curator"),
    Case("login", goto("/login")),
    Case("404 page", not_found),
    Case("accessibility statement", goto("/toegankelijkheid")),
]


@pytest.mark.parametrize("case", CASES, ids=[re.sub(r"\W+", "-", c.name).strip("-") for c in CASES])
def test_axe(case: Case, new_context: NewContext, request: pytest.FixtureRequest) -> None:
    page = new_context(case.role).new_page()
    case.open(page, request)
    report = run_axe(page, case.name)
    assert not report.blocking, (
        f"{len(report.blocking)} serious or critical axe violations on {case.name} ({page.url}):\n"
        + report.details(report.blocking)
    )
