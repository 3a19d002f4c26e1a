"""Real-browser tests: Playwright (sync API) drives Debian's Chromium against `leerwiki serve`.

One `leerwiki serve` process per session (a module may start its own with other settings, see
test_review.py) on a fresh database and index folder below pytest's temporary directory, with
the sample content loaded and the accounts of support.ACCOUNTS made by `leerwiki users
create`. One browser per session; every test gets new contexts (cookies, storage) from
`new_context`, signed in per role from a stored login so tests do not pay for signing in.

Without /usr/bin/chromium (or Playwright) the tests are skipped with the reason, unless
LEERWIKI_REQUIRE_BROWSER=1 (as in CI): then they fail. LEERWIKI_SKIP_BROWSER=1 skips them
(CI's PostgreSQL pass: these tests are about pages, the SQLite pass runs them).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import Databases  # tests/conftest.py

from .server import Wiki, start_wiki, stop_wiki
from .support import (
    AXE_RESULTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    browser_unavailable,
    expect,
    table_header,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the session; skipped (or failed, in CI) if there is none."""
    if os.environ.get("LEERWIKI_SKIP_BROWSER") == "1":
        pytest.skip("LEERWIKI_SKIP_BROWSER=1: the browser tests run in another pass")
    reason = browser_unavailable()
    if reason:
        if os.environ.get("LEERWIKI_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason} (LEERWIKI_REQUIRE_BROWSER=1)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def wiki(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory, databases: Databases
) -> Iterator[Wiki]:
    """The session's server (authors may publish directly)."""
    server = start_wiki(tmp_path_factory, databases, browser)
    yield server
    stop_wiki(server, databases)


EDITED_LESSON = "schuldhulp-aan-de-keukentafel"  # Tilburg: author A gives it a second revision


@pytest.fixture(scope="session")
def edited_lesson(wiki: Wiki) -> str:
    """A sample lesson with two revisions (for history and diff), edited through the form.

    Session-wide: the axe and layout tests both show its history, which must hold exactly
    these two revisions.
    """
    context = wiki.context("author-a")
    try:
        page = context.new_page()
        page.goto(f"/lessons/{EDITED_LESSON}/edit")
        body = page.locator("#body")
        body.fill(body.input_value().replace("Aanleiding", "Aanleiding en probleem", 1))
        page.locator("#comment").fill("kop verduidelijkt")
        page.locator("button[name=save]").click()
        expect(page).to_have_url(re.compile(rf"/lessons/{EDITED_LESSON}$"))
        expect(page.locator(".markdown h2").first).to_have_text("Aanleiding en probleem")
    finally:
        context.close()
    return EDITED_LESSON


@pytest.fixture(scope="session")
def collection(wiki: Wiki) -> str:
    """A curator's collection of three sample lessons; its address."""
    context = wiki.context("curator")
    try:
        page = context.new_page()
        page.goto("/collections/new")
        page.locator("#title").fill("Schulden vroeg in beeld")
        page.locator("#introduction").fill(
            "Lessen over **vroegsignalering** van schulden, uit verschillende gemeenten."
        )
        page.locator("#lessons").fill(
            "schuldhulp-aan-de-keukentafel\n"
            "vroegsignalering-betalingsachterstanden-huurders\n"
            "jongeren-met-schulden-saneringsfonds\n"
        )
        page.locator("main button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/collections/[a-z0-9-]+$"))
        address = page.url.removeprefix(wiki.base)
    finally:
        context.close()
    return address


@pytest.fixture
def new_context(
    wiki: Wiki, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., BrowserContext]]:
    """new_context(role=None): a fresh browser context on `wiki`, signed in as `role`."""
    made: list[BrowserContext] = []

    def make(role: str | None = None) -> BrowserContext:
        context = wiki.context(role)
        made.append(context)
        return context

    yield make
    report = getattr(request.node, "rep_call", None)
    for number, context in enumerate(made):
        if report is not None and report.failed:
            for index, page in enumerate(context.pages):
                shot = tmp_path / f"failure-{number}-{index}.png"
                try:
                    page.screenshot(path=str(shot), full_page=True)
                    print(f"\nscreenshot of {page.url}: {shot}")
                except Exception as exc:  # noqa: BLE001 - a diagnostic must not hide the failure
                    print(f"\nno screenshot of {page.url}: {exc}")
        context.close()
    if report is not None and report.failed:
        print("\nlast lines of the server log:\n" + "\n".join(wiki.output().splitlines()[-30:]))


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    """An anonymous visitor's page."""
    return new_context().new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The axe-core result per page, as one table (counts of violated rules per impact)."""
    if not AXE_RESULTS:
        return
    terminalreporter.section("axe-core: WCAG 2.0/2.1 A and AA violations per page")
    terminalreporter.write_line(table_header())
    for report in AXE_RESULTS:
        terminalreporter.write_line(report.row())
