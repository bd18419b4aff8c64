"""entry_post_many: one lock, one transaction, the same chain and balances as one by one."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from djmoney.money import Money

from fund.exceptions import InsufficientFunds, InvalidPosting
from fund.models import Balance, ChainHead, Entry, MonthTotal, Transfer
from fund.services.posting import Leg, Posting, entry_post, entry_post_many
from fund.verification import verify_ledger
from tests.fund.helpers import gbp


def postings(public_fund, restricted_fund):
    return [
        Posting(
            effective_date=date(2026, 10, 31),
            memo="Gift 1",
            source="tests:1",
            legs=[Leg(public_fund, "assets:stripe", "income:donations:online", gbp("25.00"))],
            idempotency_key="gift-1",
        ),
        Posting(
            effective_date=date(2026, 11, 1),
            memo="Gift 2 and fee",
            source="tests:2",
            legs=[
                Leg(public_fund, "assets:stripe", "income:donations:online", gbp("10.00")),
                Leg(public_fund, "expenses:fees", "assets:stripe", gbp("0.35")),
            ],
        ),
        Posting(
            effective_date=date(2026, 11, 2),
            memo="Contribution",
            source="tests:3",
            legs=[Leg(restricted_fund, "assets:bank", "income:contributions", gbp("500.00"))],
        ),
        Posting(
            effective_date=date(2026, 11, 3),
            memo="Grant approved",
            source="tests:4",
            legs=[
                Leg(
                    restricted_fund,
                    "expenses:grants:phone",
                    "liabilities:grants-payable",
                    gbp("70.00"),
                )
            ],
            discretionary=True,
        ),
    ]


def snapshot():
    """The chain, balances and month totals as stored."""
    return (
        list(Transfer.objects.values_list("sequence", "prev_hash", "hash", "amount")),
        sorted(Balance.objects.values_list("account_id", "fund_id", "debit_total", "credit_total")),
        sorted(
            MonthTotal.objects.values_list(
                "month", "account_id", "fund_id", "debit_total", "credit_total"
            )
        ),
        ChainHead.objects.values_list("sequence", "hash").get(),
    )


class RolledBack(Exception):
    pass


def test_a_batch_gives_the_same_chain_and_balances_as_posting_one_by_one(
    officer, public_fund, restricted_fund
):
    """Posted one by one (then rolled back), and as a batch: the same sequences, balances
    and month totals; and every batch hash is the one entry_post computes for its row.

    An equivalence check only: both paths share the posting code, so a bug they share is
    not caught here; the figures written out in the other tests of this file are."""
    from django.db import transaction

    from fund.services.chain import canonical_content, chain_hash

    def figures():
        transfers, balances, months, head = snapshot()
        return [(t[0], t[3]) for t in transfers], balances, months, head[0]

    try:
        with transaction.atomic():
            for p in postings(public_fund, restricted_fund):
                entry_post(
                    actor=officer,
                    effective_date=p.effective_date,
                    memo=p.memo,
                    source=p.source,
                    legs=p.legs,
                    idempotency_key=p.idempotency_key,
                    discretionary=p.discretionary,
                )
            one_by_one = figures()
            raise RolledBack
    except RolledBack:
        pass
    assert Transfer.objects.count() == 0

    entry_post_many(actor=officer, postings=postings(public_fund, restricted_fund))
    assert figures() == one_by_one
    assert one_by_one[3] == 5
    prev = "0" * 64
    for t in Transfer.objects.select_related("entry").order_by("sequence"):
        e = t.entry
        content = canonical_content(
            t.sequence,
            e.pk,
            e.effective_date.isoformat(),
            t.fund_id,
            t.debit_account_id,
            t.credit_account_id,
            f"{t.amount.amount:.2f}",
            "GBP",
            e.memo,
            e.source,
            e.idempotency_key,
            e.reverses_id,
        )
        assert t.prev_hash == prev and t.hash == chain_hash(prev, content)
        prev = t.hash
    assert verify_ledger().ok


def test_batch_posts_in_order_with_one_chain(officer, public_fund, restricted_fund):
    entries = entry_post_many(actor=officer, postings=postings(public_fund, restricted_fund))
    assert [e.memo for e in entries] == [
        "Gift 1",
        "Gift 2 and fee",
        "Contribution",
        "Grant approved",
    ]
    assert list(Transfer.objects.values_list("sequence", "entry_id")) == [
        (1, entries[0].pk),
        (2, entries[1].pk),
        (3, entries[1].pk),
        (4, entries[2].pk),
        (5, entries[3].pk),
    ]
    result = verify_ledger()
    assert result.ok, result.problems
    assert result.transfers_checked == 5
    stripe = Balance.objects.get(account__code="assets:stripe", fund=public_fund)
    assert (stripe.debit_total, stripe.credit_total) == (gbp("35.00"), gbp("0.35"))
    # A replay of the batch posts nothing new and returns the first entry for the key.
    again = entry_post_many(actor=officer, postings=postings(public_fund, restricted_fund)[:1])
    assert again == [entries[0]]
    assert Transfer.objects.count() == 5


def test_a_failing_entry_in_a_batch_leaves_nothing_posted(officer, public_fund, restricted_fund):
    batch = postings(public_fund, restricted_fund)[:3] + [
        Posting(
            effective_date=date(2026, 11, 3),
            memo="Too big a grant",
            source="tests:5",
            legs=[
                Leg(
                    restricted_fund,
                    "expenses:grants:phone",
                    "liabilities:grants-payable",
                    gbp("500.01"),
                )
            ],
            discretionary=True,
        )
    ]
    with pytest.raises(InsufficientFunds):
        entry_post_many(actor=officer, postings=batch)
    assert Entry.objects.count() == 0 and Transfer.objects.count() == 0
    assert MonthTotal.objects.count() == 0
    assert ChainHead.objects.values_list("sequence", flat=True).get() == 0

    with pytest.raises(InvalidPosting):
        entry_post_many(
            actor=officer,
            postings=batch[:2]
            + [
                Posting(
                    date(2026, 11, 3),
                    "Bad",
                    "tests",
                    [Leg(public_fund, "nope", "assets:bank", gbp("1.00"))],
                )
            ],
        )
    assert Entry.objects.count() == 0


def gift(fund, n: int, day: date = date(2026, 11, 5)) -> Posting:
    """A £10.00 online gift with its 35p fee: two transfers."""
    return Posting(
        effective_date=day,
        memo=f"Gift {n}",
        source=f"tests:gift:{n}",
        legs=[
            Leg(fund, "assets:stripe", "income:donations:online", gbp("10.00")),
            Leg(fund, "expenses:fees", "assets:stripe", gbp("0.35")),
        ],
        idempotency_key=f"gift:{n}",
    )


def totals(model, **filters):
    return sorted(
        (row.account.code, row.fund.code, f"{row.debit_total.amount}", f"{row.credit_total.amount}")
        for row in model.objects.filter(**filters).select_related("account", "fund")
        if row.debit_total.amount or row.credit_total.amount
    )


def test_a_large_batch_writes_every_row_balance_and_month_total(officer, public_fund):
    """Thirty gifts in October and thirty in November: 120 transfers, more than the
    statement that carries a small posting's rows, so PostgreSQL gets them by COPY."""
    batch = [gift(public_fund, n, date(2026, 10, 1 + n % 31)) for n in range(30)]
    batch += [gift(public_fund, n, date(2026, 11, 1 + n % 30)) for n in range(30, 60)]
    entries = entry_post_many(actor=officer, postings=batch)

    assert len(entries) == 60 and len({e.pk for e in entries}) == 60
    stored = {e.pk: e for e in Entry.objects.select_related("created_by")}
    for n, entry in enumerate(entries):
        row = stored[entry.pk]
        assert (row.memo, row.source, row.idempotency_key) == (
            f"Gift {n}",
            f"tests:gift:{n}",
            f"gift:{n}",
        )
        assert row.created_by == officer and row.reverses_id is None
        assert (entry.memo, entry.effective_date) == (row.memo, row.effective_date)
    # Entry ids ascend with the chain: the n-th entry holds transfers 2n+1 and 2n+2.
    assert list(Transfer.objects.values_list("sequence", "entry_id", "amount")) == [
        (2 * n + s, entries[n].pk, Decimal(amount))
        for n in range(60)
        for s, amount in ((1, "10.00"), (2, "0.35"))
    ]
    assert ChainHead.objects.values_list("sequence", flat=True).get() == 120
    assert totals(Balance, fund=public_fund) == [
        ("assets:stripe", "public", "600.00", "21.00"),
        ("expenses:fees", "public", "21.00", "0.00"),
        ("income:donations:online", "public", "0.00", "600.00"),
    ]
    assert totals(MonthTotal, month=date(2026, 10, 1)) == [
        ("assets:stripe", "public", "300.00", "10.50"),
        ("expenses:fees", "public", "10.50", "0.00"),
        ("income:donations:online", "public", "0.00", "300.00"),
    ]
    assert totals(MonthTotal, month=date(2026, 11, 1)) == [
        ("assets:stripe", "public", "300.00", "10.50"),
        ("expenses:fees", "public", "10.50", "0.00"),
        ("income:donations:online", "public", "0.00", "300.00"),
    ]
    result = verify_ledger()
    assert result.ok, result.problems
    assert result.transfers_checked == 120


