"""Every write for Gift Aid: claims, overclaims, HMRC's repayments, declarations (GASDS, the
small donations top-up, is in ``donations.services.gasds``).

The ledger follows each claim from start to finish:

* making a claim posts Gift Aid receivable against Gift Aid income, in the fund of each
  gift, and deducts any overclaims waiting (HMRC's adjustment box);
* a claimed gift later refunded or lost in a dispute posts the tax overclaimed on it as
  owed to HMRC (``liabilities:gift-aid-overclaimed``) until the next claim deducts it;
* HMRC's repayment clears the receivable into the bank; a shortfall or surplus against
  the claim is posted to Gift Aid income with its reason.

Tax on a gift: the amount kept (the donation less any refund) × 25/100, rounded to the
nearest penny, halves up, gift by gift; a claim, and each fund's share of it, is the sum
of its gifts' tax.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone
from djmoney.money import Money

from donations.exceptions import DeclarationInvalid, GiftAidRepaymentInvalid, NothingToClaim
from donations.models.giftaid import GiftAidAdjustment, GiftAidClaimLine, GiftAidRepayment
from donations.models.online import (
    GIFT_AID_STATEMENT,
    GiftAidClaim,
    GiftAidDeclaration,
    OnlineDonation,
    OnlinePayment,
)
from fund.models import Entry, Fund
from fund.money import PENNY, AmountProblem, check_amount, gbp
from fund.services.posting import Leg, Posting, entry_post, entry_post_prepared

ZERO = Money("0.00", "GBP")
RECEIVABLE = "assets:gift-aid-receivable"
INCOME = "income:gift-aid"
OVERCLAIMED = "liabilities:gift-aid-overclaimed"
BANK = "assets:bank"
# HMRC: a declaration may cover gifts made in the four years before it.
BACKDATE_YEARS = 4
# HMRC: a claim must be made within four years of the end of the accounting period in
# which the donation was received.
CLAIM_YEARS = 4


def gift_aid_tax(donation: Money) -> Money:
    """Gift Aid on one donation: 25/100 of it, to the nearest penny (halves up)."""
    return gbp((donation.amount * 25 / 100).quantize(PENNY, rounding=ROUND_HALF_UP))


# ---- Which gifts may be claimed --------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def accounting_period_end(day: date) -> date:
    """The last day of the charity's accounting period holding ``day``.

    ``CHARITY_YEAR_END`` (MM-DD) when set; otherwise the UK tax year, ending 5 April.
    """
    month, end_day = (
        (int(p) for p in settings.CHARITY_YEAR_END.split("-"))
        if settings.CHARITY_YEAR_END
        else (4, 5)
    )
    end = date(day.year, month, end_day)
    return end if day <= end else date(day.year + 1, month, end_day)


def claim_deadline(paid_on: date) -> date:
    """The last day a gift can be claimed: four years after its accounting period ends."""
    end = accounting_period_end(paid_on)
    return end.replace(year=end.year + CLAIM_YEARS)


def earliest_claimable(today: date) -> date:
    """The first gift date still in time today (deadlines only move later with the date)."""
    first_end_in_time = accounting_period_end(_years_before(today, CLAIM_YEARS))
    previous_end = first_end_in_time.replace(year=first_end_in_time.year - 1)
    return date.fromordinal(previous_end.toordinal() + 1)


def _declaration_covers() -> Q:
    """The gift's declaration covers its date and was not cancelled before it."""
    covered = Q(
        donation__gift_aid__covers_from__isnull=False,
        donation__gift_aid__covers_from__lte=F("paid_on"),
    ) | Q(
        donation__gift_aid__covers_from__isnull=True,
        donation__gift_aid__declared_at__date__lte=F("paid_on"),
    )
    not_cancelled = Q(donation__gift_aid__cancelled_on__isnull=True) | Q(
        donation__gift_aid__cancelled_on__gte=F("paid_on")
    )
    return covered & not_cancelled


def gift_aid_eligible(
    date_from: date, date_to: date, *, today: date | None = None
) -> QuerySet[OnlinePayment]:
    """Unclaimed gifts in the range that a declaration covers, with something kept, in time.

    A gift refunded in part is claimable on what was kept; one refunded in full, under a
    real dispute, or lost in one is not.
    """
    today = today or timezone.localdate()
    return (
        OnlinePayment.objects.filter(
            paid_on__gte=max(date_from, earliest_claimable(today)),
            paid_on__lte=date_to,
            donation__gift_aid__isnull=False,
            gift_aid_claim__isnull=True,
            gift_aid_line__isnull=True,
            amount_refunded__lt=F("amount"),
        )
        .filter(_declaration_covers())
        .exclude(dispute__in=OnlinePayment.DISPUTES_BARRING_GIFT_AID)
        .select_related("donation__gift_aid")
        .order_by("paid_on", "id")
    )


