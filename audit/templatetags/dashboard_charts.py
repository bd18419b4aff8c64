from decimal import Decimal

from django import template

from fund.money import format_gbp

register = template.Library()


@register.filter
def chart_value(value, unit: str) -> str:
    """A chart figure as a reader expects it: £1,234.56, 12.5 hours, or a count."""
    if value is None:
        return "–"
    if unit == "money":
        return format_gbp(value)
    if unit == "hours":
        return f"{Decimal(value):,.1f}"
    return f"{value:,}"
