"""Retention periods: when personal data is due to be removed.

The periods are settings (settings.RETENTION, months). Each app removes its own records
through its own service (grants.retention, donations.services.retention); the ledger is
never touched, because ledger rows hold no personal data (memos carry record ids only).
"""

from calendar import monthrange
from datetime import datetime

from django.conf import settings

REMOVED_TEXT = "Removed after the retention period."


def months_before(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    day = min(moment.day, monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def cutoff(record_type: str, now: datetime) -> datetime:
    """Records whose retention clock started before this moment are due."""
    return months_before(now, settings.RETENTION[record_type])
