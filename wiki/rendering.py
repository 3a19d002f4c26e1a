"""Markdown to safe HTML. The only place where user content becomes `Markup`.

Pipeline: Markdown (with wiki links and a table of contents) -> HTML -> nh3 allowlist.
Sanitising is not optional: every caller gets sanitised output. Input that would make
Python-Markdown slow is refused first (`rendering_limits.check`, raising `TooComplex`), and
images only show when the wiki serves them itself: an image from another site would tell that
site who reads the lesson, so it becomes a link with its alt text.

Rendered HTML is cached per revision and shared by every visitor, so it holds no interface
text: `localise` adds the tooltip of links to missing lessons in the visitor's language when
the HTML is shown (`as_markup` does it).
"""

from __future__ import annotations

import html
import json
import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import markdown
import nh3
from flask_babel import gettext
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.inlinepatterns import InlineProcessor
from markupsafe import Markup

from wiki.rendering_limits import MAX_DEPTH, TooComplex, check

__all__ = ["TooComplex"]  # raised by `render`; the limits live in wiki/rendering_limits.py

WIKI_LINK_RE = r"\[\[([^\]|\n]{1,200})(?:\|([^\]\n]{1,200}))?\]\]"
_WIKI_LINK_SCAN = re.compile(WIKI_LINK_RE)

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p",
    "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
    **{f"h{n}": {"id"} for n in range(1, 7)},
}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


def link_target(raw: str) -> str:
    """The slug a wiki link points to: `[[Schuldhulp Tilburg]]` -> `schuldhulp-tilburg`."""
    # Local import: validation imports nothing from here, so no cycle, but keep it lazy.
    from wiki.services.validation import slugify

    return slugify(raw)


def find_links(body: str) -> set[str]:
    """Every slug the body links to with `[[...]]`."""
    return {s for s in (link_target(m.group(1)) for m in _WIKI_LINK_SCAN.finditer(body)) if s}


@dataclass
class Rendered:
    """Sanitised HTML and a table of contents (level, anchor, text)."""

    html: str
    toc: list[dict[str, Any]] = field(default_factory=list)

    def toc_json(self) -> str:
        return json.dumps(self.toc, ensure_ascii=False)


class _WikiLinkProcessor(InlineProcessor):
    def __init__(self, pattern: str, md: markdown.Markdown, resolver: LinkResolver) -> None:
        super().__init__(pattern, md)
        self.resolver = resolver

    def handleMatch(  # noqa: N802 - the name Python-Markdown calls
        self, m: re.Match[str], data: str
    ) -> tuple[etree.Element, int, int]:
        slug = link_target(m.group(1))
        label = (m.group(2) or m.group(1)).strip()
        element = etree.Element("a")
        element.text = label
        if slug and self.resolver.exists(slug):
            element.set("href", self.resolver.url(slug))
            element.set("class", "wikilink")
        else:
            element.set("href", self.resolver.create_url(slug))
            element.set("class", "wikilink missing")  # its title is added by `localise`
        return element, m.start(0), m.end(0)


class _WikiLinkExtension(Extension):
    def __init__(self) -> None:
        super().__init__()
        self.processor: _WikiLinkProcessor | None = None

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        self.processor = _WikiLinkProcessor(WIKI_LINK_RE, md, LinkResolver(exists=_nothing))
        md.inlinePatterns.register(self.processor, "wikilink", 75)


def _nothing(slug: str) -> bool:
    return False


_local = threading.local()


def _converter() -> tuple[markdown.Markdown, _WikiLinkExtension]:
    """One Markdown instance per thread: building one costs more than a typical conversion."""
    cached = getattr(_local, "converter", None)
    if cached is None:
        links = _WikiLinkExtension()
        md = markdown.Markdown(
            extensions=["tables", "fenced_code", "sane_lists", "toc", links],
            extension_configs={"toc": {"slugify": _anchor, "toc_depth": "2-4"}},
            output_format="html",
        )
        cached = _local.converter = (md, links)
    return cached


@dataclass
class LinkResolver:
    """How wiki links become URLs: `exists` says whether a slug is a lesson."""

    exists: Callable[[str], bool]
    prefix: str = "/lessons/"

    def url(self, slug: str) -> str:
        return f"{self.prefix}{slug}"

    def create_url(self, slug: str) -> str:
        return f"{self.prefix}new?slug={slug}" if slug else f"{self.prefix}new"


