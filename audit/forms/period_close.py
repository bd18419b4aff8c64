"""The period-close checklist's form: which fund, which period, and why."""

from django import forms

from fund.models import Fund


class PeriodCloseForm(forms.Form):
    """Which fund and period to check and close, and why when an item is still open."""

    fund = forms.ModelChoiceField(
        label="Fund",
        queryset=Fund.objects.order_by("name"),
        to_field_name="code",
        error_messages={"required": "Choose a fund.", "invalid_choice": "Choose a fund."},
    )
    period_end = forms.DateField(
        label="Last day of the period",
        help_text="For example, 31/10/2026 for October.",
        error_messages={
            "required": "Enter the last day of the period.",
            "invalid": "Enter the last day of the period as a date, for example 31/10/2026.",
        },
    )
    reason = forms.CharField(
        label="Why close the period with an item open (only when an item is open)",
        max_length=100,
        required=False,
        error_messages={"max_length": "Keep the reason to 100 characters or fewer."},
    )
