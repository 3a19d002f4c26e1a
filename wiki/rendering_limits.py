"""Input bounds for the Markdown renderer: a linear-time check that runs before Python-Markdown.

Python-Markdown is quadratic (or recursive) on some input shapes, and costs tens of
microseconds per block and per inline element even on ordinary text. `check` refuses, in time
linear in the body, every body whose shape would tie a worker for long; `bench/render_bench.py`
measures what is left. The limits are far above what a lesson needs: the 44 sample lessons
have at most 16 lines with text, 5 headings, no nesting and about 50 markup characters.

Each limit names the cost it bounds (measured with the bench before the limit existed):
- length: plain text costs about 0.5 ms per 1,000 characters;
- lines with text: every paragraph, list item, heading and table row costs
  0.1-0.25 ms;
- markup characters (`*_`[]<>|&\\!#`): every link, emphasis, tag, entity costs ~0.1 ms;
- headings: the table of contents makes duplicate anchors in quadratic time;
- nesting of lists and block quotes, brackets and emphasis: recursion (RecursionError);
- how far unclosed or nested `[`, `](`, backticks and `<` make the parser scan: each one
  scans to its closing character or to the end of its paragraph (or document), so n of them
  in a long text cost n times its length;
- markup in a long paragraph: every link, emphasis or tag copies the rest of its paragraph.
"""

from __future__ import annotations

import re

MAX_LENGTH = 200_000  # plain text alone costs about 0.5 ms per 1,000 characters
MAX_TEXT_LINES = 1_000
MAX_MARKUP = 3_000
MAX_HEADINGS = 300
MAX_DEPTH = 16
MAX_SCAN = 100_000  # characters scanned for closing brackets, parentheses, backticks and `>`
MAX_PARAGRAPH = 5_000_000  # markup characters in a paragraph times its length

MARKUP = "*_`[]<>|&\\!#"

_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)|^ {0,3}(?:=+|-+)[ \t]*$", re.MULTILINE)
# One container marker at the start of a line: a list item marker or a block quote marker.
_CONTAINER = re.compile(r"[ \t]*(?:(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)|>)")
_CONTAINER_LINE = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)|^[ \t]*>", re.MULTILINE)
_TEXT_LINE = re.compile(r"^[ \t]*\S", re.MULTILINE)
# Blank lines end a paragraph; a run of them is one token, so empty lines cost nothing here.
_PARAGRAPH_END = r"\n\s*\n"
_BRACKET_TOKENS = re.compile(rf"\\.|[\[\]]|{_PARAGRAPH_END}", re.DOTALL)
_BACKTICK_RUNS = re.compile(rf"\\`|`+|{_PARAGRAPH_END}")
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_DESTINATION = re.compile(r"\]\(")
# Where Python-Markdown's inline text ends: blank lines, and lines that start a list item,
# quote, table row or heading (each of those is inline-processed on its own).
_PARAGRAPHS = re.compile(rf"{_PARAGRAPH_END}|\n(?=[ \t]*(?:[-*+>|#]|\d{{1,9}}[.)]))")
_EMPHASIS_RUNS = re.compile(rf"\\.|[*_]+|{_PARAGRAPH_END}", re.DOTALL)


LIMITS = (
    "length",
    "text-lines",
    "markup",
    "headings",
    "nesting",
    "brackets",
    "emphasis",
    "scan",
    "paragraph",
)


class TooComplex(ValueError):
    """The body exceeds `limit` (one of LIMITS): `found` against `maximum`, at `line` (0: none)."""

    def __init__(self, limit: str, found: int, maximum: int, line: int = 0) -> None:
        super().__init__(f"{limit}: {found} > {maximum}" + (f" (line {line})" if line else ""))
        self.limit = limit
        self.found = found
        self.maximum = maximum
        self.line = line


def check(body: str) -> None:
    """Raise TooComplex when rendering `body` could take long; linear in its length."""
    if len(body) > MAX_LENGTH:  # the preview gets no other length check
        raise TooComplex("length", len(body), MAX_LENGTH)
    text_lines = len(_TEXT_LINE.findall(body))
    if text_lines > MAX_TEXT_LINES:
        raise TooComplex("text-lines", text_lines, MAX_TEXT_LINES)
    markup = sum(body.count(c) for c in MARKUP)
    if markup > MAX_MARKUP:
        raise TooComplex("markup", markup, MAX_MARKUP)
    headings = len(_HEADING.findall(body))
    if headings > MAX_HEADINGS:
        raise TooComplex("headings", headings, MAX_HEADINGS)
    _check_nesting(body)
    scanned = _bracket_scan(body) + _backtick_scan(body) + _tag_scan(body) + _link_scan(body)
    if scanned > MAX_SCAN:
        raise TooComplex("scan", scanned, MAX_SCAN)
    _check_emphasis(body)
    _check_paragraphs(body)


