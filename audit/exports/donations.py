"""The donations exports' rows: online payments, collections, deposits, Gift Aid claims."""

from collections.abc import Iterator

from audit.exports.params import CHUNK, ExportParams, dated
from audit.resources import (
    CollectionResource,
    DepositResource,
    GiftAidClaimResource,
    OnlinePaymentResource,
    local_date,
    money,
    yes_no,
)


def online_payments(params: ExportParams):
    rows = dated(OnlinePaymentResource().get_queryset(), "paid_on", params)
    return rows.filter(fund=params.fund) if params.fund else rows


def online_payment_rows(params: ExportParams) -> Iterator[tuple]:
    rows = online_payments(params).values_list(
        "id",
        "donation_id",
        "paid_on",
        "fund__code",
        "donation__frequency",
        "amount",
        "fee",
        "amount_refunded",
        "amount_disputed",
        "dispute",
        "donation__gift_aid_id",
        "gift_aid_claim_id",
        "donation__collection_point__box_number",
        "charge_id",
    )
    for (
        pk,
        donation,
        paid_on,
        fund,
        frequency,
        amount,
        fee,
        refunded,
        disputed,
        dispute,
        gift_aid,
        claim,
        box,
        charge,
    ) in rows.iterator(chunk_size=CHUNK):
        yield (
            pk,
            f"OD-{donation:06d}",
            paid_on,
            fund,
            frequency,
            money(amount),
            money(fee),
            money(refunded),
            money(disputed),
            dispute,
            yes_no(gift_aid),
            claim,
            box,
            charge,
        )


def collections(params: ExportParams):
    rows = dated(CollectionResource().get_queryset(), "emptied_at__date", params)
    return rows.filter(point__fund=params.fund) if params.fund else rows


def collection_rows(params: ExportParams) -> Iterator[tuple]:
    rows = collections(params).values_list(
        "id",
        "point__box_number",
        "point__host_name",
        "point__fund__code",
        "emptied_at",
        "seal_expected",
        "seal_removed",
        "seal_fitted",
        "seal_broken",
        "amount",
        "status",
        "counted_by__username",
        "confirmed_by__username",
        "deposit__paying_in_reference",
        "entry_id",
    )
    for (
        pk,
        box,
        host,
        fund,
        emptied_at,
        expected,
        removed,
        fitted,
        broken,
        amount,
        status,
        counted_by,
        confirmed_by,
        deposit,
        entry,
    ) in rows.iterator(chunk_size=CHUNK):
        yield (
            pk,
            box,
            host,
            fund,
            local_date(emptied_at),
            expected,
            removed,
            fitted,
            yes_no(broken),
            money(amount),
            status,
            counted_by,
            confirmed_by,
            deposit,
            entry,
        )


def deposits(params: ExportParams):
    rows = dated(DepositResource().get_queryset(), "banked_on", params)
    return rows.filter(fund=params.fund) if params.fund else rows


def deposit_rows(params: ExportParams) -> Iterator[tuple]:
    rows = deposits(params).values_list(
        "paying_in_reference",
        "banked_on",
        "fund__code",
        "counted_total",
        "amount_banked",
        "difference_reason",
        "status",
        "recorded_by__username",
        "checked_by__username",
        "entry_id",
    )
    for (
        reference,
        banked_on,
        fund,
        counted,
        banked,
        reason,
        status,
        recorded_by,
        checked_by,
        entry,
    ) in rows.iterator(chunk_size=CHUNK):
        yield (
            reference,
            banked_on,
            fund,
            money(counted),
            money(banked),
            money(banked - counted),
            reason,
            status,
            recorded_by,
            checked_by,
            entry,
        )


def gift_aid_claims(params: ExportParams):
    """Claims made in the period; a claim covers gifts to every fund, so no fund filter."""
    return dated(GiftAidClaimResource().get_queryset(), "created_at__date", params)


def gift_aid_claim_rows(params: ExportParams) -> Iterator[tuple]:
    rows = gift_aid_claims(params).values_list(
        "id",
        "date_from",
        "date_to",
        "total",
        "payment_count",
        "created_by__username",
        "created_at",
    )
    for pk, date_from, date_to, total, count, created_by, created_at in rows.iterator(
        chunk_size=CHUNK
    ):
        yield (
            pk,
            date_from,
            date_to,
            money(total),
            count,
            created_by,
            created_at,
        )
