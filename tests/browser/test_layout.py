"""Layout of every page type at desktop (1366×900) and phone (390×844) width.

Each page of test_axe's list, plus the forms only some roles or states show (a new collection,
a lesson form with errors, the privacy warnings with the curator's override forms), is opened
at both sizes; a full-page screenshot goes to $LEERWIKI_SCREENSHOT_DIR (default: a folder
below pytest's temporary directory, printed) so a person can look at them. The test fails on:

- horizontal overflow: `document.scrollingElement.scrollWidth > innerWidth`, i.e. the page
  scrolls sideways (a wide table must scroll inside its own container instead);
- an unstyled form control. Criterion: every visible input (except hidden, checkbox, radio),
  select, textarea and button is compared with the same control created inside a shadow root
  in the same page. Author stylesheets do not reach into a shadow root, so that twin has the
  browser's default look (only inherited properties such as color pass the boundary). A
  control whose padding, border (width, style, colour), border radius and font size all equal
  its twin's is one our stylesheet does not style: the "tiny inline box" look. Comparing with
  the browser's own default, instead of with fixed numbers, keeps the test valid when the
  stylesheet's values change;
- in a stacked form (`form.stacked`, and the `.field` blocks of the lesson form) a text
  control narrower than 90 % of its form (label above a full-width control), or a textarea
  lower than 4.5 lines of text (at least 72 px).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .support import expect
from .test_axe import CASES, Case

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

    NewContext = Callable[..., BrowserContext]

VIEWPORTS = {"desktop": (1366, 900), "phone": (390, 844)}
PRIVACY_LESSON = "wijkdashboard-sociaal-domein"

# Returns the problems on the page as strings (empty: none).
CHECK_LAYOUT = """
() => {
  const problems = [];
  const root = document.scrollingElement;
  if (root.scrollWidth > window.innerWidth) {
    // The innermost elements that reach past the right edge: where the overflow comes from.
    const over = el => el.getBoundingClientRect().right > window.innerWidth + 1;
    const wide = [...document.querySelectorAll('body *')]
      .filter(el => over(el) && ![...el.children].some(over))
      .slice(0, 5)
      .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (typeof el.className === 'string' && el.className ? '.' + el.className : '')
        + ' "' + (el.textContent || '').trim().slice(0, 30) + '"');
    problems.push('horizontal overflow: scrollWidth ' + root.scrollWidth + ' > innerWidth '
      + window.innerWidth + ' (widest: ' + wide.join(', ') + ')');
  }
  const host = document.createElement('div');
  document.body.appendChild(host);
  const shadow = host.attachShadow({mode: 'open'});
  const props = ['padding-top', 'padding-left', 'border-top-width', 'border-top-style',
                 'border-top-color', 'border-top-left-radius', 'font-size'];
  const describe = el => el.tagName.toLowerCase() + (el.type ? '[type=' + el.type + ']' : '')
    + (el.id ? '#' + el.id : '') + (el.name ? '[name=' + el.name + ']' : '');
  const controls = document.querySelectorAll('input, select, textarea, button');
  for (const el of controls) {
    if (el.closest('[hidden]') || host.contains(el)) continue;
    const type = (el.getAttribute('type') || '').toLowerCase();
    if (el.tagName === 'INPUT' && ['hidden', 'checkbox', 'radio'].includes(type)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not shown
    const twin = document.createElement(el.tagName.toLowerCase());
    if (type) twin.setAttribute('type', type);
    shadow.appendChild(twin);
    const mine = getComputedStyle(el), plain = getComputedStyle(twin);
    if (props.every(p => mine.getPropertyValue(p) === plain.getPropertyValue(p))) {
      problems.push('unstyled control: ' + describe(el));
    }
    twin.remove();
    const stacked = el.closest('form.stacked, .field');
    const text = el.tagName === 'TEXTAREA' || el.tagName === 'SELECT'
      || (el.tagName === 'INPUT' && !['submit', 'button', 'reset', 'file'].includes(type));
    if (stacked && text) {
      const form = el.closest('form.stacked') || stacked;
      const room = form.clientWidth - parseFloat(getComputedStyle(form).paddingLeft)
        - parseFloat(getComputedStyle(form).paddingRight);
      if (box.width < 0.9 * room) {
        problems.push('narrow control in a stacked form: ' + describe(el) + ' is '
          + Math.round(box.width) + ' px of ' + Math.round(room) + ' px');
      }
      if (el.tagName === 'TEXTAREA') {
        const line = parseFloat(mine.lineHeight) || parseFloat(mine.fontSize) * 1.2;
        if (box.height < Math.max(72, 4.5 * line) - 1) {
          problems.push('low textarea: ' + describe(el) + ' is ' + Math.round(box.height)
            + ' px high');
        }
      }
    }
  }
  host.remove();
  return problems;
}
"""


def new_collection(page: Page, request: pytest.FixtureRequest) -> None:
    page.goto("/collections/new")
    expect(page.locator("#introduction")).to_be_visible()


def lesson_form_with_errors(page: Page, request: pytest.FixtureRequest) -> None:
    page.goto("/lessons/new")
    page.locator("#title").fill("")
    page.locator("#municipality").fill("Gemeente Nergensland")
    page.locator("button[name=save]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    page.wait_for_load_state("networkidle")


def privacy_warnings(page: Page, request: pytest.FixtureRequest) -> None:
    """A curator publishes text with a person's name: the warnings and the override forms."""
    page.goto(f"/lessons/{PRIVACY_LESSON}/edit")
    body = page.locator("#body")
    body.fill(body.input_value() + "\nGesprek met mevrouw Jansen uit de Dorpsstraat 12.\n")
    page.locator("button[name=save]").click()
    expect(page.locator(".findings form").first).to_be_visible()
    page.wait_for_load_state("networkidle")


LAYOUT_CASES = [
    *CASES,
    Case("new collection form", new_collection, "curator"),
    Case("lesson form with errors", lesson_form_with_errors, "author-a"),
    Case("privacy warnings with override forms", privacy_warnings, "curator"),
]


def screenshot_dir(factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("LEERWIKI_SCREENSHOT_DIR")
    if configured:
        folder = Path(configured)
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return factory.getbasetemp() / "screenshots"


def _id(name: str) -> str:
    return re.sub(r"\W+", "-", name).strip("-")


@pytest.mark.parametrize("size", list(VIEWPORTS))
@pytest.mark.parametrize("case", LAYOUT_CASES, ids=[_id(c.name) for c in LAYOUT_CASES])
def test_layout(
    case: Case,
    size: str,
    new_context: NewContext,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    width, height = VIEWPORTS[size]
    page = new_context(case.role).new_page()
    page.set_viewport_size({"width": width, "height": height})
    case.open(page, request)
    folder = screenshot_dir(tmp_path_factory)
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / f"{_id(case.name)}-{width}x{height}.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"\n{case.name} at {width}×{height}: {shot}")
    problems: list[Any] = page.evaluate(CHECK_LAYOUT)
    assert not problems, f"{case.name} at {width}×{height} ({page.url}):\n  " + "\n  ".join(
        problems
    )
