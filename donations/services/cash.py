"""Every write for collection points, box collections and bank deposits.

The cash controls live here, on the server: a count posts only when a second, different
fund officer confirms it; a deposit posts only when checked by someone who took part in
none of its counts; a seal that does not match the one on record is flagged for the fund
manager. Postings go through ``fund.services.posting.entry_post`` inside the same transaction as
the business record, with idempotency keys, so a double-click posts once.
"""

import secrets
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from djmoney.money import Money

from donations.exceptions import (
    AlreadyRecorded,
    CheckerCounted,
    CollectionsNotBankable,
    DenominationsDoNotAddUp,
    InvalidAmount,
    InvalidTransition,
    NotAllowed,
    PointInactive,
    ReasonRequired,
    SameOfficer,
    SealNotBroken,
    SealNotNew,
)
from donations.models import (
    DENOMINATIONS,
    Collection,
    CollectionDenomination,
    CollectionEvent,
    CollectionPoint,
    Deposit,
    DepositEvent,
)
from fund.models import Fund
from fund.money import AmountProblem, check_amount
from fund.services.posting import Leg, entry_post
from fund.workflow import transition
from people.access import has_role
from people.roles import Role

PUBLIC_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
PUBLIC_CODE_LENGTH = 6
DEFAULT_FUND_CODE = "public"

POINT_FIELDS = {
    "host_name",
    "address",
    "contact_name",
    "contact_phone",
    "contact_email",
    "opened_on",
    "closed_on",
    "box_number",
    "is_active",
    "fund",
}

# --- Collection points ----------------------------------------------------------------------


def _new_public_code() -> str:
    while True:
        code = "".join(secrets.choice(PUBLIC_CODE_ALPHABET) for _ in range(PUBLIC_CODE_LENGTH))
        if not CollectionPoint.objects.filter(public_code=code).exists():
            return code


def collection_point_create(
    *,
    actor: AbstractBaseUser,
    host_name: str,
    address: str,
    box_number: str,
    seal: str,
    opened_on: date,
    fund: Fund | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    public_code: str | None = None,
) -> CollectionPoint:
    """Register a host and its box with the seal fitted; the fund defaults to "public"."""
    with transaction.atomic():
        point = CollectionPoint(
            fund=fund or Fund.objects.get(code=DEFAULT_FUND_CODE),
            host_name=host_name.strip(),
            address=address.strip(),
            contact_name=contact_name.strip(),
            contact_phone=contact_phone.strip(),
            contact_email=contact_email.strip(),
            opened_on=opened_on,
            box_number=box_number.strip().upper(),
            current_seal=seal.strip().upper(),
            public_code=(public_code or "").strip().upper() or _new_public_code(),
        )
        point._history_user = actor
        point.full_clean()
        point.save()
    return point


