from django import forms

from banking.models import CsvLayout, MatchKind
from banking.parsing import BUILT_IN_LAYOUTS
from banking.services.worked_lines import refund_accounts
from donations.models.contributions import Pledge
from fund.models import Account, Fund
from fund.money import format_gbp

INPUT = "govuk-input"
SELECT = "govuk-select"
MAX_COLUMN = 50


def layout_choices() -> list[tuple[str, str]]:
    """The import form's CSV layouts: recognised from the heading row, built in, or defined."""
    return (
        [("", "Recognise it from the heading row")]
        + [(name, f"{name} (built in)") for name in BUILT_IN_LAYOUTS]
        + [(name, name) for name in CsvLayout.objects.values_list("name", flat=True)]
    )


class ImportForm(forms.Form):
    file = forms.FileField(label="Statement file (OFX or CSV)")
    layout = forms.ChoiceField(
        label="CSV layout",
        required=False,
        help_text="Leave it to recognise the two built-in layouts from the heading row; "
        "choose a layout a manager defined for any other bank's CSV. Not used for OFX.",
        error_messages={"invalid_choice": "Choose a CSV layout from the list."},
        widget=forms.Select(attrs={"class": SELECT}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["layout"].choices = layout_choices()


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
        required=False,
        help_text="Not needed for a contribution paying a pledge: it goes to the pledge's fund.",
        widget=forms.Select(attrs={"class": SELECT}),
    )
    pledge = forms.ModelChoiceField(
        label="For a contribution received: the pledge it pays (if any)",
        queryset=Pledge.objects.select_related("fund"),
        required=False,
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
        self.fields["pledge"].label_from_instance = lambda p: (
            f"{p.funder}: {p.reference}, {format_gbp(p.amount)} to {p.fund.name}"
        )

    def clean(self):
        data = super().clean()
        if not data.get("fund") and not data.get("pledge") and "fund" not in self.errors:
            self.add_error("fund", "Choose the fund the entry is for.")
        return data


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


COLUMN_FIELDS = {
    "date_column": "Date",
    "description_column": "Description",
    "type_column": "Type",
    "amount_column": "Amount",
    "paid_out_column": "Paid out",
    "paid_in_column": "Paid in",
    "balance_column": "Balance",
}


def _column(label: str, *, required: bool = True, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=1,
        max_value=MAX_COLUMN,
        help_text=help_text,
        error_messages={
            "required": f"Enter the number of the {label.lower().split(' (')[0]}.",
            "invalid": "Enter a column number, such as 3.",
            "min_value": "Columns are counted from 1 (the first column is 1).",
            "max_value": f"Enter a column number from 1 to {MAX_COLUMN}.",
        },
        widget=forms.NumberInput(attrs={"class": f"{INPUT} govuk-input--width-3"}),
    )


class CsvLayoutForm(forms.Form):
    """A manager describes a bank's CSV: which column (counting from 1) holds what."""

    name = forms.SlugField(
        label="Name",
        max_length=40,
        help_text="Lower-case letters, numbers and hyphens, such as lloyds-business.",
        error_messages={
            "required": "Enter a name for the layout.",
            "invalid": "Use only lower-case letters, numbers and hyphens, such as lloyds-business.",
        },
        widget=forms.TextInput(attrs={"class": f"{INPUT} govuk-input--width-20"}),
    )
    header_rows = forms.IntegerField(
        label="Heading rows before the first line",
        min_value=0,
        max_value=20,
        initial=1,
        error_messages={
            "required": "Enter how many heading rows come before the first line (0 if none).",
            "invalid": "Enter a number of rows, such as 1.",
            "min_value": "Enter 0 or more heading rows.",
            "max_value": "Enter at most 20 heading rows.",
        },
        widget=forms.NumberInput(attrs={"class": f"{INPUT} govuk-input--width-3"}),
    )
    date_order = forms.ChoiceField(
        label="Date format",
        choices=CsvLayout.DateOrder.choices,
        initial=CsvLayout.DateOrder.DAY_FIRST,
        error_messages={"required": "Choose the date format."},
        widget=forms.Select(attrs={"class": SELECT}),
    )
    date_column = _column("Date column")
    description_column = _column("Description column")
    type_column = _column("Type column (optional)", required=False)
    amounts = forms.ChoiceField(
        label="How the amounts are shown",
        choices=[
            ("amount", "One Amount column (paid out shown as minus)"),
            ("paid_in_out", "Separate Paid in and Paid out columns"),
        ],
        initial="paid_in_out",
        error_messages={"required": "Choose how the amounts are shown."},
        widget=forms.Select(attrs={"class": SELECT}),
    )
    amount_column = _column("Amount column (for one Amount column)", required=False)
    paid_out_column = _column("Paid out column (for separate columns)", required=False)
    paid_in_column = _column("Paid in column (for separate columns)", required=False)
    balance_column = _column("Balance column")

    def clean_name(self):
        name = self.cleaned_data["name"]
        if name in BUILT_IN_LAYOUTS:
            raise forms.ValidationError(f"{name} is a built-in layout; choose another name.")
        if CsvLayout.objects.filter(name=name).exists():
            raise forms.ValidationError(f"There is already a layout called {name}.")
        return name

    def clean(self):
        data = super().clean()
        if data.get("amounts") == "amount":
            if not data.get("amount_column") and "amount_column" not in self.errors:
                self.add_error("amount_column", "Enter the number of the Amount column.")
            data["paid_in_column"] = data["paid_out_column"] = None
        elif data.get("amounts") == "paid_in_out":
            for field in ("paid_in_column", "paid_out_column"):
                if not data.get(field) and field not in self.errors:
                    label = COLUMN_FIELDS[field]
                    self.add_error(field, f"Enter the number of the {label} column.")
            data["amount_column"] = None
        used: dict[int, list[str]] = {}
        for field, label in COLUMN_FIELDS.items():
            if data.get(field):
                used.setdefault(data[field], []).append(label)
        clashes = [
            f"column {number} is given for both {' and '.join(labels)}"
            for number, labels in sorted(used.items())
            if len(labels) > 1
        ]
        if clashes:
            raise forms.ValidationError(
                "Each column can hold only one thing: " + "; ".join(clashes) + "."
            )
        return data

    def layout_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "header_rows": data["header_rows"],
            "date_order": data["date_order"],
            **{field: data.get(field) or None for field in COLUMN_FIELDS},
        }
