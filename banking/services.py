"""Every write of the banking app: imports, matches, worked lines, suspense, reconciliation.

Keyword-only functions taking the actor. Ledger entries go through
``fund.services.entry_post`` / ``entry_reverse``; HMRC's payments through the donations
services that record them.
"""

import hashlib
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from djmoney.money import Money
from simple_history.utils import bulk_create_with_history

from banking.exceptions import (
    BankingError,
    MatchRefused,
    ReconciliationRefused,
    StatementRefused,
    WorkRefused,
)
from banking.matching import Candidate, candidates_for
from banking.models import (
    MATCH_KINDS,
    BankAccount,
    CsvLayout,
    Match,
    MatchKind,
    MatchRule,
    Reconciliation,
    Statement,
    StatementLine,
    SuspenseClearance,
)
from banking.parsing import (
    BUILT_IN_LAYOUTS,
    Layout,
    ParsedLine,
    detect_format,
    detect_layout,
    parse_csv,
    parse_ofx,
)
from banking.selectors import reconciliation_statement
from donations.exceptions import ContributionError, GiftAidError, TapError
from donations.models.contributions import ContributionReceipt, Pledge
from donations.services.contributions import contribution_receipt_record
from donations.services.gasds import gasds_payment_record
from donations.services.giftaid import gift_aid_repayment_record
from donations.services.taps import tap_payout_record
from fund.bank_share import bank_share
from fund.exceptions import AlreadyReversed, InvalidPosting, PeriodLocked
from fund.models import Account, Fund
from fund.money import format_gbp, gbp
from fund.services import Leg, entry_post, entry_reverse
from people.access import has_role
from people.roles import BANK_MANAGER_ROLES, HANDLER_ROLES

SUSPENSE = "liabilities:suspense"
LOOKUP_CHUNK = 2_000


def _require(actor, roles, what: str) -> None:
    if not has_role(actor, *roles):
        raise BankingError(f"Only {what} may do this.")


_gbp = gbp  # the one helper in fund.money, under the name this module's callers use


# --- layouts ----------------------------------------------------------------------------


def layout_for(name: str) -> Layout:
    """A built-in layout or one a manager defined, by name."""
    if name in BUILT_IN_LAYOUTS:
        return BUILT_IN_LAYOUTS[name]
    row = CsvLayout.objects.filter(name=name).first()
    if row is None:
        known = ", ".join(
            list(BUILT_IN_LAYOUTS) + list(CsvLayout.objects.values_list("name", flat=True))
        )
        raise StatementRefused(1, f"there is no CSV layout called {name!r} (known: {known}).")
    return Layout(
        row.name,
        date=row.date_column,
        description=row.description_column,
        balance=row.balance_column,
        amount=row.amount_column,
        paid_in=row.paid_in_column,
        paid_out=row.paid_out_column,
        type=row.type_column,
        header_rows=row.header_rows,
        month_first=row.date_order == CsvLayout.DateOrder.MONTH_FIRST,
    )


def csv_layout_create(*, actor: AbstractBaseUser, name: str, **columns) -> CsvLayout:
    """A manager names a CSV layout: which column holds the date, description, amount..."""
    _require(actor, BANK_MANAGER_ROLES, "fund managers")
    if name in BUILT_IN_LAYOUTS:
        raise BankingError(f"{name!r} is a built-in layout; choose another name.")
    used = [v for k, v in columns.items() if k.endswith("_column") and v]
    if len(used) != len(set(used)):
        raise BankingError("Each column can hold only one thing.")
    layout = CsvLayout(name=name, created_by=actor, **columns)
    layout._history_user = actor
    layout.full_clean()
    layout.save()
    return layout


# --- import -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    statement: Statement
    added: int
    already_held: int
    auto_matched: int

    @property
    def gap(self) -> Money | None:
        return self.statement.gap


def statement_import(
    *,
    actor: AbstractBaseUser,
    bank_account: BankAccount,
    content: bytes,
    file_name: str,
    file_format: str | None = None,
    layout: str | None = None,
) -> ImportResult:
    """Import a statement file: new lines stored once, continuity checked, matches made.

    A file that does not parse raises ``StatementRefused`` (line and reason) and stores
    nothing. Lines already held (the same file again, or statements that overlap) are
    skipped by their fingerprint. Where the first new line does not follow on from the last
    closing balance, the gap is recorded on the statement and reported.
    """
    _require(actor, HANDLER_ROLES, "fund officers and managers")
    file_format = file_format or detect_format(content)
    if file_format == "ofx":
        parsed, _closing = parse_ofx(content)
        layout_name = ""
    elif file_format == "csv":
        layout_name = layout or detect_layout(content)
        if layout_name is None:
            raise StatementRefused(
                1,
                "the heading row is not a layout the fund knows: choose the layout, or ask a "
                "manager to define it.",
            )
        parsed = parse_csv(content, layout_for(layout_name))
    else:
        raise StatementRefused(1, f"{file_format!r} is not a statement format (csv or ofx).")

    with transaction.atomic():
        account = BankAccount.objects.select_for_update().get(pk=bank_account.pk)
        held = _held_fingerprints(account, [p.fingerprint for p in parsed])
        new = [p for p in parsed if p.fingerprint not in held]
        last = StatementLine.objects.filter(bank_account=account).order_by("-position").first()
        previous_closing = last.balance if last else None
        gap = None
        if new and last is not None:
            opening = _gbp(new[0].balance - new[0].amount)
            if opening != last.balance:
                gap = opening - last.balance
        statement = Statement(
            bank_account=account,
            file_name=file_name[:255],
            sha256=hashlib.sha256(content).hexdigest(),
            file_format=file_format,
            layout=layout_name,
            first_date=parsed[0].posted_on,
            last_date=parsed[-1].posted_on,
            opening_balance=_gbp(parsed[0].balance - parsed[0].amount),
            closing_balance=_gbp(parsed[-1].balance),
            lines_in_file=len(parsed),
            lines_added=len(new),
            previous_closing=previous_closing,
            gap=gap,
            imported_by=actor,
        )
        statement._history_user = actor
        statement.save()
        position = last.position if last else 0
        rows = []
        for p in new:
            position += 1
            rows.append(_line(account, statement, p, position))
        StatementLine.objects.bulk_create(rows, batch_size=2_000)
        stored = list(StatementLine.objects.filter(statement=statement).order_by("position"))
        matched = auto_match(actor=actor, bank_account=account, lines=stored)
    return ImportResult(statement, len(new), len(parsed) - len(new), matched)


