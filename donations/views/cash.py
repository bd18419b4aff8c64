"""Staff pages for collection points, box counts, deposits and the GASDS figure.

Thin views: each reads through ``donations.selectors.cash`` or writes through
``donations.services.cash`` and turns a refused action into a message.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from djmoney.money import Money

from donations.access import HANDLERS, READERS, SEAL_REVIEWERS, handles_money
from donations.exceptions import CashError
from donations.forms.cash import (
    CollectionForm,
    CountForm,
    DepositForm,
    PointCreateForm,
    PointEditForm,
    ReasonForm,
    SealReviewForm,
)
from donations.models import Collection, CollectionPoint, Deposit, GasdsClaim
from donations.poster import donate_path, poster_pdf
from donations.selectors import cash as cash_selectors
from donations.selectors import taps as tap_selectors
from donations.selectors.taps import NO_TAKINGS
from donations.services import cash as services
from fund.exceptions import LedgerError
from people.access import has_role, role_required
from people.pages import paged


@role_required(*READERS)
def overview(request):
    overdue = paged(request, cash_selectors.points_overdue(), "overdue")
    return render(
        request,
        "donations/cash/overview.html",
        {
            "overdue": overdue,
            "overdue_rows": cash_selectors.point_rows(overdue["page"]),
            "awaiting": cash_selectors.counts_awaiting_confirmation().count(),
            "returned": cash_selectors.counts_returned().count(),
            "in_transit": cash_selectors.cash_in_transit_summary(),
            "deposits_awaiting": cash_selectors.deposits_awaiting_check().count(),
            "seals": cash_selectors.broken_seals_to_review().count(),
            "can_handle": handles_money(request.user),
        },
    )


# --- Collection points ----------------------------------------------------------------------


@role_required(*READERS)
def point_list(request):
    points = paged(request, cash_selectors.points_listed())
    ids = [point.pk for point in points["page"]]
    takings = tap_selectors.takings_by_point(ids)
    terminals = tap_selectors.terminals_by_point(ids)
    return render(
        request,
        "donations/cash/point_list.html",
        {
            "points": points,
            "rows": [
                (row, takings.get(row.point.pk, NO_TAKINGS), terminals.get(row.point.pk, []))
                for row in cash_selectors.point_rows(points["page"])
            ],
            "can_handle": handles_money(request.user),
        },
    )


@role_required(*HANDLERS)
def point_create(request):
    form = PointCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            point = services.collection_point_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in _validation_messages(error):
                form.add_error(None, message)
        except CashError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"{point.host_name} added with point code {point.public_code}."
            )
            return redirect("donations:cash_point", pk=point.pk)
    return render(request, "donations/cash/point_form.html", {"form": form, "point": None})


def _validation_messages(error) -> list[str]:
    return [message for messages_ in error.message_dict.values() for message in messages_]


@role_required(*READERS)
def point_detail(request, pk: int):
    point = get_object_or_404(CollectionPoint.objects.select_related("fund"), pk=pk)
    return render(
        request,
        "donations/cash/point_detail.html",
        {
            "point": point,
            "collections": point.collections.select_related("counted_by", "confirmed_by")[:20],
            "yields": cash_selectors.yield_by_month(point=point),
            "donate_url": request.build_absolute_uri(donate_path(point)),
            "can_handle": handles_money(request.user),
        },
    )


@role_required(*HANDLERS)
def point_edit(request, pk: int):
    point = get_object_or_404(CollectionPoint, pk=pk)
    initial = {
        name: getattr(point, name) for name in PointEditForm.base_fields if name != "fund"
    } | {"fund": point.fund_id}
    form = PointEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.collection_point_update(actor=request.user, point=point, **form.cleaned_data)
        except ValidationError as error:
            for message in _validation_messages(error):
                form.add_error(None, message)
        except CashError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{point.host_name} updated.")
            return redirect("donations:cash_point", pk=point.pk)
    return render(request, "donations/cash/point_form.html", {"form": form, "point": point})


@role_required(*READERS)
def point_poster(request, pk: int):
    point = get_object_or_404(CollectionPoint, pk=pk)
    pdf = poster_pdf(point, donate_url=request.build_absolute_uri(donate_path(point)))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="poster-{point.public_code}.pdf"'
    return response


# --- Collections and the two-person count ---------------------------------------------------


@role_required(*HANDLERS)
def collection_create(request, pk: int):
    point = get_object_or_404(CollectionPoint, pk=pk)
    form = CollectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            collection = services.collection_record(
                actor=request.user,
                point=point,
                emptied_at=form.cleaned_data["emptied_at"],
                seal_removed=form.cleaned_data["seal_removed"],
                seal_fitted=form.cleaned_data["seal_fitted"],
                amount=form.money(),
                denominations=form.denominations(),
            )
        except CashError as error:
            form.add_error(None, str(error))
        else:
            if collection.seal_broken:
                messages.warning(
                    request,
                    f"Seal broken: the seal removed ({collection.seal_removed}) is not the one "
                    f"on record ({collection.seal_expected}). The fund manager has been flagged. "
                    "The count now needs a second fund officer to confirm it.",
                )
            else:
                messages.success(
                    request, "Count recorded. A second fund officer now needs to confirm it."
                )
            return redirect("donations:cash_collection", pk=collection.pk)
    return render(request, "donations/cash/collection_form.html", {"form": form, "point": point})


@role_required(*READERS)
def count_list(request):
    return render(
        request,
        "donations/cash/count_list.html",
        {
            "awaiting": paged(request, cash_selectors.counts_awaiting_confirmation(), "awaiting"),
            "returned": paged(request, cash_selectors.counts_returned(), "returned"),
            "seals": paged(request, cash_selectors.broken_seals_to_review(), "seals"),
        },
    )


def _collection(pk: int) -> Collection:
    return get_object_or_404(
        Collection.objects.select_related(
            "point", "point__fund", "counted_by", "confirmed_by", "deposit", "seal_reviewed_by"
        ),
        pk=pk,
    )


def _render_collection(request, collection, *, return_form=None, seal_form=None, status=200):
    user = request.user
    return render(
        request,
        "donations/cash/collection_detail.html",
        {
            "collection": collection,
            "events": collection.events.select_related("actor"),
            "denominations": collection.denominations.all(),
            "can_handle": handles_money(user),
            "is_counter": collection.counted_by_id == user.pk,
            "return_form": return_form or ReasonForm(),
            "seal_form": seal_form or SealReviewForm(),
            "can_review_seal": has_role(user, *SEAL_REVIEWERS),
        },
        status=status,
    )


@role_required(*READERS)
def collection_detail(request, pk: int):
    return _render_collection(request, _collection(pk))


@require_POST
@role_required(*HANDLERS)
def collection_confirm(request, pk: int):
    collection = _collection(pk)
    try:
        services.collection_confirm(actor=request.user, collection=collection)
    except (CashError, LedgerError) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"Count confirmed: {collection.amount} posted as cash in transit."
        )
    return redirect("donations:cash_collection", pk=collection.pk)


@require_POST
@role_required(*HANDLERS)
def collection_return(request, pk: int):
    collection = _collection(pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _render_collection(request, collection, return_form=form, status=400)
    try:
        services.collection_return(
            actor=request.user, collection=collection, reason=form.cleaned_data["reason"]
        )
    except CashError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Count sent back for a recount.")
    return redirect("donations:cash_collection", pk=collection.pk)


@role_required(*HANDLERS)
def collection_recount(request, pk: int):
    collection = _collection(pk)
    if collection.status != Collection.Status.RETURNED:
        messages.error(request, "Only a count that was sent back can be recounted.")
        return redirect("donations:cash_collection", pk=collection.pk)
    form = CountForm(request.POST or None, initial={"amount": collection.amount.amount})
    if request.method == "POST" and form.is_valid():
        try:
            services.collection_recount(
                actor=request.user,
                collection=collection,
                amount=form.money(),
                denominations=form.denominations(),
            )
        except CashError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, "Recount recorded. A different fund officer now needs to confirm it."
            )
            return redirect("donations:cash_collection", pk=collection.pk)
    return render(
        request, "donations/cash/recount_form.html", {"form": form, "collection": collection}
    )


@require_POST
@role_required(*SEAL_REVIEWERS)
def collection_seal_review(request, pk: int):
    collection = _collection(pk)
    form = SealReviewForm(request.POST)
    if not form.is_valid():
        return _render_collection(request, collection, seal_form=form, status=400)
    try:
        services.collection_review_seal(
            actor=request.user, collection=collection, note=form.cleaned_data["note"]
        )
    except CashError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Broken seal reviewed.")
    return redirect("donations:cash_collection", pk=collection.pk)


# --- Cash in transit and deposits -----------------------------------------------------------


@role_required(*READERS)
def in_transit(request):
    held = cash_selectors.cash_in_transit()
    return render(
        request,
        "donations/cash/in_transit.html",
        {
            "in_transit": held,
            "collections": paged(request, held.collections, "page"),
            "deposits": cash_selectors.deposits_awaiting_check(),
            "recent": Deposit.objects.filter(status=Deposit.Status.CHECKED).select_related("fund")[
                :10
            ],
            "can_handle": handles_money(request.user),
        },
    )


@role_required(*HANDLERS)
def deposit_create(request):
    bankable = (
        Collection.objects.filter(status=Collection.Status.CONFIRMED)
        .select_related("point")
        .order_by("emptied_at", "pk")
    )
    form = DepositForm(request.POST or None, queryset=bankable)
    if request.method == "POST" and form.is_valid():
        try:
            deposit = services.deposit_record(
                actor=request.user,
                collections=form.cleaned_data["collections"],
                paying_in_reference=form.cleaned_data["paying_in_reference"],
                banked_on=form.cleaned_data["banked_on"],
                amount_banked=Money(form.cleaned_data["amount_banked"], "GBP"),
                difference_reason=form.cleaned_data["difference_reason"],
            )
        except CashError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Deposit {deposit.paying_in_reference} recorded. Someone who counted none of "
                "its collections now needs to check it against the bank.",
            )
            return redirect("donations:cash_deposit", pk=deposit.pk)
    return render(request, "donations/cash/deposit_form.html", {"form": form})


def _deposit(pk: int) -> Deposit:
    return get_object_or_404(
        Deposit.objects.select_related("fund", "recorded_by", "checked_by"), pk=pk
    )


@role_required(*READERS)
def deposit_detail(request, pk: int):
    deposit = _deposit(pk)
    collections = deposit.collections.select_related("point", "counted_by", "confirmed_by")
    counters = {c.counted_by_id for c in collections} | {c.confirmed_by_id for c in collections}
    return render(
        request,
        "donations/cash/deposit_detail.html",
        {
            "deposit": deposit,
            "collections": collections,
            "events": deposit.events.select_related("actor"),
            "can_handle": handles_money(request.user),
            "counted_here": request.user.pk in counters,
        },
    )


@require_POST
@role_required(*HANDLERS)
def deposit_check(request, pk: int):
    deposit = _deposit(pk)
    try:
        services.deposit_check(actor=request.user, deposit=deposit)
    except (CashError, LedgerError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Deposit {deposit.paying_in_reference} checked and posted.")
    return redirect("donations:cash_deposit", pk=deposit.pk)


# --- Reports ----------------------------------------------------------------------------------


YIELD_ROWS_PER_PAGE = 50


@role_required(*READERS)
def yield_report(request):
    all_rows = cash_selectors.yield_rows()
    rows = paged(request, all_rows, per_page=YIELD_ROWS_PER_PAGE)
    page = rows["page"]
    # A month the last page began: its table here says it continues.
    continued = None
    if page.number > 1:
        continued = cash_selectors.yield_month(all_rows[page.start_index() - 2])
    return render(
        request,
        "donations/cash/yield.html",
        {"rows": rows, "yields": cash_selectors.month_yields(page), "continued": continued},
    )


@role_required(*READERS)
def gasds_report(request):
    years = cash_selectors.gasds_by_tax_year()
    claims = {claim.tax_year_start: claim for claim in GasdsClaim.objects.all()}
    return render(
        request,
        "donations/cash/gasds.html",
        {
            "years": years,
            "rows": [(year, claims.get(year.start)) for year in years],
            "cap": cash_selectors.GASDS_CAP,
            "may_claim": handles_money(request.user),
        },
    )
