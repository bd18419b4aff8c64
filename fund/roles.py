"""Roles are Django groups; this table says which model permissions each one holds.

The groups are created by a data migration; ``sync_role_permissions`` runs after every
migrate so permissions for models added later (by any app) follow this table.
"""

from enum import StrEnum
from fnmatch import fnmatch


class Role(StrEnum):
    KEY_WORKER = "Key worker"
    FUND_OFFICER = "Fund officer"
    FUND_MANAGER = "Fund manager"
    AUDITOR = "Auditor"
    PARTNER = "Partner"


_BUSINESS_APPS = ("fund", "donations", "grants", "audit")
_READ_EVERYTHING = [f"{app}.view_*" for app in _BUSINESS_APPS]

# Patterns over "app_label.codename". Ledger rows (entries, transfers, balances) are never
# writable by anyone: services write them, and the admin shows them read-only.
ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.KEY_WORKER: ["grants.view_*", "grants.add_*", "grants.change_*"],
    Role.FUND_OFFICER: _READ_EVERYTHING
    + ["donations.add_*", "donations.change_*", "grants.add_*", "grants.change_*"],
    Role.FUND_MANAGER: _READ_EVERYTHING
    + [
        "donations.add_*",
        "donations.change_*",
        "grants.add_*",
        "grants.change_*",
        "fund.add_fund",
        "fund.change_fund",
        "fund.change_fundrules",
        "fund.add_categorycap",
        "fund.change_categorycap",
    ],
    Role.AUDITOR: _READ_EVERYTHING + ["auth.view_user", "auth.view_group"],
    Role.PARTNER: [],
}


def sync_role_permissions(sender=None, using="default", **kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    permissions = list(Permission.objects.using(using).select_related("content_type"))
    for role, patterns in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role.value)
        wanted = [
            p
            for p in permissions
            if any(fnmatch(f"{p.content_type.app_label}.{p.codename}", pat) for pat in patterns)
        ]
        group.permissions.set(wanted)
