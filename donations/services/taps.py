"""Every write for contactless collection points: terminals, report imports, payouts.

Each tap is a gift at its point, posted when its report is imported, in the fund the point
collects for: the amount from Donations: contactless into the card provider's clearing
account, and the provider's fee from that account to Payment processing fees. The clearing
account then holds what the provider owes until its payout, matched on the bank statement,
moves the net to the bank (``tap_payout_record``).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from djmoney.money import Money

from donations.exceptions import TapError, TapReportRefused
from donations.models import CollectionPoint, Tap, TapImport, TapPayout, TapTerminal
from donations.tap_report import LAYOUTS, ParsedTap, parse_report
from fund.exceptions import InvalidPosting, PeriodLocked
from fund.models import Entry, Fund
from fund.money import format_gbp, gbp
from fund.services.posting import Leg, Posting, entry_post_many, entry_post_prepared
from people.access import has_role
from people.roles import HANDLER_ROLES

CLEARING = "assets:card-provider"
INCOME = "income:donations:contactless"
FEES = "expenses:fees"
BANK = "assets:bank"


def _require_handler(actor) -> None:
    if not has_role(actor, *HANDLER_ROLES):
        raise TapError("Only fund officers and managers may do this.")


def _money(amount: Decimal) -> Money:
    return Money(amount, "GBP")


def tap_terminal_create(
    *, actor: AbstractBaseUser, point: CollectionPoint, provider: str, terminal_id: str
) -> TapTerminal:
    """Record a card provider's tap terminal at a collection point."""
    _require_handler(actor)
    provider, terminal_id = provider.strip(), terminal_id.strip()
    if not provider or not terminal_id:
        raise TapError("Enter the card provider and the terminal id.")
    if not point.is_active:
        raise TapError(f"{point.host_name} is closed; a closed point takes no terminal.")
    with transaction.atomic():
        if TapTerminal.objects.filter(provider=provider, terminal_id=terminal_id).exists():
            raise TapError(f"{provider} terminal {terminal_id} is already recorded.")
        terminal = TapTerminal(
            point=point, provider=provider, terminal_id=terminal_id, created_by=actor
        )
        terminal._history_user = actor
        terminal.save()
    return terminal


@dataclass(frozen=True)
class _NewTap:
    parsed: ParsedTap
    terminal: TapTerminal


def _layout(name: str):
    if name not in LAYOUTS:
        raise TapReportRefused(
            1, f"there is no tap report layout called {name!r} (known: {', '.join(LAYOUTS)})."
        )
    return LAYOUTS[name]


def _terminals(parsed: list[ParsedTap]) -> dict[str, TapTerminal]:
    found: dict[str, list[TapTerminal]] = defaultdict(list)
    for terminal in TapTerminal.objects.select_related("point", "point__fund").filter(
        terminal_id__in={p.terminal_id for p in parsed}
    ):
        found[terminal.terminal_id].append(terminal)
    result = {}
    for p in parsed:
        options = found.get(p.terminal_id, [])
        if not options:
            raise TapReportRefused(
                p.number,
                f"the terminal id {p.terminal_id} is not recorded at any collection point: "
                "add the terminal on its point's page first.",
            )
        if len(options) > 1:
            raise TapReportRefused(
                p.number, f"the terminal id {p.terminal_id} is recorded for more than one provider."
            )
        result[p.terminal_id] = options[0]
    return result


def _new_taps(parsed: list[ParsedTap], terminals: dict[str, TapTerminal]) -> list[_NewTap]:
    """The taps not held yet; a held tap that differs from the file refuses the file."""
    held = {
        (t.provider, t.transaction_id): t
        for t in Tap.objects.filter(transaction_id__in=[p.transaction_id for p in parsed])
    }
    new = []
    for p in parsed:
        terminal = terminals[p.terminal_id]
        before = held.get((terminal.provider, p.transaction_id))
        if before is None:
            new.append(_NewTap(p, terminal))
            continue
        if (
            before.amount.amount != p.amount
            or before.fee.amount != p.fee
            or before.terminal_id != terminal.pk
        ):
            raise TapReportRefused(
                p.number,
                f"the transaction {p.transaction_id} was imported before as "
                f"{format_gbp(before.amount)} (fee {format_gbp(before.fee)}) at "
                f"{before.terminal.terminal_id}; the file says otherwise.",
            )
    return new


