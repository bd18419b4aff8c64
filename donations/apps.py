from django.apps import AppConfig

from people.roles import Role


class DonationsConfig(AppConfig):
    name = "donations"
    # This app's part of each role's permissions (people.roles puts the parts together).
    role_permissions = {
        Role.FUND_OFFICER: ["donations.view_*", "donations.add_*", "donations.change_*"],
        Role.FUND_MANAGER: ["donations.view_*", "donations.add_*", "donations.change_*"],
        Role.AUDITOR: ["donations.view_*"],
    }
