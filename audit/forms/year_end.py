"""The year-end pack's form: which financial year to download."""

from django import forms


class YearEndPackForm(forms.Form):
    """The financial year whose pack to download, named by the year its end falls in."""

    year_end = forms.TypedChoiceField(
        label="Financial year ending", coerce=int, error_messages={"required": "Choose a year."}
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year_end"].choices = choices
