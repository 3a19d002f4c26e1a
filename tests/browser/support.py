"""Helpers for the browser tests: accounts, signing in, axe-core runs, keyboard focus."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or fails) every test, with the reason
    expect = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; never `playwright install` (no internet)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "een lang wachtwoord voor de browsertests"
TIMEOUT_MS = 15_000  # actions, navigations and expectations; generous for a busy 2-core machine

if expect is not None:
    expect.set_options(timeout=TIMEOUT_MS)


def browser_unavailable() -> str | None:
    """What the browser tests lack here (Chromium, Playwright), or None."""
    if not CHROMIUM.exists():
        return (
            f"{CHROMIUM} is missing: install Debian's Chromium "
            "(apt-get install chromium) to run the browser tests"
        )
    missing = []
    for module in ("playwright.sync_api", "axe_playwright_python.sync_playwright"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module.split(".")[0])
    if missing:
        return f"{', '.join(missing)} not installed: pip install -e '.[test]'"
    return None


@dataclass(frozen=True)
class Account:
    """A user made with `leerwiki users create`."""

    email: str
    role: str
    municipality: str | None = None
    name: str | None = None
    organisation: str | None = None


# Municipality A (Tilburg) and B (Utrecht) both have sample lessons.
ACCOUNTS = {
    "author-a": Account("auteur.tilburg@example.nl", "author", "Tilburg", "Auteur Tilburg"),
    "author-b": Account("auteur.utrecht@example.nl", "author", "Utrecht", "Auteur Utrecht"),
    "curator": Account(
        "curator@example.nl", "curator", None, "Curator Werkplaats", "Academische Werkplaats"
    ),
}


def sign_in(page: Page, account: Account, password: str = PASSWORD) -> None:
    """Sign in through the real login form, as a person would."""
    if "/login" not in page.url:
        page.goto("/login")
    page.get_by_label("E-mailadres").fill(account.email)
    page.get_by_label("Wachtwoord").fill(password)
    page.locator("main").get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


# ---- axe-core -----------------------------------------------------------------------------

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("critical", "serious")
IMPACTS = ("critical", "serious", "moderate", "minor")


@dataclass
class AxeReport:
    """The violations axe-core found on one page."""

    page: str
    url: str
    violations: list[dict[str, Any]]

    def count(self, impact: str) -> int:
        return sum(1 for v in self.violations if v.get("impact") == impact)

    @property
    def blocking(self) -> list[dict[str, Any]]:
        return [v for v in self.violations if v.get("impact") in BLOCKING]

    def row(self) -> str:
        counts = " ".join(f"{self.count(i):>8}" for i in IMPACTS)
        rules = ", ".join(f"{v['id']}({v.get('impact')})" for v in self.violations) or "-"
        return f"{self.page:<34} {counts}  {rules}"

    def details(self, violations: list[dict[str, Any]] | None = None) -> str:
        """Every violation with its rule, impact, help text and the elements it found."""
        lines = []
        for v in self.violations if violations is None else violations:
            lines.append(f"  {v['id']} ({v.get('impact')}): {v.get('help')} [{v.get('helpUrl')}]")
            for node in v.get("nodes", []):
                target = " ".join(str(t) for t in node.get("target", []))
                snippet = re.sub(r"\s+", " ", node.get("html", ""))[:160]
                lines.append(f"      {target}  {snippet}")
        return "\n".join(lines)


def table_header() -> str:
    counts = " ".join(f"{i:>8}" for i in IMPACTS)
    return f"{'page':<34} {counts}  rule ids (impact)"


AXE_RESULTS: list[AxeReport] = []  # filled by run_axe; printed in the terminal summary


def run_axe(page: Page, name: str) -> AxeReport:
    """Run axe-core (bundled with axe-playwright-python) for WCAG 2.0/2.1 A and AA."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    assert results.response["passes"], f"axe-core checked nothing on {page.url}"
    report = AxeReport(name, page.url, list(results.response["violations"]))
    print(f"\n{table_header()}\n{report.row()}" if not AXE_RESULTS else f"\n{report.row()}")
    AXE_RESULTS.append(report)
    if report.violations:
        print(report.details())
    return report


# ---- keyboard focus -----------------------------------------------------------------------

# What is focused, and whether its focus can be seen: a computed outline (style not none,
# width above 0) or a box-shadow.
FOCUS_INFO = """
(selector) => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) {
    return {tag: 'body', matches: false, visible: false, describe: 'body'};
  }
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  const text = (el.getAttribute('aria-label') || el.innerText || el.value || '').trim();
  const name = el.getAttribute('name');
  const describe = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (name ? '[name=' + name + ']' : '')
    + (el.getAttribute('href') ? '[href=' + el.getAttribute('href') + ']' : '')
    + (text ? ' "' + text.slice(0, 40).replace(/\\s+/g, ' ') + '"' : '');
  return {
    tag: el.tagName.toLowerCase(), id: el.id, text: text,
    matches: selector ? el.matches(selector) : false,
    visible: outline || shadow,
    style: 'outline: ' + s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor
      + '; box-shadow: ' + s.boxShadow,
    describe: describe,
  };
}
"""


@dataclass
class FocusTrail:
    """Every element the keyboard focused, and those whose focus was not visible."""

    page: Page
    seen: list[str] = field(default_factory=list)
    invisible: list[str] = field(default_factory=list)

    def current(self, selector: str = "") -> dict[str, Any]:
        info: dict[str, Any] = self.page.evaluate(FOCUS_INFO, selector)
        return info

    def note(self, info: dict[str, Any]) -> None:
        where = f"{info['describe']} on {self.page.url}"
        self.seen.append(where)
        if info["tag"] != "body" and not info["visible"]:
            self.invisible.append(f"{where} ({info.get('style')})")
            print(f"no visible focus: {where} ({info.get('style')})")

    def press(self, key: str, selector: str = "") -> dict[str, Any]:
        """Press a key and record what has focus afterwards."""
        self.page.keyboard.press(key)
        info = self.current(selector)
        self.note(info)
        return info

    def tab_to(self, selector: str, *, backwards: bool = False, limit: int = 80) -> None:
        """Tab (or Shift+Tab) until the focused element matches `selector`."""
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(limit):
            if self.press(key, selector)["matches"]:
                return
        raise AssertionError(
            f"{selector} not reached with {limit}x {key} on {self.page.url}; focused: "
            + " > ".join(self.seen[-limit:])
        )
