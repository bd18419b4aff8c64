from django import template

from fund.money import format_gbp

register = template.Library()


@register.filter
def gbp(value) -> str:
    """Format money as UK readers expect: £1,234.56, and -£12.00 when negative."""
    return format_gbp(value)
