"""Demo data for the fund: people for every role and the public fund, a year ago.

Everything goes through the services. The year's history (``seed_demo``) is written by
each app's ``demo.timeline``, each step under ``fund.clock.clock_at`` at its own moment.
"""

import base64
import hashlib
import hmac
import struct
import time
from datetime import date, datetime, timedelta

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from fund.models import Fund
from fund.services.funds import fund_create
from people.authentication import needs_two_factor
from people.roles import Role

DEMO_PASSWORD = "changing-lives-demo"
# Every demo account that needs two factors shares this published authenticator secret, so
# one entry in an authenticator app (or `manage.py demo_code`) signs in as any of them. It is
# public: demo accounts must never exist in a real deployment.
DEMO_TOTP_SECRET = "CHANGINGLIVESFUNDDEMOONLYSECRETS"

# username, role, description printed for the person trying the demo
DEMO_USERS = [
    ("keyworker", Role.KEY_WORKER, "Key worker, Complex Lives Team (Doncaster Council)"),
    ("keyworker2", Role.KEY_WORKER, "Key worker, St Leger Homes (another agency)"),
    ("officer", Role.FUND_OFFICER, "Fund officer"),
    ("officer2", Role.FUND_OFFICER, "Second fund officer (confirms counts)"),
    ("manager", Role.FUND_MANAGER, "Fund manager"),
    ("auditor", Role.AUDITOR, "Auditor (read-only)"),
    ("partner", Role.PARTNER, "Partner, commissioner in the alliance"),
]


def seed_users() -> dict[str, object]:
    User = get_user_model()
    users = {}
    # One hash of the published password serves every account: hashing is slow by design
    # (a third of a second each), and eight hashes of the same public password protect
    # nothing more than one.
    hashed = None
    for username, role, description in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.org",
                "first_name": description,
                # The auditor reads the admin too (read-only: the Auditor group has only
                # view permissions).
                "is_staff": role == Role.AUDITOR,
            },
        )
        if created:
            hashed = hashed or make_password(DEMO_PASSWORD)
            user.password = hashed
            user.save()
        user.groups.add(Group.objects.get(name=role.value))
        users[username] = user
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={"email": "admin@example.org", "is_staff": True, "is_superuser": True},
    )
    if created:
        admin.password = hashed or make_password(DEMO_PASSWORD)
        admin.save()
    users["admin"] = admin
    for user in users.values():
        if needs_two_factor(user):
            give_demo_authenticator(user)
    return users


def give_demo_authenticator(user) -> None:
    """An authenticator app registration with the published demo secret, and recovery codes."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        Authenticator.objects.create(
            user=user,
            type=Authenticator.Type.TOTP,
            data={"secret": get_mfa_adapter().encrypt(DEMO_TOTP_SECRET)},
        )
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists():
        RecoveryCodes.activate(user)


def totp_code(secret: str, at: float | None = None, period: int = 30, digits: int = 6) -> str:
    """The RFC 6238 code an authenticator app shows for ``secret`` at time ``at``."""
    counter = int((time.time() if at is None else at) // period)
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def financial_year(day: date) -> tuple[date, date]:
    """The fund's financial year (1 Apr to 31 Mar) that ``day`` falls in."""
    first = date(day.year if day.month >= 4 else day.year - 1, 4, 1)
    return first, date(first.year + 1, 3, 31)


def restricted_fund_code(today: date) -> str:
    first, last = financial_year(today)
    return f"rough-sleepers-{first.year}-{last.year % 100:02d}"


def seed_public_fund(users) -> Fund:
    return Fund.objects.filter(code="public").first() or fund_create(
        actor=users["manager"],
        code="public",
        name="Public donations",
        kind=Fund.Kind.UNRESTRICTED,
        purpose="Gifts from the public, through collection boxes and online.",
    )


def seed_restricted_fund(users, today: date) -> Fund:
    """The Rough Sleeping Initiative's restricted fund for the financial year of ``today``."""
    first, last = financial_year(today)
    code = restricted_fund_code(today)
    return Fund.objects.filter(code=code).first() or fund_create(
        actor=users["manager"],
        code=code,
        name=f"Rough sleepers grant {first.year}/{last.year % 100:02d}",
        kind=Fund.Kind.RESTRICTED,
        purpose="Micro-grants for people sleeping rough or at risk of it.",
        funder="Ministry of Housing, Communities and Local Government (Rough Sleeping Initiative)",
        period_start=first,
        period_end=last,
    )


def year_start(today: date) -> date:
    """The first day of the demo's twelve months ending ``today``."""
    return today - timedelta(days=364)


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A moment on ``day`` in UK time, for the demo's clock (minutes may run past 59)."""
    start = timezone.make_aware(datetime(day.year, day.month, day.day, hour))
    return start + timedelta(minutes=minute)


def seed(today: date) -> dict:
    """The people and the public fund, as on the demo's first day (under its clock)."""
    users = seed_users()
    return {"users": users, "funds": {"public": seed_public_fund(users)}, "today": today}
