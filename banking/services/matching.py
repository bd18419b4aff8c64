"""Matches between statement lines and the ledger: confirmed automatically (by the kinds
a manager chose) or by an officer, and undone with a reason."""

from dataclasses import dataclass

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
from donations.services.gasds import (
    GasdsPaymentToRecord,
    gasds_payment_prepare,
    gasds_payment_save,
)
from donations.services.giftaid import (
    RepaymentToRecord,
    gift_aid_repayment_prepare,
    gift_aid_repayment_save,
)
from donations.services.taps import TapPayoutToRecord, tap_payout_prepare, tap_payout_save
from fund.exceptions import AlreadyReversed, InvalidPosting, PeriodLocked
from fund.models import Entry, Fund
from fund.money import format_gbp
from fund.services.posting import Posting, entry_post_many
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


@dataclass(frozen=True)
class AutoMatchResult:
    """What automatic confirmation did with a statement's lines.

    ``left_unmatched`` holds the lines a rule would have confirmed but the ledger refused
    (the line's date is in a period closed in a fund it posts to), each with the reason:
    they stay unmatched, nothing of theirs written, and the rest of the import lands.
    """

    matched: int
    left_unmatched: tuple[tuple[StatementLine, str], ...] = ()


def auto_match(*, actor: AbstractBaseUser, bank_account: BankAccount, lines) -> AutoMatchResult:
    """Confirm every line with exactly one candidate, of a kind the manager made automatic,
    that no other line also fits.

    A line whose confirmation records a payment (HMRC's, a card provider's) has its entry
    posted with the others in one batch (one chain-head lock, in line order), then its
    record and match saved.
    """
    kinds = automatic_kinds()
    if not kinds:
        return AutoMatchResult(0)
    open_lines = _unmatched(lines)
    found = candidates_for(bank_account, open_lines)
    claims: dict[str, int] = {}
    for options in found.values():
        for candidate in options:
            claims[candidate.key] = claims.get(candidate.key, 0) + 1
    simple, to_record = [], []
    by_id = {line.pk: line for line in open_lines}
    for line_id, options in found.items():
        if len(options) != 1 or options[0].kind not in kinds or claims[options[0].key] != 1:
            continue
        if options[0].needs_reason:  # HMRC paid another amount: an officer gives the reason
            continue
        candidate = options[0]
        if candidate.entry_id is None:
            to_record.append(_prepare(actor, by_id[line_id], candidate, reason=""))
        else:
            simple.append(_match_row(actor, by_id[line_id], candidate, automatic=True))
    recorded, left = _record(actor, to_record, automatic=True)
    bulk_create_with_history(simple, Match, batch_size=2_000, default_user=actor)
    return AutoMatchResult(len(simple) + len(recorded), tuple(left))


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


@dataclass(frozen=True)
class _ToRecord:
    """A confirmation that records a payment: the line, its candidate, and the payment
    checked and locked by its donations service, with the entry to post."""

    line: StatementLine
    candidate: Candidate
    prepared: RepaymentToRecord | TapPayoutToRecord | GasdsPaymentToRecord
    reason: str


def _prepare(actor, line: StatementLine, candidate: Candidate, *, reason: str) -> _ToRecord:
    """Check and lock the payment that confirming ``candidate`` for ``line`` records."""
    if candidate.needs_reason and not reason:
        raise MatchRefused(
            f"HMRC paid {format_gbp(line.amount)}, {format_gbp(abs(candidate.difference))} "
            f"{'short of' if candidate.difference < 0 else 'more than'} the claim: give the "
            "reason for the difference (HMRC's notice says why)."
        )
    try:
        if candidate.kind == "gift_aid":
            prepared = gift_aid_repayment_prepare(
                actor=actor,
                claim=candidate.record,
                amount=line.amount,
                received_on=line.posted_on,
                hmrc_reference=_hmrc_reference(line),
                reason=reason,
            )
        elif candidate.kind == "tap_payout":
            prepared = tap_payout_prepare(
                actor=actor,
                payout=candidate.record,
                amount=line.amount,
                paid_on=line.posted_on,
                bank_account_code=line.bank_account.ledger_account.code,
            )
        elif candidate.kind == "gasds":
            prepared = gasds_payment_prepare(
                actor=actor,
                claim=candidate.record,
                amount=line.amount,
                paid_on=line.posted_on,
                reason=reason,
            )
        else:
            raise ValueError(f"{candidate.kind!r} is not a payment a bank line records")
    except (GiftAidError, TapError) as exc:
        raise MatchRefused(str(exc)) from None
    return _ToRecord(line, candidate, prepared, reason)


def _record(actor, pending: list[_ToRecord], *, automatic: bool):
    """Post the payments' entries in one batch, then save each payment's record and its
    line's match. Returns the matches and the lines refused, each with the reason.

    A period closed in a fund refuses the whole batch: the payments dated in it are taken
    out and the rest posted again (at most once more per closed fund), so a closed period
    leaves only its own lines unmatched and nothing of theirs written.
    """
    refused: dict[int, str] = {}
    while True:
        places = [
            i for i, p in enumerate(pending) if i not in refused and p.prepared.posting is not None
        ]
        try:
            posted = entry_post_many(
                actor=actor, postings=[pending[i].prepared.posting for i in places]
            )
            break
        except PeriodLocked as exc:
            closed = {
                i: str(PeriodLocked(exc.fund, pending[i].prepared.posting.effective_date))
                for i in places
                if _in_closed_period(pending[i].prepared.posting, exc.fund)
            }
            if not closed:
                raise
            refused |= closed
        except InvalidPosting as exc:
            raise MatchRefused(str(exc)) from None
    entries = dict(zip(places, posted, strict=True))
    matches = []
    for i, p in enumerate(pending):
        if i in refused:
            continue
        matches.append(
            _match_save(
                actor,
                p.line,
                p.candidate,
                automatic=automatic,
                entry_id=_save_payment(actor, p.prepared, entries.get(i)),
                reason=p.reason,
            )
        )
    return matches, [(pending[i].line, reason) for i, reason in sorted(refused.items())]


def _in_closed_period(posting: Posting, fund: Fund) -> bool:
    return posting.effective_date <= fund.lock_date and any(
        leg.fund.pk == fund.pk for leg in posting.legs
    )


def _save_payment(actor, prepared, entry: Entry | None) -> int | None:
    """Save the payment's record from its posted entry; returns the entry's id."""
    if isinstance(prepared, RepaymentToRecord):
        return gift_aid_repayment_save(actor=actor, prepared=prepared, entry=entry).entry_id
    if isinstance(prepared, TapPayoutToRecord):
        return tap_payout_save(actor=actor, prepared=prepared, entry=entry).entry_id
    return gasds_payment_save(actor=actor, prepared=prepared, entry=entry).payment_entry_id


def _match_save(actor, line, candidate, *, automatic: bool, entry_id, reason: str) -> Match:
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


def _confirm(
    actor, line: StatementLine, candidate: Candidate, *, automatic: bool, reason: str = ""
) -> Match:
    """Record the match; for an HMRC claim or a card provider's payout awaiting payment,
    record the payment first (through the donations service, which posts it, a shortfall
    or surplus with the reason)."""
    if candidate.entry_id is not None:
        return _match_save(
            actor, line, candidate, automatic=automatic, entry_id=None, reason=reason
        )
    matches, refused = _record(
        actor, [_prepare(actor, line, candidate, reason=reason)], automatic=automatic
    )
    if refused:
        raise MatchRefused(refused[0][1])
    return matches[0]


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
