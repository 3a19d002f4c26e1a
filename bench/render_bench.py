"""Renderer benchmark: the worst render time per input shape, at several sizes.

Usage: python bench/render_bench.py [--sizes 1000 8000 64000 500000] [--timeout 20]
       [--shapes brackets emphasis ...] [--repeat 3]

Every shape is an input that a hostile or careless author could save: deep brackets, nested
emphasis, nested lists and blockquotes, long runs of `*`, `_`, backticks and `<`, many links,
headings and wiki links, HTML-ish text, wide and long tables, and the sample lessons in
`content/` repeated. Each (shape, size) is rendered by `wiki.rendering.render` in a forked
child that is killed after `--timeout` seconds, so a quadratic shape prints ">20 s" instead of
running for an hour; once a shape times out, its larger sizes are not tried. A body the
renderer refuses prints "refused" with the time the refusal took. The largest default size
is the longest body validation allows (MAX_BODY).

Prints one line per shape: the worst of `--repeat` renders per size, in milliseconds of CPU
time of the rendering process (the machine is shared, so wall time would mostly measure the
neighbours); the timeout is wall time. The last line is the worst render over all shapes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wiki import rendering  # noqa: E402
from wiki.services.validation import MAX_BODY  # noqa: E402

NO_LINKS = rendering.LinkResolver(exists=lambda slug: False)


def _fit(unit: str, size: int) -> str:
    """`unit` repeated to `size` characters."""
    return (unit * (size // len(unit) + 1))[:size]


def _nested(open_: str, middle: str, close: str, size: int) -> str:
    depth = max(1, (size - len(middle)) // (len(open_) + len(close)))
    return open_ * depth + middle + close * depth


def _lines(make: Callable[[int], str], size: int) -> str:
    out: list[str] = []
    total = 0
    i = 0
    while total < size:
        line = make(i)
        out.append(line)
        total += len(line) + 1
        i += 1
    return "\n".join(out)


def _sample_lessons() -> str:
    from wiki.lessonfile import parse

    return "\n\n".join(
        parse(path.read_bytes()).body for path in sorted((ROOT / "content").glob("*.md"))
    )


SHAPES: dict[str, Callable[[int], str]] = {
    "brackets": lambda n: _nested("[", "x", "]", n),
    "image-brackets": lambda n: _nested("![", "x", "]", n),
    "link-brackets": lambda n: _nested("[", "x", "](y)", n),
    "open-brackets": lambda n: _fit("[", n),
    "open-parens-link": lambda n: "[a](" + _fit("(", n - 4),
    "emphasis-nested": lambda n: _nested("*", "x", "*", n),
    "emphasis-mixed": lambda n: _nested("*_", "x", "_*", n),
    "stars": lambda n: _fit("*", n),
    "underscores": lambda n: _fit("_", n),
    "stars-words": lambda n: _fit("*a ", n),
    "strong-open": lambda n: _fit("**a ", n),
    "backticks": lambda n: _fit("`", n),
    "backtick-words": lambda n: _fit("`a ", n),
    "backtick-runs": lambda n: _lines(lambda i: "`" * (i + 1) + "a", n),
    "lt": lambda n: _fit("<", n),
    "lt-words": lambda n: _fit("<a ", n),
    "html-open-tags": lambda n: _fit("<div>", n),
    "html-nested-inline": lambda n: _nested("<span>", "x", "</span>", n),
    "html-comment-open": lambda n: _fit("<!--", n),
    "autolinks": lambda n: _fit("<http://a.b> ", n),
    "list-dashes": lambda n: _fit("- ", n - 1) + "x",
    "list-indented": lambda n: _lines(lambda i: "    " * i + "- x", n),
    "list-ordered-indented": lambda n: _lines(lambda i: "    " * i + "1. x", n),
    "blockquote-deep": lambda n: _fit(">", n - 2) + " x",
    "blockquote-spaced": lambda n: _fit("> ", n - 1) + "x",
    "list-quote-mix": lambda n: _fit("- > ", n - 1) + "x",
    "many-links": lambda n: _fit("[a](http://b.c) ", n),
    "many-refs": lambda n: _lines(lambda i: f"[r{i}]: http://a.b/{i}\n[x][r{i}]", n),
    "many-wikilinks": lambda n: _fit("[[a b]] ", n),
    "many-headings": lambda n: _lines(lambda i: f"## Kop {i}", n),
    "many-images": lambda n: _fit("![a](/b.png) ", n),
    "table-wide": lambda n: (lambda cols: cols + "\n" + cols.replace("a", "-") + "\n" + cols)(
        _fit("|a", n // 3)
    ),
    "table-long": lambda n: "|a|b|\n|-|-|\n" + _lines(lambda i: f"|{i}|x|", n),
    "pipes": lambda n: _fit("|", n),
    "fence-open": lambda n: _lines(lambda i: "```", n),
    "indented-code": lambda n: _lines(lambda i: "    code", n),
    "entities": lambda n: _fit("&amp;", n),
    "escapes": lambda n: _fit("\\[", n),
    "newlines": lambda n: "\n" * n,
    "long-line": lambda n: _fit("woord ", n),
    "sample-lessons": lambda n: _fit(_sample_lessons() + "\n\n", n),
    "paragraphs": lambda n: _fit("a\n\n", n),
    "list-items": lambda n: _fit("- woord\n", n),
    "dup-headings": lambda n: _fit("## kop\n", n),
    "paragraph-links": lambda n: _fit("[a](b)\n\n", n),
    "paragraph-tags": lambda n: _fit("<b>a</b>\n\n", n),
    "paragraph-emphasis": lambda n: _fit("*a* _b_\n\n", n),
    "sparse-links": lambda n: _fit("[a](http://b.c) " + "x" * 250 + " ", n),
    "sparse-open-brackets": lambda n: _fit("[a " + "x" * 250 + " ", n),
    "sparse-backticks": lambda n: _lines(lambda i: "`" * (i % 50 + 1) + "a" + "x" * 200, n),
    "sparse-lt": lambda n: _fit("<a " + "x" * 250 + " ", n),
}


def _child(body: str, repeat: int, pipe: Connection) -> None:
    refusal = getattr(rendering, "TooComplex", ())  # the renderer's own refusal, once it has one
    worst = 0.0
    outcome = ""
    for _ in range(repeat):
        started = time.process_time()
        try:
            rendering.render(body, NO_LINKS)
        except refusal:
            outcome = "refused"
        except Exception as exc:  # noqa: BLE001 - what a request would have turned into a 500
            outcome = type(exc).__name__
        worst = max(worst, time.process_time() - started)
    pipe.send((worst, outcome))


def measure(body: str, repeat: int, timeout: float) -> tuple[float | None, str]:
    """The worst of `repeat` renders in seconds (None: timed out), and "refused" or an error."""
    parent, child = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("fork").Process(target=_child, args=(body, repeat, child))
    process.start()
    child.close()
    if parent.poll(timeout):
        worst, refused = parent.recv()
        process.join()
        return worst, refused
    process.kill()
    process.join()
    return None, ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1000, 8000, 20000, 64000, MAX_BODY]
    )
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shapes", nargs="+", choices=sorted(SHAPES), default=list(SHAPES))
    args = parser.parse_args()
    has_limits = hasattr(rendering, "TooComplex")
    rendering.render("*warm*", NO_LINKS)  # build the converter once, before the children fork
    print(
        f"worst of {args.repeat} renders in ms; '>N s' timed out; 'refused': the renderer refused; "
        "an exception name: what a request would have answered with a 500"
    )
    print(f"input limits in the renderer: {'yes' if has_limits else 'no'}")
    print(f"{'shape':<24}" + "".join(f"{size:>22,}" for size in args.sizes))
    overall = 0.0
    for name in args.shapes:
        cells: list[str] = []
        timed_out = False
        for size in args.sizes:
            if timed_out:
                cells.append("skipped")
                continue
            body = SHAPES[name](size)
            worst, outcome = measure(body, args.repeat, args.timeout)
            if worst is None:
                timed_out = True
                cells.append(f">{args.timeout:g} s")
                overall = max(overall, args.timeout)
                continue
            overall = max(overall, worst)
            cells.append(f"{worst * 1000:.0f}" + (f" {outcome}" if outcome else ""))
        print(f"{name:<24}" + "".join(f"{cell:>22}" for cell in cells), flush=True)
    print(f"worst render: {'>' if overall >= args.timeout else ''}{overall * 1000:.0f} ms")


if __name__ == "__main__":
    main()
