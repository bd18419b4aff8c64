from django.apps import AppConfig


class FundConfig(AppConfig):
    name = "fund"
    verbose_name = "Fund and ledger"

    def ready(self):
        from django.db.models.signals import post_migrate

        from fund.roles import sync_role_permissions

        post_migrate.connect(sync_role_permissions, dispatch_uid="fund.sync_role_permissions")
