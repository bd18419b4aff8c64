"""Demo data: the months closed. Twelve days after each month's end (the statement is in
and reconciled by then, and the Stripe balance was checked on the month's last day) the
manager locks the month for each fund, through the period close page's service. Where an
item of the checklist is really open at the month's end (Gift Aid is claimed twice a year,
so gifts wait for the next claim; a round's cash counted on the last day is banked the next
working day; a credit sat in suspense over one month's end) the close records why it went
ahead, as the page asks a manager to; a month with nothing open closes without a reason.
"""

from datetime import timedelta

from audit.period_close import period_checklist, period_close
from banking.demo import months
from fund.clock import Step
from fund.models import Fund
from people.demo import at, year_start

# Why the manager closes anyway, per open item (the items the demo's year leaves open at a
# month's end); any other item open is named as it is, so the demo never stops on it.
REASONS = {
    "collections": "The last round's cash was banked the next working day.",
    "gift-aid": "Gift Aid is claimed twice a year.",
    "suspense": "A credit in suspense at the month's end, cleared once explained.",
}


def close_reason(fund, last) -> str:
    """The reason the close records: empty when every item of the checklist is met."""
    return " ".join(
        REASONS.get(c.code, f"{c.title}: open at the month's end.")
        for c in period_checklist(fund, last)
        if not c.ok
    )


def timeline(context) -> list[Step]:
    manager, today = context["users"]["manager"], context["today"]

    def close(last):
        for fund in Fund.objects.filter(is_active=True).order_by("pk"):
            if fund.lock_date is None or fund.lock_date < last:
                period_close(
                    actor=manager, fund=fund, period_end=last, reason=close_reason(fund, last)
                )

    steps = []
    for _first, last in months(year_start(today), today):
        closed = last + timedelta(days=12)
        if closed >= today:
            break
        steps.append(Step(at(closed, 11), lambda la=last: close(la)))
    return steps
