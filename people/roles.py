"""Roles are Django groups; each app says which of its model permissions each one holds.

The groups are created by a data migration; ``sync_role_permissions`` runs after every
migrate so permissions for models added later (by any app) follow the apps' tables.
"""

from enum import StrEnum
from fnmatch import fnmatch


class Role(StrEnum):
    KEY_WORKER = "Key worker"
    FUND_OFFICER = "Fund officer"
    FUND_MANAGER = "Fund manager"
    AUDITOR = "Auditor"
    PARTNER = "Partner"


# The role sets: every access check, and the navigation, take their roles from here.
STAFF_ROLES = (Role.FUND_OFFICER, Role.FUND_MANAGER, Role.AUDITOR)  # read everything
HANDLER_ROLES = (Role.FUND_OFFICER, Role.FUND_MANAGER)  # act: count, bank, decide, pay, refund
GRANT_ROLES = (Role.KEY_WORKER, *STAFF_ROLES)  # work with grant requests
KEY_WORKER_ROLES = (Role.KEY_WORKER,)
LIMIT_READER_ROLES = (Role.FUND_MANAGER, Role.AUDITOR)  # see the grant limits
SEAL_REVIEWER_ROLES = (Role.FUND_MANAGER,)  # clear a broken-seal flag
BANK_MANAGER_ROLES = (Role.FUND_MANAGER,)  # CSV layouts, automatic matching, mark reconciled
PEOPLE_MANAGER_ROLES = (Role.FUND_MANAGER,)  # agencies, invitations, roles, deactivation
PARTNER_VIEW_ROLES = (Role.PARTNER, *STAFF_ROLES)  # the partner dashboard
PARTNER_ROLES = (Role.PARTNER,)
TWO_FACTOR_ROLES = (Role.KEY_WORKER, *STAFF_ROLES)  # must sign in with a second factor


def role_permissions() -> dict[Role, list[str]]:
    """Each role's permission patterns over "app_label.codename", put together from every
    installed app's own part: an app config's ``role_permissions`` names that app's models
    (people's own names the ledger's and auth's, since fund knows nothing of roles)."""
    from django.apps import apps

    combined: dict[Role, list[str]] = {role: [] for role in Role}
    for config in apps.get_app_configs():
        for role, patterns in getattr(config, "role_permissions", {}).items():
            combined[role] += patterns
    return combined


def sync_role_permissions(sender=None, using="default", **kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    permissions = list(Permission.objects.using(using).select_related("content_type"))
    for role, patterns in role_permissions().items():
        group, _ = Group.objects.using(using).get_or_create(name=role.value)
        wanted = [
            p
            for p in permissions
            if any(fnmatch(f"{p.content_type.app_label}.{p.codename}", pat) for pat in patterns)
        ]
        group.permissions.set(wanted)
