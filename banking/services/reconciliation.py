"""Marking a period reconciled, once the unexplained difference is £0.00."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from banking.access import require_role
from banking.exceptions import ReconciliationRefused
from banking.models import BankAccount, Reconciliation
from banking.selectors import reconciliation_statement
from fund.money import format_gbp
from people.roles import BANK_MANAGER_ROLES


def reconciliation_mark(
    *, actor: AbstractBaseUser, bank_account: BankAccount, as_of: date
) -> Reconciliation:
    """A manager marks the period reconciled: only when the unexplained difference is £0.00."""
    require_role(actor, BANK_MANAGER_ROLES, "fund managers")
    with transaction.atomic():
        BankAccount.objects.select_for_update().get(pk=bank_account.pk)
        figures = reconciliation_statement(bank_account, as_of)
        if figures.statement_balance is None:
            raise ReconciliationRefused(
                f"There is no statement line on or before {as_of:%d %b %Y} to reconcile to."
            )
        if figures.difference.amount != 0:
            raise ReconciliationRefused(
                f"The unexplained difference is {format_gbp(figures.difference)}: it must be "
                "£0.00 before the period can be marked reconciled. Match or work the lines "
                "not yet in the ledger."
            )
        if Reconciliation.objects.filter(bank_account=bank_account, as_of=as_of).exists():
            raise ReconciliationRefused(f"{as_of:%d %b %Y} is already marked reconciled.")
        row = Reconciliation(
            bank_account=bank_account,
            as_of=as_of,
            ledger_balance=figures.ledger_balance,
            statement_balance=figures.statement_balance,
            not_on_statement=figures.not_on_statement_total,
            difference=figures.difference,
            reconciled_by=actor,
        )
        row._history_user = actor
        row.save()
    return row
