"""Forms for contributions: a funder's pledge and money received against it."""

from decimal import Decimal

from django import forms

from fund.models import Fund

TEXT = {"class": "govuk-input"}
AMOUNT = {"class": "govuk-input govuk-input--width-10", "inputmode": "decimal"}
DATE = {"type": "date", "class": "govuk-input govuk-input--width-10"}


class PledgeForm(forms.Form):
    govuk_fields = {"amount": {"prefix": "£"}}

    funder = forms.CharField(label="Funder", max_length=200, widget=forms.TextInput(TEXT))
    fund = forms.ModelChoiceField(
        label="Fund it goes to",
        help_text="A restricted fund for a restricted purpose; the unrestricted fund otherwise.",
        queryset=Fund.objects.filter(is_active=True).order_by("kind", "name"),
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )
    amount = forms.DecimalField(
        label="Amount pledged",
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.TextInput(AMOUNT),
    )
    purpose = forms.CharField(
        label="Purpose (restricted funds)",
        required=False,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
    )
    period_start = forms.DateField(label="Period from", widget=forms.DateInput(DATE))
    period_end = forms.DateField(label="Period to", widget=forms.DateInput(DATE))
    reference = forms.CharField(label="Reference", max_length=60, widget=forms.TextInput(TEXT))

    def clean(self):
        data = super().clean()
        if data.get("period_start") and data.get("period_end"):
            if data["period_end"] < data["period_start"]:
                self.add_error("period_end", "The period must end on or after its start")
        return data


class ReceiptForm(forms.Form):
    govuk_fields = {"amount": {"prefix": "£"}}

    amount = forms.DecimalField(
        label="Amount received",
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.TextInput(AMOUNT),
    )
    received_on = forms.DateField(label="Date received", widget=forms.DateInput(DATE))
