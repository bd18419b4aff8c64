from django.apps import AppConfig
from django.apps import apps as global_apps


def ensure_fund_reference_rows(sender, using="default", apps=global_apps, **kwargs):
    from fund.chart import ensure_reference_rows

    ensure_reference_rows(apps, using)


class FundConfig(AppConfig):
    name = "fund"
    verbose_name = "Fund and ledger"

    def ready(self):
        from django.db.models.signals import post_migrate

        post_migrate.connect(
            ensure_fund_reference_rows, sender=self, dispatch_uid="fund.ensure_reference_rows"
        )
