"""The navigation: one table of the pages a person may reach, each with the role set that
may open it (people.roles), so the menu and the page's own check cannot drift apart.

It lives in the top layer because it names every app's pages. The after-sign-in page
(audit.views.home.start) sends a person to the first item they may open.
"""

from dataclasses import dataclass

from django.urls import reverse

from people.access import has_role
from people.roles import (
    HANDLER_ROLES,
    KEY_WORKER_ROLES,
    LIMIT_READER_ROLES,
    PARTNER_ROLES,
    PEOPLE_MANAGER_ROLES,
    STAFF_ROLES,
    Role,
)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple[Role, ...]


NAVIGATION = [
    NavItem("Funds", "home", STAFF_ROLES),
    NavItem("Cash", "donations:cash_overview", STAFF_ROLES),
    NavItem("Exports", "audit:exports", STAFF_ROLES),
    NavItem("Dashboard", "audit:dashboard", STAFF_ROLES),
    NavItem("Online gifts", "donations:online-list", STAFF_ROLES),
    NavItem("Contributions", "donations:pledges", STAFF_ROLES),
    NavItem("Bank", "banking:statements", STAFF_ROLES),
    NavItem("Requests", "grants:list", KEY_WORKER_ROLES),
    NavItem("Decision queue", "grants:queue", STAFF_ROLES),
    NavItem("Receipts and outcomes", "grants:follow_up", STAFF_ROLES),
    NavItem("Grant limits", "grants:limits", LIMIT_READER_ROLES),
    NavItem("Decision times", "grants:decisions", LIMIT_READER_ROLES),
    NavItem("People", "grants:people", PEOPLE_MANAGER_ROLES),
    NavItem("Partner view", "audit:partner", PARTNER_ROLES),
    NavItem("Subject access", "subject-access", HANDLER_ROLES),
]


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str


def navigation_for(user) -> list[NavLink]:
    """The menu ``user`` sees: the items their roles may open, in the table's order."""
    return [
        NavLink(item.label, reverse(item.url_name))
        for item in NAVIGATION
        if has_role(user, *item.roles)
    ]
