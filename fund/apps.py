from django.apps import AppConfig
from django.apps import apps as global_apps


def ensure_fund_reference_rows(sender, using="default", apps=global_apps, **kwargs):
    from fund.chart import ensure_reference_rows

    ensure_reference_rows(apps, using)


class FundConfig(AppConfig):
    name = "fund"
    verbose_name = "Fund and ledger"

    def ready(self):
        from allauth.mfa.signals import authenticator_added
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate, post_save

        from fund import authentication
        from fund.roles import sync_role_permissions

        user_logged_in.connect(authentication.on_user_logged_in, dispatch_uid="fund.signed_in")
        post_save.connect(
            authentication.on_user_saved, sender=get_user_model(), dispatch_uid="fund.user_saved"
        )
        authenticator_added.connect(
            authentication.on_authenticator_added, dispatch_uid="fund.authenticator_added"
        )

        post_migrate.connect(sync_role_permissions, dispatch_uid="fund.sync_role_permissions")
        post_migrate.connect(
            ensure_fund_reference_rows, sender=self, dispatch_uid="fund.ensure_reference_rows"
        )
