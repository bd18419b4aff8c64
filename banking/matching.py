"""Which ledger items could explain a statement line: the suggestions an officer confirms.

Candidates are found for many lines at once, one query a kind over the lines' date range,
so importing a long statement costs a handful of queries rather than a few per line.

- cash deposit: the amount banked, banked within 5 working days of the line, and where a
  candidate's paying-in slip reference is in the line's description, only those;
- Stripe payout: the amount, arriving within 2 working days of the line;
- grant payment to a supplier: the amount paid out, within 5 working days, and where a
  payee's name is in the description, only those;
- contribution by bank transfer: an entry crediting contributions into the bank, the
  amount, within 5 working days;
- HMRC Gift Aid repayment and GASDS payment: a recorded repayment of the amount, or a claim
  still awaiting payment of the amount (confirming records the repayment through the
  donations service). A line that names HMRC is also offered the claims awaiting payment
  of another amount: HMRC paid less (a shortfall) or more than claimed, and confirming
  needs the officer's reason, posted with the difference. Such a match is never made
  automatically;
- contactless payout: a card provider's payout of the amount (its taps' net of fees), paid
  on or after its last tap and within 10 working days of it (confirming records the
  payout through the donations service, moving the net from the clearing account to the
  bank).
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Max, Q, Sum
from django.utils import timezone

from banking.models import Match, MatchKind, StatementLine
from donations.models.cash import Deposit
from donations.models.giftaid import GasdsClaim, GiftAidRepayment
from donations.models.online import GiftAidClaim, StripePayout
from donations.models.taps import TapPayout
from fund.models import Entry, Transfer
from fund.money import format_gbp
from grants.models import Payout

DEPOSIT_WORKING_DAYS = 5
PAYOUT_WORKING_DAYS = 2
SUPPLIER_WORKING_DAYS = 5
CONTRIBUTION_WORKING_DAYS = 5
TAP_PAYOUT_WORKING_DAYS = 10


@dataclass(frozen=True)
class Candidate:
    kind: str
    key: str  # what the confirm form posts, e.g. "deposit:12"
    source: str  # the business record, e.g. "donations.Deposit:12"
    label: str
    entry_id: int | None  # None: confirming records it (an HMRC claim awaiting payment)
    amount: Decimal
    on: date
    record: object = None  # the claim to record a repayment of
    # HMRC paid another amount than claimed: the line's amount less the claim's (negative
    # for a shortfall). Confirming needs a reason; None when the amounts agree.
    difference: Decimal | None = None

    @property
    def kind_label(self) -> str:
        return MatchKind(self.kind).label

    @property
    def needs_reason(self) -> bool:
        return self.difference is not None


def working_days_apart(a: date, b: date) -> int:
    """Weekdays from the earlier date to the later one (0 for the same day)."""
    start, end = sorted((a, b))
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(1, rest + 1):
        if (start + timedelta(days=offset + weeks * 7)).weekday() < 5:
            count += 1
    return count


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[A-Z0-9]+", text.upper()) if len(w) >= 3}


def _mentions(description: str, name: str) -> bool:
    """Whether the line's description names ``name`` (a slip reference or a payee)."""
    squashed = re.sub(r"[^A-Z0-9]", "", description.upper())
    target = re.sub(r"[^A-Z0-9]", "", name.upper())
    if target and target in squashed:
        return True
    words = _words(name) - {"LTD", "LIMITED", "THE", "AND", "PLC", "CIC"}
    return bool(words) and words <= _words(description)


def live_matched_entry_ids(entry_ids: Iterable[int] | None = None) -> set[int]:
    rows = Match.objects.filter(undone_at__isnull=True)
    if entry_ids is not None:
        rows = rows.filter(entry_id__in=list(entry_ids))
    return set(rows.values_list("entry_id", flat=True))


def _window(lines, days: int = 10) -> tuple[date, date]:
    dates = [line.posted_on for line in lines]
    return min(dates) - timedelta(days=days), max(dates) + timedelta(days=days)


