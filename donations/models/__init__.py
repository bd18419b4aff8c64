"""Donations, split by feature.

Cash: collection points, boxes, deposits. Online: Stripe, Gift Aid declarations and claims.
Gift Aid: claim lines, overclaims, HMRC repayments, GASDS claims.
Taps: contactless terminals at the points, the provider's reports, taps and payouts.
"""

from donations.models.cash import *  # noqa: F403
from donations.models.contributions import *  # noqa: F403
from donations.models.giftaid import *  # noqa: F403
from donations.models.online import *  # noqa: F403
from donations.models.reconcile import *  # noqa: F403
from donations.models.taps import *  # noqa: F403
