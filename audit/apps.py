from django.apps import AppConfig

from people.roles import Role


class AuditConfig(AppConfig):
    name = "audit"
    # This app's part of each role's permissions (people.roles puts the parts together).
    role_permissions = {
        Role.FUND_OFFICER: ["audit.view_*"],
        Role.FUND_MANAGER: ["audit.view_*"],
        Role.AUDITOR: ["audit.view_*"],
    }
