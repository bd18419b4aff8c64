"""Who may do what with donations: the one place both feature's views take their roles from.

Public pages (the donation page, thank-you page, webhook) need no role. Everything else is
for fund staff: auditors read, officers and managers act.
"""

from people.access import STAFF_ROLES, has_role
from people.roles import Role

READERS = STAFF_ROLES
HANDLERS = (Role.FUND_OFFICER, Role.FUND_MANAGER)
SEAL_REVIEWERS = (Role.FUND_MANAGER,)


def handles_money(user) -> bool:
    """Officers and managers record cash, refund gifts and run Gift Aid claims."""
    return has_role(user, *HANDLERS)