def tap_report_import(
    *, actor: AbstractBaseUser, content: bytes, file_name: str, layout: str
) -> TapImport:
    """Import a card provider's transaction report: each new tap posted as a gift at its point.

    Refused whole (``TapReportRefused`` with the line and reason, nothing stored) when a
    line does not parse, names an unknown terminal, contradicts a tap already held, or adds
    to a payout already paid into the bank. Taps already held are skipped, so the same
    report imported twice adds no tap, payout or ledger entry the second time.
    """
    _require_handler(actor)
    report_layout = _layout(layout)
    parsed = parse_report(content, report_layout)
    terminals = _terminals(parsed)
    try:
        with transaction.atomic():
            return _import(actor, parsed, terminals, file_name, report_layout.name)
    except IntegrityError:
        # Two imports of overlapping reports at once: the second meets the unique tap
        # constraint and rolls back whole; importing again skips what the first added.
        raise TapError(
            "Another import of these taps finished first; import the file again to add the rest."
        ) from None


def _import(actor, parsed, terminals, file_name: str, layout: str) -> TapImport:
    new = _new_taps(parsed, terminals)
    payouts = _payouts_for(new)
    providers = sorted({t.provider for t in terminals.values()})
    tap_import = TapImport(
        file_name=file_name[:255],
        layout=layout,
        provider=", ".join(providers)[:60],
        imported_by=actor,
        taps_in_file=len(parsed),
        taps_added=len(new),
        total_added=gbp(sum((n.parsed.amount for n in new), Decimal(0))),
        fees_added=gbp(sum((n.parsed.fee for n in new), Decimal(0))),
    )
    tap_import.save()
    if not new:
        return tap_import
    postings = []
    for n in new:
        p, point = n.parsed, n.terminal.point
        legs = [Leg(fund=point.fund, debit=CLEARING, credit=INCOME, amount=_money(p.amount))]
        if p.fee:
            legs.append(Leg(fund=point.fund, debit=FEES, credit=CLEARING, amount=_money(p.fee)))
        postings.append(
            Posting(
                effective_date=timezone.localdate(_aware(p)),
                memo=(
                    f"Contactless gift at {point.host_name}: {format_gbp(p.amount)}, "
                    f"fee {format_gbp(p.fee)} ({n.terminal.provider} {p.transaction_id})"
                )[:300],
                source=f"donations.TapImport:{tap_import.pk}",
                legs=legs,
                idempotency_key=f"tap:{n.terminal.provider}:{p.transaction_id}"[:200],
            )
        )
    try:
        entries = entry_post_many(actor=actor, postings=postings)
    except PeriodLocked as exc:
        raise TapReportRefused(_first_line_in(new, exc.effective_date), f"{exc}") from None
    except InvalidPosting as exc:
        raise TapReportRefused(new[0].parsed.number, f"{exc}") from None
    Tap.objects.bulk_create(
        [
            Tap(
                terminal=n.terminal,
                point=n.terminal.point,
                provider=n.terminal.provider,
                transaction_id=n.parsed.transaction_id,
                tapped_at=_aware(n.parsed),
                amount=_money(n.parsed.amount),
                fee=_money(n.parsed.fee),
                payout=payouts[(n.terminal.provider, n.parsed.payout_id)],
                tap_import=tap_import,
                entry=entry,
            )
            for n, entry in zip(new, entries, strict=True)
        ]
    )
    for payout in payouts.values():
        totals = payout.taps.aggregate(gross=Sum("amount"), fees=Sum("fee"))
        payout.gross, payout.fees = gbp(totals["gross"]), gbp(totals["fees"])
        payout.net = payout.gross - payout.fees
        payout._history_user = actor
        payout.save(update_fields=["gross", "fees", "net"])
    return tap_import


def _aware(p: ParsedTap):
    return timezone.make_aware(p.tapped_at)


def _first_line_in(new: list[_NewTap], day: date) -> int:
    for n in new:
        if timezone.localdate(_aware(n.parsed)) == day:
            return n.parsed.number
    return new[0].parsed.number


def _payouts_for(new: list[_NewTap]) -> dict[tuple[str, str], TapPayout]:
    """The payouts the new taps belong to, locked; created where new. A payout already
    paid into the bank takes no more taps: its amount is settled."""
    first_line: dict[tuple[str, str], int] = {}
    for n in new:
        first_line.setdefault((n.terminal.provider, n.parsed.payout_id), n.parsed.number)
    payouts = {}
    for (provider, payout_id), number in first_line.items():
        payout = (
            TapPayout.objects.select_for_update()
            .filter(provider=provider, payout_id=payout_id)
            .first()
        )
        if payout is None:
            payout = TapPayout.objects.create(
                provider=provider,
                payout_id=payout_id,
                gross=gbp(0),
                fees=gbp(0),
                net=gbp(0),
            )
        elif payout.entry_id is not None:
            raise TapReportRefused(
                number,
                f"{provider} payout {payout_id} was paid into the bank on "
                f"{payout.paid_on:%-d %b %Y}; it cannot take more taps.",
            )
        payouts[(provider, payout_id)] = payout
    return payouts