def _held_fingerprints(account: BankAccount, fingerprints: list[str]) -> set[str]:
    held: set[str] = set()
    for i in range(0, len(fingerprints), LOOKUP_CHUNK):
        held |= set(
            StatementLine.objects.filter(
                bank_account=account, fingerprint__in=fingerprints[i : i + LOOKUP_CHUNK]
            ).values_list("fingerprint", flat=True)
        )
    return held


def _line(account, statement, p: ParsedLine, position: int) -> StatementLine:
    return StatementLine(
        bank_account=account,
        statement=statement,
        posted_on=p.posted_on,
        position=position,
        amount=_gbp(p.amount),
        description=p.description,
        kind=p.kind,
        balance=_gbp(p.balance),
        fitid=p.fitid,
        fingerprint=p.fingerprint,
    )


# --- matching ---------------------------------------------------------------------------


def automatic_kinds() -> set[str]:
    return set(MatchRule.objects.filter(automatic=True).values_list("kind", flat=True))


def match_rule_set(*, actor: AbstractBaseUser, kind: str, automatic: bool) -> MatchRule:
    """A manager switches automatic confirmation of one match kind on or off."""
    _require(actor, BANK_MANAGER_ROLES, "fund managers")
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


def _has_live_match(line: StatementLine) -> bool:
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
    _require(actor, HANDLER_ROLES, "fund officers and managers")
    reason = reason.strip()
    with transaction.atomic():
        line = StatementLine.objects.select_for_update().get(pk=line.pk)
        if _has_live_match(line):
            raise MatchRefused("This line is already matched: undo that match first.")
        options = candidates_for(line.bank_account, [line])[line.pk]
        chosen = next((c for c in options if c.key == key), None)
        if chosen is None:
            raise MatchRefused("That item is no longer a match for this line.")
        return _confirm(actor, line, chosen, automatic=False, reason=reason)


def match_undo(*, actor: AbstractBaseUser, match: Match, reason: str) -> Match:
    """Undo a match, keeping it in the history with the reason. A worked line's entry is
    reversed; an unknown receipt already cleared from suspense cannot be undone."""
    _require(actor, HANDLER_ROLES, "fund officers and managers")
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


# --- working unmatched lines ------------------------------------------------------------

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
    _require(actor, HANDLER_ROLES, "fund officers and managers")
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
    amount = _gbp(abs(line.amount.amount))
    with transaction.atomic():
        line = StatementLine.objects.select_for_update().get(pk=line.pk)
        if _has_live_match(line):
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


def suspense_clear(
    *, actor: AbstractBaseUser, match: Match, account: Account, reason: str
) -> SuspenseClearance:
    """Move an unknown receipt out of suspense to the account it turned out to belong to."""
    _require(actor, HANDLER_ROLES, "fund officers and managers")
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


# --- reconciliation ---------------------------------------------------------------------


def reconciliation_mark(
    *, actor: AbstractBaseUser, bank_account: BankAccount, as_of: date
) -> Reconciliation:
    """A manager marks the period reconciled: only when the unexplained difference is £0.00."""
    _require(actor, BANK_MANAGER_ROLES, "fund managers")
    with transaction.atomic():
        BankAccount.objects.select_for_update().get(pk=bank_account.pk)
        figures = reconciliation_statement(bank_account, as_of)
        if figures.statement_balance is None:
            raise ReconciliationRefused(
                f"There is no statement line on or before {as_of:%d %b %Y} to reconcile to."
            )
        if figures.difference.amount != 0:
            raise ReconciliationRefused(
                f"The unexplained difference is {format_gbp(figures.difference)}: it must be "
                "£0.00 before the period can be marked reconciled. Match or work the lines "
                "not yet in the ledger."
            )
        if Reconciliation.objects.filter(bank_account=bank_account, as_of=as_of).exists():
            raise ReconciliationRefused(f"{as_of:%d %b %Y} is already marked reconciled.")
        row = Reconciliation(
            bank_account=bank_account,
            as_of=as_of,
            ledger_balance=figures.ledger_balance,
            statement_balance=figures.statement_balance,
            not_on_statement=figures.not_on_statement_total,
            difference=figures.difference,
            reconciled_by=actor,
        )
        row._history_user = actor
        row.save()
    return row
