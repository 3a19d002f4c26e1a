"""Synthetic Dutch lessons for benchmarks, calibrated on the real sample lessons in content/.

Each synthetic lesson takes its sections from one real sample lesson (sentences shuffled, one
word in twelve swapped for a word drawn from the whole sample corpus) and now and then borrows
a sentence from another lesson. Every lesson also coins a few compounds of two sample words,
so the vocabulary keeps growing with the corpus as real text does (Heaps' law). Document
frequencies therefore follow the real ones: 'wijkteam' is in about a third of the lessons,
as in content/, and the section words ('aanpak', 'resultaat') are in all of them.

An earlier version drew every word from a list of 50, which put every word in every lesson;
that measured a worst case no real corpus has (it is kept as the 'every lesson' query).
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from pathlib import Path

from wiki import lessonfile
from wiki.services.municipalities import read_data_file
from wiki.services.validation import slugify

CONTENT = Path(__file__).resolve().parent.parent / "content"
HEADING = re.compile(r"^## (.+)$", re.MULTILINE)
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
RARE_WORD = "kangoeroezorg"  # in one lesson of every 997


@lru_cache(maxsize=1)
def _samples() -> tuple[list[dict], list[str], list[str]]:
    """The real lessons as (front matter, {heading: sentences}), all words, content words."""
    lessons, words = [], []
    for path in sorted(CONTENT.glob("*.md")):
        parsed = lessonfile.parse(path.read_bytes())
        parts = HEADING.split(parsed.body)
        sections = {}
        for heading, text in zip(parts[1::2], parts[2::2], strict=True):
            text = re.sub(r"^\s*[-*] ", "", text, flags=re.MULTILINE)
            sections[heading.strip()] = [s.strip() for s in SENTENCE.split(text) if s.strip()]
        lessons.append({"fm": parsed.front_matter, "sections": sections})
        words.extend(re.findall(r"[^\W\d_]+", parsed.body))
    content_words = sorted({w.lower() for w in words if len(w) >= 5})
    return lessons, words, content_words


def _perturb(sentence: str, rng: random.Random, words: list[str], coined: list[str]) -> str:
    out = []
    for token in sentence.split(" "):
        roll = rng.random()
        if roll < 1 / 12:
            token = rng.choice(words)
        elif roll < 1 / 12 + 1 / 80:
            token = rng.choice(coined)
        elif token.isdigit():
            token = str(rng.randint(2, 95))
        out.append(token)
    return " ".join(out)


def write_lessons(folder: Path, count: int, seed: int = 0) -> list[str]:
    """Write `count` lesson files into `folder`; returns their slugs."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    places = read_data_file()
    lessons, words, content_words = _samples()
    slugs: list[str] = []
    for n in range(count):
        source = rng.choice(lessons)
        fm_source = source["fm"]
        coined = [
            rng.choice(content_words) + rng.choice(["", "", "s"]) + rng.choice(content_words)
            for _ in range(3)
        ]
        title_words = fm_source["title"].split()
        rng.shuffle(title_words)
        slug = f"les-{n:06d}-{slugify(' '.join(title_words[:3]))}"[:80].rstrip("-")
        place = rng.choice(places)
        sections = []
        for heading, sentences in source["sections"].items():
            chosen = rng.sample(sentences, k=max(1, len(sentences) - rng.randint(0, 1)))
            if rng.random() < 0.3:
                other = rng.choice(lessons)["sections"].get(heading)
                if other:
                    chosen.append(rng.choice(other))
            paragraph = " ".join(_perturb(s, rng, words, coined) for s in chosen)
            sections.append(f"## {heading}\n\n{paragraph}\n")
        if n % 997 == 0:
            sections.append(f"Bijzonder: hier werkte de {RARE_WORD} goed.\n")
        if slugs and rng.random() < 0.2:
            sections.append(f"Zie ook [[{slugs[rng.randrange(len(slugs))]}]].\n")
        fm = {
            **{k: v for k, v in fm_source.items() if k not in ("slug", "municipality")},
            "title": f"{' '.join(title_words)} ({n})",
            "slug": slug,
            "municipality": place.name,
            "owner": f"Team {rng.choice(content_words)} {place.name}",
            "organisation": f"Gemeente {place.name}",
            "year": rng.randint(2018, 2025),
            "status": "published",
        }
        (folder / f"{slug}.md").write_text(lessonfile.dump(fm, "\n".join(sections)), "utf-8")
        slugs.append(slug)
    return slugs
