"""The dashboard's filter: a date range and a fund, read from the query string."""

from datetime import date

from django import forms
from django.utils import timezone

from audit.dashboards.periods import Period, last_four_quarters, last_twelve_months
from fund.models import Fund

MAX_DAYS = 3 * 366  # three years of months is as much as a chart can show readably


class DashboardFilterForm(forms.Form):
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(
            format="%Y-%m-%d", attrs={"class": "govuk-input govuk-input--width-10", "type": "date"}
        ),
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(
            format="%Y-%m-%d", attrs={"class": "govuk-input govuk-input--width-10", "type": "date"}
        ),
    )
    fund = forms.ModelChoiceField(
        label="Fund",
        queryset=Fund.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label="All funds",
        to_field_name="code",
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end:
            if start > end:
                raise forms.ValidationError("The start date must be on or before the end date.")
            if (end - start).days > MAX_DAYS:
                raise forms.ValidationError("Choose a range of three years or less.")
        return cleaned

    def period(self, today: date | None = None) -> Period:
        """The chosen period; the last twelve months and all funds when nothing (valid) is
        chosen."""
        today = today or timezone.localdate()
        default = last_twelve_months(today)
        if not self.is_valid():
            return default
        start = self.cleaned_data.get("date_from")
        end = self.cleaned_data.get("date_to")
        if start and not end:
            end = max(start, today) if (today - start).days <= MAX_DAYS else start
        if end and not start:
            start = last_twelve_months(end).start
        return Period(
            start=start or default.start,
            end=end or default.end,
            fund=self.cleaned_data.get("fund"),
        )


class PartnerFilterForm(DashboardFilterForm):
    """Partners see every fund together, by quarter; the default is the last four."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["fund"]

    def period(self, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        chosen = super().period(today)
        if self.is_valid() and (
            self.cleaned_data.get("date_from") or self.cleaned_data.get("date_to")
        ):
            return chosen
        return last_four_quarters(today)
