"""The grant register export's rows (no client references)."""

from collections.abc import Iterator

from audit.exports.params import CHUNK, ExportParams, dated
from audit.resources import GrantResource, days_between, local_date, money


def grants(params: ExportParams):
    rows = dated(GrantResource().get_queryset(), "submitted_at__date", params)
    return rows.filter(fund=params.fund) if params.fund else rows


def grant_rows(params: ExportParams) -> Iterator[tuple]:
    rows = grants(params).values_list(
        "id",
        "agency__name",
        "category__name",
        "category__code",
        "fund__code",
        "status",
        "amount",
        "payout__amount",
        "submitted_at",
        "decided_at",
        "payout__paid_on",
        "paid_at",
        "payout__method",
        "approval_entry_id",
    )
    for (
        pk,
        agency,
        category,
        account,
        fund,
        status,
        amount,
        paid,
        submitted_at,
        decided_at,
        paid_on,
        paid_at,
        method,
        entry,
    ) in rows.iterator(chunk_size=CHUNK):
        yield (
            f"G-{pk:05d}",
            agency,
            category,
            account,
            fund,
            status,
            money(amount),
            money(paid) if paid is not None else None,
            local_date(submitted_at),
            local_date(decided_at),
            paid_on,
            days_between(submitted_at, decided_at),
            days_between(submitted_at, paid_at),
            method,
            entry,
        )
