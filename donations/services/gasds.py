"""Every write for GASDS, the Gift Aid Small Donations Scheme: a tax year's claim of the
top-up on small cash gifts and contactless taps, shared across funds by their eligible
box cash, and HMRC's payment of it."""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from djmoney.money import Money

from donations.exceptions import GasdsClaimInvalid
from donations.models.cash import Collection, CollectionDenomination
from donations.models.giftaid import GasdsClaim
from donations.models.taps import Tap
from donations.selectors.cash import GASDS_SMALL_LIMIT, POSTED, gasds_by_tax_year
from donations.services.giftaid import BANK, fund_legs, split_by_weight, totals_by_fund
from fund.models import Entry, Fund
from fund.services.posting import Posting, entry_post, entry_post_prepared

GASDS_RECEIVABLE = "assets:gasds-receivable"
GASDS_INCOME = "income:gasds"


def _gasds_weights(start: date) -> dict[int, Decimal]:
    """Each fund's eligible box cash and small taps in the tax year from ``start``: the
    top-up's shares."""
    begin = timezone.make_aware(datetime.combine(start, time.min))
    end = timezone.make_aware(datetime.combine(date(start.year + 1, 4, 6), time.min))
    weights = totals_by_fund(
        Collection.objects.filter(status__in=POSTED, emptied_at__gte=begin, emptied_at__lt=end)
        .values("point__fund")
        .annotate(total=Sum("amount"))
        .values_list("point__fund", "total")
    )
    for fund_id, value, quantity in CollectionDenomination.objects.filter(
        collection__status__in=POSTED,
        collection__emptied_at__gte=begin,
        collection__emptied_at__lt=end,
        value__gt=GASDS_SMALL_LIMIT,
    ).values_list("collection__point__fund", "value", "quantity"):
        weights[fund_id] -= Decimal(value) * quantity
    # Contactless taps of £30 or less are small donations too, in the fund of their point.
    for fund_id, total in (
        Tap.objects.filter(tapped_at__gte=begin, tapped_at__lt=end, amount__lte=GASDS_SMALL_LIMIT)
        .values("point__fund")
        .annotate(total=Sum("amount"))
        .values_list("point__fund", "total")
    ):
        weights[fund_id] += Decimal(total)
    return weights


def gasds_claim_record(
    *,
    actor: AbstractBaseUser,
    tax_year_start: date,
    hmrc_reference: str,
    claimed_on: date,
    today: date | None = None,
) -> GasdsClaim:
    """Record a GASDS claim made to HMRC for one tax year; post GASDS receivable and income.

    The amount is the year's top-up by HMRC's rules (the least of the three limits), shared
    across funds by their eligible box cash. A year with nothing to claim, a year out of
    time and a second claim for the same year are refused.
    """
    today = today or timezone.localdate()
    hmrc_reference = hmrc_reference.strip()
    if not hmrc_reference:
        raise GasdsClaimInvalid("Enter HMRC's reference for the claim.")
    if claimed_on > today:
        raise GasdsClaimInvalid("The claim date cannot be in the future.")
    year = next((y for y in gasds_by_tax_year(today=today) if y.start == tax_year_start), None)
    if year is None:
        raise GasdsClaimInvalid(
            "There is no confirmed box cash and no contactless tap in that tax year."
        )
    if year.no_gift_aid:
        raise GasdsClaimInvalid(
            f"No Gift Aid was claimed in {year.label}, so HMRC allows no GASDS top-up."
        )
    if claimed_on > year.deadline:
        raise GasdsClaimInvalid(
            f"Out of time: a GASDS claim for {year.label} was due by {year.deadline:%-d %b %Y}."
        )
    if year.top_up.amount <= 0:
        raise GasdsClaimInvalid(f"There is no GASDS top-up to claim for {year.label}.")
    with transaction.atomic():
        if GasdsClaim.objects.select_for_update().filter(tax_year_start=year.start).exists():
            raise GasdsClaimInvalid(f"A GASDS claim for {year.label} is already recorded.")
        shares = split_by_weight(year.top_up.amount, _gasds_weights(year.start))
        funds = Fund.objects.in_bulk(shares.keys())
        entry = entry_post(
            actor=actor,
            effective_date=claimed_on,
            memo=(
                f"GASDS claim {hmrc_reference} for {year.label}: {year.top_up} top-up on "
                f"{year.eligible} of small donations"
            ),
            source=f"donations.GasdsClaim:{year.start:%Y}",
            legs=fund_legs(funds, shares, GASDS_RECEIVABLE, GASDS_INCOME),
            idempotency_key=f"gasds:claim:{year.start:%Y}",
        )
        claim = GasdsClaim(
            tax_year_start=year.start,
            hmrc_reference=hmrc_reference,
            claimed_on=claimed_on,
            small_donations=year.eligible,
            top_up=year.top_up,
            entry=entry,
            created_by=actor,
        )
        claim._history_user = actor
        claim.save()
    return claim


