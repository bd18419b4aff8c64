"""After approval: the payout, the key worker's outcome, and closing the grant."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from djmoney.money import Money

from fund.bank_share import bank_share
from fund.models import Fund
from fund.money import AmountProblem, amount_problem, format_gbp
from fund.services.posting import Leg, entry_post
from fund.workflow import transition
from grants import notifications
from grants.exceptions import BankShareShort, InvalidRequest, InvalidTransition, NotAllowed
from grants.models import Grant, Outcome, Payout
from grants.services.checks import (
    OUTCOME_STATES,
    S,
    check_text,
    lock_grant,
    require_decider,
    require_key_worker_of,
)
from grants.services.decisions import current_approvers


def _money(value: Money) -> Money:
    if amount_problem(value, positive=False) in NOT_STERLING:
        raise InvalidRequest("Amounts are in pounds sterling.")
    return value


NOT_STERLING = (AmountProblem.NOT_MONEY, AmountProblem.NOT_STERLING)


def grant_record_payout(
    *,
    actor: AbstractBaseUser,
    grant: Grant,
    payee: str,
    method: str,
    reference: str,
    paid_on: date,
    amount: Money | None = None,
) -> Payout:
    """Record how the grant was paid and post it (Dr grants payable, Cr bank).

    Paying less than was approved returns the difference to the fund with a new entry
    that reverses that much of the commitment.
    """
    require_decider(actor)
    if method not in Payout.Method.values:
        raise InvalidRequest("Choose how it was paid: the fund never pays cash to the person.")
    payee, reference = payee.strip(), reference.strip()
    if not payee or not reference:
        raise InvalidRequest("Give the payee and the payment reference.")
    check_text(**{"The payee": payee, "The reference": reference})
    if paid_on > timezone.localdate():
        raise InvalidRequest("The payment date cannot be in the future.")
    with transaction.atomic():
        locked = lock_grant(grant)
        if locked.status != S.APPROVED:
            raise InvalidTransition(locked, S.PAID)
        approvers = set(current_approvers(locked))
        if approvers == {actor.pk}:
            raise NotAllowed(
                "You were the only approver of this grant, so someone else must record its payment."
            )
        amount = _money(amount) if amount is not None else locked.amount
        if amount.amount <= 0 or amount > locked.amount:
            raise InvalidRequest(
                "The payment must be more than £0 and at most the "
                f"{format_gbp(locked.amount)} approved."
            )
        # The fund row lock (taken again by entry_post) keeps two payments from both
        # passing the bank-share check against the same balance.
        fund = Fund.objects.select_for_update().get(pk=locked.fund_id)
        share = bank_share(fund)
        if share.shortfall(amount).amount > 0:
            raise BankShareShort(fund_name=fund.name, payment=amount, share=share)
        entry = entry_post(
            actor=actor,
            effective_date=paid_on,
            memo=f"Grant {locked.reference} paid",
            source=f"grants.Grant:{locked.pk}",
            legs=[
                Leg(
                    fund=fund,
                    debit="liabilities:grants-payable",
                    credit="assets:bank",
                    amount=amount,
                )
            ],
            idempotency_key=f"grant:{locked.pk}:pay",
        )
        underspend = locked.amount - amount
        if underspend.amount > 0:
            entry_post(
                actor=actor,
                effective_date=paid_on,
                memo=f"Grant {locked.reference} underspend returned",
                source=f"grants.Grant:{locked.pk}",
                legs=[
                    Leg(
                        fund=fund,
                        debit="liabilities:grants-payable",
                        credit=locked.category.code,
                        amount=underspend,
                    )
                ],
                idempotency_key=f"grant:{locked.pk}:underspend",
            )
        payout = Payout(
            grant=locked,
            payee=payee,
            method=method,
            reference=reference,
            paid_on=paid_on,
            amount=amount,
            recorded_by=actor,
            entry=entry,
        )
        payout._history_user = actor
        payout.save()
        grant = transition(
            locked,
            actor=actor,
            to=S.PAID,
            paid_at=timezone.now(),
            note=f"Paid {format_gbp(amount)} to {payee} ({Payout.Method(method).label.lower()})",
        )
        notifications.paid(grant)
    return payout


def grant_record_outcome(
    *,
    actor: AbstractBaseUser,
    grant: Grant,
    barrier_removed: str,
    note: str = "",
    consent_to_share: bool = False,
) -> Outcome:
    require_key_worker_of(actor, grant)
    if barrier_removed not in Outcome.BarrierRemoved.values:
        raise InvalidRequest("Say whether the barrier was removed.")
    check_text(**{"The note": note})
    with transaction.atomic():
        locked = lock_grant(grant)
        if locked.status not in OUTCOME_STATES:
            raise InvalidRequest("An outcome can be recorded once the grant has been paid.")
        if Outcome.objects.filter(grant=locked).exists():
            raise InvalidRequest("The outcome of this grant has already been recorded.")
        outcome = Outcome(
            grant=locked,
            barrier_removed=barrier_removed,
            note=note.strip(),
            consent_to_share=consent_to_share,
            recorded_by=actor,
        )
        outcome._history_user = actor
        outcome.save()
    return outcome


def grant_close(*, actor: AbstractBaseUser, grant: Grant, note: str = "") -> Grant:
    require_decider(actor)
    if note:
        check_text(**{"The note": note})
    with transaction.atomic():
        return transition(grant, actor=actor, to=S.CLOSED, note=note)
