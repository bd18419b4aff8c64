"""Forms for contactless collection points: a terminal at a point, a report to import.

Validation here is for friendly messages; the services and the database enforce the rules.
"""

from django import forms

from donations.forms.cash import _text
from donations.tap_report import IDENTIFIER, LAYOUTS

# A provider's report of a few months of taps is well under this; anything bigger is not one.
MAX_REPORT_BYTES = 5 * 1024 * 1024


# The card providers charities' contactless terminals come from. A choice, not free text:
# the provider's name is part of each tap's identity, so "Sumup" and "SumUp" must not both
# appear.
PROVIDERS = ["SumUp", "Zettle", "Square", "GoodBox", "Stripe Terminal"]


class TapTerminalForm(forms.Form):
    provider = forms.ChoiceField(
        label="Card provider",
        choices=[("", "Choose the provider")] + [(p, p) for p in PROVIDERS],
        widget=forms.Select(attrs={"class": "govuk-select"}),
        error_messages={
            "required": "Choose the card provider",
            "invalid_choice": "Choose one of the card providers listed",
        },
    )
    terminal_id = _text(
        "Terminal id", width=20, hint="As it appears in the provider's transaction report"
    )

    def clean_terminal_id(self):
        value = self.cleaned_data["terminal_id"].strip()
        if not IDENTIFIER.match(value):
            raise forms.ValidationError(
                "Enter the terminal id as in the provider's report: up to 60 letters, digits "
                "and - . _ : /"
            )
        return value


class TapImportForm(forms.Form):
    file = forms.FileField(
        label="Transaction report (CSV)",
        error_messages={"required": "Choose the provider's transaction report to import"},
    )
    layout = forms.ChoiceField(
        label="Report layout",
        choices=[(name, f"{name}: {layout.label}") for name, layout in LAYOUTS.items()],
        widget=forms.Select(attrs={"class": "govuk-select"}),
        error_messages={"invalid_choice": "Choose one of the report layouts listed"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_REPORT_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB: it is not a tap report")
        return upload