def gift_aid_refusal(payment: OnlinePayment, *, today: date | None = None) -> str:
    """Why a gift cannot be claimed, in words for the page; empty when it can."""
    today = today or timezone.localdate()
    declaration = payment.donation.gift_aid
    if declaration is None:
        return "No Gift Aid declaration."
    if payment.gift_aid_claim_id is not None:
        return f"Already in claim {payment.gift_aid_claim_id}."
    declared_on = timezone.localdate(declaration.declared_at)
    if declaration.covers_from is not None and payment.paid_on < declaration.covers_from:
        return (
            f"The declaration made on {declared_on:%-d %b %Y} covers gifts from "
            f"{declaration.covers_from:%-d %b %Y} only."
        )
    if declaration.covers_from is None and payment.paid_on < declared_on:
        return (
            f"Given before the declaration of {declared_on:%-d %b %Y}, which does not "
            "cover earlier gifts."
        )
    if declaration.cancelled_on is not None and payment.paid_on > declaration.cancelled_on:
        return (
            f"The donor cancelled the declaration on {declaration.cancelled_on:%-d %b %Y}; "
            "later gifts are not covered."
        )
    if payment.dispute == OnlinePayment.Dispute.LOST:
        return "Lost in a dispute."
    if payment.dispute in OnlinePayment.DISPUTES_BARRING_GIFT_AID:
        return "Disputed: it can be claimed if the dispute is won."
    if payment.amount_refunded >= payment.amount:
        return "Refunded in full."
    deadline = claim_deadline(payment.paid_on)
    if today > deadline:
        return (
            f"Out of time: a gift received in the accounting period ending "
            f"{accounting_period_end(payment.paid_on):%-d %b %Y} could be claimed until "
            f"{deadline:%-d %b %Y}."
        )
    return ""


# ---- Claims ----------------------------------------------------------------------------


def totals_by_fund(rows) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for fund_id, amount in rows:
        totals[fund_id] += Decimal(amount)
    return totals


def fund_legs(funds: dict[int, Fund], amounts: dict[int, Decimal], debit: str, credit: str):
    """One leg per fund; a negative amount moves the other way."""
    legs = []
    for fund_id, amount in sorted(amounts.items()):
        if amount > 0:
            legs.append(Leg(fund=funds[fund_id], debit=debit, credit=credit, amount=gbp(amount)))
        elif amount < 0:
            legs.append(Leg(fund=funds[fund_id], debit=credit, credit=debit, amount=gbp(-amount)))
    return legs


