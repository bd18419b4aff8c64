"""Forms for collection points, box counts and deposits.

Validation here is for friendly messages; the services and the database enforce the rules.
"""

from datetime import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from djmoney.money import Money

from donations.models import DENOMINATIONS, Collection
from fund.models import Fund
from fund.money import PENNY

INPUT = "govuk-input"


def _text(label: str, *, required=True, width: int | None = None, hint: str = "", **attrs):
    css = f"{INPUT} govuk-input--width-{width}" if width else INPUT
    return forms.CharField(
        label=label,
        required=required,
        help_text=hint,
        widget=forms.TextInput(attrs={"class": css, "spellcheck": "false", **attrs}),
    )


def _date(label: str, *, required=True, hint: str = ""):
    return forms.DateField(
        label=label,
        required=required,
        help_text=hint,
        widget=forms.DateInput(
            format="%Y-%m-%d", attrs={"class": f"{INPUT} govuk-input--width-10", "type": "date"}
        ),
    )


def _money(label: str, *, hint: str = ""):
    return forms.DecimalField(
        label=label,
        help_text=hint,
        max_digits=12,
        decimal_places=2,
        min_value=PENNY,
        error_messages={
            "min_value": "Enter an amount of at least £0.01",
            "max_decimal_places": "Enter the amount in pounds and pence, like 12.50",
            "invalid": "Enter the amount in pounds and pence, like 12.50",
            "required": "Enter the amount",
        },
        widget=forms.TextInput(
            attrs={
                "class": f"{INPUT} govuk-input--width-10",
                "inputmode": "decimal",
                "spellcheck": "false",
            }
        ),
    )


def _reason(label: str, *, required=True, hint: str = ""):
    return forms.CharField(
        label=label,
        required=required,
        help_text=hint,
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
    )


def denomination_field_name(value: Decimal) -> str:
    return f"count_{int(value * 100)}"


def denomination_label(value: Decimal) -> str:
    return (
        f"£{value:.0f} notes"
        if value >= 5
        else (f"£{value:.0f} coins" if value >= 1 else f"{int(value * 100)}p coins")
    )


class PointForm(forms.Form):
    host_name = _text("Host business", hint="The shop, café or pharmacy that keeps the box")
    address = forms.CharField(
        label="Address",
        max_length=500,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
    )
    contact_name = _text("Contact at the host", required=False, autocomplete="off")
    contact_phone = _text("Contact phone", required=False, width=20, type="tel", autocomplete="off")
    contact_email = forms.EmailField(
        label="Contact email",
        required=False,
        widget=forms.EmailInput(
            attrs={"class": INPUT, "spellcheck": "false", "autocomplete": "off"}
        ),
    )
    box_number = _text("Box number", width=10, hint="The number painted on the box, like B012")
    opened_on = _date("Date the box was placed")
    fund = forms.ModelChoiceField(
        label="Fund the box's cash goes to",
        queryset=Fund.objects.filter(is_active=True),
        empty_label=None,
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        public = Fund.objects.filter(code="public").first()
        if public is not None and not self.is_bound and "fund" not in self.initial:
            self.initial["fund"] = public.pk


class PointCreateForm(PointForm):
    seal = _text("Seal number fitted", width=10, hint="The number on the tamper-evident seal")


class PointEditForm(PointForm):
    closed_on = _date(
        "Date the box was withdrawn", required=False, hint="Leave empty while the box is in place"
    )
    is_active = forms.BooleanField(
        label="The box is in place and collecting",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "govuk-checkboxes__input"}),
    )


