"""The privacy guard's exact checks: personal data with a fixed shape.

BSN (eleven-test, python-stdnum), IBAN (mod-97), e-mail addresses, Dutch phone numbers
(phonenumbers), dates of birth and postcodes with a house number. Each function yields
(kind, start, end) spans into the text; `privacy` merges them with deduce's names and
addresses. Nothing here loads deduce.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn

Span = tuple[str, int, int]

_IBAN_START = re.compile(r"\b[A-Z]{2}[ ]?\d{2}(?=[ ]?[A-Z0-9])", re.IGNORECASE)
_IBAN_BODY = re.compile(r"(?:[ ]?[A-Z0-9]){1,30}", re.IGNORECASE)


def ibans(text: str) -> Iterable[Span]:
    """IBANs with or without spaces. The regex over-reaches into following words ("... 00
    voor"), so the longest prefix that ends on a word boundary and passes mod-97 is taken."""
    position = 0
    while match := _IBAN_START.search(text, position):
        body = _IBAN_BODY.match(text, match.end())
        end_max = body.end() if body else match.end()
        found = None
        for end in range(end_max, match.end(), -1):
            if text[end - 1] == " " or (end < len(text) and text[end].isalnum()):
                continue
            if stdnum_iban.is_valid(text[match.start() : end]):
                found = end
                break
        if found is not None:
            yield "iban", match.start(), found
            position = found
        else:
            position = match.start() + 1


# Nine digits, plain or in groups of two to four digits with one kind of separator (space,
# dot or dash): 111222333, 1112.22.333, 1112 22 333, 111-222-333, 11 122 2333. Not a slice
# of a longer number: no digit right before or after, also not across a separator.
_BSN = re.compile(
    r"(?=\d)(?<![\w.,/-])(?<!\d[ ])"
    r"(?P<number>\d{9}|\d{2,4}(?P<sep>[ .-])\d{2,4}(?:(?P=sep)\d{2,4}){1,2})"
    r"(?![\w-]|[.,]\d|[ ]\d)"
)
# Three groups of three with dots is how amounts are written (€ 123.456.782): a BSN only
# right after the word.
_AMOUNT_LIKE = re.compile(r"\d{3}\.\d{3}\.\d{3}")
_BSN_WORD = re.compile(
    r"\b(?:bsn|burgerservicenummer|sofi-?nummer)\b\W{0,3}(?:nummer\W{0,3})?$", re.IGNORECASE
)
# Eight digits are a BSN only next to the word: stdnum pads them with a zero, but plain
# eight-digit numbers are far more often KvK or file numbers, and 1 in 11 passes the test.
_BSN8 = re.compile(
    r"\b(?:bsn|burgerservicenummer|sofi-?nummer)\b\W{0,3}(?:nummer\W{0,3})?(\d{8})(?![\d]|[.,]\d)",
    re.IGNORECASE,
)


def bsns(text: str) -> Iterable[Span]:
    """Numbers that pass the BSN eleven-test (stdnum); other nine-digit numbers are not."""
    for match in _BSN.finditer(text):
        number = match.group("number")
        digits = re.sub(r"\D", "", number)
        if len(digits) != 9 or not stdnum_bsn.is_valid(digits):
            continue
        if _AMOUNT_LIKE.fullmatch(number) and not _BSN_WORD.search(
            text, max(0, match.start() - 40), match.start()
        ):
            continue
        yield "bsn", match.start("number"), match.end("number")
    for match in _BSN8.finditer(text):
        if stdnum_bsn.is_valid(match.group(1)):
            yield "bsn", match.start(1), match.end(1)


_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?![\w-])"
)


def emails(text: str) -> Iterable[Span]:
    for match in _EMAIL.finditer(text):
        yield "email", match.start(), match.end()


# Numbers that belong to an organisation, never to a person: 0800 (free), 0900 (paid), 085/
# 088 company numbers and the like.
_SERVICE_NUMBERS = frozenset(
    {
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.UAN,
    }
)
# A Dutch mobile number as people write it, whether or not its block is in use yet:
# 06-98765432, +31 6 1234 5678, 0031 (0)6 12 34 56 78, 06.22.33.44.55.
_MOBILE = re.compile(r"(?<![\w+])(?:(?:\+|00)31[ .-]?(?:\(0\)[ ]?)?|0)6(?:[ .-]{0,3}\d){8}(?![\d])")


