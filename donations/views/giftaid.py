"""Staff pages for Gift Aid: claims, HMRC's schedule, HMRC's repayments, GASDS claims.

Views only call services and selectors; auditors read, officers and managers act.
"""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from djmoney.money import Money

from donations.access import HANDLERS, READERS, handles_money
from donations.exceptions import (
    GasdsClaimInvalid,
    GiftAidRepaymentInvalid,
    NothingToClaim,
    ScheduleTemplateInvalid,
)
from donations.forms.giftaid import (
    GasdsClaimForm,
    GasdsPaymentForm,
    GiftAidClaimForm,
    GiftAidRepaymentForm,
    ScheduleTemplateForm,
)
from donations.models.giftaid import GasdsClaim, GiftAidRepayment
from donations.models.online import GiftAidClaim
from donations.schedule import HEADERS, schedule_ods, schedule_parts, schedule_rows
from donations.selectors.cash import gasds_by_tax_year
from donations.selectors.giftaid import (
    gift_aid_refused,
    overclaims_waiting,
    unclaimed_range,
    with_reasons,
)
from donations.services.gasds import gasds_claim_record, gasds_payment_record
from donations.services.giftaid import gift_aid_claim_create, gift_aid_repayment_record
from donations.services.schedule_template import (
    schedule_template_current,
    schedule_template_filled,
    schedule_template_upload,
)
from people.access import has_role, role_required
from people.roles import Role

ROWS_PER_PAGE = 100


def _claims_page(request, form, status=200):
    claims = Paginator(
        GiftAidClaim.objects.select_related("created_by", "repayment").order_by("-created_at"),
        25,
    ).get_page(request.GET.get("page"))
    refused = Paginator(gift_aid_refused(), 25).get_page(request.GET.get("refused"))
    return render(
        request,
        "donations/giftaid/claims.html",
        {
            "refused": refused,
            "refused_rows": with_reasons(refused),
            "claims": claims,
            "form": form,
            "may_claim": handles_money(request.user),
            "overclaims": overclaims_waiting(),
        },
        status=status,
    )


@role_required(*READERS)
def gift_aid_claims(request):
    # The form starts with the dates of the gifts not yet claimed.
    unclaimed = unclaimed_range()
    initial = (
        {"date_from": unclaimed[0].isoformat(), "date_to": unclaimed[1].isoformat()}
        if unclaimed
        else {}
    )
    return _claims_page(request, GiftAidClaimForm(initial=initial))


@role_required(*HANDLERS)
@require_POST
def gift_aid_claim_run(request):
    form = GiftAidClaimForm(request.POST)
    if form.is_valid():
        try:
            claim = gift_aid_claim_create(
                actor=request.user,
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
            )
        except NothingToClaim as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Gift Aid claim {claim.pk} made: {claim.lines.count()} gifts, "
                f"£{claim.net.amount:,.2f} to claim from HMRC.",
            )
            return redirect("donations:gift-aid-claim", pk=claim.pk)
    return _claims_page(request, form, status=400)


def _aggregate(request) -> bool:
    return request.GET.get("aggregate") == "1"


@role_required(*READERS)
def gift_aid_claim_detail(request, pk):
    claim = get_object_or_404(GiftAidClaim.objects.select_related("created_by"), pk=pk)
    aggregate = _aggregate(request)
    rows = schedule_rows(claim, aggregate=aggregate)
    page = Paginator([row.shown() for row in rows], ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "donations/giftaid/claim.html",
        {
            "claim": claim,
            "repayment": GiftAidRepayment.objects.filter(claim=claim).first(),
            "adjustments": claim.adjustments_deducted.select_related("line__payment"),
            "headers": HEADERS,
            "rows": page,
            "aggregate": aggregate,
            "parts": range(1, len(schedule_parts(rows)) + 1),
            "gift_count": claim.lines.count(),
            "may_record": handles_money(request.user),
        },
    )


@role_required(*READERS)
def gift_aid_schedule_ods(request, pk):
    """One part of HMRC's schedule (``?part=N``, 1,000 lines each; ``?aggregate=1``)."""
    claim = get_object_or_404(GiftAidClaim, pk=pk)
    parts = schedule_parts(schedule_rows(claim, aggregate=_aggregate(request)))
    try:
        part = int(request.GET.get("part", "1"))
    except ValueError:
        raise Http404("No such part of the schedule.") from None
    if not 1 <= part <= len(parts):
        raise Http404("No such part of the schedule.")
    template = schedule_template_current()
    if template is None:
        content = schedule_ods(parts[part - 1], claim=claim, part=part, parts=len(parts))
    else:
        content = schedule_template_filled(template, parts[part - 1])
    response = HttpResponse(content, content_type="application/vnd.oasis.opendocument.spreadsheet")
    suffix = f"-{part}-of-{len(parts)}" if len(parts) > 1 else ""
    response["Content-Disposition"] = (
        f'attachment; filename="gift-aid-claim-{claim.pk}-schedule{suffix}.ods"'
    )
    return response


