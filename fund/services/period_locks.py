"""Closing a fund's books up to a date: no entry dated on or before it is posted."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from fund.exceptions import InvalidPosting
from fund.models import Fund


def fund_lock_period(
    *, actor: AbstractBaseUser, fund: Fund, lock_date: date, reason: str = ""
) -> Fund:
    """Close the fund's books up to and including ``lock_date``; a lock never moves back.

    ``reason`` (why the period was closed with an item open) is kept in the fund's history.
    """
    with transaction.atomic():
        fund = Fund.objects.select_for_update().get(pk=fund.pk)
        if fund.lock_date is not None and lock_date < fund.lock_date:
            raise InvalidPosting(
                f"{fund.name} is already closed up to {fund.lock_date:%d %b %Y}; "
                "a closed period cannot be reopened."
            )
        fund.lock_date = lock_date
        fund._history_user = actor
        fund._change_reason = reason[:100] if reason else None
        fund.save(update_fields=["lock_date"])
    return fund
