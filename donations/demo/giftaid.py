"""The demo's Gift Aid and GASDS claims, and when HMRC pays them into the bank."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from donations.models import GiftAidClaim
from donations.selectors.cash import tax_year_start
from donations.services.gasds import gasds_claim_record
from donations.services.giftaid import gift_aid_claim_create
from fund.clock import Step
from people.demo import at, year_start


def claims_timeline(context) -> list[Step]:
    """A Gift Aid claim for last tax year's gifts (HMRC repays it; see banking's statement),
    that year's GASDS claim on the box cash, and a claim for this year to date, waiting."""
    users, today = context["users"], context["today"]
    manager = users["manager"]
    start = year_start(today)
    this_year = tax_year_start(today)
    steps = []
    first_claim = this_year + timedelta(days=14)
    if start < this_year and first_claim < today - timedelta(days=7):
        steps.append(
            Step(
                at(first_claim, 10),
                lambda: gift_aid_claim_create(
                    actor=manager, date_from=start, date_to=this_year - timedelta(days=1)
                ),
            )
        )
        last_year = tax_year_start(this_year - timedelta(days=1))
        steps.append(
            Step(
                at(first_claim + timedelta(days=1), 10),
                lambda: gasds_claim_record(
                    actor=manager,
                    tax_year_start=last_year,
                    hmrc_reference=f"GASDS-{last_year.year}-{(last_year.year + 1) % 100:02d}",
                    claimed_on=timezone.localdate(),
                ),
            )
        )
    month_start = today.replace(day=1)
    second_claim = (month_start - timedelta(days=1)).replace(day=10)
    covers_to = second_claim.replace(day=1) - timedelta(days=1)
    if covers_to > this_year and second_claim > first_claim:
        steps.append(
            Step(
                at(second_claim, 10),
                lambda: gift_aid_claim_create(
                    actor=manager, date_from=this_year, date_to=covers_to
                ),
            )
        )
    return steps


def hmrc_payments_due(start: date, end: date) -> list[tuple[date, str, Decimal]]:
    """What HMRC pays into the bank between two dates: a Gift Aid claim five weeks after it
    was made, a GASDS claim six weeks after. For the demo's bank statements."""
    from donations.models import GasdsClaim

    due = []
    for claim in GiftAidClaim.objects.filter(repayment__isnull=True).order_by("pk"):
        on = timezone.localdate(claim.created_at) + timedelta(days=35)
        if start <= on <= end:
            due.append((on, f"HMRC GIFT AID CHAR{claim.pk:05d}", claim.net.amount))
    for claim in GasdsClaim.objects.filter(paid_on__isnull=True).order_by("pk"):
        on = claim.claimed_on + timedelta(days=42)
        if start <= on <= end:
            due.append((on, f"HMRC GASDS {claim.hmrc_reference}", claim.top_up.amount))
    return due
