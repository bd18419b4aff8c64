"""Demo data: the months closed. Twelve days after each month's end (the statement is in
and reconciled by then) the manager locks the month for each fund, through the period
close page's service. The checklist's Stripe balance check has nothing to read yet (no
Stripe reconciliation record exists in this version), so each close records why it went
ahead with that item open, as the page asks a manager to.
"""

from datetime import timedelta

from audit.period_close import period_close
from banking.demo import months
from fund.clock import Step
from fund.models import Fund
from people.demo import at, year_start

CLOSE_REASON = (
    "Stripe payouts are matched on the bank statement; the Stripe balance check is not "
    "recorded separately yet."
)


def timeline(context) -> list[Step]:
    manager, today = context["users"]["manager"], context["today"]

    def close(last):
        for fund in Fund.objects.filter(is_active=True).order_by("pk"):
            if fund.lock_date is None or fund.lock_date < last:
                period_close(actor=manager, fund=fund, period_end=last, reason=CLOSE_REASON)

    steps = []
    for _first, last in months(year_start(today), today):
        closed = last + timedelta(days=12)
        if closed >= today:
            break
        steps.append(Step(at(closed, 11), lambda la=last: close(la)))
    return steps
