from django.apps import AppConfig

from people.roles import Role


class GrantsConfig(AppConfig):
    name = "grants"
    # This app's part of each role's permissions (people.roles puts the parts together).
    role_permissions = {
        Role.KEY_WORKER: ["grants.view_*", "grants.add_*", "grants.change_*"],
        Role.FUND_OFFICER: ["grants.view_*", "grants.add_*", "grants.change_*"],
        Role.FUND_MANAGER: ["grants.view_*", "grants.add_*", "grants.change_*"],
        Role.AUDITOR: ["grants.view_*"],
    }
