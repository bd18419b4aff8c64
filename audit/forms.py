from django import forms

from audit.exports import EXPORT_KINDS, ExportParams
from fund.models import Fund

FORMAT_LABELS = {
    "csv": "CSV (spreadsheet text)",
    "xlsx": "Excel workbook (XLSX)",
    "ods": "OpenDocument spreadsheet (ODS)",
    "hledger": "hledger journal",
    "beancount": "beancount file",
    "pdf": "PDF statement",
}


class ExportForm(forms.Form):
    kind = forms.ChoiceField(
        label="What to export", choices=[(k.code, k.label) for k in EXPORT_KINDS.values()]
    )
    file_format = forms.ChoiceField(
        label="Format", choices=list(FORMAT_LABELS.items()), widget=forms.RadioSelect
    )
    fund = forms.ModelChoiceField(
        label="Fund",
        queryset=Fund.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label="All funds",
    )
    date_from = forms.DateField(label="From", required=False)
    date_to = forms.DateField(label="To", required=False)

    def clean(self):
        data = super().clean()
        kind, file_format = EXPORT_KINDS.get(data.get("kind")), data.get("file_format")
        if kind and file_format and file_format not in kind.formats:
            allowed = ", ".join(FORMAT_LABELS[f] for f in kind.formats)
            self.add_error("file_format", f"{kind.label} can be exported as: {allowed}.")
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return data

    def params(self) -> ExportParams:
        return ExportParams(
            date_from=self.cleaned_data["date_from"],
            date_to=self.cleaned_data["date_to"],
            fund=self.cleaned_data["fund"],
        )


class SubjectAccessForm(forms.Form):
    KINDS = [("client", "A client reference"), ("donor", "A donor's email address")]

    kind = forms.ChoiceField(
        label="Who is asking?",
        choices=KINDS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether this is a client reference or a donor's email"},
    )
    value = forms.CharField(
        label="Client reference or email address",
        max_length=254,
        error_messages={"required": "Enter the client reference or email address"},
    )

    def clean(self):
        data = super().clean()
        if data.get("kind") == "donor" and data.get("value"):
            try:
                forms.EmailField().clean(data["value"])
            except forms.ValidationError:
                self.add_error(
                    "value", "Enter an email address in the correct format, like name@example.com"
                )
        return data
