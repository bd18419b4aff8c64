"""The menu each role sees, built from the role sets (audit.navigation), written out here."""

import re

import pytest

MENUS = {
    "officer": [
        ("Funds", "/"),
        ("Cash", "/donations/cash/"),
        ("Exports", "/audit/exports/"),
        ("Dashboard", "/audit/dashboard/"),
        ("Online gifts", "/donations/online/"),
        ("Contributions", "/donations/contributions/"),
        ("Bank", "/banking/"),
        ("Decision queue", "/grants/queue/"),
        ("Receipts and outcomes", "/grants/follow-up/"),
        ("Subject access", "/subject-access/"),
    ],
    "manager": [
        ("Funds", "/"),
        ("Cash", "/donations/cash/"),
        ("Exports", "/audit/exports/"),
        ("Dashboard", "/audit/dashboard/"),
        ("Online gifts", "/donations/online/"),
        ("Contributions", "/donations/contributions/"),
        ("Bank", "/banking/"),
        ("Decision queue", "/grants/queue/"),
        ("Receipts and outcomes", "/grants/follow-up/"),
        ("Grant limits", "/grants/limits/"),
        ("Decision times", "/grants/decisions/"),
        ("People", "/grants/people/"),
        ("Subject access", "/subject-access/"),
    ],
    "auditor": [
        ("Funds", "/"),
        ("Cash", "/donations/cash/"),
        ("Exports", "/audit/exports/"),
        ("Dashboard", "/audit/dashboard/"),
        ("Online gifts", "/donations/online/"),
        ("Contributions", "/donations/contributions/"),
        ("Bank", "/banking/"),
        ("Decision queue", "/grants/queue/"),
        ("Receipts and outcomes", "/grants/follow-up/"),
        ("Grant limits", "/grants/limits/"),
        ("Decision times", "/grants/decisions/"),
    ],
    "key_worker": [("Requests", "/grants/")],
    "partner": [("Partner view", "/audit/partner/")],
}

LINK = re.compile(
    r'<a class="govuk-service-navigation__link" href="([^"]+)">([^<]+)</a>', re.MULTILINE
)


def menu(html: str) -> list[tuple[str, str]]:
    """The menu's links (a visitor's page has no menu at all)."""
    if 'id="navigation"' not in html:
        return []
    nav = html.split('id="navigation"', 1)[1].split("</ul>", 1)[0]
    return [(label.strip(), href) for href, label in LINK.findall(nav)]


@pytest.mark.parametrize("persona", MENUS)
def test_each_role_sees_the_menu_of_its_role_sets(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    page = client.get("/transparency/").content.decode()

    assert menu(page) == MENUS[persona]


def test_a_visitor_sees_no_menu_items(client, db):
    assert menu(client.get("/transparency/").content.decode()) == []
