"""Ids and page numbers in links and form values are never written with a thousands comma.

The site shows numbers the UK way (``USE_THOUSAND_SEPARATOR``), so ``{{ grant.pk }}`` is
"1,234" once there are a thousand of anything. In text that is only ugly; in a link, a
form value or a test id it breaks the page: a second approval posted the fund as "1,234"
and was refused, and the 1,000th page of a list was unreachable. Such values go through
``|unlocalize``.
"""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# An attribute whose value is used as a number by a machine, not read by a person.
ATTRIBUTE = re.compile(r'(?:href|value|action|data-testid|id|for|aria-labelledby)="([^"]*)"')
NUMBER = re.compile(r"\{\{\s*([\w.]*(?:\.pk|_id|\.id|page_number))\s*(\|[^}]*)?\}\}")
# Names ending in _id that hold text, not a number: Django's field ids, Stripe's and the
# card provider's identifiers.
TEXT_IDS = ("auto_id", "error_id", "hint_id", "stripe_id", "terminal_id")


def test_no_template_writes_an_id_or_page_number_into_an_attribute_localised():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for attribute in ATTRIBUTE.finditer(line):
                for value in NUMBER.finditer(attribute.group(1)):
                    if value.group(1).endswith(TEXT_IDS):
                        continue
                    if "unlocalize" not in (value.group(2) or ""):
                        found.append(f"{path.relative_to(TEMPLATES)}:{number}: {value.group(0)}")
    assert found == []
