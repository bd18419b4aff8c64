from allauth.account.adapter import DefaultAccountAdapter


class NoSignupAccountAdapter(DefaultAccountAdapter):
    """Staff and key-worker accounts are created by an administrator, never self-registered."""

    def is_open_for_signup(self, request):
        return False
