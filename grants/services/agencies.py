"""Agencies, their key workers and their pseudonymous clients."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from grants.exceptions import InvalidRequest, NotAllowed
from grants.models import Agency, Client, Grant, KeyWorker
from grants.services.checks import CLOSED_STATES, agency_of, check_text
from people.models import PersonChange
from people.services import change_record, person_deactivate


def agency_create(*, actor: AbstractBaseUser, name: str) -> Agency:
    with transaction.atomic():
        agency = Agency(name=name.strip())
        agency._history_user = actor
        agency.full_clean()
        agency.save()
    return agency


def agency_update(*, actor: AbstractBaseUser, agency: Agency, name: str, is_active: bool) -> Agency:
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        agency.name = name.strip()
        agency.is_active = is_active
        agency._history_user = actor
        agency.full_clean()
        agency.save()
    return agency


def key_worker_set(
    *, actor: AbstractBaseUser, user: AbstractBaseUser, agency: Agency, job_title: str = ""
) -> KeyWorker:
    """Make ``user`` a key worker at ``agency`` (moving them if they were elsewhere)."""
    with transaction.atomic():
        profile = KeyWorker.objects.select_for_update().filter(user=user).first() or KeyWorker(
            user=user
        )
        profile.agency = agency
        profile.job_title = job_title
        profile._history_user = actor
        profile.save()
    return profile


def key_worker_deactivate(
    *, actor: AbstractBaseUser, person: AbstractBaseUser, successor: AbstractBaseUser | None
) -> int:
    """Deactivate ``person``; a key worker's open requests (and their clients) pass to
    ``successor``, a key worker of the same agency. Returns how many requests moved."""
    profile = KeyWorker.objects.filter(user=person).select_related("agency").first()
    with transaction.atomic():
        moved = 0
        if profile is not None:
            open_grants = (
                Grant.objects.select_for_update()
                .filter(requester=person)
                .exclude(status__in=CLOSED_STATES)
            )
            if open_grants.exists() or Client.objects.filter(key_worker=person).exists():
                if successor is None or successor.pk == person.pk:
                    raise NotAllowed("Choose the key worker who takes over the open requests.")
                other = KeyWorker.objects.filter(user=successor, user__is_active=True).first()
                if other is None or other.agency_id != profile.agency_id:
                    raise NotAllowed(
                        f"The open requests can pass only to a key worker of {profile.agency}."
                    )
                for grant in open_grants:
                    grant.requester = successor
                    grant._history_user = actor
                    grant.save(update_fields=["requester"])
                    moved += 1
                for client in Client.objects.select_for_update().filter(key_worker=person):
                    client.key_worker = successor
                    client._history_user = actor
                    client.save(update_fields=["key_worker"])
                change_record(
                    actor=actor,
                    person=person,
                    kind=PersonChange.Kind.REQUESTS_PASSED,
                    detail=f"{moved} open request(s) to {successor.get_username()}",
                )
        person_deactivate(actor=actor, person=person)
    return moved


def _valid_reference(reference: str) -> str:
    reference = (reference or "").strip()
    if not reference:
        raise InvalidRequest("Enter the client's reference at your agency.")
    if len(reference) > 40:
        raise InvalidRequest("A client reference is at most 40 characters.")
    check_text(**{"The client reference": reference})
    # A reference is a code such as CLT-0042; a name has no digits, so insisting on one
    # keeps names out.
    if not any(ch.isdigit() for ch in reference) or not all(
        ch.isalnum() or ch in "-/_. " for ch in reference
    ):
        raise InvalidRequest(
            "Use your agency's own client reference (letters and numbers, such as CLT-0042), "
            "never the person's name."
        )
    return reference


def client_get_or_create(*, actor: AbstractBaseUser, reference: str) -> Client:
    """The acting key worker's agency's client with this reference, created if new."""
    agency = agency_of(actor)
    if agency is None:
        raise NotAllowed("Only key workers linked to an agency can add clients.")
    reference = _valid_reference(reference)
    with transaction.atomic():
        client = Client.objects.filter(agency=agency, reference__iexact=reference).first()
        if client is None:
            client = Client(agency=agency, reference=reference, key_worker=actor)
            client._history_user = actor
            client.save()
    return client
