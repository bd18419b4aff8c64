"""Fund staff decide: ask for more information, approve (once or twice), decline or cancel."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from fund.models import Fund, FundRules
from fund.services.posting import Leg, entry_post
from fund.workflow import transition
from grants import notifications
from grants.exceptions import InvalidRequest, InvalidTransition, NotAllowed
from grants.models import Approval, Grant
from grants.services.checks import (
    AWAITING_DECISION,
    S,
    check_text,
    lock_grant,
    require_decider,
    require_note,
)
from grants.services.requests import check_caps, reverse_approval


def grant_request_info(*, actor: AbstractBaseUser, grant: Grant, note: str) -> Grant:
    """Send the request back to the key worker; any first approval must be given again."""
    require_decider(actor)
    note = require_note(note, "the information you need")
    with transaction.atomic():
        grant = transition(grant, actor=actor, to=S.INFO_REQUESTED, note=note)
        Approval.objects.filter(grant=grant, superseded=False).update(superseded=True)
        notifications.information_requested(grant)
    return grant


def approvals_needed(grant: Grant, fund: Fund | None = None) -> int:
    rules = FundRules.objects.get(fund=fund or grant.fund)
    return 2 if grant.amount > rules.two_approver_threshold else 1


def current_approvers(grant: Grant) -> list[int]:
    return list(
        Approval.objects.filter(grant=grant, superseded=False).values_list("approver_id", flat=True)
    )


def _check_fund_fits(fund: Fund, on: date) -> None:
    if not fund.is_active:
        raise InvalidRequest(f"{fund.name} is closed to new grants.")
    if fund.kind == Fund.Kind.RESTRICTED and (
        (fund.period_start and on < fund.period_start) or (fund.period_end and on > fund.period_end)
    ):
        raise InvalidRequest(
            f"{fund.name} only pays for grants from {fund.period_start:%-d %b %Y} "
            f"to {fund.period_end:%-d %b %Y}."
        )


def grant_approve(
    *, actor: AbstractBaseUser, grant: Grant, fund: Fund | None = None, note: str = ""
) -> Grant:
    """Approve; above the fund's threshold the first approval waits for a second person.

    The final approval posts the commitment (Dr the category, Cr grants payable) as a
    discretionary entry: ``fund.exceptions.InsufficientFunds`` rolls everything back
    when the fund cannot cover it.
    """
    require_decider(actor)
    if note:
        check_text(**{"The note": note})
    with transaction.atomic():
        locked = lock_grant(grant)
        if locked.status not in AWAITING_DECISION:
            raise InvalidTransition(locked, S.APPROVED)
        if locked.requester_id == actor.pk:
            raise NotAllowed("You made this request, so you cannot approve it.")
        approvers = current_approvers(locked)
        if actor.pk in approvers:
            raise NotAllowed(
                "You have already approved this request; "
                "a different person must give the second approval."
            )
        if locked.status == S.SECOND_APPROVAL:
            if fund is not None and fund.pk != locked.fund_id:
                raise InvalidRequest(
                    f"The first approver chose {locked.fund.name}; "
                    "ask for more information to change the fund."
                )
            fund = locked.fund
        fund = fund or locked.fund
        today = timezone.localdate()
        _check_fund_fits(fund, today)
        check_caps(locked, fund)
        if fund.pk != locked.fund_id:
            locked.fund = fund
            locked._history_user = actor
            locked.save(update_fields=["fund"])
        approval = Approval(grant=locked, approver=actor)
        approval._history_user = actor
        approval.save()

        if len(approvers) + 1 < approvals_needed(locked, fund):
            return transition(locked, actor=actor, to=S.SECOND_APPROVAL, note=note)

        entry = entry_post(
            actor=actor,
            effective_date=today,
            memo=f"Grant {locked.reference} approved",
            source=f"grants.Grant:{locked.pk}",
            legs=[
                Leg(
                    fund=fund,
                    debit=locked.category.code,
                    credit="liabilities:grants-payable",
                    amount=locked.amount,
                )
            ],
            idempotency_key=f"grant:{locked.pk}:approve",
            discretionary=True,
        )
        now = timezone.now()
        grant = transition(
            locked,
            actor=actor,
            to=S.APPROVED,
            note=note,
            approval_entry=entry,
            decided_at=now,
            approved_at=now,
        )
        notifications.decided(grant)
    return grant


def grant_decline(*, actor: AbstractBaseUser, grant: Grant, reason: str) -> Grant:
    require_decider(actor)
    reason = require_note(reason, "the reason for declining")
    with transaction.atomic():
        grant = transition(
            grant, actor=actor, to=S.DECLINED, note=reason, decided_at=timezone.now()
        )
        notifications.decided(grant)
    return grant


def grant_cancel(*, actor: AbstractBaseUser, grant: Grant, reason: str) -> Grant:
    """An approved grant that will not be paid: the commitment is reversed in the ledger."""
    require_decider(actor)
    reason = require_note(reason, "the reason for cancelling")
    with transaction.atomic():
        grant = transition(grant, actor=actor, to=S.CANCELLED, note=reason)
        reverse_approval(grant, actor, "cancelled")
        notifications.decided(grant)
    return grant