def gift_aid_claim_create(
    *, actor: AbstractBaseUser, date_from: date, date_to: date, today: date | None = None
) -> GiftAidClaim:
    """Claim every eligible gift in the range, deduct the overclaims waiting, and post both.

    A gift is never claimed twice; an overclaim is deducted once.
    """
    today = today or timezone.localdate()
    if date_to < date_from:
        raise NothingToClaim("The end date must be on or after the start date.")
    with transaction.atomic():
        ids = list(
            gift_aid_eligible(date_from, date_to, today=today)
            .select_for_update(of=("self",))
            .values_list("pk", flat=True)
        )
        if not ids:
            raise NothingToClaim("There are no unclaimed Gift Aid gifts in that range.")
        claim = GiftAidClaim(date_from=date_from, date_to=date_to, created_by=actor)
        claim._history_user = actor
        claim.save()
        # Compare-and-set: a claim run racing this one cannot take the same gifts.
        taken = OnlinePayment.objects.filter(pk__in=ids, gift_aid_claim__isnull=True).update(
            gift_aid_claim=claim
        )
        if taken != len(ids):
            raise NothingToClaim("Another claim run took some of these gifts; run the claim again.")
        lines = []
        for payment in OnlinePayment.objects.filter(pk__in=ids).order_by("paid_on", "id"):
            kept = payment.amount - payment.amount_refunded
            lines.append(
                GiftAidClaimLine(
                    claim=claim,
                    payment=payment,
                    fund_id=payment.fund_id,
                    paid_on=payment.paid_on,
                    amount=kept,
                    tax=gift_aid_tax(kept),
                )
            )
        GiftAidClaimLine.objects.bulk_create(lines)
        waiting = list(
            GiftAidAdjustment.objects.select_for_update()
            .filter(deducted_in__isnull=True)
            .values_list("pk", flat=True)
        )
        deducted = GiftAidAdjustment.objects.filter(
            pk__in=waiting, deducted_in__isnull=True
        ).update(deducted_in=claim)
        if deducted != len(waiting):
            raise NothingToClaim("Another claim run deducted the same overclaims; run it again.")

        tax = totals_by_fund((line.fund_id, line.tax.amount) for line in lines)
        adjustment = totals_by_fund(
            GiftAidAdjustment.objects.filter(deducted_in=claim).values_list("fund_id", "amount")
        )
        claim.total = gbp(sum(line.amount.amount for line in lines))
        claim.tax = gbp(sum(tax.values()))
        claim.adjustment = gbp(sum(adjustment.values()))
        if claim.net.amount < 0:
            raise NothingToClaim(
                f"The overclaims to deduct ({claim.adjustment}) are more than the Gift Aid on "
                f"these gifts ({claim.tax}): wait for more gifts, or repay HMRC."
            )
        funds = Fund.objects.in_bulk(tax.keys() | adjustment.keys())
        legs = fund_legs(funds, tax, RECEIVABLE, INCOME) + fund_legs(
            funds, adjustment, OVERCLAIMED, RECEIVABLE
        )
        if not legs:
            raise NothingToClaim("The gifts in that range carry no Gift Aid to claim.")
        claim.entry = entry_post(
            actor=actor,
            effective_date=today,
            memo=(
                f"Gift Aid claim {claim.pk}: {len(lines)} gifts, {claim.total} donations, "
                f"{claim.tax} claimed, {claim.adjustment} earlier overclaims deducted"
            ),
            source=f"donations.GiftAidClaim:{claim.pk}",
            legs=legs,
            idempotency_key=f"gift-aid:claim:{claim.pk}",
        )
        claim.save(update_fields=["total", "tax", "adjustment", "entry"])
    return claim


def gift_aid_overclaim_sync(
    *, payment: OnlinePayment, actor: AbstractBaseUser
) -> GiftAidAdjustment | None:
    """Bring a claimed gift's overclaim in line with what is kept of it now, and post it.

    Called whenever a payment's refunds or dispute change. The tax claimed, less the tax
    on what is kept now (nothing once a dispute is lost), is owed back to HMRC; a refund
    that later failed gives some back. Only the change from what was recorded posts.
    """
    with transaction.atomic():
        line = (
            GiftAidClaimLine.objects.select_for_update()
            .select_related("fund")
            .filter(payment=payment)
            .first()
        )
        if line is None:
            return None
        lost = payment.dispute == OnlinePayment.Dispute.LOST
        kept = ZERO if lost else payment.amount - payment.amount_refunded
        owed = line.tax - gift_aid_tax(kept)
        recorded = gbp(line.adjustments.aggregate(total=Sum("amount"))["total"])
        change = owed - recorded
        if change.amount == 0:
            return None
        if lost:
            reason = "Lost in a dispute after it was claimed"
        elif change.amount > 0:
            reason = f"Refunded after it was claimed: {kept} kept of {line.amount} claimed on"
        else:
            reason = f"A refund failed after it was claimed: {kept} kept again"
        number = line.adjustments.count() + 1
        entry = entry_post(
            actor=actor,
            effective_date=timezone.localdate(),
            memo=f"Gift Aid overclaim on payment {payment.pk} (claim {line.claim_id}): {reason}",
            source=f"donations.GiftAidClaimLine:{line.pk}",
            legs=fund_legs(
                {line.fund.pk: line.fund}, {line.fund.pk: change.amount}, INCOME, OVERCLAIMED
            ),
            idempotency_key=f"gift-aid:adjustment:{line.pk}:{number}",
        )
        return GiftAidAdjustment.objects.create(
            line=line, fund=line.fund, amount=change, reason=reason, entry=entry
        )


# ---- HMRC's repayment ------------------------------------------------------------------


def split_by_weight(total: Decimal, weights: dict[int, Decimal]) -> dict[int, Decimal]:
    """Share ``total`` across funds in proportion to their weights, to the penny.

    The pennies left by rounding go to the fund with the largest weight, so the shares
    always add up to the total.
    """
    positive = {k: w for k, w in weights.items() if w > 0} or {min(weights): Decimal(1)}
    whole = sum(positive.values())
    shares = {k: (total * w / whole).quantize(PENNY) for k, w in positive.items()}
    largest = max(positive, key=lambda k: (positive[k], -k))
    shares[largest] += total - sum(shares.values())
    return shares


