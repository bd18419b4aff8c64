"""The exports page's form: what to export, in which format, for which fund and period."""

from django import forms

from audit.exports.kinds import EXPORT_KINDS
from audit.exports.params import ExportParams
from fund.models import Fund

FORMAT_LABELS = {
    "csv": "CSV (spreadsheet text)",
    "xlsx": "Excel workbook (XLSX)",
    "ods": "OpenDocument spreadsheet (ODS)",
    "hledger": "hledger journal",
    "beancount": "beancount file",
    "pdf": "PDF statement",
}


def export_value(kind: str, file_format: str) -> str:
    return f"{kind}:{file_format}"


def export_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Each export with only the formats it has, grouped under the export's name."""
    return [
        (
            kind.label,
            [
                (export_value(kind.code, f), f"{kind.label} as {FORMAT_LABELS[f]}")
                for f in kind.formats
            ],
        )
        for kind in EXPORT_KINDS.values()
    ]


class ExportForm(forms.Form):
    """What to export, in which format, for which fund and period.

    The page offers one choice per export and format it has (``ledger:xlsx``). A link
    may still give ``kind`` and ``file_format`` apart; a format that export does not have
    is then explained rather than refused as an unknown choice.
    """

    export = forms.CharField(
        label="What to export",
        widget=forms.Select(choices=export_choices()),
        error_messages={"required": "Choose what to export."},
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

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("export") and data.get("kind"):
            data = data.copy()
            data["export"] = export_value(data["kind"], data.get("file_format", ""))
        super().__init__(data, *args, **kwargs)

    def clean_export(self) -> str:
        value = self.cleaned_data["export"]
        code, _, file_format = value.partition(":")
        kind = EXPORT_KINDS.get(code)
        if kind is None:
            raise forms.ValidationError("Choose one of the exports listed.")
        if file_format not in kind.formats:
            allowed = ", ".join(FORMAT_LABELS[f] for f in kind.formats)
            raise forms.ValidationError(f"{kind.label} can be exported as: {allowed}.")
        return value

    def clean(self):
        data = super().clean()
        if data.get("export"):
            data["kind"], data["file_format"] = data["export"].split(":")
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return data

    def params(self) -> ExportParams:
        return ExportParams(
            date_from=self.cleaned_data["date_from"],
            date_to=self.cleaned_data["date_to"],
            fund=self.cleaned_data["fund"],
        )