def _by_amount(candidates: Iterable[Candidate]) -> dict[Decimal, list[Candidate]]:
    grouped: dict[Decimal, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        grouped[candidate.amount].append(candidate)
    return grouped


def _deposits(start: date, end: date) -> list[Candidate]:
    rows = Deposit.objects.filter(
        status=Deposit.Status.CHECKED, entry__isnull=False, banked_on__range=(start, end)
    ).values_list("pk", "paying_in_reference", "banked_on", "amount_banked", "entry_id")
    return [
        Candidate(
            "deposit",
            f"deposit:{pk}",
            f"donations.Deposit:{pk}",
            f"Cash deposit {ref}, banked {on:%d %b %Y}, {format_gbp(amount)}",
            entry_id,
            Decimal(amount),
            on,
            record=ref,
        )
        for pk, ref, on, amount, entry_id in rows
    ]


def _payouts(start: date, end: date) -> list[Candidate]:
    payouts = list(
        StripePayout.objects.filter(
            status=StripePayout.Status.PAID, arrival_date__range=(start, end)
        ).values_list("pk", "stripe_id", "arrival_date", "amount")
    )
    keys = {f"stripe:payout:{stripe_id}:paid": pk for pk, stripe_id, _on, _a in payouts}
    entries = dict(
        (keys[k], pk)
        for k, pk in Entry.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", "pk"
        )
    )
    return [
        Candidate(
            "payout",
            f"payout:{pk}",
            f"donations.StripePayout:{pk}",
            f"Stripe payout {stripe_id}, arriving {on:%d %b %Y}, {format_gbp(amount)}",
            entries[pk],
            Decimal(amount),
            on,
        )
        for pk, stripe_id, on, amount in payouts
        if pk in entries
    ]


def _supplier_payments(start: date, end: date) -> list[Candidate]:
    rows = Payout.objects.filter(paid_on__range=(start, end)).values_list(
        "pk", "grant_id", "payee", "reference", "paid_on", "amount", "entry_id"
    )
    return [
        Candidate(
            "supplier",
            f"supplier:{pk}",
            f"grants.Payout:{pk}",
            f"Grant {grant_id} paid to {payee} ({reference}), {on:%d %b %Y}, {format_gbp(amount)}",
            entry_id,
            -Decimal(amount),
            on,
            record=payee,
        )
        for pk, grant_id, payee, reference, on, amount, entry_id in rows
    ]


def _contributions(bank_account, start: date, end: date) -> list[Candidate]:
    rows = (
        Transfer.objects.filter(
            debit_account=bank_account.ledger_account_id,
            credit_account__code="income:contributions",
            entry__effective_date__range=(start, end),
        )
        .values("entry_id", "entry__effective_date", "entry__memo")
        .annotate(total=Sum("amount"))
    )
    return [
        Candidate(
            "contribution",
            f"contribution:{row['entry_id']}",
            f"fund.Entry:{row['entry_id']}",
            f"Contribution: {row['entry__memo']}, {row['entry__effective_date']:%d %b %Y}, "
            f"{format_gbp(row['total'])}",
            row["entry_id"],
            Decimal(row["total"]),
            row["entry__effective_date"],
        )
        for row in rows
    ]


def _hmrc(start: date, end: date) -> list[Candidate]:
    found = [
        Candidate(
            "gift_aid",
            f"gift_aid:{pk}",
            f"donations.GiftAidClaim:{claim_id}",
            f"HMRC Gift Aid repayment {ref} of claim {claim_id}, "
            f"{on:%d %b %Y}, {format_gbp(amount)}",
            entry_id,
            Decimal(amount),
            on,
        )
        for pk, claim_id, ref, on, amount, entry_id in GiftAidRepayment.objects.filter(
            entry__isnull=False, received_on__range=(start, end)
        ).values_list("pk", "claim_id", "hmrc_reference", "received_on", "amount", "entry_id")
    ]
    for claim in GiftAidClaim.objects.filter(repayment__isnull=True, entry__isnull=False):
        if claim.net.amount > 0:
            found.append(
                Candidate(
                    "gift_aid",
                    f"gift_aid_claim:{claim.pk}",
                    f"donations.GiftAidClaim:{claim.pk}",
                    f"Gift Aid claim {claim.pk} awaiting HMRC, {format_gbp(claim.net)} "
                    "(confirming records the repayment)",
                    None,
                    claim.net.amount,
                    claim.created_at.date(),
                    record=claim,
                )
            )
    for claim in GasdsClaim.objects.filter(
        Q(payment_entry__isnull=True) | Q(paid_on__range=(start, end))
    ):
        paid = claim.payment_entry_id is not None
        amount = claim.paid_amount if paid else claim.top_up
        found.append(
            Candidate(
                "gasds",
                f"gasds:{claim.pk}",
                f"donations.GasdsClaim:{claim.tax_year_start:%Y}",
                f"HMRC GASDS payment of {claim} ({claim.hmrc_reference}), {format_gbp(amount)}"
                + ("" if paid else " (confirming records the payment)"),
                claim.payment_entry_id,
                amount.amount,
                claim.paid_on or claim.claimed_on,
                record=None if paid else claim,
            )
        )
    return found