def _anchor(value: str, separator: str) -> str:
    # Prefix anchors so content can never clobber ids the page itself uses.
    return "h-" + str(slugify_unicode(value, separator))


def render(body: str, resolver: LinkResolver) -> Rendered:
    """Render Markdown to sanitised HTML with a table of contents.

    Raises TooComplex for a body that would take long to render (see rendering_limits).
    """
    check(body)
    md, links = _converter()
    md.reset()
    assert links.processor is not None  # noqa: S101 - set when the converter was built
    links.processor.resolver = resolver
    try:
        raw = md.convert(body)
    except RecursionError as exc:  # a nesting the linear check did not foresee: still a 4xx
        raise TooComplex("nesting", MAX_DEPTH + 1, MAX_DEPTH) from exc
    toc = [
        {"level": level, "id": token["id"], "name": html.unescape(token["name"])}
        for level, token in _flatten(getattr(md, "toc_tokens", []))
    ]
    return Rendered(html=local_images(sanitise(raw)), toc=toc)


def plain(body: str) -> str:
    """The body as escaped preformatted text: how a stored body the renderer refuses shows."""
    return f'<pre class="unrendered">{html.escape(body, quote=False)}</pre>'


def _flatten(tokens: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    flat: list[tuple[int, dict[str, Any]]] = []
    for token in tokens:
        flat.append((int(token["level"]), token))
        flat.extend(_flatten(token.get("children", [])))
    return flat


def sanitise(raw_html: str) -> str:
    """Keep only the allowlisted tags, attributes and URL schemes."""
    return str(
        nh3.clean(
            raw_html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=ALLOWED_SCHEMES,
            link_rel="noopener noreferrer",
            strip_comments=True,
        )
    )


# An <img> and an <a> as nh3 writes them: attribute values always in double quotes.
_TAG = re.compile(r'<(img|a)((?:\s+[\w:-]+(?:="[^"]*")?)*)\s*/?>|</a>')
_ATTRIBUTE = re.compile(r'([\w:-]+)="([^"]*)"')


def is_local(url: str) -> bool:
    """Whether a (sanitised) URL is served by the wiki itself: a path, never another host."""
    url = html.unescape(url).strip()
    if url.startswith(("//", "/\\", "\\")):  # browsers read "/\host" as "//host"
        return False
    return re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", url) is None


def local_images(sanitised_html: str) -> str:
    """Images from other sites become a link with their alt text (inside a link: the text).

    Idempotent, so it also cleans HTML rendered (and cached) before this rule existed.
    """
    if "<img" not in sanitised_html:
        return sanitised_html
    depth = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal depth
        if match.group(1) != "img":
            depth += 1 if match.group(1) == "a" else -1 if depth else 0
            return match.group(0)
        attributes = dict(_ATTRIBUTE.findall(match.group(2) or ""))
        src = attributes.get("src", "")
        if src and is_local(src):
            return match.group(0)
        text = html.escape(html.unescape(attributes.get("alt") or src), quote=False)
        if depth or not src:
            return text
        href = html.escape(html.unescape(src), quote=True)
        return f'<a href="{href}" rel="noopener noreferrer" class="external-image">{text}</a>'

    return _TAG.sub(replace, sanitised_html)


# A link to a missing lesson as nh3 writes it, with the title an older render may have stored.
_MISSING_LINK = re.compile(r'(<a class="wikilink missing" href="[^"<>]*")(?: title="[^"<>]*")?')


def localise(sanitised_html: str) -> str:
    """Give links to missing lessons their tooltip in the current language (idempotent)."""
    sanitised_html = local_images(sanitised_html)  # for HTML cached before images were local
    if 'class="wikilink missing"' not in sanitised_html:
        return sanitised_html
    title = html.escape(gettext("This lesson does not exist yet: create it"), quote=True)
    return _MISSING_LINK.sub(lambda m: f'{m.group(1)} title="{title}"', sanitised_html)


def as_markup(sanitised_html: str) -> Markup:
    """Mark HTML that came out of `render` as safe for Jinja, with its interface text added."""
    return Markup(localise(sanitised_html))  # noqa: S704 - sanitised by nh3 in render()


def highlight(snippet: str) -> Markup:
    """A search snippet with its match markers turned into <mark>; the text itself is escaped."""
    from wiki.search.engine import HIT_END, HIT_START

    escaped = str(Markup.escape(snippet))
    return Markup(escaped.replace(HIT_START, "<mark>").replace(HIT_END, "</mark>"))  # noqa: S704
