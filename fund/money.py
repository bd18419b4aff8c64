"""Money helpers, in one place: how amounts are shown and written out."""

from djmoney.money import Money


def money_text(value: Money) -> str:
    """An amount as plain text for a file a machine or person reads back: ``12.50 GBP``."""
    return f"{value.amount:.2f} {value.currency}"