def phones(text: str) -> Iterable[Span]:
    """Valid Dutch (or +-prefixed foreign) numbers of people; counts and years never
    validate, and service numbers (0800, 0900) are an organisation's."""
    for match in phonenumbers.PhoneNumberMatcher(text, "NL", leniency=phonenumbers.Leniency.VALID):
        if phonenumbers.number_type(match.number) not in _SERVICE_NUMBERS:
            yield "phone", match.start, match.end
    for found in _MOBILE.finditer(text):
        yield "phone", found.start(), found.end()


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("januari", "jan"),
            ("februari", "feb", "febr"),
            ("maart", "mrt", "mar"),
            ("april", "apr"),
            ("mei",),
            ("juni", "jun"),
            ("juli", "jul"),
            ("augustus", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "okt", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE = (
    r"(?P<d1>\d{1,2})(?P<sep>[-/.])(?P<m1>\d{1,2})(?P=sep)(?P<y1>\d{4}|\d{2})(?!\d)"
    rf"|(?P<d2>\d{{1,2}})\s+(?P<m2>{_MONTH_NAMES})\.?\s+(?P<y2>\d{{4}}|['’]\d{{2}})(?!\d)"
    r"|(?P<y3>\d{4})-(?P<m3>\d{1,2})-(?P<d3>\d{1,2})(?!\d)"
)
_BIRTH_WORD = (
    r"(?:geboren|geboortedatum|geboortedag|geboorte\s+datum|geb\.?\s?datum|gebdat|geb\.|geb\b"
    r"|d\.?o\.?b\b\.?|date\s+of\s+birth|born)"
)
# A birth keyword, then up to 30 characters within the sentence, then the date: "geboren
# op 3 maart 1984", "geb. 03-03-1984", "geboortedatum: 1984-03-03", "DOB 1984-03-03".
_BIRTHDATE = re.compile(
    rf"(?=[gdb])\b{_BIRTH_WORD}[^\n.!?]{{0,30}}?(?<![\w'’])(?P<date>{_DATE})", re.IGNORECASE
)
_ANY_DATE = re.compile(rf"(?=\d)(?<![\w'’/.-])(?P<date>{_DATE})", re.IGNORECASE)
# "Hij is op 3 februari 1991 geboren": the keyword after the date.
_BIRTH_WORD_AFTER = re.compile(rf"[^\n.!?]{{0,20}}?\b{_BIRTH_WORD}", re.IGNORECASE)
# Without a keyword, a date long past that stands beside a person as an aside is a date of
# birth: "Cliënt, 12 maart 1975, woont alleen", "Moeder (4 oktober 1983)", "12 maart 1975
# (cliënt)". Dates of events are written inside a sentence ("sinds 1 januari 2015"), and an
# aside after an event word ("de decentralisatie (1 januari 2015)") is the event's date.
_ASIDE_BEFORE = re.compile(r"[,(][ \t]*$")
_ASIDE_AFTER = re.compile(r"[ \t]*(?:[,)(]|$)", re.MULTILINE)
_EVENT_WORDS = re.compile(
    r"\b(?:sinds|per|vanaf|tot|t/m|wet\w*|\w*wet|invoering|ingang|ingangsdatum|besluit|start"
    r"|begin|einde|decentralisatie|datum|opgericht|opgeheven|ingevoerd|werking)\b",
    re.IGNORECASE,
)
_BIRTH_YEARS_AGO = 10


def birthdates(text: str) -> Iterable[Span]:
    """Real calendar dates of birth: after (or just before) a birth keyword, or a date long
    past written as an aside next to a person. A bare year ("geboren in 1984") is not."""
    dated = {m.start("date"): m for m in _BIRTHDATE.finditer(text)}
    latest_year = datetime.date.today().year - _BIRTH_YEARS_AGO
    for match in _ANY_DATE.finditer(text):
        if match.start("date") in dated:
            continue
        year = _calendar_year(match)
        line_start = text.rfind("\n", 0, match.start()) + 1
        before = text[line_start : match.start()]
        sentence = re.split(r"[.!?]\s", before)[-1]
        aside = (
            bool(_ASIDE_BEFORE.search(before)) and bool(_ASIDE_AFTER.match(text, match.end()))
        ) or (not before.strip() and text.startswith("(", _skip_blanks(text, match.end())))
        if year and (
            _BIRTH_WORD_AFTER.match(text, match.end())
            or (year <= latest_year and aside and not _EVENT_WORDS.search(sentence))
        ):
            dated[match.start("date")] = match
    for start, match in sorted(dated.items()):
        if _calendar_year(match):
            yield "birthdate", start, match.end("date")


def _skip_blanks(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t":
        position += 1
    return position


def _calendar_year(match: re.Match[str]) -> int | None:
    """The four-digit year of a matched date, or None when it is not a real date."""
    g = match.groupdict()
    day, month, year = (
        (g["d1"], g["m1"], g["y1"])
        if g["d1"]
        else (g["d2"], str(_MONTHS[g["m2"].lower()]), g["y2"].lstrip("'’"))
        if g["d2"]
        else (g["d3"], g["m3"], g["y3"])
    )
    full_year = int(year) if len(year) == 4 else _century(int(year))
    try:
        datetime.date(full_year, int(month), int(day))
    except ValueError:
        return None
    return full_year


def _century(two_digits: int) -> int:
    """'09 is 2009, '85 is 1985: a two-digit year is at most this year."""
    this_year = datetime.date.today().year
    return 2000 + two_digits if 2000 + two_digits <= this_year else 1900 + two_digits


# A Dutch postcode: four digits (not starting with 0), then two capitals (SA, SD and SS are
# never issued), optionally a house number: "5011 KL 23", "6411 EJ, huisnummer 8".
# Written in lower case ("5011kl") only right after the word postcode. Units and common
# abbreviations after a number are not postcodes ("1000 KM", "2024 EU").
_HOUSE_NUMBER_AFTER = (
    r"(?:,?[ \t]*(?:huisnummer|huisnr\.?|nummer|nr\.?|no\.?)?[ \t]*\d{1,5}[a-zA-Z]?\b)?"
)
_POSTCODE = re.compile(
    r"(?=[1-9])(?<![\w-])[1-9]\d{3}[ ]?(?!SA|SD|SS)(?P<letters>[A-Z]{2})(?![\w-])"
    + _HOUSE_NUMBER_AFTER
)
_POSTCODE_WORD = re.compile(
    r"\b(?:postcode|p/?c)\b[:. \t]*(?P<code>[1-9]\d{3}[ ]?[a-zA-Z]{2})(?![\w-])"
    + _HOUSE_NUMBER_AFTER,
    re.IGNORECASE,
)
# An organisation's P.O. box ("Postbus 90155, 5000 LH Tilburg") is nobody's home.
_AFTER_PO_BOX = re.compile(r"\bpostbus[ \t]+\d+[ \t]*,?[ \t]*$", re.IGNORECASE)
_NOT_POSTCODE_LETTERS = frozenset(
    """
    KM CM MM KG MG MB GB KB TB KW MW GW HA EU NL BV NV AM PM UK US VS CO PK
    WW ZW OV ID AI IT HR PR CV TV VO PO BO SO MO HO WO
    """.split()
)
# A year in running text is followed by a capitalised abbreviation more often than a
# postcode in the 1900-2099 range is written after these words: "sinds 2015 WW en bijstand".
_YEAR_BEFORE = re.compile(
    r"\b(?:in|sinds|tot|van|en|per|vanaf|t/m|jaar|eind|begin|medio|voorjaar|najaar)[ \t]+$",
    re.IGNORECASE,
)


def postcodes(text: str) -> Iterable[Span]:
    """Postcodes (with the house number when one follows): together a home address."""
    for match in _POSTCODE.finditer(text):
        before = text[max(0, match.start() - 30) : match.start()]
        if (
            match.group("letters") not in _NOT_POSTCODE_LETTERS
            and not _AFTER_PO_BOX.search(before)
            and not (match.group()[:2] in ("19", "20") and _YEAR_BEFORE.search(before))
        ):
            yield "address", match.start(), match.end()
    for match in _POSTCODE_WORD.finditer(text):  # after the word, "2511 CV" is a postcode
        yield "address", match.start("code"), match.end()
