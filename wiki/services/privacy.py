"""The privacy guard: lessons must not contain personal data about clients (AVG/GDPR).

Two kinds of detection, combined into one list of findings per scanned field:

- exact checks, cheap and always on (`privacy_patterns`): BSN (eleven-test, any grouping),
  IBAN (mod-97), e-mail addresses, Dutch phone numbers of people, dates of birth and
  postcodes with a house number; plus two name shapes deduce does not know: Slavic
  surnames after a capitalised word and "familie <Surname>";
- person names and street addresses with a house number, found by the `deduce` library
  (Dutch de-identification). Deduce is built for medical notes and flags many things a
  lesson legitimately mentions (teams, municipalities, "Steunpunt Mantelzorg Zwolle"), so
  its person annotations are filtered: a name must have an *anchor* (a title, an initial, or
  a known first name or surname that is not part of a place or institution name) and must
  not be, or follow, an organisation word. Plain place names are never findings, nor are
  provinces, regions and organisations on the allowlist (wiki/data/privacy-allowlist.txt).
  Tags arrive in lower case; tags of two words or more are capitalised before deduce reads
  them (`_as_written`), so "jan de vries" is a name and "armoede" stays a topic.

Deduce is heavy: its lookup tries are a 77 MB pickle that unpickles into about 1.1 GB and
takes a couple of seconds to load (the first load after an install builds the pickle, which
takes about a minute). So it is loaded once per process, lazily and behind a lock, never at
import time: page views do not scan and must never wait for it. The server calls `warm()`
from a background thread at start-up; see `_load_engine` for what that does to the garbage
collector. Scanning is thread-safe once loaded.
"""

from __future__ import annotations

import bisect
import functools
import gc
import importlib
import logging
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from wiki.services import privacy_patterns as patterns
from wiki.services.finding_text import KIND_LABELS, kind_label
from wiki.services.municipalities import name_key, read_data_file

ALLOWLIST_FILE = "privacy-allowlist.txt"

# The kinds of finding and their names: the wording lives in finding_text.
KINDS = KIND_LABELS

# When two findings overlap the more specific one wins: a phone-number or name match inside
# an IBAN or an e-mail address is the same piece of data, reported once.
_PRIORITY = {"iban": 0, "bsn": 1, "email": 2, "phone": 3, "birthdate": 4, "address": 5, "name": 6}


@dataclass(frozen=True)
class Finding:
    """One piece of personal data found in a field; offsets index that field's text."""

    kind: str
    text: str
    start: int
    end: int
    field: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape used in the API's 422 `personal-data` answer."""
        return {
            "kind": self.kind,
            "text": self.text,
            "start": int(self.start),  # deduce hands out numpy integers
            "end": int(self.end),
            "field": self.field,
        }

    @property
    def label(self) -> str:
        """The name of the kind in the current language, for messages in the interface."""
        return kind_label(self.kind)


def scan(text: str, field: str = "body") -> list[Finding]:
    """All personal data in one text, sorted by position. Loads deduce on first use."""
    return scan_fields({field: text})


def scan_fields(fields: Mapping[str, str | None]) -> list[Finding]:
    """Scan several named fields (empty ones are skipped); findings in field order.

    The fields share one vocabulary, so a word written in lower case anywhere in the lesson
    ("de buddy") is not taken for a name where it starts a sentence ("Buddy's stopten").
    With a scanner pool installed (privacy_pool, in the server) a worker process scans.
    """
    from wiki.services import privacy_pool  # it imports this module

    pool = privacy_pool.installed()
    if pool is not None:
        return pool.scan_fields(fields)
    return scan_here(fields)


def scan_here(fields: Mapping[str, str | None]) -> list[Finding]:
    """scan_fields in this process (what the scanner processes run)."""
    present = {name: text for name, text in fields.items() if text and text.strip()}
    # Tags are stored in lower case, so their words say nothing about the lesson's own
    # vocabulary: "jan de vries" as a tag must not make "Jan" an ordinary word.
    vocabulary = _lowercase_words(*(t for n, t in present.items() if n != TAGS_FIELD))
    findings: list[Finding] = []
    for name, text in present.items():
        findings.extend(_scan(text, name, vocabulary))
    return findings


# The field that holds the lesson's tags, joined with ", " and lower-cased by the validation.
TAGS_FIELD = "tags"


