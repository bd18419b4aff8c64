"""Unknown receipts held in suspense, cleared to the account they turned out to belong to."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from banking.access import require_role
from banking.exceptions import WorkRefused
from banking.models import Match, SuspenseClearance
from fund.models import Account
from fund.services.posting import Leg, entry_post
from people.roles import HANDLER_ROLES

SUSPENSE = "liabilities:suspense"


def suspense_clear(
    *, actor: AbstractBaseUser, match: Match, account: Account, reason: str
) -> SuspenseClearance:
    """Move an unknown receipt out of suspense to the account it turned out to belong to."""
    require_role(actor, HANDLER_ROLES, "fund officers and managers")
    reason = reason.strip()
    if not reason:
        raise WorkRefused("Give the reason: what the receipt turned out to be.")
    if account.code == SUSPENSE or account.type not in (
        Account.Type.INCOME,
        Account.Type.LIABILITY,
    ):
        raise WorkRefused("Choose the income or liability account the receipt belongs to.")
    with transaction.atomic():
        match = Match.objects.select_for_update().get(pk=match.pk)
        if match.kind != "unknown_receipt" or match.undone_at is not None:
            raise WorkRefused("Only a receipt held in suspense can be cleared.")
        if SuspenseClearance.objects.filter(match=match).exists():
            raise WorkRefused("This receipt has already been cleared from suspense.")
        legs = [
            Leg(fund=t.fund, debit=SUSPENSE, credit=account.code, amount=t.amount)
            for t in match.entry.transfers.select_related("fund").filter(
                credit_account__code=SUSPENSE
            )
        ]
        entry = entry_post(
            actor=actor,
            effective_date=timezone.localdate(),
            memo=f"Cleared from suspense to {account.name}: {reason[:150]}",
            source=f"banking.Match:{match.pk}",
            legs=legs,
            idempotency_key=f"banking:suspense:{match.pk}:clear",
        )
        clearance = SuspenseClearance(
            match=match, account=account, entry=entry, reason=reason[:300], cleared_by=actor
        )
        clearance._history_user = actor
        clearance.save()
    return clearance