@role_required(*HANDLERS)
@require_http_methods(["GET", "POST"])
def gift_aid_repayment(request, pk):
    """Record HMRC's repayment of a claim by hand, with its reference, date and amount."""
    claim = get_object_or_404(GiftAidClaim, pk=pk)
    if GiftAidRepayment.objects.filter(claim=claim).exists():
        messages.info(request, f"HMRC's repayment of claim {claim.pk} is already recorded.")
        return redirect("donations:gift-aid-claim", pk=claim.pk)
    status = 200
    if request.method == "POST":
        form = GiftAidRepaymentForm(request.POST)
        if form.is_valid():
            try:
                repayment = gift_aid_repayment_record(
                    actor=request.user,
                    claim=claim,
                    amount=Money(form.cleaned_data["amount"], "GBP"),
                    received_on=form.cleaned_data["received_on"],
                    hmrc_reference=form.cleaned_data["hmrc_reference"],
                    reason=form.cleaned_data["reason"],
                )
            except GiftAidRepaymentInvalid as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    f"HMRC's repayment {repayment.hmrc_reference} of "
                    f"£{repayment.amount.amount:,.2f} recorded against claim {claim.pk}.",
                )
                return redirect("donations:gift-aid-claim", pk=claim.pk)
        status = 400
    else:
        form = GiftAidRepaymentForm(initial={"amount": f"{claim.net.amount:.2f}"})
    return render(
        request,
        "donations/giftaid/repayment.html",
        {"claim": claim, "form": form},
        status=status,
    )


# ---- GASDS -----------------------------------------------------------------------------


@role_required(*HANDLERS)
@require_http_methods(["GET", "POST"])
def gasds_claim(request, year):
    """Record the GASDS claim made to HMRC for the tax year starting 6 April ``year``."""
    try:
        start = date(year, 4, 6)
    except ValueError:
        raise Http404("No such tax year.") from None
    gasds_year = next((y for y in gasds_by_tax_year() if y.start == start), None)
    if gasds_year is None:
        raise Http404("No box cash in that tax year.")
    status = 200
    if request.method == "POST":
        form = GasdsClaimForm(request.POST)
        if form.is_valid():
            try:
                claim = gasds_claim_record(
                    actor=request.user,
                    tax_year_start=start,
                    hmrc_reference=form.cleaned_data["hmrc_reference"],
                    claimed_on=form.cleaned_data["claimed_on"],
                )
            except GasdsClaimInvalid as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    f"GASDS claim {claim.hmrc_reference} for {gasds_year.label} recorded: "
                    f"£{claim.top_up.amount:,.2f} top-up.",
                )
                return redirect("donations:cash_gasds")
        status = 400
    else:
        # Plain text, not a date or a Decimal: the template would format those for reading.
        form = GasdsClaimForm(initial={"claimed_on": timezone.localdate().isoformat()})
    return render(
        request,
        "donations/giftaid/gasds_claim.html",
        {"year": gasds_year, "form": form},
        status=status,
    )


@role_required(*HANDLERS)
@require_http_methods(["GET", "POST"])
def gasds_payment(request, pk):
    """Record HMRC's payment of a GASDS claim."""
    claim = get_object_or_404(GasdsClaim, pk=pk)
    if claim.paid_on is not None:
        messages.info(request, f"HMRC's payment of {claim} is already recorded.")
        return redirect("donations:cash_gasds")
    status = 200
    if request.method == "POST":
        form = GasdsPaymentForm(request.POST)
        if form.is_valid():
            try:
                gasds_payment_record(
                    actor=request.user,
                    claim=claim,
                    amount=Money(form.cleaned_data["amount"], "GBP"),
                    paid_on=form.cleaned_data["paid_on"],
                    reason=form.cleaned_data["reason"],
                )
            except GasdsClaimInvalid as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"HMRC's payment of {claim} recorded.")
                return redirect("donations:cash_gasds")
        status = 400
    else:
        form = GasdsPaymentForm(
            initial={
                "amount": f"{claim.top_up.amount:.2f}",
                "paid_on": timezone.localdate().isoformat(),
            }
        )
    return render(
        request,
        "donations/giftaid/gasds_payment.html",
        {"claim": claim, "form": form},
        status=status,
    )


@role_required(*READERS)
@require_http_methods(["GET", "POST"])
def gift_aid_template(request):
    """HMRC's schedule template: staff see which is in use; a manager uploads it."""
    may_upload = has_role(request.user, Role.FUND_MANAGER)
    form = ScheduleTemplateForm()
    status = 200
    if request.method == "POST":
        if not may_upload:
            raise PermissionDenied
        form = ScheduleTemplateForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["template"]
            try:
                template = schedule_template_upload(
                    actor=request.user, filename=upload.name, content=upload.read()
                )
            except ScheduleTemplateInvalid as error:
                form.add_error("template", str(error))
            else:
                messages.success(
                    request, f"HMRC's schedule template {template.filename} is in use."
                )
                return redirect("donations:gift-aid-template")
        status = 400
    return render(
        request,
        "donations/giftaid/template.html",
        {"template": schedule_template_current(), "form": form, "may_upload": may_upload},
        status=status,
    )
