"""Who may do what in banking: the role check every banking service makes first."""

from banking.exceptions import BankingError
from people.access import has_role


def require_role(actor, roles, what: str) -> None:
    if not has_role(actor, *roles):
        raise BankingError(f"Only {what} may do this.")