def _as_written(text: str) -> str:
    """Lower-case tags as a person would write them, each on its own line, same offsets.

    "fatima el amrani, armoede" is scanned as "Fatima el Amrani;\nArmoede": capitals where
    a name would have them (not on interfixes), each tag a separate line. A one-word tag
    stays as it is: "buddy" or "visser" is a topic far more often than someone's first name
    or surname, and alone it does not identify anyone.
    """
    if any(c.isupper() for c in text):
        return text
    return ";\n".join(
        re.sub(
            r"[^\W\d_]+",
            lambda m: m.group() if m.group() in _INTERFIXES else _capitalised(m.group()),
            tag,
        )
        if len(tag.split()) > 1
        else tag
        for tag in text.split(", ")
    )


def _capitalised(word: str) -> str:
    first = word[0].upper()
    return (first if len(first) == 1 else word[0]) + word[1:]


# Words that stay lower case inside a Dutch name ("van den Berg", "El Amrani" keeps its El).
_INTERFIXES = frozenset("van de der den het ten ter te in 't op onder".split())


def warm() -> None:
    """Load deduce now, so the first save does not wait for it. Idempotent and thread-safe."""
    _engine()


def _scan(text: str, field: str, vocabulary: frozenset[str]) -> list[Finding]:
    if not text.strip():
        return []
    spans: list[tuple[str, int, int]] = [
        *patterns.ibans(text),
        *patterns.bsns(text),
        *patterns.emails(text),
        *patterns.phones(text),
        *patterns.birthdates(text),
        *patterns.postcodes(text),
        *_slavic_names(text),
        *_family_names(text),
    ]
    spans.extend(
        _engine().names_and_addresses(
            _as_written(text) if field == TAGS_FIELD else text, vocabulary
        )
    )
    kept: list[tuple[str, int, int]] = []
    for kind, start, end in sorted(spans, key=lambda s: (_PRIORITY[s[0]], s[1])):
        if all(end <= s or start >= e for _, s, e in kept):
            kept.append((kind, start, end))
    return [
        Finding(kind=kind, text=text[start:end], start=start, end=end, field=field)
        for kind, start, end in sorted(kept, key=lambda s: (s[1], s[2]))
    ]


# Polish (and other Slavic) surnames are missing from deduce's lists, but their endings are
# unmistakable: a capitalised word before one ("Kasia Lewandowska", "mevrouw Kowalska").
# (The ending is searched first and the word before it checked after: much faster.)
_SLAVIC_ENDING = re.compile(r"[szcw](?:k[ia]|icz|zyk|zuk)\b(?<=[^\W\d_]{5})")
_WORD_PAIR_BEFORE = re.compile(r"(?P<first>[^\W\d_]{2,}\.?)[ \t]+(?P<last>[^\W\d_]+)$")


def _slavic_names(text: str) -> Iterable[tuple[str, int, int]]:
    for ending in _SLAVIC_ENDING.finditer(text):
        low = max(0, ending.end() - 80)
        pair = _WORD_PAIR_BEFORE.search(text, low, ending.end())
        if pair is None:
            continue
        first, last = pair["first"], pair["last"]
        if not (first[0].isupper() and last[0].isupper()) or _is_org_word(first):
            continue
        if first.rstrip(".").casefold() in _TITLES or not _engine().ordinary_word(first):
            yield "name", pair.start(), ending.end()  # not "Radio Polski", "Sklep Polski"


# "de familie Amrani", "fam. Van Dijk": a family named by its surname, known to deduce or not.
_FAMILY = re.compile(
    r"\b(?i:familie|fam\.)[ \t]+(?P<name>(?:(?i:van|de|der|den|el|al|ter|ten)[ \t]+)*"
    r"[^\W\d_][^\W\d_]+(?:-[^\W\d_][^\W\d_]+)?)"
)


def _family_names(text: str) -> Iterable[tuple[str, int, int]]:
    for match in _FAMILY.finditer(text):
        name = match.group("name")
        last = name.split()[-1]
        ordinary = _engine().ordinary_word(last.split("-")[-1])
        if (
            last[0].isupper()
            and not ordinary
            and not _is_org_word(last)
            and not _within_municipality_name(name)
        ):
            yield "name", match.start(), match.end()


def _lowercase_words(*texts: str) -> frozenset[str]:
    return frozenset(w for t in texts for w in re.findall(r"[^\W\d_]{2,}", t) if w.islower())


