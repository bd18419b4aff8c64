"""Reversing an entry: its exact opposite, posted through ``entry_post``."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from fund.exceptions import AlreadyReversed
from fund.models import Entry
from fund.services.posting import Leg, entry_post


def entry_reverse(
    *,
    actor: AbstractBaseUser,
    entry: Entry,
    effective_date: date,
    memo: str,
    idempotency_key: str | None = None,
) -> Entry:
    """Post the exact opposite of ``entry``, pointing back at it. Always goes through."""
    if entry.reverses_id is not None:
        raise AlreadyReversed("A reversal cannot itself be reversed; post a new entry instead.")
    with transaction.atomic():
        if Entry.objects.filter(reverses=entry).exists():
            raise AlreadyReversed(f"Entry {entry.pk} has already been reversed.")
        legs = [
            Leg(
                fund=t.fund,
                debit=t.credit_account.code,
                credit=t.debit_account.code,
                amount=t.amount,
            )
            for t in entry.transfers.select_related("fund", "debit_account", "credit_account")
        ]
        return entry_post(
            actor=actor,
            effective_date=effective_date,
            memo=memo,
            source=entry.source,
            legs=legs,
            idempotency_key=idempotency_key,
            reverses=entry,
        )
