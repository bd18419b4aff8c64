"""Invariant 5: verify_ledger recomputes the chain, balances and trial balance."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from fund import chain_walk, triggers
from fund.models import Balance, ChainHead, Transfer
from fund.services.posting import Leg, entry_post
from tests.fund.helpers import TODAY, gbp, post


@pytest.fixture
def ledger(officer, manager, public_fund, restricted_fund):
    post(
        manager,
        restricted_fund,
        "assets:bank",
        "income:contributions",
        "15000.00",
        memo="RSI contribution",
    )
    post(
        officer,
        public_fund,
        "assets:cash-in-transit",
        "income:donations:boxes",
        "84.37",
        memo="Box 3 counted",
    )
    entry_post(
        actor=officer,
        effective_date=TODAY,
        memo="Online gift",
        source="tests",
        legs=[
            Leg(
                fund=public_fund,
                debit="assets:stripe",
                credit="income:donations:online",
                amount=gbp("25.00"),
            ),
            Leg(
                fund=public_fund, debit="expenses:fees", credit="assets:stripe", amount=gbp("0.58")
            ),
        ],
    )
    post(
        manager,
        restricted_fund,
        "expenses:grants:phone",
        "liabilities:grants-payable",
        "70.00",
        discretionary=True,
        memo="Grant G-1 approved",
    )


def run_verify(capsys):
    call_command("verify_ledger")
    return capsys.readouterr().out


def run_verify_expecting_failure(capsys):
    with pytest.raises(CommandError) as failed:
        call_command("verify_ledger")
    assert failed.value.returncode == 1
    return str(failed.value), capsys.readouterr().err


def test_intact_ledger_verifies(ledger, capsys):
    head = ChainHead.objects.get()
    out = run_verify(capsys)
    assert "Ledger OK: 5 transfers checked" in out
    assert f"#{head.sequence} {head.hash}" in out


def test_empty_ledger_verifies(db, capsys):
    assert "Ledger OK: 0 transfers checked" in run_verify(capsys)


def _with_triggers_dropped(statement, params=()):
    """Tamper the way someone with database access could; the test's transaction rolls back."""
    triggers.uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_changed_amount_is_reported_with_the_bad_row(ledger, capsys):
    target = Transfer.objects.get(sequence=2)
    _with_triggers_dropped(
        "UPDATE fund_transfer SET amount = %s WHERE id = %s", ["8.37", target.pk]
    )

    message, detail = run_verify_expecting_failure(capsys)

    assert "transfer #2" in message
    assert "hash does not match" in message
    assert "cached debits 84.37" in detail  # the balance no longer sums either


def test_changed_memo_is_reported(ledger, capsys):
    entry = Transfer.objects.get(sequence=5).entry
    _with_triggers_dropped(
        "UPDATE fund_entry SET memo = %s WHERE id = %s", ["Grant G-1 approved (edited)", entry.pk]
    )

    message, _ = run_verify_expecting_failure(capsys)

    assert "transfer #5" in message


def test_deleted_transfer_is_reported_as_a_gap(ledger, capsys):
    _with_triggers_dropped("DELETE FROM fund_transfer WHERE sequence = 3")
    message, _ = run_verify_expecting_failure(capsys)
    assert "transfer #4: expected sequence #3" in message


def test_rewritten_history_with_recomputed_hashes_is_caught_by_the_chain_head(ledger, capsys):
    # A forger rewrites the last transfer and recomputes its hash, but cannot also fix
    # the head recorded in earlier exports; verify_ledger at least catches the head row.
    _with_triggers_dropped("UPDATE fund_transfer SET hash = %s WHERE sequence = 5", ["e" * 64])
    message, _ = run_verify_expecting_failure(capsys)
    assert "transfer #5" in message