# ---------------------------------------------------------------------------------------
# Names and addresses (deduce)

_PERSON_TAGS = frozenset({"persoon", "patient"})
# Deduce's place and institution annotations; a name token inside one is not a name anchor.
_PLACE_TAGS = frozenset({"locatie", "ziekenhuis", "zorginstelling"})
# Deduce processors we do not need: our own exact checks (stdnum, phonenumbers) replace
# them, and the redactor only builds the redacted text.
_DISABLED = frozenset(
    {"dates", "ages", "identifiers", "phone_numbers", "email_addresses", "urls", "redactor"}
)
# Deduce merges adjacent annotations across ". ", which glues a real name to an organisation
# in the previous sentence ("... Noord-Holland. Ahmed Yilmaz"); each is judged on its own.
_POST_DISABLED = frozenset({"merge_adjacent_annotations", "redactor"})

# Titles that make the next word a person ("mevrouw Emmen" is a person, "Emmen" is a place).
_TITLES = frozenset(
    "mevrouw mevr mw mej meneer mijnheer heer dhr dr drs ir ing mr prof collega".split()
)
# Words that begin or are part of an organisation's name. A person annotation containing one,
# or following one ("Stichting Vrienden van Jan", "Team Buurtsportcoaches Eindhoven"), is
# an organisation. Kept to words that are not Dutch surnames.
_ORG_WORDS = frozenset(
    """
    gemeente gemeenten ggd ggz stichting vereniging team teams wijkteam wijkteams buurtteam
    jeugdteam steunpunt bureau organisatie welzijnsorganisatie netwerk programma platform
    centrum coöperatie cooperatie groep zorggroep regiegroep afdeling dienst provincie
    ministerie regio bibliotheek school praktijk huisartsenpraktijk instituut universiteit
    hogeschool academie werkplaats fonds raad college loket kantoor bv nv vof coalitie
    alliantie consortium veiligheidshuis taalhuis buurthuis wijkhuis logeerhuis ziekenhuis
    verpleeghuis corporatie woningcorporatie kerk parochie moskee omroep krant
    vrijwilligerscentrale welzijn sociaal maatschappelijk regionaal partners advies
    consultancy holding
    """.split()
)
# Compound endings of organisation words ("Werkgeversservicepunt", "Jeugdhulp",
# "Minimabeleid"). No Dutch surname ends in these; "-huis" is left out (Nijhuis, Veldhuis).
_ORG_SUFFIXES = (
    "team",
    "teams",
    "punt",
    "bureau",
    "organisatie",
    "centrale",
    "centrum",
    "loket",
    "stichting",
    "vereniging",
    "beleid",
    "hulp",
    "zorg",
    "dienst",
    "groep",
    "netwerk",
    "programma",
    "platform",
    "werkplaats",
    "instituut",
    "coach",
    "coaches",
    "corporatie",
    "fonds",
    "school",
)
# Endings of street names.
_STREET_SUFFIXES = (
    "straat",
    "plein",
    "singel",
    "gracht",
    "kade",
    "steeg",
    "dreef",
    "laan",
    "weg",
    "dijk",
    "park",
    "hof",
    "pad",
    "markt",
    "boulevard",
    "plantsoen",
)
# Small words that may stand inside an organisation's name between the organisation word and
# the flagged "name" ("Stichting Vrienden van Jan", "Zorg- en Veiligheidshuis").
_CONNECTORS = frozenset("van de der den het voor en 't op aan in te & -".split())
# A street (any word) followed by a house number with an optional letter or addition.
_HOUSE_NUMBER = re.compile(r"[^\W\d_]{2,}\.?\s+(\d{1,4})(?:\s?[a-zA-Z]\b|-\d{1,4})?(?!\d)")


def _is_org_word(word: str) -> bool:
    w = word.strip(".,;:'’\"*_()[]").casefold()
    if w in _ORG_WORDS:
        return True
    return any(w.endswith(s) and len(w) > len(s) + 2 for s in _ORG_SUFFIXES)


def _word_keys(text: str) -> tuple[str, ...]:
    return tuple(k for k in (name_key(w) for w in re.split(r"[\s-]+", text)) if k)