def collection_point_update(
    *, actor: AbstractBaseUser, point: CollectionPoint, **changes
) -> CollectionPoint:
    """Change a point's host details, dates, box number, fund or active flag.

    The seal is not editable here: it changes only when a box is emptied, so the record of
    seals stays a chain of collections. The public code never changes once printed.
    """
    unknown = changes.keys() - POINT_FIELDS
    if unknown:
        raise TypeError(f"Not editable on a collection point: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        point = CollectionPoint.objects.select_for_update().get(pk=point.pk)
        for name, value in changes.items():
            if isinstance(value, str):
                value = value.strip()
            setattr(point, name, value)
        point.box_number = point.box_number.upper()
        if point.closed_on is not None:
            # A withdrawn box collects nothing; a box can be paused without a closing date.
            point.is_active = False
        point._history_user = actor
        point.full_clean()
        point.save()
    return point


# --- Collections: the two-person count ------------------------------------------------------

AMOUNT_MESSAGES = {
    AmountProblem.NOT_MONEY: "Amounts must be money, not {type}.",
    AmountProblem.NOT_STERLING: "Collection boxes are counted in pounds sterling.",
    AmountProblem.NOT_POSITIVE: "The amount counted must be more than £0.00.",
    AmountProblem.NOT_WHOLE_PENCE: "The amount counted must be in whole pence.",
}


def _check_amount(amount: Money) -> None:
    check_amount(amount, error=InvalidAmount, messages=AMOUNT_MESSAGES)


def _clean_denominations(
    amount: Money, denominations: Mapping[Decimal, int] | None
) -> dict[Decimal, int]:
    """Drop zero counts and check the notes and coins add up to the amount entered."""
    if not denominations:
        return {}
    cleaned: dict[Decimal, int] = {}
    for value, quantity in denominations.items():
        value = Decimal(value)
        if value not in DENOMINATIONS:
            raise InvalidAmount(f"£{value} is not a sterling note or coin.")
        if not isinstance(quantity, int) or quantity < 0:
            raise InvalidAmount("Each note or coin count must be a whole number, 0 or more.")
        if quantity:
            cleaned[value] = quantity
    if not cleaned:
        return {}
    total = Money(sum(value * quantity for value, quantity in cleaned.items()), "GBP")
    if total != amount:
        raise DenominationsDoNotAddUp(amount, total)
    return cleaned


def _save_denominations(collection: Collection, denominations: dict[Decimal, int]) -> None:
    collection.denominations.all().delete()
    CollectionDenomination.objects.bulk_create(
        [
            CollectionDenomination(collection=collection, value=value, quantity=quantity)
            for value, quantity in denominations.items()
        ]
    )


def collection_record(
    *,
    actor: AbstractBaseUser,
    point: CollectionPoint,
    emptied_at: datetime,
    seal_removed: str,
    seal_fitted: str,
    amount: Money,
    denominations: Mapping[Decimal, int] | None = None,
) -> Collection:
    """Record a box emptied and counted; it waits for a second officer to confirm.

    A removed seal that does not match the one on record is flagged "seal broken" for the
    fund manager, and the count still goes ahead: the cash is real either way.
    """
    _check_amount(amount)
    cleaned = _clean_denominations(amount, denominations)
    seal_removed, seal_fitted = seal_removed.strip().upper(), seal_fitted.strip().upper()
    if not seal_removed or not seal_fitted:
        raise SealNotNew("Record both the seal removed and the new seal fitted.")
    with transaction.atomic():
        # Locked so two officers recording the same box at once cannot both match the seal.
        point = CollectionPoint.objects.select_for_update().get(pk=point.pk)
        if not point.is_active:
            raise PointInactive(f"{point} is closed; reopen it before recording a collection.")
        if seal_fitted == seal_removed:
            raise SealNotNew("The new seal must have a different number from the one removed.")
        if seal_fitted == point.current_seal:
            # The box already carries this seal: most likely the same emptying submitted
            # twice (a double-click, or a resend after a dropped connection on a phone).
            raise AlreadyRecorded(
                f"Seal {seal_fitted} is already recorded as fitted to box {point.box_number}, "
                "so this emptying looks already recorded. Check the box's recent collections."
            )
        collection = Collection(
            point=point,
            emptied_at=emptied_at,
            seal_expected=point.current_seal,
            seal_removed=seal_removed,
            seal_fitted=seal_fitted,
            seal_broken=seal_removed != point.current_seal,
            amount=amount,
            status=Collection.Status.AWAITING_CONFIRMATION,
            counted_by=actor,
            counted_at=timezone.now(),
        )
        collection._history_user = actor
        collection.save()
        _save_denominations(collection, cleaned)
        note = "Counted."
        if collection.seal_broken:
            note = f"Seal broken: removed {seal_removed}, record showed {collection.seal_expected}."
        CollectionEvent.objects.create(
            collection=collection,
            actor=actor,
            from_status="",
            to_status=collection.status,
            note=note,
        )
        point.current_seal = seal_fitted
        # Kept here, under the point's lock, so lists find overdue boxes without reading
        # every collection (a collection may be recorded after a later one).
        if point.last_emptied_at is None or emptied_at > point.last_emptied_at:
            point.last_emptied_at = emptied_at
        point._history_user = actor
        point.save(update_fields=["current_seal", "last_emptied_at"])
    return collection


def collection_recount(
    *,
    actor: AbstractBaseUser,
    collection: Collection,
    amount: Money,
    denominations: Mapping[Decimal, int] | None = None,
    note: str = "",
) -> Collection:
    """Correct a returned count and send it for confirmation again.

    Whoever enters the corrected figure becomes its counter, so the confirmer must differ
    from them too.
    """
    _check_amount(amount)
    cleaned = _clean_denominations(amount, denominations)
    with transaction.atomic():
        collection = transition(
            collection,
            actor=actor,
            to=Collection.Status.AWAITING_CONFIRMATION,
            note=note.strip() or f"Recounted at {amount}.",
            amount=amount,
            counted_by=actor,
            counted_at=timezone.now(),
            return_reason="",
        )
        _save_denominations(collection, cleaned)
    return collection


def collection_confirm(*, actor: AbstractBaseUser, collection: Collection) -> Collection:
    """A second, different fund officer confirms the count; it posts to the ledger.

    Posting: Cash in transit / Donations: collection boxes, in the point's fund, dated the
    day the box was emptied.
    """
    with transaction.atomic():
        current = Collection.objects.select_for_update().get(pk=collection.pk)
        if current.counted_by_id == actor.pk:
            raise SameOfficer(
                "You counted this box, so a different fund officer must confirm the count."
            )
        # Checked before posting so a second click raises instead of reaching the ledger;
        # the idempotency key is a second guard should the two ever disagree.
        if Collection.Status.CONFIRMED not in Collection.ALLOWED_TRANSITIONS[current.status]:
            raise InvalidTransition(current, current.status, Collection.Status.CONFIRMED)
        point = current.point
        entry = entry_post(
            actor=actor,
            effective_date=timezone.localdate(current.emptied_at),
            memo=f"Collection box {point.box_number} counted (collection {current.pk})",
            source=f"donations.Collection:{current.pk}",
            legs=[
                Leg(
                    fund=point.fund,
                    debit="assets:cash-in-transit",
                    credit="income:donations:boxes",
                    amount=current.amount,
                )
            ],
            idempotency_key=f"collection:{current.pk}:confirm",
        )
        return transition(
            current,
            actor=actor,
            to=Collection.Status.CONFIRMED,
            note="Count confirmed and posted.",
            confirmed_by=actor,
            confirmed_at=timezone.now(),
            entry=entry,
        )


def collection_return(
    *, actor: AbstractBaseUser, collection: Collection, reason: str
) -> Collection:
    """The second officer disagrees with the count: it goes back, with the reason."""
    reason = reason.strip()
    if not reason:
        raise ReasonRequired("Say why the count is being sent back.")
    with transaction.atomic():
        current = Collection.objects.select_for_update().get(pk=collection.pk)
        if current.counted_by_id == actor.pk:
            raise SameOfficer("You counted this box, so a different fund officer must check it.")
        return transition(
            current,
            actor=actor,
            to=Collection.Status.RETURNED,
            note=reason,
            return_reason=reason,
        )


def collection_review_seal(
    *, actor: AbstractBaseUser, collection: Collection, note: str
) -> Collection:
    """The fund manager records what was found about a broken seal."""
    note = note.strip()
    if not has_role(actor, Role.FUND_MANAGER):
        raise NotAllowed("Only the fund manager reviews broken seals.")
    if not note:
        raise ReasonRequired("Record what was found about the broken seal.")
    with transaction.atomic():
        current = Collection.objects.select_for_update().get(pk=collection.pk)
        if not current.seal_broken:
            raise SealNotBroken("This collection's seal matched; there is nothing to review.")
        if current.seal_reviewed_by_id is not None:
            raise InvalidTransition(current, "reviewed", "reviewed")
        current.seal_reviewed_by = actor
        current.seal_reviewed_at = timezone.now()
        current.seal_review_note = note
        current._history_user = actor
        current.save(update_fields=["seal_reviewed_by", "seal_reviewed_at", "seal_review_note"])
        CollectionEvent.objects.create(
            collection=current,
            actor=actor,
            from_status=current.status,
            to_status=current.status,
            note=f"Broken seal reviewed: {note}",
        )
    return current


# --- Deposits: banking and the independent check --------------------------------------------


def deposit_record(
    *,
    actor: AbstractBaseUser,
    collections: Iterable[Collection],
    paying_in_reference: str,
    banked_on: date,
    amount_banked: Money,
    difference_reason: str = "",
) -> Deposit:
    """Record confirmed collections paid into the bank; the deposit then awaits its check.

    A difference between what was counted and what was banked needs a reason.
    """
    ids = sorted({c.pk for c in collections})
    if not ids:
        raise CollectionsNotBankable("Choose at least one confirmed collection to bank.")
    _check_amount(amount_banked)
    reference = paying_in_reference.strip()
    if not reference:
        raise ReasonRequired("Enter the paying-in slip reference.")
    if banked_on > timezone.localdate():
        raise CollectionsNotBankable("The date banked cannot be in the future.")
    difference_reason = difference_reason.strip()
    with transaction.atomic():
        # Locked in primary-key order so two deposits cannot both take the same collection.
        rows = list(Collection.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        if len(rows) != len(ids) or any(r.status != Collection.Status.CONFIRMED for r in rows):
            raise CollectionsNotBankable(
                "Only confirmed collections not already in a deposit can be banked."
            )
        points = {p.pk: p for p in CollectionPoint.objects.filter(collections__in=rows)}
        fund_ids = {points[r.point_id].fund_id for r in rows}
        if len(fund_ids) != 1:
            raise CollectionsNotBankable(
                "A deposit holds cash for one fund; bank each fund's collections separately."
            )
        if any(timezone.localdate(r.emptied_at) > banked_on for r in rows):
            raise CollectionsNotBankable("Cash cannot be banked before its box was emptied.")
        counted = Money(sum(r.amount.amount for r in rows), "GBP")
        if amount_banked != counted and not difference_reason:
            raise ReasonRequired(
                f"The collections were counted at {counted} but {amount_banked} was banked; "
                "give the reason for the difference."
            )
        if Deposit.objects.filter(paying_in_reference=reference).exists():
            raise CollectionsNotBankable(f"Paying-in reference {reference} is already recorded.")
        deposit = Deposit(
            fund_id=fund_ids.pop(),
            paying_in_reference=reference,
            banked_on=banked_on,
            counted_total=counted,
            amount_banked=amount_banked,
            difference_reason=difference_reason if amount_banked != counted else "",
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        deposit._history_user = actor
        deposit.save()
        DepositEvent.objects.create(
            deposit=deposit,
            actor=actor,
            from_status="",
            to_status=deposit.status,
            note=f"Banked {amount_banked} against {counted} counted.",
        )
        for row in rows:
            transition(
                row,
                actor=actor,
                to=Collection.Status.BANKED,
                note=f"In deposit {reference}.",
                deposit=deposit,
            )
    return deposit


def deposit_check(*, actor: AbstractBaseUser, deposit: Deposit) -> Deposit:
    """Someone who took part in none of its counts checks the deposit; it posts.

    Posting, in the deposit's fund: Bank / Cash in transit for the amount banked, and the
    difference between counted and banked to Cash differences, so Cash in transit is
    cleared of exactly what was counted.
    """
    with transaction.atomic():
        current = Deposit.objects.select_for_update().get(pk=deposit.pk)
        counters = set()
        for counted_by_id, confirmed_by_id in current.collections.values_list(
            "counted_by_id", "confirmed_by_id"
        ):
            counters.update({counted_by_id, confirmed_by_id})
        if actor.pk in counters:
            raise CheckerCounted(
                "You took part in counting a collection in this deposit, so someone "
                "who did not must check it."
            )
        if current.status != Deposit.Status.AWAITING_CHECK:
            raise InvalidTransition(current, current.status, Deposit.Status.CHECKED)
        entry = entry_post(
            actor=actor,
            effective_date=current.banked_on,
            memo=f"Cash banked, paying-in {current.paying_in_reference} (deposit {current.pk})",
            source=f"donations.Deposit:{current.pk}",
            legs=_deposit_legs(current),
            idempotency_key=f"deposit:{current.pk}:check",
        )
        return transition(
            current,
            actor=actor,
            to=Deposit.Status.CHECKED,
            note="Checked against the bank and posted.",
            checked_by=actor,
            checked_at=timezone.now(),
            entry=entry,
        )


def _deposit_legs(deposit: Deposit) -> list[Leg]:
    """Bank / Cash in transit for what was banked, and the difference to Cash differences.

    Accounting choice: an excess is credited to the same expense account that takes a
    shortfall (Dr Cash in transit / Cr Cash differences), rather than treated as extra
    donation income. Over and under counts are errors in handling cash, not gifts; keeping
    both in one account shows the trustees the net cost of cash handling for the year, and
    an excess from a miscount on one box often offsets a shortfall on another. Either way
    Cash in transit is relieved of exactly the amount that was counted and posted.
    """
    legs = [
        Leg(
            fund=deposit.fund,
            debit="assets:bank",
            credit="assets:cash-in-transit",
            amount=deposit.amount_banked,
        )
    ]
    difference = deposit.amount_banked - deposit.counted_total
    if difference.amount < 0:
        legs.append(
            Leg(
                fund=deposit.fund,
                debit="expenses:cash-differences",
                credit="assets:cash-in-transit",
                amount=-difference,
            )
        )
    elif difference.amount > 0:
        legs.append(
            Leg(
                fund=deposit.fund,
                debit="assets:cash-in-transit",
                credit="expenses:cash-differences",
                amount=difference,
            )
        )
    return legs
