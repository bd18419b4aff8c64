"""Bulk-load a large ledger that is exactly what the posting service would have written.

Rows, cached balances and the hash chain are computed with the same functions the service
uses (``canonical_content``, ``chain_hash``), so ``verify_ledger`` passes on the result.
Used only by the benchmarks: the application always posts through ``fund.services``.
"""

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from fund.models import Account, ChainHead, Entry, Fund, Transfer
from fund.services.chain import canonical_content, chain_hash
from fund.services.writes import add_to_totals

BATCH = 10_000

# Pairs of (debit, credit) that a real year of the fund produces.
PATTERNS = [
    [("assets:cash-in-transit", "income:donations:boxes")],
    [("assets:bank", "assets:cash-in-transit")],
    [("assets:stripe", "income:donations:online"), ("expenses:fees", "assets:stripe")],
    [("expenses:grants:phone", "liabilities:grants-payable")],
    [("liabilities:grants-payable", "assets:bank")],
    [("assets:bank", "assets:stripe")],
]


def load(*, transfers: int, actor, funds: list[Fund], seed: int = 2026) -> None:
    """Append ``transfers`` transfers (about two per entry) after the current chain head."""
    rng = random.Random(seed)
    accounts = {a.code: a.pk for a in Account.objects.all()}
    entry_table, transfer_table = Entry._meta.db_table, Transfer._meta.db_table
    debits: dict[tuple, Decimal] = defaultdict(Decimal)
    credits: dict[tuple, Decimal] = defaultdict(Decimal)
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().get(pk=1)
        sequence, prev_hash = head.sequence, head.hash
        entry_id = (Entry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        transfer_id = (
            Transfer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        ) + 1
        start_day, now = date(2024, 4, 6), timezone.now()
        entry_rows, transfer_rows = [], []
        target = sequence + transfers
        with connection.cursor() as cursor:
            while sequence < target:
                pattern = PATTERNS[rng.randrange(len(PATTERNS))][: target - sequence]
                fund = funds[rng.randrange(len(funds))]
                day = start_day + timedelta(days=(sequence // 2000) % 900)
                memo, source = f"Bulk entry {entry_id}", f"bench:{entry_id}"
                entry_rows.append((entry_id, day, memo, source, None, None, now, actor.pk))
                for debit, credit in pattern:
                    sequence += 1
                    amount = Decimal(rng.randrange(100, 50_000)) / 100
                    content = canonical_content(
                        sequence,
                        entry_id,
                        day.isoformat(),
                        fund.pk,
                        accounts[debit],
                        accounts[credit],
                        f"{amount:.2f}",
                        "GBP",
                        memo,
                        source,
                        None,
                        None,
                    )
                    this_hash = chain_hash(prev_hash, content)
                    transfer_rows.append(
                        (
                            transfer_id,
                            sequence,
                            entry_id,
                            fund.pk,
                            accounts[debit],
                            accounts[credit],
                            "GBP",
                            amount,
                            prev_hash,
                            this_hash,
                        )
                    )
                    month = day.replace(day=1)
                    debits[(accounts[debit], fund.pk, month)] += amount
                    credits[(accounts[credit], fund.pk, month)] += amount
                    prev_hash, transfer_id = this_hash, transfer_id + 1
                entry_id += 1
                if len(transfer_rows) >= BATCH:
                    _flush(cursor, entry_table, transfer_table, entry_rows, transfer_rows)
            _flush(cursor, entry_table, transfer_table, entry_rows, transfer_rows)
            for statement in connection.ops.sequence_reset_sql(
                no_style(),
                [Entry, Transfer],
            ):
                cursor.execute(statement)
        # The cached balances and month totals, by the posting service's own upsert.
        add_to_totals(debits, credits)
        ChainHead.objects.filter(pk=1).update(sequence=sequence, hash=prev_hash)


def _flush(cursor, entry_table, transfer_table, entry_rows, transfer_rows):
    if entry_rows:
        cursor.executemany(
            f"INSERT INTO {entry_table} (id, effective_date, memo, source, idempotency_key, "
            "reverses_id, created_at, created_by_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            entry_rows,
        )
    if transfer_rows:
        cursor.executemany(
            f"INSERT INTO {transfer_table} (id, sequence, entry_id, fund_id, debit_account_id, "
            "credit_account_id, amount_currency, amount, prev_hash, hash) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            transfer_rows,
        )
    entry_rows.clear()
    transfer_rows.clear()
