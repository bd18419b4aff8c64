from django import template

from people.access import roles_of

register = template.Library()


@register.filter
def has_any_role(user, names: str) -> bool:
    """True when the user holds any of the comma-separated role names."""
    return bool(roles_of(user) & {n.strip() for n in names.split(",")})
