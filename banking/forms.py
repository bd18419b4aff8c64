from django import forms

from banking.models import MatchKind
from banking.services import refund_accounts
from fund.models import Account, Fund

INPUT = "govuk-input"
SELECT = "govuk-select"


class ImportForm(forms.Form):
    file = forms.FileField(label="Statement file (OFX or CSV)")
    layout = forms.CharField(
        label="CSV layout",
        required=False,
        help_text="Leave empty to recognise it from the heading row; or paid-in-out, amount, "
        "or a layout a manager defined.",
        widget=forms.TextInput(attrs={"class": f"{INPUT} govuk-input--width-20"}),
    )


class WorkForm(forms.Form):
    kind = forms.ChoiceField(
        label="What the line is",
        choices=[
            (k, MatchKind(k).label)
            for k in (
                "bank_charge",
                "interest",
                "contribution_received",
                "refund_returned",
                "unknown_receipt",
            )
        ],
        widget=forms.Select(attrs={"class": SELECT}),
    )
    fund = forms.ModelChoiceField(
        label="Fund",
        queryset=Fund.objects.filter(is_active=True),
        widget=forms.Select(attrs={"class": SELECT}),
    )
    account = forms.ModelChoiceField(
        label="For a refund returned: the account it goes back to",
        queryset=Account.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": SELECT}),
    )
    reason = forms.CharField(
        label="Reason", max_length=300, widget=forms.TextInput(attrs={"class": INPUT})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = refund_accounts()


class UndoForm(forms.Form):
    reason = forms.CharField(
        label="Why the match is undone",
        max_length=300,
        widget=forms.TextInput(attrs={"class": INPUT}),
    )


class ClearForm(forms.Form):
    account = forms.ModelChoiceField(
        label="The account the receipt belongs to",
        queryset=Account.objects.filter(type__in=["income", "liability"]).exclude(
            code="liabilities:suspense"
        ),
        widget=forms.Select(attrs={"class": SELECT}),
    )
    reason = forms.CharField(
        label="Reason", max_length=300, widget=forms.TextInput(attrs={"class": INPUT})
    )


class ReconciliationForm(forms.Form):
    as_of = forms.DateField(
        label="Statement date",
        widget=forms.DateInput(
            format="%Y-%m-%d", attrs={"class": f"{INPUT} govuk-input--width-10", "type": "date"}
        ),
    )
