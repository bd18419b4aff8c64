"""Matching lines to the ledger, working unmatched lines, undoing, and the reconciliation."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from djmoney.money import Money

from banking.exceptions import MatchRefused, ReconciliationRefused, WorkRefused
from banking.matching import candidates_for
from banking.models import Match, StatementLine
from banking.selectors import reconciliation_statement, suspense_total
from banking.services.matching import match_confirm, match_rule_set, match_undo
from banking.services.reconciliation import reconciliation_mark
from banking.services.statements import statement_import
from banking.services.suspense import suspense_clear
from banking.services.worked_lines import line_work
from donations.models.online import StripePayout
from donations.services.cash import deposit_check
from fund.models import Account, Entry
from fund.services.posting import Leg, entry_post
from grants.models import Grant
from tests.fund.helpers import balance, post
from tests.grants.states import grant_in


def gbp(amount):
    return Money(amount, "GBP")


def verify():
    out = StringIO()
    call_command("verify_ledger", stdout=out)


def csv(*rows, opening="1000.00"):
    """An "amount" layout statement; the running balance is worked out from ``opening``."""
    from decimal import Decimal

    running = Decimal(opening)
    lines = ["Date,Description,Amount,Balance"]
    for on, description, amount in rows:
        running += Decimal(amount)
        lines.append(f"{on},{description},{amount},{running:.2f}")
    return ("\n".join(lines) + "\n").encode()


def load(actor, bank, *rows, opening="1000.00"):
    result = statement_import(
        actor=actor, bank_account=bank, content=csv(*rows, opening=opening), file_name="s.csv"
    )
    return list(StatementLine.objects.filter(statement=result.statement).order_by("position"))


def keys(bank, line):
    return [c.key for c in candidates_for(bank, [line])[line.pk]]


def test_a_cash_deposit_is_suggested_by_amount_date_and_slip_then_confirmed(
    officer, bank, bank_deposit
):
    deposit = deposit_check(actor=officer, deposit=bank_deposit)
    [line] = load(officer, bank, ("2026-11-25", "PAYING IN PI-ACCESS", "12.50"))
    assert keys(bank, line) == [f"deposit:{bank_deposit.pk}"]
    match = match_confirm(actor=officer, line=line, key=f"deposit:{bank_deposit.pk}")
    assert (match.kind, match.entry_id, match.automatic) == ("deposit", deposit.entry_id, False)
    verify()


def test_a_deposit_more_than_five_working_days_before_is_not_suggested(officer, bank, bank_deposit):
    deposit_check(actor=officer, deposit=bank_deposit)  # banked Mon 23 Nov 2026
    [line] = load(officer, bank, ("2026-12-01", "PAYING IN", "12.50"))  # 6 working days on
    assert keys(bank, line) == []


def payout(manager, public_fund, amount="80.00", on=date(2026, 11, 24)):
    row = StripePayout.objects.create(
        stripe_id="po_1", amount=gbp(amount), arrival_date=on, status=StripePayout.Status.PAID
    )
    post(manager, public_fund, "assets:stripe", "income:donations:online", amount)
    entry_post(
        actor=manager,
        effective_date=on,
        memo="payout",
        source=f"donations.StripePayout:{row.pk}",
        legs=[
            Leg(fund=public_fund, debit="assets:bank", credit="assets:stripe", amount=gbp(amount))
        ],
        idempotency_key="stripe:payout:po_1:paid",
    )
    return row


def test_a_stripe_payout_matches_automatically_once_the_manager_switches_it_on(
    manager, officer, bank, public_fund
):
    row = payout(manager, public_fund)
    match_rule_set(actor=manager, kind="payout", automatic=True)
    [line] = load(officer, bank, ("2026-11-25", "STRIPE PAYMENTS UK", "80.00"))
    match = Match.objects.get(line=line)
    assert (match.kind, match.source, match.automatic) == (
        "payout",
        f"donations.StripePayout:{row.pk}",
        True,
    )
    verify()


def test_a_supplier_payment_matches_by_amount_payee_and_date(
    kw, officer, officer2, manager, funded, bank
):  # noqa: F811, E501
    grant = grant_in(Grant.Status.PAID, kw=kw, officer=officer, officer2=officer2, manager=manager)
    today = timezone.localdate()
    [line] = load(officer, bank, (today.isoformat(), "FURNITURE NOW BACS-1", "-150.00"))
    assert keys(bank, line) == [f"supplier:{grant.payout.pk}"]
    match = match_confirm(actor=officer, line=line, key=f"supplier:{grant.payout.pk}")
    assert match.entry_id == grant.payout.entry_id
    verify()


def test_a_contribution_by_bank_transfer_matches(manager, officer, bank, restricted_fund):
    entry = post(
        manager,
        restricted_fund,
        "assets:bank",
        "income:contributions",
        "500.00",
        on=date(2026, 11, 20),
    )
    [line] = load(officer, bank, ("2026-11-23", "MHCLG RSI GRANT", "500.00"))
    match = match_confirm(actor=officer, line=line, key=f"contribution:{entry.pk}")
    assert match.entry_id == entry.pk
    verify()


def test_bank_charge_interest_and_unknown_receipt_are_worked_then_suspense_cleared(
    manager, officer, bank, public_fund
):
    post(manager, public_fund, "assets:bank", "income:donations:online", "100.00")
    charge, interest, unknown, contribution, refund = load(
        officer,
        bank,
        ("2026-11-02", "ACCOUNT FEE", "-6.50"),
        ("2026-11-03", "INTEREST", "0.42"),
        ("2026-11-04", "CREDIT 88213", "35.00"),
        ("2026-11-05", "COUNCIL GRANT", "200.00"),
        ("2026-11-06", "REFUND SHOE SHOP", "19.99"),
    )
    with pytest.raises(WorkRefused):
        line_work(actor=officer, line=charge, kind="interest", fund=public_fund, reason="x")
    line_work(
        actor=officer, line=charge, kind="bank_charge", fund=public_fund, reason="November fee"
    )
    line_work(actor=officer, line=interest, kind="interest", fund=public_fund, reason="Interest")
    worked = line_work(
        actor=officer, line=unknown, kind="unknown_receipt", fund=public_fund, reason="No idea yet"
    )
    line_work(
        actor=officer,
        line=contribution,
        kind="contribution_received",
        fund=public_fund,
        reason="Council",
    )
    line_work(
        actor=officer,
        line=refund,
        kind="refund_returned",
        fund=public_fund,
        reason="Shoes returned",
        account=Account.objects.get(code="expenses:grants:clothing"),
    )
    assert str(balance("expenses:bank-charges").amount) == "6.50"
    assert str(balance("income:interest").amount) == "0.42"
    assert str(balance("liabilities:suspense").amount) == "35.00"
    assert str(balance("income:contributions").amount) == "200.00"
    assert str(balance("expenses:grants:clothing").amount) == "-19.99"
    assert str(suspense_total().amount) == "35.00"
    suspense_clear(
        actor=officer,
        match=worked,
        account=Account.objects.get(code="income:donations:boxes"),
        reason="Café paid in its box by transfer",
    )
    assert str(balance("liabilities:suspense").amount) == "0.00"
    assert str(suspense_total().amount) == "0.00"
    verify()


def test_undoing_a_match_keeps_it_in_the_history_and_reverses_a_worked_entry(
    manager, officer, bank, public_fund
):
    post(manager, public_fund, "assets:bank", "income:donations:online", "100.00")
    [line] = load(officer, bank, ("2026-11-02", "ACCOUNT FEE", "-6.50"))
    match = line_work(actor=officer, line=line, kind="bank_charge", fund=public_fund, reason="Fee")
    with pytest.raises(MatchRefused):
        match_undo(actor=officer, match=match, reason="  ")
    match_undo(actor=officer, match=match, reason="It was interest charged, not a fee")
    match.refresh_from_db()
    assert match.undone_by == officer and match.undo_entry.reverses_id == match.entry_id
    assert str(balance("expenses:bank-charges").amount) == "0.00"
    assert [h.undone_at is None for h in match.history.order_by("history_date")] == [True, False]
    again = line_work(actor=officer, line=line, kind="bank_charge", fund=public_fund, reason="Fee")
    assert again.pk != match.pk
    verify()


def test_reconciliation_refused_while_a_difference_remains_then_marked(
    manager, officer, bank, public_fund
):
    post(
        manager,
        public_fund,
        "assets:bank",
        "income:donations:online",
        "1000.00",
        on=date(2026, 10, 1),
    )
    unpresented = post(
        manager, public_fund, "expenses:grants:other", "assets:bank", "30.00", on=date(2026, 11, 5)
    )
    (fee,) = load(officer, bank, ("2026-11-02", "ACCOUNT FEE", "-6.50"))
    figures = reconciliation_statement(bank, date(2026, 11, 30))
    assert str(figures.ledger_balance.amount) == "970.00"
    assert str(figures.statement_balance.amount) == "993.50"
    assert [i.entry_id for i in figures.not_on_statement] == [unpresented.pk]
    assert str(figures.difference.amount) == "6.50"
    with pytest.raises(ReconciliationRefused, match="£6.50"):
        reconciliation_mark(actor=manager, bank_account=bank, as_of=date(2026, 11, 30))
    line_work(actor=officer, line=fee, kind="bank_charge", fund=public_fund, reason="Fee")
    row = reconciliation_mark(actor=manager, bank_account=bank, as_of=date(2026, 11, 30))
    assert (str(row.difference.amount), str(row.not_on_statement.amount)) == ("0.00", "-30.00")
    verify()


def test_a_bank_charge_beyond_the_funds_bank_share_is_refused_and_nothing_posted(
    manager, officer, bank, public_fund, restricted_fund
):
    """The bank holds £1,004.00; the restricted fund's share is £4.00 (and £50.00 of its
    cash is not yet banked). A £6.50 charge put to it is refused, as a payment beyond its
    share would be; put to the public fund it goes through."""
    post(manager, public_fund, "assets:bank", "income:donations:online", "1000.00")
    post(manager, restricted_fund, "assets:bank", "income:contributions", "4.00")
    post(manager, restricted_fund, "assets:cash-in-transit", "income:donations:boxes", "50.00")
    [fee] = load(officer, bank, ("2026-11-02", "ACCOUNT FEE", "-6.50"))
    entries = Entry.objects.count()

    with pytest.raises(WorkRefused) as refused:
        line_work(actor=officer, line=fee, kind="bank_charge", fund=restricted_fund, reason="Fee")

    assert str(refused.value) == (
        "Charging £6.50 to Rough sleepers grant 2026/27 would take its share of the bank "
        "£2.50 short: it has £4.00 in the bank. Rough sleepers grant 2026/27 still has £50.00 "
        "in cash not banked. The bank has already taken the charge: put it to a fund that "
        "holds that much in the bank, or bank the cash first. Nothing was recorded."
    )
    assert (Entry.objects.count(), Match.objects.count()) == (entries, 0)
    assert str(balance("assets:bank", restricted_fund).amount) == "4.00"
    assert str(balance("expenses:bank-charges").amount) == "0.00"

    line_work(actor=officer, line=fee, kind="bank_charge", fund=public_fund, reason="Fee")
    assert str(balance("assets:bank", public_fund).amount) == "993.50"
    assert str(balance("expenses:bank-charges").amount) == "6.50"
    verify()


def test_an_entry_and_its_reversal_not_on_the_statement_cancel_out(
    manager, officer, bank, public_fund
):
    """A payment posted by mistake and reversed, neither ever on the statement, is not an
    item to explain: only the other unpresented payment is listed, counted and totalled.
    A reversal whose original is on the statement is still listed."""
    from fund.services.reversal import entry_reverse

    post(
        manager,
        public_fund,
        "assets:bank",
        "income:donations:online",
        "1000.00",
        on=date(2026, 10, 1),
    )
    mistake = post(
        manager, public_fund, "expenses:grants:other", "assets:bank", "12.00", on=date(2026, 11, 5)
    )
    entry_reverse(
        actor=manager, entry=mistake, effective_date=date(2026, 11, 6), memo="Posted twice"
    )
    unpresented = post(
        manager, public_fund, "expenses:grants:other", "assets:bank", "30.00", on=date(2026, 11, 7)
    )
    (fee,) = load(officer, bank, ("2026-11-02", "ACCOUNT FEE", "-6.50"))
    charged = line_work(actor=officer, line=fee, kind="bank_charge", fund=public_fund, reason="Fee")
    undone = entry_reverse(
        actor=manager, entry=charged.entry, effective_date=date(2026, 11, 8), memo="Refunded"
    )

    figures = reconciliation_statement(bank, date(2026, 11, 30))

    assert [i.entry_id for i in figures.not_on_statement] == [unpresented.pk, undone.pk]
    assert [str(i.amount.amount) for i in figures.not_on_statement] == ["-30.00", "6.50"]
    assert len(figures.not_on_statement) == 2
    assert figures.not_on_statement_total == Money("-23.50", "GBP")
    assert [i.entry_id for i in figures.not_on_statement[1:]] == [undone.pk]


def test_an_entry_netting_to_nothing_on_the_bank_is_not_an_item(
    manager, officer, bank, public_fund
):
    """£0.10 and £0.20 in, £0.30 out, in one entry: nothing to explain on the statement (on
    SQLite the sums are floating point, 5.55e-17 away from zero)."""
    post(
        manager,
        public_fund,
        "assets:bank",
        "income:donations:online",
        "100.00",
        on=date(2026, 10, 1),
    )
    entry_post(
        actor=manager,
        effective_date=date(2026, 11, 5),
        memo="In and out the same day",
        source="tests",
        legs=[
            Leg(public_fund, "assets:bank", "income:donations:online", Money("0.10", "GBP")),
            Leg(public_fund, "assets:bank", "income:donations:online", Money("0.20", "GBP")),
            Leg(public_fund, "expenses:grants:other", "assets:bank", Money("0.30", "GBP")),
        ],
    )
    load(officer, bank, ("2026-11-02", "ACCOUNT FEE", "-6.50"))

    figures = reconciliation_statement(bank, date(2026, 11, 30))

    assert list(figures.not_on_statement) == []
    assert len(figures.not_on_statement) == 0
    assert figures.not_on_statement_total == Money("0.00", "GBP")
