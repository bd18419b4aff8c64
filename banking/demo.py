"""Demo data: a bank statement a month, imported, matched, worked and reconciled.

On the 4th of each month the officer imports the last month's statement: what the bank
would show for the demo's own ledger (each cash deposit a day after banking, each Stripe
payout, each grant paid to a supplier, the funder's contribution, HMRC's Gift Aid and
GASDS payments) plus the monthly account fee and, once, a receipt nobody recognises.
Deposits, payouts and supplier payments match automatically (the manager's rules); the
officer confirms HMRC's and the funder's lines, works the fee and sends the unknown
receipt to suspense, cleared once it is explained. On the 5th the manager marks the month
reconciled. ``seed_demo`` runs these steps under the demo clock.
"""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

from banking.matching import candidates_for
from banking.models import BankAccount, Match, StatementLine
from banking.services.matching import match_confirm, match_rule_set
from banking.services.reconciliation import reconciliation_mark
from banking.services.statements import statement_import
from banking.services.suspense import suspense_clear
from banking.services.worked_lines import line_work
from donations.demo.giftaid import hmrc_payments_due
from donations.demo.taps import tap_payouts_due
from donations.models.cash import Deposit
from donations.models.contributions import ContributionReceipt
from donations.models.online import StripePayout
from fund.clock import Step
from fund.models import Account, Fund
from grants.models import Payout
from people.demo import at, year_start

ACCOUNT_FEE = Decimal("-4.50")
UNKNOWN_RECEIPT = "BGC CREDIT REF 88213"
AUTOMATIC = ("deposit", "payout", "supplier")


def months(start: date, today: date) -> list[tuple[date, date]]:
    """(first, last) day of each month from ``start``'s, the first starting at ``start``."""
    found, first = [], start
    while first <= today:
        following = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
        found.append((first, following - timedelta(days=1)))
        first = following
    return found


def _last_working_day(first: date, last: date) -> date:
    day = last
    while day.weekday() >= 5 and day > first:
        day -= timedelta(days=1)
    return day


def statement_rows(first: date, last: date) -> list[tuple[date, str, Decimal]]:
    rows = []
    for d in Deposit.objects.all():
        on = d.banked_on + timedelta(days=1)
        if first <= on <= last:
            rows.append((on, f"PAYING IN {d.paying_in_reference}", d.amount_banked.amount))
    for p in StripePayout.objects.filter(
        status=StripePayout.Status.PAID, arrival_date__range=(first, last)
    ):
        rows.append((p.arrival_date, "STRIPE PAYMENTS UK", p.amount.amount))
    for p in Payout.objects.filter(paid_on__range=(first, last)):
        rows.append((p.paid_on, f"{p.payee.upper()} {p.reference}", -p.amount.amount))
    for r in ContributionReceipt.objects.filter(received_on__range=(first, last)):
        rows.append(
            (r.received_on, f"BACS {r.pledge.reference} DONCASTER COUNCIL", r.amount.amount)
        )
    rows += hmrc_payments_due(first, last)
    rows += tap_payouts_due(first, last)
    rows.append((_last_working_day(first, last), "ACCOUNT FEE", ACCOUNT_FEE))
    return sorted(rows, key=lambda r: (r[0], r[1]))


def timeline(context) -> list[Step]:
    users, today = context["users"], context["today"]
    officer, manager = users["officer"], users["manager"]
    start = year_start(today)

    def rules():
        for kind in AUTOMATIC:
            match_rule_set(actor=manager, kind=kind, automatic=True)

    steps = [Step(at(start, 8, 55), rules)]
    for number, (first, last) in enumerate(months(start, today)):
        imported = last + timedelta(days=4)
        if imported >= today:
            break
        steps.append(
            Step(
                at(imported, 14),
                lambda f=first, la=last, unknown=(number == 1): import_month(
                    officer, f, la, unknown
                ),
            )
        )
        steps.append(
            Step(
                at(imported + timedelta(days=1), 10),
                lambda la=last: reconciliation_mark(
                    actor=manager, bank_account=_account(), as_of=la
                ),
            )
        )
        if number == 1:
            steps.append(Step(at(imported + timedelta(days=6), 11), lambda: clear(officer)))
    return steps


def _account() -> BankAccount:
    return BankAccount.objects.get(code="current")


def import_month(officer, first: date, last: date, unknown: bool) -> None:
    account = _account()
    rows = statement_rows(first, last)
    if unknown:
        rows.append((first + timedelta(days=9), UNKNOWN_RECEIPT, Decimal("25.00")))
        rows.sort(key=lambda r: (r[0], r[1]))
    previous = (
        StatementLine.objects.filter(bank_account=account).order_by("posted_on", "position").last()
    )
    running = previous.balance.amount if previous else Decimal("0.00")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Date", "Description", "Amount", "Balance"])
    for on, description, amount in rows:
        running += amount
        writer.writerow([f"{on:%d/%m/%Y}", description, f"{amount:.2f}", f"{running:.2f}"])
    result = statement_import(
        actor=officer,
        bank_account=account,
        content=out.getvalue().encode(),
        file_name=f"statement-{last:%Y-%m}.csv",
    )
    # What the automatic rules left: the officer confirms, works or sends to suspense.
    waiting = [
        line
        for line in result.statement.lines.order_by("posted_on", "position")
        if not Match.objects.filter(line=line, undone_at__isnull=True).exists()
    ]
    found = candidates_for(account, waiting)
    public = Fund.objects.get(code="public")
    for line in waiting:
        options = found.get(line.pk, [])
        if len(options) > 1 and not any(o.difference is not None for o in options):
            # Records already in the database (a test's own) fit this line too: the demo's
            # were made after them, so its record is the newest candidate.
            options = [max(options, key=lambda o: int(o.key.rsplit(":", 1)[1]))]
        if len(options) == 1:
            match_confirm(actor=officer, line=line, key=options[0].key)
        elif line.description == "ACCOUNT FEE":
            line_work(
                actor=officer, line=line, kind="bank_charge", fund=public, reason="Monthly fee"
            )
        elif line.description == UNKNOWN_RECEIPT:
            line_work(
                actor=officer,
                line=line,
                kind="unknown_receipt",
                fund=public,
                reason="No donor or funder known for this credit yet",
            )
        else:
            raise ValueError(
                f"Demo statement line {line.posted_on} {line.description} {line.amount}: "
                f"{[o.key for o in options]}"
            )


def clear(officer) -> None:
    match = Match.objects.get(line__description=UNKNOWN_RECEIPT, undone_at__isnull=True)
    suspense_clear(
        actor=officer,
        match=match,
        account=Account.objects.get(code="income:donations:online"),
        reason="A donor's bank transfer: she rang to say so",
    )