def test_ledger_read_in_chunks_verifies_and_a_change_in_a_later_chunk_is_caught(
    ledger, capsys, monkeypatch
):
    """Three transfers a chunk: the online gift's two transfers (#3 and #4) fall in two
    chunks, and the changed amount is in the second chunk."""
    monkeypatch.setattr(chain_walk, "CHUNK", 3)
    assert "Ledger OK: 5 transfers checked" in run_verify(capsys)

    _with_triggers_dropped("UPDATE fund_transfer SET amount = %s WHERE sequence = 4", ["0.85"])
    message, detail = run_verify_expecting_failure(capsys)
    assert "transfer #4 (entry" in message
    assert "hash does not match its content" in message
    assert "cached debits 0.58 / credits 0.00, transfers sum to 0.85 / 0.00" in detail


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE fund_entry SET idempotency_key = 'x' WHERE id = %s",
        "UPDATE fund_entry SET reverses_id = id WHERE id = %s",
    ],
    ids=["idempotency key", "reversed entry"],
)
def test_a_changed_key_or_reversal_link_is_reported(ledger, capsys, statement):
    entry = Transfer.objects.get(sequence=2).entry
    _with_triggers_dropped(statement, [entry.pk])
    message, _ = run_verify_expecting_failure(capsys)
    assert f"transfer #2 (entry {entry.pk}): hash does not match its content" in message