def test_each_batch_hash_is_sha256_of_the_written_out_canonical_text(officer, public_fund):
    """The canonical text spelt out here, not built by the code under test."""
    import hashlib

    from fund.models import Account

    small = [gift(public_fund, 1, date(2026, 10, 31))]
    large = [gift(public_fund, n, date(2026, 11, 2)) for n in range(2, 32)]
    entries = entry_post_many(actor=officer, postings=small) + entry_post_many(
        actor=officer, postings=large
    )
    ids = dict(Account.objects.values_list("code", "pk"))
    stripe, online, fees = (
        ids["assets:stripe"],
        ids["income:donations:online"],
        ids["expenses:fees"],
    )
    prev = "0" * 64
    sequence = 0
    for n, entry in enumerate(entries, start=1):
        day = "2026-10-31" if n == 1 else "2026-11-02"
        for debit, credit, amount in ((stripe, online, "10.00"), (fees, stripe, "0.35")):
            sequence += 1
            text = (
                f"{sequence}\x1f{entry.pk}\x1f{day}\x1f{public_fund.pk}\x1f{debit}\x1f{credit}"
                f"\x1f{amount}\x1fGBP\x1fGift {n}\x1ftests:gift:{n}\x1fgift:{n}\x1f"
            )
            expected = hashlib.sha256((prev + text).encode()).hexdigest()
            stored = Transfer.objects.values_list("prev_hash", "hash").get(sequence=sequence)
            assert stored == (prev, expected), f"transfer #{sequence}"
            prev = expected
    assert ChainHead.objects.values_list("sequence", "hash").get() == (62, prev)


def test_a_batch_into_a_closed_period_posts_nothing(officer, manager, public_fund, restricted_fund):
    from fund.exceptions import PeriodLocked
    from fund.services.period_locks import fund_lock_period

    fund_lock_period(actor=manager, fund=restricted_fund, lock_date=date(2026, 10, 31))
    batch = [gift(public_fund, n, date(2026, 10, 20)) for n in range(25)]  # public is open
    batch.append(
        Posting(
            effective_date=date(2026, 10, 31),
            memo="Late contribution",
            source="tests:late",
            legs=[Leg(restricted_fund, "assets:bank", "income:contributions", gbp("5.00"))],
        )
    )
    with pytest.raises(PeriodLocked):
        entry_post_many(actor=officer, postings=batch)
    assert Entry.objects.count() == 0 and Transfer.objects.count() == 0
    assert MonthTotal.objects.count() == 0
    assert totals(Balance) == []
    assert ChainHead.objects.values_list("sequence", "hash").get() == (0, "0" * 64)
    # The day after the lock date is open.
    batch[-1] = Posting(
        effective_date=date(2026, 11, 1),
        memo="Contribution",
        source="tests:late",
        legs=[Leg(restricted_fund, "assets:bank", "income:contributions", gbp("5.00"))],
    )
    entry_post_many(actor=officer, postings=batch)
    assert totals(Balance, fund=restricted_fund) == [
        ("assets:bank", "rsi", "5.00", "0.00"),
        ("income:contributions", "rsi", "0.00", "5.00"),
    ]


@pytest.mark.parametrize(
    "leg",
    [
        ("assets:bank", "assets:bank", Money("1.00", "GBP")),
        ("assets:bank", "income:contributions", Money("0.00", "GBP")),
        ("assets:bank", "income:contributions", Money("-1.00", "GBP")),
        ("assets:bank", "income:contributions", Money("1.005", "GBP")),
        ("assets:bank", "income:contributions", Money("1.00", "EUR")),
        ("assets:bank", "income:nowhere", Money("1.00", "GBP")),
    ],
    ids=["same-account", "zero", "negative", "fraction-of-penny", "euro", "unknown-account"],
)
def test_one_bad_leg_anywhere_in_a_batch_refuses_the_whole_batch(officer, public_fund, leg):
    debit, credit, amount = leg
    batch = [gift(public_fund, n) for n in range(30)]
    batch.insert(
        17,
        Posting(date(2026, 11, 5), "Bad", "tests:bad", [Leg(public_fund, debit, credit, amount)]),
    )
    with pytest.raises(InvalidPosting):
        entry_post_many(actor=officer, postings=batch)
    assert Entry.objects.count() == 0 and Transfer.objects.count() == 0
    assert ChainHead.objects.values_list("sequence", flat=True).get() == 0


def test_a_batch_needs_a_memo_and_a_transfer_in_every_entry(officer, public_fund):
    for bad in (
        Posting(date(2026, 11, 5), "   ", "tests", [gift(public_fund, 99).legs[0]]),
        Posting(date(2026, 11, 5), "No legs", "tests", []),
    ):
        with pytest.raises(InvalidPosting):
            entry_post_many(actor=officer, postings=[gift(public_fund, 1), bad])
    assert Entry.objects.count() == 0


def test_discretionary_entries_in_a_batch_see_the_ones_before_them(
    officer, manager, restricted_fund
):
    def grant(n: int, amount: str) -> Posting:
        return Posting(
            effective_date=date(2026, 11, 10),
            memo=f"Grant {n}",
            source=f"tests:grant:{n}",
            legs=[
                Leg(
                    restricted_fund,
                    "expenses:grants:phone",
                    "liabilities:grants-payable",
                    gbp(amount),
                )
            ],
            discretionary=True,
        )

    contribution = Posting(
        effective_date=date(2026, 11, 1),
        memo="Contribution",
        source="tests:c",
        legs=[Leg(restricted_fund, "assets:bank", "income:contributions", gbp("500.00"))],
    )
    # 500.00 in, then grants of 70.00 + 430.00 use it exactly; one more penny is refused.
    with pytest.raises(InsufficientFunds):
        entry_post_many(
            actor=manager,
            postings=[contribution, grant(1, "70.00"), grant(2, "430.00"), grant(3, "0.01")],
        )
    assert Entry.objects.count() == 0
    entry_post_many(actor=manager, postings=[contribution, grant(1, "70.00"), grant(2, "430.00")])
    assert totals(Balance, fund=restricted_fund) == [
        ("assets:bank", "rsi", "500.00", "0.00"),
        ("expenses:grants:phone", "rsi", "500.00", "0.00"),
        ("income:contributions", "rsi", "0.00", "500.00"),
        ("liabilities:grants-payable", "rsi", "0.00", "500.00"),
    ]
    # The fund now has nothing available: a later batch's grant is refused against the
    # cached balances the first batch wrote.
    with pytest.raises(InsufficientFunds):
        entry_post_many(actor=manager, postings=[grant(4, "0.01")])


def test_duplicate_keys_within_and_across_batches_post_once(officer, public_fund):
    first = entry_post_many(actor=officer, postings=[gift(public_fund, n) for n in range(25)])
    again = entry_post_many(
        actor=officer,
        postings=[gift(public_fund, 3), gift(public_fund, 100), gift(public_fund, 100)],
    )
    assert again[0].pk == first[3].pk
    assert again[1].pk == again[2].pk and again[1].pk not in {e.pk for e in first}
    assert Transfer.objects.count() == 52
    assert totals(Balance, fund=public_fund) == [
        ("assets:stripe", "public", "260.00", "9.10"),
        ("expenses:fees", "public", "9.10", "0.00"),
        ("income:donations:online", "public", "0.00", "260.00"),
    ]
    assert verify_ledger().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's round trips")
def test_entry_post_writes_in_one_statement_after_its_reads(officer, public_fund):
    """The entry, its transfers, the cached balances, the month totals and the chain head
    go in one statement; before it, the two locks, the accounts and the entry's id."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        entry_post(
            actor=officer,
            effective_date=date(2026, 11, 5),
            memo="Gift",
            source="tests",
            legs=gift(public_fund, 1).legs,
        )
    statements = [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert len(statements) == 5, statements
    assert [
        ("fund_fund" in s, "fund_chainhead" in s, "fund_account" in s) for s in statements[:3]
    ] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]
    assert "nextval" in statements[3]
    write = statements[4]
    for table in (
        "fund_entry",
        "fund_transfer",
        "fund_balance",
        "fund_monthtotal",
        "fund_chainhead",
    ):
        assert table in write
    assert totals(Balance, fund=public_fund) == [
        ("assets:stripe", "public", "10.00", "0.35"),
        ("expenses:fees", "public", "0.35", "0.00"),
        ("income:donations:online", "public", "0.00", "10.00"),
    ]
