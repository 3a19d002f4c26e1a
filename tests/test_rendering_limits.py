"""The renderer's input bounds: hostile Markdown is refused quickly, ordinary lessons are not."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest

from wiki import rendering, rendering_limits
from wiki.lessonfile import parse
from wiki.rendering import LinkResolver, TooComplex, render

ROOT = Path(__file__).resolve().parent.parent
NO_LINKS = LinkResolver(exists=lambda slug: False)

HOSTILE = {  # name: (body, the limit that refuses it)
    "nested brackets (the issue)": ("[" * 4000 + "x" + "]" * 4000, "markup"),
    "nested brackets, within the markup limit": ("[" * 40 + "x" + "]" * 40, "brackets"),
    "unclosed brackets": ("[a " * 17, "brackets"),
    "unclosed brackets in long paragraphs": (((("[a " + "x" * 300) * 10) + "\n\n") * 10, "scan"),
    "list markers on one line (the issue)": ("- " * 100000 + "x", "length"),
    "list markers on one line": ("- " * 5000 + "x", "nesting"),
    "1000-level list (the issue)": ("\n".join("    " * i + "- x" for i in range(1000)), "length"),
    "200-level list": ("\n".join("    " * i + "- x" for i in range(200)), "nesting"),
    "100k asterisks (the issue)": ("*" * 100000, "markup"),
    "nested emphasis": ("*" * 20 + "x" + "*" * 20, "emphasis"),
    "nested emphasis, mixed": ("*_" * 10 + "x" + "_*" * 10, "emphasis"),
    "deep block quote": (">" * 40 + " x", "nesting"),
    "unclosed tags": ("<a " * 400 + "x" * 2000, "scan"),
    "backtick runs": ("\n".join("`" * (i % 10 + 1) + "a" + "x" * 300 for i in range(300)), "scan"),
    "nested link destination": ("[a](" + "(" * 150000, "scan"),
    "many paragraphs": ("a\n\n" * 3000, "text-lines"),
    "longer than a lesson may be": ("woord " * 40000, "length"),
    "many text lines": ("a\n" * 1001, "text-lines"),
    "many headings": ("# kop\n" * 301, "headings"),
    "links in one long paragraph": ("[a](b) " * 1400, "paragraph"),
}


@pytest.mark.parametrize(("body", "limit"), HOSTILE.values(), ids=list(HOSTILE))
def test_hostile_markdown_is_refused_fast_and_names_the_limit(body, limit):
    started = time.process_time()
    with pytest.raises(TooComplex) as refused:
        render(body, NO_LINKS)
    assert time.process_time() - started < 0.5
    assert refused.value.limit == limit
    assert refused.value.limit in rendering_limits.LIMITS


def test_the_refusal_names_the_line():
    body = "Intro.\n\nTweede.\n\n" + "[" * 20 + "x"
    with pytest.raises(TooComplex) as refused:
        render(body, NO_LINKS)
    assert refused.value.line == 5


@pytest.mark.parametrize(
    "body",
    [
        "**vet**, *nadruk*, `code`, [link](https://example.org) en [[een les]]\n",
        "- a\n    - b\n        - c\n",
        "> citaat\n> > in citaat\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n",
        "snake_case_names_with_many_parts_in_one_word_here_and_there_and_more\n",
        "5 * 3 * 2 * 1 = 30, en < 10 of > 3\n",
        "```\n" + "[" * 10 + "\n```\n",
    ],
)
def test_ordinary_markdown_renders(body):
    render(body, NO_LINKS)


def test_the_sample_lessons_render_exactly_as_before():
    """Hashes of the HTML and table of contents each sample lesson had before the limits."""
    expected = json.loads((ROOT / "tests" / "data" / "content_rendered.json").read_text())
    paths = sorted((ROOT / "content").glob("*.md"))
    resolver = LinkResolver(exists={p.stem for p in paths}.__contains__)
    assert sorted(expected) == [p.name for p in paths]
    for path in paths:
        result = render(parse(path.read_bytes()).body, resolver)
        digest = hashlib.sha256((result.html + "\n" + result.toc_json()).encode()).hexdigest()
        assert digest == expected[path.name], path.name


def test_external_images_become_links_and_local_ones_stay():
    body = (
        "![pixel](https://tracker.example/p.gif) ![logo](/static/logo.png) "
        "![rel](plaatje.png) ![x](//tracker.example/x.gif) "
        '<img src="https://tracker.example/raw.gif" alt="&lt;b&gt;"> '
        "[![binnen](https://tracker.example/in.gif)](https://example.org)"
    )
    html = render(body, NO_LINKS).html
    assert "tracker.example/p.gif" in html and '<img alt="pixel"' not in html
    assert '<a href="https://tracker.example/p.gif" rel="noopener noreferrer"' in html
    assert '<img alt="logo" src="/static/logo.png">' in html
    assert '<img alt="rel" src="plaatje.png">' in html
    assert ">x</a>" in html and 'src="//tracker.example' not in html
    assert ">&lt;b&gt;</a>" in html and "<b>" not in html
    assert '<a href="https://example.org" rel="noopener noreferrer">binnen</a>' in html
    assert "<img" not in html.replace('<img alt="logo"', "").replace('<img alt="rel"', "")


def test_html_cached_before_the_rule_loses_its_external_images():
    cached = '<p><img alt="oud" src="https://tracker.example/p.gif"></p>'
    shown = rendering.localise(cached)
    assert "<img" not in shown and ">oud</a>" in shown