def test_a_transfer_numbered_0_is_read_and_reported(ledger, capsys):
    """Were the positive-sequence constraint dropped, a transfer numbered 0 sits before the
    first chunk's lower bound in a keyset read: the walk starts below it, and reports it."""
    if connection.vendor == "postgresql":
        _with_triggers_dropped("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks
        _with_triggers_dropped(
            "ALTER TABLE fund_transfer DROP CONSTRAINT fund_transfer_sequence_positive"
        )
    else:
        _with_triggers_dropped("PRAGMA ignore_check_constraints = ON")
    _with_triggers_dropped(
        "INSERT INTO fund_transfer (sequence, entry_id, fund_id, debit_account_id, "
        "credit_account_id, amount, amount_currency, prev_hash, hash) "
        "SELECT 0, entry_id, fund_id, debit_account_id, credit_account_id, amount, "
        "amount_currency, prev_hash, %s FROM fund_transfer WHERE sequence = 1",
        ["f" * 64],
    )
    if connection.vendor != "postgresql":
        _with_triggers_dropped("PRAGMA ignore_check_constraints = OFF")
    message, detail = run_verify_expecting_failure(capsys)
    assert "transfer #0: expected sequence #1 (gap or duplicate)" in message
    assert "transfer #1: previous hash does not match the one before" in detail


def test_tampered_cached_balance_is_reported(ledger, capsys):
    Balance.objects.filter(account__code="assets:bank", fund__code="rsi").update(
        debit_total=gbp("15.00")
    )
    message, _ = run_verify_expecting_failure(capsys)
    assert "balance assets:bank in fund rsi" in message


def test_chain_head_out_of_step_is_reported(ledger, capsys):
    ChainHead.objects.update(sequence=4)
    message, _ = run_verify_expecting_failure(capsys)
    assert "chain head says #4" in message


@pytest.mark.parametrize("later_id", [900, 90_000])
def test_entries_numbered_out_of_chain_order_verify_and_are_still_checked(
    officer, public_fund, capsys, later_id
):
    """Verification reads each chunk's entries beside its transfers; an entry whose id is
    lower than one posted before it (not what the service writes, but not wrong) is still
    found, whether the chunk's entry ids lie close together (read as one id range) or
    89,200 apart (read id by id). Rows written by hand with their hashes spelt out."""
    import hashlib
    from datetime import date

    from fund.models import Account, Entry, MonthTotal

    bank, boxes = (
        Account.objects.get(code=c).pk for c in ("assets:bank", "income:donations:boxes")
    )
    prev = "0" * 64
    for sequence, entry_id, memo, amount in (
        (1, later_id, "Later id", "12.00"),
        (2, 800, "Earlier id", "3.50"),
    ):
        Entry.objects.create(
            id=entry_id,
            effective_date=date(2026, 11, 3),
            memo=memo,
            source="tests",
            created_by=officer,
        )
        text = (
            f"{sequence}\x1f{entry_id}\x1f2026-11-03\x1f{public_fund.pk}\x1f{bank}\x1f{boxes}"
            f"\x1f{amount}\x1fGBP\x1f{memo}\x1ftests\x1f\x1f"
        )
        this = hashlib.sha256((prev + text).encode()).hexdigest()
        Transfer.objects.create(
            sequence=sequence,
            entry_id=entry_id,
            fund=public_fund,
            debit_account_id=bank,
            credit_account_id=boxes,
            amount=gbp(amount),
            prev_hash=prev,
            hash=this,
        )
        prev = this
    Balance.objects.filter(account_id=bank, fund=public_fund).update(debit_total=gbp("15.50"))
    Balance.objects.filter(account_id=boxes, fund=public_fund).update(credit_total=gbp("15.50"))
    MonthTotal.objects.create(
        month=date(2026, 11, 1), account_id=bank, fund=public_fund, debit_total=gbp("15.50")
    )
    MonthTotal.objects.create(
        month=date(2026, 11, 1), account_id=boxes, fund=public_fund, credit_total=gbp("15.50")
    )
    ChainHead.objects.update(sequence=2, hash=prev)

    assert "Ledger OK: 2 transfers checked" in run_verify(capsys)

    _with_triggers_dropped("UPDATE fund_entry SET memo = %s WHERE id = 800", ["Earlier id!"])
    message, _ = run_verify_expecting_failure(capsys)
    assert "transfer #2 (entry 800): hash does not match its content" in message


# ---- A long ledger on PostgreSQL: two processes, one per half of the sequence range ----
#
# The ledger above has 5 transfers; with PARALLEL_FROM at 2 it is walked in two processes:
# this one takes #1 and #2 (the middle is 5 // 2), a forked one takes #3 to #5 at this
# transaction's snapshot. The rows must be committed for the second connection to see them.


def postgres_only(test):
    test = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")(test)
    return pytest.mark.postgres_only(test)


@pytest.fixture
def two_processes(monkeypatch):
    from fund import verification

    monkeypatch.setattr(verification, "PARALLEL_FROM", 2)
    monkeypatch.setattr(chain_walk, "CHUNK", 2)


def _tamper_and_commit(statement, params=()):
    triggers.uninstall(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
    finally:
        triggers.install(connection)


@postgres_only
def test_a_long_ledger_is_walked_in_two_processes_with_the_same_result(
    committing_db, ledger, two_processes, capsys
):
    from fund.verification import verify_ledger

    result = verify_ledger()
    assert result.problems == []
    assert result.transfers_checked == 5
    head = ChainHead.objects.get(pk=1)
    assert (result.head_sequence, result.head_hash) == (5, head.hash)
    assert "Ledger OK: 5 transfers checked" in run_verify(capsys)


@postgres_only
@pytest.mark.parametrize(
    "statement, expected",
    [
        (
            "UPDATE fund_transfer SET amount = 84.36 WHERE sequence = 2",
            "transfer #2 (entry",
        ),
        (
            "UPDATE fund_transfer SET amount = 0.85 WHERE sequence = 4",
            "transfer #4 (entry",
        ),
        (
            "DELETE FROM fund_transfer WHERE sequence = 3",
            "transfer #4: expected sequence #3 (gap or duplicate)",
        ),
        (
            "UPDATE fund_transfer SET prev_hash = repeat('a', 64) WHERE sequence = 3",
            "transfer #3: previous hash does not match the one before",
        ),
    ],
    ids=["lower half", "upper half", "gap where the halves meet", "chain broken where they meet"],
)
def test_two_processes_catch_a_change_in_either_half_and_where_they_meet(
    committing_db, ledger, two_processes, statement, expected
):
    from fund.verification import verify_ledger

    _tamper_and_commit(statement)

    result = verify_ledger()
    assert any(expected in text for text in result.problems), result.problems
