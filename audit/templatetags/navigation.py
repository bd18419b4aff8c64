from django import template

from audit.navigation import navigation_for

register = template.Library()


@register.simple_tag
def navigation(user):
    """The menu items ``user`` may open (audit.navigation)."""
    return navigation_for(user)
