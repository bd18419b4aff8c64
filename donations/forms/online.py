"""Forms for online giving: the public donation page and the staff refund and filter forms."""

import re
import uuid
from decimal import Decimal

from django import forms
from djmoney.money import Money

from donations.models.online import GIFT_AID_STATEMENT, OnlineDonation

PRESET_AMOUNTS = [Decimal("3"), Decimal("5"), Decimal("10"), Decimal("25")]
# The shape of a UK postcode (outward code, then inward code); spacing and case are free.
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}$", re.IGNORECASE)
GIFT_AID_FIELDS = ("first_name", "last_name", "house_name_or_number", "postcode")


class DonationForm(forms.Form):
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
        required=False,
        max_digits=9,
        decimal_places=2,
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
    donor_name = forms.CharField(label="Your name (optional)", required=False, max_length=120)
    donor_email = forms.EmailField(
        label="Email address for your receipt (optional)",
        required=False,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )
    gift_aid = forms.BooleanField(
        label="Yes, I want to Gift Aid my donation",
        required=False,
        help_text=GIFT_AID_STATEMENT,
    )
    title = forms.CharField(label="Title (optional)", required=False, max_length=4)
    first_name = forms.CharField(label="First name", required=False, max_length=35)
    last_name = forms.CharField(label="Last name", required=False, max_length=35)
    house_name_or_number = forms.CharField(
        label="House name or number", required=False, max_length=40
    )
    address = forms.CharField(label="Street and town (optional)", required=False, max_length=200)
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
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
    request_key = forms.UUIDField(widget=forms.HiddenInput)
    amount = forms.DecimalField(
        label="Amount to refund, in pounds",
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
    point = forms.CharField(label="Collection point code", required=False, max_length=12)
    date_from = forms.DateField(
        label="Paid from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="Paid to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class MonthlyCancelForm(forms.Form):
    reason = forms.CharField(
        label="Why is the monthly gift being cancelled?",
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
        self.fields["fund"].queryset = Fund.objects.order_by("name")
        self.fields["account"].queryset = Account.objects.exclude(code="assets:stripe").order_by(
            "code"
        )
