from django import template

from donations.services.stripe_api import is_test_mode

register = template.Library()


@register.simple_tag
def stripe_test_mode() -> bool:
    """Whether online giving is using Stripe test keys (or the local test double)."""
    return is_test_mode()
