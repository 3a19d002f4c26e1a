"""Synthetic but realistic-looking Dutch lessons for benchmarks."""

from __future__ import annotations

import random
from pathlib import Path

from wiki import lessonfile
from wiki.services.municipalities import read_data_file
from wiki.services.validation import slugify
from wiki.vocabulary import DOMAINS, LEVELS, THEMES

WORDS = (
    "wijkteam schuldhulpverlening mantelzorgondersteuning jongeren gemeente samenwerking "
    "huishouden vroegsignalering betalingsachterstand participatie eenzaamheid ouderen "
    "vrijwilligers re-integratie werkgever uitkering jeugdhulp school huisarts "
    "praktijkondersteuner "
    "buurt woningcorporatie dakloosheid statushouders inkoop aanbieder monitoring dashboard "
    "evaluatie doelen resultaat aanpak cliënt ondersteuning zorg welzijn sport "
    "gezondheid "
    "armoede kinderen gezinnen laaggeletterdheid taal bereik drempel vertrouwen contactpersoon"
).split()


def _sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 16))
    return " ".join(words).capitalize() + "."


def write_lessons(folder: Path, count: int, seed: int = 0) -> list[str]:
    """Write `count` lesson files into `folder`; returns their slugs."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    places = read_data_file()
    slugs = []
    for n in range(count):
        place = rng.choice(places)
        kind = rng.choice(["generic", "context-dependent"])
        slug = f"les-{n:06d}-{slugify(rng.choice(WORDS))}"
        fm = {
            "title": f"{_sentence(rng)[:60].rstrip('.')} ({n})",
            "slug": slug,
            "municipality": place.name,
            "type": kind,
            "context": _sentence(rng) if kind == "context-dependent" else None,
            "themes": rng.sample(list(THEMES), k=rng.randint(1, 3)),
            "level": rng.choice(list(LEVELS)),
            "domain": rng.choice(list(DOMAINS)),
            "tags": rng.sample(WORDS, k=2),
            "owner": f"Team {rng.choice(WORDS)} {place.name}",
            "year": rng.randint(2018, 2025),
            "status": "published",
        }
        sections = []
        for title in ("Aanleiding", "Doelen", "Aanpak", "Resultaat", "Geleerde les"):
            paragraph = " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))
            sections.append(f"## {title}\n\n{paragraph}\n")
        if n % 997 == 0:  # a rare word, for the rare-word query
            sections.append("Bijzonder: hier werkte de kangoeroezorg goed.\n")
        if n > 0 and rng.random() < 0.2:
            sections.append(f"Zie ook [[{slugs[rng.randrange(len(slugs))]}]].\n")
        body = "\n".join(sections)
        (folder / f"{slug}.md").write_text(
            lessonfile.dump({k: v for k, v in fm.items() if v is not None}, body), encoding="utf-8"
        )
        slugs.append(slug)
    return slugs
