"""Donations, split by feature.

Cash: collection points, boxes, deposits. Online: Stripe, Gift Aid.
"""

from donations.models.cash import *  # noqa: F403
from donations.models.online import *  # noqa: F403