REPAYMENT_MESSAGES = {
    AmountProblem.NOT_MONEY: "Enter the amount HMRC paid in pounds.",
    AmountProblem.NOT_STERLING: "Enter the amount HMRC paid in pounds.",
    AmountProblem.NEGATIVE: "Enter the amount HMRC paid, in pounds and pence.",
    AmountProblem.NOT_WHOLE_PENCE: "Enter the amount HMRC paid, in pounds and pence.",
}


@dataclass(frozen=True)
class RepaymentToRecord:
    """HMRC's repayment of a claim checked, the claim locked, and the entry to post.

    Made by ``gift_aid_repayment_prepare``; once ``posting`` is posted (alone, or with
    others through ``entry_post_many``), ``gift_aid_repayment_save`` records the repayment
    from its entry. ``posting`` is None when the claim leaves nothing to clear; ``recorded``
    is the same repayment recorded before, when it was (nothing to post or save).
    """

    claim: GiftAidClaim
    hmrc_reference: str
    received_on: date
    amount: Money
    expected: Money
    reason: str
    posting: Posting | None
    recorded: GiftAidRepayment | None = None


def gift_aid_repayment_prepare(
    *,
    actor: AbstractBaseUser,
    claim: GiftAidClaim,
    amount: Money,
    received_on: date,
    hmrc_reference: str,
    reason: str = "",
) -> RepaymentToRecord:
    """Check HMRC's repayment of a claim, lock the claim and build the repayment's entry;
    nothing is written. Call it inside the transaction that posts the entry and saves the
    repayment (``gift_aid_repayment_record`` says what is checked and posted)."""
    hmrc_reference = hmrc_reference.strip()
    reason = reason.strip()
    check_amount(
        amount, error=GiftAidRepaymentInvalid, messages=REPAYMENT_MESSAGES, zero_allowed=True
    )
    if not hmrc_reference:
        raise GiftAidRepaymentInvalid("Enter HMRC's reference for the repayment.")
    if received_on > timezone.localdate():
        raise GiftAidRepaymentInvalid("The date received cannot be in the future.")
    claim = GiftAidClaim.objects.select_for_update().get(pk=claim.pk)
    if received_on < timezone.localdate(claim.created_at):
        raise GiftAidRepaymentInvalid("HMRC cannot have paid before the claim was made.")
    expected = claim.net
    prepared = RepaymentToRecord(
        claim=claim,
        hmrc_reference=hmrc_reference,
        received_on=received_on,
        amount=amount,
        expected=expected,
        reason=reason,
        posting=None,
    )
    existing = GiftAidRepayment.objects.filter(claim=claim).first()
    if existing is not None:
        if (existing.amount, existing.hmrc_reference, existing.received_on) == (
            amount,
            hmrc_reference,
            received_on,
        ):
            return replace(prepared, recorded=existing)
        raise GiftAidRepaymentInvalid(
            f"HMRC's repayment of claim {claim.pk} is already recorded "
            f"({existing.hmrc_reference}, {existing.amount})."
        )
    difference = amount - expected
    if difference.amount != 0 and not reason:
        raise GiftAidRepaymentInvalid(
            f"HMRC paid {amount} against {expected} claimed: give the reason for the difference."
        )
    per_fund = totals_by_fund(claim.lines.values_list("fund_id", "tax"))
    for fund_id, adjustment in claim.adjustments_deducted.values_list("fund_id", "amount"):
        per_fund[fund_id] -= Decimal(adjustment)
    funds = Fund.objects.in_bulk(per_fund.keys())
    legs = fund_legs(funds, per_fund, BANK, RECEIVABLE)
    if difference.amount != 0:
        legs += fund_legs(funds, split_by_weight(difference.amount, per_fund), BANK, INCOME)
    if not legs:
        return prepared
    what = (
        "as claimed"
        if difference.amount == 0
        else (
            f"{-difference} short of the claim ({reason})"
            if difference.amount < 0
            else f"{difference} more than the claim ({reason})"
        )
    )
    return replace(
        prepared,
        posting=Posting(
            effective_date=received_on,
            memo=f"HMRC repayment {hmrc_reference} of Gift Aid claim {claim.pk}: {what}",
            source=f"donations.GiftAidClaim:{claim.pk}",
            legs=legs,
            idempotency_key=f"gift-aid:repayment:{claim.pk}",
        ),
    )


