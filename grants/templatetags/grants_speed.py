from django import template

from grants.selectors import speed_figures

register = template.Library()


@register.inclusion_tag("grants/_speed.html")
def grant_speed_figures():
    """Requests waiting and median hours to decision and payment, for the staff home page."""
    return {"speed": speed_figures()}
