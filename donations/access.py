"""Who may do what with donations: the one place both feature's views take their roles from.

Public pages (the donation page, thank-you page, webhook) need no role. Everything else is
for fund staff: auditors read, officers and managers act.
"""

from people.access import has_role
from people.roles import HANDLER_ROLES, SEAL_REVIEWER_ROLES, STAFF_ROLES

# This app's names for the role sets of people.roles.
READERS = STAFF_ROLES
HANDLERS = HANDLER_ROLES
SEAL_REVIEWERS = SEAL_REVIEWER_ROLES


def handles_money(user) -> bool:
    """Officers and managers record cash, refund gifts and run Gift Aid claims."""
    return has_role(user, *HANDLERS)
