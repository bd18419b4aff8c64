"""A monthly gift after checkout: the donor's link to Stripe's portal, and staff cancelling."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from donations.access import HANDLERS
from donations.exceptions import CheckoutUnavailable, GiftCancelFailed, GiftNotMonthly
from donations.forms.online import MonthlyCancelForm
from donations.models.online import OnlineDonation
from donations.services.monthly import (
    donation_for_token,
    monthly_gift_cancel,
    monthly_gift_portal_url,
)
from donations.views.online import detail_page
from people.access import role_required


@require_GET
def donate_manage(request, token):
    """The donor's link: a new Stripe customer-portal session for this gift, then there."""
    donation = donation_for_token(token)
    if donation is None:
        raise Http404("This link is not valid.")
    return_url = request.build_absolute_uri(reverse("donate-thank-you", args=[donation.public_id]))
    try:
        url = monthly_gift_portal_url(donation=donation, return_url=return_url)
    except (CheckoutUnavailable, GiftNotMonthly) as error:
        return render(
            request,
            "donations/online/manage_unavailable.html",
            {"donation": donation, "message": str(error)},
            status=503 if isinstance(error, CheckoutUnavailable) else 409,
        )
    response = redirect(url)
    response.status_code = 303
    return response


@role_required(*HANDLERS)
@require_POST
def monthly_cancel(request, pk):
    """Staff stop a monthly gift, with a reason; Stripe cancels the subscription."""
    donation = get_object_or_404(OnlineDonation, pk=pk)
    form = MonthlyCancelForm(request.POST)
    if not form.is_valid():
        return detail_page(request, donation.pk, cancel_form=form, status=400)
    try:
        monthly_gift_cancel(
            actor=request.user, donation=donation, reason=form.cleaned_data["reason"]
        )
    except (GiftCancelFailed, GiftNotMonthly) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{donation.reference}: the monthly gift is cancelled.")
    return redirect("donations:online-detail", pk=donation.pk)