def gift_aid_repayment_save(
    *, actor: AbstractBaseUser, prepared: RepaymentToRecord, entry: Entry | None
) -> GiftAidRepayment:
    """Record the prepared repayment with ``entry``, its posted entry (None when there was
    nothing to post); a repayment recorded before is returned as it is."""
    if prepared.recorded is not None:
        return prepared.recorded
    repayment = GiftAidRepayment(
        claim=prepared.claim,
        hmrc_reference=prepared.hmrc_reference,
        received_on=prepared.received_on,
        amount=prepared.amount,
        expected=prepared.expected,
        reason=prepared.reason,
        entry=entry,
        recorded_by=actor,
    )
    repayment._history_user = actor
    repayment.save()
    return repayment


def gift_aid_repayment_record(
    *,
    actor: AbstractBaseUser,
    claim: GiftAidClaim,
    amount: Money,
    received_on: date,
    hmrc_reference: str,
    reason: str = "",
) -> GiftAidRepayment:
    """Record HMRC's payment of a claim: clear the receivable into the bank.

    A payment different from the claim needs a reason; the difference is posted to Gift
    Aid income (less for a shortfall, more for a surplus), shared across the claim's
    funds in proportion to what each expected. The same repayment recorded again (a bank
    line matched twice) returns the first.
    """
    with transaction.atomic():
        prepared = gift_aid_repayment_prepare(
            actor=actor,
            claim=claim,
            amount=amount,
            received_on=received_on,
            hmrc_reference=hmrc_reference,
            reason=reason,
        )
        posting = prepared.posting
        entry = None
        if posting is not None:
            entry = entry_post_prepared(actor=actor, posting=posting)
        return gift_aid_repayment_save(actor=actor, prepared=prepared, entry=entry)


# ---- Declarations ----------------------------------------------------------------------


def gift_aid_declaration_add(
    *,
    actor: AbstractBaseUser,
    donation: OnlineDonation,
    first_name: str,
    last_name: str,
    house_name_or_number: str,
    postcode: str,
    declared_on: date,
    covers_past_four_years: bool,
    title: str = "",
    address: str = "",
    outside_uk: bool = False,
) -> GiftAidDeclaration:
    """Record a declaration a donor made after giving (on paper, by phone) for a gift.

    Backdated, it covers gifts from four years before the day it was made (HMRC's limit);
    otherwise only gifts from that day on.
    """
    if declared_on > timezone.localdate():
        raise DeclarationInvalid("A declaration cannot be dated in the future.")
    with transaction.atomic():
        donation = OnlineDonation.objects.select_for_update().get(pk=donation.pk)
        if donation.gift_aid_id is not None:
            raise DeclarationInvalid(f"{donation.reference} already has a declaration.")
        declaration = GiftAidDeclaration(
            title=title.strip(),
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            house_name_or_number=house_name_or_number.strip(),
            address=address.strip(),
            postcode="X" if outside_uk else hmrc_postcode(postcode),
            outside_uk=outside_uk,
            statement=GIFT_AID_STATEMENT,
            declared_at=timezone.make_aware(datetime.combine(declared_on, time(12))),
            covers_from=(
                _years_before(declared_on, BACKDATE_YEARS) if covers_past_four_years else None
            ),
        )
        declaration._history_user = actor
        declaration.full_clean()
        declaration.save()
        donation.gift_aid = declaration
        donation._history_user = actor
        donation.save(update_fields=["gift_aid"])
    return declaration


def gift_aid_declaration_cancel(
    *, actor: AbstractBaseUser, declaration: GiftAidDeclaration, cancelled_on: date
) -> GiftAidDeclaration:
    """The donor cancelled: gifts after ``cancelled_on`` are not covered, earlier ones are."""
    with transaction.atomic():
        declaration = GiftAidDeclaration.objects.select_for_update().get(pk=declaration.pk)
        if declaration.cancelled_on is not None:
            raise DeclarationInvalid(
                f"The declaration was already cancelled on {declaration.cancelled_on:%-d %b %Y}."
            )
        declaration.cancelled_on = cancelled_on
        declaration._history_user = actor
        declaration.save(update_fields=["cancelled_on"])
    return declaration


def hmrc_postcode(postcode: str) -> str:
    """A UK postcode as HMRC's schedule wants it: capitals with one space (``NE1 6AE``)."""
    compact = "".join(postcode.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact
