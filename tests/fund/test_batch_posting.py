"""entry_post_many: one lock, one transaction, the same chain and balances as one by one."""

from datetime import date

import pytest

from fund.exceptions import InsufficientFunds, InvalidPosting
from fund.models import Balance, ChainHead, Entry, MonthTotal, Transfer
from fund.services import Leg, Posting, entry_post, entry_post_many
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
    and month totals; and every batch hash is the one entry_post computes for its row."""
    from django.db import transaction

    from fund.services import canonical_content, chain_hash

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