def _line_of(body: str, position: int) -> int:
    return body.count("\n", 0, position) + 1


def _check_nesting(body: str) -> None:
    """Lists and block quotes: markers chained at a line's start, plus its indentation."""
    for start in _CONTAINER_LINE.finditer(body):  # at most MAX_LINES: `check` counted them
        end = body.find("\n", start.start())
        line = body[start.start() : end if end >= 0 else len(body)]
        markers = 0
        position = 0
        while markers <= MAX_DEPTH and (match := _CONTAINER.match(line, position)) is not None:
            markers += 1
            position = match.end()
        if not markers:
            continue
        # Four columns of indentation before a marker are one more level of nesting.
        indent = len(line) - len(line.lstrip(" \t"))
        depth = markers + len(line[:indent].expandtabs(4)) // 4
        if depth > MAX_DEPTH:
            raise TooComplex("nesting", depth, MAX_DEPTH, _line_of(body, start.start()))


def _bracket_scan(body: str) -> int:
    """Characters the link patterns scan: each `[` up to its `]`, or to its paragraph's end."""
    scanned = 0
    open_at: list[int] = []
    for token in _BRACKET_TOKENS.finditer(body):
        text = token.group()
        if text == "[":
            open_at.append(token.start())
            if len(open_at) > MAX_DEPTH:
                raise TooComplex("brackets", len(open_at), MAX_DEPTH, _line_of(body, token.start()))
        elif text == "]":
            if open_at:
                scanned += token.start() - open_at.pop()
        elif text[0] == "\n":
            scanned += sum(token.start() - start for start in open_at)
            open_at.clear()
    scanned += sum(len(body) - start for start in open_at)
    return scanned


def _backtick_scan(body: str) -> int:
    """Characters the code pattern scans: each backtick run to the next run as long, or the
    paragraph's end (an upper bound: runs inside code spans are counted too)."""
    runs: list[tuple[int, int]] = []  # (position, length); length 0 ends a paragraph
    for token in _BACKTICK_RUNS.finditer(body):
        text = token.group()
        if text[0] == "\\":
            continue
        runs.append((token.start(), len(text) if text[0] == "`" else 0))
    scanned = 0
    next_run: dict[int, int] = {}
    paragraph_end = len(body)
    for position, length in reversed(runs):
        if length == 0:
            paragraph_end = position
            next_run.clear()
            continue
        scanned += next_run.get(length, paragraph_end) - position
        next_run[length] = position
    return scanned


def _tag_scan(body: str) -> int:
    """Characters the HTML parser scans: from each `<` that may start a tag to the next `>`."""
    scanned = 0
    end = -1
    for match in _TAG_START.finditer(body):
        if end < match.start():  # the `>` found for an earlier `<` may close this one too
            end = body.find(">", match.start())
            if end < 0:
                end = len(body)
        scanned += end - match.start()
    return scanned


def _link_scan(body: str) -> int:
    """Characters the link pattern scans for a destination: from each `](` to the next `)`,
    or to the end of the text when a `(` comes first (nested parentheses)."""
    scanned = 0
    close = open_ = -1
    for match in _DESTINATION.finditer(body):
        start = match.end()
        if close < start:
            close = body.find(")", start)
            close = close if close >= 0 else len(body)
        if open_ < start:
            open_ = body.find("(", start)
            open_ = open_ if open_ >= 0 else len(body)
        scanned += (close if close < open_ else len(body)) - start
    return scanned


def _check_paragraphs(body: str) -> None:
    """Each inline match copies the rest of its paragraph: markup times length, per paragraph."""
    position = 0
    for piece in _PARAGRAPHS.split(body):
        markup = sum(piece.count(c) for c in MARKUP)
        if markup * len(piece) > MAX_PARAGRAPH:
            line = _line_of(body, body.find(piece, position))
            raise TooComplex("paragraph", markup * len(piece), MAX_PARAGRAPH, line)
        position += len(piece)


def _check_emphasis(body: str) -> None:
    """Emphasis that opens and does not close nests: count open `*`/`_` per paragraph."""
    depth = 0
    for token in _EMPHASIS_RUNS.finditer(body):
        text = token.group()
        if text[0] == "\\":
            continue
        if text[0] == "\n":
            depth = 0
            continue
        before = body[token.start() - 1] if token.start() else " "
        after = body[token.end()] if token.end() < len(body) else " "
        opens = not after.isspace()
        closes = not before.isspace()
        if closes and depth:
            depth = max(0, depth - len(text))
        elif opens:
            depth += len(text)
            if depth > MAX_DEPTH:
                raise TooComplex("emphasis", depth, MAX_DEPTH, _line_of(body, token.start()))
