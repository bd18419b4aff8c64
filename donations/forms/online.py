"""Forms for online giving: the public donation page and the staff refund and filter forms."""

import re
import uuid
from decimal import Decimal

from django import forms
from django.db.models import Q
from djmoney.money import Money

from donations.models.online import GIFT_AID_STATEMENT, OnlineDonation

PRESET_AMOUNTS = [Decimal("3"), Decimal("5"), Decimal("10"), Decimal("25")]
# The shape of a UK postcode (outward code, then inward code); spacing and case are free.
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}$", re.IGNORECASE)
GIFT_AID_FIELDS = ("first_name", "last_name", "house_name_or_number", "postcode")
AMOUNT = {"inputmode": "decimal", "spellcheck": "false"}
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _attrs(*, width: int | None = None, autocomplete: str = "", spellcheck: bool = True):
    """A GOV.UK text input's attributes: its width, the browser's autofill hint, spelling."""
    attrs = {"class": f"govuk-input govuk-input--width-{width}" if width else "govuk-input"}
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    if not spellcheck:
        attrs["spellcheck"] = "false"
    return attrs


def _optional_text(label: str, max_length: int, **attrs) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        widget=forms.TextInput(_attrs(**attrs)),
    )


class DonationForm(forms.Form):
    govuk_fields = {"other_amount": {"prefix": "£"}}

    attempt = forms.UUIDField(widget=forms.HiddenInput)
    point = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
    amount_choice = forms.ChoiceField(
        label="How much would you like to give?",
        choices=[(str(a), f"£{a}") for a in PRESET_AMOUNTS] + [("other", "Another amount")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose an amount"},
    )
    other_amount = forms.DecimalField(
        label="Amount in pounds",
        help_text="If you chose another amount",
        required=False,
        max_digits=9,
        decimal_places=2,
        widget=forms.TextInput(attrs={**_attrs(width=5), **AMOUNT}),
        error_messages={
            "invalid": "Enter the amount as a number, like 7.50",
            "max_decimal_places": "Enter the amount in pounds and pence, like 7.50",
        },
    )
    frequency = forms.ChoiceField(
        label="How often?",
        choices=OnlineDonation.Frequency.choices,
        widget=forms.RadioSelect,
        initial=OnlineDonation.Frequency.ONE_OFF,
        error_messages={"required": "Choose one-off or monthly"},
    )
    donor_name = _optional_text("Your name (optional)", 120, autocomplete="name", spellcheck=False)
    donor_email = forms.EmailField(
        label="Email address for your receipt (optional)",
        help_text="We send a receipt to this address and use it for nothing else.",
        required=False,
        widget=forms.EmailInput(_attrs(autocomplete="email", spellcheck=False)),
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )
    gift_aid = forms.BooleanField(
        label="Yes, I want to Gift Aid my donation",
        required=False,
        help_text=GIFT_AID_STATEMENT,
    )
    title = _optional_text("Title (optional)", 4, width=4, autocomplete="honorific-prefix")
    first_name = _optional_text("First name", 35, autocomplete="given-name", spellcheck=False)
    last_name = _optional_text("Last name", 35, autocomplete="family-name", spellcheck=False)
    house_name_or_number = _optional_text(
        "House name or number", 40, width=20, autocomplete="address-line1"
    )
    address = _optional_text("Street and town (optional)", 200, autocomplete="address-line2")
    postcode = _optional_text(
        "Postcode", 10, width=10, autocomplete="postal-code", spellcheck=False
    )
    outside_uk = forms.BooleanField(
        label="I live outside the UK",
        required=False,
        help_text="HMRC accepts declarations from UK taxpayers living abroad: give your house "
        "name or number and leave the postcode blank.",
    )

    def __init__(self, *args, minimum: Money, maximum: Money, **kwargs):
        super().__init__(*args, **kwargs)
        self.minimum, self.maximum = minimum, maximum
        if not self.is_bound:
            self.initial.setdefault("attempt", uuid.uuid4())

    def clean(self):
        data = super().clean()
        choice = data.get("amount_choice")
        if choice == "other":
            other = data.get("other_amount")
            if other is None and "other_amount" not in self.errors:
                self.add_error("other_amount", "Enter an amount")
            elif other is not None and not (self.minimum.amount <= other <= self.maximum.amount):
                self.add_error(
                    "other_amount",
                    f"Enter an amount between £{self.minimum.amount:,.2f} "
                    f"and £{self.maximum.amount:,.2f}",
                )
            else:
                data["amount"] = Money(other, "GBP") if other is not None else None
        elif choice:
            data["amount"] = Money(Decimal(choice), "GBP")
        if data.get("gift_aid"):
            messages = {
                "first_name": "Enter your first name",
                "last_name": "Enter your last name",
                "house_name_or_number": "Enter your house name or number",
                "postcode": "Enter your postcode",
            }
            abroad = data.get("outside_uk")
            for field in GIFT_AID_FIELDS:
                if field == "postcode" and abroad:
                    continue
                if not (data.get(field) or "").strip():
                    self.add_error(field, messages[field])
            postcode = (data.get("postcode") or "").strip()
            if postcode and not abroad and not POSTCODE.match(postcode):
                self.add_error("postcode", "Enter a real UK postcode, like NE1 4XF")
        return data


class RefundForm(forms.Form):
    govuk_fields = {"amount": {"prefix": "£"}}

    request_key = forms.UUIDField(widget=forms.HiddenInput)
    amount = forms.DecimalField(
        label="Amount to refund, in pounds",
        widget=forms.TextInput(attrs={**_attrs(width=5), **AMOUNT}),
        max_digits=9,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={
            "required": "Enter the amount to refund",
            "invalid": "Enter the amount as a number, like 5.00",
            "min_value": "Enter an amount of at least £0.01",
        },
    )
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give a reason for the refund"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("request_key", uuid.uuid4())


class DonationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any")] + OnlineDonation.Status.choices
    )
    frequency = forms.ChoiceField(
        label="Frequency", required=False, choices=[("", "Any")] + OnlineDonation.Frequency.choices
    )
    gift_aid = forms.ChoiceField(
        label="Gift Aid",
        required=False,
        choices=[("", "Any"), ("yes", "With Gift Aid"), ("no", "Without")],
    )
    refunded = forms.ChoiceField(
        label="Refunds",
        required=False,
        choices=[("", "Any"), ("yes", "Refunded (all or part)"), ("no", "Not refunded")],
    )
    point = _optional_text("Collection point code", 12, width=10)
    date_from = forms.DateField(label="Paid from", required=False, widget=DATE)
    date_to = forms.DateField(label="Paid to", required=False, widget=DATE)


