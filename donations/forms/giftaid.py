"""Forms for Gift Aid: a claim run and HMRC's repayment of a claim."""

from decimal import Decimal

from django import forms

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
REFERENCE = forms.TextInput(
    attrs={"class": "govuk-input govuk-input--width-20", "spellcheck": "false"}
)
AMOUNT = forms.TextInput(
    attrs={"class": "govuk-input govuk-input--width-10", "inputmode": "decimal"}
)


class GiftAidClaimForm(forms.Form):
    date_from = forms.DateField(
        label="From",
        widget=DATE,
        error_messages={"required": "Enter the first date", "invalid": "Enter a real date"},
    )
    date_to = forms.DateField(
        label="To",
        widget=DATE,
        error_messages={"required": "Enter the last date", "invalid": "Enter a real date"},
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "The last date must be on or after the first date")
        return data


class GiftAidRepaymentForm(forms.Form):
    govuk_fields = {"amount": {"prefix": "£"}}

    hmrc_reference = forms.CharField(
        label="HMRC reference",
        max_length=40,
        help_text="As on HMRC's repayment notice or the bank statement line.",
        error_messages={"required": "Enter HMRC's reference"},
        widget=REFERENCE,
    )
    received_on = forms.DateField(
        label="Date received",
        widget=DATE,
        error_messages={"required": "Enter the date HMRC paid", "invalid": "Enter a real date"},
    )
    amount = forms.DecimalField(
        label="Amount HMRC paid, in pounds",
        widget=AMOUNT,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.00"),
        error_messages={
            "required": "Enter the amount HMRC paid",
            "invalid": "Enter the amount as a number, like 52.50",
            "min_value": "Enter an amount of £0.00 or more",
            "max_decimal_places": "Enter the amount in pounds and pence, like 52.50",
        },
    )
    reason = forms.CharField(
        label="Reason for any difference from the claim",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class GasdsClaimForm(forms.Form):
    hmrc_reference = forms.CharField(
        label="HMRC reference",
        max_length=40,
        help_text="The reference Charities Online gave the claim.",
        error_messages={"required": "Enter HMRC's reference"},
        widget=REFERENCE,
    )
    claimed_on = forms.DateField(
        label="Date claimed",
        widget=DATE,
        error_messages={"required": "Enter the date of the claim", "invalid": "Enter a real date"},
    )


class GasdsPaymentForm(forms.Form):
    govuk_fields = {"amount": {"prefix": "£"}}

    paid_on = forms.DateField(
        label="Date received",
        widget=DATE,
        error_messages={"required": "Enter the date HMRC paid", "invalid": "Enter a real date"},
    )
    amount = forms.DecimalField(
        label="Amount HMRC paid, in pounds",
        widget=AMOUNT,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.00"),
        error_messages={
            "required": "Enter the amount HMRC paid",
            "invalid": "Enter the amount as a number, like 50.00",
            "min_value": "Enter an amount of £0.00 or more",
            "max_decimal_places": "Enter the amount in pounds and pence, like 50.00",
        },
    )
    reason = forms.CharField(
        label="Reason for any difference from the claim",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ScheduleTemplateForm(forms.Form):
    template = forms.FileField(
        label="HMRC's Gift Aid schedule spreadsheet (ODS)",
        help_text="The ODS version of HMRC's schedule, as downloaded from gov.uk.",
        error_messages={"required": "Choose HMRC's schedule file"},
    )
