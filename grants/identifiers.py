"""Spot obvious personal identifiers in free text, so they never reach the database.

Clients are pseudonymous: a request must not carry a postcode, NHS or National Insurance
number, date of birth, email address or phone number. The patterns are deliberately
simple and err towards refusing; the message says why so the key worker can rephrase.
"""

import re

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)

_BIRTH_YEAR = r"(?:19\d{2}|20[01]\d)"

PATTERNS: list[tuple[str, re.Pattern]] = [
    ("an email address", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    (
        "a National Insurance number",
        re.compile(r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.I),
    ),
    ("an NHS number", re.compile(r"\b\d{3}[\s-]?\d{3}[\s-]?\d{4}\b")),
    (
        "a phone number",
        re.compile(r"(?:\+44\s?\(?0?\)?|\b0)(?:\s?\d){9,10}\b"),
    ),
    (
        "a postcode",
        re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I),
    ),
    (
        "a date of birth",
        re.compile(
            r"\b(?:d\.?o\.?b\.?|date of birth|born on|born)\b"
            # A full date in a birth year (1900 to 2019): appointments this year pass.
            rf"|\b\d{{1,2}}[/.-]\d{{1,2}}[/.-]{_BIRTH_YEAR}\b"
            rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\s+{_BIRTH_YEAR}\b",
            re.I,
        ),
    ),
]


def find_identifiers(text: str) -> list[str]:
    """Name each kind of identifier found in ``text`` (empty when none)."""
    if not text:
        return []
    found = []
    for kind, pattern in PATTERNS:
        if pattern.search(text):
            found.append(kind)
    # An NHS number is ten digits, which a phone pattern also matches: name it once.
    if "an NHS number" in found and "a phone number" in found:
        found.remove("a phone number")
    return found
