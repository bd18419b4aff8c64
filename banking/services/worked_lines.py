"""Working an unmatched line into a ledger entry of its own: a bank charge, interest, a
contribution (on a pledge or not), a refund returned, or an unknown receipt to suspense."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from djmoney.money import Money

from banking.access import require_role
from banking.exceptions import WorkRefused
from banking.models import Match, MatchKind, StatementLine
from banking.services.matching import has_live_match
from banking.services.suspense import SUSPENSE
from donations.exceptions import ContributionError
from donations.models.contributions import ContributionReceipt, Pledge
from donations.services.contributions import contribution_receipt_record
from fund.bank_share import bank_share
from fund.exceptions import InvalidPosting, PeriodLocked
from fund.models import Account, Fund
from fund.money import format_gbp, gbp
from fund.services.posting import Leg, entry_post
from people.roles import HANDLER_ROLES

# kind: (paid in?, debit, credit); "?" is the account the officer chooses
WORKINGS = {
    "bank_charge": (False, "expenses:bank-charges", "bank"),
    "interest": (True, "bank", "income:interest"),
    "contribution_received": (True, "bank", "income:contributions"),
    "refund_returned": (True, "bank", "?"),
    "unknown_receipt": (True, "bank", SUSPENSE),
}


def refund_accounts():
    """Where a returned refund goes back to: a grant category, or donations income."""
    return Account.objects.filter(is_grant_category=True) | Account.objects.filter(
        code__in=["income:donations:online", "income:donations:boxes"]
    )


def line_work(
    *,
    actor: AbstractBaseUser,
    line: StatementLine,
    kind: str,
    fund: Fund | None,
    reason: str,
    account: Account | None = None,
    pledge: Pledge | None = None,
) -> Match:
    """Work an unmatched line into a ledger entry of its own, with the reason.

    A contribution received may name the pledge it pays: it is then recorded through the
    donations service as money received against that pledge (in the pledge's fund), so
    the pledge's received and outstanding figures move.
    """
    require_role(actor, HANDLER_ROLES, "fund officers and managers")
    reason = reason.strip()
    if kind not in WORKINGS:
        raise WorkRefused(f"{kind!r} is not a way to work a line.")
    if not reason:
        raise WorkRefused("Give the reason: what the bank line is.")
    if pledge is not None:
        if kind != "contribution_received":
            raise WorkRefused("A pledge is chosen only for a contribution received.")
        if fund is not None and fund.pk != pledge.fund_id:
            raise WorkRefused(
                f"Pledge {pledge.reference} is to the {pledge.fund.name} fund, not "
                f"{fund.name}: choose that fund, or leave the fund empty."
            )
        fund = pledge.fund
    if fund is None:
        raise WorkRefused("Choose the fund the entry is for.")
    paid_in, debit, credit = WORKINGS[kind]
    if paid_in != line.paid_in:
        raise WorkRefused(
            f"A {MatchKind(kind).label.lower()} is money {'in' if paid_in else 'out'}; "
            f"this line is money {'in' if line.paid_in else 'out'}."
        )
    if credit == "?":
        if account is None or not refund_accounts().filter(pk=account.pk).exists():
            raise WorkRefused("Choose the account the refund goes back to.")
        credit = account.code
    bank = line.bank_account.ledger_account.code
    debit, credit = (bank if debit == "bank" else debit), (bank if credit == "bank" else credit)
    amount = gbp(abs(line.amount.amount))
    with transaction.atomic():
        line = StatementLine.objects.select_for_update().get(pk=line.pk)
        if has_live_match(line):
            raise WorkRefused("This line is already matched or worked: undo that first.")
        if not paid_in:
            _check_bank_share(fund, amount, line)
        attempt = Match.objects.filter(line=line, worked=True).count() + 1
        if pledge is not None:
            entry = _pledge_receipt(actor, line, pledge, amount)
        else:
            entry = _work_entry(actor, line, kind, fund, reason, amount, debit, credit, attempt)
        match = Match(
            line=line,
            entry=entry,
            kind=kind,
            source=f"donations.Pledge:{pledge.pk}" if pledge else f"fund.Entry:{entry.pk}",
            worked=True,
            reason=reason[:300],
            confirmed_by=actor,
        )
        match._history_user = actor
        match.save()
    return match


def _check_bank_share(fund: Fund, amount: Money, line: StatementLine) -> None:
    """A bank charge is money the bank has already taken, but the fund it is charged to
    must hold that much of the bank: a restricted fund cannot lend to another, so a
    charge beyond a fund's share is refused and put to a fund that holds it (issue 13)."""
    locked = Fund.objects.select_for_update().get(pk=fund.pk)  # as grant payments lock it
    share = bank_share(locked)
    short = share.shortfall(amount)
    if short.amount <= 0:
        return
    waiting = []
    if share.cash_in_transit.amount > 0:
        waiting.append(f"{format_gbp(share.cash_in_transit)} in cash not banked")
    if share.stripe.amount > 0:
        waiting.append(f"{format_gbp(share.stripe)} in Stripe")
    where = (
        f" {locked.name} still has {' and '.join(waiting)}."
        if waiting
        else f" {locked.name} has no money waiting to be banked."
    )
    raise WorkRefused(
        f"Charging {format_gbp(amount)} to {locked.name} would take its share of the bank "
        f"{format_gbp(short)} short: it has {format_gbp(share.bank)} in the bank.{where} "
        "The bank has already taken the charge: put it to a fund that holds that much in the "
        "bank, or bank the cash first. Nothing was recorded."
    )


def _pledge_receipt(actor, line: StatementLine, pledge: Pledge, amount: Money):
    if ContributionReceipt.objects.filter(bank_line_id=line.pk).exists():
        raise WorkRefused("This line has already been recorded as money received on a pledge.")
    try:
        receipt = contribution_receipt_record(
            actor=actor, pledge=pledge, amount=amount, received_on=line.posted_on, bank_line=line
        )
    except (ContributionError, PeriodLocked, InvalidPosting) as exc:
        raise WorkRefused(str(exc)) from None
    return receipt.entry


def _work_entry(actor, line, kind, fund, reason, amount, debit, credit, attempt):
    try:
        return entry_post(
            actor=actor,
            effective_date=line.posted_on,
            memo=f"{MatchKind(kind).label}: {line.description[:150]} ({reason[:100]})",
            source=f"banking.StatementLine:{line.pk}",
            legs=[Leg(fund=fund, debit=debit, credit=credit, amount=amount)],
            idempotency_key=f"banking:line:{line.pk}:work:{attempt}",
        )
    except (PeriodLocked, InvalidPosting) as exc:
        raise WorkRefused(str(exc)) from None
