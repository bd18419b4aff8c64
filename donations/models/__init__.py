"""Donations, split by feature: cash (collection points, boxes, deposits) and online (Stripe, Gift Aid)."""

from donations.models.cash import *  # noqa: F403
from donations.models.online import *  # noqa: F403
