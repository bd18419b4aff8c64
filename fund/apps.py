from django.apps import AppConfig
from django.apps import apps as global_apps


def ensure_fund_reference_rows(sender, using="default", apps=global_apps, **kwargs):
    from fund.chart import ensure_reference_rows

    ensure_reference_rows(apps, using)


class FundConfig(AppConfig):
    name = "fund"
    verbose_name = "Fund and ledger"

    def ready(self):
        from allauth.mfa.signals import authentication_failed, authenticator_added
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.db.models.signals import post_migrate, post_save

        from fund import authentication, security_log
        from fund.roles import sync_role_permissions

        user_logged_in.connect(authentication.on_user_logged_in, dispatch_uid="fund.signed_in")
        post_save.connect(
            authentication.on_user_saved, sender=get_user_model(), dispatch_uid="fund.user_saved"
        )
        user_login_failed.connect(security_log.on_login_failed, dispatch_uid="fund.log_failed")
        user_logged_in.connect(security_log.on_logged_in, dispatch_uid="fund.log_signed_in")
        user_logged_out.connect(security_log.on_logged_out, dispatch_uid="fund.log_signed_out")
        authentication_failed.connect(
            security_log.on_second_factor_failed, dispatch_uid="fund.log_second_factor_failed"
        )
        authenticator_added.connect(
            authentication.on_authenticator_added, dispatch_uid="fund.authenticator_added"
        )

        post_migrate.connect(sync_role_permissions, dispatch_uid="fund.sync_role_permissions")
        post_migrate.connect(
            ensure_fund_reference_rows, sender=self, dispatch_uid="fund.ensure_reference_rows"
        )