def _tap_payouts(start: date, end: date) -> list[Candidate]:
    """Card provider payouts: those awaiting the bank (confirming records them) and those
    recorded in the window (a match undone and made again)."""
    rows = (
        TapPayout.objects.filter(
            Q(entry__isnull=True, net__gt=0) | Q(entry__isnull=False, paid_on__range=(start, end))
        )
        .annotate(last_tap=Max("taps__tapped_at"))
        .order_by("pk")
    )
    found = []
    for payout in rows:
        if payout.last_tap is None:
            continue
        paid = payout.entry_id is not None
        found.append(
            Candidate(
                "tap_payout",
                f"tap_payout:{payout.pk}",
                f"donations.TapPayout:{payout.pk}",
                f"{payout.provider} contactless payout {payout.payout_id}, "
                f"{format_gbp(payout.net)} ({format_gbp(payout.gross)} less fees "
                f"{format_gbp(payout.fees)})" + ("" if paid else " (confirming records it)"),
                payout.entry_id,
                payout.net.amount,
                payout.paid_on if paid else timezone.localdate(payout.last_tap),
                record=None if paid else payout,
            )
        )
    return found


def _fits(line: StatementLine, candidate: Candidate) -> bool:
    apart = working_days_apart(line.posted_on, candidate.on)
    if candidate.kind == "deposit":
        return apart <= DEPOSIT_WORKING_DAYS and line.posted_on >= candidate.on
    if candidate.kind == "payout":
        return apart <= PAYOUT_WORKING_DAYS
    if candidate.kind == "supplier":
        return apart <= SUPPLIER_WORKING_DAYS
    if candidate.kind == "contribution":
        return apart <= CONTRIBUTION_WORKING_DAYS
    if candidate.kind == "tap_payout":
        return line.posted_on >= candidate.on and apart <= TAP_PAYOUT_WORKING_DAYS
    # HMRC: paid on or after the claim (a recorded repayment: near its date)
    if candidate.entry_id is not None:
        return apart <= DEPOSIT_WORKING_DAYS
    return line.posted_on >= candidate.on


def _narrow(line: StatementLine, found: list[Candidate]) -> list[Candidate]:
    """Where a reference or payee in the description singles some candidates out, only those."""
    named = [
        c
        for c in found
        if c.kind in ("deposit", "supplier") and c.record and _mentions(line.description, c.record)
    ]
    if named:
        return named
    if _names_hmrc(line):
        hmrc = [c for c in found if c.kind in HMRC_KINDS]
        if hmrc:
            return hmrc
    return found


HMRC_KINDS = ("gift_aid", "gasds")


def _names_hmrc(line: StatementLine) -> bool:
    return "HMRC" in line.description.upper()


def _differing_hmrc(line: StatementLine, awaiting: list[Candidate]) -> list[Candidate]:
    """HMRC claims awaiting payment of another amount than this paid-in line's, each with
    the difference written into its label."""
    if not _names_hmrc(line) or line.amount.amount <= 0:
        return []
    paid = line.amount.amount
    found = []
    for c in awaiting:
        if c.amount == paid or not _fits(line, c):
            continue
        difference = paid - c.amount
        what = (
            f"{format_gbp(-difference)} short of the claim"
            if difference < 0
            else f"{format_gbp(difference)} more than the claim"
        )
        found.append(
            replace(
                c,
                label=f"{c.label}; HMRC paid {format_gbp(paid)}, {what}: give the reason",
                difference=difference,
            )
        )
    return found


def candidates_for(bank_account, lines: list[StatementLine]) -> dict[int, list[Candidate]]:
    """The candidates for each line (by line id), matched items left out."""
    if not lines:
        return {}
    start, end = _window(lines)
    pool = (
        _deposits(start, end)
        + _payouts(start, end)
        + _supplier_payments(start, end)
        + _contributions(bank_account, start, end)
        + _hmrc(start, end)
        + _tap_payouts(start, end)
    )
    taken = live_matched_entry_ids(c.entry_id for c in pool if c.entry_id)
    pool = [c for c in pool if c.entry_id not in taken]
    grouped = _by_amount(pool)
    awaiting = [c for c in pool if c.kind in HMRC_KINDS and c.entry_id is None]
    result = {}
    for line in lines:
        fitting = [c for c in grouped.get(line.amount.amount, []) if _fits(line, c)]
        fitting = _narrow(line, fitting) if fitting else []
        if awaiting and not any(c.kind in HMRC_KINDS for c in fitting):
            fitting += _differing_hmrc(line, awaiting)
        result[line.pk] = fitting
    return result
