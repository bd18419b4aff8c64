from django.apps import AppConfig

from people.roles import Role


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = "People, roles and sign-in"
    # Patterns over "app_label.codename". Ledger rows (entries, transfers, balances) are never
    # writable by anyone: services write them, and the admin shows them read-only.
    role_permissions = {
        Role.FUND_OFFICER: ["fund.view_*"],
        Role.FUND_MANAGER: [
            "fund.view_*",
            "fund.add_fund",
            "fund.change_fund",
            "fund.change_fundrules",
            "fund.add_categorycap",
            "fund.change_categorycap",
        ],
        Role.AUDITOR: ["fund.view_*", "auth.view_user", "auth.view_group"],
    }

    def ready(self):
        from allauth.mfa.signals import authentication_failed, authenticator_added
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.db.models.signals import post_migrate, post_save

        from people import authentication, security_log
        from people.roles import sync_role_permissions

        user_logged_in.connect(authentication.on_user_logged_in, dispatch_uid="people.signed_in")
        post_save.connect(
            authentication.on_user_saved, sender=get_user_model(), dispatch_uid="people.user_saved"
        )
        user_login_failed.connect(security_log.on_login_failed, dispatch_uid="people.log_failed")
        user_logged_in.connect(security_log.on_logged_in, dispatch_uid="people.log_signed_in")
        user_logged_out.connect(security_log.on_logged_out, dispatch_uid="people.log_signed_out")
        authentication_failed.connect(
            security_log.on_second_factor_failed, dispatch_uid="people.log_second_factor_failed"
        )
        authenticator_added.connect(
            authentication.on_authenticator_added, dispatch_uid="people.authenticator_added"
        )

        post_migrate.connect(sync_role_permissions, dispatch_uid="people.sync_role_permissions")
