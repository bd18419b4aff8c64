"""Spot obvious personal identifiers in free text, so they never reach the database.

Clients are pseudonymous: a request must not carry a name, a house address, a postcode,
an NHS or National Insurance number, a date of birth, an email address or a phone number.
The patterns are deliberately simple and err towards refusing; each finding names the part
that looked identifying and why, so the key worker can rephrase.

Places, services and providers stay accepted: "Doncaster Market", "High Street" (a street
without a house number), "St Leger Homes", "Job Centre Plus", "the Frenchgate Centre".
"""

import re
import unicodedata

from grants.first_names import FIRST_NAMES, SURNAMES

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_BIRTH_YEAR = r"(?:19\d{2}|20[01]\d)"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
# A written date: "3 March 1985", "3rd of March 1985", "March 3, 1985", "03/03/85".
_WRITTEN_DATE = (
    rf"{_DAY}\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{2,4}}"
    rf"|(?:{_MONTHS})\.?\s+{_DAY},?\s+\d{{2,4}}"
    r"|\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}"
)

# Between the digits of a number people put spaces, dots, slashes, underscores or dashes
# of any kind (hyphen, en dash, em dash, minus sign).
_SEP = r"[\s./_\u2010-\u2015\u2212-]{0,2}"

# Characters that print as nothing (zero-width space and joiners, word joiner, byte order
# mark, soft hyphen) are removed before matching, so they cannot split a number.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"))

_STREET_TYPES = (
    r"Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Close|Drive|Dr|Way|Gate|Court|Ct|Crescent|Cres"
    r"|Place|Pl|Grove|Gardens|Gdns|Terrace|Square|Sq|Walk|View|Row|Hill|Park|Mews|Parade"
    r"|Green|Rise|Fold|Croft|Bank|Vale|Chase|Estate"
)
# Words that make "First Surname ..." a place or service, not a person.
_PLACE_WORDS = (
    rf"{_STREET_TYPES}|Centre|Center|House|Homes|Hall|Market|Hospital|Infirmary|School"
    r"|College|Academy|Trust|Services|Surgery|Practice|Library|Church|Station|Ambulance"
)
# Street words that are not everyday words, for addresses written in any case
# ("12 high street"); "park", "bank", "walk", "way"... count only when capitalised.
_PLAIN_STREET_TYPES = (
    r"street|st|road|rd|lane|ln|avenue|ave|crescent|cres|terrace|grove|gardens|gdns|mews"
)
# Small words that do not start a street's name, so "2 trips to the road" is not an address.
_NOT_A_STREET_NAME = r"(?:the|a|an|to|at|of|in|on|for|and|or|with|from|by|per|my|her|his|their)\b"
_CAPITALISED = r"(?:[A-Z][a-z]*(?:['’-]?[A-Z]?[a-z]+)+|[A-Z]{2,})"
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?"


PATTERNS: list[tuple[str, str, re.Pattern]] = [
    ("an email address", "an address with @", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    (
        "a National Insurance number",
        "two letters, six digits and a letter",
        re.compile(rf"\b[A-Z]{{2}}{_SEP}\d{{2}}{_SEP}\d{{2}}{_SEP}\d{{2}}{_SEP}[A-D]\b", re.I),
    ),
    (
        "an NHS number",
        "ten digits",
        re.compile(rf"(?<![\d£$])\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{4}}(?![\d])"),
    ),
    (
        "a phone number",
        "a number starting 0 or +44 with ten or eleven digits",
        re.compile(
            rf"(?:\+{_SEP}44{_SEP}(?:\(0\){_SEP})?|(?<![\d£$.,])0)(?:{_SEP}\d){{9,10}}(?!\d)"
        ),
    ),
    (
        "a postcode",
        "the pattern of a UK postcode",
        re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I),
    ),
    (
        "a date of birth",
        "a birth mentioned with a date",
        re.compile(
            r"\b(?:d\.?o\.?b\.?|date of birth|born(?: on(?: the)?| in)?)\s*:?\s*"
            rf"(?:{_WRITTEN_DATE}|{_BIRTH_YEAR})"
            r"|\b(?:d\.?o\.?b|date of birth|born)\b"
            # A full date in a birth year (1900 to 2019): appointments this year pass.
            rf"|\b\d{{1,2}}[/.-]\d{{1,2}}[/.-]{_BIRTH_YEAR}\b"
            rf"|\b{_DAY}\s+(?:of\s+)?(?:{_MONTHS})\s+{_BIRTH_YEAR}\b",
            re.I,
        ),
    ),
    (
        "a house address",
        "a house or flat number with a street",
        re.compile(
            rf"(?<![\w£$.,])\d{{1,4}}[A-Za-z]?,?\s+(?:[A-Z][\w'’-]*\s+){{1,3}}(?:{_STREET_TYPES})\b\.?"
            r"|\b(?:Flat|Apartment|Apt)\.?\s+\d{1,4}[A-Za-z]?\b",
        ),
    ),
    (
        "a house address",
        "a house or flat number with a street",
        re.compile(
            rf"(?<![\w£$.,])\d{{1,4}}[a-z]?,?\s+(?:(?!{_NOT_A_STREET_NAME})[a-z][\w'’-]*\s+){{1,3}}"
            rf"(?:{_PLAIN_STREET_TYPES})\b\.?"
            r"|\b(?:flat|apartment|apt)\.?\s+\d{1,4}[a-z]?\b",
            re.I,
        ),
    ),
    (
        "a full name",
        "a title and a surname",
        re.compile(rf"\b{_TITLE}\s+{_CAPITALISED}\b(?!\s+(?:{_PLACE_WORDS})\b)"),
    ),
]

