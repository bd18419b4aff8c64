from django import template

from people import roles
from people.access import has_role

register = template.Library()


@register.filter
def holds(user, role_set: str) -> bool:
    """True when the user holds a role of the named set in people.roles ("HANDLER_ROLES"),
    so no template writes out role names."""
    if not role_set.endswith("_ROLES") or not hasattr(roles, role_set):
        raise template.TemplateSyntaxError(f"No role set named {role_set!r} in people.roles.")
    return has_role(user, *getattr(roles, role_set))