@dataclass(frozen=True)
class GasdsPaymentToRecord:
    """HMRC's payment of a GASDS claim checked, the claim locked, and the entry to post.

    Made by ``gasds_payment_prepare``; once ``posting`` is posted (alone, or with others
    through ``entry_post_many``), ``gasds_payment_save`` records the payment from its entry.
    """

    claim: GasdsClaim
    amount: Money
    paid_on: date
    reason: str
    posting: Posting


def gasds_payment_prepare(
    *, actor: AbstractBaseUser, claim: GasdsClaim, amount: Money, paid_on: date, reason: str = ""
) -> GasdsPaymentToRecord:
    """Check HMRC's payment of a GASDS claim, lock the claim and build the payment's entry;
    nothing is written. Call it inside the transaction that posts the entry and saves the
    claim."""
    reason = reason.strip()
    if not isinstance(amount, Money) or amount.amount < 0:
        raise GasdsClaimInvalid("Enter the amount HMRC paid in pounds.")
    if paid_on > timezone.localdate():
        raise GasdsClaimInvalid("The date paid cannot be in the future.")
    claim = GasdsClaim.objects.select_for_update().get(pk=claim.pk)
    if claim.payment_entry_id is not None or claim.paid_on is not None:
        raise GasdsClaimInvalid(f"HMRC's payment of {claim} is already recorded.")
    if paid_on < claim.claimed_on:
        raise GasdsClaimInvalid("HMRC cannot have paid before the claim was made.")
    difference = amount - claim.top_up
    if difference.amount != 0 and not reason:
        raise GasdsClaimInvalid(
            f"HMRC paid {amount} against {claim.top_up} claimed: give the reason."
        )
    per_fund = totals_by_fund(
        (t.fund_id, t.amount.amount)
        for t in claim.entry.transfers.filter(debit_account__code=GASDS_RECEIVABLE)
    )
    funds = Fund.objects.in_bulk(per_fund.keys())
    legs = fund_legs(funds, per_fund, BANK, GASDS_RECEIVABLE)
    if difference.amount != 0:
        legs += fund_legs(funds, split_by_weight(difference.amount, per_fund), BANK, GASDS_INCOME)
    return GasdsPaymentToRecord(
        claim=claim,
        amount=amount,
        paid_on=paid_on,
        reason=reason,
        posting=Posting(
            effective_date=paid_on,
            memo=f"HMRC payment of GASDS claim {claim.hmrc_reference}"
            + (f": {reason}" if reason else ""),
            source=f"donations.GasdsClaim:{claim.tax_year_start:%Y}",
            legs=legs,
            idempotency_key=f"gasds:payment:{claim.pk}",
        ),
    )


def gasds_payment_save(
    *, actor: AbstractBaseUser, prepared: GasdsPaymentToRecord, entry: Entry
) -> GasdsClaim:
    """Record the prepared payment on its claim with ``entry``, its posted entry."""
    claim = prepared.claim
    claim.payment_entry = entry
    claim.paid_on = prepared.paid_on
    claim.paid_amount = prepared.amount
    claim.payment_reason = prepared.reason
    claim._history_user = actor
    claim.save(update_fields=["payment_entry", "paid_on", "paid_amount", "payment_reason"])
    return claim


def gasds_payment_record(
    *, actor: AbstractBaseUser, claim: GasdsClaim, amount: Money, paid_on: date, reason: str = ""
) -> GasdsClaim:
    """HMRC paid a GASDS claim: clear the receivable into the bank, a difference explained."""
    with transaction.atomic():
        prepared = gasds_payment_prepare(
            actor=actor, claim=claim, amount=amount, paid_on=paid_on, reason=reason
        )
        posting = prepared.posting
        entry = entry_post_prepared(actor=actor, posting=posting)
        return gasds_payment_save(actor=actor, prepared=prepared, entry=entry)