# "jo at example dot org", "jo (at) example.org": only with a spelled-out "dot" or a
# bracketed "at", so that "bought at argos.co.uk" passes.
_SPELLED_EMAIL = re.compile(
    r"\b[\w+-]+(?:\.[\w+-]+)*"
    r"(?:\s*[(\[{<]\s*at\s*[)\]}>]\s*|\s+at\s+)"
    r"[\w-]+(?:(?:\s*[(\[{<]\s*dot\s*[)\]}>]\s*|\s+dot\s+|\.)[\w-]+)*"
    r"(?:\s*[(\[{<]\s*dot\s*[)\]}>]\s*|\s+dot\s+|\.)"
    r"(?:com|org|net|uk|gov|nhs|ac|edu|info|io|me)\b",
    re.I,
)
_SPELLED_OUT = re.compile(r"\bdot\b|[(\[{<]\s*at\s*[)\]}>]", re.I)

_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*")
_PLACE_WORD = re.compile(rf"(?:{_PLACE_WORDS})", re.I)
_SAINT = {"st", "saint"}


def _surname_like(word: str) -> bool:
    """Capitalised ("Smith", "SMITH", "O'Brien") or a common surname in any case."""
    return bool(re.fullmatch(_CAPITALISED, word)) or word.lower() in SURNAMES


_ANY_TITLE = re.compile(r"\b(?:mr|mrs|ms|miss|mx|dr)\b\.?\s+([A-Za-z]+(?:['’][A-Za-z]+)?)\b", re.I)


def _titled_names(text: str) -> list[str]:
    """'MRS JONES', 'mrs jones': a title in any case with a common surname (a capitalised
    word after a capitalised title is in PATTERNS). "will miss Christmas" passes."""
    return [m.group(0) for m in _ANY_TITLE.finditer(text) if m.group(1).lower() in SURNAMES]


def _full_names(text: str) -> list[str]:
    """'John Smith', 'JOHN SMITH', 'john smith': a first name from the list followed by a
    surname-like word, unless the pair is part of a place ("St John Ambulance", "Mary
    Woollett Centre").

    A first name in lower case needs a surname-like word after it (capitalised or a common
    surname), so "will buy a phone" and "jack for the car" pass.
    """
    words = list(_WORD.finditer(text))

    def joined(a, b) -> bool:  # only spaces between two words
        return not text[a.end() : b.start()].strip()

    names = []
    for i in range(len(words) - 1):
        first, surname = words[i], words[i + 1]
        if not joined(first, surname):
            continue
        first_text, surname_text = first.group(0), surname.group(0)
        if first_text.capitalize() not in FIRST_NAMES:
            continue
        if first_text not in (first_text.capitalize(), first_text.upper(), first_text.lower()):
            continue
        if not _surname_like(surname_text) or _PLACE_WORD.fullmatch(surname_text):
            continue
        # In capitals every word looks capitalised ("JACK THE LAD"): then only a common
        # surname, or one written "Smith", makes it a name.
        if first_text.isupper() and surname_text.isupper() and surname_text.lower() not in SURNAMES:
            continue
        before = words[i - 1] if i else None
        if (
            before
            and before.group(0).lower() in _SAINT
            and not text[before.end() : first.start()].strip(" .")
        ):
            continue
        after = words[i + 2 : i + 4]
        if after and joined(surname, after[0]):
            if _PLACE_WORD.fullmatch(after[0].group(0)):
                continue
            if (
                len(after) == 2
                and re.fullmatch(_CAPITALISED, after[0].group(0))
                and joined(after[0], after[1])
                and _PLACE_WORD.fullmatch(after[1].group(0))
            ):
                continue
        names.append(text[first.start() : surname.end()])
    return names


def normalise(text: str) -> str:
    """Full-width and styled characters as plain ones, invisible characters removed."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return re.sub(r"[^\S\n]+", " ", text)


def find_identifiers(text: str) -> list[str]:
    """Describe each identifying part of ``text`` and why it looked so (empty when none).

    Each description starts with the kind, e.g. 'a phone number ("07700 900123": a
    number starting 0 or +44 with ten or eleven digits)'.
    """
    if not text:
        return []
    text = normalise(text)
    found: dict[str, str] = {}
    for kind, reason, pattern in PATTERNS:
        match = pattern.search(text)
        if match and kind not in found:
            found[kind] = f'{kind} ("{match.group(0).strip()}": {reason})'
    if "an email address" not in found:
        for match in _SPELLED_EMAIL.finditer(text):
            if _SPELLED_OUT.search(match.group(0)):
                found["an email address"] = (
                    f'an email address ("{match.group(0)}": an address written out with '
                    '"at" and "dot")'
                )
                break
    if "a full name" not in found:
        titled = _titled_names(text)
        if titled:
            found["a full name"] = f'a full name ("{titled[0]}": a title and a surname)'
    if "a full name" not in found:
        names = _full_names(text)
        if names:
            found["a full name"] = f'a full name ("{names[0]}": a first name and a surname)'
    # An NHS number is ten digits, which a phone pattern also matches: name it once.
    if "an NHS number" in found and "a phone number" in found:
        del found["a phone number"]
    return list(found.values())
