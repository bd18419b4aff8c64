from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter

from people.authentication import needs_two_factor


class NoSignupAccountAdapter(DefaultAccountAdapter):
    """Staff and key-worker accounts are created by an administrator, never self-registered."""

    def is_open_for_signup(self, request):
        return False

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """Count failed passwords per account *and address*, not per account alone.

        allauth's own key is the site and the login, so five wrong passwords from anywhere
        lock the account for everyone. With the address in the key, a stranger locks only
        their own address out of it; guessing from one address across many accounts is
        still stopped by the per-address limit in ``ACCOUNT_RATE_LIMITS["login_failed"]``.
        (allauth 65.22 uses this key both to count failures and, after a password reset,
        to clear them: the reset then clears the count for the address it came from.)
        """
        account_key = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account_key}:{self.get_client_ip(request)}"


class MandatoryMFAAdapter(DefaultMFAAdapter):
    """Two factors are mandatory for staff and key workers: they cannot switch them off.

    (They can still generate new recovery codes; an administrator can reset a lost
    authenticator in the admin, after which the person sets up a new one at next sign-in.)
    """

    def can_delete_authenticator(self, authenticator) -> bool:
        return not needs_two_factor(authenticator.user)
