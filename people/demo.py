"""Demo data for the fund: people for every role, the two funds and their opening history.

Everything goes through the services, with idempotency keys, so running it twice posts
nothing new.
"""

import base64
import hashlib
import hmac
import struct
import time
from datetime import date, timedelta

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from djmoney.money import Money

from fund.models import Fund
from fund.services import Leg, entry_post, fund_create
from people.authentication import needs_two_factor
from people.roles import Role

DEMO_PASSWORD = "changing-lives-demo"
# Every demo account that needs two factors shares this published authenticator secret, so
# one entry in an authenticator app (or `manage.py demo_code`) signs in as any of them. It is
# public: demo accounts must never exist in a real deployment.
DEMO_TOTP_SECRET = "CHANGINGLIVESFUNDDEMOONLYSECRETS"

# username, role, description printed for the person trying the demo
DEMO_USERS = [
    ("keyworker", Role.KEY_WORKER, "Key worker, Complex Lives Team"),
    ("keyworker2", Role.KEY_WORKER, "Key worker, Riverside Hostel (another agency)"),
    ("officer", Role.FUND_OFFICER, "Fund officer"),
    ("officer2", Role.FUND_OFFICER, "Second fund officer (confirms counts)"),
    ("manager", Role.FUND_MANAGER, "Fund manager"),
    ("auditor", Role.AUDITOR, "Auditor (read-only)"),
    ("partner", Role.PARTNER, "Partner, commissioner in the alliance"),
]


def seed_users() -> dict[str, object]:
    User = get_user_model()
    users = {}
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
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(Group.objects.get(name=role.value))
        users[username] = user
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={"email": "admin@example.org", "is_staff": True, "is_superuser": True},
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
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


def seed_funds(users) -> dict[str, Fund]:
    manager = users["manager"]
    public = Fund.objects.filter(code="public").first() or fund_create(
        actor=manager,
        code="public",
        name="Public donations",
        kind=Fund.Kind.UNRESTRICTED,
        purpose="Gifts from the public, through collection boxes and online.",
    )
    rough_sleepers = Fund.objects.filter(code="rough-sleepers-2026-27").first() or fund_create(
        actor=manager,
        code="rough-sleepers-2026-27",
        name="Rough sleepers grant 2026/27",
        kind=Fund.Kind.RESTRICTED,
        purpose="Micro-grants for people sleeping rough or at risk of it.",
        funder="Ministry of Housing, Communities and Local Government (Rough Sleeping Initiative)",
        period_start=date(2026, 4, 1),
        period_end=date(2027, 3, 31),
    )
    return {"public": public, "rough-sleepers": rough_sleepers}


def seed_history(users, funds) -> None:
    """The funder's contribution: the ledger's first real event."""
    entry_post(
        actor=users["manager"],
        effective_date=date(2026, 4, 14),
        memo="Rough Sleeping Initiative contribution 2026/27",
        source="demo:contribution",
        legs=[
            Leg(
                fund=funds["rough-sleepers"],
                debit="assets:bank",
                credit="income:contributions",
                amount=Money("15000.00", "GBP"),
            )
        ],
        idempotency_key="demo:contribution:rsi-2026-27",
    )


def seed() -> dict:
    users = seed_users()
    funds = seed_funds(users)
    seed_history(users, funds)
    return {
        "users": users,
        "funds": funds,
        "today": timezone.localdate(),
        "week": timedelta(days=7),
    }
