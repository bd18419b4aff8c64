"""Agencies and the people who use the fund (the fund manager's pages)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from grants.exceptions import GrantError
from grants.forms import AgencyForm, DeactivateForm, InviteForm, RoleForm
from grants.models import Agency, Grant, KeyWorker
from grants.services.agencies import (
    agency_create,
    agency_update,
    key_worker_deactivate,
    key_worker_set,
)
from grants.services.checks import CLOSED_STATES
from people import services as people_services
from people.access import role_required
from people.exceptions import PeopleError
from people.models import INVITATION_DAYS, PersonChange
from people.roles import Role


@role_required(Role.FUND_MANAGER)
def agencies(request):
    form = AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agency = agency_create(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error("name", " ".join(error.messages))
        else:
            messages.success(request, f"{agency.name} is added.")
            return redirect("grants:agencies")
    return render(
        request,
        "grants/agencies.html",
        {"agencies": Agency.objects.annotate(workers=Count("key_workers")), "form": form},
        status=400 if form.errors else 200,
    )


@role_required(Role.FUND_MANAGER)
def agency_edit(request, pk: int):
    agency = get_object_or_404(Agency, pk=pk)
    form = AgencyForm(
        request.POST or None, initial={"name": agency.name, "is_active": agency.is_active}
    )
    if request.method == "POST" and form.is_valid():
        try:
            agency = agency_update(actor=request.user, agency=agency, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("name", " ".join(error.messages))
        else:
            messages.success(request, f"{agency.name} is saved.")
            return redirect("grants:agency_edit", pk=agency.pk)
    return render(
        request,
        "grants/agency_edit.html",
        {
            "agency": agency,
            "form": form,
            "history": agency.history.select_related("history_user")[:10],
        },
        status=400 if form.errors else 200,
    )


def _people_rows():
    User = get_user_model()
    agencies_by_user = dict(KeyWorker.objects.values_list("user_id", "agency__name"))
    rows = []
    for person in User.objects.prefetch_related("groups").order_by("-is_active", "username"):
        role = next((r.value for r in Role if r.value in {g.name for g in person.groups.all()}), "")
        if not role:
            continue
        rows.append({"person": person, "role": role, "agency": agencies_by_user.get(person.pk)})
    return rows


def _invite_link(request):
    return lambda token: request.build_absolute_uri(
        reverse("people:invitation_accept", args=[token])
    )


@role_required(Role.FUND_MANAGER)
def people_list(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                invitation = people_services.invitation_create(
                    actor=request.user,
                    email=data["email"],
                    role=Role(data["role"]),
                    link_for=_invite_link(request),
                )
                if data["role"] == Role.KEY_WORKER.value:
                    key_worker_set(actor=request.user, user=invitation.user, agency=data["agency"])
        except PeopleError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request,
                f"An invitation is on its way to {invitation.email}. The link works once, "
                f"for {INVITATION_DAYS} days.",
            )
            return redirect("grants:people")
    return render(
        request,
        "grants/people.html",
        {"rows": _people_rows(), "form": form},
        status=400 if form.errors else 200,
    )


def _person_context(request, person, role_form=None, deactivate_form=None):
    profile = KeyWorker.objects.filter(user=person).select_related("agency").first()
    successors = get_user_model().objects.none()
    if profile is not None:
        successors = (
            get_user_model()
            .objects.filter(key_worker__agency=profile.agency, is_active=True)
            .exclude(pk=person.pk)
            .order_by("username")
        )
    return {
        "person": person,
        "role": people_services.role_of(person),
        "profile": profile,
        "is_self": person.pk == request.user.pk,
        "open_requests": Grant.objects.filter(requester=person)
        .exclude(status__in=CLOSED_STATES)
        .count(),
        "role_form": role_form
        or RoleForm(
            initial={
                "role": people_services.role_of(person),
                "agency": profile.agency_id if profile else None,
            }
        ),
        "deactivate_form": deactivate_form or DeactivateForm(successors=successors),
        "successors": successors,
        "changes": PersonChange.objects.filter(person=person).select_related("actor")[:20],
        "invitation": person.invitations.first(),
    }


def _person(pk):
    person = get_object_or_404(get_user_model(), pk=pk)
    if not people_services.role_of(person):
        raise Http404
    return person


@role_required(Role.FUND_MANAGER)
def person_detail(request, pk: int):
    return render(request, "grants/person.html", _person_context(request, _person(pk)))


@require_POST
@role_required(Role.FUND_MANAGER)
def person_role(request, pk: int):
    person = _person(pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        role = Role(form.cleaned_data["role"])
        try:
            with transaction.atomic():
                people_services.role_change(actor=request.user, person=person, role=role)
                agency = form.cleaned_data["agency"]
                profile = KeyWorker.objects.filter(user=person).first()
                if role == Role.KEY_WORKER and (profile is None or profile.agency != agency):
                    key_worker_set(actor=request.user, user=person, agency=agency)
                    people_services.change_record(
                        actor=request.user,
                        person=person,
                        kind=PersonChange.Kind.AGENCY_CHANGED,
                        detail=f"to {agency}",
                    )
        except PeopleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{person.get_username()} is now a {role.value.lower()}.")
            return redirect("grants:person", pk=person.pk)
    context = _person_context(request, person, role_form=form)
    return render(request, "grants/person.html", context, status=400)


@require_POST
@role_required(Role.FUND_MANAGER)
def person_deactivate(request, pk: int):
    person = _person(pk)
    context = _person_context(request, person)
    form = DeactivateForm(request.POST, successors=context["successors"])
    if form.is_valid():
        try:
            moved = key_worker_deactivate(
                actor=request.user, person=person, successor=form.cleaned_data["successor"]
            )
        except (PeopleError, GrantError) as error:
            form.add_error(None, str(error))
        else:
            passed = f" {moved} open request(s) passed on." if moved else ""
            messages.success(
                request, f"{person.get_username()} is deactivated and signed out.{passed}"
            )
            return redirect("grants:person", pk=person.pk)
    context["deactivate_form"] = form
    return render(request, "grants/person.html", context, status=400)