def tap_payout_last_tap(payout: TapPayout) -> date | None:
    last = payout.taps.aggregate(last=Max("tapped_at"))["last"]
    return timezone.localdate(last) if last else None


@dataclass(frozen=True)
class TapPayoutToRecord:
    """A payout checked and locked, with the entry that records it reaching the bank.

    Made by ``tap_payout_prepare``; once ``posting`` is posted (alone, or with others
    through ``entry_post_many``), ``tap_payout_save`` records the payout from its entry.
    """

    payout: TapPayout
    paid_on: date
    posting: Posting


def tap_payout_prepare(
    *,
    actor: AbstractBaseUser,
    payout: TapPayout,
    amount: Money,
    paid_on: date,
    bank_account_code: str = BANK,
) -> TapPayoutToRecord:
    """Check the payout can be recorded as paid, lock it, and build its entry; nothing is
    written. Call it inside the transaction that posts the entry and saves the payout."""
    _require_handler(actor)
    # Locked: the bank line and a second officer may confirm the same payout at once.
    payout = TapPayout.objects.select_for_update().get(pk=payout.pk)
    if payout.entry_id is not None:
        raise TapError(f"{payout} is already recorded as paid on {payout.paid_on:%-d %b %Y}.")
    if amount != payout.net or payout.net.amount <= 0:
        raise TapError(
            f"{payout} is {format_gbp(payout.net)} net of fees, not {format_gbp(amount)}."
        )
    last = tap_payout_last_tap(payout)
    if last is not None and paid_on < last:
        raise TapError(f"{payout} cannot reach the bank before its last tap ({last:%-d %b %Y}).")
    per_fund = (
        payout.taps.values("point__fund")
        .annotate(gross=Sum("amount"), fees=Sum("fee"))
        .order_by("point__fund")
    )
    funds = Fund.objects.in_bulk([row["point__fund"] for row in per_fund])
    legs = [
        Leg(
            fund=funds[row["point__fund"]],
            debit=bank_account_code,
            credit=CLEARING,
            amount=gbp(row["gross"] - row["fees"]),
        )
        for row in per_fund
        if row["gross"] - row["fees"] > 0
    ]
    return TapPayoutToRecord(
        payout=payout,
        paid_on=paid_on,
        posting=Posting(
            effective_date=paid_on,
            memo=f"{payout} paid into the bank: {format_gbp(payout.net)} "
            f"({format_gbp(payout.gross)} less fees {format_gbp(payout.fees)})",
            source=f"donations.TapPayout:{payout.pk}",
            legs=legs,
            idempotency_key=f"tap:payout:{payout.pk}:paid",
        ),
    )


def tap_payout_save(
    *, actor: AbstractBaseUser, prepared: TapPayoutToRecord, entry: Entry
) -> TapPayout:
    """Record the prepared payout as paid by ``entry``, its posted entry."""
    payout = prepared.payout
    payout.entry = entry
    payout.paid_on = prepared.paid_on
    payout.paid_by = actor
    payout._history_user = actor
    payout.save(update_fields=["entry", "paid_on", "paid_by"])
    return payout


def tap_payout_record(
    *,
    actor: AbstractBaseUser,
    payout: TapPayout,
    amount: Money,
    paid_on: date,
    bank_account_code: str = BANK,
) -> TapPayout:
    """The provider's payout reached the bank: move its net from the clearing account to the
    bank, in the funds of its taps. The amount must be the payout's net to the penny."""
    with transaction.atomic():
        prepared = tap_payout_prepare(
            actor=actor,
            payout=payout,
            amount=amount,
            paid_on=paid_on,
            bank_account_code=bank_account_code,
        )
        posting = prepared.posting
        try:
            entry = entry_post_prepared(actor=actor, posting=posting)
        except (PeriodLocked, InvalidPosting) as exc:
            raise TapError(str(exc)) from None
        return tap_payout_save(actor=actor, prepared=prepared, entry=entry)