@functools.cache
def _municipality_names() -> frozenset[tuple[str, ...]]:
    """Every municipality name and alias as word keys: ("den", "bosch"), ("bergen", "nh"),
    and without the bracketed province ("bergen",), as it is written in running text; the
    provinces; and the regions and organisations of the allowlist ("parkstad", "limburg")."""
    names: set[tuple[str, ...]] = set()
    for record in read_data_file():
        for name in (record.name, *record.aliases, record.province):
            for variant in (name, re.sub(r"\s*\(.*?\)", "", name)):
                if words := _word_keys(variant):
                    names.add(words)
    for name in _allowlist():
        if words := _word_keys(name):
            names.add(words)
    return frozenset(names)


def _allowlist() -> list[str]:
    """Regions, districts and organisations that are never a person (wiki/data)."""
    text = resources.files("wiki.data").joinpath(ALLOWLIST_FILE).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def _within_municipality_name(text: str) -> bool:
    """True for "Den Bosch", "Bosch", "Súdwest-Fryslân": the words are (part of) a name."""
    words = _word_keys(text)
    n = len(words)
    return n > 0 and any(
        name[i : i + n] == words for name in _municipality_names() for i in range(len(name) - n + 1)
    )


@functools.cache
def _municipality_names_by_first_word() -> dict[str, tuple[tuple[str, ...], ...]]:
    index: dict[str, list[tuple[str, ...]]] = {}
    for name in _municipality_names():
        index.setdefault(name[0], []).append(name)
    return {first: tuple(names) for first, names in index.items()}


