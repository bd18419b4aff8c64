from django.apps import AppConfig
from django.apps import apps as global_apps

from people.roles import Role

DEFAULT_BANK_ACCOUNT = ("current", "Current account", "assets:bank")


def ensure_default_bank_account(sender, using="default", apps=global_apps, **kwargs):
    """The fund's one bank account, kept in the ledger as ``assets:bank`` (idempotent)."""
    BankAccount = apps.get_model("banking", "BankAccount")
    Account = apps.get_model("fund", "Account")
    code, name, ledger_code = DEFAULT_BANK_ACCOUNT
    ledger = Account.objects.using(using).filter(code=ledger_code).first()
    if ledger is not None and not BankAccount.objects.using(using).exists():
        BankAccount.objects.using(using).create(code=code, name=name, ledger_account=ledger)


class BankingConfig(AppConfig):
    name = "banking"
    verbose_name = "Bank statements and reconciliation"
    # This app's part of each role's permissions (people.roles puts the parts together).
    role_permissions = {
        Role.FUND_OFFICER: ["banking.view_*", "banking.add_*", "banking.change_*"],
        Role.FUND_MANAGER: ["banking.view_*", "banking.add_*", "banking.change_*"],
        Role.AUDITOR: ["banking.view_*"],
    }

    def ready(self):
        from django.db.models.signals import post_migrate

        post_migrate.connect(
            ensure_default_bank_account, sender=self, dispatch_uid="banking.default_bank_account"
        )
