"""Online giving: the public donation and thank-you pages, and the staff pages for gifts,
refunds and payouts. Views only call services and selectors."""

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from djmoney.money import Money

from donations.access import HANDLERS, READERS, handles_money
from donations.exceptions import (
    CheckoutUnavailable,
    DonationAmountInvalid,
    NoFundForOnlineGifts,
    RefundFailed,
    RefundInvalid,
    StripeEventFinal,
    StripeReconcileFailed,
    TooManyAttempts,
)
from donations.forms.online import (
    DonationFilterForm,
    DonationForm,
    MonthlyCancelForm,
    RefundForm,
    StripeFindingPostForm,
)
from donations.models.cash import CollectionPoint
from donations.models.giftaid import GIFT_AID_HIGHER_RATE, GIFT_AID_INTRO, GIFT_AID_NOTES
from donations.models.online import OnlineDonation, OnlinePayment, StripeEvent, StripePayout
from donations.models.reconcile import StripeBalanceCheck, StripeBalanceFinding
from donations.selectors.online import (
    donations_filtered,
    payout_summary,
    stripe_events_needing_attention,
    with_payment_totals,
)
from donations.services.monthly import manage_token
from donations.services.online import (
    GiftAidDetails,
    online_donation_limits,
    online_donation_start,
    online_fund,
)
from donations.services.refunds import online_payment_refund
from donations.services.stripe_api import is_test_mode
from donations.services.stripe_events import stripe_event_retry
from donations.services.stripe_reconcile import (
    stripe_balance_reconcile,
    stripe_balance_transaction_post,
)
from fund.money import format_gbp
from people.access import role_required


def _collection_point(code: str):
    """The active collection point a poster's ``?point=CODE`` names; unknown codes are ignored."""
    code = code.strip().upper()
    if not code or len(code) > 12:
        return None
    return (
        CollectionPoint.objects.select_related("fund")
        .filter(public_code=code, is_active=True)
        .first()
    )


def _client_ip(request) -> str:
    """The donor's address as sign-in throttling sees it (behind trusted proxies)."""
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return ""


@require_http_methods(["GET", "POST"])
def donate(request):
    """The public donation page: no sign-in, works without JavaScript."""
    try:
        fund = online_fund()
    except NoFundForOnlineGifts:
        raise Http404("Online giving is not open.") from None
    point_code = (
        request.POST.get("point") if request.method == "POST" else request.GET.get("point")
    ) or ""
    point = _collection_point(point_code)
    if point is not None:
        fund = point.fund
    minimum, maximum = online_donation_limits(fund)
    status = 200
    if request.method == "POST":
        form = DonationForm(request.POST, minimum=minimum, maximum=maximum)
        if form.is_valid():
            data = form.cleaned_data
            gift_aid = None
            if data["gift_aid"]:
                gift_aid = GiftAidDetails(
                    title=data["title"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    house_name_or_number=data["house_name_or_number"],
                    address=data["address"],
                    postcode=data["postcode"],
                    outside_uk=data["outside_uk"],
                )
            try:
                donation = online_donation_start(
                    actor=None,
                    attempt=data["attempt"],
                    amount=data["amount"],
                    frequency=data["frequency"],
                    donor_name=data["donor_name"],
                    donor_email=data["donor_email"],
                    gift_aid=gift_aid,
                    point=point,
                    client_ip=_client_ip(request),
                    site_url=request.build_absolute_uri("/"),
                )
            except TooManyAttempts as error:
                form.add_error(None, str(error))
                status = 429
            except (DonationAmountInvalid, CheckoutUnavailable) as error:
                form.add_error(None, str(error))
                status = 503 if isinstance(error, CheckoutUnavailable) else 400
            else:
                # 303: the browser fetches Stripe's hosted page with GET.
                response = redirect(donation.checkout_url)
                response.status_code = 303
                return response
        else:
            status = 400
    else:
        form = DonationForm(
            initial={"point": point.public_code if point else ""}, minimum=minimum, maximum=maximum
        )
    return render(
        request,
        "donations/online/donate.html",
        {
            "form": form,
            "point": point,
            "minimum": minimum,
            "maximum": maximum,
            "cancelled": request.GET.get("cancelled") == "1",
            "gift_aid_intro": GIFT_AID_INTRO,
            "gift_aid_notes": GIFT_AID_NOTES,
            "gift_aid_higher_rate": GIFT_AID_HIGHER_RATE,
            "test_mode": is_test_mode(),
        },
        status=status,
    )


def donate_thank_you(request, public_id):
    """Says the gift is being confirmed until Stripe's webhook has arrived, then thanks."""
    donation = get_object_or_404(OnlineDonation, public_id=public_id)
    return render(
        request,
        "donations/online/thank_you.html",
        {
            "donation": donation,
            "test_mode": donation.test_mode,
            "manage_token": manage_token(donation),
        },
    )


@role_required(*READERS)
def online_list(request):
    filters = DonationFilterForm(request.GET or None)
    rows = donations_filtered(filters.cleaned_data if filters.is_valid() else {})
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    # Paginate first, then total the payments of this page's gifts only.
    page.object_list = with_payment_totals(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "donations/online/list.html",
        {"filters": filters, "page": page, "query": query.urlencode()},
    )


@role_required(*READERS)
def online_detail(request, pk):
    return detail_page(request, pk)


def detail_page(request, pk, *, cancel_form=None, status=200):
    """The gift's page; `cancel_form` re-shows a refused cancel with its errors."""
    donation = get_object_or_404(OnlineDonation.objects.select_related("fund", "gift_aid"), pk=pk)
    payments = donation.payments.prefetch_related("staff_refunds").order_by("paid_on", "id")
    return render(
        request,
        "donations/online/detail.html",
        {
            "donation": donation,
            "payments": payments,
            "events": donation.events.select_related("actor"),
            "cancel_form": cancel_form or MonthlyCancelForm(),
        },
        status=status,
    )


@role_required(*HANDLERS)
@require_http_methods(["GET", "POST"])
def payment_refund(request, pk):
    payment = get_object_or_404(OnlinePayment.objects.select_related("donation"), pk=pk)
    if request.method == "POST":
        form = RefundForm(request.POST)
        if form.is_valid():
            try:
                online_payment_refund(
                    actor=request.user,
                    payment=payment,
                    amount=Money(form.cleaned_data["amount"], "GBP"),
                    reason=form.cleaned_data["reason"],
                    request_key=form.cleaned_data["request_key"],
                )
            except (RefundInvalid, RefundFailed) as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, f"Refund of £{form.cleaned_data['amount']:,.2f} made through Stripe."
                )
                return redirect("donations:online-detail", pk=payment.donation_id)
    else:
        form = RefundForm(initial={"amount": payment.refundable.amount})
    return render(request, "donations/online/refund.html", {"payment": payment, "form": form})