class CountForm(forms.Form):
    """The amount counted, optionally broken down by note and coin."""

    govuk_fields = {"amount": {"label_class": "govuk-label--s"}}

    amount = _money("Amount counted", hint="In pounds and pence, for example 42.17")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value in DENOMINATIONS:
            self.fields[denomination_field_name(value)] = forms.IntegerField(
                label=denomination_label(value),
                required=False,
                min_value=0,
                error_messages={
                    "min_value": "Enter 0 or more",
                    "invalid": "Enter a whole number of notes or coins",
                },
                widget=forms.TextInput(
                    attrs={
                        "class": f"{INPUT} govuk-input--width-4",
                        "inputmode": "numeric",
                        "spellcheck": "false",
                    }
                ),
            )

    def denomination_fields(self):
        return [self[denomination_field_name(value)] for value in DENOMINATIONS]

    def denominations_used(self) -> bool:
        """Open the breakdown when it holds figures or errors, so nothing entered is hidden."""
        return any(field.errors or field.value() for field in self.denomination_fields())

    def clean(self):
        cleaned = super().clean()
        amount = cleaned.get("amount")
        counts = self.denominations()
        if amount is not None and counts:
            total = sum(value * quantity for value, quantity in counts.items())
            if total != amount:
                self.add_error(
                    "amount",
                    f"The notes and coins add up to £{total:,.2f}, not £{amount:,.2f}. "
                    "Check the count.",
                )
        return cleaned

    def denominations(self) -> dict[Decimal, int]:
        counts = {}
        for value in DENOMINATIONS:
            quantity = self.cleaned_data.get(denomination_field_name(value))
            if quantity:
                counts[value] = quantity
        return counts

    def money(self) -> Money:
        return Money(self.cleaned_data["amount"], "GBP")


class CollectionForm(CountForm):
    emptied_on = _date("Date emptied")
    emptied_time = forms.TimeField(
        label="Time emptied",
        help_text="24-hour clock, for example 14:30",
        widget=forms.TimeInput(
            format="%H:%M", attrs={"class": f"{INPUT} govuk-input--width-10", "type": "time"}
        ),
    )
    seal_removed = _text("Seal number removed", width=10, hint="Read it off the seal you cut")
    seal_fitted = _text("New seal number fitted", width=10)

    field_order = ["emptied_on", "emptied_time", "seal_removed", "seal_fitted", "amount"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        now = timezone.localtime()
        self.fields["emptied_on"].initial = now.date()
        self.fields["emptied_time"].initial = now.strftime("%H:%M")

    def clean(self):
        cleaned = super().clean()
        removed, fitted = cleaned.get("seal_removed"), cleaned.get("seal_fitted")
        if removed and fitted and removed.strip().upper() == fitted.strip().upper():
            self.add_error(
                "seal_fitted", "The new seal must have a different number from the one removed"
            )
        day, time = cleaned.get("emptied_on"), cleaned.get("emptied_time")
        if day and time:
            emptied_at = timezone.make_aware(datetime.combine(day, time))
            if emptied_at > timezone.now():
                self.add_error("emptied_on", "The date and time emptied cannot be in the future")
            cleaned["emptied_at"] = emptied_at
        return cleaned


class ReasonForm(forms.Form):
    govuk_fields = {"reason": {"label_class": "govuk-label--s"}}

    reason = _reason(
        "Why are you sending the count back?", hint="For example, what your own count came to"
    )


class SealReviewForm(forms.Form):
    govuk_fields = {"note": {"label_class": "govuk-label--s"}}

    note = _reason(
        "What was found",
        hint="For example, what the host said and whether the cash looked tampered with",
    )


class CollectionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, collection: Collection) -> str:
        return (
            f"{collection.point.host_name}, box {collection.point.box_number}: "
            f"£{collection.amount.amount:,.2f} emptied {collection.emptied_at:%-d %b %Y}"
        )


class DepositForm(forms.Form):
    collections = CollectionChoiceField(
        label="Collections in this deposit",
        queryset=Collection.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "govuk-checkboxes__input"}),
        error_messages={"required": "Choose at least one collection"},
    )
    paying_in_reference = _text("Paying-in slip reference", width=20)
    banked_on = _date("Date banked")
    amount_banked = _money("Amount banked", hint="What the bank credited, in pounds and pence")
    difference_reason = _reason(
        "Reason for any difference",
        required=False,
        hint="Needed when the amount banked differs from the total counted",
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collections"].queryset = queryset
        self.fields["banked_on"].initial = timezone.localdate()

    def clean(self):
        cleaned = super().clean()
        chosen, banked = cleaned.get("collections"), cleaned.get("amount_banked")
        if chosen and banked is not None:
            counted = sum(c.amount.amount for c in chosen)
            if counted != banked and not cleaned.get("difference_reason", "").strip():
                self.add_error(
                    "difference_reason",
                    f"The collections were counted at £{counted:,.2f} but £{banked:,.2f} "
                    "was banked: give the reason for the difference",
                )
        return cleaned
