"""Every write to people: invitations, roles, deactivation, each recorded in PersonChange.

Only a fund manager invites, changes roles or deactivates, and nobody changes their own
role or deactivates themselves. Deactivating an account ends its sessions
(people.authentication.on_user_saved).
"""

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from people.access import has_role
from people.exceptions import PeopleError
from people.models import INVITATION_DAYS, Invitation, PersonChange
from people.roles import Role
from people.tasks import mail_send_later


def _require_manager(actor) -> None:
    if not has_role(actor, Role.FUND_MANAGER):
        raise PeopleError("Only a fund manager changes people's access.")


def _require_not_self(actor, person, what: str) -> None:
    if actor.pk == person.pk:
        raise PeopleError(f"Nobody {what} their own account: ask another fund manager.")


def change_record(*, actor, person, kind: str, detail: str = "") -> PersonChange:
    return PersonChange.objects.create(
        person=person, actor=actor, at=timezone.now(), kind=kind, detail=detail[:300]
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _username_for(email: str) -> str:
    User = get_user_model()
    base = re.sub(r"[^a-z0-9.]", "", email.split("@")[0].lower())[:140] or "person"
    name, n = base, 1
    while User.objects.filter(username=name).exists():
        n += 1
        name = f"{base}{n}"
    return name


def role_of(user) -> str:
    """The one role an account holds ("" for none)."""
    names = set(user.groups.values_list("name", flat=True))
    return next((r.value for r in Role if r.value in names), "")


def _set_role(user, role: Role) -> None:
    user.groups.set([Group.objects.get(name=Role(role).value)])
    if hasattr(user, "_role_names"):
        del user._role_names


def invitation_create(
    *, actor: AbstractBaseUser, email: str, role: Role, link_for: Callable[[str], str]
) -> Invitation:
    """Make an account (without a password) for ``email`` holding ``role``, and e-mail a
    single-use link to it. ``link_for`` turns the token into the link's full address."""
    _require_manager(actor)
    email = email.strip().lower()
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        if user is not None and (user.has_usable_password() or not user.is_active):
            raise PeopleError(f"{email} already has an account here.")
        if user is None:
            user = User(username=_username_for(email), email=email)
            user.set_unusable_password()
            user.save()
        _set_role(user, role)
        # A new link replaces any earlier one that was not used.
        Invitation.objects.filter(user=user, accepted_at__isnull=True).update(
            expires_at=timezone.now()
        )
        token = secrets.token_urlsafe(32)
        now = timezone.now()
        invitation = Invitation.objects.create(
            email=email,
            role=Role(role).value,
            user=user,
            token_hash=token_hash(token),
            invited_by=actor,
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        change_record(actor=actor, person=user, kind=PersonChange.Kind.INVITED, detail=f"as {role}")
        link = link_for(token)
        mail_send_later(
            subject="You are invited to the Changing Lives Fund",
            body=(
                f"{actor.get_full_name() or actor.get_username()} has invited you to use the "
                f"Changing Lives Fund as a {Role(role).value.lower()}.\n\n"
                f"Set your password and your authenticator app at {link}\n\n"
                f"The link works once and lapses after {INVITATION_DAYS} days.\n"
            ),
            recipients=[email],
        )
    return invitation


def invitation_valid(token: str) -> Invitation | None:
    """The unused, unexpired invitation the token belongs to, or None."""
    return (
        Invitation.objects.select_related("user")
        .filter(
            token_hash=token_hash(token),
            accepted_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .first()
    )


def invitation_accept(*, token: str, password: str) -> AbstractBaseUser:
    """Set the invited person's password and use the link up. The person is the actor."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .filter(
                token_hash=token_hash(token),
                accepted_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
            .first()
        )
        if invitation is None:
            raise PeopleError("This invitation link has been used or has lapsed.")
        user = invitation.user
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise PeopleError(" ".join(error.messages)) from error
        user.set_password(password)
        user.save()
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        change_record(actor=user, person=user, kind=PersonChange.Kind.ACCEPTED)
    return user


def role_change(*, actor: AbstractBaseUser, person: AbstractBaseUser, role: Role) -> None:
    _require_manager(actor)
    _require_not_self(actor, person, "changes the role of")
    with transaction.atomic():
        before = role_of(person) or "no role"
        _set_role(person, role)
        change_record(
            actor=actor,
            person=person,
            kind=PersonChange.Kind.ROLE_CHANGED,
            detail=f"from {before} to {Role(role).value}",
        )


def person_deactivate(*, actor: AbstractBaseUser, person: AbstractBaseUser) -> None:
    """Switch the account off; saving it ends every session it has."""
    _require_manager(actor)
    _require_not_self(actor, person, "deactivates")
    with transaction.atomic():
        User = get_user_model()
        person = User.objects.select_for_update().get(pk=person.pk)
        if not person.is_active:
            raise PeopleError(f"{person.get_username()} is already deactivated.")
        person.is_active = False
        person.save()
        change_record(actor=actor, person=person, kind=PersonChange.Kind.DEACTIVATED)