@role_required(*READERS)
def payout_list(request):
    page = Paginator(StripePayout.objects.all(), 50).get_page(request.GET.get("page"))
    return render(request, "donations/online/payouts.html", {"page": page})


@role_required(*READERS)
def payout_detail(request, pk):
    payout = get_object_or_404(StripePayout, pk=pk)
    summary = payout_summary(payout)
    lines = payout.lines.select_related("payment__donation")
    return render(
        request,
        "donations/online/payout.html",
        {
            "payout": payout,
            "summary": summary,
            "lines": lines,
            "ties": summary.net == payout.amount,
        },
    )


@role_required(*READERS)
def stripe_events(request):
    """Webhook events that need a person: failed, or still unmatched after a day."""
    rows = stripe_events_needing_attention(timezone.now())
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "donations/online/events.html",
        {"page": page, "may_retry": handles_money(request.user)},
    )


@role_required(*HANDLERS)
@require_POST
def stripe_event_retry_view(request, pk):
    event = get_object_or_404(StripeEvent, pk=pk)
    try:
        stripe_event_retry(actor=request.user, event=event)
    except StripeEventFinal as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Event {event.stripe_id} will be processed again shortly.")
    return redirect("donations:stripe-events")


@role_required(*READERS)
def stripe_checks(request):
    """The checks of the ledger's Stripe balance against Stripe's, newest first, with what
    each found; officers and managers can run one now."""
    checks = StripeBalanceCheck.objects.select_related("checked_by")
    page = Paginator(checks, 20).get_page(request.GET.get("page"))
    latest = checks.first()
    findings = (
        latest.findings.select_related("entry")
        if latest is not None
        else StripeBalanceFinding.objects.none()
    )
    return render(
        request,
        "donations/online/stripe_checks.html",
        {
            "page": page,
            "latest": latest,
            "findings": findings,
            "may_act": handles_money(request.user),
        },
    )


@role_required(*HANDLERS)
@require_POST
def stripe_check_run(request):
    try:
        check = stripe_balance_reconcile(actor=request.user)
    except StripeReconcileFailed as error:
        messages.error(request, f"The check did not run: {error}")
    else:
        posted = check.findings.filter(status=StripeBalanceFinding.Status.POSTED).count()
        needing = check.findings.filter(status=StripeBalanceFinding.Status.OPEN).count()
        messages.success(
            request,
            f"Stripe checked: difference {format_gbp(check.difference)}; "
            f"{posted} missing entr{'y' if posted == 1 else 'ies'} posted, "
            f"{needing} need{'s' if needing == 1 else ''} a person.",
        )
    return redirect("donations:stripe-checks")


@role_required(*HANDLERS)
@require_http_methods(["GET", "POST"])
def stripe_finding_post(request, pk):
    """Post a balance transaction nothing else explains, once a person has said what it is."""
    finding = get_object_or_404(
        StripeBalanceFinding.objects.select_related("check_run"),
        pk=pk,
        status=StripeBalanceFinding.Status.OPEN,
    )
    status = 200
    if request.method == "POST":
        form = StripeFindingPostForm(request.POST)
        if form.is_valid():
            try:
                entry = stripe_balance_transaction_post(
                    actor=request.user,
                    finding=finding,
                    fund=form.cleaned_data["fund"],
                    account=form.cleaned_data["account"],
                    reason=form.cleaned_data["reason"],
                )
            except StripeReconcileFailed as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    f"Posted as entry {entry.pk}. Check Stripe again to see the difference.",
                )
                return redirect("donations:stripe-checks")
        status = 400
    else:
        form = StripeFindingPostForm()
    return render(
        request,
        "donations/online/stripe_finding_post.html",
        {"finding": finding, "form": form},
        status=status,
    )