class MonthlyCancelForm(forms.Form):
    reason = forms.CharField(
        label="Why is the monthly gift being cancelled?",
        help_text="Stripe stops the payments at once; the reason is kept on the gift's history.",
        max_length=300,
        error_messages={"required": "Say why the monthly gift is being cancelled"},
    )


class StripeFindingPostForm(forms.Form):
    """Say what a Stripe balance transaction nothing explains is, to post it."""

    fund = forms.ModelChoiceField(
        label="Fund",
        queryset=None,
        empty_label=None,
        error_messages={"required": "Choose the fund", "invalid_choice": "Choose a fund"},
    )
    account = forms.ModelChoiceField(
        label="Account it belongs to",
        queryset=None,
        empty_label=None,
        error_messages={"required": "Choose the account", "invalid_choice": "Choose an account"},
    )
    reason = forms.CharField(
        label="What it is",
        max_length=250,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what this balance transaction is"},
    )

    def __init__(self, *args, **kwargs):
        from fund.models import Account, Fund

        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = Fund.objects.filter(is_active=True).order_by("name")
        # What Stripe took or added that nothing else explains is income or a cost, or held
        # in suspense until someone can say; never another asset or a grant liability.
        self.fields["account"].queryset = Account.objects.filter(
            Q(type__in=[Account.Type.INCOME, Account.Type.EXPENSE]) | Q(code="liabilities:suspense")
        ).order_by("code")
