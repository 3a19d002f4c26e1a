"""Password strength: length alone lets "aaaaaaaaaa" and "password12" through.

zxcvbn estimates how many guesses a password takes, knowing common passwords, words,
names, keyboard patterns, repeats, sequences and dates, plus the words we give it: the
account's own e-mail, name and municipality, the municipality names, and Dutch words that
are common in passwords (its own lists are English). Its English feedback is not shown: we
name the weakness it found in our own short messages, which translate like the rest.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence

from flask_babel import gettext
from zxcvbn import zxcvbn

from wiki.services import municipalities

MIN_LENGTH = 10
# zxcvbn's cost grows with the length; a longer password is refused rather than scored.
MAX_LENGTH = 128
# Score 3 means at least 10^8 guesses: zxcvbn's "safely unguessable" for an online attacker
# and moderate protection against an offline one; with Argon2 hashes and the login limit
# on top that is enough. Score 4 (10^10) would refuse many sentences people can remember.
MIN_SCORE = 3

# Dutch words often found in passwords; zxcvbn's dictionaries only know English ones.
DUTCH_WORDS = (
    "leerwiki",
    "wachtwoord",
    "welkom",
    "geheim",
    "hallo",
    "gemeente",
    "sociaal",
    "domein",
    "wijkteam",
    "zomer",
    "winter",
    "lente",
    "herfst",
    "voorjaar",
    "najaar",
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
    "maandag",
    "dinsdag",
    "woensdag",
    "donderdag",
    "vrijdag",
    "zaterdag",
    "zondag",
    "nederland",
    "holland",
    "liefde",
    "schatje",
    "prinses",
    "voetbal",
    "ajax",
    "feyenoord",
    "psv",
    "oranje",
    "konijn",
    "poes",
    "hond",
    "kat",
)

# zxcvbn keeps the user's words in a module-level dictionary while it scores: one at a time.
_lock = threading.Lock()


def problem(password: str, personal: Iterable[str | None] = ()) -> str | None:
    """Why `password` is too weak (a sentence for the Password field), or None if it will do.

    `personal` holds the account's own words (e-mail, name, municipality), which make a
    password easy to guess for anyone who knows the person.
    """
    if len(password) < MIN_LENGTH:
        message: str = gettext("use at least %(min)s characters", min=MIN_LENGTH)
        return message
    if len(password) > MAX_LENGTH:
        message = gettext("use at most %(max)s characters", max=MAX_LENGTH)
        return message
    words = _context_words(personal)
    with _lock:
        result = zxcvbn(password, user_inputs=words, max_length=MAX_LENGTH)
    if result["score"] >= MIN_SCORE:
        return None
    advice: str = gettext("Choose a few uncommon words, for example a short sentence of your own.")
    return _reason(result["sequence"]) + " " + advice


def _context_words(personal: Iterable[str | None]) -> list[str]:
    """The account's own words first (they are the likeliest guesses), then the rest."""
    words: list[str] = []
    for value in personal:
        if value:
            # "jan.jansen@tilburg.nl" -> the whole, and "jan", "jansen", "tilburg", "nl".
            words.append(value.lower())
            words.extend(part for part in re.split(r"[^\w]+", value.lower()) if len(part) > 2)
    words.extend(DUTCH_WORDS)
    words.extend(record.name.lower() for record in municipalities.directory().records)
    return words


def _reason(sequence: Sequence[Mapping[str, object]]) -> str:
    """The weakness behind the longest part zxcvbn recognised, in our own words."""
    if not sequence:
        return _too_easy()
    longest = max(sequence, key=lambda match: len(str(match["token"])))
    pattern = longest["pattern"]
    if pattern == "dictionary":
        name = longest.get("dictionary_name")
        if name == "passwords":
            message: str = gettext("This password is one of the most used passwords.")
            return message
        if name == "user_inputs":
            message = gettext(
                "The password contains your name, e-mail address, municipality or a common "
                "Dutch word."
            )
            return message
        if name in ("surnames", "male_names", "female_names"):
            message = gettext("Names are easy to guess.")
            return message
        message = gettext("A single common word is easy to guess.")
        return message
    if pattern == "repeat":
        message = gettext('Repeats such as "aaa" or "abcabc" are easy to guess.')
        return message
    if pattern == "sequence":
        message = gettext('Sequences such as "abc" or "1234" are easy to guess.')
        return message
    if pattern == "spatial":
        message = gettext('Keyboard patterns such as "qwerty" are easy to guess.')
        return message
    if pattern in ("date", "regex"):
        message = gettext("Dates and years are easy to guess.")
        return message
    return _too_easy()


def _too_easy() -> str:
    message: str = gettext("This password is too easy to guess.")
    return message
