"""Markdown rendering: sanitised output, wiki links and the table of contents."""

from __future__ import annotations

import pytest

from wiki.rendering import LinkResolver, find_links, render

NO_LINKS = LinkResolver(exists=lambda slug: False)

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[klik](javascript:alert(1))",
    "[klik](JaVaScRiPt:alert(1))",
    "[klik](  javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '<iframe src="https://example.org"></iframe>',
    "<body onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "![x](javascript:alert(1))",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<details open ontoggle=alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    '<object data="javascript:alert(1)"></object>',
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    '<input autofocus onfocus="alert(1)">',
    "<scr<script>ipt>alert(1)</script>",
    "[[x|<img src=x onerror=alert(1)>]]",
    '<a href="https://example.org" onclick="alert(1)">x</a>',
]


@pytest.mark.parametrize("vector", XSS)
def test_no_script_survives_rendering(vector):
    html = render(f"Tekst {vector} einde", NO_LINKS).html.lower()
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onerror" not in html and "onload" not in html and "onclick" not in html
    assert "onfocus" not in html and "ontoggle" not in html
    assert "<iframe" not in html and "<object" not in html and "<form" not in html
    assert "style=" not in html and "data:text/html" not in html


def test_markdown_features_survive_sanitising():
    body = "## Kop\n\n**cruciaal** en *nadruk*\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[site](https://example.org)\n"
    html = render(body, NO_LINKS).html
    assert '<h2 id="h-kop">Kop</h2>' in html
    assert "<strong>cruciaal</strong>" in html and "<em>nadruk</em>" in html
    assert "<table>" in html and "<td>1</td>" in html
    assert 'href="https://example.org"' in html


def test_wiki_links_existing_missing_and_labelled():
    resolver = LinkResolver(exists=lambda slug: slug == "bestaat")
    html = render("[[bestaat]] en [[Nog Niet|nieuwe les]]", resolver).html
    assert '<a class="wikilink" href="/lessons/bestaat"' in html
    assert 'class="wikilink missing" href="/lessons/new?slug=nog-niet"' in html
    assert ">nieuwe les</a>" in html
    assert find_links("[[a]] [[B c|x]] [[a]]") == {"a", "b-c"}


def test_table_of_contents_and_prefixed_anchors():
    rendered = render("# Titel\n\n## Aanleiding & doel\n\n### Detail\n\n## Aanpak\n", NO_LINKS)
    assert rendered.toc == [
        {"level": 2, "id": "h-aanleiding-doel", "name": "Aanleiding & doel"},
        {"level": 3, "id": "h-detail", "name": "Detail"},
        {"level": 2, "id": "h-aanpak", "name": "Aanpak"},
    ]