def _municipality_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Character spans of complete municipality names around text[start:end].

    Looks a few words beyond the annotation, because deduce may flag only the start of a
    name ("Vanuit |Berg| en Dal"), and works on words rather than deduce's tokens, which
    merge "Van De" in "Van De Bilt". "Berg" in "van den Berg" is not covered.
    """
    low, high = max(0, start - 60), min(len(text), end + 60)
    words = [
        (m.start() + low, m.end() + low, key)
        for m in re.finditer(r"[^\s\-–]+", text[low:high])
        if (key := name_key(m.group()))
    ]
    keys = [w[2] for w in words]
    index = _municipality_names_by_first_word()
    spans = []
    for i, key in enumerate(keys):
        for name in index.get(key, ()):
            if tuple(keys[i : i + len(name)]) == name:
                spans.append((words[i][0], words[i + len(name) - 1][1]))
    return spans


class _Engine:
    """The loaded deduce instance plus the lookup lists used to judge its annotations."""

    def __init__(self, deduce: Any) -> None:
        self.deduce = deduce
        structs = deduce.lookup_structs
        self.first_name = structs["first_name"]
        self.surname = structs["surname"]
        self.interfix_surname = structs["interfix_surname"]
        self.interfix = structs["interfix"]
        self.whitelist = structs["whitelist"]
        # Deduce's whitelist leaves out common words that are also surnames ("pas", "bakker");
        # for a lone capitalised word those are exactly the ones that mislead.
        self.common_words = frozenset(structs["common_word"]) | frozenset(structs["stop_word"])
        self.document_class: Any = importlib.import_module("docdeid").Document
        self.post_processing = deduce.processors["post_processing"]

    def names_and_addresses(
        self, text: str, vocabulary: frozenset[str]
    ) -> list[tuple[str, int, int]]:
        if not text.strip():
            return []
        doc = self.document_class(text, tokenizers=self.deduce.tokenizers)
        self.deduce.processors.process(doc, disabled=set(_DISABLED))
        places = sorted((a.start_char, a.end_char) for a in doc.annotations if a.tag in _PLACE_TAGS)
        self.post_processing.process(doc, disabled=set(_POST_DISABLED))
        tokens = [(t.start_char, t.end_char, t.text) for t in doc.get_tokens() if t.text.strip()]
        starts = [t[0] for t in tokens]
        found: list[tuple[str, int, int]] = []
        for a in doc.annotations:
            if a.tag in _PERSON_TAGS:
                for s, e in _sentence_parts(text, a.start_char, a.end_char):
                    if self._is_name(text, s, e, tokens, starts, places, vocabulary):
                        found.append(("name", s, e))
            elif a.tag == "locatie" and _is_street_address(a.text):
                found.append(("address", a.start_char, a.end_char))
        return found

    def ordinary_word(self, word: str) -> bool:
        """A Dutch word that is not only a name ("Zorg", "Centraal", "Pas")."""
        w = word.casefold()
        return w in self.whitelist or w in self.common_words

    def _is_street_word(self, word: str) -> bool:
        """ "Smitsstraat", "Vondellaan": part of a street's name ("Burgemeester Smitsstraat"),
        unless it is also a surname (Verlaan, Hoogeweg)."""
        w = word.casefold()
        return any(w.endswith(s) and len(w) > len(s) + 2 for s in _STREET_SUFFIXES) and (
            [word] not in self.surname
        )

    def _is_name(
        self,
        text: str,
        start: int,
        end: int,
        tokens: Sequence[tuple[int, int, str]],
        starts: Sequence[int],
        places: Sequence[tuple[int, int]],
        vocabulary: frozenset[str],
    ) -> bool:
        """Whether deduce's person annotation text[start:end] looks like a real person.

        It needs an anchor: a title, an initial, or a known first name or surname that is not
        part of a place, an institution or a municipality's name.
        """
        words = [
            t for t in tokens[bisect.bisect_left(starts, start) :] if t[1] <= end and name_key(t[2])
        ]
        if not words or _within_municipality_name(text[start:end]):
            return False
        if any(_is_org_word(w) or self._is_street_word(w) for _, _, w in words):
            return False
        if _follows_org_word(text, start) or _org_after(text, end):
            return False
        municipalities = _municipality_spans(text, start, end)
        anchors = []
        for i, (s, e, word) in enumerate(words):
            bare = word.rstrip(".")
            if bare.casefold() in _TITLES or (
                re.fullmatch(r"[A-Z]\.?", word) and i < len(words) - 1
            ):
                anchors.append(word)
                continue
            if any(ms < e and me > s for ms, me in municipalities):
                continue  # "de wethouder van Aalten", "Van Assen tot Groningen"
            after_interfix = i > 0 and words[i - 1][2] in self.interfix
            covering = [p for p in places if p[0] <= s and p[1] >= e]
            if covering and not (
                after_interfix
                and all(p[0] >= s for p in covering)
                and (i > 1 or words[0][2][:1].isupper())
            ):
                # A place or institution ("Rijk van Nijmegen", "wethouder van Vries"); a
                # village after a name's interfix is a surname ("Piet de Vries", "De Boer").
                continue
            if bare.casefold() in self.whitelist:
                continue
            known = [bare] in self.first_name or [bare] in self.surname
            if known or (after_interfix and bare in self.interfix_surname):
                anchors.append(word)
        if not anchors:
            return False
        if len(words) == 1:
            lone = words[0][2]
            if lone.casefold() in vocabulary or lone.casefold() in self.common_words:
                return False  # "Pas als ...", "Levering van ..." while the lesson says "levering"
            if (
                _at_sentence_start(text, start)
                and [lone] not in self.first_name
                and not _AGE_AFTER.match(text, end)
            ):
                # Many Dutch surnames are nouns (Levering, Post, Visser); at the start of a
                # sentence the capital says nothing, and a bare surname is weak evidence.
                return False
        return True


# "Jansen (45) had schulden": an age right after a bare surname makes it a person.
_AGE_AFTER = re.compile(r"\s*\(\d{1,3}(?:\s*jaar)?\)")


def _at_sentence_start(text: str, start: int) -> bool:
    """Whether `start` begins a sentence, line, list item or heading (Markdown aware)."""
    before = text[max(0, start - 40) : start].rstrip(" \t*_#>+-\"'(")
    before = re.sub(r"\d+[.)]$", "", before).rstrip(" \t")
    return (start <= 40 and not before) or (bool(before) and before[-1] in ".!?:;\n")


# A firm named after people: "Van Dam & Partners", "Bakker B.V.", "Jansen Advies".
_ORG_AFTER = re.compile(
    r"[ \t]*(?:&|\+|(?:b\.?v|n\.?v|v\.?o\.?f)\b\.?|(?:partners|advies|consultancy|holding)\b)",
    re.IGNORECASE,
)
_NEXT_WORD = re.compile(r"[ \t]+(?P<word>[^\W\d_][\w-]*)")


def _org_after(text: str, end: int) -> bool:
    """Whether a firm or institute is named after the person: "Van Dam & Partners",
    "Bakker B.V.", "Verwey-Jonker Instituut", "Trimbos Instituut"."""
    if _ORG_AFTER.match(text, end):
        return True
    following = _NEXT_WORD.match(text, end)
    if following is None:
        return False
    word = following["word"]
    return word[0].isupper() and _is_org_word(word)


_SENTENCE_BREAK = re.compile(r"(?P<word>[^\s.!?;:]*)[.!?;:]+\s+|\s*\n\s*")


def _sentence_parts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a person annotation where a sentence ends inside it.

    Deduce's name context reaches over ". " ("... Kop van Noord-Holland. Ahmed Yilmaz"); an
    initial or a title ("J. de Boer", "mw. Bakker") is not a sentence end.
    """
    parts: list[tuple[int, int]] = []
    begin = start
    for match in _SENTENCE_BREAK.finditer(text, start, end):
        word = match.group("word")
        if word is not None and (len(word) == 1 or word.casefold() in _TITLES):
            continue
        parts.append((begin, match.start() + (len(word) if word else 0)))
        begin = match.end()
    parts.append((begin, end))
    return [(s, e) for s, e in parts if e > s]


