"""Demo data: a bank statement for the demo months, imported through the service.

Its lines are what the bank would show for the demo's own ledger: each checked cash
deposit (a day after banking), each Stripe payout, each grant paid to a supplier, plus a
bank charge and one receipt nobody can explain, so the pages show every case. The same
lines give the same fingerprints, so running the demo again imports nothing twice.
"""

from datetime import timedelta
from decimal import Decimal

from banking.models import BankAccount
from banking.selectors import bank_ledger_balance
from banking.services import statement_import
from donations.models.cash import Deposit
from donations.models.online import StripePayout
from grants.models import Payout


def statement_rows(today, start):
    rows = []
    for d in Deposit.objects.filter(status=Deposit.Status.CHECKED, banked_on__gte=start):
        rows.append(
            (
                min(d.banked_on + timedelta(days=1), today),
                f"PAYING IN {d.paying_in_reference}",
                d.amount_banked.amount,
            )
        )
    for p in StripePayout.objects.filter(status=StripePayout.Status.PAID, arrival_date__gte=start):
        rows.append((p.arrival_date, "STRIPE PAYMENTS UK", p.amount.amount))
    for p in Payout.objects.filter(paid_on__gte=start):
        rows.append((p.paid_on, f"{p.payee.upper()} {p.reference}", -p.amount.amount))
    rows.append((start + timedelta(days=27), "ACCOUNT FEE", Decimal("-4.50")))
    rows.append((start + timedelta(days=33), "BGC CREDIT REF 88213", Decimal("25.00")))
    return sorted(rows, key=lambda r: (r[0], r[1]))


def seed(context) -> None:
    today = context["today"]
    start = today - timedelta(days=75)
    account = BankAccount.objects.order_by("pk").first()
    running = bank_ledger_balance(account, start - timedelta(days=1)).amount
    lines = ["Date,Description,Amount,Balance"]
    for on, description, amount in statement_rows(today, start):
        running += amount
        lines.append(f"{on:%d/%m/%Y},{description},{amount:.2f},{running:.2f}")
    statement_import(
        actor=context["users"]["officer"],
        bank_account=account,
        content=("\n".join(lines) + "\n").encode(),
        file_name=f"statement-to-{today.isoformat()}.csv",
    )
