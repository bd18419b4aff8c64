"""The subject-access request: a client reference or a donor's email address."""

from django import forms


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
