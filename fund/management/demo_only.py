"""The guard every demo-only management command wears.

Demo commands create accounts with a published password and a published authenticator
secret (or print codes for them). On a real deployment that is a way in for anyone who has
read the README, so they refuse to run unless DEBUG is on, before they touch the database.
"""

import functools

from django.conf import settings
from django.core.management.base import CommandError


def demo_only(handle):
    """Wrap a command's ``handle`` so it raises CommandError (exit status 1) with DEBUG off."""

    @functools.wraps(handle)
    def guarded(self, *args, **options):
        if not settings.DEBUG:
            name = type(self).__module__.rpartition(".")[2]
            raise CommandError(
                f"{name} is for the local demo only and refuses to run with DEBUG off: it "
                "would create or expose accounts whose password and two-factor secret are "
                "published. Nothing was written. Run it on a development machine with "
                "DEBUG=true (make run does)."
            )
        return handle(self, *args, **options)

    return guarded
