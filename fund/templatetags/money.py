from decimal import Decimal

from django import template
from djmoney.money import Money

register = template.Library()


@register.filter
def gbp(value) -> str:
    """Format money as UK readers expect: £1,234.56, and -£12.00 when negative."""
    if value is None or value == "":
        return ""
    amount = value.amount if isinstance(value, Money) else Decimal(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"
