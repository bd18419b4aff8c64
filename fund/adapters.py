from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter

from fund.authentication import needs_two_factor


class NoSignupAccountAdapter(DefaultAccountAdapter):
    """Staff and key-worker accounts are created by an administrator, never self-registered."""

    def is_open_for_signup(self, request):
        return False


class MandatoryMFAAdapter(DefaultMFAAdapter):
    """Two factors are mandatory for staff and key workers: they cannot switch them off.

    (They can still generate new recovery codes; an administrator can reset a lost
    authenticator in the admin, after which the person sets up a new one at next sign-in.)
    """

    def can_delete_authenticator(self, authenticator) -> bool:
        return not needs_two_factor(authenticator.user)
