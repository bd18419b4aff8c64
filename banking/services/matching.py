"""Matches between statement lines and the ledger: confirmed automatically (by the kinds
a manager chose) or by an officer, and undone with a reason."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from banking.access import require_role
from banking.exceptions import BankingError, MatchRefused
from banking.matching import Candidate, candidates_for
from banking.models import (
    MATCH_KINDS,
    BankAccount,
    Match,
    MatchRule,
    StatementLine,
    SuspenseClearance,
)
from donations.exceptions import GiftAidError, TapError
from donations.models.contributions import ContributionReceipt
from donations.services.gasds import gasds_payment_record
from donations.services.giftaid import gift_aid_repayment_record
from donations.services.taps import tap_payout_record
from fund.exceptions import AlreadyReversed, PeriodLocked
from fund.money import format_gbp
from fund.services.reversal import entry_reverse
from people.roles import BANK_MANAGER_ROLES, HANDLER_ROLES

LOOKUP_CHUNK = 2_000


def automatic_kinds() -> set[str]:
    return set(MatchRule.objects.filter(automatic=True).values_list("kind", flat=True))


def match_rule_set(*, actor: AbstractBaseUser, kind: str, automatic: bool) -> MatchRule:
    """A manager switches automatic confirmation of one match kind on or off."""
    require_role(actor, BANK_MANAGER_ROLES, "fund managers")
    if kind not in MATCH_KINDS:
        raise BankingError(f"{kind!r} is not a kind of match.")
    with transaction.atomic():
        rule = MatchRule.objects.select_for_update().filter(kind=kind).first()
        if rule is None:
            rule = MatchRule(kind=kind)
        rule.automatic = automatic
        rule.changed_by = actor
        rule._history_user = actor
        rule.save()
    return rule


def auto_match(*, actor: AbstractBaseUser, bank_account: BankAccount, lines) -> int:
    """Confirm every line with exactly one candidate, of a kind the manager made automatic,
    that no other line also fits. Returns how many were matched."""
    kinds = automatic_kinds()
    if not kinds:
        return 0
    open_lines = _unmatched(lines)
    found = candidates_for(bank_account, open_lines)
    claims: dict[str, int] = {}
    for options in found.values():
        for candidate in options:
            claims[candidate.key] = claims.get(candidate.key, 0) + 1
    simple, recorded = [], 0
    by_id = {line.pk: line for line in open_lines}
    for line_id, options in found.items():
        if len(options) != 1 or options[0].kind not in kinds or claims[options[0].key] != 1:
            continue
        if options[0].needs_reason:  # HMRC paid another amount: an officer gives the reason
            continue
        candidate = options[0]
        if candidate.entry_id is None:
            _confirm(actor, by_id[line_id], candidate, automatic=True)
            recorded += 1
        else:
            simple.append(_match_row(actor, by_id[line_id], candidate, automatic=True))
    bulk_create_with_history(simple, Match, batch_size=2_000, default_user=actor)
    return len(simple) + recorded


def _unmatched(lines) -> list[StatementLine]:
    ids = [line.pk for line in lines]
    live = set()
    for i in range(0, len(ids), LOOKUP_CHUNK):
        live |= set(
            Match.objects.filter(
                line_id__in=ids[i : i + LOOKUP_CHUNK], undone_at__isnull=True
            ).values_list("line_id", flat=True)
        )
    return [line for line in lines if line.pk not in live]


def has_live_match(line: StatementLine) -> bool:
    return Match.objects.filter(line=line, undone_at__isnull=True).exists()


def _match_row(actor, line, candidate: Candidate, *, automatic: bool, entry_id=None) -> Match:
    return Match(
        line=line,
        entry_id=entry_id or candidate.entry_id,
        kind=candidate.kind,
        source=candidate.source,
        automatic=automatic,
        confirmed_by=actor,
        confirmed_at=timezone.now(),
    )


def _hmrc_reference(line: StatementLine) -> str:
    return (line.fitid or f"bank line {line.pk}: {line.description}")[:40]


def _confirm(
    actor, line: StatementLine, candidate: Candidate, *, automatic: bool, reason: str = ""
) -> Match:
    """Record the match; for an HMRC claim awaiting payment, record HMRC's payment first
    (through the donations service, which posts a shortfall or surplus with the reason)."""
    entry_id = candidate.entry_id
    if candidate.needs_reason and not reason:
        raise MatchRefused(
            f"HMRC paid {format_gbp(line.amount)}, {format_gbp(abs(candidate.difference))} "
            f"{'short of' if candidate.difference < 0 else 'more than'} the claim: give the "
            "reason for the difference (HMRC's notice says why)."
        )
    if entry_id is None:
        try:
            if candidate.kind == "gift_aid":
                repayment = gift_aid_repayment_record(
                    actor=actor,
                    claim=candidate.record,
                    amount=line.amount,
                    received_on=line.posted_on,
                    hmrc_reference=_hmrc_reference(line),
                    reason=reason,
                )
                entry_id = repayment.entry_id
            elif candidate.kind == "tap_payout":
                payout = tap_payout_record(
                    actor=actor,
                    payout=candidate.record,
                    amount=line.amount,
                    paid_on=line.posted_on,
                    bank_account_code=line.bank_account.ledger_account.code,
                )
                entry_id = payout.entry_id
            else:
                claim = gasds_payment_record(
                    actor=actor,
                    claim=candidate.record,
                    amount=line.amount,
                    paid_on=line.posted_on,
                    reason=reason,
                )
                entry_id = claim.payment_entry_id
        except (GiftAidError, TapError) as exc:
            raise MatchRefused(str(exc)) from None
    match = _match_row(actor, line, candidate, automatic=automatic, entry_id=entry_id)
    match.reason = reason[:300]
    match._history_user = actor
    try:
        with transaction.atomic():
            match.save()
    except IntegrityError:
        raise MatchRefused(
            "That line or that ledger item is already matched: undo the other match first."
        ) from None
    return match


def match_confirm(
    *, actor: AbstractBaseUser, line: StatementLine, key: str, reason: str = ""
) -> Match:
    """An officer confirms one of the line's suggested matches (by its key). Where HMRC paid
    another amount than claimed, ``reason`` says why; it is posted with the difference."""
    require_role(actor, HANDLER_ROLES, "fund officers and managers")
    reason = reason.strip()
    with transaction.atomic():
        line = StatementLine.objects.select_for_update().get(pk=line.pk)
        if has_live_match(line):
            raise MatchRefused("This line is already matched: undo that match first.")
        options = candidates_for(line.bank_account, [line])[line.pk]
        chosen = next((c for c in options if c.key == key), None)
        if chosen is None:
            raise MatchRefused("That item is no longer a match for this line.")
        return _confirm(actor, line, chosen, automatic=False, reason=reason)


def match_undo(*, actor: AbstractBaseUser, match: Match, reason: str) -> Match:
    """Undo a match, keeping it in the history with the reason. A worked line's entry is
    reversed; an unknown receipt already cleared from suspense cannot be undone."""
    require_role(actor, HANDLER_ROLES, "fund officers and managers")
    reason = reason.strip()
    if not reason:
        raise MatchRefused("Give the reason for undoing the match.")
    with transaction.atomic():
        match = Match.objects.select_for_update().get(pk=match.pk)
        if match.undone_at is not None:
            raise MatchRefused("This match has already been undone.")
        if SuspenseClearance.objects.filter(match=match).exists():
            raise MatchRefused("This receipt has been cleared from suspense; it cannot be undone.")
        receipt = ContributionReceipt.objects.filter(bank_line_id=match.line_id).first()
        if match.worked and receipt is not None:
            raise MatchRefused(
                f"This line is recorded as money received on pledge {receipt.pledge.reference}; "
                "it cannot be undone here (the pledge's received figure counts it). Ask a "
                "manager to post a correcting entry."
            )
        if match.worked:
            original = match.entry
            try:
                match.undo_entry = entry_reverse(
                    actor=actor,
                    entry=original,
                    effective_date=original.effective_date,
                    memo=f"Undone: {original.memo[:200]} ({reason[:80]})",
                )
            except PeriodLocked:
                match.undo_entry = entry_reverse(
                    actor=actor,
                    entry=original,
                    effective_date=timezone.localdate(),
                    memo=f"Undone: {original.memo[:200]} ({reason[:80]})",
                )
            except AlreadyReversed as exc:
                raise MatchRefused(str(exc)) from None
        match.undone_by = actor
        match.undone_at = timezone.now()
        match.undo_reason = reason[:300]
        match._history_user = actor
        match.save()
    return match