def _follows_org_word(text: str, start: int) -> bool:
    """Whether the words before `start` (same sentence) are an organisation's name so far.

    Walks back over capitalised words and connectors: "Stichting Vrienden van |Jan",
    "Gemeente |Emmen". With a connector in between, the organisation word must be
    capitalised, so "het wijkteam van |Piet Jansen" still counts as a person.
    """
    before = text[max(0, start - 120) : start]
    words = before.split()
    if before and not before[-1].isspace():
        words = words[:-1]  # a word glued to the name is part of the name, not before it
    connector_seen = False
    for word in reversed(words[-8:]):
        if word[-1] in ".,;:!?)" and not re.fullmatch(r"[A-Z]\.", word):
            return False
        if _is_org_word(word):
            return not connector_seen or word[:1].isupper()
        bare = word.strip("*_([\"'")
        if bare.casefold() in _CONNECTORS or bare.endswith("-"):
            connector_seen = True
        elif not bare[:1].isupper():
            return False
    return False


# Words numbered in policy texts and plans that deduce's street pattern takes for a street
# with a house number ("Pijler 3", "Fase 2", "Hoofdstuk 4").
_NUMBERED_PARTS = frozenset(
    """
    pijler fase stap hoofdstuk artikel tabel figuur bijlage deel module les week ronde niveau
    thema actie doel onderdeel paragraaf pagina punt regel vraag casus bijeenkomst sessie
    groep klas leerjaar periode kwartaal versie optie scenario route lijn prioriteit
    speerpunt ambitie opgave spoor pilot project cohort sprint werkpakket domein bouwsteen
    """.split()
)


def _is_street_address(location: str) -> bool:
    """A deduce location with a house number ("Kerkstraat 12", "Dorpsstraat 4a").

    Not a P.O. box, and not a street-like word before a year ("Herfst 2023", "Zomerfeest
    2024" match deduce's street pattern).
    """
    first = location.split()[0].casefold() if location.split() else ""
    if first == "postbus" or first in _NUMBERED_PARTS:
        return False
    for match in _HOUSE_NUMBER.finditer(location):
        number = match.group(1)
        if not (len(number) == 4 and number[:2] in ("19", "20")):
            return True
    return False


_engine_lock = threading.Lock()
_engine_instance: _Engine | None = None


def _engine() -> _Engine:
    """The process-wide deduce engine, loaded on first use (double-checked under a lock)."""
    global _engine_instance
    engine = _engine_instance
    if engine is None:
        with _engine_lock:
            if _engine_instance is None:
                _engine_instance = _load_engine()
            engine = _engine_instance
    return engine


def _load_engine() -> _Engine:
    """Load deduce with the cyclic garbage collector paused, then freeze what it loaded.

    Deduce's lookup tries are about 4.6 million objects (some 1.1 GB). While they are being
    unpickled, the collector keeps scanning the growing heap, stalling every thread, page
    views included, for up to a second at a time; once they are loaded, each full collection
    takes about 3 s, and one more runs at interpreter exit (10 s). These objects live as
    long as the process, so `gc.freeze()` moves them out of the collector's sight for good.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _Engine(_import_deduce().Deduce())
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def _import_deduce() -> Any:
    """Import deduce without its side effect on logging.

    deduce 3.0 calls `logging.basicConfig(stream=sys.stdout, level=logging.DEBUG)` when it is
    imported, which would make the whole application log at DEBUG level to stdout. Whatever
    it adds to the root logger is taken off again and the level restored.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        return importlib.import_module("deduce")
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
